/* drv_native.c — decran-relay boxes, protocol v1 (pure codec). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_native.h"
#include "drv_util.h"
#include "fallback.h"

int dc_native_subscriptions(const char *box, char subs[4][DC_DRV_TOPIC_MAX])
{
	snprintf(subs[0], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/state/+", box);
	snprintf(subs[1], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/status", box);
	snprintf(subs[2], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/tele", box);
	snprintf(subs[3], DC_DRV_TOPIC_MAX, DC_NATIVE_ROOT "/%s/journal", box);
	return 4;
}

int dc_native_journal_ack(const char *box, unsigned long long upto, struct dc_drv_msg *out)
{
	if (!dc_slug_valid(box))
		return -1;
	snprintf(out->topic, sizeof out->topic, DC_NATIVE_ROOT "/%s/journal/ack", box);
	out->len = (size_t)snprintf(out->payload, sizeof out->payload, "{\"v\":1,\"upto\":%llu}",
				    upto);
	out->retain = 0;
	return 0;
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
	return dc_native_command_ovr(box, channel, on, cmd_id, 0, NULL, out);
}

static int by_valid(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-") == n;
}

int dc_native_command_ovr(const char *box, int channel, int on, const char *cmd_id,
			  int64_t ovr_until, const char *ovr_by, struct dc_drv_msg *out)
{
	if (!dc_slug_valid(box) || channel < 1 || channel > DC_MAX_CHANNELS ||
	    !cmd_id_valid(cmd_id) || ovr_until < 0 || (ovr_until && (!ovr_by || !by_valid(ovr_by))))
		return -1;
	snprintf(out->topic, sizeof out->topic, DC_NATIVE_ROOT "/%s/cmd/%d", box, channel);
	if (ovr_until)
		out->len = (size_t)snprintf(out->payload, sizeof out->payload,
					    "{\"v\":1,\"id\":\"%s\",\"on\":%s,\"ovr\":"
					    "{\"until\":%lld,\"by\":\"%s\"}}", cmd_id,
					    on ? "true" : "false", (long long)ovr_until, ovr_by);
	else
		out->len = (size_t)snprintf(out->payload, sizeof out->payload,
					    "{\"v\":1,\"id\":\"%s\",\"on\":%s}", cmd_id,
					    on ? "true" : "false");
	out->retain = 0;
	return 0;
}

void dc_native_gateway_topic(const char *box, char *buf, size_t len)
{
	snprintf(buf, len, DC_NATIVE_ROOT "/%s/gateway", box);
}

int dc_native_meter_now(const char *box, struct dc_drv_msg *out)
{
	if (!dc_slug_valid(box))
		return -1;
	snprintf(out->topic, sizeof out->topic, DC_NATIVE_ROOT "/%s/tele/get", box);
	out->len = (size_t)snprintf(out->payload, sizeof out->payload, "{\"v\":1}");
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

/* status.safe: {"<ch>": "on"|"off"} (hw/watchdog.md), optional. */
static int parse_safe(const char *where, const cJSON *j, struct dc_drv_event *e, char *err,
		      size_t errlen)
{
	const cJSON *safe = cJSON_GetObjectItemCaseSensitive(j, "safe"), *v;
	if (!safe)
		return 0;
	if (!cJSON_IsObject(safe))
		return dc_drv_err(err, errlen, "%s: safe: expected an object", where);
	cJSON_ArrayForEach(v, safe) {
		char *end;
		long ch = strtol(v->string, &end, 10);
		if (*end || end == v->string || ch < 1 || ch > DC_MAX_CHANNELS)
			return dc_drv_err(err, errlen, "%s: safe: \"%s\": not a channel", where,
					  v->string);
		const char *st = cJSON_GetStringValue(v);
		if (!st || (strcmp(st, "on") && strcmp(st, "off")))
			return dc_drv_err(err, errlen, "%s: safe.%ld: expected \"on\" or \"off\"",
					  where, ch);
		if (!strcmp(st, "on"))
			e->safe_on |= 1u << (ch - 1);
	}
	e->has_safe = 1;
	return 0;
}

/* {"entries":[{"seq":S,"ch":n,"on":bool,"src":"fallback","t":s}, ...]} */
static int parse_journal(const char *where, const cJSON *j, struct dc_drv_event *ev, size_t max,
			 int *n, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "entries"), *e;
	int i = 0;
	if (!cJSON_IsArray(arr))
		return dc_drv_err(err, errlen, "%s: entries: expected an array", where);
	cJSON_ArrayForEach(e, arr) {
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "seq");
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(e, "ch");
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(e, "on");
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(e, "src");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "t");
		if (!cJSON_IsObject(e))
			return dc_drv_err(err, errlen, "%s: entries[%d]: expected an object", where, i);
		if (!cJSON_IsNumber(seq) || seq->valuedouble < 0 || seq->valuedouble > 9e15 ||
		    seq->valuedouble != floor(seq->valuedouble))
			return dc_drv_err(err, errlen, "%s: entries[%d].seq: expected an integer >= 0",
					  where, i);
		if (!cJSON_IsNumber(ch) || ch->valuedouble < 1 || ch->valuedouble > DC_MAX_CHANNELS ||
		    ch->valuedouble != floor(ch->valuedouble))
			return dc_drv_err(err, errlen, "%s: entries[%d].ch: expected 1..%d", where, i,
					  DC_MAX_CHANNELS);
		if (!cJSON_IsBool(on))
			return dc_drv_err(err, errlen, "%s: entries[%d].on: expected true or false",
					  where, i);
		if (!cJSON_IsString(src) || strlen(src->valuestring) >= sizeof ev->src)
			return dc_drv_err(err, errlen, "%s: entries[%d].src: expected a short string",
					  where, i);
		if (!cJSON_IsNumber(t) || t->valuedouble < 0 || t->valuedouble > 1e13)
			return dc_drv_err(err, errlen, "%s: entries[%d].t: expected UTC seconds", where,
					  i);
		if ((size_t)*n >= max)
			break;	/* the rest stays in the box's journal until the next batch */
		struct dc_drv_event x = { .kind = DC_EV_JOURNAL, .channel = (int)ch->valuedouble,
					  .on = cJSON_IsTrue(on), .value = t->valuedouble,
					  .rpc_id = (long long)seq->valuedouble };
		snprintf(x.src, sizeof x.src, "%s", src->valuestring);
		ev[(*n)++] = x;
		i++;
	}
	return 0;
}

