/* test_boxview.c — the box page's decisions (lib/boxview) and its QR code
 * drawing (lib/qrsvg), checked against libqrencode's own matrix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <qrencode.h>

#include "boxview.h"
#include "qrsvg.h"

static void state_unknown_unless_online(void **state)
{
	(void)state;
	assert_int_equal(dc_chan_view(1, "on"), DC_CHAN_ON);
	assert_int_equal(dc_chan_view(1, "off"), DC_CHAN_OFF);
	assert_int_equal(dc_chan_view(1, NULL), DC_CHAN_UNKNOWN);
	assert_int_equal(dc_chan_view(1, "maybe"), DC_CHAN_UNKNOWN);
	/* an offline box's last words are not its state now */
	assert_int_equal(dc_chan_view(0, "on"), DC_CHAN_UNKNOWN);
	assert_int_equal(dc_chan_view(0, "off"), DC_CHAN_UNKNOWN);
	assert_int_equal(dc_chan_view(-1, "off"), DC_CHAN_UNKNOWN);
}

static void channel_within_the_box(void **state)
{
	(void)state;
	int c = -7;
	assert_int_equal(dc_channel_parse("1", 2, &c), DC_CHANNEL_OK);
	assert_int_equal(c, 1);
	assert_int_equal(dc_channel_parse("2", 2, &c), DC_CHANNEL_OK);
	assert_int_equal(c, 2);
	c = -7;
	/* the case: 1-16 accepted on a 2-channel box */
	assert_int_equal(dc_channel_parse("3", 2, &c), DC_CHANNEL_RANGE);
	assert_int_equal(dc_channel_parse("16", 2, &c), DC_CHANNEL_RANGE);
	assert_int_equal(dc_channel_parse("0", 2, &c), DC_CHANNEL_RANGE);
	assert_int_equal(dc_channel_parse("17", 16, &c), DC_CHANNEL_RANGE);
	assert_int_equal(dc_channel_parse("99999999999999999999", 16, &c), DC_CHANNEL_RANGE);
	assert_int_equal(dc_channel_parse("16", 16, &c), DC_CHANNEL_OK);
	assert_int_equal(c, 16);
	c = -7;
	assert_int_equal(dc_channel_parse("-1", 2, &c), DC_CHANNEL_NOT_NUMBER);
	assert_int_equal(dc_channel_parse("1 ", 2, &c), DC_CHANNEL_NOT_NUMBER);
	assert_int_equal(dc_channel_parse("1.0", 2, &c), DC_CHANNEL_NOT_NUMBER);
	assert_int_equal(dc_channel_parse("x", 2, &c), DC_CHANNEL_NOT_NUMBER);
	assert_int_equal(dc_channel_parse("", 2, &c), DC_CHANNEL_MISSING);
	assert_int_equal(dc_channel_parse(NULL, 2, &c), DC_CHANNEL_MISSING);
	assert_int_equal(c, -7);	/* untouched on error */
}

static void which_actions_are_confirmed(void **state)
{
	(void)state;
	assert_true(dc_box_action_confirm(DC_ACT_TEST, true));
	assert_false(dc_box_action_confirm(DC_ACT_TEST, false));
	assert_true(dc_box_action_confirm(DC_ACT_OVERRIDE, false));
	assert_true(dc_box_action_confirm(DC_ACT_OVERRIDE, true));
	assert_false(dc_box_action_confirm(DC_ACT_BIND, true));
	assert_true(dc_box_action_confirm(DC_ACT_UNBIND, true));
	assert_false(dc_box_action_confirm(DC_ACT_UNBIND, false));
	assert_false(dc_box_action_confirm(DC_ACT_OVERRIDE_CLEAR, true));
}

/* The path read back is libqrencode's matrix, module for module. */
static void svg_is_the_matrix(void **state)
{
	(void)state;
	const char *urls[] = { "https://decran.example.org/box/coffret-gare",
			       "http://127.0.0.1:8080/box/a", "x" };
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		QRcode *q = QRcode_encodeString(urls[i], 0, QR_ECLEVEL_M, QR_MODE_8, 1);
		assert_non_null(q);
		size_t need = dc_qr_svg_path(q->data, q->width, NULL, 0);
		char *d = malloc(need + 1);
		assert_int_equal(dc_qr_svg_path(q->data, q->width, d, need + 1), need);
		assert_int_equal(strlen(d), need);
		unsigned char *m = malloc((size_t)q->width * (size_t)q->width);
		assert_int_equal(dc_qr_svg_parse(d, q->width, m), 0);
		int dark = 0;
		for (int k = 0; k < q->width * q->width; k++) {
			assert_int_equal(m[k], q->data[k] & 1);
			dark += m[k];
		}
		assert_true(dark > q->width);	/* finder patterns at least */
		/* the whole element: quiet zone in the viewBox, the same path */
		size_t n = dc_qr_svg(q->data, q->width, "t", NULL, 0);
		char *svg = malloc(n + 1);
		dc_qr_svg(q->data, q->width, "t", svg, n + 1);
		char vb[64];
		snprintf(vb, sizeof vb, "viewBox=\"0 0 %d %d\"", q->width + 8, q->width + 8);
		assert_non_null(strstr(svg, vb));
		assert_non_null(strstr(svg, d));
		assert_string_equal(svg + n - 9, "\"/></svg>");
		/* truncated output stays a string */
		char small[16];
		assert_int_equal(dc_qr_svg_path(q->data, q->width, small, sizeof small), need);
		assert_int_equal(strlen(small), sizeof small - 1);
		free(svg);
		free(m);
		free(d);
		QRcode_free(q);
	}
}

static void parse_refuses_what_it_did_not_write(void **state)
{
	(void)state;
	unsigned char m[4];
	assert_int_equal(dc_qr_svg_parse("M4 4h1v1h-1z", 2, m), 0);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1] + m[2] + m[3], 0);
	assert_int_equal(dc_qr_svg_parse("M4 4h3v1h-3z", 2, m), -1);	/* past the edge */
	assert_int_equal(dc_qr_svg_parse("M3 4h1v1h-1z", 2, m), -1);	/* in the quiet zone */
	assert_int_equal(dc_qr_svg_parse("M4 4h2v1h-1z", 2, m), -1);	/* not closed back */
	assert_int_equal(dc_qr_svg_parse("L4 4h1v1h-1z", 2, m), -1);
	assert_int_equal(dc_qr_svg_parse("", 2, m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_unknown_unless_online),
		cmocka_unit_test(channel_within_the_box),
		cmocka_unit_test(which_actions_are_confirmed),
		cmocka_unit_test(svg_is_the_matrix),
		cmocka_unit_test(parse_refuses_what_it_did_not_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
