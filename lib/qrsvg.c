/* qrsvg.c — a QR code's module matrix drawn as SVG (see qrsvg.h). */
#include "qrsvg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	char *p;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(room ? o->p + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void path(struct out *o, const unsigned char *m, int width)
{
	for (int y = 0; y < width; y++)
		for (int x = 0; x < width;) {
			if (!(m[y * width + x] & 1)) {
				x++;
				continue;
			}
			int n = 1;
			while (x + n < width && (m[y * width + x + n] & 1))
				n++;
			put(o, "M%d %dh%dv1h-%dz", x + DC_QR_QUIET, y + DC_QR_QUIET, n, n);
			x += n;
		}
}

size_t dc_qr_svg_path(const unsigned char *modules, int width, char *out, size_t outlen)
{
	struct out o = { out, outlen, 0 };
	if (outlen)
		out[0] = '\0';
	path(&o, modules, width);
	if (outlen && o.len >= outlen)
		out[outlen - 1] = '\0';
	return o.len;
}

size_t dc_qr_svg(const unsigned char *modules, int width, const char *title, char *out,
		 size_t outlen)
{
	struct out o = { out, outlen, 0 };
	int side = width + 2 * DC_QR_QUIET;
	if (outlen)
		out[0] = '\0';
	/* crispEdges: no anti-aliased seams between runs at odd scales. */
	put(&o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"%s\" class=\"qr\">"
	    "<title>%s</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    side, side, title, title, side, side);
	path(&o, modules, width);
	put(&o, "\"/></svg>");
	if (outlen && o.len >= outlen)
		out[outlen - 1] = '\0';
	return o.len;
}

static int number(const char **s, long *v)
{
	char *end;
	*v = strtol(*s, &end, 10);
	if (end == *s)
		return -1;
	*s = end;
	return 0;
}

int dc_qr_svg_parse(const char *d, int width, unsigned char *out)
{
	memset(out, 0, (size_t)width * (size_t)width);
	const char *s = d;
	while (*s) {
		long x, y, n, n2;
		if (*s++ != 'M' || number(&s, &x) < 0 || *s++ != ' ' || number(&s, &y) < 0 ||
		    *s++ != 'h' || number(&s, &n) < 0 || strncmp(s, "v1h-", 4) != 0)
			return -1;
		s += 4;
		if (number(&s, &n2) < 0 || n2 != n || *s++ != 'z')
			return -1;
		x -= DC_QR_QUIET;
		y -= DC_QR_QUIET;
		if (x < 0 || y < 0 || n < 1 || y >= width || x + n > width)
			return -1;
		for (long k = 0; k < n; k++)
			out[y * width + x + k] = 1;
	}
	return 0;
}
