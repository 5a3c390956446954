/* gridmsg.c — grid alerts over MQTT (pure codec). */
#include "gridmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "clock.h"
#include "drv_util.h"
#include "screen.h"

#define WHERE GW_GRID_ALERT_TOPIC

/* A required (or optional) string of 1..max-1 printable characters. */
static int text(const cJSON *j, const char *key, bool required, char *out, size_t max,
		char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!v && !required)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= max)
		return dc_drv_err(err, errlen, WHERE ": %s: expected a string of 1 to %zu characters",
				  key, max - 1);
	for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return dc_drv_err(err, errlen, WHERE ": %s: control character", key);
	snprintf(out, max, "%s", v->valuestring);
	return 0;
}

static int instant(const cJSON *j, const char *key, int64_t *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || dc_parse_utc(v->valuestring, out) < 0)
		return dc_drv_err(err, errlen, WHERE ": %s: expected \"YYYY-MM-DDTHH:MM:SSZ\"", key);
	return 1;
}

static int categories(const cJSON *j, unsigned *mask, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "categories"), *e;
	int i = 0;
	*mask = 0;
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr) || !cJSON_GetArraySize(arr))
		return dc_drv_err(err, errlen, WHERE ": categories: expected a non-empty array "
				  "(omit it for the rules' grid_alert.categories)");
	cJSON_ArrayForEach(e, arr) {
		int c = cJSON_IsString(e) ? dc_category_parse(e->valuestring) : -1;
		if (c < 0)
			return dc_drv_err(err, errlen, WHERE ": categories[%d]: unknown category", i);
		*mask |= 1u << c;
		i++;
	}
	return 0;
}

int gw_gridmsg_parse(const void *payload, size_t len, int64_t now, struct gw_gridmsg *out,
		     char *err, size_t errlen)
{
	char *s = dc_drv_text(WHERE, payload, len, err, errlen);
	cJSON *j = s ? dc_drv_json(WHERE, s, err, errlen) : NULL;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (!j)
		goto out;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "op");
	if (!cJSON_IsObject(j)) {
		dc_drv_err(err, errlen, WHERE ": expected a JSON object");
		goto out;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		dc_drv_err(err, errlen, WHERE ": v: expected 1");
		goto out;
	}
	if (!cJSON_IsString(op) || (strcmp(op->valuestring, "add") && strcmp(op->valuestring, "clear"))) {
		dc_drv_err(err, errlen, WHERE ": op: expected \"add\" or \"clear\"");
		goto out;
	}
	struct dc_grid_alert *a = &out->alert;
	if (text(j, "source", true, a->source, sizeof a->source, err, errlen) < 0)
		goto out;
	if (!strcmp(op->valuestring, "clear")) {
		out->op = GW_GRIDMSG_CLEAR;
		rc = 0;
		goto out;
	}
	out->op = GW_GRIDMSG_ADD;
	int has_until;
	a->from = now;
	if (instant(j, "from", &a->from, err, errlen) < 0 ||
	    (has_until = instant(j, "until", &a->until, err, errlen)) < 0 ||
	    categories(j, &a->categories, err, errlen) < 0 ||
	    text(j, "reason", false, a->reason, sizeof a->reason, err, errlen) < 0)
		goto out;
	if (!has_until)
		dc_drv_err(err, errlen, WHERE ": until: required");
	else if (a->until <= a->from)
		dc_drv_err(err, errlen, WHERE ": until: not after from");
	else if (a->until <= now)
		dc_drv_err(err, errlen, WHERE ": until: already past");
	else
		rc = 0;
out:
	cJSON_Delete(j);
	free(s);
	return rc;
}

size_t gw_gridmsg_result(char *buf, size_t len, enum gw_gridmsg_op op, bool ok, long long n,
			 const char *error)
{
	cJSON *j = cJSON_CreateObject();
	size_t out = 0;
	if (!j)
		return 0;
	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddBoolToObject(j, "ok", ok);
	if (ok) {
		cJSON_AddStringToObject(j, "op", op == GW_GRIDMSG_ADD ? "add" : "clear");
		cJSON_AddNumberToObject(j, op == GW_GRIDMSG_ADD ? "id" : "cleared", (double)n);
	} else {
		cJSON_AddStringToObject(j, "error", error ? error : "");
	}
	if (cJSON_PrintPreallocated(j, buf, (int)len, 0))
		out = strlen(buf);
	cJSON_Delete(j);
	return out;
}
