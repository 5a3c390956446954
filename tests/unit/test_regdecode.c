/* test_regdecode.c — Modbus register decoding for every type and word order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "regdecode.h"

static double dec(const uint16_t *r, size_t n, enum dc_reg_type t, enum dc_word_order o,
		  double scale)
{
	double v = -12345;
	assert_int_equal(dc_reg_decode(r, n, t, o, scale, &v), 0);
	return v;
}

static void integers(void **state)
{
	(void)state;
	uint16_t r[2] = { 0xFFFE, 0x0001 };
	assert_true(dec(r, 1, DC_REG_INT16, DC_WORDS_BIG, 1) == -2);
	assert_true(dec(r, 1, DC_REG_UINT16, DC_WORDS_BIG, 1) == 65534);
	assert_true(dec(r, 2, DC_REG_UINT32, DC_WORDS_BIG, 1) == 4294836225.0);	/* 0xFFFE0001 */
	assert_true(dec(r, 2, DC_REG_UINT32, DC_WORDS_LITTLE, 1) == 131070.0);	/* 0x0001FFFE */
	assert_true(dec(r, 2, DC_REG_INT32, DC_WORDS_BIG, 1) == -131071.0);	/* 0xFFFE0001 */
	assert_true(dec(r, 2, DC_REG_INT32, DC_WORDS_LITTLE, 1) == 131070.0);
	uint16_t wh[2] = { 0x0001, 0x86A0 };	/* 100000 Wh */
	assert_true(fabs(dec(wh, 2, DC_REG_UINT32, DC_WORDS_BIG, 0.001) - 100.0) < 1e-9);
	uint16_t dv[1] = { 2301 };	/* 230.1 V in tenths */
	assert_true(fabs(dec(dv, 1, DC_REG_UINT16, DC_WORDS_BIG, 0.1) - 230.1) < 1e-9);
}

static void float32_both_orders_round_trip(void **state)
{
	(void)state;
	/* 230.5 = 0x43668000 */
	uint16_t r[2] = { 0x4366, 0x8000 };
	assert_true(dec(r, 2, DC_REG_FLOAT32, DC_WORDS_BIG, 1) == 230.5);
	uint16_t s[2] = { 0x8000, 0x4366 };
	assert_true(dec(s, 2, DC_REG_FLOAT32, DC_WORDS_LITTLE, 1) == 230.5);
	uint16_t out[2];
	dc_reg_encode_float32(1234.25, DC_WORDS_BIG, out);
	assert_true(dec(out, 2, DC_REG_FLOAT32, DC_WORDS_BIG, 1) == 1234.25);
	dc_reg_encode_float32(-0.5, DC_WORDS_LITTLE, out);
	assert_true(dec(out, 2, DC_REG_FLOAT32, DC_WORDS_LITTLE, 1) == -0.5);
	dc_reg_encode_float32(230.5, DC_WORDS_BIG, out);
	assert_int_equal(out[0], 0x4366);
	assert_int_equal(out[1], 0x8000);
}

static void rejects_nan_short_and_unknown(void **state)
{
	(void)state;
	double v = 7;
	uint16_t nan[2] = { 0x7FC0, 0x0000 }, inf[2] = { 0x7F80, 0x0000 }, one[1] = { 1 };
	assert_int_equal(dc_reg_decode(nan, 2, DC_REG_FLOAT32, DC_WORDS_BIG, 1, &v), -1);
	assert_int_equal(dc_reg_decode(inf, 2, DC_REG_FLOAT32, DC_WORDS_BIG, 1, &v), -1);
	assert_int_equal(dc_reg_decode(one, 1, DC_REG_UINT32, DC_WORDS_BIG, 1, &v), -1);
	assert_int_equal(dc_reg_decode(one, 0, DC_REG_UINT16, DC_WORDS_BIG, 1, &v), -1);
	assert_int_equal(dc_reg_decode(one, 1, (enum dc_reg_type)99, DC_WORDS_BIG, 1, &v), -1);
	assert_true(v == 7);
}

static void names(void **state)
{
	(void)state;
	assert_int_equal(dc_reg_type_parse("float32"), DC_REG_FLOAT32);
	assert_int_equal(dc_reg_type_parse("int16"), DC_REG_INT16);
	assert_int_equal(dc_reg_type_parse("uint32"), DC_REG_UINT32);
	assert_int_equal(dc_reg_type_parse("double"), -1);
	assert_int_equal(dc_word_order_parse("little"), DC_WORDS_LITTLE);
	assert_int_equal(dc_word_order_parse("big"), DC_WORDS_BIG);
	assert_int_equal(dc_word_order_parse("BIG"), -1);
	assert_string_equal(dc_reg_type_name(DC_REG_INT32), "int32");
	assert_int_equal(dc_reg_count(DC_REG_INT16), 1);
	assert_int_equal(dc_reg_count(DC_REG_FLOAT32), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(float32_both_orders_round_trip),
		cmocka_unit_test(rejects_nan_short_and_unknown),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
