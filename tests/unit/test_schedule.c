/* test_schedule.c — each rule kind of the engine, precedence, explanations,
 * next transitions, overseas zones and the compiled fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fallback.h"
#include "fixture_schedule.h"
#include "schedule.h"

static struct dc_rules *demo;

static int setup(void **state)
{
	(void)state;
	char err[512];

	demo = dc_rules_load("tests/fixtures/rules.json", err, sizeof err);
	if (!demo)
		fprintf(stderr, "%s\n", err);
	return demo ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	dc_rules_free(demo);
	return 0;
}

static struct dc_rules *rules_of(const char *json)
{
	char err[512];
	struct dc_rules *r = dc_rules_parse(json, strlen(json), "tests/fixtures", err, sizeof err);

	if (!r)
		fail_msg("%s", err);
	return r;
}

static bool on(const struct dc_rules *r, struct dc_sched_ctx *ctx, const struct dc_screen *s,
	       int y, int mo, int d, int h, int mi)
{
	return dc_schedule_evaluate(r, ctx, s, at(r, y, mo, d, h, mi));
}

/* The kind (and policy index) of the decisive step. */
static const struct dc_explain_step *decisive(const struct dc_rules *r, struct dc_sched_ctx *ctx,
					      const struct dc_screen *s, int64_t t)
{
	static struct dc_explanation e;

	dc_schedule_explain(r, ctx, s, t, &e);
	assert_int_equal(e.on, dc_schedule_evaluate(r, ctx, s, t));
	assert_true(e.decisive < e.nsteps);
	assert_int_equal(e.steps[e.decisive].outcome, DC_OUT_APPLIED);
	return &e.steps[e.decisive];
}

static void advertising_municipal_and_legal_night(void **state)
{
	(void)state;
	struct dc_screen s = screen("pub-mairie", DC_CAT_ADVERTISING);

	assert_true(on(demo, NULL, &s, 2026, 11, 24, 21, 59));
	assert_false(on(demo, NULL, &s, 2026, 11, 24, 22, 0));
	assert_false(on(demo, NULL, &s, 2026, 11, 25, 0, 30));
	assert_false(on(demo, NULL, &s, 2026, 11, 25, 3, 0));
	assert_false(on(demo, NULL, &s, 2026, 11, 25, 6, 59));
	assert_true(on(demo, NULL, &s, 2026, 11, 25, 7, 0));
	const struct dc_explain_step *st = decisive(demo, NULL, &s, at(demo, 2026, 11, 25, 3, 0));
	assert_int_equal(st->kind, DC_STEP_NIGHT);
	st = decisive(demo, NULL, &s, at(demo, 2026, 11, 25, 0, 30));
	assert_int_equal(st->kind, DC_STEP_POLICY);
	assert_string_equal(demo->policies[st->index].id, "advertising-night");
	st = decisive(demo, NULL, &s, at(demo, 2026, 11, 25, 12, 0));
	assert_int_equal(st->kind, DC_STEP_DEFAULT);
}

static void school_hours_weekends_holidays(void **state)
{
	(void)state;
	struct dc_screen s = screen("ecole-jaures", DC_CAT_SCHOOL);

	assert_false(on(demo, NULL, &s, 2026, 11, 23, 7, 59));	/* Monday */
	assert_true(on(demo, NULL, &s, 2026, 11, 23, 8, 0));
	assert_true(on(demo, NULL, &s, 2026, 11, 23, 16, 59));
	assert_false(on(demo, NULL, &s, 2026, 11, 23, 17, 0));
	assert_true(on(demo, NULL, &s, 2026, 11, 25, 11, 59));	/* Wednesday */
	assert_false(on(demo, NULL, &s, 2026, 11, 25, 12, 0));
	assert_false(on(demo, NULL, &s, 2026, 11, 28, 10, 0));	/* Saturday */
	assert_false(on(demo, NULL, &s, 2026, 11, 29, 10, 0));	/* Sunday */
	assert_true(on(demo, NULL, &s, 2026, 12, 18, 10, 0));	/* last school day */
	assert_false(on(demo, NULL, &s, 2026, 12, 21, 10, 0));	/* Christmas holidays */
	const struct dc_explain_step *st = decisive(demo, NULL, &s, at(demo, 2026, 12, 21, 10, 0));
	assert_string_equal(demo->policies[st->index].id, "school-holidays");
	assert_true(on(demo, NULL, &s, 2027, 1, 4, 8, 0));	/* back to school */
	assert_false(on(demo, NULL, &s, 2027, 5, 6, 10, 0));	/* Ascension (Thursday) */
	st = decisive(demo, NULL, &s, at(demo, 2027, 5, 6, 10, 0));
	assert_string_equal(demo->policies[st->index].id, "school-public-holidays");
	assert_false(on(demo, NULL, &s, 2027, 3, 29, 10, 0));	/* Easter Monday */
	assert_false(on(demo, NULL, &s, 2026, 11, 11, 10, 0));	/* Armistice, a Wednesday */
}

static void library_opening_hours_and_holidays(void **state)
{
	(void)state;
	struct dc_screen s = screen("media-centre", DC_CAT_LIBRARY);

	assert_false(on(demo, NULL, &s, 2026, 11, 23, 14, 0));	/* Monday: closed */
	assert_false(on(demo, NULL, &s, 2026, 11, 24, 11, 59));	/* Tuesday */
	assert_true(on(demo, NULL, &s, 2026, 11, 24, 12, 0));
	assert_false(on(demo, NULL, &s, 2026, 11, 24, 19, 0));
	assert_true(on(demo, NULL, &s, 2026, 11, 28, 10, 0));	/* Saturday */
	assert_false(on(demo, NULL, &s, 2026, 12, 25, 14, 0));	/* Christmas, a Friday */
	assert_true(on(demo, NULL, &s, 2026, 12, 18, 14, 0));	/* an ordinary Friday */
}

