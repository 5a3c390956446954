/* test_calendar_ics.c — all-day iCalendar events to day ranges, and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendar_ics.h"
#include "tz.h"

#define FIXTURES "tests/fixtures/"
#define D(y, m, d) dc_days_from_civil(y, m, d)

static void zone_c_fixture_covers_holidays_with_exclusive_end(void **state)
{
	(void)state;
	struct dc_day_calendar c = { 0 };
	char err[256] = "";

	assert_int_equal(dc_ics_load(FIXTURES "vacances-zone-c.ics", &c, err, sizeof err), 0);
	assert_int_equal(c.n, 9);
	assert_false(dc_day_calendar_has(&c, D(2026, 10, 16)));	/* last school day */
	assert_true(dc_day_calendar_has(&c, D(2026, 10, 17)));
	assert_true(dc_day_calendar_has(&c, D(2026, 11, 1)));
	assert_false(dc_day_calendar_has(&c, D(2026, 11, 2)));	/* DTEND exclusive: back to school */
	assert_true(dc_day_calendar_has(&c, D(2026, 12, 31)));
	assert_true(dc_day_calendar_has(&c, D(2027, 1, 3)));
	assert_false(dc_day_calendar_has(&c, D(2027, 1, 4)));
	assert_true(dc_day_calendar_has(&c, D(2027, 8, 31)));
	assert_false(dc_day_calendar_has(&c, D(2027, 9, 1)));
	assert_false(dc_day_calendar_has(&c, D(2025, 1, 1)));
	dc_day_calendar_free(&c);
}

static void single_days_and_overlaps_merge(void **state)
{
	(void)state;
	struct dc_day_calendar c = { 0 };
	char err[256] = "";

	assert_int_equal(dc_ics_load(FIXTURES "closures.ics", &c, err, sizeof err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.r[0].first, D(2026, 11, 24));
	assert_int_equal(c.r[0].end, D(2026, 11, 25));
	assert_int_equal(c.r[1].first, D(2026, 11, 26));
	assert_int_equal(c.r[1].end, D(2026, 11, 30));
	assert_false(dc_day_calendar_has(&c, D(2026, 11, 25)));
	dc_day_calendar_free(&c);
}

static const char *const head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\n";

/* Parse head+body; expect failure whose message contains `want`. */
static void expect_bad(const char *body, const char *want)
{
	char text[2048], err[256] = "";
	struct dc_day_calendar c = { .n = 77, .r = NULL };

	snprintf(text, sizeof text, "%s%s", body[0] == '!' ? "" : head, body[0] == '!' ? body + 1 : body);
	assert_int_equal(dc_ics_parse(text, strlen(text), "t.ics", &c, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	assert_int_equal(c.n, 77);	/* untouched */
}

static void malformed_files_are_refused_with_line_and_reason(void **state)
{
	(void)state;
	expect_bad("!BEGIN:VEVENT\r\nEND:VEVENT\r\n", "t.ics:1: BEGIN:VCALENDAR attendu");
	expect_bad("!", "aucun BEGIN:VCALENDAR");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nEND:VEVENT\r\n",
		   "t.ics:6: fin de fichier avant END:VCALENDAR");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
		   "t.ics:6: END:VTODO ne ferme pas BEGIN:VEVENT");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\ngarbage line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		   "t.ics:6: ligne sans");
	expect_bad("BEGIN:VEVENT\r\nDTSTART:20261017T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		   "t.ics:4: DTSTART n'est pas une date");
	expect_bad("BEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		   "t.ics:4: événement sans DTSTART");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261010\r\n"
		   "END:VEVENT\r\nEND:VCALENDAR\r\n", "t.ics:4: DTEND (exclusif) doit suivre DTSTART");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nDTEND:20261020T000000\r\n"
		   "END:VEVENT\r\nEND:VCALENDAR\r\n", "t.ics:4: DTEND n'est pas une date");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nRRULE:FREQ=YEARLY\r\n"
		   "END:VEVENT\r\nEND:VCALENDAR\r\n", "t.ics:4: récurrence");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261399\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		   "t.ics:4:");
	expect_bad("END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "t.ics:5: un seul VCALENDAR");
}

static void missing_file_names_the_path(void **state)
{
	(void)state;
	struct dc_day_calendar c = { 0 };
	char err[256] = "";

	assert_int_equal(dc_ics_load(FIXTURES "nope.ics", &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope.ics"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zone_c_fixture_covers_holidays_with_exclusive_end),
		cmocka_unit_test(single_days_and_overlaps_merge),
		cmocka_unit_test(malformed_files_are_refused_with_line_and_reason),
		cmocka_unit_test(missing_file_names_the_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
