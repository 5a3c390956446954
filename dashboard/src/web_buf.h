/* web_buf.h — growable output buffer and escaped-by-default rendering.
 *
 * dc_html() is the one way pages write text: its %s ESCAPES (HTML text and
 * attribute safe), so forgetting to escape is impossible; trusted markup
 * must be asked for explicitly with %r.  The buffer never fails loudly: on
 * allocation failure it records `oom` and the server answers 500.
 */
#ifndef DECRAN_WEB_BUF_H
#define DECRAN_WEB_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dc_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void dc_buf_free(struct dc_buf *b);
void dc_buf_reset(struct dc_buf *b);
void dc_buf_put(struct dc_buf *b, const void *s, size_t n);
void dc_buf_puts(struct dc_buf *b, const char *s);
/* printf-style, raw (format strings are literals written by us). */
void dc_buf_printf(struct dc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the bytes (NUL-terminated); the buffer is left empty. */
char *dc_buf_take(struct dc_buf *b, size_t *len);

/* Escapers. */
void dc_esc_html(struct dc_buf *b, const char *s);	/* & < > " ' */
void dc_esc_url(struct dc_buf *b, const char *s);	/* query component */
void dc_esc_csv(struct dc_buf *b, const char *s);	/* one cell, comma-separated (csv.h) */
void dc_esc_json(struct dc_buf *b, const char *s);	/* inside "..." */

/* Mini-format for templates:
 *   %s  string, HTML-escaped          %r  string, raw (trusted markup)
 *   %u  string, URL-query-escaped     %d  int
 *   %l  int64_t                       %%  a percent sign
 * Anything else aborts in debug and prints '?' otherwise. */
void dc_html(struct dc_buf *b, const char *fmt, ...);
void dc_vhtml(struct dc_buf *b, const char *fmt, va_list ap);

#endif
