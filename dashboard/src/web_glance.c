/* web_glance.c — "at a glance" and the paired energy chart, loaded and
 * rendered without a request (web_glance.h); the pages that show them are
 * in web_glance_pages.c. */
#include "web_glance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "web_internal.h"	/* web_plural */
#include "tz.h"

/* ---- loading ------------------------------------------------------------ */

int dc_web_span_load(struct dc_store *st, const char *from, const char *to,
		     struct dc_web_span *out, char *err, size_t errlen)
{
	struct dc_ledger_row *r = NULL;
	size_t n = 0;
	memset(out, 0, sizeof *out);
	if (!from || !*from)
		return 0;
	if (dc_ledger_report(st, from, to, DC_BY_ALL, &r, &n, err, errlen) < 0)
		return -1;
	out->rows = n > 0;
	if (n)
		out->t = r[0].t;
	free(r);
	return 0;
}

bool dc_web_span_saved(const struct dc_web_span *s, double *kwh)
{
	if (!s->rows || s->t.known_s <= 0)
		return false;
	*kwh = dc_en_kwh(dc_en_total_saved(&s->t));
	return true;
}

int dc_glance_load(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		   struct dc_glance *g, char *err, size_t errlen)
{
	char today[11];
	int y, m, d;
	struct dc_period p[DC_PERIODS_MAX];
	memset(g, 0, sizeof *g);
	g->alarms = g->critical = -1;
	if (dc_ledger_local_date(cfg, now, today) < 0 || dc_parse_date(today, &y, &m, &d) < 0) {
		snprintf(err, errlen, TR("fuseau horaire invalide : %s", "invalid time zone: %s"),
			 cfg->zone);
		return -1;
	}
	int n = dc_periods(DC_PERIOD_MONTH, y, m, d, 0, p);
	if (n < 1) {
		snprintf(err, errlen, "%s", today);
		return -1;
	}
	g->month = p[n - 1];
	if (dc_web_span_load(st, g->month.from, g->month.to, &g->cur, err, errlen) < 0 ||
	    dc_web_span_load(st, g->month.prev_from, g->month.prev_to, &g->prev, err, errlen) < 0)
		return -1;

	struct dc_plan_target *t = NULL;
	struct dc_screen *v = NULL;
	size_t nt = 0, nv = 0;
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	if (dc_store_plan_targets(st, &t, &nt) < 0 ||
	    (nt && dc_store_list_screens_array(st, &all, &v, &nv) < 0)) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		free(t);
		return -1;
	}
	g->targets = nt ? calloc(nt, sizeof *g->targets) : NULL;
	if (nt && !g->targets) {
		snprintf(err, errlen, "out of memory");
		free(t);
		free(v);
		return -1;
	}
	for (size_t i = 0; i < nt; i++) {
		g->targets[i].t = t[i];
		g->targets[i].p = dc_plan_measure(v, nv, &t[i]);
	}
	g->ntargets = nt;
	free(t);
	free(v);
	return 0;
}

void dc_glance_free(struct dc_glance *g)
{
	free(g->targets);
	g->targets = NULL;
	g->ntargets = 0;
}

enum dc_glance_verdict dc_glance_verdict(const struct dc_ledger_night_summary *n)
{
	if (n->screens <= 0)
		return DC_VERDICT_NONE;
	if (n->count[DC_CPL_VIOLATION] > 0)
		return DC_VERDICT_BREACH;
	if (n->count[DC_CPL_UNKNOWN] >= n->screens)
		return DC_VERDICT_UNKNOWN;
	if (n->count[DC_CPL_UNKNOWN] > 0)
		return DC_VERDICT_PARTIAL;
	return DC_VERDICT_COMPLIANT;
}

const char *dc_glance_verdict_name(enum dc_glance_verdict v)
{
	static const char *const names[] = { "none", "breach", "unknown", "partial", "compliant" };
	return names[v];
}

/* ---- rendering ---------------------------------------------------------- */

/* "12,5 kWh" and ", soit 3,10 €" when the price is known; "—" without rows,
 * "inconnu" without a known second. */