/* A source name as the box writes it: "gateway", "fallback", "boot"... */
static int src_valid(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	return n >= 1 && n < sizeof ((struct dc_drv_event *)0)->src && s[n] == '\0';
}

/* {"v":1,"ch":n,"on":bool,"src":"gateway","id":"<cmd>"|null,"t":s}: every
 * field present with its type (docs/protocol.md), or the message is
 * malformed; a state read from half a message would be a guess. */
static int parse_state(const char *where, const cJSON *j, int ch, struct dc_drv_event *ev,
		       char *err, size_t errlen)
{
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(j, "on");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "ch");
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "src");
	/* "id": the command that set this state (src "gateway"), so a
	 * restarted gateway knows which command was executed. */
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
	if (!cJSON_IsBool(on))
		return dc_drv_err(err, errlen, "%s: on: expected true or false", where);
	if (!c)
		return dc_drv_err(err, errlen, "%s: ch: required (%d)", where, ch);
	if (!cJSON_IsNumber(c) || c->valuedouble != ch)
		return dc_drv_err(err, errlen, "%s: ch: expected %d", where, ch);
	if (!cJSON_IsString(src) || !src_valid(src->valuestring))
		return dc_drv_err(err, errlen, "%s: src: expected the source's name (\"gateway\", "
				  "\"fallback\"...)", where);
	if (!cJSON_IsNull(id) && !(cJSON_IsString(id) && cmd_id_valid(id->valuestring)))
		return dc_drv_err(err, errlen, "%s: id: expected a command id or null", where);
	if (!cJSON_IsNumber(t) || !(t->valuedouble >= 0 && t->valuedouble <= 1e13) ||
	    t->valuedouble != floor(t->valuedouble))
		return dc_drv_err(err, errlen, "%s: t: expected UTC seconds", where);
	/* "fb": the contactor's auxiliary contact, once settled (hw/feedback.md). */
	const cJSON *fb = cJSON_GetObjectItemCaseSensitive(j, "fb");
	if (fb && !cJSON_IsBool(fb))
		return dc_drv_err(err, errlen, "%s: fb: expected true or false", where);
	*ev = (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = ch, .on = cJSON_IsTrue(on),
				     .has_fb = fb != NULL, .fb = cJSON_IsTrue(fb) };
	if (cJSON_IsString(id))
		snprintf(ev->cmd_id, sizeof ev->cmd_id, "%s", id->valuestring);
	return 0;
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
	} else if (strcmp(leaf, "status") != 0 && strcmp(leaf, "tele") != 0 &&
		   strcmp(leaf, "journal") != 0) {
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
		rc = parse_state(mqtt_topic, j, ch, &ev[n], err, errlen);
		if (rc == 0)
			n++;
	} else if (!strcmp(leaf, "status")) {
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(j, "online");
		struct dc_drv_event e = { .kind = DC_EV_ONLINE, .online = cJSON_IsTrue(on) };
		if (!cJSON_IsBool(on))
			rc = dc_drv_err(err, errlen, "%s: online: expected true or false", mqtt_topic);
		else if ((rc = parse_safe(mqtt_topic, j, &e, err, errlen)) == 0)
			ev[n++] = e;
	} else if (!strcmp(leaf, "journal")) {
		rc = parse_journal(mqtt_topic, j, ev, max, &n, err, errlen);
	} else {
		/* Telemetry: only the meter matters here; a box without one says
		 * so (a relay test then waits for no reading). */
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "meter");
		const cJSON *ok = m ? cJSON_GetObjectItemCaseSensitive(m, "ok") : NULL;
		double w, kwh;
		int a = 0, b = 0;
		if (m && !cJSON_IsObject(m))
			rc = dc_drv_err(err, errlen, "%s: meter: expected an object", mqtt_topic);
		else if (m && !cJSON_IsBool(ok))
			rc = dc_drv_err(err, errlen, "%s: meter.ok: expected true or false", mqtt_topic);
		else if (m && cJSON_IsTrue(ok)) {
			a = number(mqtt_topic, m, "power_w", &w, err, errlen);
			b = a < 0 ? -1 : number(mqtt_topic, m, "energy_kwh", &kwh, err, errlen);
			if (a < 0 || b < 0)
				rc = -1;
		}
		if (rc == 0 && !m)
			ev[n++] = (struct dc_drv_event){ .kind = DC_EV_NO_METER };
		if (rc == 0 && a > 0)
			ev[n++] = (struct dc_drv_event){ .kind = DC_EV_POWER, .value = w };
		if (rc == 0 && b > 0)
			ev[n++] = (struct dc_drv_event){ .kind = DC_EV_ENERGY, .value = kwh * 1000.0 };
	}
	cJSON_Delete(j);
	free(text);
	return rc < 0 ? -1 : n;
}
