/* test_web_energy.c — the energy ledger on the progress page and in
 * /api/v1/progress: figures read through gateway/store/ledger.h on a real
 * database, then the HTML (French and English numbers), the SVG chart and
 * the JSON, checked against hand-computed values; an empty ledger says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "ledger.h"
#include "store.h"
#include "web_buf.h"
#include "web_energy.h"
#include "fixture_ledger.h"

#define H 3600
#define NNBSP "\u202f"

static int setup(void **state)
{
	return fx_setup(state, DC_LANG_FR);
}

static void put(struct fx *f, const char *id, enum dc_category cat, double on)
{
	struct dc_screen s;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.name, sizeof s.name, "Écran %s", id);
	s.category = cat;
	s.power_on_w = on;
	s.power_standby_w = 2;
	assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
}

/* A state at local wall time (Europe/Paris). */
static void log_state(struct fx *f, const char *id, const char *date, int hour, enum dc_en_state st)
{
	char err[256];
	int64_t at = dc_ledger_local_instant(&f->cfg, date, hour * H);
	assert_int_equal(dc_ledger_record_state(f->st, id, at, st, err, sizeof err), 1);
}

/* Off 22:00-07:00 every night of `days` days from the first of a month. */
static void nights_off(struct fx *f, const char *id, const char *month, int first, int days)
{
	char date[11];
	for (int d = first; d < first + days; d++) {
		snprintf(date, sizeof date, "%s-%02d", month, d % 100);
		if (d == first)
			log_state(f, id, date, 0, DC_EN_OFF);
		log_state(f, id, date, 7, DC_EN_ON);
		log_state(f, id, date, 22, DC_EN_OFF);
	}
}

static char *json_text(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static const cJSON *month_json(const cJSON *measured, const char *key)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(measured, "months"))
		if (strcmp(cJSON_GetObjectItem(m, "month")->valuestring, key) == 0)
			return m;
	fail_msg("no month %s", key);
	return NULL;
}

/* Nothing computed yet: the page says so in words, the API says null. */
static void empty_ledger_is_said_in_words(void **state)
{
	struct fx *f = *state;
	struct dc_web_energy e;
	struct dc_web_factors fa;
	struct dc_buf b = { 0 };
	char err[256];
	put(f, "pub", DC_CAT_ADVERTISING, 200);
	int64_t now = dc_ledger_local_instant(&f->cfg, "2026-12-01", 13 * H);
	assert_int_equal(dc_web_energy_load(f->st, &f->cfg, NULL, now, &e, err, sizeof err), 0);
	assert_true(e.empty);
	assert_int_equal(e.nmonths, 0);
	assert_string_equal(e.today, "2026-12-01");
	assert_string_equal(e.night.night, "2026-11-30");
	assert_int_equal(e.night.screens, 1);
	assert_int_equal(e.night.count[DC_CPL_UNKNOWN], 1);
	assert_int_equal(e.night.unknown_by[DC_EN_NO_BOX], 1);	/* pub has no box */
	dc_web_factors_init(&fa, 0, 0, NULL);
	dc_web_energy_html(&b, &e, &fa, DC_LANG_FR);
	assert_non_null(strstr(b.p, "<p id=\"energy-empty\"><strong>Aucune économie n&#39;a encore été mesurée"));
	/* A public page: no command for the operator, no jargon. */
	assert_null(strstr(b.p, "decran "));
	assert_null(strstr(b.p, "registre d&#39;énergie est vide"));
	assert_null(strstr(b.p, "<svg"));
	assert_null(strstr(b.p, "energy-months"));
	dc_buf_reset(&b);
	dc_web_night_html(&b, &e, DC_LANG_FR);
	assert_non_null(strstr(b.p, "Nuit du 30/11/2026 au 01/12/2026"));
	assert_non_null(strstr(b.p, "id=\"night-unknown\">1<"));
	assert_non_null(strstr(b.p, "dont aucun boîtier</th><td class=\"num\" id=\"night-unknown-no-box\">1<"));
	assert_non_null(strstr(b.p, "id=\"night-unknown-offline\">0<"));
	assert_non_null(strstr(b.p, "id=\"night-all-unknown\""));
	char *j = json_text(dc_web_energy_json(&e, &fa));
	assert_non_null(strstr(j, "\"ledger_empty\":true,\"kwh_saved\":null"));
	assert_non_null(strstr(j, "\"months\":[]"));
	assert_non_null(strstr(j, "\"summary\":{\"compliant\":0,\"derogation\":0,\"exception\":0,"
				  "\"unknown\":1,\"violation\":0},\"unknown_by_cause\":{\"unconfirmed\":0,"
				  "\"offline\":0,\"no_box\":1}"));
	free(j);
	dc_buf_free(&b);
}

