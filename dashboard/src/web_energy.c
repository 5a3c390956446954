/* web_energy.c — the energy ledger on the progress page and in the API:
 * savings per month (chart and table), to date, and last night's
 * compliance.  Figures come from gateway/store/ledger.c's report functions. */
#include "web_energy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

/* ---- loading ------------------------------------------------------------ */

/* Months since year 0 of a "YYYY-MM..." key; -1 when malformed. */
static int month_index(const char *key)
{
	int y, m;
	if (sscanf(key, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12 || y < 0)
		return -1;
	return y * 12 + m - 1;
}

static void month_key(char out[8], int idx)
{
	snprintf(out, 8, "%04u-%02u", (unsigned)(idx / 12) % 10000u, (unsigned)(idx % 12 + 1) % 13u);
}

int dc_web_energy_load(struct dc_store *st, const struct dc_ledger_config *cfg,
		       const struct dc_rules *rules, int64_t now, struct dc_web_energy *out,
		       char *err, size_t errlen)
{
	struct dc_ledger_row *r = NULL;
	size_t n = 0;
	char from[11], night[11];

	memset(out, 0, sizeof *out);
	int cur = -1;
	if (dc_ledger_local_date(cfg, now, out->today) == 0)
		cur = month_index(out->today);
	if (cur < DC_WEB_MONTHS || dc_ledger_last_night(cfg, now, night) < 0) {
		snprintf(err, errlen, TR("fuseau horaire invalide : %s", "invalid time zone: %s"),
			 cfg->zone);
		return -1;
	}
	/* To date: what `decran report progress` calls "since the ledger began". */
	if (dc_ledger_report(st, NULL, out->today, DC_BY_ALL, &r, &n, err, errlen) < 0)
		return -1;
	out->empty = n == 0;
	if (n)
		out->to_date = r[0].t;
	free(r);

	/* The last twelve months, from the first the ledger covers. */
	month_key(from, cur - (DC_WEB_MONTHS - 1));
	strcat(from, "-01");
	if (dc_ledger_report(st, from, out->today, DC_BY_MONTH, &r, &n, err, errlen) < 0)
		return -1;
	int first = n ? month_index(r[0].key) : -1;
	for (int k = first; first >= 0 && k <= cur && out->nmonths < DC_WEB_MONTHS; k++) {
		struct dc_web_month *mo = &out->month[out->nmonths++];
		month_key(mo->month, k);
		for (size_t i = 0; i < n; i++)
			if (strcmp(r[i].key, mo->month) == 0) {
				mo->rows = true;
				mo->t = r[i].t;
			}
	}
	free(r);

	return dc_ledger_night_summary(st, cfg, rules, night, now, NULL, NULL, &out->night, err,
				       errlen);
}

void dc_web_factors_init(struct dc_web_factors *f, double price_eur_per_kwh, double co2_g_per_kwh,
			 const struct dc_ledger_config *energy)
{
	memset(f, 0, sizeof *f);
	if (price_eur_per_kwh > 0) {
		f->eur_per_kwh = price_eur_per_kwh;
	} else if (energy && energy->eur_per_kwh > 0) {
		f->eur_per_kwh = energy->eur_per_kwh;
		snprintf(f->tariff_source, sizeof f->tariff_source, "%s", energy->tariff_source);
	}
	if (co2_g_per_kwh > 0) {
		f->kgco2e_per_kwh = co2_g_per_kwh / 1000.0;
	} else if (energy && energy->kgco2e_per_kwh > 0) {
		f->kgco2e_per_kwh = energy->kgco2e_per_kwh;
		snprintf(f->co2e_source, sizeof f->co2e_source, "%s", energy->co2e_source);
	}
}

/* ---- words and numbers -------------------------------------------------- */

static const char *month_name(int m, bool abbrev)
{
	static const char *const fr[] = { "janvier", "février", "mars", "avril", "mai", "juin",
					  "juillet", "août", "septembre", "octobre", "novembre",
					  "décembre" };
	static const char *const fr3[] = { "janv.", "févr.", "mars", "avr.", "mai", "juin",
					   "juil.", "août", "sept.", "oct.", "nov.", "déc." };
	static const char *const en[] = { "January", "February", "March", "April", "May", "June",
					  "July", "August", "September", "October", "November",
					  "December" };
	static const char *const en3[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec" };
	if (m < 1 || m > 12)
		return "?";
	return TR(abbrev ? fr3[m - 1] : fr[m - 1], abbrev ? en3[m - 1] : en[m - 1]);
}

/* "novembre 2026" / "November 2026"; abbreviated "nov. 26" / "Nov 26". */
const char *dc_web_month_label(char *buf, size_t len, const char *key, bool abbrev)
{
	int idx = month_index(key);
	if (idx < 0)
		snprintf(buf, len, "%s", key);
	else if (abbrev)
		snprintf(buf, len, "%s %02d", month_name(idx % 12 + 1, true), idx / 12 % 100);
	else
		snprintf(buf, len, "%s %d", month_name(idx % 12 + 1, false), idx / 12);
	return buf;
}

static const char *date_label(char *buf, size_t len, const char *iso, enum dc_lang lang)
{
	int y, m, d;
	if (dc_parse_date(iso, &y, &m, &d) < 0) {
		snprintf(buf, len, "%s", iso);
		return buf;
	}
	return dc_fmt_date(buf, len, y, m, d, lang);
}

static bool known(const struct dc_en_total *t)
{
	return t->known_s > 0;
}

static const char *kwh(char *buf, size_t len, int64_t mwh, enum dc_lang lang)
{
	return dc_fmt_num(buf, len, dc_en_kwh(mwh), 1, lang);
}

/* Share of the screen-hours that were metered, "12 %" / "12%". */
static const char *share(char *buf, size_t len, const struct dc_en_total *t, enum dc_lang lang)
{
	const char *pct = lang == DC_LANG_EN ? "%" : "\u202f%";
	if (t->hours <= 0)
		snprintf(buf, len, "—");
	else if (t->measured_hours > 0 && 100 * t->measured_hours < t->hours)
		snprintf(buf, len, "< 1%s", pct);
	else
		snprintf(buf, len, "%lld%s", (long long)(100 * t->measured_hours / t->hours), pct);
	return buf;
}

static const char *unknown_word(void)
{
	return TR("inconnu", "unknown");
}

/* A number cell, or "unknown" when the group has no known second or the
 * factor is not configured. */
static void num_cell(struct dc_buf *b, bool ok, double v, int dec, enum dc_lang lang,
		     const char *cls)
{
	char n[48];
	if (ok)
		dc_html(b, "<td class=\"num%r\">%s</td>", cls, dc_fmt_num(n, sizeof n, v, dec, lang));
	else
		dc_html(b, "<td class=\"unknown%r\">%s</td>", cls, unknown_word());
}

static void total_cells(struct dc_buf *b, const struct dc_en_total *t,
			const struct dc_web_factors *f, enum dc_lang lang)
{
	char s[48];
	bool k = known(t);
	double saved = dc_en_kwh(dc_en_total_saved(t));
	num_cell(b, k, saved, 1, lang, " saved");
	num_cell(b, k && f->eur_per_kwh > 0, saved * f->eur_per_kwh, 2, lang, "");
	num_cell(b, k && f->kgco2e_per_kwh > 0, saved * f->kgco2e_per_kwh, 1, lang, "");
	num_cell(b, k, dc_en_kwh(t->actual_mwh), 1, lang, "");
	num_cell(b, k, dc_en_kwh(t->baseline_mwh), 1, lang, "");
	dc_html(b, "<td class=\"num\">%s</td>", share(s, sizeof s, t, lang));
	num_cell(b, true, (double)t->unknown_s / 3600.0, 1, lang, " unknown-h");
}

static void factors_note(struct dc_buf *b, const struct dc_web_factors *f, enum dc_lang lang)
{
	char a[32];
	dc_html(b, "<p class=\"note\" id=\"energy-factors\">");
	if (f->eur_per_kwh > 0)
		dc_html(b, TR("Tarif : %s €/kWh (%s). ", "Tariff: %s EUR/kWh (%s). "),
			dc_fmt_num(a, sizeof a, f->eur_per_kwh, 4, lang),
			*f->tariff_source ? f->tariff_source
					  : TR("configuration du tableau de bord", "dashboard configuration"));
	else
		dc_html(b, "%s ", TR("Prix du kWh non configuré : coûts inconnus.",
				     "kWh price not configured: costs unknown."));
	if (f->kgco2e_per_kwh > 0)
		dc_html(b, TR("Facteur d'émission : %s kg CO₂e/kWh (%s).",
			      "Emission factor: %s kg CO₂e/kWh (%s)."),
			dc_fmt_num(a, sizeof a, f->kgco2e_per_kwh, 3, lang),
			*f->co2e_source ? f->co2e_source
					: TR("configuration du tableau de bord", "dashboard configuration"));
	else
		dc_html(b, "%s", TR("Facteur d'émission non configuré : émissions inconnues.",
				    "Emission factor not configured: emissions unknown."));
	dc_html(b, "</p>\n");
}

/* ---- chart -------------------------------------------------------------- */

enum { CW = 640, CH = 240, CL = 72, CR = 16, CT = 16, CB = 36 };

static double cy(double v, double vmin, double vmax)
{
	return CT + (vmax - v) * (CH - CT - CB) / (vmax - vmin);
}

void dc_web_energy_svg(struct dc_buf *b, const struct dc_web_energy *e, const char *title,
		       const char *desc, enum dc_lang lang)
{
	double vmin = 0, vmax = 0;
	for (int i = 0; i < e->nmonths; i++) {
		if (!known(&e->month[i].t))
			continue;
		double v = dc_en_kwh(dc_en_total_saved(&e->month[i].t));
		if (v > vmax)
			vmax = v;
		if (v < vmin)
			vmin = v;
	}
	if (vmax - vmin < 1e-9)
		vmax = vmin + 1;
	dc_html(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-labelledby=\"energy-chart-title energy-chart-desc\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"energy-chart-title\">%s</title>"
		"<desc id=\"energy-chart-desc\">%s</desc>\n", CW, CH, title, desc);
	char n[32];
	double y0 = cy(0, vmin, vmax);
	int dec = vmax - vmin < 10 ? 1 : 0;	/* small figures keep a decimal */
	/* Ticks without the unit: the title says kWh, and long figures fit. */
	dc_buf_printf(b, "<path class=\"axis\" d=\"M%d %d V%d\"/>"
		      "<path class=\"axis\" d=\"M%d %.1f H%d\"/>\n", CL, CT, CH - CB, CL, y0, CW - CR);
	dc_html(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
		CL - 6, CT + 4, dc_fmt_num(n, sizeof n, vmax, dec, lang));
	dc_buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>\n",
		      CL - 6, y0 + 4);
	if (vmin < 0)
		dc_html(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
			CL - 6, CH - CB + 4, dc_fmt_num(n, sizeof n, vmin, dec, lang));
	int nm = e->nmonths > 0 ? e->nmonths : 1;
	double slot = (double)(CW - CL - CR) / nm, bw = slot * 0.6;
	for (int i = 0; i < e->nmonths; i++) {
		const struct dc_web_month *mo = &e->month[i];
		double x = CL + slot * i + (slot - bw) / 2, mid = CL + slot * (i + 0.5);
		char label[32];
		if (known(&mo->t)) {
			double v = dc_en_kwh(dc_en_total_saved(&mo->t));
			double top = cy(v > 0 ? v : 0, vmin, vmax), bot = cy(v < 0 ? v : 0, vmin, vmax);
			dc_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				      "height=\"%.1f\"/>\n", v < 0 ? "lost" : "saved", x, top, bw,
				      bot - top > 0.5 ? bot - top : 0.5);
		} else {
			/* No known second this month: a mark, never a bar of 0. */
			dc_buf_printf(b, "<text class=\"unknown\" x=\"%.1f\" y=\"%.1f\" "
				      "text-anchor=\"middle\">?</text>\n", mid, y0 - 4);
		}
		/* Phones show every other month (style.css): the labels stay legible. */
		dc_html(b, "<text class=\"tick%r\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			(e->nmonths - 1 - i) % 2 ? " odd" : "", (int)(mid + 0.5), CH - CB + 16,
			dc_web_month_label(label, sizeof label, mo->month, true));
	}
	dc_buf_puts(b, "</svg>\n");
}

