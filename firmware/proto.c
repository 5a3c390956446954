/* proto.c — relay box MQTT payloads. */
#include "proto.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* Parse an object with "v":1; returns the root or NULL with err set. */
static cJSON *parse_v1(const char *p, size_t len, size_t max, char *err, size_t errlen)
{
	if (len > max) {
		snprintf(err, errlen, "payload too large: %zu bytes, at most %zu", len, max);
		return NULL;
	}
	size_t at;
	cJSON *root = dc_json_parse(p, len, &at);
	if (!root) {
		snprintf(err, errlen, "payload: not a JSON object: invalid JSON at byte %zu", at);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		fail(err, errlen, "payload: not a JSON object");
		return NULL;
	}
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
	if (!cJSON_IsNumber(v) || v->valuedouble != FW_PROTO_VERSION) {
		cJSON_Delete(root);
		fail(err, errlen, "v: unsupported protocol version (expected 1)");
		return NULL;
	}
	return root;
}

static bool name_valid(const char *s, const char *punct)
{
	size_t n = strlen(s);
	if (n < 1 || n >= FW_CMDID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(punct, *s)))
			return false;
	return true;
}

static bool id_valid(const char *s)
{
	return name_valid(s, "_.:-");
}

/* "ovr": {"until": <UTC s>, "by": "<name>"}, optional; written to *until
 * and by only when valid. */
static int parse_override(const cJSON *root, int64_t *until_out, char by_out[FW_CMDID_MAX],
			  char *err, size_t errlen)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "ovr");
	*until_out = 0;
	by_out[0] = '\0';
	if (!o)
		return 0;
	const cJSON *until = cJSON_GetObjectItemCaseSensitive(o, "until");
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(o, "by");
	if (!cJSON_IsObject(o))
		return fail(err, errlen, "ovr: must be an object {\"until\":...,\"by\":...}");
	if (!cJSON_IsNumber(until) || !(until->valuedouble >= 1 &&
					until->valuedouble <= 253402300799.0) ||
	    until->valuedouble != (double)(int64_t)until->valuedouble)
		return fail(err, errlen, "ovr.until: must be whole UTC seconds");
	if (!cJSON_IsString(by) || !name_valid(by->valuestring, "_.:@-"))
		return fail(err, errlen, "ovr.by: must be 1..64 characters of [A-Za-z0-9_.:@-]");
	*until_out = (int64_t)until->valuedouble;
	snprintf(by_out, FW_CMDID_MAX, "%s", by->valuestring);
	return 0;
}

int fw_parse_command(const char *p, size_t len, struct fw_command *out, char *err,
		     size_t errlen)
{
	cJSON *root = parse_v1(p, len, FW_CMD_MAX_BYTES, err, errlen);
	int64_t ovr_until;
	char ovr_by[FW_CMDID_MAX];
	int rc = -1;
	if (!root)
		return -1;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(root, "on");
	if (!cJSON_IsString(id) || !id_valid(id->valuestring))
		fail(err, errlen, "id: must be 1..64 characters of [A-Za-z0-9_.:-]");
	else if (!cJSON_IsBool(on))
		fail(err, errlen, "on: must be true or false");
	else if (parse_override(root, &ovr_until, ovr_by, err, errlen) == 0) {
		snprintf(out->id, sizeof out->id, "%s", id->valuestring);
		out->on = cJSON_IsTrue(on);
		out->ovr_until = ovr_until;
		snprintf(out->ovr_by, sizeof out->ovr_by, "%s", ovr_by);
		rc = 0;
	}
	cJSON_Delete(root);
	return rc;
}

int fw_parse_gateway_status(const char *p, size_t len, bool *online, char *err, size_t errlen)
{
	cJSON *root = parse_v1(p, len, FW_GW_STATUS_MAX_BYTES, err, errlen);
	if (!root)
		return -1;
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "online");
	int rc = cJSON_IsBool(o) ? 0 : fail(err, errlen, "online: must be true or false");
	if (rc == 0)
		*online = cJSON_IsTrue(o);
	cJSON_Delete(root);
	return rc;
}