static void saved_figure(struct dc_buf *b, const struct dc_web_span *s, const char *id,
			 const char *href, const struct dc_web_factors *f, enum dc_lang lang)
{
	char a[48], c[48];
	double kwh;
	if (!s->rows) {
		dc_html(b, "<a class=\"n\" id=\"%s\" href=\"%s\">—</a>", id, href);
		return;
	}
	if (!dc_web_span_saved(s, &kwh)) {
		dc_html(b, "<a class=\"n\" id=\"%s\" href=\"%s\">%s</a>", id, href,
			TR("inconnu", "unknown"));
		return;
	}
	dc_html(b, "<a class=\"n\" id=\"%s\" href=\"%s\">%s kWh</a>", id, href,
		dc_fmt_num(a, sizeof a, kwh, 1, lang));
	if (f->eur_per_kwh > 0)
		/* Cents only where they matter: "0,50 €", "6 331 €". */
		dc_html(b, " <span class=\"eur\">%s</span>",
			dc_fmt_num(c, sizeof c, kwh * f->eur_per_kwh,
				   fabs(kwh * f->eur_per_kwh) < 100 ? 2 : 0, lang));
	if (f->eur_per_kwh > 0)
		dc_buf_puts(b, lang == DC_LANG_EN ? " EUR" : "\u202f€");
}

static const char *span_dates(char *buf, size_t len, const char *from, const char *to,
			      enum dc_lang lang)
{
	int y1, m1, d1, y2, m2, d2;
	char a[24], c[24];
	if (dc_parse_date(from, &y1, &m1, &d1) < 0 || dc_parse_date(to, &y2, &m2, &d2) < 0) {
		snprintf(buf, len, "—");
		return buf;
	}
	snprintf(buf, len, TR("du %s au %s", "%s to %s"), dc_fmt_date(a, sizeof a, y1, m1, d1, lang),
		 dc_fmt_date(c, sizeof c, y2, m2, d2, lang));
	return buf;
}

void dc_glance_targets_html(struct dc_buf *b, const struct dc_glance *g, enum dc_lang lang)
{
	char a[24], c[24], d[24], e[24];
	if (!g->ntargets) {
		dc_html(b, "<p id=\"glance-no-target\">%s</p>\n",
			TR("Le plan n'a pas encore d'objectif de dépose.",
			   "The plan has no removal target yet."));
		return;
	}
	dc_html(b, "<table class=\"data\" id=\"glance-targets\">\n<caption>%s</caption>\n<thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Objectifs du plan : écrans déposés à l'échéance", "Plan targets: screens removed by the date"),
		TR("Échéance", "Due"), TR("Catégorie", "Category"), TR("Objectif", "Target"),
		TR("Déposés", "Removed"), TR("Prévus à temps", "Slated in time"), TR("État", "State"));
	for (size_t i = 0; i < g->ntargets; i++) {
		const struct dc_glance_target *t = &g->targets[i];
		int y, m, dd;
		char date[24], href[64];
		if (dc_parse_date(t->t.date, &y, &m, &dd) == 0)
			dc_fmt_date(date, sizeof date, y, m, dd, lang);
		else
			snprintf(date, sizeof date, "%s", t->t.date);
		/* The list behind the figures: the removal list of that category. */
		if (t->t.category >= 0)
			snprintf(href, sizeof href, "/slated?category=%s",
				 dc_category_name((enum dc_category)t->t.category));
		else
			snprintf(href, sizeof href, "/slated");
		dc_html(b, "<tr data-state=\"%s\"><th scope=\"row\">%s</th><td>%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\"><a href=\"%s\">%s</a></td>"
			"<td class=\"num\"><a href=\"%s\">%s</a></td><td class=\"plan-%s\">%s",
			dc_plan_state_name(t->p.state), date,
			t->t.category < 0 ? TR("Toutes", "All")
					  : dc_category_label((enum dc_category)t->t.category),
			dc_fmt_num(a, sizeof a, t->t.removed, 0, lang), href,
			dc_fmt_num(c, sizeof c, (double)t->p.removed, 0, lang), href,
			dc_fmt_num(d, sizeof d, (double)t->p.slated, 0, lang),
			dc_plan_state_name(t->p.state), dc_plan_state_label(t->p.state));
		if (t->p.state == DC_PLAN_LATE)
			dc_html(b, TR(" (manque %s)", " (%s short)"),
				dc_fmt_num(e, sizeof e, (double)t->p.missing, 0, lang));
		dc_html(b, "</td></tr>\n");
	}
	dc_html(b, "</tbody>\n</table>\n");
}