/* ---- HTML --------------------------------------------------------------- */

void dc_web_energy_html(struct dc_buf *b, const struct dc_web_energy *e,
			const struct dc_web_factors *f, enum dc_lang lang)
{
	char a[48], c[48], d[48], u[48], m[48];
	dc_html(b, "<p class=\"note\">%s</p>\n",
		TR("Mesuré par le registre d'énergie : compteurs des boîtiers quand il y en a, sinon "
		   "calcul d'après les états des relais confirmés par les boîtiers. Les heures "
		   "inconnues (état non confirmé, boîtier hors ligne, aucun boîtier) ne comptent ni "
		   "en consommation ni en économie.",
		   "Measured by the energy ledger: the boxes' meters where there are some, otherwise "
		   "worked out from the relay states the boxes confirmed. Unknown hours (state "
		   "unconfirmed, box offline, no box) count neither as consumption nor as saving."));
	if (e->empty) {
		dc_html(b, "<p id=\"energy-empty\"><strong>%s</strong></p>\n",
			TR("Aucune économie n'a encore été mesurée : les mesures commencent dès que "
			   "les boîtiers qui commandent les écrans sont en service, et s'ajoutent "
			   "d'heure en heure.",
			   "No saving has been measured yet: measuring starts once the boxes that "
			   "switch the screens are in service, and adds up hour by hour."));
		return;
	}
	const struct dc_en_total *t = &e->to_date;
	dc_fmt_num(u, sizeof u, (double)t->unknown_s / 3600.0, 1, lang);
	if (!known(t)) {
		dc_html(b, "<p id=\"energy-to-date\">%s %s %s</p>\n",
			TR("Rien n'est encore connu dans le registre :", "Nothing is known in the ledger yet:"),
			u, TR("heures d'écran inconnues, qui ne comptent ni en consommation ni en économie.",
			      "unknown screen-hours, counted neither as consumption nor as saving."));
	} else {
		double saved = dc_en_kwh(dc_en_total_saved(t));
		dc_html(b, "<p id=\"energy-to-date\">%s <strong>%s kWh</strong> %s",
			TR("Depuis le début du registre :", "Since the ledger began:"),
			kwh(a, sizeof a, dc_en_total_saved(t), lang), TR("économisés", "saved"));
		if (f->eur_per_kwh > 0)
			dc_html(b, TR(", soit %s €", ", i.e. %s EUR"),
				dc_fmt_num(c, sizeof c, saved * f->eur_per_kwh, 2, lang));
		if (f->kgco2e_per_kwh > 0)
			dc_html(b, TR(" et %s kg CO₂e évités", " and %s kg CO₂e avoided"),
				dc_fmt_num(d, sizeof d, saved * f->kgco2e_per_kwh, 1, lang));
		char why[200];
		dc_html(b, TR(" ; %s heures d'écran inconnues (<span id=\"unknown-causes\">%s</span>) ; "
			      "%s des heures mesurées au compteur.</p>\n",
			      "; %s unknown screen-hours (<span id=\"unknown-causes\">%s</span>); "
			      "%s of the hours metered.</p>\n"),
			u, dc_ledger_causes_text(why, sizeof why, t->unknown_by, lang),
			share(m, sizeof m, t, lang));
	}

	/* The chart, then its data as a table (the text alternative). */
	char first[40], last[40], desc[400];
	if (e->nmonths) {
		dc_web_month_label(first, sizeof first, e->month[0].month, false);
		dc_web_month_label(last, sizeof last, e->month[e->nmonths - 1].month, false);
	} else {
		first[0] = last[0] = '\0';
	}
	snprintf(desc, sizeof desc, TR("Énergie économisée chaque mois, de %s à %s (mois en cours "
				       "compris). Les données sont dans le tableau qui suit.",
				       "Energy saved each month, from %s to %s (this month so far). "
				       "The data is in the table that follows."), first, last);
	if (e->nmonths == 0)
		dc_html(b, "<p>%s</p>\n", TR("Aucune donnée du registre sur les douze derniers mois.",
					     "No ledger data over the last twelve months."));
	else
		dc_web_energy_svg(b, e, TR("Énergie économisée par mois (kWh)",
					   "Energy saved per month (kWh)"), desc, lang);
	dc_html(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table class=\"data\" id=\"energy-months\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"</tr></thead>\n<tbody>\n",
		TR("Énergie économisée par mois (registre d'énergie)",
		   "Energy saved per month (energy ledger)"),
		TR("Énergie économisée par mois (registre d'énergie)",
		   "Energy saved per month (energy ledger)"),
		TR("Mois", "Month"), TR("Économie (kWh)", "Saved (kWh)"), TR("Économie (€)", "Saved (EUR)"),
		TR("Évité (kg CO₂e)", "Avoided (kg CO₂e)"), TR("Consommation (kWh)", "Consumption (kWh)"),
		TR("Référence (kWh)", "Baseline (kWh)"), TR("Heures mesurées", "Hours metered"),
		TR("Heures inconnues", "Unknown hours"));
	for (int i = 0; i < e->nmonths; i++) {
		const struct dc_web_month *mo = &e->month[i];
		char label[48];
		dc_web_month_label(label, sizeof label, mo->month, false);
		dc_html(b, "<tr data-month=\"%s\"><th scope=\"row\">%s%s</th>", mo->month, label,
			i == e->nmonths - 1 && strncmp(mo->month, e->today, 7) == 0
				? TR(" (en cours)", " (so far)") : "");
		if (mo->rows)
			total_cells(b, &mo->t, f, lang);
		else
			dc_html(b, "<td colspan=\"7\">%s</td>",
				TR("pas de données dans le registre", "no data in the ledger"));
		dc_html(b, "</tr>\n");
	}
	dc_html(b, "<tr class=\"total\" data-month=\"\"><th scope=\"row\">%s</th>",
		TR("Depuis le début du registre", "Since the ledger began"));
	total_cells(b, t, f, lang);
	dc_html(b, "</tr>\n</tbody>\n</table></div>\n");
	factors_note(b, f, lang);
}