int fw_parse_journal_ack(const char *p, size_t len, uint64_t *upto, char *err, size_t errlen)
{
	cJSON *root = parse_v1(p, len, FW_ACK_MAX_BYTES, err, errlen);
	if (!root)
		return -1;
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "upto");
	int rc = 0;
	if (!cJSON_IsNumber(u) || u->valuedouble < 0 || u->valuedouble > 9e15 ||
	    u->valuedouble != (double)(int64_t)u->valuedouble)
		rc = fail(err, errlen, "upto: must be a journal sequence number");
	else
		*upto = (uint64_t)u->valuedouble;
	cJSON_Delete(root);
	return rc;
}

const char *fw_topic_rest(const char *topic, const char *box)
{
	size_t n = strlen(box);
	if (strncmp(topic, "decran/", 7) || strncmp(topic + 7, box, n) || topic[7 + n] != '/')
		return NULL;
	return topic + 7 + n + 1;
}

int fw_parse_channel(const char *s)
{
	if (s[0] < '1' || s[0] > '9')
		return -1;
	if (s[1] == '\0')
		return s[0] - '0';
	if (s[0] == '1' && s[1] >= '0' && s[1] <= '6' && s[2] == '\0')
		return 10 + s[1] - '0';
	return -1;
}

const struct fw_cmdlog_entry *fw_cmdlog_find(const struct fw_cmdlog *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->e[i].id, id) == 0)
			return &l->e[i];
	return NULL;
}

void fw_cmdlog_add(struct fw_cmdlog *l, const char *id, int channel, bool on, int64_t t)
{
	struct fw_cmdlog_entry *e = &l->e[l->next];
	snprintf(e->id, sizeof e->id, "%s", id);
	e->channel = channel;
	e->on = on;
	e->t = t;
	l->next = (l->next + 1) % FW_CMDLOG_SIZE;
	if (l->n < FW_CMDLOG_SIZE)
		l->n++;
}

static char *print(cJSON *root)
{
	char *s = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	return s;
}

char *fw_encode_state(int channel, bool on, enum fw_source src, const char *cmd_id, int64_t t,
		      int fb)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return NULL;
	cJSON_AddNumberToObject(r, "v", FW_PROTO_VERSION);
	cJSON_AddNumberToObject(r, "ch", channel);
	cJSON_AddBoolToObject(r, "on", on);
	cJSON_AddStringToObject(r, "src", fw_source_name(src));
	if (cmd_id && *cmd_id)
		cJSON_AddStringToObject(r, "id", cmd_id);
	else
		cJSON_AddNullToObject(r, "id");
	cJSON_AddNumberToObject(r, "t", (double)t);
	if (fb >= 0)
		cJSON_AddBoolToObject(r, "fb", fb);
	return print(r);
}

char *fw_encode_result(const struct fw_cmdlog_entry *e, bool dup)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return NULL;
	cJSON_AddNumberToObject(r, "v", FW_PROTO_VERSION);
	cJSON_AddStringToObject(r, "id", e->id);
	cJSON_AddNumberToObject(r, "ch", e->channel);
	cJSON_AddBoolToObject(r, "on", e->on);
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddBoolToObject(r, "dup", dup);
	cJSON_AddNumberToObject(r, "t", (double)e->t);
	return print(r);
}

char *fw_encode_error(const char *topic, const char *why, const char *code, int64_t t)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return NULL;
	cJSON_AddNumberToObject(r, "v", FW_PROTO_VERSION);
	cJSON_AddStringToObject(r, "topic", topic);
	cJSON_AddStringToObject(r, "error", why);
	cJSON_AddStringToObject(r, "code", code);
	cJSON_AddNumberToObject(r, "t", (double)t);
	return print(r);
}