/* The ledger from 28 September to 1 December 2026 13:00 (Paris):
 *  pub  200 W: off 22:00-07:00 on 28-30 Sep (1.8 kWh saved a day), unknown
 *       in October, nights off again 1-30 Nov (30 x 1.8 = 54.0), off from
 *       22:00 on the 30th until 12:00 on 1 Dec (12 h x 200 W = 2.4);
 *  mur  5 kW, off all November and until 12:00 on 1 Dec: 30 x 120 = 3 600
 *       kWh, then 12 x 5 = 60;
 *  on1  100 W, baseline 24 h, on from 1 Nov: saves nothing;
 *  x1   never logged: unknown.  All four are advertising, under the rule.
 * Months: Sep 5.4, Oct unknown, Nov 3 654.0, Dec (so far) 62.4; to date
 * 3 721.8 kWh.  Night of 30 Nov: pub and mur compliant, on1 violating, x1
 * unknown. */
static void months_to_date_and_last_night(void **state)
{
	struct fx *f = *state;
	struct dc_web_energy e;
	struct dc_web_factors fa;
	struct dc_buf b = { 0 };
	char err[256];
	put(f, "pub", DC_CAT_ADVERTISING, 200);
	put(f, "mur", DC_CAT_ADVERTISING, 5000);
	put(f, "on1", DC_CAT_ADVERTISING, 100);
	put(f, "x1", DC_CAT_ADVERTISING, 150);
	nights_off(f, "pub", "2026-09", 28, 3);
	log_state(f, "pub", "2026-10-01", 0, DC_EN_UNKNOWN);
	nights_off(f, "pub", "2026-11", 1, 30);
	log_state(f, "pub", "2026-12-01", 12, DC_EN_UNKNOWN);
	log_state(f, "mur", "2026-11-01", 0, DC_EN_OFF);
	log_state(f, "mur", "2026-12-01", 12, DC_EN_UNKNOWN);
	log_state(f, "on1", "2026-11-01", 0, DC_EN_ON);
	int64_t now = dc_ledger_local_instant(&f->cfg, "2026-12-01", 13 * H) + 1200;
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, now, err, sizeof err), 0);

	assert_int_equal(dc_web_energy_load(f->st, &f->cfg, NULL, now, &e, err, sizeof err), 0);
	assert_false(e.empty);
	assert_int_equal(e.nmonths, 4);
	assert_string_equal(e.month[0].month, "2026-09");
	assert_string_equal(e.month[1].month, "2026-10");
	assert_string_equal(e.month[3].month, "2026-12");
	assert_int_equal(dc_en_total_saved(&e.month[0].t), 5400 * 1000);
	assert_true(e.month[1].rows);
	assert_int_equal(e.month[1].t.known_s, 0);	/* October: nothing known */
	assert_int_equal(e.month[1].t.unknown_s, 4 * 745 * H);	/* 25-hour day on the 25th */
	assert_int_equal(dc_en_total_saved(&e.month[2].t), INT64_C(3654000000));
	assert_int_equal(dc_en_total_saved(&e.month[3].t), 62400 * 1000);
	assert_int_equal(dc_en_total_saved(&e.to_date), INT64_C(3721800000));
	/* The same figures as the ledger's own report (what the CLI prints). */
	struct dc_ledger_row *r;
	size_t n;
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_MONTH, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(r[i].key, e.month[i].month);
		assert_memory_equal(&r[i].t, &e.month[i].t, sizeof r[i].t);
	}
	free(r);
	assert_string_equal(e.night.night, "2026-11-30");
	assert_int_equal(e.night.window_s, 5 * H);
	assert_int_equal(e.night.screens, 4);
	assert_int_equal(e.night.count[DC_CPL_COMPLIANT], 2);
	assert_int_equal(e.night.count[DC_CPL_VIOLATION], 1);
	assert_int_equal(e.night.count[DC_CPL_UNKNOWN], 1);

	/* French page: the ledger's factors with their sources. */
	dc_set_lang(DC_LANG_FR);
	dc_web_factors_init(&fa, 0, 0, &f->cfg);
	dc_web_energy_html(&b, &e, &fa, DC_LANG_FR);
	assert_null(strstr(b.p, "energy-empty"));
	assert_non_null(strstr(b.p, "<strong>3" NNBSP "721,8 kWh</strong>"));
	assert_non_null(strstr(b.p, "<tr data-month=\"2026-11\"><th scope=\"row\">novembre 2026</th>"
				    "<td class=\"num saved\">3" NNBSP "654,0</td><td class=\"num\">919,35</td>"
				    "<td class=\"num\">190,0</td>"));
	assert_non_null(strstr(b.p, "<tr data-month=\"2026-10\"><th scope=\"row\">octobre 2026</th>"
				    "<td class=\"unknown saved\">inconnu</td>"));
	/* unknown screen-hours to date: x1 1 550 (28 Sep 00:00 to 1 Dec 13:00),
	 * on1 817 (before November), mur 818 and pub 746 (October, the last hour) */
	assert_non_null(strstr(b.p, "<td class=\"num unknown-h\">3" NNBSP "931,0</td></tr>\n</tbody>"));
	assert_non_null(strstr(b.p, "décembre 2026 (en cours)"));
	assert_non_null(strstr(b.p, "Tarif : 0,2516 €/kWh (EDF Tarif Bleu"));
	assert_non_null(strstr(b.p, "role=\"img\" aria-labelledby=\"energy-chart-title energy-chart-desc\""));
	assert_non_null(strstr(b.p, "de septembre 2026 à décembre 2026"));
	/* three bars, and a "?" for October, never a bar of 0 */
	int bars = 0;
	for (const char *p = b.p; (p = strstr(p, "<rect class=\"saved\"")); p++)
		bars++;
	assert_int_equal(bars, 3);
	assert_non_null(strstr(b.p, "<text class=\"unknown\""));
	assert_non_null(strstr(b.p, ">oct. 26</text>"));
	dc_buf_reset(&b);
	dc_web_night_html(&b, &e, DC_LANG_FR);
	assert_non_null(strstr(b.p, "id=\"night-compliant\">2<"));
	assert_non_null(strstr(b.p, "id=\"night-violation\">1<"));
	assert_non_null(strstr(b.p, "id=\"night-unknown\">1<"));
	assert_non_null(strstr(b.p, "dont aucun boîtier</th><td class=\"num\" id=\"night-unknown-no-box\">1<"));
	assert_non_null(strstr(b.p, "id=\"night-unknown-offline\">0<"));
	assert_non_null(strstr(b.p, "id=\"night-screens\">4<"));
	assert_non_null(strstr(b.p, "(300 min, article R581-35"));
	assert_null(strstr(b.p, "night-all-unknown"));

	/* English page: the host's price wins, no emission factor: unknown. */
	dc_buf_reset(&b);
	dc_set_lang(DC_LANG_EN);
	dc_web_factors_init(&fa, 0.2, 0, NULL);
	dc_web_energy_html(&b, &e, &fa, DC_LANG_EN);
	assert_non_null(strstr(b.p, "<strong>3,721.8 kWh</strong> saved, i.e. 744.36 EUR; 3,931.0 unknown"));
	assert_non_null(strstr(b.p, "<th scope=\"row\">November 2026</th><td class=\"num saved\">3,654.0</td>"
				    "<td class=\"num\">730.80</td><td class=\"unknown\">unknown</td>"));
	assert_non_null(strstr(b.p, "December 2026 (so far)"));
	assert_non_null(strstr(b.p, "Tariff: 0.2000 EUR/kWh (dashboard configuration)."));
	assert_non_null(strstr(b.p, "Emission factor not configured"));

	/* JSON: the same figures, null where unknown. */
	char *j = json_text(dc_web_energy_json(&e, &fa));
	cJSON *m = cJSON_Parse(j);
	free(j);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(m, "ledger_empty")));
	assert_float_equal(cJSON_GetObjectItem(m, "kwh_saved")->valuedouble, 3721.8, 1e-9);
	const cJSON *nov = month_json(m, "2026-11"), *oct = month_json(m, "2026-10");
	assert_float_equal(cJSON_GetObjectItem(nov, "saved_kwh")->valuedouble, 3654.0, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(nov, "saved_eur")->valuedouble, 730.8, 1e-9);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(nov, "avoided_kgco2e")));
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(nov, "partial")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(oct, "saved_kwh")));
	assert_float_equal(cJSON_GetObjectItem(oct, "unknown_hours")->valuedouble, 4 * 745, 1e-9);
	const cJSON *why = cJSON_GetObjectItem(oct, "unknown_hours_by_cause");
	assert_float_equal(cJSON_GetObjectItem(why, "unconfirmed")->valuedouble +
			   cJSON_GetObjectItem(why, "offline")->valuedouble +
			   cJSON_GetObjectItem(why, "no_box")->valuedouble, 4 * 745, 1e-9);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(month_json(m, "2026-12"), "partial")));
	const cJSON *night = cJSON_GetObjectItem(m, "last_night_compliance");
	assert_string_equal(cJSON_GetObjectItem(night, "night")->valuestring, "2026-11-30");
	assert_int_equal(cJSON_GetObjectItem(night, "window_min")->valueint, 300);
	const cJSON *sum = cJSON_GetObjectItem(night, "summary");
	assert_int_equal(cJSON_GetObjectItem(sum, "compliant")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(sum, "violation")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(sum, "unknown")->valueint, 1);
	cJSON_Delete(m);
	dc_buf_free(&b);
	dc_set_lang(DC_LANG_FR);
}

