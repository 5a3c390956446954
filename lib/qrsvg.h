/* qrsvg.h — a QR code's module matrix drawn as SVG (pure).
 *
 * The matrix is libqrencode's: width × width bytes, row after row, a module
 * dark when bit 0 of its byte is set.  The drawing is one <path> of dark
 * runs ("M x y h n v1 h -n z", one per horizontal run of dark modules) in a
 * viewBox with the 4-module quiet zone the standard asks for, so the SVG
 * scales to any label size without blurring and stays a few kilobytes.
 * dc_qr_svg_parse() reads such a path back into a matrix: the tests prove
 * with it that the drawing is exactly the matrix.
 */
#ifndef DECRAN_QRSVG_H
#define DECRAN_QRSVG_H

#include <stddef.h>

#define DC_QR_QUIET 4	/* modules of white border on each side */

/* The path's "d" attribute into out (NUL-terminated, truncated to outlen);
 * returns the length it needs, like snprintf. */
size_t dc_qr_svg_path(const unsigned char *modules, int width, char *out, size_t outlen);
/* A whole <svg> element (viewBox, title for screen readers, white
 * background, the path); `title` must already be escaped for XML.  Returns
 * the length it needs, like snprintf. */
size_t dc_qr_svg(const unsigned char *modules, int width, const char *title, char *out,
		 size_t outlen);
/* The inverse of dc_qr_svg_path for a matrix of `width`: out (width*width
 * bytes) gets 1 for dark modules, 0 for light.  0, or -1 when `d` is not a
 * path dc_qr_svg_path writes (a run outside the matrix, a stray command). */
int dc_qr_svg_parse(const char *d, int width, unsigned char *out);

#endif
