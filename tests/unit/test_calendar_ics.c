/* test_calendar_ics.c — iCalendar events to the exact UTC instants they
 * cover: the national school-holiday calendar (all-day events), a calendar
 * server's export (TZID, VTIMEZONE, RRULE, EXDATE, RECURRENCE-ID, UTC,
 * floating, no DTEND, DURATION) across DST changes, and refusals that name
 * the line and the property. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendar_ics.h"
#include "i18n.h"
#include "tz.h"

#define FIXTURES "tests/fixtures/"
#define PARIS "Europe/Paris"
#define D(y, m, d) dc_days_from_civil(y, m, d)

/* A UTC instant. */
static int64_t U(int y, int mo, int d, int h, int mi)
{
	return D(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static void load(const char *file, const char *zone, struct dc_ics_calendar *c)
{
	char err[512] = "";

	if (dc_ics_load(file, zone, c, err, sizeof err) != 0)
		fail_msg("%s refused: %s", file, err);
}

/* The calendar is exactly these intervals, and covers() agrees at each edge. */
static void expect_intervals(const struct dc_ics_calendar *c, const struct dc_interval *want, size_t n)
{
	for (size_t i = 0; i < n && i < c->n; i++)
		if (c->v[i].from != want[i].from || c->v[i].until != want[i].until)
			fail_msg("interval %zu: [%lld, %lld) instead of [%lld, %lld)", i,
				 (long long)c->v[i].from, (long long)c->v[i].until,
				 (long long)want[i].from, (long long)want[i].until);
	assert_int_equal(c->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_false(dc_ics_covers(c, want[i].from - 1));
		assert_true(dc_ics_covers(c, want[i].from));
		assert_true(dc_ics_covers(c, want[i].until - 1));
		assert_false(dc_ics_covers(c, want[i].until));
	}
}

static void national_school_calendar_covers_local_days_across_dst(void **state)
{
	(void)state;
	struct dc_ics_calendar c = { 0 };
	const struct dc_interval w[] = {
		/* Prérentrée: one day without DTEND, in summer time (UTC+2). */
		{ U(2026, 8, 30, 22, 0), U(2026, 8, 31, 22, 0) },
		/* Toussaint: starts in summer time, ends in winter time (DST end 25 Oct). */
		{ U(2026, 10, 16, 22, 0), U(2026, 11, 1, 23, 0) },
		{ U(2026, 12, 18, 23, 0), U(2027, 1, 3, 23, 0) },
		/* Printemps: starts in winter time, ends in summer time (DST 28 Mar). */
		{ U(2027, 3, 26, 23, 0), U(2027, 4, 11, 22, 0) },
		{ U(2027, 5, 5, 22, 0), U(2027, 5, 9, 22, 0) },
		{ U(2027, 7, 2, 22, 0), U(2027, 8, 31, 22, 0) },
	};

	load(FIXTURES "calendrier-scolaire.ics", PARIS, &c);
	expect_intervals(&c, w, 6);

	/* Same semantics as before timed events existed: an instant is covered
	 * exactly when its local date lies in an event's [DTSTART, DTEND). */
	static const int days[][6] = {
		{ 2026, 8, 31, 2026, 9, 1 }, { 2026, 10, 17, 2026, 11, 2 }, { 2026, 12, 19, 2027, 1, 4 },
		{ 2027, 3, 27, 2027, 4, 12 }, { 2027, 5, 6, 2027, 5, 10 }, { 2027, 7, 3, 2027, 9, 1 },
	};
	for (int64_t t = U(2026, 8, 1, 0, 0); t < U(2027, 9, 30, 0, 0); t += 900) {
		struct dc_localtime l;
		bool in = false;
		dc_tz_local(t, &l);
		for (size_t i = 0; i < 6; i++)
			in |= l.daynum >= D(days[i][0], days[i][1], days[i][2]) &&
			      l.daynum < D(days[i][3], days[i][4], days[i][5]);
		if (dc_ics_covers(&c, t) != in)
			fail_msg("t=%lld: covers=%d, local date says %d", (long long)t, !in, in);
	}
	dc_ics_calendar_free(&c);

	/* The rules' zone decides what a local date is. */
	load(FIXTURES "calendrier-scolaire.ics", "America/Cayenne", &c);
	assert_int_equal(c.v[1].from, U(2026, 10, 17, 3, 0));
	assert_int_equal(c.v[1].until, U(2026, 11, 2, 3, 0));
	dc_ics_calendar_free(&c);
}

static void demo_and_fixture_all_day_calendars_still_load(void **state)
{
	(void)state;
	struct dc_ics_calendar c = { 0 };

	load(FIXTURES "vacances-zone-c.ics", PARIS, &c);
	assert_int_equal(c.n, 9);
	assert_false(dc_ics_covers(&c, U(2026, 10, 16, 21, 59)));	/* Friday 23:59, last school day */
	assert_true(dc_ics_covers(&c, U(2026, 10, 16, 22, 0)));
	assert_true(dc_ics_covers(&c, U(2026, 11, 1, 22, 59)));
	assert_false(dc_ics_covers(&c, U(2026, 11, 1, 23, 0)));	/* DTEND exclusive: back to school */
	dc_ics_calendar_free(&c);

	/* A day without DTEND, then two overlapping events merged. */
	const struct dc_interval want[] = {
		{ U(2026, 11, 23, 23, 0), U(2026, 11, 24, 23, 0) },
		{ U(2026, 11, 25, 23, 0), U(2026, 11, 29, 23, 0) },
	};
	load(FIXTURES "closures.ics", PARIS, &c);
	expect_intervals(&c, want, 2);
	dc_ics_calendar_free(&c);
}

static void calendar_server_export_covers_exact_instants(void **state)
{
	(void)state;
	struct dc_ics_calendar c = { 0 };
	const struct dc_interval want[] = {
		/* Weekly Monday and Tuesday 08:00-10:00 Paris: 07:00Z in winter... */
		{ U(2027, 3, 1, 7, 0), U(2027, 3, 1, 9, 0) },
		{ U(2027, 3, 2, 7, 0), U(2027, 3, 2, 9, 0) },
		{ U(2027, 3, 8, 7, 0), U(2027, 3, 8, 9, 0) },
		/* 9 March: EXDATE.  16 March: cancelled by its RECURRENCE-ID. */
		{ U(2027, 3, 15, 7, 0), U(2027, 3, 15, 9, 0) },
		{ U(2027, 3, 22, 7, 0), U(2027, 3, 22, 9, 0) },
		{ U(2027, 3, 23, 7, 0), U(2027, 3, 23, 9, 0) },
		/* The UTC event, across the jump at 01:00Z. */
		{ U(2027, 3, 28, 0, 30), U(2027, 3, 28, 1, 30) },
		/* ... 06:00Z in summer. */
		{ U(2027, 3, 29, 6, 0), U(2027, 3, 29, 8, 0) },
		/* 30 March moved to 14:00-16:00 by its RECURRENCE-ID. */
		{ U(2027, 3, 30, 12, 0), U(2027, 3, 30, 14, 0) },
		/* The instant of 1 April covers nothing; 2 April is a whole local day. */
		{ U(2027, 4, 1, 22, 0), U(2027, 4, 2, 22, 0) },
		{ U(2027, 4, 5, 6, 0), U(2027, 4, 5, 8, 0) },
		/* UNTIL=20270406T060000Z is inclusive. */
		{ U(2027, 4, 6, 6, 0), U(2027, 4, 6, 8, 0) },
		/* Yearly, COUNT=3. */
		{ U(2027, 8, 14, 22, 0), U(2027, 8, 15, 22, 0) },
		/* DURATION:P1D from 12:00 CEST: the next day 12:00 CET, 25 hours. */
		{ U(2027, 10, 30, 10, 0), U(2027, 10, 31, 11, 0) },
		{ U(2028, 8, 14, 22, 0), U(2028, 8, 15, 22, 0) },
		/* Floating 23:00 -> 04:00 in the rules' zone: 4 real hours on the DST night. */
		{ U(2028, 3, 25, 22, 0), U(2028, 3, 26, 2, 0) },
		{ U(2029, 8, 14, 22, 0), U(2029, 8, 15, 22, 0) },
	};
	struct dc_interval sorted[sizeof want / sizeof *want];
	size_t n = sizeof want / sizeof *want;

	/* Sorted by start (the floating 2028 event sits between two 15 August). */
	memcpy(sorted, want, sizeof sorted);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sorted[j - 1].from > sorted[j].from; j--) {
			struct dc_interval x = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = x;
		}
	load(FIXTURES "agenda-serveur.ics", PARIS, &c);
	expect_intervals(&c, sorted, n);
	assert_false(dc_ics_covers(&c, U(2027, 3, 9, 7, 30)));
	assert_false(dc_ics_covers(&c, U(2027, 3, 16, 7, 30)));
	assert_false(dc_ics_covers(&c, U(2027, 3, 30, 6, 30)));
	assert_false(dc_ics_covers(&c, U(2027, 4, 1, 10, 0)));	/* the instant event */
	assert_false(dc_ics_covers(&c, U(2027, 4, 12, 6, 30)));	/* after UNTIL */
	assert_false(dc_ics_covers(&c, U(2030, 8, 15, 0, 0)));	/* after COUNT */
	dc_ics_calendar_free(&c);

	/* In another rules' zone, TZID and UTC times stay put; floating and
	 * all-day ones follow the rules' zone. */
	load(FIXTURES "agenda-serveur.ics", "America/Cayenne", &c);
	assert_true(dc_ics_covers(&c, U(2027, 3, 1, 7, 0)));
	assert_true(dc_ics_covers(&c, U(2027, 3, 28, 0, 30)));
	assert_true(dc_ics_covers(&c, U(2028, 3, 26, 2, 0)));	/* 23:00 Cayenne = 02:00Z */
	assert_false(dc_ics_covers(&c, U(2028, 3, 25, 22, 0)));
	dc_ics_calendar_free(&c);
}

static const char *const head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\n";

static int parse_body(const char *body, struct dc_ics_calendar *c, char *err, size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof text, "%s%s", body[0] == '!' ? "" : head, body[0] == '!' ? body + 1 : body);
	return dc_ics_parse(text, strlen(text), "t.ics", PARIS, c, err, errlen);
}