/* The chart alone: negative months below the zero line, unknown months a
 * mark; title and description escaped. */
static void chart_shows_losses_and_unknowns(void **state)
{
	(void)state;
	struct dc_web_energy e;
	struct dc_buf b = { 0 };
	memset(&e, 0, sizeof e);
	e.nmonths = 3;
	const char *keys[] = { "2026-01", "2026-02", "2026-03" };
	int64_t saved[] = { 2000000, -500000, 0 };
	for (int i = 0; i < 3; i++) {
		snprintf(e.month[i].month, sizeof e.month[i].month, "%s", keys[i]);
		e.month[i].rows = true;
		e.month[i].t.baseline_mwh = 3000000;
		e.month[i].t.actual_mwh = 3000000 - saved[i];
		e.month[i].t.known_s = i == 2 ? 0 : 3600;
	}
	dc_set_lang(DC_LANG_EN);
	dc_web_energy_svg(&b, &e, "T<", "D&", DC_LANG_EN);
	assert_non_null(strstr(b.p, "<title id=\"energy-chart-title\">T&lt;</title>"));
	assert_non_null(strstr(b.p, "<desc id=\"energy-chart-desc\">D&amp;</desc>"));
	assert_non_null(strstr(b.p, "<rect class=\"saved\""));
	assert_non_null(strstr(b.p, "<rect class=\"lost\""));
	assert_non_null(strstr(b.p, ">2.0</text>"));
	assert_non_null(strstr(b.p, ">-0.5</text>"));
	assert_non_null(strstr(b.p, ">?</text>"));
	assert_non_null(strstr(b.p, ">Mar 26</text>"));
	dc_buf_free(&b);
	dc_set_lang(DC_LANG_FR);
}

