/* web_buf.c — output buffer and escapers for the dashboard. */
#include "web_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static bool grow(struct dc_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void dc_buf_free(struct dc_buf *b)
{
	free(b->p);
	*b = (struct dc_buf){ 0 };
}

void dc_buf_reset(struct dc_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void dc_buf_put(struct dc_buf *b, const void *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void dc_buf_puts(struct dc_buf *b, const char *s)
{
	dc_buf_put(b, s, strlen(s));
}

static void buf_vprintf(struct dc_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void dc_buf_printf(struct dc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *dc_buf_take(struct dc_buf *b, size_t *len)
{
	if (!grow(b, 0))
		return NULL;
	char *p = b->p;
	if (len)
		*len = b->len;
	*b = (struct dc_buf){ 0 };
	return p;
}

void dc_esc_html(struct dc_buf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		dc_buf_put(b, run, (size_t)(s - run));
		dc_buf_puts(b, rep);
		run = s + 1;
	}
	dc_buf_put(b, run, (size_t)(s - run));
}

void dc_esc_url(struct dc_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
		    (*u >= '0' && *u <= '9') || *u == '-' || *u == '_' || *u == '.' || *u == '~') {
			dc_buf_put(b, u, 1);
		} else {
			char e[3] = { '%', hex[*u >> 4], hex[*u & 15] };
			dc_buf_put(b, e, 3);
		}
	}
}

static void put_buf(void *b, const char *p, size_t n)
{
	dc_buf_put(b, p, n);
}

void dc_esc_csv(struct dc_buf *b, const char *s)
{
	dc_csv_put_cell(s, ',', put_buf, b);
}

void dc_esc_json(struct dc_buf *b, const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		switch (*u) {
		case '"': dc_buf_puts(b, "\\\""); break;
		case '\\': dc_buf_puts(b, "\\\\"); break;
		case '\n': dc_buf_puts(b, "\\n"); break;
		case '\r': dc_buf_puts(b, "\\r"); break;
		case '\t': dc_buf_puts(b, "\\t"); break;
		case '<': dc_buf_puts(b, "\\u003c"); break;	/* safe even inside <script> */
		default:
			if (*u < 0x20)
				dc_buf_printf(b, "\\u%04x", *u);
			else
				dc_buf_put(b, u, 1);
		}
	}
}

void dc_vhtml(struct dc_buf *b, const char *fmt, va_list ap)
{
	const char *run = fmt;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		dc_buf_put(b, run, (size_t)(f - run));
		f++;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			dc_esc_html(b, s ? s : "");
			break;
		}
		case 'r': {
			const char *s = va_arg(ap, const char *);
			dc_buf_puts(b, s ? s : "");
			break;
		}
		case 'u': {
			const char *s = va_arg(ap, const char *);
			dc_esc_url(b, s ? s : "");
			break;
		}
		case 'd':
			dc_buf_printf(b, "%d", va_arg(ap, int));
			break;
		case 'l':
			dc_buf_printf(b, "%lld", (long long)va_arg(ap, int64_t));
			break;
		case '%':
			dc_buf_puts(b, "%");
			break;
		default:
			dc_buf_puts(b, "?");
			if (!*f)
				return;
		}
		run = f + 1;
	}
	dc_buf_puts(b, run);
}

void dc_html(struct dc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dc_vhtml(b, fmt, ap);
	va_end(ap);
}