static void custom_vtimezone_and_tz_database_zones(void **state)
{
	(void)state;
	struct dc_ics_calendar c = { 0 };
	char err[512] = "";

	/* Outlook names its zones; the VTIMEZONE of the file defines them. */
	assert_int_equal(parse_body("BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\n"
				    "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\n"
				    "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
				    "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\n"
				    "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
				    "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:o\r\n"
				    "DTSTART;TZID=Romance Standard Time:20270326T220000\r\n"
				    "DTEND;TZID=Romance Standard Time:20270328T040000\r\nEND:VEVENT\r\n"
				    "END:VCALENDAR\r\n", &c, err, sizeof err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].from, U(2027, 3, 26, 21, 0));
	assert_int_equal(c.v[0].until, U(2027, 3, 28, 2, 0));
	dc_ics_calendar_free(&c);

	/* No VTIMEZONE: the tz database; RDATE adds an occurrence of the same length. */
	assert_int_equal(parse_body("BEGIN:VEVENT\r\nUID:n\r\nDTSTART;TZID=America/New_York:20270310T090000\r\n"
				    "DTEND;TZID=America/New_York:20270310T100000\r\n"
				    "RDATE;TZID=America/New_York:20270315T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
				    &c, err, sizeof err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.v[0].from, U(2027, 3, 10, 14, 0));	/* EST */
	assert_int_equal(c.v[1].from, U(2027, 3, 15, 13, 0));	/* EDT from 14 March */
	assert_int_equal(c.v[1].until, U(2027, 3, 15, 14, 0));
	dc_ics_calendar_free(&c);
}

/* Parse head+body; expect failure whose message contains `want`, and *out untouched. */
static void expect_bad(const char *body, const char *want)
{
	char err[512] = "";
	struct dc_ics_calendar c = { .n = 77, .v = NULL };

	assert_int_equal(parse_body(body, &c, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	assert_int_equal(c.n, 77);
	assert_null(c.v);
}

#define EV(props) "BEGIN:VEVENT\r\nUID:u\r\n" props "END:VEVENT\r\nEND:VCALENDAR\r\n"

static void malformed_files_name_the_line_and_property(void **state)
{
	(void)state;
	/* Structure. */
	expect_bad("!BEGIN:VEVENT\r\nEND:VEVENT\r\n", "t.ics:1: BEGIN:VCALENDAR attendu");
	expect_bad("!", "aucun BEGIN:VCALENDAR");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nEND:VEVENT\r\n",
		   "t.ics:6: fin de fichier avant END:VCALENDAR");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
		   "t.ics:6: END:VTODO ne ferme pas BEGIN:VEVENT");
	expect_bad("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\ngarbage line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		   "t.ics:6: ligne sans");
	expect_bad("END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "t.ics:5: un seul VCALENDAR");
	/* Each property at its own line (the VEVENT starts at line 4, UID at 5). */
	expect_bad(EV("SUMMARY:x\r\n"), "t.ics:4: DTSTART: événement sans DTSTART");
	expect_bad(EV("SUMMARY:x\r\nDTSTART;VALUE=DATE:20261399\r\n"), "t.ics:7: DTSTART: date ou date-heure invalide");
	/* Beyond the horizon: converting year 9988 made libical compute the
	 * zone's changes for 8 000 years (0.1 s under ASan, found by fuzz_ics). */
	expect_bad(EV("DTSTART;TZID=America/Santiago:99880227T233000\r\nDURATION:PT2H\r\n"),
		   "t.ics:6: DTSTART: date en 2100 ou après");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;VALUE=DATE:21000101\r\n"),
		   "t.ics:8: EXDATE: date en 2100 ou après");
	/* A zone's change of offset every hour in March: libical expanded it
	 * for every hour of every year up to the events (60 s under ASan,
	 * found by fuzz_ics). */
	expect_bad("BEGIN:VTIMEZONE\r\nTZID:Z\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
		   "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=HOURLY;BYMONTH=3;BYDAY=-1SU\r\n"
		   "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n" EV("DTSTART;TZID=Z:20270105T080000\r\n"),
		   "t.ics:10: RRULE: règle de changement d'heure annuelle attendue");
	expect_bad("BEGIN:VTIMEZONE\r\nTZID:Z\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
		   "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
		   "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
		   "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYHOUR=1,2\r\n"
		   "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n" EV("DTSTART;TZID=Z:20270105T080000\r\n"),
		   "t.ics:16: RRULE: règle de changement d'heure annuelle attendue");
	expect_bad(EV("DTSTART;TZID=Mars/Olympus_Mons:20270105T080000\r\n"),
		   "t.ics:6: DTSTART: fuseau TZID « Mars/Olympus_Mons » inconnu");
	expect_bad(EV("DTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261010\r\n"),
		   "t.ics:7: DTEND: doit suivre DTSTART");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nSUMMARY:x\r\nDTEND:20261017T090000Z\r\n"),
		   "t.ics:8: DTEND: doit suivre DTSTART");
	expect_bad(EV("DTSTART;VALUE=DATE:20261017\r\nDTEND:20261020T000000\r\n"),
		   "t.ics:7: DTEND: doit être du même type que DTSTART");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nDTEND:2026X\r\n"), "t.ics:7: DTEND: valeur illisible");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nDTEND:20261017T110000Z\r\nDURATION:PT1H\r\n"),
		   "t.ics:8: DURATION: DTEND et DURATION ne vont pas ensemble");
	expect_bad(EV("DTSTART;VALUE=DATE:20261017\r\nDURATION:PT2H\r\n"),
		   "t.ics:7: DURATION: un événement « journée entière » dure des jours");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nDURATION:-PT1H\r\n"), "t.ics:7: DURATION: durée négative");
	expect_bad(EV("DTSTART;VALUE=DATE:20261017\r\nRRULE:FREQ=FOO\r\n"), "t.ics:7: RRULE: valeur illisible");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nDTEND:20261017T100100Z\r\nRRULE:FREQ=MINUTELY\r\n"),
		   "t.ics:8: RRULE: plus de 200000 occurrences avant 2100");
	expect_bad(EV("DTSTART:20261017T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20261018T100000Z\r\n"
		      "EXDATE;TZID=Nowhere/Land:20261019T100000\r\n"),
		   "t.ics:9: EXDATE: fuseau TZID « Nowhere/Land » inconnu");
	expect_bad(EV("RECURRENCE-ID;RANGE=THISANDFUTURE:20261017T100000Z\r\nDTSTART:20261017T110000Z\r\n"),
		   "t.ics:6: RECURRENCE-ID: RANGE=THISANDFUTURE non pris en charge");
	expect_bad("BEGIN:VEVENT\r\nRECURRENCE-ID:20261017T100000Z\r\nDTSTART:20261017T110000Z\r\n"
		   "END:VEVENT\r\nEND:VCALENDAR\r\n", "t.ics:5: RECURRENCE-ID: sans UID");
	expect_bad(EV("DTSTART;VALUE=DATE:20261017\r\nRDATE:20261020T100000Z\r\n"),
		   "t.ics:7: RDATE: doit être du même type que DTSTART");
	/* A second VEVENT: lines still exact, a VALARM's lines are not the event's. */
	expect_bad("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261017T100000Z\r\nBEGIN:VALARM\r\nTRIGGER:-PT15M\r\n"
		   "ACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\n" EV("DTSTART:20261017T100000Z\r\nDTEND:x\r\n"),
		   "t.ics:15: DTEND: valeur illisible");
}

