/* test_rules.c — the rules file: the demo compiles, and bad files are
 * refused with the exact field path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "rules.h"

static void demo_rules_compile(void **state)
{
	(void)state;
	char err[512] = "";
	struct dc_rules *r = dc_rules_load("gateway/demo/rules.json", err, sizeof err);

	if (!r)
		fail_msg("%s", err);
	assert_string_equal(r->zone, "Europe/Paris");
	assert_int_equal(r->npolicies, 10);
	assert_string_equal(r->policies[3].id, "advertising-night");
	assert_false(r->policies[3].on);
	assert_int_equal(r->policies[3].windows[0].start, 22 * 60);
	assert_int_equal(r->policies[3].windows[0].end, 7 * 60);
	assert_int_equal(r->policies[3].windows[0].days, 0x7f);
	assert_true(r->policies[6].on);
	assert_int_equal(r->policies[6].windows[1].days, 1u << 3);	/* wed */
	assert_int_equal(r->service_start, 5 * 60 + 30);
	assert_int_equal(r->service_end, 30);
	assert_int_equal(r->nderogations, 1);
	assert_string_equal(r->derogations[0].reference, "Arrêté municipal n° 2026-318");
	assert_int_equal(r->derogations[0].until - r->derogations[0].from, 7 * 3600);
	int cal = dc_rules_calendar(r, "school-holidays");
	assert_true(cal > 0);
	assert_int_equal(r->policies[4].when_cal, cal);
	assert_true(r->calendars[r->policies[5].when_cal].public_holidays);
	assert_true(r->grid_categories & 1u << DC_CAT_TRANSPORT);
	assert_false(r->grid_categories & 1u << DC_CAT_SCHOOL);
	dc_rules_free(r);
}

static void minimal_file_gets_defaults(void **state)
{
	(void)state;
	char err[512] = "";
	const char *j = "{\"comment\": \"x\", \"policies\": [{\"id\": \"a\", \"effect\": \"on\", "
			"\"reason\": \"r\", \"comment\": \"why\"}]}";
	struct dc_rules *r = dc_rules_parse(j, strlen(j), NULL, err, sizeof err);

	assert_non_null(r);
	assert_string_equal(r->zone, "Europe/Paris");
	assert_int_equal(r->service_start, -1);
	assert_int_equal(r->grid_categories, 1u << DC_CAT_ADVERTISING | 1u << DC_CAT_INFORMATION);
	/* The national holidays calendar is always there. */
	assert_int_equal(dc_rules_calendar(r, "fr-public-holidays"), 0);
	dc_rules_free(r);
}

/* A valid policy with one field replaced by `field` (a JSON fragment). */
#define POL(extra) "{\"policies\": [{\"id\": \"p\", \"effect\": \"off\", \"reason\": \"r\"}, " extra "]}"

static void expect_error(const char *json, const char *want)
{
	char err[512] = "";
	struct dc_rules *r = dc_rules_parse(json, strlen(json), "tests/fixtures", err, sizeof err);

	if (r) {
		dc_rules_free(r);
		fail_msg("accepted: %s", json);
	}
	if (strcmp(err, want) != 0 && !(want[0] == '~' && strstr(err, want + 1)))
		fail_msg("error\n  got:  %s\n  want: %s\n  for:  %s", err, want, json);
}