int dc_web_screen_energy_load(struct dc_store *st, const struct dc_ledger_config *cfg,
			      const char *screen_id, int64_t now, struct dc_web_screen_energy *out,
			      char *err, size_t errlen)
{
	char from[11], to[11];
	memset(out, 0, sizeof *out);
	if (dc_ledger_local_date(cfg, now - (int64_t)(DC_WEB_SCREEN_DAYS - 1) * 86400, from) < 0 ||
	    dc_ledger_local_date(cfg, now, to) < 0) {
		snprintf(err, errlen, TR("fuseau horaire invalide : %s", "invalid time zone: %s"),
			 cfg->zone);
		return -1;
	}
	return dc_ledger_screen(st, screen_id, from, to, &out->t, &out->days, out->state,
				DC_WEB_SCREEN_STATES, &out->nstates, err, errlen);
}

void dc_web_screen_energy_html(struct dc_buf *b, const struct dc_web_screen_energy *e,
			       const struct dc_web_factors *f, enum dc_lang lang,
			       const char *(*fmt_time)(char *, size_t, int64_t, enum dc_lang))
{
	char a[48], c[48], u[48], m[48];
	const struct dc_en_total *t = &e->t;
	dc_html(b, "<h3>%s</h3>\n", TR("Registre d'énergie, 30 derniers jours",
					  "Energy ledger, last 30 days"));
	if (!e->days) {
		dc_html(b, "<p id=\"screen-energy\">%s</p>\n",
			TR("Rien dans le registre pour cet écran sur cette période (écran non "
			   "raccordé, ou registre pas encore calculé).",
			   "Nothing in the ledger for this screen over this period (screen not "
			   "bound, or ledger not computed yet)."));
	} else if (!known(t)) {
		char why[200];
		dc_html(b, "<p id=\"screen-energy\">%s %s %s (%s)</p>\n",
			TR("État inconnu sur toute la période :", "State unknown over the whole period:"),
			dc_fmt_num(u, sizeof u, (double)t->unknown_s / 3600.0, 1, lang),
			TR("heures, qui ne comptent ni en consommation ni en économie",
			   "hours, counted neither as consumption nor as saving"),
			dc_ledger_causes_text(why, sizeof why, t->unknown_by, lang));
	} else {
		double saved = dc_en_kwh(dc_en_total_saved(t));
		dc_html(b, "<dl class=\"fields\" id=\"screen-energy\">\n"
			"<div><dt>%s</dt><dd>%s kWh</dd></div>\n<div><dt>%s</dt><dd>%s kWh",
			TR("Consommé", "Used"), kwh(a, sizeof a, t->actual_mwh, lang),
			TR("Économisé", "Saved"), kwh(c, sizeof c, dc_en_total_saved(t), lang));
		if (f->eur_per_kwh > 0)
			dc_html(b, TR(" (%s €)", " (EUR %s)"),
				dc_fmt_num(m, sizeof m, saved * f->eur_per_kwh, 2, lang));
		char why[200];
		dc_html(b, "</dd></div>\n<div><dt>%s</dt><dd>%s h</dd></div>\n"
			"<div><dt>%s</dt><dd>%s h (%s)</dd></div>\n<div><dt>%s</dt><dd>%s</dd></div>\n</dl>\n",
			TR("Allumé", "On"), dc_fmt_num(a, sizeof a, (double)t->on_s / 3600.0, 1, lang),
			TR("Heures inconnues (non comptées)", "Unknown hours (not counted)"),
			dc_fmt_num(u, sizeof u, (double)t->unknown_s / 3600.0, 1, lang),
			dc_ledger_causes_text(why, sizeof why, t->unknown_by, lang),
			TR("Heures mesurées au compteur", "Hours metered"), share(m, sizeof m, t, lang));
	}
	dc_html(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table class=\"data\" id=\"screen-states\">\n"
		"<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		"</tr></thead>\n<tbody>\n",
		TR("Derniers états du relais", "Latest relay states"),
		TR("Derniers états du relais, confirmés par le boîtier, du plus récent au plus ancien",
		   "Latest relay states, confirmed by the box, newest first"),
		TR("Depuis", "Since"), TR("État", "State"));
	for (size_t i = 0; i < e->nstates; i++) {
		char label[96];
		dc_html(b, "<tr data-state=\"%s\"><td>%s</td><td>%s</td></tr>\n",
			dc_en_state_name(e->state[i].state),
			fmt_time(a, sizeof a, e->state[i].at, lang),
			dc_en_event_label(&e->state[i], label, sizeof label));
	}
	if (!e->nstates)
		dc_html(b, "<tr><td colspan=\"2\">%s</td></tr>\n",
			TR("Aucun état enregistré.", "No state recorded."));
	dc_html(b, "</tbody>\n</table></div>\n");
}

