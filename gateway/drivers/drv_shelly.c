/* drv_shelly.c — Shelly Gen2+ relays over MQTT JSON-RPC (pure codec). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_shelly.h"
#include "drv_util.h"
#include "fallback.h"

int dc_shelly_prefix_valid(const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;
	return n > 0 && n < 128 && !strpbrk(prefix, "+#") && prefix[0] != '/' &&
	       prefix[n - 1] != '/';
}

int dc_shelly_subscriptions(const char *prefix, char subs[3][DC_DRV_TOPIC_MAX])
{
	if (!dc_shelly_prefix_valid(prefix))
		return -1;
	snprintf(subs[0], DC_DRV_TOPIC_MAX, "%s/online", prefix);
	snprintf(subs[1], DC_DRV_TOPIC_MAX, "%s/status/+", prefix);
	snprintf(subs[2], DC_DRV_TOPIC_MAX, "%s/events/rpc", prefix);
	return 3;
}

int dc_shelly_command(const char *prefix, const char *src, long long rpc_id, int channel, int on,
		      struct dc_drv_msg *out)
{
	if (!dc_shelly_prefix_valid(prefix) || !dc_shelly_prefix_valid(src) || channel < 1 ||
	    channel > DC_MAX_CHANNELS || strpbrk(src, "\"\\"))
		return -1;
	snprintf(out->topic, sizeof out->topic, "%s/rpc", prefix);
	int n = snprintf(out->payload, sizeof out->payload,
			 "{\"id\":%lld,\"src\":\"%s\",\"method\":\"Switch.Set\","
			 "\"params\":{\"id\":%d,\"on\":%s}}",
			 rpc_id, src, channel - 1, on ? "true" : "false");
	if (n < 0 || (size_t)n >= sizeof out->payload)
		return -1;
	out->len = (size_t)n;
	out->retain = 0;
	return 0;
}

int dc_shelly_query(const char *prefix, const char *src, long long rpc_id, int channel,
		    struct dc_drv_msg *out)
{
	if (!dc_shelly_prefix_valid(prefix) || !dc_shelly_prefix_valid(src) || channel < 1 ||
	    channel > DC_MAX_CHANNELS || strpbrk(src, "\"\\"))
		return -1;
	snprintf(out->topic, sizeof out->topic, "%s/rpc", prefix);
	int n = snprintf(out->payload, sizeof out->payload,
			 "{\"id\":%lld,\"src\":\"%s\",\"method\":\"Switch.GetStatus\","
			 "\"params\":{\"id\":%d}}", rpc_id, src, channel - 1);
	if (n < 0 || (size_t)n >= sizeof out->payload)
		return -1;
	out->len = (size_t)n;
	out->retain = 0;
	return 0;
}

/* "switch:3" -> channel 4; anything else -> 0. */
static int switch_channel(const char *s)
{
	if (strncmp(s, "switch:", 7) != 0 || s[7] < '0' || s[7] > '9')
		return 0;
	char *end;
	long n = strtol(s + 7, &end, 10);
	return *end == '\0' && n >= 0 && n < DC_MAX_CHANNELS ? (int)n + 1 : 0;
}

/* One switch status object.  In a full status "id" and "output" are
 * required; in a NotifyStatus delta every field is optional. */
static int parse_switch(const char *where, const char *key, const cJSON *j, int ch, int full,
			struct dc_drv_out *o, char *err, size_t errlen)
{
	if (!cJSON_IsObject(j))
		return dc_drv_err(err, errlen, "%s: %s: expected an object", where, key);
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(j, "output");
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(j, "apower");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(j, "aenergy");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");

	if (id && (!cJSON_IsNumber(id) || id->valuedouble != ch - 1))
		return dc_drv_err(err, errlen, "%s: %s.id: expected %d", where, key, ch - 1);
	if (out && !cJSON_IsBool(out))
		return dc_drv_err(err, errlen, "%s: %s.output: expected true or false", where, key);
	if (!out && full)
		return dc_drv_err(err, errlen, "%s: %s.output: missing", where, key);
	if (pw && (!cJSON_IsNumber(pw) || !isfinite(pw->valuedouble) || fabs(pw->valuedouble) > 1e6))
		return dc_drv_err(err, errlen, "%s: %s.apower: expected a number", where, key);
	const cJSON *tot = NULL;
	if (en) {
		if (!cJSON_IsObject(en))
			return dc_drv_err(err, errlen, "%s: %s.aenergy: expected an object", where,
					  key);
		tot = cJSON_GetObjectItemCaseSensitive(en, "total");
		/* 1e12 Wh, as Tasmota's bound; 1e999 parses as inf. */
		if (tot && (!cJSON_IsNumber(tot) || !(tot->valuedouble >= 0 && tot->valuedouble <= 1e12)))
			return dc_drv_err(err, errlen,
					  "%s: %s.aenergy.total: expected a number of Wh from 0 to 1e12",
					  where, key);
	}
	/* A full status names its switch as a native state its channel. */
	if (!id && full)
		return dc_drv_err(err, errlen, "%s: %s.id: missing", where, key);
	int rc = 0;
	if (out)
		rc |= dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = ch,
						     .on = cJSON_IsTrue(out) });
	if (pw)
		rc |= dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_POWER, .channel = ch,
						     .value = fabs(pw->valuedouble) });
	if (tot)
		rc |= dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_ENERGY, .channel = ch,
						     .value = tot->valuedouble });
	return rc ? dc_drv_err(err, errlen, "%s: too many values", where) : 0;
}

