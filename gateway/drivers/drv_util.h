/* drv_util.h — small helpers shared by the MQTT payload codecs. */
#ifndef DECRAN_DRV_UTIL_H
#define DECRAN_DRV_UTIL_H

#include <stddef.h>

#include <cJSON.h>

#include "driver.h"

/* Copy payload into a NUL-terminated buffer (malloc'd) after checking its
 * size and that it is UTF-8 text without a NUL byte; NULL with err set
 * otherwise. */
char *dc_drv_text(const char *where, const void *payload, size_t len, char *err, size_t errlen);
/* Parse exactly one JSON value, nothing after it (json.h's rule) from text
 * made by dc_drv_text; NULL with err = "<where>: invalid JSON at offset N". */
cJSON *dc_drv_json(const char *where, const char *text, char *err, size_t errlen);
/* Strip "prefix/" from topic: returns the rest or NULL. */
const char *dc_drv_after(const char *topic, const char *prefix);
/* Parse "ON"/"OFF" (any case, also "1"/"0"/"true"/"false"): 1, 0, or -1. */
int dc_drv_onoff(const char *s);
/* Events a decoder fills, at most `max`. */
struct dc_drv_out {
	struct dc_drv_event *ev;
	size_t max, n;
};
/* Append one event: 0, or -1 when the caller's array is full. */
int dc_drv_push(struct dc_drv_out *o, struct dc_drv_event e);
/* printf into err; always returns -1 so error paths are one line. */
int dc_drv_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