static void verdict_html(struct dc_buf *b, const struct dc_ledger_night_summary *n, enum dc_lang lang)
{
	char a[24], c[24], d[24];
	enum dc_glance_verdict v = dc_glance_verdict(n);
	int y, m, dd;
	if (dc_parse_date(n->night, &y, &m, &dd) == 0)
		dc_fmt_date(d, sizeof d, y, m, dd, lang);
	else
		snprintf(d, sizeof d, "%s", n->night);
	dc_fmt_num(a, sizeof a, (double)n->screens, 0, lang);
	dc_html(b, "<li id=\"g-night\" data-verdict=\"%s\"><a class=\"n verdict-%s\" href=\"#h-night\">",
		dc_glance_verdict_name(v), dc_glance_verdict_name(v));
	switch (v) {
	case DC_VERDICT_NONE:
		dc_html(b, "%s</a> %s", TR("Sans objet", "Not applicable"),
			TR("aucun écran n'est soumis à l'extinction de 1 h à 6 h",
			   "no screen is under the 1 a.m.–6 a.m. switch-off"));
		dc_html(b, "</li>\n");
		return;
	case DC_VERDICT_BREACH:
		dc_fmt_num(c, sizeof c, (double)n->count[DC_CPL_VIOLATION], 0, lang);
		dc_html(b, "%s %s</a>", c,
			web_plural((double)n->count[DC_CPL_VIOLATION], "écran en infraction",
				   "écrans en infraction", "screen in breach", "screens in breach"));
		break;
	case DC_VERDICT_UNKNOWN:
		dc_html(b, "%s</a>", TR("Conformité inconnue", "Compliance unknown"));
		break;
	case DC_VERDICT_PARTIAL:
		dc_fmt_num(c, sizeof c, (double)n->count[DC_CPL_UNKNOWN], 0, lang);
		dc_html(b, "%s</a> %s %s %s", TR("Aucune infraction constatée", "No breach seen"),
			TR("mais", "but"), c,
			web_plural((double)n->count[DC_CPL_UNKNOWN], "écran d'état inconnu",
				   "écrans d'état inconnu", "screen of unknown state",
				   "screens of unknown state"));
		break;
	case DC_VERDICT_COMPLIANT:
		dc_html(b, "%s</a>", TR("Conforme", "Compliant"));
		break;
	}
	dc_html(b, " — %s %s, %s %s %s</li>\n", TR("nuit du", "night of"), d, TR("sur", "out of"), a,
		web_plural((double)n->screens, "écran soumis à la règle", "écrans soumis à la règle",
			   "screen under the rule", "screens under the rule"));
}

void dc_glance_html(struct dc_buf *b, const struct dc_glance *g, const struct dc_web_energy *e,
		    const struct dc_web_factors *f, enum dc_lang lang)
{
	char a[64], c[64];
	dc_html(b, "<section class=\"glance\" aria-labelledby=\"h-glance\">\n<h2 id=\"h-glance\">%s</h2>\n",
		TR("En bref", "At a glance"));
	if (g->alarms > 0) {
		dc_html(b, "<p class=\"banner\" id=\"glance-alarms\"><a href=\"/tech#alarms\">%s %s</a>",
			dc_fmt_num(a, sizeof a, (double)g->alarms, 0, lang),
			web_plural((double)g->alarms, "alarme active", "alarmes actives", "active alarm",
				   "active alarms"));
		if (g->critical > 0)
			dc_html(b, " (%s %s)", dc_fmt_num(c, sizeof c, (double)g->critical, 0, lang),
				web_plural((double)g->critical, "critique", "critiques", "critical",
					   "critical"));
		dc_html(b, " — %s</p>\n", TR("le poste du technicien les détaille.",
					    "the technician's desk lists them."));
	} else if (g->alarms < 0) {
		dc_html(b, "<p class=\"note\" id=\"glance-alarms\">%s</p>\n",
			TR("Passerelle non connectée : les alarmes ne sont pas connues.",
			   "Gateway not connected: alarms are not known."));
	}
	dc_html(b, "<ul class=\"kpis glance-kpis\">\n<li id=\"g-to-date\">");
	struct dc_web_span to_date = { .rows = !e->empty, .t = e->to_date };
	saved_figure(b, &to_date, "g-saved", "/energy?by=year", f, lang);
	dc_html(b, " %s</li>\n<li id=\"g-month\">", TR("économisés depuis le début des mesures",
						       "saved since measuring began"));
	saved_figure(b, &g->cur, "g-month-saved", "/energy?by=day", f, lang);
	dc_html(b, " %s (%s)<br>%s ", TR("ce mois-ci", "this month"),
		span_dates(a, sizeof a, g->month.from, g->month.to, lang),
		TR("Même période l'an dernier :", "Same period last year:"));
	saved_figure(b, &g->prev, "g-month-prev", "/energy?by=month", f, lang);
	dc_html(b, "</li>\n");
	verdict_html(b, &e->night, lang);
	dc_html(b, "</ul>\n");
	if (f->eur_per_kwh <= 0)
		dc_html(b, "<p class=\"note\">%s</p>\n",
			TR("Prix du kWh non configuré : les euros économisés ne sont pas calculés.",
			   "kWh price not configured: euros saved are not worked out."));
	dc_glance_targets_html(b, g, lang);
	dc_html(b, "<p class=\"noprint\"><a href=\"/energy\">%s</a> · <a href=\"/report\">%s</a></p>\n"
		"</section>\n", TR("Énergie par jour, mois et année", "Energy by day, month and year"),
		TR("Rapport mensuel à imprimer", "Monthly report to print"));
}

