/* test_fallback.c — the compiled fallback schedule: wire format and look-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fallback.h"

/* 2026-11-23 00:00 UTC */
#define T0 INT64_C(1795392000)

static struct dc_fallback sample(void)
{
	struct dc_fallback fb;
	memset(&fb, 0, sizeof fb);
	snprintf(fb.box, sizeof fb.box, "gare-nord");
	fb.generated = T0 - 60;
	fb.from = T0;
	fb.until = T0 + 14 * 86400;
	fb.ch[0] = (struct dc_fallback_channel){ .channel = 1, .initial_on = 0, .nsteps = 2,
						 .steps = { T0 + 6 * 3600, T0 + 21 * 3600 } };
	fb.ch[2] = (struct dc_fallback_channel){ .channel = 3, .initial_on = 1, .nsteps = 0 };
	return fb;
}

static void round_trip_preserves_everything(void **state)
{
	(void)state;
	struct dc_fallback fb = sample(), back;
	char err[128];
	char *s = dc_fallback_encode(&fb);
	assert_non_null(s);
	assert_int_equal(dc_fallback_decode(s, strlen(s), &back, err, sizeof err), 0);
	assert_memory_equal(&fb, &back, sizeof fb);
	free(s);
}

static void lookup_toggles_at_each_step(void **state)
{
	(void)state;
	struct dc_fallback fb = sample();
	int64_t next;
	assert_int_equal(dc_fallback_state(&fb, 1, T0, &next), 0);
	assert_int_equal(next, T0 + 6 * 3600);
	assert_int_equal(dc_fallback_state(&fb, 1, T0 + 6 * 3600 - 1, NULL), 0);
	assert_int_equal(dc_fallback_state(&fb, 1, T0 + 6 * 3600, &next), 1);
	assert_int_equal(next, T0 + 21 * 3600);
	assert_int_equal(dc_fallback_state(&fb, 1, T0 + 21 * 3600, &next), 0);
	assert_int_equal(next, fb.until);
	assert_int_equal(dc_fallback_state(&fb, 3, T0 + 5, NULL), 1);
}

static void outside_validity_or_channel_says_nothing(void **state)
{
	(void)state;
	struct dc_fallback fb = sample();
	int64_t next;
	assert_int_equal(dc_fallback_state(&fb, 1, T0 - 1, &next), -1);
	assert_int_equal(next, T0);
	assert_int_equal(dc_fallback_state(&fb, 1, fb.until, &next), -1);
	assert_int_equal(next, INT64_MAX);
	assert_int_equal(dc_fallback_state(&fb, 2, T0, NULL), -1);
	assert_int_equal(dc_fallback_state(&fb, 0, T0, NULL), -1);
	assert_int_equal(dc_fallback_state(&fb, 17, T0, NULL), -1);
}

static void bad_messages_are_rejected_and_leave_output_untouched(void **state)
{
	(void)state;
	static const struct {
		const char *json, *field;
	} bad[] = {
		{ "[]", "not a JSON object" },
		{ "{\"v\":2,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":2,\"ch\":{}}", "v:" },
		{ "{\"v\":1,\"box\":\"B!\",\"gen\":1,\"from\":1,\"until\":2,\"ch\":{}}", "box:" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":5,\"until\":5,\"ch\":{}}", "from/until" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":-1,\"from\":1,\"until\":9,\"ch\":{}}", "gen:" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":[]}", "ch:" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"17\":{\"s\":0,\"t\":[]}}}",
		  "ch.17" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":2,\"t\":[]}}}",
		  "ch.1.s" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[3,2]}}}",
		  "ch.1.t[1]" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[8]}}}",
		  "ch.1.t[0]" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[1.5]}}}",
		  "ch.1.t[0]" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[\"1\"]}}}",
		  "ch.1.t[0]" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0}}}",
		  "ch.1.t" },
		{ "{\"v\":1,", "not a JSON object" },
		/* Offsets no int64_t can hold: refused before any conversion
		 * (the cast itself was undefined behaviour, UBSan-checked). */
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[1e300]}}}",
		  "ch.1.t[0]" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[-1e300]}}}",
		  "ch.1.t[0]" },
		{ "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,\"until\":9,\"ch\":{\"1\":{\"s\":0,\"t\":[9.3e18]}}}",
		  "ch.1.t[0]" },
	};
	struct dc_fallback fb = sample(), orig = sample();
	char err[160];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = '\0';
		assert_int_equal(dc_fallback_decode(bad[i].json, strlen(bad[i].json), &fb, err,
						    sizeof err), -1);
		if (!strstr(err, bad[i].field))
			fail_msg("case %zu: error '%s' does not name '%s'", i, err, bad[i].field);
		assert_memory_equal(&fb, &orig, sizeof fb);
	}
}

static void too_many_steps_rejected(void **state)
{
	(void)state;
	size_t cap = 64 + (DC_FALLBACK_MAX_STEPS + 1) * 12;
	char *s = malloc(cap);
	size_t o = (size_t)snprintf(s, cap, "{\"v\":1,\"box\":\"b\",\"gen\":1,\"from\":1,"
				    "\"until\":100000,\"ch\":{\"1\":{\"s\":0,\"t\":[");
	for (int i = 1; i <= DC_FALLBACK_MAX_STEPS + 1; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s%d", i > 1 ? "," : "", i);
	snprintf(s + o, cap - o, "]}}}");
	struct dc_fallback fb;
	char err[128];
	assert_int_equal(dc_fallback_decode(s, strlen(s), &fb, err, sizeof err), -1);
	assert_non_null(strstr(err, "steps"));
	free(s);
}

/* A message is one JSON value and nothing after it: trailing junk, a NUL
 * and what follows, or a second object are refused (a box must not obey
 * half of a message a broken or hostile publisher glued together). */
static void anything_after_the_value_is_refused(void **state)
{
	(void)state;
	struct dc_fallback good = sample(), fb = sample(), orig = sample();
	good.generated++;
	char *s = dc_fallback_encode(&good);
	size_t n = strlen(s);
	char err[160], buf[4096];
	static const char *const tails[] = { "x", "{}", ",", "]" };
	assert_true(n + 8 < sizeof buf);
	memcpy(buf, s, n);
	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
		size_t m = strlen(tails[i]);
		memcpy(buf + n, tails[i], m);
		err[0] = '\0';
		assert_int_equal(dc_fallback_decode(buf, n + m, &fb, err, sizeof err), -1);
		assert_non_null(strstr(err, "JSON"));
		assert_memory_equal(&fb, &orig, sizeof fb);
	}
	memcpy(buf + n, "\0{}", 3);
	assert_int_equal(dc_fallback_decode(buf, n + 3, &fb, err, sizeof err), -1);
	assert_int_equal(dc_fallback_decode(buf, n + 1, &fb, err, sizeof err), -1);
	assert_memory_equal(&fb, &orig, sizeof fb);
	/* Whitespace around the value is JSON, not junk. */
	memcpy(buf + n, " \r\n\t", 4);
	assert_int_equal(dc_fallback_decode(buf, n + 4, &fb, err, sizeof err), 0);
	assert_memory_equal(&fb, &good, sizeof fb);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_preserves_everything),
		cmocka_unit_test(lookup_toggles_at_each_step),
		cmocka_unit_test(outside_validity_or_channel_says_nothing),
		cmocka_unit_test(bad_messages_are_rejected_and_leave_output_untouched),
		cmocka_unit_test(too_many_steps_rejected),
		cmocka_unit_test(anything_after_the_value_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
