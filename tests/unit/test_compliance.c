/* test_compliance.c — the 01:00-06:00 rule per screen and night, by cause,
 * across both DST nights (hand-computed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compliance.h"
#include "i18n.h"

#define H 3600

static int64_t days(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTC instant of Paris wall time y-m-d hh:mm in 2026 (DST switches written
 * out: last Sundays of March and October at 01:00 UTC). */
static int64_t paris(int y, int m, int d, int hh, int mm)
{
	int64_t wall = days(y, m, d) * 86400 + (int64_t)hh * H + mm * 60;
	int64_t dst_start = days(2026, 3, 29) * 86400 + 2 * H;
	int64_t dst_end = days(2026, 10, 25) * 86400 + 3 * H;
	return wall - (wall >= dst_start && wall < dst_end ? 2 * H : H);
}

static struct dc_cpl_night night(const struct dc_cpl_input *in, int y, int m, int d)
{
	struct dc_cpl_night out;
	assert_int_equal(dc_cpl_night(in, paris(y, m, d, 1, 0), paris(y, m, d, 6, 0), &out), 0);
	assert_int_equal(out.off_s + out.derogation_s + out.exception_s + out.violation_s +
			 out.unknown_s, out.window_s);
	return out;
}

static void rule_scope(void **state)
{
	(void)state;
	assert_true(dc_cpl_applies(DC_CAT_ADVERTISING, 0));
	assert_false(dc_cpl_applies(DC_CAT_INFORMATION, 0));
	assert_true(dc_cpl_applies(DC_CAT_INFORMATION, DC_FLAG_TRANSPORT_FURNITURE));
	assert_true(dc_cpl_applies(DC_CAT_TRANSPORT, DC_FLAG_TRANSPORT_FURNITURE));
	assert_false(dc_cpl_applies(DC_CAT_TRANSPORT, 0));
	assert_false(dc_cpl_applies(DC_CAT_ADVERTISING, DC_FLAG_AIRPORT));
	assert_false(dc_cpl_applies(DC_CAT_ADVERTISING, DC_FLAG_AIRPORT | DC_FLAG_TRANSPORT_FURNITURE));
}

/* Off 22:00-07:00: a 5 h window, all off. */
static void off_all_night_is_compliant(void **state)
{
	(void)state;
	struct dc_en_span sp = { paris(2026, 11, 23, 22, 0), paris(2026, 11, 24, 7, 0), DC_EN_OFF, 0 };
	struct dc_cpl_input in = { .spans = &sp, .nspans = 1, .removed_at = INT64_MAX };
	struct dc_cpl_night n = night(&in, 2026, 11, 24);
	assert_int_equal(n.window_s, 5 * H);
	assert_int_equal(n.off_s, 5 * H);
	assert_int_equal(n.verdict, DC_CPL_COMPLIANT);
}

/* Switched off 20 min late (01:20): 20 min of violation. */
static void late_switch_off_is_a_violation(void **state)
{
	(void)state;
	struct dc_en_span sp[2] = {
		{ paris(2026, 11, 23, 7, 0), paris(2026, 11, 24, 1, 20), DC_EN_ON, 0 },
		{ paris(2026, 11, 24, 1, 20), paris(2026, 11, 24, 7, 0), DC_EN_OFF, 0 },
	};
	struct dc_cpl_input in = { .spans = sp, .nspans = 2, .removed_at = INT64_MAX };
	struct dc_cpl_night n = night(&in, 2026, 11, 24);
	assert_int_equal(dc_cpl_minutes(n.violation_s), 20);
	assert_int_equal(n.verdict, DC_CPL_VIOLATION);
}

/* On all night: 4 h on the spring-forward night (Sunday 29 March 2026),
 * 6 h on the fall-back night (Sunday 25 October 2026). */
