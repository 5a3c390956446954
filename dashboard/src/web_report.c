/* web_report.c — the monthly report for the council: one A4 page that the
 * browser (or Chromium's print to PDF) prints as it is.  Energy of the month
 * beside the same month a year before, the month's days against the month
 * before, each night's compliance (the computation `decran report
 * compliance` uses), the plan's targets and the inventory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "tz.h"
#include "web_internal.h"

#define BREACH_NIGHTS_LISTED 8	/* the page stays one sheet */

/* ?month=YYYY-MM, not after this month; default: the last whole month. */
static int report_month(struct web_req *r, int ty, int tm, int *y, int *m)
{
	const char *s;
	if (web_arg_text(r, "month", 7, &s) < 0)
		return -1;
	if (!s || !*s) {
		*y = tm == 1 ? ty - 1 : ty;
		*m = tm == 1 ? 12 : tm - 1;
		return 0;
	}
	char tail;
	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%c", y, m, &tail) != 2 || s[4] != '-' ||
	    *m < 1 || *m > 12 || *y < 2000 || *y * 12 + *m > ty * 12 + tm) {
		web_error(r, 400, TR("Paramètre « month » invalide : attendu AAAA-MM, au plus le mois "
				     "en cours.",
				     "Invalid parameter \"month\": expected YYYY-MM, this month at the latest."));
		return -1;
	}
	return 0;
}

struct nights {
	int count[DC_VERDICT_COMPLIANT + 1];
	int judged;		/* nights whose window has ended */
	char breach[BREACH_NIGHTS_LISTED][11];
	long breach_screens[BREACH_NIGHTS_LISTED];
	int nbreach;
};

