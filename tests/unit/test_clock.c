/* test_clock.c — virtual clock, UTC parsing, delay conversion, sync check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"

static void parses_and_formats_utc(void **state)
{
	(void)state;
	int64_t t;
	char buf[32];
	assert_int_equal(dc_parse_utc("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(dc_parse_utc("2026-11-23T00:00:00Z", &t), 0);
	assert_int_equal(t, INT64_C(1795392000));
	assert_int_equal(dc_parse_utc("2024-02-29T23:59:59Z", &t), 0);
	assert_string_equal(dc_format_utc(buf, sizeof buf, t), "2024-02-29T23:59:59Z");
	/* 64-bit time: beyond 2038 */
	assert_int_equal(dc_parse_utc("2100-03-01T12:00:00Z", &t), 0);
	assert_string_equal(dc_format_utc(buf, sizeof buf, t), "2100-03-01T12:00:00Z");
	assert_true(t > INT64_C(2147483647));
}

static void rejects_bad_utc(void **state)
{
	(void)state;
	int64_t t = 42;
	const char *bad[] = { "", "2026-11-23", "2026-11-23T00:00:00", "2026-11-23 00:00:00Z",
			      "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
			      "2026-11-23T24:00:00Z", "2026-11-23T00:60:00Z", "1969-12-31T23:59:59Z",
			      "2026-11-23T00:00:00Zx", "+026-11-23T00:00:00Z" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(dc_parse_utc(bad[i], &t), -1);
	assert_int_equal(t, 42);
}

static void virtual_clock_runs_at_speed(void **state)
{
	(void)state;
	struct dc_clock c;
	char err[128];
	assert_int_equal(dc_clock_init_spec(&c, "2026-11-23T20:00:00Z,600", err, sizeof err), 0);
	assert_true(c.virtual_time);
	assert_int_equal(c.start_ms, INT64_C(1795392000) * 1000 + 20 * 3600 * 1000);
	/* 1 real second later: 600 virtual seconds later */
	assert_int_equal(dc_clock_virtual_at(&c, c.mono0_ns + 1000000000), c.start_ms + 600000);
	assert_int_equal(dc_clock_virtual_at(&c, c.mono0_ns), c.start_ms);
	/* now is at or after start, and not wildly ahead */
	int64_t now = dc_clock_now_ms(&c);
	assert_true(now >= c.start_ms && now < c.start_ms + 600000);
}

static void speed_defaults_to_one_and_is_validated(void **state)
{
	(void)state;
	struct dc_clock c;
	char err[128];
	assert_int_equal(dc_clock_init_spec(&c, "2026-11-23T20:00:00Z", err, sizeof err), 0);
	assert_true(c.speed == 1.0);
	assert_int_equal(dc_clock_init_spec(&c, "2026-11-23T20:00:00Z,0", err, sizeof err), -1);
	assert_non_null(strstr(err, "speed"));
	assert_int_equal(dc_clock_init_spec(&c, "2026-11-23T20:00:00Z,-2", err, sizeof err), -1);
	assert_int_equal(dc_clock_init_spec(&c, "2026-11-23T20:00:00Z,fast", err, sizeof err), -1);
	assert_int_equal(dc_clock_init_spec(&c, "tomorrow,2", err, sizeof err), -1);
	assert_non_null(strstr(err, "start"));
}

static void real_delays_shrink_with_speed(void **state)
{
	(void)state;
	struct dc_clock c;
	char err[64];
	dc_clock_init_real(&c);
	assert_int_equal(dc_clock_real_delay_ms(&c, 1000, 61000), 60000);
	assert_int_equal(dc_clock_real_delay_ms(&c, 1000, 1000), 0);
	assert_int_equal(dc_clock_real_delay_ms(&c, 5000, 1000), 0);
	assert_int_equal(dc_clock_init_spec(&c, "2026-11-23T20:00:00Z,600", err, sizeof err), 0);
	assert_int_equal(dc_clock_real_delay_ms(&c, 0, 600000), 1000);
	/* rounded up: never wake before the virtual deadline */
	assert_int_equal(dc_clock_real_delay_ms(&c, 0, 601), 2);
	assert_int_equal(dc_clock_real_delay_ms(&c, 0, 1), 1);
}

static void env_selects_virtual_clock(void **state)
{
	(void)state;
	struct dc_clock c;
	char err[64];
	setenv("DECRAN_CLOCK", "2030-01-01T00:00:00Z,10", 1);
	assert_int_equal(dc_clock_init(&c, NULL, err, sizeof err), 0);
	assert_true(c.virtual_time);
	assert_true(c.speed == 10.0);
	/* the option wins over the environment */
	assert_int_equal(dc_clock_init(&c, "2031-01-01T00:00:00Z,2", err, sizeof err), 0);
	assert_true(c.speed == 2.0);
	unsetenv("DECRAN_CLOCK");
	assert_int_equal(dc_clock_init(&c, NULL, err, sizeof err), 0);
	assert_false(c.virtual_time);
}

static bool yes(void) { return true; }
static bool no(void) { return false; }

static void sync_check_is_injectable(void **state)
{
	(void)state;
	dc_clock_set_sync_check(yes);
	assert_true(dc_clock_synced());
	dc_clock_set_sync_check(no);
	assert_false(dc_clock_synced());
	dc_clock_set_sync_check(NULL);
	setenv("DECRAN_CLOCK_SYNCED", "1", 1);
	assert_true(dc_clock_synced());
	setenv("DECRAN_CLOCK_SYNCED", "0", 1);
	assert_false(dc_clock_synced());
	unsetenv("DECRAN_CLOCK_SYNCED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_formats_utc),
		cmocka_unit_test(rejects_bad_utc),
		cmocka_unit_test(virtual_clock_runs_at_speed),
		cmocka_unit_test(speed_defaults_to_one_and_is_validated),
		cmocka_unit_test(real_delays_shrink_with_speed),
		cmocka_unit_test(env_selects_virtual_clock),
		cmocka_unit_test(sync_check_is_injectable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
