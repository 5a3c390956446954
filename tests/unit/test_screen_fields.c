/* test_screen_fields.c — field conversions and CSV rows to screens,
 * with every kind of bad value an inventory file can hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "screen_csv.h"
#include "screen_fields.h"

static int en(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_EN);
	return 0;
}

static void set_ok(struct dc_screen *s, enum dc_field f, const char *text)
{
	char err[300] = "";
	if (dc_field_set(s, f, text, err, sizeof err) != 0)
		fail_msg("%s='%s': %s", dc_field_name(f), text, err);
}

/* Expect a failure whose message contains `needle`, with s unchanged. */
static void set_bad(enum dc_field f, const char *text, const char *needle)
{
	struct dc_screen s, before;
	char err[300] = "";
	dc_screen_init(&s);
	before = s;
	if (dc_field_set(&s, f, text, err, sizeof err) != -1)
		fail_msg("%s='%s' accepted", dc_field_name(f), text);
	if (!strstr(err, needle))
		fail_msg("%s='%s': message '%s' lacks '%s'", dc_field_name(f), text, err, needle);
	assert_memory_equal(&s, &before, sizeof s);
}

static void decimals_accept_comma_and_point(void **state)
{
	(void)state;
	double v;
	assert_int_equal(dc_parse_decimal("1,5", &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(dc_parse_decimal("1.5", &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(dc_parse_decimal("-0,25", &v), 0);
	assert_true(v == -0.25);
	assert_int_equal(dc_parse_decimal("311", &v), 0);
	assert_int_equal(dc_parse_decimal(",5", &v), 0);
	assert_true(v == 0.5);
	const char *bad[] = { "", "-", ",", "1,2,3", "1.234,5", "1e3", "0x10", "inf", "nan",
			      "12 W", "1 234", "abc", "+-1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (dc_parse_decimal(bad[i], &v) == 0)
			fail_msg("'%s' accepted", bad[i]);
}

static void dates_must_exist(void **state)
{
	(void)state;
	assert_true(dc_date_valid("2026-12-31"));
	assert_true(dc_date_valid("2028-02-29"));
	assert_true(dc_date_valid("2000-02-29"));
	const char *bad[] = { "2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
			      "2026-1-01", "26-01-01", "2026/01/01", "01/02/2026", "2026-01-01T00",
			      "", "abcd-ef-gh", "1899-12-31" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (dc_date_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
}

static void numbers_format_shortest_round_trip(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(dc_fmt_double(b, sizeof b, 311), "311");
	assert_string_equal(dc_fmt_double(b, sizeof b, 1.5), "1.5");
	assert_string_equal(dc_fmt_double(b, sizeof b, 0.1), "0.1");
	assert_string_equal(dc_fmt_double(b, sizeof b, 48.8566123), "48.8566123");
	assert_string_equal(dc_fmt_double(b, sizeof b, -2.35), "-2.35");
	assert_null(strchr(dc_fmt_double(b, sizeof b, 1e-7), 'e'));
}

static void every_field_round_trips_through_text(void **state)
{
	(void)state;
	struct dc_screen s, t;
	dc_screen_init(&s);
	const char *vals[DC_F__COUNT] = {
		[DC_F_ID] = "gare-1", [DC_F_NAME] = "Abri « Gare »", [DC_F_CATEGORY] = "transport",
		[DC_F_SITE] = "Gare", [DC_F_ADDRESS] = "1, place de la Gare", [DC_F_LAT] = "49.5",
		[DC_F_LON] = "-1.25", [DC_F_OWNER] = "JCDecaux", [DC_F_TECH] = "LED",
		[DC_F_SURFACE_M2] = "2", [DC_F_POWER_ON_W] = "311", [DC_F_POWER_STANDBY_W] = "2",
		[DC_F_BASELINE_HOURS] = "19.5", [DC_F_STATUS] = "slated_for_removal",
		[DC_F_REMOVAL_TARGET] = "2027-06-30", [DC_F_REMOVAL_DATE] = "",
		[DC_F_AIRPORT] = "false", [DC_F_TRANSPORT_FURNITURE] = "true",
		[DC_F_SERVICE_HOURS] = "05:30-00:30", [DC_F_BOX] = "box-gare", [DC_F_CHANNEL] = "4",
		[DC_F_NOTES] = "deux\nlignes", [DC_F_DISPLAY] = "animated",
	};
	for (int f = 0; f < DC_F__COUNT; f++)
		set_ok(&s, f, vals[f]);
	assert_int_equal(dc_screen_check(&s, NULL, NULL, 0), 0);
	dc_screen_init(&t);
	for (int f = 0; f < DC_F__COUNT; f++) {
		char b[600];
		dc_field_format(&s, f, b, sizeof b);
		assert_string_equal(b, vals[f]);
		set_ok(&t, f, b);
	}
	assert_memory_equal(&s, &t, sizeof s);
	assert_int_equal(dc_field_parse("power_on_w"), DC_F_POWER_ON_W);
	assert_int_equal(dc_field_parse("power"), -1);
}

static void lenient_spellings(void **state)
{
	(void)state;
	struct dc_screen s;
	dc_screen_init(&s);
	set_ok(&s, DC_F_POWER_ON_W, "  1,5 ");
	assert_true(s.power_on_w == 1.5);
	/* An undeclared display is unknown; French words are understood. */
	assert_int_equal(s.display, DC_DISPLAY_UNKNOWN);
	set_ok(&s, DC_F_DISPLAY, " Fixe ");
	assert_int_equal(s.display, DC_DISPLAY_FIXED);
	set_ok(&s, DC_F_DISPLAY, "animé");
	assert_int_equal(s.display, DC_DISPLAY_ANIMATED);
	set_ok(&s, DC_F_DISPLAY, "FIXED");
	assert_int_equal(s.display, DC_DISPLAY_FIXED);
	set_ok(&s, DC_F_DISPLAY, "");
	assert_int_equal(s.display, DC_DISPLAY_UNKNOWN);
	set_ok(&s, DC_F_AIRPORT, "Oui");
	assert_true(s.flags & DC_FLAG_AIRPORT);
	set_ok(&s, DC_F_AIRPORT, "non");
	assert_false(s.flags & DC_FLAG_AIRPORT);
	set_ok(&s, DC_F_AIRPORT, "");
	set_ok(&s, DC_F_BASELINE_HOURS, "");
	assert_true(s.baseline_hours == 24);
	set_ok(&s, DC_F_STATUS, "");
	assert_int_equal(s.status, DC_STATUS_ACTIVE);
	set_ok(&s, DC_F_SERVICE_HOURS, "06:00-24:00");
	set_ok(&s, DC_F_LAT, "");
	assert_false(s.has_coords);
}

static void bad_values_say_what_is_wrong(void **state)
{
	(void)state;
	set_bad(DC_F_ID, "Gare Nord", "invalid id 'Gare Nord'");
	set_bad(DC_F_ID, "", "invalid id");
	set_bad(DC_F_ID, "-x", "invalid id");
	set_bad(DC_F_ID, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "at most 47");
	set_bad(DC_F_NAME, "", "name is required");
	set_bad(DC_F_CATEGORY, "billboard", "unknown value 'billboard' (expected: advertising,");
	set_bad(DC_F_CATEGORY, "", "unknown value");
	set_bad(DC_F_STATUS, "gone", "unknown value 'gone'");
	set_bad(DC_F_TECH, "OLED", "unknown value 'OLED'");
	set_bad(DC_F_LAT, "91", "out of range [-90, 90]");
	set_bad(DC_F_LAT, "-90,5", "out of range");
	set_bad(DC_F_LON, "180.01", "out of range [-180, 180]");
	set_bad(DC_F_LON, "2°21'", "invalid number");
	set_bad(DC_F_POWER_ON_W, "-3", "out of range [0,");
	set_bad(DC_F_POWER_ON_W, "311W", "invalid number '311W'");
	set_bad(DC_F_POWER_STANDBY_W, "1,2,3", "invalid number");
	set_bad(DC_F_SURFACE_M2, "-1", "out of range");
	set_bad(DC_F_BASELINE_HOURS, "25", "out of range [0, 24]");
	set_bad(DC_F_REMOVAL_TARGET, "2026-02-30", "invalid date '2026-02-30'");
	set_bad(DC_F_REMOVAL_DATE, "31/12/2026", "invalid date");
	set_bad(DC_F_AIRPORT, "maybe", "invalid boolean 'maybe'");
	set_bad(DC_F_SERVICE_HOURS, "5h30-0h30", "invalid hours");
	set_bad(DC_F_SERVICE_HOURS, "25:00-01:00", "invalid hours");
	set_bad(DC_F_SERVICE_HOURS, "06:00-06:00", "invalid hours");
	set_bad(DC_F_BOX, "Box 1", "invalid box");
	set_bad(DC_F_DISPLAY, "video", "unknown value 'video' (expected: fixed, animated, unknown)");
	set_bad(DC_F_CHANNEL, "17", "invalid channel '17' (1 to 16)");
	set_bad(DC_F_CHANNEL, "0", "invalid channel");
	set_bad(DC_F_CHANNEL, "2x", "invalid channel");
	set_bad(DC_F_NOTES, "caf\xe9", "not UTF-8");	/* Latin-1 é */
	set_bad(DC_F_NAME, "\xc0\xaf", "not UTF-8");	/* overlong */
	char big[700];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	set_bad(DC_F_NOTES, big, "too long (at most 511 bytes)");
	dc_set_lang(DC_LANG_FR);
	set_bad(DC_F_LAT, "abc", "nombre invalide « abc »");
	set_bad(DC_F_REMOVAL_DATE, "2026-13-01", "date invalide");
	dc_set_lang(DC_LANG_EN);
}

static void cross_field_rules(void **state)
{
	(void)state;
	struct dc_screen s;
	enum dc_field f;
	char err[200];
	dc_screen_init(&s);
	strcpy(s.id, "x");
	strcpy(s.name, "X");
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), 0);
	s.status = DC_STATUS_REMOVED;
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), -1);
	assert_int_equal(f, DC_F_REMOVAL_DATE);
	strcpy(s.removal_date, "2025-01-01");
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), 0);
	s.status = DC_STATUS_SLATED;
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), -1);
	assert_int_equal(f, DC_F_REMOVAL_TARGET);
	strcpy(s.removal_target, "2027-01-01");
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), -1);	/* date but not removed */
	assert_int_equal(f, DC_F_REMOVAL_DATE);
	s.removal_date[0] = '\0';
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), 0);
	s.channel = 2;
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), -1);
	assert_int_equal(f, DC_F_BOX);
	strcpy(s.box, "b1");
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), 0);
	s.power_on_w = 100;
	s.power_standby_w = 200;
	assert_int_equal(dc_screen_check(&s, &f, err, sizeof err), -1);
	assert_int_equal(f, DC_F_POWER_STANDBY_W);
}

