/* drv_tasmota.c — Tasmota relays over MQTT (pure codec). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_tasmota.h"
#include "drv_util.h"
#include "fallback.h"

int dc_tasmota_topic_valid(const char *topic)
{
	size_t n = topic ? strlen(topic) : 0;
	return n > 0 && n < 100 && !strpbrk(topic, "/+#");
}

int dc_tasmota_subscriptions(const char *topic, char subs[2][DC_DRV_TOPIC_MAX])
{
	if (!dc_tasmota_topic_valid(topic))
		return -1;
	snprintf(subs[0], DC_DRV_TOPIC_MAX, "stat/%s/+", topic);
	snprintf(subs[1], DC_DRV_TOPIC_MAX, "tele/%s/+", topic);
	return 2;
}

int dc_tasmota_command(const char *topic, int channel, int on, struct dc_drv_msg *out)
{
	if (!dc_tasmota_topic_valid(topic) || channel < 1 || channel > DC_MAX_CHANNELS)
		return -1;
	snprintf(out->topic, sizeof out->topic, "cmnd/%s/POWER%d", topic, channel);
	out->len = (size_t)snprintf(out->payload, sizeof out->payload, "%s", on ? "ON" : "OFF");
	out->retain = 0;
	return 0;
}

int dc_tasmota_query(const char *topic, struct dc_drv_msg *out)
{
	if (!dc_tasmota_topic_valid(topic))
		return -1;
	snprintf(out->topic, sizeof out->topic, "cmnd/%s/STATE", topic);
	out->payload[0] = '\0';
	out->len = 0;
	out->retain = 0;
	return 0;
}

int dc_tasmota_meter_now(const char *topic, struct dc_drv_msg *out)
{
	if (!dc_tasmota_topic_valid(topic))
		return -1;
	snprintf(out->topic, sizeof out->topic, "cmnd/%s/STATUS", topic);
	out->len = (size_t)snprintf(out->payload, sizeof out->payload, "8");
	out->retain = 0;
	return 0;
}

/* "POWER" -> 1, "POWER7" -> 7, anything else -> 0. */
static int power_channel(const char *key)
{
	if (strncmp(key, "POWER", 5) != 0)
		return 0;
	if (key[5] == '\0')
		return 1;
	if (key[5] < '1' || key[5] > '9')
		return 0;
	char *end;
	long n = strtol(key + 5, &end, 10);
	return *end == '\0' && n >= 1 && n <= DC_MAX_CHANNELS ? (int)n : 0;
}

/* {"POWER1":"ON", ...} in RESULT and STATE. */
static int parse_power_object(const char *where, const cJSON *j, struct dc_drv_out *o, char *err,
			      size_t errlen)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, j) {
		int ch = power_channel(it->string);
		if (!ch)
			continue;
		int on = cJSON_IsString(it) ? dc_drv_onoff(it->valuestring) : -1;
		if (on < 0)
			return dc_drv_err(err, errlen, "%s: %s: expected \"ON\" or \"OFF\"", where,
					  it->string);
		if (dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = ch, .on = on }))
			return dc_drv_err(err, errlen, "%s: too many values", where);
	}
	return 0;
}