static int month_nights(struct web_req *r, int y, int m, struct nights *out, char *err, size_t errlen)
{
	char last[11];
	const struct dc_rules *rules = r->w->hooks.rules ? r->w->hooks.rules(r->w->hooks.arg) : NULL;
	memset(out, 0, sizeof *out);
	if (dc_ledger_last_night(&r->w->energy, (int64_t)r->now, last) < 0) {
		snprintf(err, errlen, "%s", TR("fuseau horaire invalide", "invalid time zone"));
		return -1;
	}
	for (int d = 1; d <= dc_days_in_month(y, m); d++) {
		char night[11];
		struct dc_ledger_night_summary n;
		snprintf(night, sizeof night, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
		if (strcmp(night, last) > 0)
			break;
		if (dc_ledger_night_summary(r->w->st, &r->w->energy, rules, night, (int64_t)r->now,
					    NULL, NULL, &n, err, errlen) < 0)
			return -1;
		enum dc_glance_verdict v = dc_glance_verdict(&n);
		out->count[v]++;
		out->judged++;
		if (v == DC_VERDICT_BREACH && out->nbreach < BREACH_NIGHTS_LISTED) {
			memcpy(out->breach[out->nbreach], night, sizeof night);
			out->breach_screens[out->nbreach++] = n.count[DC_CPL_VIOLATION];
		}
	}
	return 0;
}

static void nights_html(struct web_req *r, const struct nights *n)
{
	static const struct { enum dc_glance_verdict v; const char *fr, *en; } rows[] = {
		{ DC_VERDICT_COMPLIANT, "Conformes", "Compliant" },
		{ DC_VERDICT_BREACH, "Avec au moins un écran en infraction", "With a screen in breach" },
		{ DC_VERDICT_PARTIAL, "Sans infraction constatée, écrans d'état inconnu",
		  "No breach seen, screens of unknown state" },
		{ DC_VERDICT_UNKNOWN, "Conformité inconnue (aucun état confirmé)",
		  "Compliance unknown (no confirmed state)" },
		{ DC_VERDICT_NONE, "Sans objet (aucun écran soumis)", "Not applicable (no screen under the rule)" },
	};
	char a[24];
	dc_html(&r->body, "<table class=\"data\" id=\"report-nights\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
		TR("Nuits du mois (extinction de 1 h à 6 h, article R581-35)",
		   "Nights of the month (switch-off from 1 a.m. to 6 a.m., article R581-35)"),
		TR("Verdict", "Verdict"), TR("Nuits", "Nights"));
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		dc_html(&r->body, "<tr><th scope=\"row\">%s</th><td class=\"num\" id=\"nights-%s\">%s</td></tr>\n",
			TR(rows[i].fr, rows[i].en), dc_glance_verdict_name(rows[i].v),
			dc_fmt_num(a, sizeof a, n->count[rows[i].v], 0, r->lang));
	dc_html(&r->body, "<tr class=\"total\"><th scope=\"row\">%s</th><td class=\"num\" id=\"nights-judged\">%s</td></tr>\n"
		"</tbody>\n</table>\n", TR("Nuits écoulées", "Nights past"),
		dc_fmt_num(a, sizeof a, n->judged, 0, r->lang));
	if (n->nbreach) {
		dc_html(&r->body, "<p id=\"report-breaches\">%s ", TR("Nuits en infraction :", "Nights in breach:"));
		for (int i = 0; i < n->nbreach; i++) {
			int y, m, d;
			char date[24], c[24];
			dc_parse_date(n->breach[i], &y, &m, &d);
			dc_html(&r->body, "%s%s (%s %s)", i ? ", " : "",
				dc_fmt_date(date, sizeof date, y, m, d, r->lang),
				dc_fmt_num(c, sizeof c, (double)n->breach_screens[i], 0, r->lang),
				web_plural((double)n->breach_screens[i], "écran", "écrans", "screen", "screens"));
		}
		if (n->count[DC_VERDICT_BREACH] > n->nbreach)
			dc_html(&r->body, "…");
		dc_html(&r->body, "</p>\n");
	}
}

/* This month, the same month a year before, and to date, in one table. */
static void energy_html(struct web_req *r, const struct dc_web_span *cur, const struct dc_web_span *prev,
			const struct dc_web_energy *e, const char *month_label, const char *prev_label)
{
	const struct dc_web_factors *f = &r->w->factors;
	struct dc_web_span to_date = { .rows = !e->empty, .t = e->to_date };
	const struct { const char *id, *label; const struct dc_web_span *s; } rows[] = {
		{ "report-month", month_label, cur },
		{ "report-prev", prev_label, prev },
		{ "report-to-date", TR("Depuis le début des mesures", "Since measuring began"), &to_date },
	};
	dc_html(&r->body, "<table class=\"data\" id=\"report-energy\">\n<caption>%s</caption>\n<thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
		TR("Énergie économisée (mesurée par le registre d'énergie)",
		   "Energy saved (measured by the energy ledger)"),
		TR("Période", "Period"), TR("Économie (kWh)", "Saved (kWh)"),
		TR("Économie (€)", "Saved (EUR)"), TR("Évité (kg CO₂e)", "Avoided (kg CO₂e)"),
		TR("Heures inconnues", "Unknown hours"));
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char a[48], c[48], d[48], u[48];
		double kwh;
		const struct dc_web_span *s = rows[i].s;
		dc_html(&r->body, "<tr id=\"%s\"><th scope=\"row\">%s</th>", rows[i].id, rows[i].label);
		if (!s->rows) {
			dc_html(&r->body, "<td class=\"num saved\">—</td><td class=\"num\">—</td>"
				"<td class=\"num\">—</td><td class=\"num\">—</td></tr>\n");
			continue;
		}
		bool k = dc_web_span_saved(s, &kwh);
		dc_html(&r->body, "<td class=\"num saved\">%s</td><td class=\"num\">%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
			k ? dc_fmt_num(a, sizeof a, kwh, 1, r->lang) : TR("inconnu", "unknown"),
			k && f->eur_per_kwh > 0 ? dc_fmt_num(c, sizeof c, kwh * f->eur_per_kwh, 2, r->lang) : "—",
			k && f->kgco2e_per_kwh > 0 ? dc_fmt_num(d, sizeof d, kwh * f->kgco2e_per_kwh, 1, r->lang) : "—",
			dc_fmt_num(u, sizeof u, (double)s->t.unknown_s / 3600.0, 1, r->lang));
	}
	dc_html(&r->body, "</tbody>\n</table>\n");
}