static void early_childhood_removed_and_reduced(void **state)
{
	(void)state;
	struct dc_screen ec = screen("creche-1", DC_CAT_EARLY_CHILDHOOD);
	struct dc_screen rm = screen("old-1", DC_CAT_INFORMATION);
	struct dc_screen rd = screen("info-reduit", DC_CAT_INFORMATION);
	rm.status = DC_STATUS_REMOVED;
	rd.status = DC_STATUS_REDUCED;

	for (int h = 0; h < 24; h++) {
		assert_false(on(demo, NULL, &ec, 2026, 11, 24, h, 17));
		assert_false(on(demo, NULL, &rm, 2026, 11, 24, h, 17));
		assert_int_equal(on(demo, NULL, &rd, 2026, 11, 24, h, 17), h >= 8 && h < 20);
	}
	assert_int_equal(decisive(demo, NULL, &rm, at(demo, 2026, 11, 24, 12, 0))->kind, DC_STEP_REMOVED);
	assert_false(on(demo, NULL, &rd, 2026, 11, 24, 7, 59));
	assert_true(on(demo, NULL, &rd, 2026, 11, 24, 8, 0));
	assert_true(on(demo, NULL, &rd, 2026, 11, 24, 19, 59));
	assert_false(on(demo, NULL, &rd, 2026, 11, 24, 20, 0));
	assert_int_equal(dc_schedule_next_transition(demo, NULL, &ec, at(demo, 2026, 11, 24, 12, 0)),
			 INT64_MAX);
}

static void windows_cross_midnight_by_start_day(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of(
		"{\"policies\": [{\"id\": \"fri-night\", \"effect\": \"off\", \"reason\": \"r\","
		" \"windows\": [{\"days\": [\"fri\"], \"start\": \"22:00\", \"end\": \"07:00\"}]}]}");
	struct dc_screen s = screen("info-1", DC_CAT_INFORMATION);

	assert_true(on(r, NULL, &s, 2026, 11, 27, 21, 59));	/* Friday */
	assert_false(on(r, NULL, &s, 2026, 11, 27, 22, 0));
	assert_false(on(r, NULL, &s, 2026, 11, 28, 6, 59));	/* Saturday morning */
	assert_true(on(r, NULL, &s, 2026, 11, 28, 7, 0));
	assert_true(on(r, NULL, &s, 2026, 11, 28, 22, 30));	/* Saturday evening: not listed */
	assert_true(on(r, NULL, &s, 2026, 11, 27, 3, 0));	/* Friday morning: Thursday not listed */
	assert_int_equal(dc_schedule_next_transition(r, NULL, &s, at(r, 2026, 11, 24, 12, 0)),
			 at(r, 2026, 11, 27, 22, 0));
	assert_int_equal(dc_schedule_next_transition(r, NULL, &s, at(r, 2026, 11, 27, 22, 0)),
			 at(r, 2026, 11, 28, 7, 0));
	dc_rules_free(r);
}

static void dates_and_scopes_by_site_id_flag(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of(
		"{\"policies\": ["
		" {\"id\": \"summer\", \"effect\": \"off\", \"reason\": \"r\","
		"  \"dates\": [{\"from\": \"2027-07-14\", \"to\": \"2027-08-15\"}],"
		"  \"scope\": {\"sites\": [\"Gare\", \"Mairie\"], \"statuses\": [\"active\"]}},"
		" {\"id\": \"one\", \"effect\": \"off\", \"reason\": \"r\", \"scope\": {\"screens\": [\"info-9\"]}},"
		" {\"id\": \"furn\", \"effect\": \"off\", \"reason\": \"r\","
		"  \"scope\": {\"flags\": [\"transport_furniture\"], \"categories\": [\"information\", \"transport\"]},"
		"  \"windows\": [{\"start\": \"12:00\", \"end\": \"13:00\"}]}]}");
	struct dc_screen a = screen("info-1", DC_CAT_INFORMATION), b = a, c = a, d = a;
	snprintf(a.site, sizeof a.site, "Gare");
	snprintf(b.site, sizeof b.site, "Port");
	snprintf(c.id, sizeof c.id, "info-9");
	d.flags = DC_FLAG_TRANSPORT_FURNITURE;

	assert_true(on(r, NULL, &a, 2027, 7, 13, 23, 59));
	assert_false(on(r, NULL, &a, 2027, 7, 14, 0, 0));
	assert_false(on(r, NULL, &a, 2027, 8, 15, 23, 59));
	assert_true(on(r, NULL, &a, 2027, 8, 16, 0, 0));
	a.status = DC_STATUS_SLATED;	/* AND between kinds */
	assert_true(on(r, NULL, &a, 2027, 7, 20, 12, 0));
	assert_true(on(r, NULL, &b, 2027, 7, 20, 10, 0));	/* other site */
	assert_false(on(r, NULL, &c, 2027, 7, 20, 10, 0));	/* named screen */
	assert_true(on(r, NULL, &d, 2027, 7, 20, 11, 59));
	assert_false(on(r, NULL, &d, 2027, 7, 20, 12, 30));
	dc_rules_free(r);
}

static void airport_and_transport_furniture_exceptions(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"transport\": {\"service_hours\": \"05:30-00:30\"}, \"policies\": []}");
	struct dc_screen ad = screen("pub-1", DC_CAT_ADVERTISING), air = ad, tf = screen("abri-1", DC_CAT_TRANSPORT),
			 own = tf, info = screen("info-1", DC_CAT_INFORMATION);
	air.flags = DC_FLAG_AIRPORT;
	tf.flags = own.flags = DC_FLAG_TRANSPORT_FURNITURE;
	tf.display = own.display = DC_DISPLAY_FIXED;
	snprintf(own.service_hours, sizeof own.service_hours, "04:30-01:30");

	assert_false(on(r, NULL, &ad, 2026, 11, 24, 3, 0));
	assert_true(on(r, NULL, &air, 2026, 11, 24, 3, 0));
	assert_int_equal(decisive(r, NULL, &air, at(r, 2026, 11, 24, 3, 0))->kind, DC_STEP_DEFAULT);
	assert_true(on(r, NULL, &info, 2026, 11, 24, 3, 0));	/* not advertising */
	assert_true(on(r, NULL, &tf, 2026, 11, 24, 0, 59));
	assert_false(on(r, NULL, &tf, 2026, 11, 24, 1, 0));	/* out of service since 00:30 */
	assert_false(on(r, NULL, &tf, 2026, 11, 24, 5, 29));
	assert_true(on(r, NULL, &tf, 2026, 11, 24, 5, 30));	/* in service: exempt */
	assert_true(on(r, NULL, &own, 2026, 11, 24, 1, 29));
	assert_false(on(r, NULL, &own, 2026, 11, 24, 1, 30));
	assert_false(on(r, NULL, &own, 2026, 11, 24, 4, 29));
	assert_true(on(r, NULL, &own, 2026, 11, 24, 4, 30));
	assert_int_equal(dc_schedule_next_transition(r, NULL, &own, at(r, 2026, 11, 24, 0, 0)),
			 at(r, 2026, 11, 24, 1, 30));
	assert_int_equal(dc_schedule_next_transition(r, NULL, &own, at(r, 2026, 11, 24, 1, 30)),
			 at(r, 2026, 11, 24, 4, 30));
	/* A malformed service-hours value gives no exemption. */
	snprintf(own.service_hours, sizeof own.service_hours, "all night");
	assert_false(on(r, NULL, &own, 2026, 11, 24, 5, 45));
	/* Without any service hours, transport furniture obeys 01:00-06:00. */
	struct dc_rules *bare = rules_of("{\"policies\": []}");
	assert_false(on(bare, NULL, &tf, 2026, 11, 24, 5, 45));
	assert_true(on(bare, NULL, &tf, 2026, 11, 24, 6, 0));
	dc_rules_free(bare);
	dc_rules_free(r);
}

