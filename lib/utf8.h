/* utf8.h — UTF-8 validation (pure), one definition for every reader of text
 * from outside: CSV fields, MQTT payloads, query parameters. */
#ifndef DECRAN_UTF8_H
#define DECRAN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* true when p[0..n) is valid UTF-8: no overlong forms, no surrogates, no
 * code point beyond U+10FFFF, no sequence cut short.  A NUL byte is valid
 * UTF-8 (U+0000); callers that refuse it say so themselves. */
bool dc_utf8_valid(const char *p, size_t n);

#endif