/* Run a whole CSV text; returns the valid rows count and fills errs. */
static int run_csv(const char *text, struct dc_errlist *errs, struct dc_screen *last)
{
	struct dc_screen_csv r;
	struct dc_screen s;
	long line;
	int rc, ok = 0;
	if (dc_screen_csv_open(&r, text, strlen(text), errs) == 0)
		while ((rc = dc_screen_csv_next(&r, &s, &line, errs)) > 0)
			if (rc == 1) {
				ok++;
				if (last)
					*last = s;
			}
	dc_screen_csv_close(&r);
	return ok;
}

static void csv_rows_semicolon_decimal_comma_accents(void **state)
{
	(void)state;
	struct dc_errlist errs = { 0 };
	struct dc_screen s;
	const char *text = "\xEF\xBB\xBF" "ID;Name;category;power_on_w;lat;lon;notes\r\n"
			   "creche-lutins;Crèche « Les Lutins »;early_childhood;1,5;49,01;2,5;\"a;b\"\r\n";
	assert_int_equal(run_csv(text, &errs, &s), 1);
	assert_int_equal(errs.n, 0);
	assert_string_equal(s.name, "Crèche « Les Lutins »");
	assert_true(s.power_on_w == 1.5 && s.lat == 49.01 && s.has_coords);
	assert_string_equal(s.notes, "a;b");
	assert_int_equal(s.category, DC_CAT_EARLY_CHILDHOOD);
	dc_errlist_free(&errs);
}