static void dst_nights_have_four_and_six_hours(void **state)
{
	(void)state;
	struct dc_en_span sp = { paris(2026, 1, 1, 0, 0), paris(2026, 12, 31, 0, 0), DC_EN_ON, 0 };
	struct dc_cpl_input in = { .spans = &sp, .nspans = 1, .removed_at = INT64_MAX };
	struct dc_cpl_night spring = night(&in, 2026, 3, 29);
	assert_int_equal(spring.window_s, 4 * H);
	assert_int_equal(dc_cpl_minutes(spring.violation_s), 240);
	struct dc_cpl_night fall = night(&in, 2026, 10, 25);
	assert_int_equal(fall.window_s, 6 * H);
	assert_int_equal(dc_cpl_minutes(fall.violation_s), 360);
	struct dc_cpl_night plain = night(&in, 2026, 10, 26);
	assert_int_equal(dc_cpl_minutes(plain.violation_s), 300);
}

/* Transport furniture, service from 05:30: on from 05:00 = 30 min violation
 * then 30 min exception. */
static void transport_service_hours_are_an_exception(void **state)
{
	(void)state;
	struct dc_en_span sp[2] = {
		{ paris(2026, 11, 23, 22, 0), paris(2026, 11, 24, 5, 0), DC_EN_OFF, 0 },
		{ paris(2026, 11, 24, 5, 0), paris(2026, 11, 24, 23, 0), DC_EN_ON, 0 },
	};
	struct dc_night_allow svc[2] = {
		{ paris(2026, 11, 23, 5, 30), paris(2026, 11, 24, 0, 30), DC_NIGHT_EXEMPT },
		{ paris(2026, 11, 24, 5, 30), paris(2026, 11, 25, 0, 30), DC_NIGHT_EXEMPT },
	};
	struct dc_cpl_input in = { .spans = sp, .nspans = 2, .allow = svc, .nallow = 2,
				   .removed_at = INT64_MAX };
	struct dc_cpl_night n = night(&in, 2026, 11, 24);
	assert_int_equal(dc_cpl_minutes(n.violation_s), 30);
	assert_int_equal(dc_cpl_minutes(n.exception_s), 30);
	assert_int_equal(n.verdict, DC_CPL_VIOLATION);
	sp[1].from = sp[0].to = paris(2026, 11, 24, 5, 30);
	n = night(&in, 2026, 11, 24);
	assert_int_equal(n.violation_s, 0);
	assert_int_equal(n.verdict, DC_CPL_EXCEPTION);
}

/* A derogation 01:00-02:00 (event): on until 02:00 is lawful; overlapping
 * service hours still count as derogation. */
static void derogation_covers_on_time(void **state)
{
	(void)state;
	struct dc_en_span sp[2] = {
		{ paris(2026, 11, 23, 7, 0), paris(2026, 11, 24, 2, 0), DC_EN_ON, 0 },
		{ paris(2026, 11, 24, 2, 0), paris(2026, 11, 24, 7, 0), DC_EN_OFF, 0 },
	};
	struct dc_night_allow allow[2] = {
		{ paris(2026, 11, 24, 1, 0), paris(2026, 11, 24, 1, 30), DC_NIGHT_EXEMPT },
		{ paris(2026, 11, 24, 0, 0), paris(2026, 11, 24, 2, 0), DC_NIGHT_DEROGATION },
	};
	struct dc_cpl_input in = { .spans = sp, .nspans = 2, .allow = allow, .nallow = 2,
				   .removed_at = INT64_MAX };
	struct dc_cpl_night n = night(&in, 2026, 11, 24);
	assert_int_equal(dc_cpl_minutes(n.derogation_s), 60);
	assert_int_equal(n.exception_s, 0);
	assert_int_equal(n.verdict, DC_CPL_DEROGATION);
	/* Switched off at 02:00:30: 30 s of violation, shown as 1 minute. */
	sp[0].to = sp[1].from = paris(2026, 11, 24, 2, 0) + 30;
	n = night(&in, 2026, 11, 24);
	assert_int_equal(n.violation_s, 30);
	assert_int_equal(dc_cpl_minutes(n.violation_s), 1);
}

