/* web_qr.c — QR codes for the box labels: Debian's libqrencode makes the
 * module matrix, lib/qrsvg draws it as SVG (no image library, no request
 * to anyone else). */
#include <stdlib.h>

#include <qrencode.h>

#include "qrsvg.h"
#include "web_internal.h"

int web_qr_svg(struct dc_buf *out, const char *text, const char *title)
{
	/* Level M: a label behind a scratched cabinet door still reads. */
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return -1;
	struct dc_buf t = { 0 };
	dc_esc_html(&t, title);
	size_t n = dc_qr_svg(q->data, q->width, t.p ? t.p : "", NULL, 0);
	char *svg = t.oom ? NULL : malloc(n + 1);
	if (svg) {
		dc_qr_svg(q->data, q->width, t.p ? t.p : "", svg, n + 1);
		dc_buf_put(out, svg, n);
	}
	free(svg);
	dc_buf_free(&t);
	QRcode_free(q);
	return svg ? 0 : -1;
}