/* The display column: read from import files (absent or empty = unknown),
 * written by exports right after service_hours, and read back unchanged. */
static void csv_display_column_round_trips(void **state)
{
	(void)state;
	struct dc_errlist errs = { 0 };
	struct dc_screen s;
	assert_int_equal(run_csv("id;name;category;transport_furniture;display\n"
				 "abri-1;Abri;transport;oui;animated\n", &errs, &s), 1);
	assert_int_equal(s.display, DC_DISPLAY_ANIMATED);
	assert_int_equal(run_csv("id;name;category\nabri-1;Abri;transport\n", &errs, &s), 1);
	assert_int_equal(s.display, DC_DISPLAY_UNKNOWN);
	assert_int_equal(errs.n, 0);
	assert_int_equal(run_csv("id,name,category,display\nok,A,transport,fixed\n"
				 "bad,B,transport,vidéo\n", &errs, NULL), 1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 3);
	assert_string_equal(errs.v[0].column, "display");
	assert_non_null(strstr(errs.v[0].msg, "'vidéo'"));
	dc_errlist_free(&errs);

	/* Every value through an export line and back. */
	int pos = -1;
	for (int i = 0; i < DC_F__COUNT; i++)
		if (dc_export_columns[i] == DC_F_DISPLAY)
			pos = i;
	assert_int_equal(dc_export_columns[pos - 1], DC_F_SERVICE_HOURS);
	for (int d = 0; d < DC_DISPLAY__COUNT; d++) {
		char csv[2048] = "", cell[600];
		struct dc_screen a, b;
		dc_screen_init(&a);
		snprintf(a.id, sizeof a.id, "abri-%d", d);
		snprintf(a.name, sizeof a.name, "Abri");
		a.flags = DC_FLAG_TRANSPORT_FURNITURE;
		a.display = (enum dc_display)d;
		for (int i = 0; i < DC_F__COUNT; i++) {
			strcat(csv, dc_field_name(dc_export_columns[i]));
			strcat(csv, i + 1 < DC_F__COUNT ? ";" : "\n");
		}
		for (int i = 0; i < DC_F__COUNT; i++) {
			strcat(csv, dc_field_format(&a, dc_export_columns[i], cell, sizeof cell));
			strcat(csv, i + 1 < DC_F__COUNT ? ";" : "\n");
		}
		assert_int_equal(run_csv(csv, &errs, &b), 1);
		assert_int_equal(errs.n, 0);
		assert_memory_equal(&a, &b, sizeof a);
	}
	dc_errlist_free(&errs);
}

