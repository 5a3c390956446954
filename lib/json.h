/* json.h — the one way decran parses JSON it receives or reads (pure).
 *
 * A message or a file is exactly one JSON value: whitespace may surround
 * it, nothing else may follow it (no trailing junk, no NUL byte, no second
 * object), and the length given is the whole input.  cJSON on its own stops
 * after the first value and would take "{...}junk" or "{...}{...}". */
#ifndef DECRAN_JSON_H
#define DECRAN_JSON_H

#include <stddef.h>

#include <cJSON.h>

/* Parse p[0..len).  NULL when it is not exactly one JSON value; *err_off
 * (may be NULL) then receives the offset of the first byte at fault. */
cJSON *dc_json_parse(const char *p, size_t len, size_t *err_off);

#endif