static int parse_notify(const char *where, const cJSON *j, struct dc_drv_out *o, char *err,
			size_t errlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
	if (!cJSON_IsString(m))
		return dc_drv_err(err, errlen, "%s: method: expected a string", where);
	if (strcmp(m->valuestring, "NotifyStatus") != 0 &&
	    strcmp(m->valuestring, "NotifyFullStatus") != 0)
		return 0;	/* NotifyEvent and friends: nothing about outputs */
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
	if (!cJSON_IsObject(params))
		return dc_drv_err(err, errlen, "%s: params: expected an object", where);
	const cJSON *it;
	cJSON_ArrayForEach(it, params) {
		int ch = switch_channel(it->string);
		char key[64];
		if (!ch)
			continue;
		snprintf(key, sizeof key, "params.%s", it->string);
		if (parse_switch(where, key, it, ch, 0, o, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int dc_shelly_parse(const char *prefix, const char *mqtt_topic, const void *payload, size_t len,
		    struct dc_drv_event *ev, size_t max, char *err, size_t errlen)
{
	struct dc_drv_out o = { ev, max, 0 };
	const char *leaf = dc_drv_after(mqtt_topic, prefix);
	const char *st;
	int ch = 0, rc = 0;
	char *text;

	if (!leaf)
		return 0;
	if ((st = dc_drv_after(leaf, "status"))) {
		if (!(ch = switch_channel(st)))
			return 0;	/* sys, wifi, input:0, ... */
	} else if (strcmp(leaf, "online") != 0 && strcmp(leaf, "events/rpc") != 0) {
		return 0;
	}
	if (!(text = dc_drv_text(mqtt_topic, payload, len, err, errlen)))
		return -1;
	if (!strcmp(leaf, "online")) {
		int on = !strcmp(text, "true") ? 1 : !strcmp(text, "false") ? 0 : -1;
		if (on < 0)
			rc = dc_drv_err(err, errlen, "%s: expected true or false", mqtt_topic);
		else
			dc_drv_push(&o, (struct dc_drv_event){ .kind = DC_EV_ONLINE, .online = on });
	} else {
		cJSON *j = dc_drv_json(mqtt_topic, text, err, errlen);
		if (!j)
			rc = -1;
		else if (!cJSON_IsObject(j))
			rc = dc_drv_err(err, errlen, "%s: expected a JSON object", mqtt_topic);
		else if (ch)
			rc = parse_switch(mqtt_topic, st, j, ch, 1, &o, err, errlen);
		else
			rc = parse_notify(mqtt_topic, j, &o, err, errlen);
		cJSON_Delete(j);
	}
	free(text);
	return rc < 0 ? -1 : (int)o.n;
}

int dc_shelly_parse_answer(const char *mqtt_topic, const void *payload, size_t len,
			   struct dc_drv_event *ev, char *err, size_t errlen)
{
	char *text = dc_drv_text(mqtt_topic, payload, len, err, errlen);
	cJSON *j;
	int rc = -1;

	if (!text)
		return -1;
	if (!(j = dc_drv_json(mqtt_topic, text, err, errlen)))
		goto out;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "result");
	const cJSON *er = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (!cJSON_IsObject(j))
		dc_drv_err(err, errlen, "%s: expected a JSON object", mqtt_topic);
	else if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 9e15 ||
		 id->valuedouble != floor(id->valuedouble))
		dc_drv_err(err, errlen, "%s: id: expected a non-negative integer", mqtt_topic);
	else if (!!res == !!er)
		dc_drv_err(err, errlen, "%s: expected exactly one of result, error", mqtt_topic);
	else if (er && !cJSON_IsObject(er))
		dc_drv_err(err, errlen, "%s: error: expected an object", mqtt_topic);
	else {
		/* Switch.GetStatus answers carry the output. */
		const cJSON *out = cJSON_IsObject(res) ? cJSON_GetObjectItemCaseSensitive(res, "output")
						       : NULL;
		const cJSON *pw = cJSON_IsObject(res) ? cJSON_GetObjectItemCaseSensitive(res, "apower")
						      : NULL;
		int has_pw = cJSON_IsNumber(pw) && isfinite(pw->valuedouble) && pw->valuedouble >= 0;
		*ev = (struct dc_drv_event){ .kind = DC_EV_RPC_RESULT,
					     .rpc_id = (long long)id->valuedouble, .rpc_ok = !!res,
					     .has_state = cJSON_IsBool(out), .on = cJSON_IsTrue(out),
					     .has_power = has_pw, .value = has_pw ? pw->valuedouble : 0 };
		rc = 1;
	}
	cJSON_Delete(j);
out:
	free(text);
	return rc;
}
