/* drv_native.c — decran-relay boxes, protocol v1 (pure codec). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_native.h"
#include "drv_util.h"
#include "fallback.h"

int dc_native_subscriptions(const char *box, char subs[3][DC_DRV_TOPIC_MAX])
{
	snprintf(subs[0], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/state/+", box);
	snprintf(subs[1], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/status", box);
	snprintf(subs[2], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/tele", box);
	return 3;
}

static int cmd_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-", *s))
			return 0;
	return 1;
}

int dc_native_command(const char *box, int channel, int on, const char *cmd_id,
		      struct dc_drv_msg *out)
{
	if (!dc_slug_valid(box) || channel < 1 || channel > DC_MAX_CHANNELS || !cmd_id_valid(cmd_id))
		return -1;
	snprintf(out->topic, sizeof out->topic, DC_NATIVE_ROOT "/%s/cmd/%d", box, channel);
	out->len = (size_t)snprintf(out->payload, sizeof out->payload,
				    "{\"v\":1,\"id\":\"%s\",\"on\":%s}", cmd_id,
				    on ? "true" : "false");
	out->retain = 0;
	return 0;
}

void dc_native_fallback_topic(const char *box, char *buf, size_t len)
{
	snprintf(buf, len, DC_NATIVE_ROOT "/%s/fallback", box);
}

size_t dc_native_heartbeat(int online, int64_t t, char *buf, size_t len)
{
	int n = snprintf(buf, len, "{\"v\":1,\"online\":%s,\"t\":%lld}", online ? "true" : "false",
			 (long long)t);
	return n < 0 ? 0 : (size_t)n;
}

static int check_version(const char *where, const cJSON *j, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
	if (!cJSON_IsNumber(v))
		return dc_drv_err(err, errlen, "%s: v: required protocol version", where);
	if (v->valuedouble != 1)
		return dc_drv_err(err, errlen, "%s: v: unsupported version %g", where, v->valuedouble);
	return 0;
}

static int number(const char *where, const cJSON *j, const char *key, double *out, char *err,
		  size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
		return dc_drv_err(err, errlen, "%s: %s: expected a number >= 0", where, key);
	*out = v->valuedouble;
	return 1;
}

int dc_native_parse(const char *box, const char *mqtt_topic, const void *payload, size_t len,
		    struct dc_drv_event *ev, size_t max, char *err, size_t errlen)
{
	const char *rest = dc_drv_after(mqtt_topic, DC_NATIVE_ROOT), *leaf;
	int ch = 0, n = 0, rc = 0;
	char *text;
	cJSON *j;

	if (!rest || !(leaf = dc_drv_after(rest, box)) || max < 3)
		return 0;
	if (!strncmp(leaf, "state/", 6)) {
		char *end;
		long c = strtol(leaf + 6, &end, 10);
		if (*end || leaf[6] < '1' || leaf[6] > '9' || c > DC_MAX_CHANNELS)
			return 0;
		ch = (int)c;
	} else if (strcmp(leaf, "status") != 0 && strcmp(leaf, "tele") != 0) {
		return 0;
	}
	if (!(text = dc_drv_text(mqtt_topic, payload, len, err, errlen)))
		return -1;
	if (!len && ch) {
		free(text);	/* a cleared retained state: nothing known */
		return 0;
	}
	if (!(j = dc_drv_json(mqtt_topic, text, err, errlen))) {
		free(text);
		return -1;
	}
	if (!cJSON_IsObject(j)) {
		rc = dc_drv_err(err, errlen, "%s: expected a JSON object", mqtt_topic);
	} else if (check_version(mqtt_topic, j, err, errlen) < 0) {
		rc = -1;
	} else if (ch) {
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(j, "on");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "ch");
		if (!cJSON_IsBool(on))
			rc = dc_drv_err(err, errlen, "%s: on: expected true or false", mqtt_topic);
		else if (c && (!cJSON_IsNumber(c) || c->valuedouble != ch))
			rc = dc_drv_err(err, errlen, "%s: ch: expected %d", mqtt_topic, ch);
		else
			ev[n++] = (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = ch,
							 .on = cJSON_IsTrue(on) };
	} else if (!strcmp(leaf, "status")) {
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(j, "online");
		if (!cJSON_IsBool(on))
			rc = dc_drv_err(err, errlen, "%s: online: expected true or false", mqtt_topic);
		else
			ev[n++] = (struct dc_drv_event){ .kind = DC_EV_ONLINE,
							 .online = cJSON_IsTrue(on) };
	} else {
		double w, wh;
		int a = number(mqtt_topic, j, "power_w", &w, err, errlen);
		int b = a < 0 ? -1 : number(mqtt_topic, j, "energy_wh", &wh, err, errlen);
		if (a < 0 || b < 0)
			rc = -1;
		else {
			if (a)
				ev[n++] = (struct dc_drv_event){ .kind = DC_EV_POWER, .value = w };
			if (b)
				ev[n++] = (struct dc_drv_event){ .kind = DC_EV_ENERGY, .value = wh };
		}
	}
	cJSON_Delete(j);
	free(text);
	return rc < 0 ? -1 : n;
}