/* R581-35 exempts transport furniture in service only when its digital
 * advertising shows fixed images.  The finding: an animated bus-shelter
 * screen with service hours 05:15-00:45 was lit at 05:30 as "exempt". */
static struct dc_screen shelter(enum dc_display d)
{
	struct dc_screen s = screen("abri-video", DC_CAT_ADVERTISING);
	s.flags = DC_FLAG_TRANSPORT_FURNITURE;
	s.display = d;
	snprintf(s.service_hours, sizeof s.service_hours, "05:15-00:45");
	return s;
}

static void night_explanation(const struct dc_rules *r, const struct dc_screen *s, int64_t t,
			      enum dc_lang lang, char *buf, size_t len)
{
	struct dc_explanation e;
	dc_schedule_explain(r, NULL, s, t, &e);
	assert_int_equal(e.on, dc_schedule_evaluate(r, NULL, s, t));
	dc_explain_render(r, NULL, s, &e, lang, buf, len);
}

/* On 9 March 2027, the next transition after h:m is at nh:nm. */
static void next_on_9_march(const struct dc_rules *r, const struct dc_screen *s, int h, int m,
			    int nh, int nm)
{
	assert_int_equal(dc_schedule_next_transition(r, NULL, s, at(r, 2027, 3, 9, h, m)),
			 at(r, 2027, 3, 9, nh, nm));
}

static void animated_transport_furniture_is_not_exempt(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"policies\": []}");
	struct dc_screen anim = shelter(DC_DISPLAY_ANIMATED), unk = shelter(DC_DISPLAY_UNKNOWN);
	int64_t t530 = at(r, 2027, 3, 9, 5, 30);
	char buf[4096];

	assert_false(dc_transport_exemption_applies(anim.flags, anim.display));
	assert_false(dc_transport_exemption_applies(unk.flags, unk.display));
	assert_false(dc_transport_exemption_applies(0, DC_DISPLAY_FIXED));
	assert_true(dc_transport_exemption_applies(DC_FLAG_TRANSPORT_FURNITURE, DC_DISPLAY_FIXED));

	assert_false(on(r, NULL, &anim, 2027, 3, 9, 5, 30));
	const struct dc_explain_step *d = decisive(r, NULL, &anim, t530);
	assert_int_equal(d->kind, DC_STEP_NIGHT);
	night_explanation(r, &anim, t530, DC_LANG_FR, buf, sizeof buf);
	assert_non_null(strstr(buf, ": ÉTEINT\n"));
	assert_null(strstr(buf, "exemption :"));
	assert_non_null(strstr(buf, "mobilier de transport en service (05:15-00:45), mais l'exemption "
				     "exige des images fixes : images animées, condition non remplie"));
	night_explanation(r, &anim, t530, DC_LANG_EN, buf, sizeof buf);
	assert_non_null(strstr(buf, "transport furniture in service (05:15-00:45), but the exemption "
				     "requires fixed images: animated images, condition not met"));
	/* The law's own hours still hold: lit before 01:00 and from 06:00. */
	assert_true(on(r, NULL, &anim, 2027, 3, 9, 0, 59));
	assert_false(on(r, NULL, &anim, 2027, 3, 9, 1, 0));
	assert_true(on(r, NULL, &anim, 2027, 3, 9, 6, 0));
	next_on_9_march(r, &anim, 1, 0, 6, 0);

	/* Undeclared is treated as animated, and the sentence says so. */
	assert_false(on(r, NULL, &unk, 2027, 3, 9, 5, 30));
	night_explanation(r, &unk, t530, DC_LANG_FR, buf, sizeof buf);
	assert_non_null(strstr(buf, "exige des images fixes : affichage non déclaré, traité comme "
				     "animé, condition non remplie"));
	night_explanation(r, &unk, t530, DC_LANG_EN, buf, sizeof buf);
	assert_non_null(strstr(buf, "requires fixed images: display not declared, treated as "
				     "animated, condition not met"));
	assert_non_null(strstr(buf, ": OFF\n"));
	dc_rules_free(r);
}

static void fixed_transport_furniture_is_exempt_in_service(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"policies\": []}");
	struct dc_screen fix = shelter(DC_DISPLAY_FIXED);
	char buf[4096];

	assert_true(on(r, NULL, &fix, 2027, 3, 9, 5, 30));
	night_explanation(r, &fix, at(r, 2027, 3, 9, 5, 30), DC_LANG_FR, buf, sizeof buf);
	assert_non_null(strstr(buf, ": ALLUMAGE AUTORISÉ\n"));
	assert_non_null(strstr(buf, "exemption : mobilier de transport pendant ses heures de service "
				     "(05:15-00:45), images fixes : condition remplie"));
	night_explanation(r, &fix, at(r, 2027, 3, 9, 5, 30), DC_LANG_EN, buf, sizeof buf);
	assert_non_null(strstr(buf, "exempt: transport furniture during its service hours "
				     "(05:15-00:45), fixed images: condition met"));
	/* Out of service the rule applies, and the sentence says why. */
	assert_false(on(r, NULL, &fix, 2027, 3, 9, 3, 0));
	night_explanation(r, &fix, at(r, 2027, 3, 9, 3, 0), DC_LANG_FR, buf, sizeof buf);
	assert_non_null(strstr(buf, "mobilier de transport hors de ses heures de service (05:15-00:45)"));
	/* Service ends at 00:45 but the law starts at 01:00. */
	next_on_9_march(r, &fix, 0, 0, 1, 0);
	next_on_9_march(r, &fix, 1, 0, 5, 15);
	dc_rules_free(r);
}

/* The relay box alone must keep the same law: its compiled toggles leave
 * the animated and the undeclared shelters off at 05:30. */