/* Box offline 02:00-03:00: unknown, not compliant, not a violation. */
static void unconfirmed_time_is_unknown(void **state)
{
	(void)state;
	struct dc_en_span sp[2] = {
		{ paris(2026, 11, 23, 22, 0), paris(2026, 11, 24, 2, 0), DC_EN_OFF, 0 },
		{ paris(2026, 11, 24, 3, 0), paris(2026, 11, 24, 7, 0), DC_EN_OFF, 0 },
	};
	struct dc_cpl_input in = { .spans = sp, .nspans = 2, .removed_at = INT64_MAX };
	struct dc_cpl_night n = night(&in, 2026, 11, 24);
	assert_int_equal(n.unknown_s, H);
	assert_int_equal(n.off_s, 4 * H);
	assert_int_equal(n.verdict, DC_CPL_UNKNOWN);
	assert_string_equal(dc_cpl_verdict_name(n.verdict), "unknown");
}

/* Removed at 03:00 with no timeline after: off from then. */
static void removed_screen_is_off(void **state)
{
	(void)state;
	struct dc_en_span sp = { paris(2026, 11, 23, 22, 0), paris(2026, 11, 24, 3, 0), DC_EN_OFF, 0 };
	struct dc_cpl_input in = { .spans = &sp, .nspans = 1, .removed_at = paris(2026, 11, 24, 3, 0) };
	struct dc_cpl_night n = night(&in, 2026, 11, 24);
	assert_int_equal(n.off_s, 5 * H);
	assert_int_equal(n.verdict, DC_CPL_COMPLIANT);
}

static void labels_follow_language(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_FR);
	assert_string_equal(dc_cpl_verdict_label(DC_CPL_VIOLATION), "infraction");
	dc_set_lang(DC_LANG_EN);
	assert_string_equal(dc_cpl_verdict_label(DC_CPL_VIOLATION), "violation");
	struct dc_cpl_night n;
	struct dc_cpl_input in = { .removed_at = INT64_MAX };
	assert_int_equal(dc_cpl_night(&in, 10, 5, &n), -1);
}

/* A night in one sentence: each kind of time with its minutes, the cause
 * of unknown time, capitalised in both languages. */
static void night_in_words(void **state)
{
	(void)state;
	char b[DC_CPL_EXPLAIN_MAX];
	struct dc_cpl_night n = { .window_s = 5 * H, .violation_s = 30 * 60 + 1,
				  .derogation_s = 60 * 60, .off_s = 3 * H - 61 };
	dc_cpl_explain(&n, DC_LANG_FR, b, sizeof b);
	assert_string_equal(b, "Allumé 31 min sans dérogation ni exception ; allumé 60 min sous "
			       "dérogation ; éteint ou déposé 179 min.");
	n = (struct dc_cpl_night){ .window_s = 5 * H, .unknown_s = 5 * H };
	n.unknown_by[DC_EN_OFFLINE] = 4 * H;
	n.unknown_by[DC_EN_UNCONFIRMED] = H;
	dc_cpl_explain(&n, DC_LANG_FR, b, sizeof b);
	assert_string_equal(b, "État inconnu 300 min (boîtier hors ligne).");
	dc_cpl_explain(&n, DC_LANG_EN, b, sizeof b);
	assert_string_equal(b, "State unknown 300 min (box offline).");
	n = (struct dc_cpl_night){ .window_s = 5 * H, .exception_s = 2 * H, .off_s = 3 * H };
	dc_cpl_explain(&n, DC_LANG_EN, b, sizeof b);
	assert_string_equal(b, "On 120 min during transport service (fixed images); off or removed 180 min.");
	n = (struct dc_cpl_night){ .window_s = 4 * H, .off_s = 4 * H };
	dc_cpl_explain(&n, DC_LANG_FR, b, sizeof b);
	assert_string_equal(b, "Éteint ou déposé 240 min.");
	char tiny[8];
	dc_cpl_explain(&n, DC_LANG_FR, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule_scope),
		cmocka_unit_test(off_all_night_is_compliant),
		cmocka_unit_test(late_switch_off_is_a_violation),
		cmocka_unit_test(dst_nights_have_four_and_six_hours),
		cmocka_unit_test(transport_service_hours_are_an_exception),
		cmocka_unit_test(derogation_covers_on_time),
		cmocka_unit_test(unconfirmed_time_is_unknown),
		cmocka_unit_test(removed_screen_is_off),
		cmocka_unit_test(labels_follow_language),
		cmocka_unit_test(night_in_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
