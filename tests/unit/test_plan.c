/* test_plan.c — lib/plan (targets met, on track, late) and lib/period (the
 * periods of the energy charts and the one beside each). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "period.h"
#include "plan.h"

static struct dc_screen scr(enum dc_category c, enum dc_status s, const char *target,
			    const char *removed)
{
	struct dc_screen v;
	dc_screen_init(&v);
	v.category = c;
	v.status = s;
	snprintf(v.removal_target, sizeof v.removal_target, "%s", target);
	snprintf(v.removal_date, sizeof v.removal_date, "%s", removed);
	return v;
}

static void plan_states(void **state)
{
	(void)state;
	struct dc_screen v[] = {
		scr(DC_CAT_ADVERTISING, DC_STATUS_REMOVED, "", "2026-03-01"),
		scr(DC_CAT_ADVERTISING, DC_STATUS_REMOVED, "", "2026-09-01"),	/* after the date */
		scr(DC_CAT_ADVERTISING, DC_STATUS_REMOVED, "", ""),		/* undated: gone */
		scr(DC_CAT_ADVERTISING, DC_STATUS_SLATED, "2026-05-01", ""),
		scr(DC_CAT_ADVERTISING, DC_STATUS_SLATED, "2027-01-01", ""),	/* too late */
		scr(DC_CAT_ADVERTISING, DC_STATUS_ACTIVE, "", ""),
		scr(DC_CAT_SCHOOL, DC_STATUS_REMOVED, "", "2026-01-01"),
	};
	size_t n = sizeof v / sizeof *v;
	struct dc_plan_target t = { .category = DC_CAT_ADVERTISING, .date = "2026-06-30", .removed = 2 };
	struct dc_plan_progress p = dc_plan_measure(v, n, &t);
	assert_int_equal(p.in_scope, 6);
	assert_int_equal(p.removed, 2);
	assert_int_equal(p.slated, 1);
	assert_int_equal(p.missing, 0);
	assert_int_equal(p.state, DC_PLAN_MET);

	t.removed = 3;	/* 2 removed + 1 slated in time */
	p = dc_plan_measure(v, n, &t);
	assert_int_equal(p.state, DC_PLAN_ON_TRACK);
	assert_int_equal(p.missing, 0);

	t.removed = 5;
	p = dc_plan_measure(v, n, &t);
	assert_int_equal(p.state, DC_PLAN_LATE);
	assert_int_equal(p.missing, 2);

	struct dc_plan_target all = { .category = -1, .date = "2026-06-30", .removed = 3 };
	p = dc_plan_measure(v, n, &all);
	assert_int_equal(p.in_scope, 7);
	assert_int_equal(p.removed, 3);
	assert_int_equal(p.state, DC_PLAN_MET);

	dc_set_lang(DC_LANG_FR);
	assert_string_equal(dc_plan_state_label(DC_PLAN_LATE), "en retard");
	assert_string_equal(dc_plan_state_name(DC_PLAN_ON_TRACK), "on_track");
	dc_set_lang(DC_LANG_EN);
	assert_string_equal(dc_plan_state_label(DC_PLAN_ON_TRACK), "on track");
	dc_set_lang(DC_LANG_FR);
}

static void periods_by_day(void **state)
{
	(void)state;
	struct dc_period p[DC_PERIODS_MAX];
	/* 31 May: the 31st has no 31 April beside it. */
	int n = dc_periods(DC_PERIOD_DAY, 2026, 5, 31, 0, p);
	assert_int_equal(n, 31);
	assert_string_equal(p[0].key, "2026-05-01");
	assert_string_equal(p[0].prev_from, "2026-04-01");
	assert_string_equal(p[29].prev_to, "2026-04-30");
	assert_string_equal(p[30].prev_key, "");
	assert_true(p[30].partial);
	assert_false(p[29].partial);
	/* January: beside December of the year before. */
	n = dc_periods(DC_PERIOD_DAY, 2026, 1, 3, 0, p);
	assert_int_equal(n, 3);
	assert_string_equal(p[2].prev_key, "2025-12-03");
}

static void periods_by_month_and_year(void **state)
{
	(void)state;
	struct dc_period p[DC_PERIODS_MAX];
	int n = dc_periods(DC_PERIOD_MONTH, 2028, 2, 29, 0, p);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].key, "2028-01");
	assert_string_equal(p[0].to, "2028-01-31");
	assert_string_equal(p[0].prev_from, "2027-01-01");
	assert_string_equal(p[0].prev_to, "2027-01-31");
	assert_false(p[0].partial);
	/* This month so far, against the same span a year before (2027 has no 29 February). */
	assert_string_equal(p[1].from, "2028-02-01");
	assert_string_equal(p[1].to, "2028-02-29");
	assert_string_equal(p[1].prev_to, "2027-02-28");
	assert_true(p[1].partial);

	n = dc_periods(DC_PERIOD_MONTH, 2026, 12, 3, 0, p);
	assert_int_equal(n, 12);
	assert_string_equal(p[10].to, "2026-11-30");
	assert_string_equal(p[11].to, "2026-12-03");
	assert_string_equal(p[11].prev_to, "2025-12-03");

	n = dc_periods(DC_PERIOD_YEAR, 2026, 12, 3, 3, p);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].key, "2024");
	assert_string_equal(p[0].from, "2024-01-01");
	assert_string_equal(p[0].to, "2024-12-31");
	assert_string_equal(p[0].prev_key, "2023");
	assert_string_equal(p[0].prev_to, "2023-12-31");
	assert_string_equal(p[2].to, "2026-12-03");
	assert_string_equal(p[2].prev_to, "2025-12-03");
	assert_true(p[2].partial);
	n = dc_periods(DC_PERIOD_YEAR, 2028, 2, 29, 1, p);
	assert_string_equal(p[0].prev_to, "2027-02-28");

	assert_int_equal(dc_periods(DC_PERIOD_YEAR, 2026, 12, 3, 0, p), -1);
	assert_int_equal(dc_periods(DC_PERIOD_YEAR, 2026, 12, 3, DC_PERIOD_YEARS_MAX + 1, p), -1);
	assert_int_equal(dc_periods(DC_PERIOD_DAY, 2026, 2, 30, 0, p), -1);
	assert_int_equal(dc_periods(DC_PERIOD_MONTH, 2026, 13, 1, 0, p), -1);
	assert_int_equal(dc_period_by_parse("month"), DC_PERIOD_MONTH);
	assert_int_equal(dc_period_by_parse("week"), -1);
	assert_int_equal(dc_period_by_parse(NULL), -1);
	assert_string_equal(dc_period_by_name(DC_PERIOD_YEAR), "year");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_states),
		cmocka_unit_test(periods_by_day),
		cmocka_unit_test(periods_by_month_and_year),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