static void fallback_keeps_animated_transport_off(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"policies\": []}");
	struct dc_screen sc[3] = { shelter(DC_DISPLAY_ANIMATED), shelter(DC_DISPLAY_FIXED),
				   shelter(DC_DISPLAY_UNKNOWN) };
	static struct dc_fallback fb;
	char err[128];
	int64_t from = at(r, 2027, 3, 8, 20, 0);

	for (int i = 0; i < 3; i++) {
		snprintf(sc[i].id, sizeof sc[i].id, "abri-%d", i);
		sc[i].channel = i + 1;
	}
	assert_int_equal(dc_schedule_compile(r, NULL, "abris", sc, 3, from, 3 * 86400, &fb, err,
					     sizeof err), 0);
	for (int day = 9; day <= 10; day++) {
		int64_t t = at(r, 2027, 3, day, 5, 30);
		assert_int_equal(dc_fallback_state(&fb, 1, t, NULL), 0);
		assert_int_equal(dc_fallback_state(&fb, 2, t, NULL), 1);
		assert_int_equal(dc_fallback_state(&fb, 3, t, NULL), 0);
		assert_int_equal(dc_fallback_state(&fb, 1, at(r, 2027, 3, day, 6, 0), NULL), 1);
	}
	for (int64_t t = from; t < fb.until; t += 60)
		for (int i = 0; i < 3; i++)
			assert_int_equal(dc_fallback_state(&fb, i + 1, t, NULL),
					 dc_schedule_evaluate(r, NULL, &sc[i], t));
	dc_rules_free(r);
}

static void derogation_lifts_night_and_expires(void **state)
{
	(void)state;
	struct dc_screen a = screen("pub-gare-01", DC_CAT_ADVERTISING), b = screen("pub-gare-02", DC_CAT_ADVERTISING);
	struct dc_explanation e;

	assert_true(on(demo, NULL, &a, 2026, 12, 31, 19, 59));
	assert_true(on(demo, NULL, &a, 2026, 12, 31, 22, 30));	/* the event beats 22:00-07:00 */
	assert_false(on(demo, NULL, &b, 2026, 12, 31, 22, 30));
	assert_true(on(demo, NULL, &a, 2027, 1, 1, 2, 59));
	assert_false(on(demo, NULL, &b, 2027, 1, 1, 2, 59));
	assert_false(on(demo, NULL, &a, 2027, 1, 1, 3, 0));	/* automatic expiry */
	dc_schedule_explain(demo, NULL, &a, at(demo, 2027, 1, 1, 2, 0), &e);
	assert_true(e.on);
	assert_int_equal(e.steps[e.decisive].kind, DC_STEP_DEROGATION);
	bool lifted = false;
	for (size_t i = 0; i < e.nsteps; i++)
		lifted |= e.steps[i].kind == DC_STEP_NIGHT && e.steps[i].outcome == DC_OUT_LIFTED;
	assert_true(lifted);
	/* On all afternoon, then the derogation (from 20:00) keeps it on past
	 * 22:00 and through the night until it expires at 03:00. */
	assert_int_equal(dc_schedule_next_transition(demo, NULL, &a, at(demo, 2026, 12, 31, 12, 0)),
			 at(demo, 2027, 1, 1, 3, 0));
	assert_int_equal(dc_schedule_next_transition(demo, NULL, &b, at(demo, 2026, 12, 31, 12, 0)),
			 at(demo, 2026, 12, 31, 22, 0));
}

static void overrides_force_off_and_refused_force_on(void **state)
{
	(void)state;
	struct dc_screen ad = screen("pub-1", DC_CAT_ADVERTISING), sc = screen("ecole-1", DC_CAT_SCHOOL);
	struct dc_override ov[3] = {
		{ .screen = "pub-1", .kind = DC_FORCE_OFF, .author = "alice", .reason = "panne" },
		{ .screen = "pub-1", .kind = DC_FORCE_ON, .author = "bob", .reason = "test" },
		{ .screen = "ecole-1", .kind = DC_FORCE_ON, .author = "carol", .reason = "kermesse" },
	};
	ov[0].from = at(demo, 2026, 11, 24, 12, 0);
	ov[0].until = at(demo, 2026, 11, 24, 14, 0);
	ov[1].from = at(demo, 2026, 11, 25, 0, 0);
	ov[1].until = at(demo, 2026, 11, 25, 23, 0);
	ov[2].from = at(demo, 2026, 11, 28, 9, 0);	/* a Saturday */
	ov[2].until = at(demo, 2026, 11, 28, 18, 0);
	struct dc_sched_ctx ctx = { .overrides = ov, .noverrides = 3 };
	struct dc_explanation e;
	char buf[4096];

	assert_true(on(demo, &ctx, &ad, 2026, 11, 24, 11, 59));
	assert_false(on(demo, &ctx, &ad, 2026, 11, 24, 12, 0));
	assert_true(on(demo, &ctx, &ad, 2026, 11, 24, 14, 0));	/* expired */
	assert_int_equal(dc_schedule_next_transition(demo, &ctx, &ad, at(demo, 2026, 11, 24, 11, 0)),
			 at(demo, 2026, 11, 24, 12, 0));
	/* Force-on beats the municipal 22:00-07:00 rule... */
	assert_true(on(demo, &ctx, &ad, 2026, 11, 25, 0, 30));
	/* ...but never the national night rule. */
	assert_false(on(demo, &ctx, &ad, 2026, 11, 25, 3, 0));
	dc_schedule_explain(demo, &ctx, &ad, at(demo, 2026, 11, 25, 3, 0), &e);
	assert_false(e.on);
	bool refused = false;
	for (size_t i = 0; i < e.nsteps; i++)
		refused |= e.steps[i].kind == DC_STEP_FORCE_ON && e.steps[i].outcome == DC_OUT_REFUSED;
	assert_true(refused);
	dc_explain_render(demo, &ctx, &ad, &e, DC_LANG_FR, buf, sizeof buf);
	assert_non_null(strstr(buf, "Forçage à l'allumage par bob"));
	assert_non_null(strstr(buf, "refusé : une règle prioritaire impose l'arrêt"));
	assert_non_null(strstr(buf, "=>  3. Règle nationale"));
	dc_explain_render(demo, &ctx, &ad, &e, DC_LANG_EN, buf, sizeof buf);
	assert_non_null(strstr(buf, "refused: a higher-precedence rule requires off"));
	assert_non_null(strstr(buf, "Screen pub-1 at 2026-11-25 03:00 (Europe/Paris): OFF"));
	/* Force-on opens a school screen on a Saturday. */
	assert_false(on(demo, &ctx, &sc, 2026, 11, 28, 8, 59));
	assert_true(on(demo, &ctx, &sc, 2026, 11, 28, 9, 0));
	assert_false(on(demo, &ctx, &sc, 2026, 11, 28, 18, 0));
	assert_int_equal(decisive(demo, &ctx, &sc, at(demo, 2026, 11, 28, 10, 0))->kind, DC_STEP_FORCE_ON);
	dc_sched_ctx_release(&ctx);
}

