/* test_web_glance.c — the home page's "at a glance": last night's verdict
 * from the compliance summary, unknown kept unknown ("—" without ledger
 * rows, "inconnu" without a known second, never 0), the alarm banner, the
 * plan's states, and the paired chart's marks for unknown periods. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "web_glance.h"

static struct dc_ledger_night_summary night(long screens, long ok, long bad, long unknown)
{
	struct dc_ledger_night_summary n = { .night = "2026-12-02", .screens = screens };
	n.count[DC_CPL_COMPLIANT] = ok;
	n.count[DC_CPL_VIOLATION] = bad;
	n.count[DC_CPL_UNKNOWN] = unknown;
	return n;
}

static void verdicts(void **state)
{
	(void)state;
	struct dc_ledger_night_summary n = night(0, 0, 0, 0);
	assert_int_equal(dc_glance_verdict(&n), DC_VERDICT_NONE);
	n = night(5, 3, 1, 1);
	assert_int_equal(dc_glance_verdict(&n), DC_VERDICT_BREACH);
	n = night(5, 0, 0, 5);
	assert_int_equal(dc_glance_verdict(&n), DC_VERDICT_UNKNOWN);
	n = night(5, 4, 0, 1);
	assert_int_equal(dc_glance_verdict(&n), DC_VERDICT_PARTIAL);
	n = night(5, 5, 0, 0);
	assert_int_equal(dc_glance_verdict(&n), DC_VERDICT_COMPLIANT);
	assert_string_equal(dc_glance_verdict_name(DC_VERDICT_PARTIAL), "partial");
}

static void glance_html(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_FR);
	struct dc_glance_target t = {
		.t = { .category = DC_CAT_ADVERTISING, .date = "2027-06-21", .removed = 15 },
		.p = { .removed = 4, .slated = 8, .missing = 3, .state = DC_PLAN_LATE },
	};
	struct dc_glance g = {
		.month = { .from = "2026-12-01", .to = "2026-12-03" },
		.cur = { .rows = true, .t = { .baseline_mwh = 3000000, .actual_mwh = 500000, .known_s = 3600 } },
		.prev = { .rows = false },	/* no ledger a year ago */
		.targets = &t, .ntargets = 1, .alarms = 2, .critical = 1,
	};
	struct dc_web_energy e = { .empty = false, .to_date = { .known_s = 0, .unknown_s = 7200 } };
	e.night = night(43, 30, 10, 3);
	struct dc_web_factors f = { .eur_per_kwh = 0.2 };
	struct dc_buf b = { 0 };
	dc_glance_html(&b, &g, &e, &f, DC_LANG_FR);
	assert_false(b.oom);
	/* to date: rows but no known second: unknown, never 0 */
	assert_non_null(strstr(b.p, "id=\"g-saved\" href=\"/energy?by=year\">inconnu</a>"));
	/* this month: 3 - 0.5 = 2.5 kWh, 0.50 € (cents below 100 €, never "0 €") */
	assert_non_null(strstr(b.p, "id=\"g-month-saved\" href=\"/energy?by=day\">2,5 kWh</a> <span class=\"eur\">0,50</span>"));
	assert_non_null(strstr(b.p, "du 01/12/2026 au 03/12/2026"));
	/* a year ago: no row at all */
	assert_non_null(strstr(b.p, "id=\"g-month-prev\" href=\"/energy?by=month\">—</a>"));
	assert_non_null(strstr(b.p, "data-verdict=\"breach\""));
	assert_non_null(strstr(b.p, ">10 écrans en infraction</a>"));
	assert_non_null(strstr(b.p, "sur 43 écrans soumis à la règle"));
	assert_non_null(strstr(b.p, "2 alarmes actives</a> (1 critique)"));
	assert_non_null(strstr(b.p, "<tr data-state=\"late\"><th scope=\"row\">21/06/2027</th><td>Publicité</td>"));
	assert_non_null(strstr(b.p, "href=\"/slated?category=advertising\">4</a>"));
	assert_non_null(strstr(b.p, "en retard (manque 3)"));
	dc_buf_free(&b);

	/* gateway down: alarms unknown, said so; no price: no euros */
	g.alarms = -1;
	g.ntargets = 0;
	f.eur_per_kwh = 0;
	dc_glance_html(&b, &g, &e, &f, DC_LANG_FR);
	assert_non_null(strstr(b.p, "les alarmes ne sont pas connues"));
	assert_null(strstr(b.p, "class=\"eur\""));
	assert_non_null(strstr(b.p, "Le plan n&#39;a pas encore d&#39;objectif"));
	dc_buf_free(&b);
}

static void pairs_chart(void **state)
{
	(void)state;
	const char *labels[] = { "1", "2", "<b>3</b>" };
	double cur[] = { 2.0, NAN, -1.0 }, prev[] = { NAN, 1.0, 0.5 };
	struct dc_buf b = { 0 };
	dc_web_pairs_svg(&b, "t", "Titre", "Desc", 3, labels, cur, prev, DC_LANG_FR);
	assert_non_null(strstr(b.p, "aria-labelledby=\"t-title t-desc\""));
	/* two unknown bars, drawn as "?" and never as 0 */
	int marks = 0;
	for (const char *p = b.p; (p = strstr(p, "class=\"unknown\"")); p++)
		marks++;
	assert_int_equal(marks, 2);
	assert_non_null(strstr(b.p, "<rect class=\"lost\""));
	assert_non_null(strstr(b.p, "&lt;b&gt;3&lt;/b&gt;"));
	assert_null(strstr(b.p, "<b>"));
	dc_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verdicts),
		cmocka_unit_test(glance_html),
		cmocka_unit_test(pairs_chart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
