/* test_mbtcp.c — Modbus TCP requests, and replies accepted only when they
 * answer that very request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mbtcp.h"

static uint16_t vals[DC_MBTCP_MAX_BITS];
static char err[128];
static int exc;

static int reply(const uint8_t *req, const uint8_t *rsp, size_t len)
{
	err[0] = '\0';
	return dc_mbtcp_reply(req, rsp, len, vals, &exc, err, sizeof err);
}

static void requests_are_framed(void **s)
{
	(void)s;
	uint8_t q[DC_MBTCP_REQ_LEN];
	dc_mbtcp_request(q, 0x1234, 7, 5, 0x0102, 0xFF00);
	const uint8_t want[] = { 0x12, 0x34, 0, 0, 0, 6, 7, 5, 1, 2, 0xFF, 0 };
	assert_memory_equal(q, want, sizeof want);
}

static void good_replies_decode(void **s)
{
	(void)s;
	uint8_t q[DC_MBTCP_REQ_LEN];
	dc_mbtcp_request(q, 9, 1, 1, 0, 10);
	const uint8_t coils[] = { 0, 9, 0, 0, 0, 5, 1, 1, 2, 0x05, 0x02 };
	assert_int_equal(reply(q, coils, sizeof coils), 10);
	const uint16_t bits[] = { 1, 0, 1, 0, 0, 0, 0, 0, 0, 1 };
	for (int i = 0; i < 10; i++)
		assert_int_equal(vals[i], bits[i]);
	dc_mbtcp_request(q, 10, 2, 4, 0x0C, 2);
	const uint8_t regs[] = { 0, 10, 0, 0, 0, 7, 2, 4, 4, 0x42, 0x20, 0, 0 };
	assert_int_equal(reply(q, regs, sizeof regs), 2);
	assert_int_equal(vals[0], 0x4220);
	dc_mbtcp_request(q, 11, 1, 5, 3, 0xFF00);
	const uint8_t echo[] = { 0, 11, 0, 0, 0, 6, 1, 5, 0, 3, 0xFF, 0 };
	assert_int_equal(reply(q, echo, sizeof echo), 1);
	assert_int_equal(vals[0], 1);
	const uint8_t ex[] = { 0, 11, 0, 0, 0, 3, 1, 0x85, 2 };
	assert_int_equal(reply(q, ex, sizeof ex), -1);
	assert_int_equal(exc, 2);
}

static void replies_to_another_request_are_refused(void **s)
{
	(void)s;
	uint8_t q[DC_MBTCP_REQ_LEN];
	dc_mbtcp_request(q, 9, 1, 1, 0, 4);
	static const struct {
		uint8_t rsp[16];
		size_t len;
		const char *why;
	} bad[] = {
		{ { 0, 8, 0, 0, 0, 4, 1, 1, 1, 0 }, 10, "transaction id 8, expected 9" },
		{ { 0, 9, 0, 0, 0, 4, 2, 1, 1, 0 }, 10, "unit id 2, expected 1" },
		{ { 0, 9, 0, 1, 0, 4, 1, 1, 1, 0 }, 10, "protocol id" },
		{ { 0, 9, 0, 0, 0, 5, 1, 1, 1, 0 }, 10, "length field" },
		{ { 0, 9, 0, 0, 0, 4, 1, 2, 1, 0 }, 10, "function 2, expected 1" },
		{ { 0, 9, 0, 0, 0, 5, 1, 1, 2, 0, 0 }, 11, "byte count 2 for 4 bits" },
		{ { 0, 9, 0, 0, 0, 4, 1, 1, 1 }, 9, "length field" },
		{ { 0, 9, 0, 0, 0 }, 5, "too short" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		vals[0] = 77;
		assert_int_equal(reply(q, bad[i].rsp, bad[i].len), -1);
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
		assert_int_equal(vals[0], 77);
		assert_int_equal(exc, 0);
	}
	dc_mbtcp_request(q, 9, 1, 5, 3, 0);
	const uint8_t echo[] = { 0, 9, 0, 0, 0, 6, 1, 5, 0, 3, 0xFF, 0 };
	assert_int_equal(reply(q, echo, sizeof echo), -1);
	assert_non_null(strstr(err, "echo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_are_framed),
		cmocka_unit_test(good_replies_decode),
		cmocka_unit_test(replies_to_another_request_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