static void grid_alert_turns_off_its_categories(void **state)
{
	(void)state;
	struct dc_screen ad = screen("pub-1", DC_CAT_ADVERTISING), sc = screen("ecole-1", DC_CAT_SCHOOL);
	struct dc_grid_alert al[2] = { { .source = "ecowatt", .reason = "signal rouge" },
				       { .categories = 1u << DC_CAT_SCHOOL, .source = "cli:alice" } };
	al[0].from = at(demo, 2026, 12, 2, 8, 0);
	al[0].until = at(demo, 2026, 12, 2, 13, 0);
	al[1].from = at(demo, 2026, 12, 3, 9, 0);
	al[1].until = at(demo, 2026, 12, 3, 10, 0);
	struct dc_sched_ctx ctx = { .alerts = al, .nalerts = 2 };

	assert_true(on(demo, &ctx, &ad, 2026, 12, 2, 7, 59));
	assert_false(on(demo, &ctx, &ad, 2026, 12, 2, 8, 0));
	assert_true(on(demo, &ctx, &sc, 2026, 12, 2, 9, 0));	/* school not in grid_alert.categories */
	assert_int_equal(decisive(demo, &ctx, &ad, at(demo, 2026, 12, 2, 9, 0))->kind, DC_STEP_GRID);
	assert_int_equal(dc_schedule_next_transition(demo, &ctx, &ad, at(demo, 2026, 12, 2, 9, 0)),
			 at(demo, 2026, 12, 2, 13, 0));
	assert_false(on(demo, &ctx, &sc, 2026, 12, 3, 9, 30));	/* alert with its own categories */
	assert_true(on(demo, &ctx, &ad, 2026, 12, 3, 9, 30));
	dc_sched_ctx_release(&ctx);
}

static void next_transition_spans_holidays(void **state)
{
	(void)state;
	struct dc_screen s = screen("ecole-1", DC_CAT_SCHOOL);
	struct dc_sched_ctx ctx = { 0 };

	assert_int_equal(dc_schedule_next_transition(demo, &ctx, &s, at(demo, 2026, 12, 18, 12, 0)),
			 at(demo, 2026, 12, 18, 17, 0));
	assert_int_equal(dc_schedule_next_transition(demo, &ctx, &s, at(demo, 2026, 12, 18, 17, 0)),
			 at(demo, 2027, 1, 4, 8, 0));
	struct dc_screen ad = screen("pub-1", DC_CAT_ADVERTISING);
	assert_int_equal(dc_schedule_next_transition(demo, &ctx, &ad, at(demo, 2026, 11, 24, 12, 0)),
			 at(demo, 2026, 11, 24, 22, 0));
	assert_int_equal(dc_schedule_next_transition(demo, &ctx, &ad, at(demo, 2026, 11, 24, 22, 0)),
			 at(demo, 2026, 11, 25, 7, 0));
	dc_sched_ctx_release(&ctx);
}

/* Both DST nights of every year 2020-2040 in Paris: the legal window is
 * 4 real hours in March and 6 in October, to the minute. */
static void dst_nights_2020_2040(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"zone\": \"Europe/Paris\", \"policies\": []}");
	struct dc_screen s = screen("pub-1", DC_CAT_ADVERTISING);
	struct dc_sched_ctx ctx = { 0 };

	for (int y = 2020; y <= 2040; y++) {
		for (int autumn = 0; autumn < 2; autumn++) {
			int month = autumn ? 10 : 3, day = 31;
			/* Last Sunday of the month. */
			while (dc_weekday(dc_days_from_civil(y, month, day)) != 0)
				day--;
			int64_t eve = at(r, y, month, day, 0, 0);
			int64_t off = dc_schedule_next_transition(r, &ctx, &s, eve);
			int64_t back = dc_schedule_next_transition(r, &ctx, &s, off);
			assert_int_equal(off, at(r, y, month, day, 1, 0));
			assert_int_equal(back, at(r, y, month, day, 6, 0));
			assert_int_equal(back - off, autumn ? 6 * 3600 : 4 * 3600);
			/* Minute by minute with evaluate, checking the wall clock independently. */
			int off_minutes = 0;
			for (int64_t t = eve; t < eve + 10 * 3600; t += 60) {
				time_t tt = (time_t)t;
				struct tm tm;
				localtime_r(&tt, &tm);
				bool expect = !(tm.tm_hour >= 1 && tm.tm_hour < 6);
				assert_int_equal(dc_schedule_evaluate(r, &ctx, &s, t), expect);
				off_minutes += !expect;
			}
			assert_int_equal(off_minutes, autumn ? 360 : 240);
		}
	}
	dc_sched_ctx_release(&ctx);
	dc_rules_free(r);
}

/* A whole year, minute by minute: no advertising screen without an
 * exception is on between 01:00 and 06:00, except under a derogation in
 * its period; screens with an exception follow it.  Run with the demo
 * rules and with a permissive plan that says "on" for everything at all
 * hours (the law must win over it). */