static void csv_reports_every_error_with_line_and_column(void **state)
{
	(void)state;
	struct dc_errlist errs = { 0 };
	const char *text =
		"id,name,category,power_on_w,lat,lon,removal_target,status\n"
		"ok-1,Bon,school,90,49,2,,active\n"
		"bad-num,X,school,douze,49,2,,active\n"
		"bad-cat,X,billboard,10,49,2,,active\n"
		"bad-date,X,school,10,49,2,2026-02-30,slated_for_removal\n"
		"bad-coord,X,school,10,95,200,,active\n"
		"Bad Id,X,school,10,49,2,,active\n"
		"short,X\n"
		"two-errors,,other,-5,49,2,,active\n";
	assert_int_equal(run_csv(text, &errs, NULL), 1);
	const struct { long line; const char *col, *needle; } want[] = {
		{ 3, "power_on_w", "invalid number 'douze'" },
		{ 4, "category", "unknown value 'billboard'" },
		{ 5, "removal_target", "invalid date '2026-02-30'" },
		{ 6, "lat", "out of range" },
		{ 6, "lon", "out of range" },
		{ 7, "id", "invalid id 'Bad Id'" },
		{ 8, "", "2 fields but the header has 8 columns" },
		{ 9, "name", "name is required" },
		{ 9, "power_on_w", "out of range" },
	};
	assert_int_equal(errs.n, sizeof want / sizeof *want);
	for (size_t i = 0; i < errs.n; i++) {
		assert_int_equal(errs.v[i].line, want[i].line);
		assert_string_equal(errs.v[i].column, want[i].col);
		if (!strstr(errs.v[i].msg, want[i].needle))
			fail_msg("line %ld: '%s' lacks '%s'", errs.v[i].line, errs.v[i].msg, want[i].needle);
	}
	dc_errlist_free(&errs);
}

