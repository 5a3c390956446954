/* drv_util.c — small helpers shared by the MQTT payload codecs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driver.h"
#include "drv_util.h"
#include "utf8.h"

int dc_drv_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

char *dc_drv_text(const char *where, const void *payload, size_t len, char *err, size_t errlen)
{
	char *s;
	if (len > DC_DRV_INPUT_MAX) {
		dc_drv_err(err, errlen, "%s: payload too large (%zu bytes, max %d)", where, len,
			   DC_DRV_INPUT_MAX);
		return NULL;
	}
	if (len && memchr(payload, '\0', len)) {
		dc_drv_err(err, errlen, "%s: payload contains a NUL byte", where);
		return NULL;
	}
	/* Every string a device sends ends up in logs, the database or a page:
	 * a payload that is not UTF-8 is refused whole. */
	if (!dc_utf8_valid(payload, len)) {
		dc_drv_err(err, errlen, "%s: payload is not UTF-8 text", where);
		return NULL;
	}
	s = malloc(len + 1);
	if (!s) {
		dc_drv_err(err, errlen, "%s: out of memory", where);
		return NULL;
	}
	if (len)
		memcpy(s, payload, len);
	s[len] = '\0';
	return s;
}

cJSON *dc_drv_json(const char *where, const char *text, char *err, size_t errlen)
{
	/* text comes from dc_drv_text (no NUL inside): requiring the NUL right
	 * after the value is json.h's "one value, nothing after it", and an
	 * input cut short is reported at its end, not at its last byte. */
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
	if (!j) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		dc_drv_err(err, errlen, "%s: invalid JSON at offset %zu", where, off);
	}
	return j;
}

const char *dc_drv_after(const char *topic, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(topic, prefix, n) != 0 || topic[n] != '/')
		return NULL;
	return topic + n + 1;
}

int dc_drv_onoff(const char *s)
{
	if (!strcasecmp(s, "on") || !strcmp(s, "1") || !strcasecmp(s, "true"))
		return 1;
	if (!strcasecmp(s, "off") || !strcmp(s, "0") || !strcasecmp(s, "false"))
		return 0;
	return -1;
}

int dc_drv_push(struct dc_drv_out *o, struct dc_drv_event e)
{
	if (o->n >= o->max)
		return -1;
	o->ev[o->n++] = e;
	return 0;
}