static void year_of_nights(const struct dc_rules *r)
{
	struct dc_screen ads[5] = {
		screen("pub-gare-01", DC_CAT_ADVERTISING),	/* derogation on New Year's Eve */
		screen("pub-2", DC_CAT_ADVERTISING),
		screen("abri-1", DC_CAT_TRANSPORT),	/* furniture, default service hours 05:30-00:30 */
		screen("info-abri", DC_CAT_INFORMATION),	/* furniture, own hours */
		screen("abri-video", DC_CAT_TRANSPORT),	/* furniture, animated: no exemption */
	};
	ads[2].flags = ads[3].flags = ads[4].flags = DC_FLAG_TRANSPORT_FURNITURE;
	ads[2].display = ads[3].display = DC_DISPLAY_FIXED;
	ads[4].display = DC_DISPLAY_ANIMATED;
	snprintf(ads[3].service_hours, sizeof ads[3].service_hours, "05:00-01:15");
	/* A force-on override must not break the rule either. */
	struct dc_override ov = { .screen = "pub-2", .kind = DC_FORCE_ON, .author = "x", .reason = "y" };
	ov.from = at(r, 2027, 6, 1, 0, 0);
	ov.until = at(r, 2027, 6, 30, 0, 0);
	struct dc_sched_ctx ctx = { .overrides = &ov, .noverrides = 1 };
	int64_t derog_from = r->derogations[0].from, derog_until = r->derogations[0].until;
	int64_t t0 = at(r, 2026, 12, 1, 0, 0), t1 = at(r, 2027, 12, 1, 0, 0);
	long night_on = 0;

	for (int64_t t = t0; t < t1; t += 60) {
		time_t tt = (time_t)t;
		struct tm tm;
		localtime_r(&tt, &tm);
		int min = tm.tm_hour * 60 + tm.tm_min;
		if (min < 60 || min >= 360)
			continue;
		for (int i = 0; i < 5; i++) {
			bool o = dc_schedule_evaluate(r, &ctx, &ads[i], t);
			bool allowed = (i == 0 && t >= derog_from && t < derog_until) ||
				       (i == 2 && min >= 330) || (i == 3 && (min < 75 || min >= 300));
			if (o && !allowed)
				fail_msg("%s on at %04d-%02d-%02d %02d:%02d", ads[i].id, tm.tm_year + 1900,
					 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
			night_on += o;
		}
	}
	/* The exceptions did switch on: 2 h of derogation, 30 min a night for
	 * abri-1 and 75 min a night for info-abri. */
	assert_true(night_on > 120 + 365 * 30 + 365 * 75 - 200);
	dc_sched_ctx_release(&ctx);
}

static void full_year_legal_night_minute_by_minute(void **state)
{
	(void)state;
	year_of_nights(demo);
	struct dc_rules *lax = rules_of(
		"{\"transport\": {\"service_hours\": \"05:30-00:30\"},"
		" \"derogations\": [{\"reference\": \"A-1\", \"screens\": [\"pub-gare-01\"],"
		"   \"from\": \"2026-12-31 20:00\", \"to\": \"2027-01-01 03:00\"}],"
		" \"policies\": [{\"id\": \"all-on\", \"effect\": \"on\", \"reason\": \"r\"}]}");
	year_of_nights(lax);
	dc_rules_free(lax);
}

static void overseas_zone_follows_local_wall_clock(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"zone\": \"Pacific/Noumea\", \"policies\": []}");
	struct dc_screen s = screen("pub-1", DC_CAT_ADVERTISING);
	int64_t utc14 = dc_days_from_civil(2026, 7, 1) * 86400 + 14 * 3600;	/* 01:00 on 2 July in Nouméa */

	assert_true(dc_schedule_evaluate(r, NULL, &s, utc14 - 60));
	assert_false(dc_schedule_evaluate(r, NULL, &s, utc14));
	assert_int_equal(dc_schedule_next_transition(r, NULL, &s, utc14), utc14 + 5 * 3600);
	dc_rules_free(r);
	r = rules_of("{\"zone\": \"America/Cayenne\", \"policies\": []}");
	int64_t utc4 = dc_days_from_civil(2026, 7, 1) * 86400 + 4 * 3600;	/* 01:00 in Cayenne */
	assert_true(dc_schedule_evaluate(r, NULL, &s, utc4 - 1));
	assert_false(dc_schedule_evaluate(r, NULL, &s, utc4));
	dc_rules_free(r);
	r = rules_of("{\"zone\": \"Indian/Reunion\", \"policies\": []}");
	int64_t utc21 = dc_days_from_civil(2026, 7, 1) * 86400 + 21 * 3600;	/* 01:00 on 2 July at Réunion */
	assert_int_equal(dc_schedule_next_transition(r, NULL, &s, utc21 - 7200), utc21);
	dc_rules_free(r);
}

static void explanation_lists_every_rule_in_order(void **state)
{
	(void)state;
	struct dc_screen s = screen("ecole-1", DC_CAT_SCHOOL);
	struct dc_explanation e;
	char buf[8192];

	dc_schedule_explain(demo, NULL, &s, at(demo, 2026, 11, 28, 10, 0), &e);
	assert_false(e.on);
	/* removed, night, grid, 10 policies, default */
	assert_int_equal(e.nsteps, 3 + demo->npolicies + 1);
	assert_int_equal(e.steps[0].kind, DC_STEP_REMOVED);
	assert_int_equal(e.steps[1].kind, DC_STEP_NIGHT);
	assert_int_equal(e.steps[1].outcome, DC_OUT_NOT_CONCERNED);
	assert_int_equal(e.steps[3].outcome, DC_OUT_NOT_CONCERNED);	/* removed policy */
	assert_int_equal(e.steps[3 + 6].outcome, DC_OUT_NOT_NOW);	/* school-hours on a Saturday */
	assert_int_equal(e.steps[e.decisive].index, 7);	/* school-closed */
	assert_int_equal(e.steps[e.nsteps - 1].outcome, DC_OUT_SHADOWED);
	dc_explain_render(demo, NULL, &s, &e, DC_LANG_FR, buf, sizeof buf);
	assert_non_null(strstr(buf, "Écran ecole-1 le 28/11/2026 10:00 (Europe/Paris) : ÉTEINT"));
	assert_non_null(strstr(buf, "=> 11. Règle « school-closed » : École fermée"));
	assert_non_null(strstr(buf, "ne concerne pas cet écran (ni publicité, ni mobilier de transport)"));
	assert_non_null(strstr(buf, "Règle « school-hours » : Heures de classe (Délibération 2026-041, art. 4) — "
				     "concerne cet écran, mais pas en vigueur à cet instant"));
	/* A tiny buffer is truncated, never overrun. */
	char tiny[16];
	dc_explain_render(demo, NULL, &s, &e, DC_LANG_EN, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), 15);
}