/* ENERGY.Power is a number (one relay) or an array (one per relay). */
static int parse_energy(const char *where, const cJSON *j, struct dc_drv_out *o, char *err,
			size_t errlen)
{
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(j, "ENERGY");
	if (!en)
		return 0;	/* a SENSOR message from another sensor */
	if (!cJSON_IsObject(en))
		return dc_drv_err(err, errlen, "%s: ENERGY: expected an object", where);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(en, "Power");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(en, "Total");
	if (p && cJSON_IsNumber(p)) {
		if (p->valuedouble < 0 || p->valuedouble > 1e6)
			return dc_drv_err(err, errlen, "%s: ENERGY.Power: out of range", where);
		dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_POWER, .value = p->valuedouble });
	} else if (p && cJSON_IsArray(p)) {
		int i = 0;
		const cJSON *v;
		cJSON_ArrayForEach(v, p) {
			if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e6)
				return dc_drv_err(err, errlen,
						  "%s: ENERGY.Power[%d]: expected a number >= 0",
						  where, i);
			if (++i > DC_MAX_CHANNELS)
				return dc_drv_err(err, errlen, "%s: ENERGY.Power: too many values",
						  where);
			if (dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_POWER, .channel = i,
							   .value = v->valuedouble }))
				return dc_drv_err(err, errlen, "%s: too many values", where);
		}
	} else if (p) {
		return dc_drv_err(err, errlen, "%s: ENERGY.Power: expected a number or an array",
				  where);
	}
	if (t) {
		/* 1e9 kWh: a meter's lifetime many times over; 1e999 parses as inf. */
		if (!cJSON_IsNumber(t) || !(t->valuedouble >= 0 && t->valuedouble <= 1e9))
			return dc_drv_err(err, errlen,
					  "%s: ENERGY.Total: expected a number of kWh from 0 to 1e9",
					  where);
		/* Tasmota counts kWh; the gateway counts Wh everywhere. */
		if (dc_drv_push(o, (struct dc_drv_event){ .kind = DC_EV_ENERGY,
						   .value = t->valuedouble * 1000.0 }))
			return dc_drv_err(err, errlen, "%s: too many values", where);
	}
	return 0;
}

int dc_tasmota_parse(const char *topic, const char *mqtt_topic, const void *payload, size_t len,
		     struct dc_drv_event *ev, size_t max, char *err, size_t errlen)
{
	struct dc_drv_out o = { ev, max, 0 };
	const char *rest, *leaf;
	int is_stat;
	char *text;
	int rc = 0;

	if ((rest = dc_drv_after(mqtt_topic, "stat")))
		is_stat = 1;
	else if ((rest = dc_drv_after(mqtt_topic, "tele")))
		is_stat = 0;
	else
		return 0;
	if (!(leaf = dc_drv_after(rest, topic)) || strchr(leaf, '/'))
		return 0;

	/* Only these leaves matter; others are not even copied. */
	int ch = is_stat ? power_channel(leaf) : 0;
	int want = ch || (is_stat && (!strcmp(leaf, "RESULT") || !strcmp(leaf, "STATUS8"))) ||
		   (!is_stat && (!strcmp(leaf, "LWT") || !strcmp(leaf, "STATE") ||
				 !strcmp(leaf, "SENSOR")));
	if (!want)
		return 0;
	if (!(text = dc_drv_text(mqtt_topic, payload, len, err, errlen)))
		return -1;

	if (ch) {
		int on = dc_drv_onoff(text);
		if (on < 0)
			rc = dc_drv_err(err, errlen, "%s: expected ON or OFF", mqtt_topic);
		else
			dc_drv_push(&o, (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = ch, .on = on });
	} else if (!strcmp(leaf, "LWT")) {
		if (!strcmp(text, "Online"))
			dc_drv_push(&o, (struct dc_drv_event){ .kind = DC_EV_ONLINE, .online = 1 });
		else if (!strcmp(text, "Offline"))
			dc_drv_push(&o, (struct dc_drv_event){ .kind = DC_EV_ONLINE, .online = 0 });
		else
			rc = dc_drv_err(err, errlen, "%s: expected Online or Offline", mqtt_topic);
	} else {
		cJSON *j = dc_drv_json(mqtt_topic, text, err, errlen);
		if (!j)
			rc = -1;
		else if (!cJSON_IsObject(j))
			rc = dc_drv_err(err, errlen, "%s: expected a JSON object", mqtt_topic);
		else if (!strcmp(leaf, "SENSOR"))
			rc = parse_energy(mqtt_topic, j, &o, err, errlen);
		else if (!strcmp(leaf, "STATUS8")) {
			const cJSON *sns = cJSON_GetObjectItemCaseSensitive(j, "StatusSNS");
			rc = cJSON_IsObject(sns) ? parse_energy(mqtt_topic, sns, &o, err, errlen)
						 : dc_drv_err(err, errlen, "%s: StatusSNS: expected an object",
							      mqtt_topic);
		}
		else
			rc = parse_power_object(mqtt_topic, j, &o, err, errlen);
		cJSON_Delete(j);
	}
	free(text);
	return rc < 0 ? -1 : (int)o.n;
}
