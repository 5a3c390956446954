/* test_tz_holidays.c — calendar arithmetic, time zones and French holidays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "holidays.h"
#include "tz.h"

static void civil_days_round_trip_and_weekdays(void **state)
{
	(void)state;
	assert_int_equal(dc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(dc_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(dc_weekday(dc_days_from_civil(2026, 11, 23)), 1);	/* Monday */
	assert_int_equal(dc_weekday(dc_days_from_civil(1969, 12, 31)), 3);
	for (int64_t d = dc_days_from_civil(1999, 1, 1); d < dc_days_from_civil(2041, 1, 1); d++) {
		int y, m, dd;
		dc_civil_from_days(d, &y, &m, &dd);
		assert_true(dc_ymd_valid(y, m, dd));
		assert_int_equal(dc_days_from_civil(y, m, dd), d);
	}
	assert_false(dc_ymd_valid(2026, 2, 29));
	assert_true(dc_ymd_valid(2028, 2, 29));
	assert_false(dc_ymd_valid(2100, 2, 29));
	assert_true(dc_ymd_valid(2000, 2, 29));
}

static void parsers_reject_malformed_dates_and_times(void **state)
{
	(void)state;
	int y, m, d;
	assert_int_equal(dc_parse_date("2026-03-29", &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 20260329);
	assert_int_equal(dc_parse_date("2026-02-30", &y, &m, &d), -1);
	assert_int_equal(dc_parse_date("2026-3-29", &y, &m, &d), -1);
	assert_int_equal(dc_parse_date("2026/03/29", &y, &m, &d), -1);
	assert_int_equal(dc_parse_hhmm("07:30", false), 450);
	assert_int_equal(dc_parse_hhmm("00:00", false), 0);
	assert_int_equal(dc_parse_hhmm("23:59", false), 1439);
	assert_int_equal(dc_parse_hhmm("24:00", true), 1440);
	assert_int_equal(dc_parse_hhmm("24:00", false), -1);
	assert_int_equal(dc_parse_hhmm("25:00", true), -1);
	assert_int_equal(dc_parse_hhmm("12:60", false), -1);
	assert_int_equal(dc_parse_hhmm("7:30", false), -1);
	assert_int_equal(dc_parse_hhmm("07h30", false), -1);
}

static void easter_matches_published_dates_2020_2040(void **state)
{
	(void)state;
	static const int known[][3] = {
		{ 2020, 4, 12 }, { 2021, 4, 4 }, { 2022, 4, 17 }, { 2023, 4, 9 },
		{ 2024, 3, 31 }, { 2025, 4, 20 }, { 2026, 4, 5 }, { 2027, 3, 28 },
		{ 2028, 4, 16 }, { 2029, 4, 1 }, { 2030, 4, 21 }, { 2031, 4, 13 },
		{ 2032, 3, 28 }, { 2033, 4, 17 }, { 2034, 4, 9 }, { 2035, 3, 25 },
		{ 2036, 4, 13 }, { 2037, 4, 5 }, { 2038, 4, 25 }, { 2039, 4, 10 },
		{ 2040, 4, 1 },
	};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
		int m, d;
		dc_easter(known[i][0], &m, &d);
		assert_int_equal(m, known[i][1]);
		assert_int_equal(d, known[i][2]);
		/* Easter is always a Sunday. */
		assert_int_equal(dc_weekday(dc_days_from_civil(known[i][0], m, d)), 0);
	}
}

static void french_holidays_known_years(void **state)
{
	(void)state;
	assert_string_equal(dc_fr_holiday_name(2026, 4, 6), "Lundi de Pâques");
	assert_string_equal(dc_fr_holiday_name(2026, 5, 14), "Ascension");
	assert_string_equal(dc_fr_holiday_name(2026, 5, 25), "Lundi de Pentecôte");
	assert_string_equal(dc_fr_holiday_name(2024, 4, 1), "Lundi de Pâques");
	assert_string_equal(dc_fr_holiday_name(2024, 5, 9), "Ascension");
	assert_string_equal(dc_fr_holiday_name(2024, 5, 20), "Lundi de Pentecôte");
	assert_string_equal(dc_fr_holiday_name(2038, 4, 26), "Lundi de Pâques");
	assert_string_equal(dc_fr_holiday_name(2038, 6, 3), "Ascension");
	assert_string_equal(dc_fr_holiday_name(2038, 6, 14), "Lundi de Pentecôte");
	assert_string_equal(dc_fr_holiday_name(2027, 7, 14), "Fête nationale");
	assert_string_equal(dc_fr_holiday_name(2027, 11, 11), "Armistice 1918");
	assert_null(dc_fr_holiday_name(2026, 4, 5));	/* Easter Sunday itself is a Sunday */
	assert_null(dc_fr_holiday_name(2026, 12, 26));	/* Alsace-Moselle only */
	assert_null(dc_fr_holiday_name(2026, 4, 3));	/* Good Friday: Alsace-Moselle only */
	/* Eleven distinct holidays every year 2020-2040 (no Ascension on 1 or
	 * 8 May in that span); movable ones on Mondays / a Thursday. */
	for (int y = 2020; y <= 2040; y++) {
		int n = 0;
		for (int64_t d = dc_days_from_civil(y, 1, 1); d < dc_days_from_civil(y + 1, 1, 1); d++) {
			int yy, m, dd;
			dc_civil_from_days(d, &yy, &m, &dd);
			const char *name = dc_fr_holiday_name(yy, m, dd);
			if (!name)
				continue;
			n++;
			if (name[0] == 'L')	/* Lundi de ... */
				assert_int_equal(dc_weekday(d), 1);
			if (name[0] == 'A' && name[1] == 's' && name[2] == 'c')
				assert_int_equal(dc_weekday(d), 4);
		}
		assert_int_equal(n, 11);
	}
}