static void csv_header_problems(void **state)
{
	(void)state;
	struct dc_errlist errs = { 0 };
	assert_int_equal(run_csv("id,nom,power\nx,y,1\n", &errs, NULL), 0);
	/* nom and power unknown, name and category missing */
	assert_int_equal(errs.n, 4);
	assert_string_equal(errs.v[0].column, "nom");
	assert_string_equal(errs.v[1].column, "power");
	assert_string_equal(errs.v[2].column, "name");
	assert_string_equal(errs.v[3].column, "category");
	assert_non_null(strstr(errs.v[2].msg, "required column missing"));
	dc_errlist_free(&errs);
	assert_int_equal(run_csv("id,name,category,name\n", &errs, NULL), 0);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].msg, "duplicate column");
	dc_errlist_free(&errs);
	assert_int_equal(run_csv("id;name;category;\n", &errs, NULL), 0);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].column, "#4");
	assert_non_null(strstr(errs.v[0].msg, "column without a name"));
	dc_errlist_free(&errs);
	assert_int_equal(run_csv("", &errs, NULL), 0);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0].msg, "empty file"));
	dc_errlist_free(&errs);
}

static void csv_syntax_error_stops_with_its_line(void **state)
{
	(void)state;
	struct dc_errlist errs = { 0 };
	assert_int_equal(run_csv("id,name,category\na,A,other\nb,\"B,other\n", &errs, NULL), 1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 3);
	dc_errlist_free(&errs);
}

static void errlist_sorts_by_line_stably(void **state)
{
	(void)state;
	struct dc_errlist l = { 0 };
	for (int i = 0; i < 100; i++)
		dc_errlist_add(&l, (i * 37) % 10, "c", "%d", i);
	dc_errlist_sort(&l);
	for (size_t i = 1; i < l.n; i++) {
		assert_true(l.v[i - 1].line <= l.v[i].line);
		if (l.v[i - 1].line == l.v[i].line)
			assert_true(atoi(l.v[i - 1].msg) < atoi(l.v[i].msg));
	}
	dc_errlist_free(&l);
}

/* Expect dc_screen_check to blame `field` for half a position. */
static void half_pair(const struct dc_screen *s, enum dc_field field)
{
	enum dc_field f;
	char err[200] = "";
	assert_int_equal(dc_screen_check(s, &f, err, sizeof err), -1);
	assert_int_equal(f, field);
	assert_string_equal(err, "latitude and longitude go together (both or neither)");
}

static void coordinates_are_both_or_neither(void **state)
{
	(void)state;
	struct dc_screen s, fresh;
	dc_screen_init(&fresh);
	strcpy(fresh.id, "x");
	strcpy(fresh.name, "X");
	/* A new screen: one coordinate alone is refused, never completed by 0. */
	s = fresh;
	set_ok(&s, DC_F_LAT, "47,2");
	assert_false(s.has_coords);
	half_pair(&s, DC_F_LON);
	s = fresh;
	set_ok(&s, DC_F_LON, "-1.55");
	half_pair(&s, DC_F_LAT);
	/* Whatever the column order, an empty partner is missing. */
	s = fresh;
	set_ok(&s, DC_F_LON, "");
	set_ok(&s, DC_F_LAT, "47.2");
	half_pair(&s, DC_F_LON);
	s = fresh;
	set_ok(&s, DC_F_LAT, "47.2");
	set_ok(&s, DC_F_LON, "");
	half_pair(&s, DC_F_LON);
	/* Neither, or both. */
	s = fresh;
	set_ok(&s, DC_F_LAT, "");
	set_ok(&s, DC_F_LON, "");
	assert_int_equal(dc_screen_check(&s, NULL, NULL, 0), 0);
	assert_false(s.has_coords);
	set_ok(&s, DC_F_LAT, "47.2");
	set_ok(&s, DC_F_LON, "-1.55");
	assert_int_equal(dc_screen_check(&s, NULL, NULL, 0), 0);
	assert_true(s.has_coords && s.lat == 47.2 && s.lon == -1.55);
	/* Editing a placed screen: one coordinate moves, the other stays. */
	struct dc_screen placed = s;
	set_ok(&s, DC_F_LAT, "47.25");
	assert_int_equal(dc_screen_check(&s, NULL, NULL, 0), 0);
	assert_true(s.has_coords && s.lat == 47.25 && s.lon == -1.55);
	/* Clearing takes both. */
	s = placed;
	set_ok(&s, DC_F_LAT, "");
	half_pair(&s, DC_F_LAT);
	set_ok(&s, DC_F_LON, "");
	assert_int_equal(dc_screen_check(&s, NULL, NULL, 0), 0);
	assert_false(s.has_coords);
	char b[32];
	assert_string_equal(dc_field_format(&s, DC_F_LAT, b, sizeof b), "");
	assert_string_equal(dc_field_format(&s, DC_F_LON, b, sizeof b), "");
}