static void invalid_files_name_the_field(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_EN);
	expect_error("{\"policies\": [", "~invalid JSON at line 1, column 1");
	expect_error("{\n  \"policies\": [\n    {\"id\": \"a\",}\n  ]\n}", "~invalid JSON at line 3");
	expect_error("[]", ": a JSON object is expected");
	/* One JSON value per file: what follows it is an error, not ignored. */
	expect_error("{\"policies\": []}\n{\"policies\": []}", "~invalid JSON at line 2, column 1");
	expect_error("{\"policies\": []} junk", "~invalid JSON at line 1");
	expect_error("{}", "policies: required field missing (a list, possibly empty)");
	expect_error("{\"policies\": {}}", "policies: a list is expected");
	expect_error("{\"policy\": []}", "policy: unknown field");
	expect_error("{\"version\": 2, \"policies\": []}", "version: version 1 expected");
	expect_error("{\"zone\": \"Europe/Atlantis\", \"policies\": []}",
		     "zone: \"Europe/Atlantis\" is not a tz database zone (e.g. Europe/Paris)");
	expect_error("{\"zone\": 3, \"policies\": []}", "zone: a non-empty string is expected");
	expect_error("{\"transport\": {\"service_hours\": \"5:30-00:30\"}, \"policies\": []}",
		     "transport.service_hours: \"HH:MM-HH:MM\" expected");
	expect_error("{\"grid_alert\": {\"categories\": [\"billboard\"]}, \"policies\": []}",
		     "~grid_alert.categories[0]: \"billboard\" is not a category");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", "
			 "\"windows\": [{\"start\": \"08:00\", \"end\": \"09:00\"}, "
			 "{\"start\": \"25:00\", \"end\": \"07:00\"}]}"),
		     "policies[1].windows[1].start: \"25:00\" is not a time HH:MM");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", "
			 "\"windows\": [{\"start\": \"08:00\", \"end\": 9}]}"),
		     "policies[1].windows[0].end: 9 is not a time HH:MM");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", "
			 "\"windows\": [{\"start\": \"08:00\"}]}"),
		     "policies[1].windows[0].end: required field missing");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", "
			 "\"windows\": [{\"start\": \"08:00\", \"end\": \"08:00\"}]}"),
		     "policies[1].windows[0].end: empty window (start = end); use 00:00-24:00 for a whole day");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", "
			 "\"windows\": [{\"days\": [\"mon\", \"lundi\"], \"start\": \"08:00\", \"end\": \"09:00\"}]}"),
		     "policies[1].windows[0].days[1]: \"lundi\" is not a day (mon, tue, wed, thu, fri, sat, sun)");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", \"windows\": []}"),
		     "policies[1].windows: a non-empty list is expected");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"maybe\", \"reason\": \"r\"}"),
		     "policies[1].effect: \"maybe\": \"off\" (must be off) or \"on\" (may be on) expected");
	expect_error(POL("{\"id\": \"q\", \"efect\": \"off\", \"reason\": \"r\"}"),
		     "policies[1].efect: unknown field");
	expect_error(POL("{\"id\": \"q\", \"reason\": \"r\"}"), "policies[1].effect: required field missing");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\"}"),
		     "policies[1].reason: required field missing: every rule says why");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": {\"en\": \"x\"}}"),
		     "policies[1].reason.fr: required field missing");
	expect_error(POL("{\"id\": \"p\", \"effect\": \"on\", \"reason\": \"r\"}"),
		     "policies[1].id: id \"p\" already used by policies[0]");
	expect_error(POL("{\"id\": \"Bad Id\", \"effect\": \"on\", \"reason\": \"r\"}"),
		     "policies[1].id: \"Bad Id\" is not an identifier ([a-z0-9][a-z0-9_-]*)");
	expect_error(POL("{\"effect\": \"on\", \"reason\": \"r\"}"), "policies[1].id: required field missing");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", "
			 "\"scope\": {\"categories\": [\"school\", \"pub\"]}}"),
		     "~policies[1].scope.categories[1]: \"pub\" is not a category");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"scope\": {\"statuses\": [\"gone\"]}}"),
		     "~policies[1].scope.statuses[0]: \"gone\" is not a status");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"scope\": {\"flags\": [\"station\"]}}"),
		     "policies[1].scope.flags[0]: \"station\" is not a legal flag (airport, transport_furniture)");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"scope\": {\"screens\": [\"Ecran 1\"]}}"),
		     "policies[1].scope.screens[0]: \"Ecran 1\" is not a valid screen id");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"scope\": {\"sites\": []}}"),
		     "policies[1].scope.sites: a non-empty list is expected");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"scope\": {\"site\": [\"x\"]}}"),
		     "policies[1].scope.site: unknown field");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", "
			 "\"dates\": [{\"from\": \"2026-02-30\", \"to\": \"2026-03-01\"}]}"),
		     "policies[1].dates[0].from: \"2026-02-30\" is not a date YYYY-MM-DD");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", "
			 "\"dates\": [{\"from\": \"2026-03-02\", \"to\": \"2026-03-01\"}]}"),
		     "policies[1].dates[0].to: ends before it starts");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"when\": {\"calendar\": \"nope\"}}"),
		     "policies[1].when.calendar: calendar \"nope\" is not declared in \"calendars\"");
	expect_error(POL("{\"id\": \"q\", \"effect\": \"on\", \"reason\": \"r\", \"when\": {}}"),
		     "policies[1].when: \"calendar\" or \"unless_calendar\" expected");
	expect_error("{\"calendars\": {\"vac\": \"missing.ics\"}, \"policies\": []}",
		     "calendars.vac: tests/fixtures/missing.ics: No such file or directory");
	expect_error("{\"calendars\": {\"vac\": \"closures.ics\", \"Bad\": \"x.ics\"}, \"policies\": []}",
		     "calendars.Bad: invalid calendar name ([a-z0-9][a-z0-9_-]*)");
	expect_error("{\"derogations\": [{\"screens\": [\"a\"], \"from\": \"2026-12-31 20:00\", "
		     "\"to\": \"2027-01-01 02:00\"}], \"policies\": []}",
		     "derogations[0].reference: the order's reference is required");
	expect_error("{\"derogations\": [{\"reference\": \"A-1\", \"from\": \"2026-12-31 20:00\", "
		     "\"to\": \"2027-01-01 02:00\"}], \"policies\": []}",
		     "derogations[0].screens: required field missing: a derogation names its screens");
	expect_error("{\"derogations\": [{\"reference\": \"A-1\", \"screens\": [\"a\"], "
		     "\"from\": \"2026-12-31 20:00\"}], \"policies\": []}",
		     "derogations[0].to: required field missing: a derogation has a bounded period");
	expect_error("{\"derogations\": [{\"reference\": \"A-1\", \"screens\": [\"a\"], "
		     "\"from\": \"2026-12-31 20:00\", \"to\": \"2026-12-31 19:00\"}], \"policies\": []}",
		     "derogations[0].to: must be after \"from\"");
	expect_error("{\"derogations\": [{\"reference\": \"A-1\", \"screens\": [\"a\"], "
		     "\"from\": \"2026-06-01 20:00\", \"to\": \"2026-08-01 02:00\"}], \"policies\": []}",
		     "derogations[0].to: period longer than 31 days: a derogation is for an event");
	expect_error("{\"derogations\": [{\"reference\": \"A-1\", \"screens\": [\"a\"], "
		     "\"from\": \"2026-12-31\", \"to\": \"2027-01-01 02:00\"}], \"policies\": []}",
		     "derogations[0].from: \"2026-12-31\" is not a local date-time \"YYYY-MM-DD HH:MM\"");
	dc_set_lang(DC_LANG_FR);
	expect_error(POL("{\"id\": \"q\", \"effect\": \"off\", \"reason\": \"r\", "
			 "\"windows\": [{\"start\": \"25:00\", \"end\": \"07:00\"}]}"),
		     "policies[1].windows[0].start: \"25:00\" n'est pas une heure HH:MM");
}

static void too_many_policies_refused(void **state)
{
	(void)state;
	char *j = malloc(20000), err[256];
	size_t n = (size_t)sprintf(j, "{\"policies\": [");

	for (int i = 0; i <= DC_MAX_POLICIES; i++)
		n += (size_t)sprintf(j + n, "%s{\"id\": \"p%d\", \"effect\": \"on\", \"reason\": \"r\"}",
				     i ? "," : "", i);
	sprintf(j + n, "]}");
	dc_set_lang(DC_LANG_EN);
	assert_null(dc_rules_parse(j, strlen(j), NULL, err, sizeof err));
	assert_string_equal(err, "policies: more than 64 policies");
	dc_set_lang(DC_LANG_FR);
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demo_rules_compile),
		cmocka_unit_test(minimal_file_gets_defaults),
		cmocka_unit_test(invalid_files_name_the_field),
		cmocka_unit_test(too_many_policies_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