static void unknown_zones_are_refused(void **state)
{
	(void)state;
	assert_true(dc_tz_valid("Europe/Paris"));
	assert_true(dc_tz_valid("UTC"));
	assert_false(dc_tz_valid("Europe/Atlantis"));
	assert_false(dc_tz_valid("../etc/passwd"));
	assert_false(dc_tz_valid("/etc/localtime"));
	assert_false(dc_tz_valid(""));
	assert_int_equal(dc_tz_use("Mars/Olympus"), -1);
}

static void paris_dst_gap_and_overlap(void **state)
{
	(void)state;
	int64_t c[2];
	struct dc_localtime l;

	assert_int_equal(dc_tz_use("Europe/Paris"), 0);
	/* 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC. */
	assert_int_equal(dc_tz_to_utc(2026, 3, 29, 2 * 3600 + 1800, c), 0);
	int64_t jump = dc_days_from_civil(2026, 3, 29) * 86400 + 3600;
	assert_int_equal(dc_tz_from_local(2026, 3, 29, 2 * 3600 + 1800), jump);
	assert_int_equal(dc_tz_to_utc(2026, 3, 29, 3 * 3600, c), 1);
	assert_int_equal(c[0], jump);
	assert_int_equal(dc_tz_to_utc(2026, 3, 29, 3600, c), 1);
	assert_int_equal(c[0], jump - 3600);
	/* 2026-10-25: 03:00 CEST goes back to 02:00 CET at 01:00 UTC. */
	assert_int_equal(dc_tz_to_utc(2026, 10, 25, 2 * 3600 + 1800, c), 2);
	int64_t back = dc_days_from_civil(2026, 10, 25) * 86400 + 3600;
	assert_int_equal(c[0], back - 1800);
	assert_int_equal(c[1], back + 1800);
	dc_tz_local(back - 1, &l);
	assert_int_equal(l.sod, 3 * 3600 - 1);
	assert_int_equal(l.gmtoff, 7200);
	dc_tz_local(back, &l);
	assert_int_equal(l.sod, 2 * 3600);
	assert_int_equal(l.gmtoff, 3600);
	assert_int_equal(l.wday, 0);
}

static void overseas_zones(void **state)
{
	(void)state;
	struct dc_localtime l;
	int64_t t = dc_days_from_civil(2026, 7, 1) * 86400 + 12 * 3600;	/* 12:00 UTC */

	assert_int_equal(dc_tz_use("America/Cayenne"), 0);
	dc_tz_local(t, &l);
	assert_int_equal(l.sod, 9 * 3600);
	assert_int_equal(dc_tz_use("Indian/Reunion"), 0);
	dc_tz_local(t, &l);
	assert_int_equal(l.sod, 16 * 3600);
	assert_int_equal(dc_tz_use("Pacific/Noumea"), 0);
	dc_tz_local(t, &l);
	assert_int_equal(l.sod, 23 * 3600);
	assert_int_equal(l.day, 1);
	dc_tz_local(t + 3600, &l);
	assert_int_equal(l.day, 2);
	assert_int_equal(l.sod, 0);
	assert_string_equal(dc_tz_current(), "Pacific/Noumea");
	assert_int_equal(dc_tz_from_local(2026, 7, 2, 0), t + 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(civil_days_round_trip_and_weekdays),
		cmocka_unit_test(parsers_reject_malformed_dates_and_times),
		cmocka_unit_test(easter_matches_published_dates_2020_2040),
		cmocka_unit_test(french_holidays_known_years),
		cmocka_unit_test(unknown_zones_are_refused),
		cmocka_unit_test(paris_dst_gap_and_overlap),
		cmocka_unit_test(overseas_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