static void csv_rows_with_half_a_position(void **state)
{
	(void)state;
	struct dc_errlist errs = { 0 };
	assert_int_equal(run_csv("id,name,category,lat,lon\n"
				 "a,A,other,47.2,\n"
				 "b,B,other,,-1.55\n"
				 "c,C,other,,\n"
				 "d,D,other,47.2,-1.55\n", &errs, NULL), 2);
	assert_int_equal(errs.n, 2);
	assert_int_equal(errs.v[0].line, 2);
	assert_string_equal(errs.v[0].column, "lon");
	assert_int_equal(errs.v[1].line, 3);
	assert_string_equal(errs.v[1].column, "lat");
	dc_errlist_free(&errs);
	/* A file with only one of the two columns places nothing. */
	assert_int_equal(run_csv("id,lon,name,category\na,2.3,A,other\nb,,B,other\n", &errs, NULL), 1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 2);
	assert_string_equal(errs.v[0].column, "lat");
	dc_errlist_free(&errs);
}

/* A file of a million bad rows must not hold a million messages: the
 * first DC_ERRLIST_KEEP are kept in order, the rest only counted. */
static void errlist_keeps_the_first_and_counts_the_rest(void **state)
{
	(void)state;
	struct dc_errlist l = { 0 };
	for (int i = 0; i < 250; i++)
		dc_errlist_add(&l, 2 + i / 2, i % 2 ? "b" : "a", "%d", i);
	assert_int_equal(l.n, DC_ERRLIST_KEEP);
	assert_int_equal(DC_ERRLIST_KEEP, 100);
	assert_int_equal(dc_errlist_count(&l), 250);
	dc_errlist_sort(&l);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(atoi(l.v[i].msg), (int)i);
	dc_errlist_free(&l);
	assert_int_equal(dc_errlist_count(&l), 0);
	/* The CSV reader still tells good rows from bad ones past the cap. */
	char *text = malloc(200 * 32 + 64);
	strcpy(text, "id,name,category\n");
	for (int i = 0; i < 200; i++)
		sprintf(text + strlen(text), "r%d,R,%s\n", i, i == 150 ? "other" : "billboard");
	assert_int_equal(run_csv(text, &l, NULL), 1);
	assert_int_equal(dc_errlist_count(&l), 199);
	assert_int_equal(l.n, 100);
	dc_errlist_free(&l);
	free(text);
}

/* Malformed files of every shape (random byte mutations of a valid one):
 * never a crash or an out-of-bounds read (ASan), every error located on a
 * line of the file, and a row is either valid or has errors. */