void page_report(struct web_req *r)
{
	static const char *const params[] = { "month", NULL };
	char today[11], err[256], key[8], label[48], prev_label[48];
	int ty, tm, td, y, m;
	if (web_args_only(r, params) < 0)
		return;
	if (dc_ledger_local_date(&r->w->energy, (int64_t)r->now, today) < 0 ||
	    dc_parse_date(today, &ty, &tm, &td) < 0) {
		web_error(r, 500, TR("Fuseau horaire invalide.", "Invalid time zone."));
		return;
	}
	if (report_month(r, ty, tm, &y, &m) < 0)
		return;
	/* The month's days against the month before; the month against the
	 * same month a year before (cut at today when it is this month). */
	int last = y == ty && m == tm ? td : dc_days_in_month(y, m);
	struct dc_period days[DC_PERIODS_MAX], months[DC_PERIODS_MAX];
	struct dc_web_span dcur[DC_PERIODS_MAX], dprev[DC_PERIODS_MAX], cur, prev;
	int nd = web_energy_periods(r, DC_PERIOD_DAY, y, m, last, days, dcur, dprev);
	if (nd < 0)
		return;
	int nm = dc_periods(DC_PERIOD_MONTH, y, m, last, 0, months);
	struct dc_web_energy e;
	struct dc_glance g;
	struct nights nights;
	if (nm < 1 || web_load_energy(r, &e) < 0)
		return;
	if (dc_web_span_load(r->w->st, months[nm - 1].from, months[nm - 1].to, &cur, err, sizeof err) < 0 ||
	    dc_web_span_load(r->w->st, months[nm - 1].prev_from, months[nm - 1].prev_to, &prev, err,
			     sizeof err) < 0 ||
	    month_nights(r, y, m, &nights, err, sizeof err) < 0 ||
	    dc_glance_load(r->w->st, &r->w->energy, (int64_t)r->now, &g, err, sizeof err) < 0) {
		web_errorf(r, 500, "%s %s", TR("Erreur de lecture du registre d'énergie :",
					      "Error while reading the energy ledger:"), err);
		return;
	}
	snprintf(key, sizeof key, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
	dc_web_month_label(label, sizeof label, key, false);
	snprintf(key, sizeof key, "%04u-%02u", (unsigned)(y - 1) % 10000u, (unsigned)m % 100u);
	dc_web_month_label(prev_label, sizeof prev_label, key, false);
	char title[96];
	snprintf(title, sizeof title, TR("Rapport mensuel, %s", "Monthly report, %s"), label);
	web_page_begin(r, title, "progress");
	dc_html(&r->body, "<div class=\"report\" id=\"report\">\n<h1>%s</h1>\n", title);
	if (y == ty && m == tm)
		dc_html(&r->body, "<p class=\"note\">%s</p>\n",
			TR("Mois en cours : chiffres arrêtés à aujourd'hui, comparés à la même durée "
			   "l'an dernier.",
			   "Month in progress: figures up to today, compared with the same span last year."));
	char shown[8], newest[8];
	snprintf(shown, sizeof shown, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
	snprintf(newest, sizeof newest, "%.7s", today);
	dc_html(&r->body, "<form class=\"filters noprint\" method=\"get\" action=\"/report\"><div>"
		"<label for=\"r-month\">%s</label><input id=\"r-month\" name=\"month\" type=\"month\" "
		"value=\"%s\" max=\"%s\"></div><button type=\"submit\">%s</button></form>\n",
		TR("Mois", "Month"), shown, newest, TR("Afficher", "Show"));
	dc_html(&r->body, "<section aria-labelledby=\"h-r-energy\">\n<h2 id=\"h-r-energy\">%s</h2>\n",
		TR("Énergie", "Energy"));
	energy_html(r, &cur, &prev, &e, label, prev_label);
	web_energy_chart(r, "report-days", TR("Énergie économisée par jour (kWh), à côté du même jour "
					      "du mois précédent",
					      "Energy saved per day (kWh), beside the same day of the "
					      "previous month"),
			 TR("Chaque jour du mois (barre de droite) à côté du même jour du mois "
			    "précédent (barre de gauche) ; « ? » : inconnue. Le total du mois est dans "
			    "le tableau qui précède.",
			    "Each day of the month (right bar) beside the same day of the previous "
			    "month (left bar); \"?\": unknown. The month's total is in the table above."),
			 DC_PERIOD_DAY, nd, days, dcur, dprev);
	dc_html(&r->body, "</section>\n<section aria-labelledby=\"h-r-nights\">\n<h2 id=\"h-r-nights\">%s</h2>\n",
		TR("Conformité des nuits", "Night compliance"));
	nights_html(r, &nights);
	dc_html(&r->body, "</section>\n<section aria-labelledby=\"h-r-plan\">\n<h2 id=\"h-r-plan\">%s</h2>\n",
		TR("Plan de dépose", "Removal plan"));
	dc_glance_targets_html(&r->body, &g, r->lang);
	dc_html(&r->body, "</section>\n</div>\n");
	dc_glance_free(&g);
	web_page_end(r);
	r->cacheable = true;
}