static void errors_in_english_too(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_EN);
	expect_bad(EV("DTSTART;TZID=Mars/Olympus_Mons:20270105T080000\r\n"),
		   "t.ics:6: DTSTART: unknown TZID \"Mars/Olympus_Mons\"");
	expect_bad(EV("DTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261010\r\n"),
		   "t.ics:7: DTEND: must be after DTSTART");
	dc_set_lang(DC_LANG_FR);
}

static void missing_file_names_the_path(void **state)
{
	(void)state;
	struct dc_ics_calendar c = { 0 };
	char err[256] = "";

	assert_int_equal(dc_ics_load(FIXTURES "nope.ics", PARIS, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope.ics"));
}

/* A calendar with no event (or only cancelled ones) is an empty calendar,
 * not an error; nothing is sorted (qsort of an empty, NULL array was
 * undefined behaviour that UBSan reports as a null argument). */
static void calendar_without_events_is_empty(void **state)
{
	(void)state;
	struct dc_ics_calendar c = { 0 };
	char err[256] = "";

	assert_int_equal(parse_body("END:VCALENDAR\r\n", &c, err, sizeof err), 0);
	assert_int_equal(c.n, 0);
	assert_false(dc_ics_covers(&c, 1795392000));
	dc_ics_calendar_free(&c);
	assert_int_equal(parse_body("BEGIN:VEVENT\r\nUID:a\r\nSTATUS:CANCELLED\r\n"
				    "DTSTART;VALUE=DATE:20261017\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
				    &c, err, sizeof err), 0);
	dc_ics_calendar_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(national_school_calendar_covers_local_days_across_dst),
		cmocka_unit_test(demo_and_fixture_all_day_calendars_still_load),
		cmocka_unit_test(calendar_server_export_covers_exact_instants),
		cmocka_unit_test(custom_vtimezone_and_tz_database_zones),
		cmocka_unit_test(malformed_files_name_the_line_and_property),
		cmocka_unit_test(errors_in_english_too),
		cmocka_unit_test(calendar_without_events_is_empty),
		cmocka_unit_test(missing_file_names_the_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