static void mutated_files_never_crash_and_errors_stay_located(void **state)
{
	(void)state;
	static const char base[] =
		"id;name;category;lat;lon;power_on_w;status;removal_target;notes\n"
		"a-1;Abri \"Gare\";transport;50,6;2,4;311;slated_for_removal;2027-01-31;\"x;y\"\n"
		"b-2;École;school;;;90;active;;\"l1\nl2\"\n"
		"c-3;Médiathèque;library;50;2;1,5;removed;;\n";
	static const char junk[] = { ';', ',', '"', '\n', '\r', '\0', 'x', '9', '-', (char)0xE9 };
	char buf[sizeof base];
	unsigned seed = 99;
	for (int round = 0; round < 3000; round++) {
		memcpy(buf, base, sizeof base);
		size_t len = sizeof base - 1;
		for (int m = 0; m < 1 + round % 4; m++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[at] = junk[(seed >> 16) % sizeof junk];
		}
		if (round % 5 == 0)
			len = (seed >> 4) % len;	/* truncated file */
		long maxline = 1;	/* lines the file has: every break may start one */
		for (size_t i = 0; i < len; i++)
			maxline += buf[i] == '\n' || buf[i] == '\r';
		struct dc_screen_csv r;
		struct dc_errlist errs = { 0 };
		struct dc_screen s;
		long line;
		int rc;
		if (dc_screen_csv_open(&r, buf, len, &errs) == 0)
			while ((rc = dc_screen_csv_next(&r, &s, &line, &errs)) > 0) {
				assert_true(line >= 2 && line <= maxline);
				if (rc == 1)
					assert_int_equal(dc_screen_check(&s, NULL, NULL, 0), 0);
			}
		dc_screen_csv_close(&r);
		for (size_t i = 0; i < errs.n; i++)
			assert_true(errs.v[i].line >= 1 && errs.v[i].line <= maxline);
		dc_errlist_free(&errs);
	}
}

/* The short-decimal path must give strtod's very double (bit for bit) for
 * every spelling: leading zeros, many decimals, long mantissas, signs. */
static void decimals_match_strtod_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rng = 0x2545f4914f6cdd1du;
	char s[64], ref[64];

	for (int k = 0; k < 200000; k++) {
		size_t n = 0;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		uint64_t x = rng;
		if (x % 4 == 0)
			s[n++] = x % 8 ? '-' : '+';
		x >>= 3;
		int before = (int)(x % 20), after = (int)(x / 20 % 26);
		x >>= 10;
		for (int i = 0; i < before; i++, x = x * 6364136223846793005u + 1)
			s[n++] = (char)('0' + (x >> 40) % (i < 3 && x % 3 == 0 ? 1 : 10));
		bool point = after || x % 2;
		if (point)
			s[n++] = x % 4 < 2 ? ',' : '.';
		for (int i = 0; i < after; i++, x = x * 6364136223846793005u + 1)
			s[n++] = (char)('0' + (x >> 40) % (x % 5 == 0 ? 1 : 10));
		s[n] = '\0';
		double got, want;
		int rc = dc_parse_decimal(s, &got);
		bool has_digit = before + after > 0;
		if (!has_digit) {
			assert_int_equal(rc, -1);
			continue;
		}
		snprintf(ref, sizeof ref, "%s", s);
		for (char *p = ref; *p; p++)
			if (*p == ',')
				*p = '.';
		want = strtod(ref, NULL);
		if (rc != 0 || memcmp(&got, &want, sizeof got) != 0)
			fail_msg("'%s': %d %.17g, strtod %.17g", s, rc, got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimals_accept_comma_and_point),
		cmocka_unit_test(decimals_match_strtod_bit_for_bit),
		cmocka_unit_test(dates_must_exist),
		cmocka_unit_test(numbers_format_shortest_round_trip),
		cmocka_unit_test(every_field_round_trips_through_text),
		cmocka_unit_test(lenient_spellings),
		cmocka_unit_test(bad_values_say_what_is_wrong),
		cmocka_unit_test(cross_field_rules),
		cmocka_unit_test(csv_rows_semicolon_decimal_comma_accents),
		cmocka_unit_test(csv_display_column_round_trips),
		cmocka_unit_test(csv_reports_every_error_with_line_and_column),
		cmocka_unit_test(csv_header_problems),
		cmocka_unit_test(csv_syntax_error_stops_with_its_line),
		cmocka_unit_test(errlist_sorts_by_line_stably),
		cmocka_unit_test(coordinates_are_both_or_neither),
		cmocka_unit_test(csv_rows_with_half_a_position),
		cmocka_unit_test(errlist_keeps_the_first_and_counts_the_rest),
		cmocka_unit_test(mutated_files_never_crash_and_errors_stay_located),
	};
	return cmocka_run_group_tests(tests, en, NULL);
}