/* ---- the paired bar chart ------------------------------------------------ */

enum { PW = 640, PH = 260, PL = 64, PR = 12, PT = 14, PB = 58 };

static double py(double v, double vmin, double vmax)
{
	return PT + (vmax - v) * (PH - PT - PB) / (vmax - vmin);
}

void dc_web_pairs_svg(struct dc_buf *b, const char *id, const char *title, const char *desc,
		      int n, const char *const *labels, const double *cur, const double *prev,
		      enum dc_lang lang)
{
	double vmin = 0, vmax = 0;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			double v = k ? prev[i] : cur[i];
			if (isnan(v))
				continue;
			vmax = v > vmax ? v : vmax;
			vmin = v < vmin ? v : vmin;
		}
	if (vmax - vmin < 1e-9)
		vmax = vmin + 1;
	char t[32];
	dc_html(b, "<svg class=\"chart pairs\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-labelledby=\"%s-title %s-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<title id=\"%s-title\">%s</title><desc id=\"%s-desc\">%s</desc>\n",
		PW, PH, id, id, id, title, id, desc);
	double y0 = py(0, vmin, vmax);
	int dec = vmax - vmin < 10 ? 1 : 0;
	dc_buf_printf(b, "<path class=\"axis\" d=\"M%d %d V%d\"/><path class=\"axis\" d=\"M%d %.1f H%d\"/>\n",
		      PL, PT, PH - PB, PL, y0, PW - PR);
	dc_html(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", PL - 6,
		PT + 10, dc_fmt_num(t, sizeof t, vmax, dec, lang));
	dc_buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>\n",
		      PL - 6, y0 + 4);
	double slot = (double)(PW - PL - PR) / (n > 0 ? n : 1), bw = slot * 0.38;
	/* With many periods, every other label (phones: every fourth) keeps them apart. */
	int step = n > 16 ? 2 : 1;
	for (int i = 0; i < n; i++) {
		double x = PL + slot * i + slot * 0.1, mid = PL + slot * (i + 0.5);
		for (int k = 0; k < 2; k++) {
			double v = k ? cur[i] : prev[i];
			double bx = x + k * bw;
			if (isnan(v)) {
				dc_buf_printf(b, "<text class=\"unknown\" x=\"%.1f\" y=\"%.1f\" "
					      "text-anchor=\"middle\">?</text>\n", bx + bw / 2, y0 - 4);
				continue;
			}
			double top = py(v > 0 ? v : 0, vmin, vmax), bot = py(v < 0 ? v : 0, vmin, vmax);
			dc_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				      "height=\"%.1f\"/>\n", k ? (v < 0 ? "lost" : "saved") : "prev", bx,
				      top, bw, bot - top > 0.5 ? bot - top : 0.5);
		}
		if (i % step == 0 || i == n - 1)
			dc_html(b, "<text class=\"tick%r\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				(n - 1 - i) % (2 * step) ? " odd" : "", (int)(mid + 0.5), PH - PB + 18,
				labels[i]);
	}
	/* The legend: which bar is which. */
	dc_html(b, "<rect class=\"saved\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\"/>"
		"<text x=\"%d\" y=\"%d\">%s</text>", PL, PH - 18, PL + 20, PH - 6,
		TR("période", "period"));
	dc_html(b, "<rect class=\"prev\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\"/>"
		"<text x=\"%d\" y=\"%d\">%s</text>\n</svg>\n", PL + 200, PH - 18, PL + 220, PH - 6,
		TR("période précédente", "previous period"));
}