static void compile_matches_evaluate_minute_by_minute(void **state)
{
	(void)state;
	struct dc_screen sc[4] = {
		screen("pub-gare-01", DC_CAT_ADVERTISING), screen("ecole-1", DC_CAT_SCHOOL),
		screen("media-1", DC_CAT_LIBRARY), screen("info-1", DC_CAT_INFORMATION),
	};
	sc[0].channel = 1;
	sc[1].channel = 2;
	sc[2].channel = 3;
	sc[3].channel = 3;	/* shares channel 3: on only when both may be on */
	sc[3].status = DC_STATUS_REDUCED;
	struct dc_sched_ctx ctx = { 0 };
	static struct dc_fallback fb;
	char err[128];
	int64_t from = at(demo, 2026, 12, 24, 0, 0), horizon = 14 * 86400;

	assert_int_equal(dc_schedule_compile(demo, &ctx, "gare-nord", sc, 4, from, horizon, &fb, err, sizeof err), 0);
	assert_string_equal(fb.box, "gare-nord");
	assert_int_equal(fb.from, from);
	assert_int_equal(fb.until, from + horizon);
	assert_int_equal(fb.ch[0].channel, 1);
	assert_int_equal(fb.ch[3].channel, 0);
	for (int64_t t = from; t < from + horizon; t += 60) {
		bool ch3 = dc_schedule_evaluate(demo, &ctx, &sc[2], t) && dc_schedule_evaluate(demo, &ctx, &sc[3], t);
		assert_int_equal(dc_fallback_state(&fb, 1, t, NULL), dc_schedule_evaluate(demo, &ctx, &sc[0], t));
		assert_int_equal(dc_fallback_state(&fb, 2, t, NULL), dc_schedule_evaluate(demo, &ctx, &sc[1], t));
		assert_int_equal(dc_fallback_state(&fb, 3, t, NULL), ch3);
	}
	assert_int_equal(dc_fallback_state(&fb, 4, from, NULL), -1);
	/* Encodes into one message well under an MQTT broker's limits. */
	char *json = dc_fallback_encode(&fb);
	assert_non_null(json);
	assert_true(strlen(json) < 16384);
	free(json);
	sc[3].channel = 17;
	assert_int_equal(dc_schedule_compile(demo, &ctx, "gare-nord", sc, 4, from, horizon, &fb, err, sizeof err), -1);
	dc_sched_ctx_release(&ctx);
}

static void compile_cuts_until_when_a_channel_overflows(void **state)
{
	(void)state;
	/* Off for 5 minutes every quarter hour: 192 toggles a day. */
	struct dc_rules *r = rules_of(
		"{\"policies\": [{\"id\": \"blink\", \"effect\": \"off\", \"reason\": \"r\", \"windows\": ["
		"{\"start\": \"00:00\", \"end\": \"00:05\"}, {\"start\": \"00:15\", \"end\": \"00:20\"},"
		"{\"start\": \"00:30\", \"end\": \"00:35\"}, {\"start\": \"00:45\", \"end\": \"00:50\"}]}]}");
	struct dc_screen s[2] = { screen("info-1", DC_CAT_INFORMATION), screen("info-2", DC_CAT_INFORMATION) };
	s[0].channel = 1;
	s[1].channel = 2;
	static struct dc_fallback fb;
	char err[128];
	int64_t from = at(r, 2026, 11, 23, 12, 0);

	/* 8 toggles a day fit in 512 for 64 days, not for 100. */
	assert_int_equal(dc_schedule_compile(r, NULL, "b", s, 2, from, 100 * 86400, &fb, err, sizeof err), 0);
	assert_int_equal(fb.ch[0].nsteps, DC_FALLBACK_MAX_STEPS);
	assert_true(fb.until < from + 100 * 86400);
	assert_true(fb.until > fb.ch[0].steps[DC_FALLBACK_MAX_STEPS - 1]);
	assert_int_equal(fb.ch[1].nsteps, DC_FALLBACK_MAX_STEPS);
	for (int64_t t = from; t < fb.until; t += 300)
		assert_int_equal(dc_fallback_state(&fb, 1, t, NULL), dc_schedule_evaluate(r, NULL, &s[0], t));
	dc_rules_free(r);
}

/* A view over a caller's own strings (the gateway's compact records) decides,
 * explains and compiles exactly as the full inventory row it came from. */
static void views_decide_as_full_rows(void **state)
{
	(void)state;
	struct dc_screen sc[5] = {
		screen("pub-gare-01", DC_CAT_ADVERTISING), screen("ecole-1", DC_CAT_SCHOOL),
		screen("media-1", DC_CAT_LIBRARY), screen("info-1", DC_CAT_INFORMATION),
		screen("abri-1", DC_CAT_TRANSPORT),
	};
	sc[3].status = DC_STATUS_REDUCED;
	snprintf(sc[3].site, sizeof sc[3].site, "Gare");
	sc[4].flags = DC_FLAG_TRANSPORT_FURNITURE;
	sc[4].display = DC_DISPLAY_FIXED;
	snprintf(sc[4].service_hours, sizeof sc[4].service_hours, "04:30-01:30");
	struct dc_sched_screen v[5];
	char ids[5][DC_ID_MAX], sites[5][96], hours[5][24];
	for (int i = 0; i < 5; i++) {
		sc[i].channel = i % 3 + 1;
		/* Copies: nothing in the view points into the row. */
		memcpy(ids[i], sc[i].id, sizeof ids[i]);
		memcpy(sites[i], sc[i].site, sizeof sites[i]);
		memcpy(hours[i], sc[i].service_hours, sizeof hours[i]);
		v[i] = (struct dc_sched_screen){ ids[i], sites[i], hours[i], sc[i].category,
						 sc[i].status, sc[i].flags, sc[i].channel, sc[i].display };
	}
	struct dc_sched_ctx ctx = { 0 };
	static struct dc_explanation a, b;
	static struct dc_fallback fa, fb;
	char err[128];
	int64_t from = at(demo, 2026, 12, 24, 0, 0);

	for (int i = 0; i < 5; i++)
		for (int64_t t = from; t < from + 7 * 86400; t += 1800) {
			assert_int_equal(dc_schedule_evaluate_view(demo, &ctx, &v[i], t),
					 dc_schedule_evaluate(demo, &ctx, &sc[i], t));
			assert_int_equal(dc_schedule_next_transition_view(demo, &ctx, &v[i], t),
					 dc_schedule_next_transition(demo, &ctx, &sc[i], t));
			dc_schedule_explain_view(demo, &ctx, &v[i], t, &a);
			dc_schedule_explain(demo, &ctx, &sc[i], t, &b);
			assert_int_equal(a.on, b.on);
			assert_int_equal(a.decisive, b.decisive);
			assert_int_equal(a.nsteps, b.nsteps);
			assert_memory_equal(a.steps, b.steps, a.nsteps * sizeof a.steps[0]);
		}
	assert_int_equal(dc_schedule_compile_view(demo, &ctx, "b", v, 5, from, 14 * 86400, &fa,
						  err, sizeof err), 0);
	assert_int_equal(dc_schedule_compile(demo, &ctx, "b", sc, 5, from, 14 * 86400, &fb, err,
					     sizeof err), 0);
	assert_memory_equal(&fa, &fb, sizeof fa);
	dc_sched_ctx_release(&ctx);
}