void dc_web_night_html(struct dc_buf *b, const struct dc_web_energy *e, enum dc_lang lang)
{
	const struct dc_ledger_night_summary *n = &e->night;
	char d1[24], d2[24], w[24], next[11];
	int y, m, d;
	if (dc_parse_date(n->night, &y, &m, &d) == 0) {
		dc_civil_from_days(dc_days_from_civil(y, m, d) + 1, &y, &m, &d);
		snprintf(next, sizeof next, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13u,
			 (unsigned)d % 32u);
	} else {
		snprintf(next, sizeof next, "?");
	}
	dc_fmt_num(w, sizeof w, (double)(n->window_s / 60), 0, lang);
	dc_html(b, "<p id=\"night-window\">");
	dc_html(b, TR("Nuit du %s au %s : fenêtre légale 01:00–06:00 heure locale (%s min, article "
		      "R581-35 du code de l'environnement).",
		      "Night of %s to %s: legal window 01:00–06:00 local time (%s min, article R581-35 "
		      "of the French environment code)."),
		date_label(d1, sizeof d1, n->night, lang), date_label(d2, sizeof d2, next, lang), w);
	dc_html(b, "</p>\n");
	if (n->screens == 0) {
		dc_html(b, "<p id=\"night-none\">%s</p>\n",
			TR("Aucun écran de l'inventaire n'est soumis à la règle (publicité lumineuse, "
			   "mobilier de transport).",
			   "No screen of the inventory is under the rule (luminous advertising, "
			   "transport furniture)."));
		return;
	}
	static const struct { enum dc_cpl_verdict v; const char *id, *fr, *en; } rows[] = {
		{ DC_CPL_COMPLIANT, "night-compliant", "Conformes (éteints, ou déposés)",
		  "Compliant (off, or removed)" },
		{ DC_CPL_VIOLATION, "night-violation", "En infraction (allumés sans dérogation)",
		  "Violating (on without a derogation)" },
		{ DC_CPL_UNKNOWN, "night-unknown", "Inconnus (non confirmés, hors ligne, sans boîtier)",
		  "Unknown (unconfirmed, offline, no box)" },
		{ DC_CPL_DEROGATION, "night-derogation", "Allumés sous dérogation",
		  "On under a derogation" },
		{ DC_CPL_EXCEPTION, "night-exception", "Allumés pendant le service de transport",
		  "On while the transport service runs" },
	};
	char c[32];
	dc_html(b, "<table class=\"data\" id=\"night-compliance\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead>\n"
		"<tbody>\n", TR("Écrans soumis à la règle, par verdict", "Screens under the rule, by verdict"),
		TR("Verdict", "Verdict"), TR("Écrans", "Screens"));
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		dc_html(b, "<tr><th scope=\"row\">%s</th><td class=\"num\" id=\"%s\">%s</td></tr>\n",
			TR(rows[i].fr, rows[i].en), rows[i].id,
			dc_fmt_num(c, sizeof c, (double)n->count[rows[i].v], 0, lang));
	static const char *const cause_ids[DC_EN_CAUSES] = { "night-unknown-unconfirmed",
							      "night-unknown-offline",
							      "night-unknown-no-box" };
	for (int k = 0; k < DC_EN_CAUSES; k++)
		dc_html(b, "<tr class=\"sub\"><th scope=\"row\">%s %s</th><td class=\"num\" id=\"%s\">%s</td>"
			"</tr>\n", TR("dont", "of which"), dc_en_cause_label((enum dc_en_cause)k),
			cause_ids[k], dc_fmt_num(c, sizeof c, (double)n->unknown_by[k], 0, lang));
	dc_html(b, "<tr class=\"total\"><th scope=\"row\">%s</th><td class=\"num\" id=\"night-screens\">%s</td>"
		"</tr>\n</tbody>\n</table>\n", TR("Total", "Total"),
		dc_fmt_num(c, sizeof c, (double)n->screens, 0, lang));
	if (n->count[DC_CPL_UNKNOWN] == n->screens)
		dc_html(b, "<p id=\"night-all-unknown\">%s</p>\n",
			TR("Aucun état confirmé n'est enregistré pour cette nuit : la conformité est "
			   "inconnue, jamais supposée.",
			   "No confirmed state is recorded for that night: compliance is unknown, "
			   "never assumed."));
}