static void factors_come_from_the_host_else_the_energy_config(void **state)
{
	(void)state;
	struct dc_ledger_config c;
	struct dc_web_factors fa;
	dc_ledger_config_default(&c);
	c.eur_per_kwh = 0.3;
	snprintf(c.tariff_source, sizeof c.tariff_source, "contrat");
	dc_web_factors_init(&fa, 0, 0, &c);
	assert_true(fa.eur_per_kwh == 0.3 && fa.kgco2e_per_kwh == DC_EN_DEFAULT_KGCO2E_PER_KWH);
	assert_string_equal(fa.tariff_source, "contrat");
	dc_web_factors_init(&fa, 0.25, 60, &c);
	assert_true(fa.eur_per_kwh == 0.25 && fa.kgco2e_per_kwh == 0.06);
	assert_string_equal(fa.tariff_source, "");
	dc_web_factors_init(&fa, 0, 0, NULL);
	assert_true(fa.eur_per_kwh == 0 && fa.kgco2e_per_kwh == 0);
	dc_ledger_config_free(&c);
}

static const char *iso_time(char *buf, size_t len, int64_t t, enum dc_lang lang)
{
	(void)lang;
	snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

/* One screen over the last 30 days: 200 W, off from 22:00 to 07:00 each of
 * the nights 1-30 November, unknown from 22:00 on the 30th. */
static void one_screen_last_30_days(void **state)
{
	struct fx *f = *state;
	struct dc_web_screen_energy e;
	struct dc_web_factors fa;
	struct dc_buf b = { 0 };
	char err[256];
	put(f, "pub", DC_CAT_ADVERTISING, 200);
	put(f, "other", DC_CAT_ADVERTISING, 100);
	nights_off(f, "pub", "2026-11", 1, 29);
	log_state(f, "pub", "2026-11-30", 7, DC_EN_ON);
	log_state(f, "pub", "2026-11-30", 22, DC_EN_UNKNOWN);
	int64_t now = dc_ledger_local_instant(&f->cfg, "2026-12-01", 0);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, now, err, sizeof err), 0);
	assert_int_equal(dc_web_screen_energy_load(f->st, &f->cfg, "pub", now, &e, err, sizeof err), 0);
	/* 2 Nov to 1 Dec; 1 Dec has no complete hour yet */
	assert_int_equal(e.days, 29);
	/* 2-29 Nov: 9 h off a local day (00:00-07:00 and 22:00-24:00); 30 Nov:
	 * 00:00-07:00 off, unknown from 22:00.  At 200 W: 51.8 kWh saved. */
	assert_int_equal(dc_en_total_saved(&e.t), (28 * 9 + 7) * 200 * 1000);
	assert_int_equal(e.t.unknown_s, 2 * H);
	assert_int_equal(e.nstates, DC_WEB_SCREEN_STATES);
	assert_int_equal(e.state[0].state, DC_EN_UNKNOWN);
	assert_int_equal(e.state[1].state, DC_EN_ON);
	dc_web_factors_init(&fa, 0.25, 0, NULL);
	dc_web_screen_energy_html(&b, &e, &fa, DC_LANG_FR, iso_time);
	assert_non_null(strstr(b.p, "<dt>Économisé</dt><dd>51,8 kWh (12,95 €)</dd>"));
	assert_non_null(strstr(b.p, "<dt>Heures inconnues (non comptées)</dt><dd>2,0 h (2,0 h état "
				    "non confirmé, 0,0 h boîtier hors ligne, 0,0 h aucun boîtier)</dd>"));
	assert_non_null(strstr(b.p, "<tr data-state=\"unknown\"><td>@"));
	assert_non_null(strstr(b.p, "</td><td>inconnu (état non confirmé)</td></tr>"));
	/* a screen never confirmed: its days are unknown, never zero */
	assert_int_equal(dc_web_screen_energy_load(f->st, &f->cfg, "other", now, &e, err, sizeof err), 0);
	assert_int_equal(e.t.known_s, 0);
	dc_set_lang(DC_LANG_EN);
	dc_buf_reset(&b);
	dc_web_screen_energy_html(&b, &e, &fa, DC_LANG_EN, iso_time);
	assert_non_null(strstr(b.p, "State unknown over the whole period:"));
	assert_null(strstr(b.p, "Saved"));
	assert_non_null(strstr(b.p, "No state recorded."));
	/* and one not in the ledger at all */
	assert_int_equal(dc_web_screen_energy_load(f->st, &f->cfg, "nowhere", now, &e, err, sizeof err), 0);
	dc_buf_reset(&b);
	dc_web_screen_energy_html(&b, &e, &fa, DC_LANG_EN, iso_time);
	assert_non_null(strstr(b.p, "Nothing in the ledger for this screen"));
	dc_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_ledger_is_said_in_words, setup, teardown),
		cmocka_unit_test_setup_teardown(months_to_date_and_last_night, setup, teardown),
		cmocka_unit_test_setup_teardown(one_screen_last_30_days, setup, teardown),
		cmocka_unit_test(chart_shows_losses_and_unknowns),
		cmocka_unit_test(factors_come_from_the_host_else_the_energy_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