static void failed_reload_keeps_the_previous_rules(void **state)
{
	(void)state;
	char err[256];
	struct dc_rules *cur = rules_of("{\"policies\": [{\"id\": \"a\", \"effect\": \"off\", \"reason\": \"r\"}]}");
	const char *bad = "{\"policies\": [{\"id\": \"a\", \"effect\": \"on\"}]}";
	struct dc_rules *next = dc_rules_parse(bad, strlen(bad), NULL, err, sizeof err);
	struct dc_screen s = screen("info-1", DC_CAT_INFORMATION);

	assert_null(next);
	assert_false(dc_schedule_evaluate(cur, NULL, &s, at(cur, 2026, 11, 23, 12, 0)));
	dc_rules_free(cur);
}

/* The night rule's allowances: a night line served 05:40-02:10, on the
 * fall-back night of 2027 (both passes of 02:00-02:10), the spring night
 * (02:00-03:00 never happens) and with a derogation 01:30-02:05 that adds
 * its reason where both hold. */
static void night_allowances_follow_the_clock(void **state)
{
	(void)state;
	struct dc_rules *r = rules_of("{\"zone\": \"Europe/Paris\", \"derogations\": [{\"reference\": "
				      "\"A-1\", \"screens\": [\"ligne\"], \"from\": \"2028-03-26 01:30\", "
				      "\"to\": \"2028-03-26 04:05\"}], \"policies\": []}");
	struct dc_screen s = screen("ligne", DC_CAT_TRANSPORT);
	struct dc_night_allow *v = NULL;
	size_t n = 0, cap = 0;
	struct dc_sched_ctx ctx = { 0 };
	s.flags = DC_FLAG_TRANSPORT_FURNITURE;
	s.display = DC_DISPLAY_FIXED;
	snprintf(s.service_hours, sizeof s.service_hours, "05:40-02:10");

	int64_t ws = at(r, 2027, 10, 31, 1, 0), we = at(r, 2027, 10, 31, 6, 0);
	int64_t d = dc_days_from_civil(2027, 10, 31) * 86400;
	assert_int_equal(we - ws, 6 * 3600);
	assert_int_equal(dc_schedule_night_allowances(r, &ctx, &s, ws, we, &v, &n, &cap), 0);
	assert_int_equal(n, 3);
	assert_true(v[0].from == ws && v[0].to == d + 600 && v[0].why == DC_NIGHT_EXEMPT);
	assert_true(v[1].from == d + 3600 && v[1].to == d + 3600 + 600 && v[1].why == DC_NIGHT_EXEMPT);
	assert_true(v[2].from == d + 4 * 3600 + 2400 && v[2].to == we && v[2].why == DC_NIGHT_EXEMPT);
	/* Appends; outside the window the rule is not in force. */
	assert_int_equal(dc_schedule_night_allowances(r, &ctx, &s, we - 60, we + 60, &v, &n, &cap), 0);
	assert_int_equal(n, 5);
	assert_true(v[3].to == we && v[4].from == we && v[4].why == (DC_NIGHT_EXEMPT | DC_NIGHT_NOT_IN_FORCE));

	/* Spring 2028: 01:00 CET-02:00 CET = 03:00 CEST, in service until 02:10
	 * that never comes: exempt 01:00-01:30, derogation too until the jump,
	 * derogation alone until 04:05 CEST. */
	n = 0;
	ws = at(r, 2028, 3, 26, 1, 0);
	we = at(r, 2028, 3, 26, 6, 0);
	assert_int_equal(we - ws, 4 * 3600);
	assert_int_equal(dc_schedule_night_allowances(r, &ctx, &s, ws, we, &v, &n, &cap), 0);
	assert_int_equal(n, 4);
	assert_true(v[0].from == ws && v[0].to == ws + 1800 && v[0].why == DC_NIGHT_EXEMPT);
	assert_true(v[1].to == ws + 3600 && v[1].why == (DC_NIGHT_EXEMPT | DC_NIGHT_DEROGATION));
	assert_true(v[2].from == ws + 3600 && v[2].to == at(r, 2028, 3, 26, 4, 5) &&
		    v[2].why == DC_NIGHT_DEROGATION);
	assert_true(v[3].from == at(r, 2028, 3, 26, 5, 40) && v[3].to == we);

	/* Advertising: nothing allowed without a derogation; bad bounds refused. */
	n = 0;
	s = screen("pub", DC_CAT_ADVERTISING);
	assert_int_equal(dc_schedule_night_allowances(r, &ctx, &s, ws, we, &v, &n, &cap), 0);
	assert_int_equal(n, 0);
	assert_int_equal(dc_schedule_night_allowances(r, &ctx, &s, we, ws, &v, &n, &cap), -1);
	free(v);
	dc_sched_ctx_release(&ctx);
	dc_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(advertising_municipal_and_legal_night),
		cmocka_unit_test(school_hours_weekends_holidays),
		cmocka_unit_test(library_opening_hours_and_holidays),
		cmocka_unit_test(early_childhood_removed_and_reduced),
		cmocka_unit_test(windows_cross_midnight_by_start_day),
		cmocka_unit_test(dates_and_scopes_by_site_id_flag),
		cmocka_unit_test(airport_and_transport_furniture_exceptions),
		cmocka_unit_test(animated_transport_furniture_is_not_exempt),
		cmocka_unit_test(fixed_transport_furniture_is_exempt_in_service),
		cmocka_unit_test(fallback_keeps_animated_transport_off),
		cmocka_unit_test(derogation_lifts_night_and_expires),
		cmocka_unit_test(overrides_force_off_and_refused_force_on),
		cmocka_unit_test(grid_alert_turns_off_its_categories),
		cmocka_unit_test(next_transition_spans_holidays),
		cmocka_unit_test(dst_nights_2020_2040),
		cmocka_unit_test(full_year_legal_night_minute_by_minute),
		cmocka_unit_test(overseas_zone_follows_local_wall_clock),
		cmocka_unit_test(explanation_lists_every_rule_in_order),
		cmocka_unit_test(compile_matches_evaluate_minute_by_minute),
		cmocka_unit_test(compile_cuts_until_when_a_channel_overflows),
		cmocka_unit_test(views_decide_as_full_rows),
		cmocka_unit_test(failed_reload_keeps_the_previous_rules),
		cmocka_unit_test(night_allowances_follow_the_clock),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