/* ---- JSON --------------------------------------------------------------- */

static void add_num_or_null(cJSON *o, const char *k, bool ok, double v)
{
	if (ok)
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *total_json(const struct dc_en_total *t, const struct dc_web_factors *f)
{
	cJSON *o = cJSON_CreateObject();
	bool k = known(t);
	double saved = dc_en_kwh(dc_en_total_saved(t));
	add_num_or_null(o, "actual_kwh", k, dc_en_kwh(t->actual_mwh));
	add_num_or_null(o, "baseline_kwh", k, dc_en_kwh(t->baseline_mwh));
	add_num_or_null(o, "saved_kwh", k, saved);
	add_num_or_null(o, "saved_eur", k && f->eur_per_kwh > 0, saved * f->eur_per_kwh);
	add_num_or_null(o, "avoided_kgco2e", k && f->kgco2e_per_kwh > 0, saved * f->kgco2e_per_kwh);
	cJSON_AddNumberToObject(o, "unknown_hours", (double)t->unknown_s / 3600.0);
	cJSON_AddItemToObject(o, "unknown_hours_by_cause", dc_ledger_causes_json(t->unknown_by, 3600.0));
	cJSON_AddNumberToObject(o, "hours", (double)t->hours);
	cJSON_AddNumberToObject(o, "measured_hours", (double)t->measured_hours);
	return o;
}

cJSON *dc_web_energy_json(const struct dc_web_energy *e, const struct dc_web_factors *f)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ledger_empty", e->empty);
	add_num_or_null(o, "kwh_saved", known(&e->to_date), dc_en_kwh(dc_en_total_saved(&e->to_date)));
	cJSON_AddItemToObject(o, "to_date", total_json(&e->to_date, f));
	cJSON *months = cJSON_AddArrayToObject(o, "months");
	for (int i = 0; i < e->nmonths; i++) {
		cJSON *m = total_json(&e->month[i].t, f);
		cJSON_AddStringToObject(m, "month", e->month[i].month);
		cJSON_AddBoolToObject(m, "partial", strncmp(e->month[i].month, e->today, 7) == 0);
		cJSON_AddItemToArray(months, m);
	}
	cJSON *n = cJSON_AddObjectToObject(o, "last_night_compliance");
	cJSON_AddStringToObject(n, "night", e->night.night);
	cJSON_AddNumberToObject(n, "window_min", (double)(e->night.window_s / 60));
	cJSON_AddNumberToObject(n, "screens", (double)e->night.screens);
	cJSON *s = cJSON_AddObjectToObject(n, "summary");
	for (int v = 0; v < DC_CPL__COUNT; v++)
		cJSON_AddNumberToObject(s, dc_cpl_verdict_name((enum dc_cpl_verdict)v),
					(double)e->night.count[v]);
	cJSON *u = cJSON_AddObjectToObject(n, "unknown_by_cause");
	for (int c = 0; c < DC_EN_CAUSES; c++)
		cJSON_AddNumberToObject(u, dc_en_cause_name((enum dc_en_cause)c),
					(double)e->night.unknown_by[c]);
	return o;
}
