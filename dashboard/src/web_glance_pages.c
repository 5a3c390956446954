/* web_glance_pages.c — the pages around web_glance.c: the glance on the
 * home page, /energy by day, month and year, and the line naming the
 * commune and the data's date in every page's header and footer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"
#include "web_internal.h"

/* ---- the layout's context line ------------------------------------------- */

void web_context_line(struct web_req *r)
{
	char d[32];
	struct dc_ymd t = web_today(r->now);
	if (r->w->commune && *r->w->commune)
		dc_html(&r->body, "<span class=\"commune\">%s</span> · ", r->w->commune);
	dc_html(&r->body, "<span class=\"data-date\">%s %s</span>", TR("données du", "data as of"),
		dc_fmt_date(d, sizeof d, t.y, t.m, t.d, r->lang));
}

/* ---- pages --------------------------------------------------------------- */

void web_glance_section(struct web_req *r, const struct dc_web_energy *e)
{
	struct dc_glance g;
	char err[256];
	if (dc_glance_load(r->w->st, &r->w->energy, (int64_t)r->now, &g, err, sizeof err) < 0) {
		dc_html(&r->body, "<p class=\"error\">%s %s</p>\n",
			TR("Erreur de lecture du registre d'énergie :", "Error while reading the energy ledger:"),
			err);
		return;
	}
	struct dc_web_alarm *al = NULL;
	size_t nal = 0;
	if (r->w->hooks.list_alarms && r->w->hooks.list_alarms(r->w->hooks.arg, &al, &nal) == 0) {
		g.alarms = g.critical = 0;
		for (size_t i = 0; i < nal; i++)
			if (al[i].active) {
				g.alarms++;
				g.critical += strcmp(al[i].severity, "critical") == 0;
			}
		free(al);
	}
	dc_glance_html(&r->body, &g, e, &r->w->factors, r->lang);
	dc_glance_free(&g);
}

int64_t web_alarms_fingerprint(struct dc_web *w)
{
	struct dc_web_alarm *al = NULL;
	size_t n = 0;
	if (!w->hooks.list_alarms || w->hooks.list_alarms(w->hooks.arg, &al, &n) < 0)
		return -1;
	int64_t h = 0;
	for (size_t i = 0; i < n; i++)
		if (al[i].active)
			h = h * 1000003 + al[i].at * 31 + (al[i].severity[0] == 'c');
	free(al);
	return h;
}

/* The label of a period on the chart and in the table. */
static const char *period_label(char *buf, size_t len, enum dc_period_by by, const char *key,
				bool abbrev, enum dc_lang lang)
{
	int y, m, d;
	if (by == DC_PERIOD_MONTH)
		return dc_web_month_label(buf, len, key, abbrev);
	if (by == DC_PERIOD_DAY && dc_parse_date(key, &y, &m, &d) == 0) {
		if (abbrev)
			snprintf(buf, len, "%d", d);
		else
			dc_fmt_date(buf, len, y, m, d, lang);
		return buf;
	}
	snprintf(buf, len, "%s", key);
	return buf;
}

/* A saved-kWh cell: the figure, "inconnu" (no known second) or "—" (no row). */
static void span_cell(struct dc_buf *b, const struct dc_web_span *s, const char *cls,
		      const struct dc_web_factors *f, enum dc_lang lang)
{
	char a[48], c[48];
	double kwh;
	if (!s->rows)
		dc_html(b, "<td class=\"num %s\">—</td><td class=\"num\">—</td>", cls);
	else if (!dc_web_span_saved(s, &kwh))
		dc_html(b, "<td class=\"unknown %s\">%s</td><td class=\"num\">—</td>", cls,
			TR("inconnu", "unknown"));
	else
		dc_html(b, "<td class=\"num %s\">%s</td><td class=\"num\">%s</td>", cls,
			dc_fmt_num(a, sizeof a, kwh, 1, lang),
			f->eur_per_kwh > 0 ? dc_fmt_num(c, sizeof c, kwh * f->eur_per_kwh, 2, lang) : "—");
}

/* Years the view by year shows: from the ledger's first month to this year. */
static int ledger_years(struct dc_store *st, const char *today, int y)
{
	struct dc_ledger_row *rows = NULL;
	size_t n = 0;
	char err[128];
	int first = y;
	if (dc_ledger_report(st, NULL, today, DC_BY_MONTH, &rows, &n, err, sizeof err) == 0 && n)
		sscanf(rows[0].key, "%d", &first);
	free(rows);
	int years = y - first + 1;
	return years < 1 ? 1 : years > DC_PERIOD_YEARS_MAX ? DC_PERIOD_YEARS_MAX : years;
}

int web_energy_periods(struct web_req *r, enum dc_period_by by, int y, int m, int d,
		       struct dc_period *p, struct dc_web_span *cur, struct dc_web_span *prev)
{
	char today[11], err[256];
	snprintf(today, sizeof today, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
	int n = dc_periods(by, y, m, d, by == DC_PERIOD_YEAR ? ledger_years(r->w->st, today, y) : 0, p);
	for (int i = 0; i < n; i++)
		if (dc_web_span_load(r->w->st, p[i].from, p[i].to, &cur[i], err, sizeof err) < 0 ||
		    dc_web_span_load(r->w->st, p[i].prev_from, p[i].prev_to, &prev[i], err,
				     sizeof err) < 0) {
			web_errorf(r, 500, "%s %s", TR("Erreur de lecture du registre d'énergie :",
						      "Error while reading the energy ledger:"), err);
			return -1;
		}
	return n;
}

void web_energy_table(struct web_req *r, const char *id, const char *caption, enum dc_period_by by,
		      int n, const struct dc_period *p, const struct dc_web_span *cur,
		      const struct dc_web_span *prev)
{
	const struct dc_web_factors *f = &r->w->factors;
	dc_html(&r->body, "<table class=\"data\" id=\"%s\">\n<caption>%s</caption>\n<thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"</tr></thead>\n<tbody>\n", id, caption, TR("Période", "Period"),
		TR("Économie (kWh)", "Saved (kWh)"), TR("Économie (€)", "Saved (EUR)"),
		TR("Période précédente", "Previous period"), TR("Économie (kWh)", "Saved (kWh)"),
		TR("Économie (€)", "Saved (EUR)"));
	for (int i = 0; i < n; i++) {
		char a[48], c[48];
		period_label(a, sizeof a, by, p[i].key, false, r->lang);
		dc_html(&r->body, "<tr data-period=\"%s\"><th scope=\"row\">%s%s</th>", p[i].key, a,
			p[i].partial ? TR(" (en cours)", " (so far)") : "");
		span_cell(&r->body, &cur[i], "saved", f, r->lang);
		if (p[i].prev_key[0])
			dc_html(&r->body, "<td>%s</td>",
				period_label(c, sizeof c, by, p[i].prev_key, false, r->lang));
		else
			dc_html(&r->body, "<td>%s</td>", TR("aucune (jour absent)", "none (no such day)"));
		span_cell(&r->body, &prev[i], "prev", f, r->lang);
		dc_html(&r->body, "</tr>\n");
	}
	dc_html(&r->body, "</tbody>\n</table>\n");
}

void web_energy_chart(struct web_req *r, const char *id, const char *title, const char *desc,
		      enum dc_period_by by, int n, const struct dc_period *p, const struct dc_web_span *cur,
		      const struct dc_web_span *prev)
{
	char labels[DC_PERIODS_MAX][32];
	const char *lp[DC_PERIODS_MAX];
	double c[DC_PERIODS_MAX], pv[DC_PERIODS_MAX];
	for (int i = 0; i < n; i++) {
		lp[i] = period_label(labels[i], sizeof labels[i], by, p[i].key, true, r->lang);
		if (!dc_web_span_saved(&cur[i], &c[i]))
			c[i] = NAN;
		if (!dc_web_span_saved(&prev[i], &pv[i]))
			pv[i] = NAN;
	}
	dc_web_pairs_svg(&r->body, id, title, desc, n, lp, c, pv, r->lang);
}

void page_energy(struct web_req *r)
{
	static const char *const params[] = { "by", NULL };
	static const char *const bys[] = { "day", "month", "year", NULL };
	int by;
	if (web_args_only(r, params) < 0 || web_arg_enum(r, "by", bys, DC_PERIOD_MONTH, &by) < 0)
		return;
	char today[11];
	int y, m, d;
	if (dc_ledger_local_date(&r->w->energy, (int64_t)r->now, today) < 0 ||
	    dc_parse_date(today, &y, &m, &d) < 0) {
		web_error(r, 500, TR("Fuseau horaire invalide.", "Invalid time zone."));
		return;
	}
	struct dc_period p[DC_PERIODS_MAX];
	struct dc_web_span cur[DC_PERIODS_MAX], prev[DC_PERIODS_MAX];
	int n = web_energy_periods(r, (enum dc_period_by)by, y, m, d, p, cur, prev);
	if (n < 0)
		return;
	static const struct { const char *fr, *en, *nav_fr, *nav_en; } v[] = {
		{ "Énergie économisée par jour, ce mois-ci, à côté du mois précédent",
		  "Energy saved per day this month, beside the previous month", "Par jour", "By day" },
		{ "Énergie économisée par mois, cette année, à côté de l'année précédente",
		  "Energy saved per month this year, beside the previous year", "Par mois", "By month" },
		{ "Énergie économisée par année, à côté de l'année précédente",
		  "Energy saved per year, beside the year before", "Par année", "By year" },
	};
	web_page_begin(r, TR(v[by].fr, v[by].en), "progress");
	dc_html(&r->body, "<h1>%s</h1>\n<nav class=\"views noprint\" aria-label=\"%s\"><ul>",
		TR(v[by].fr, v[by].en), TR("Vues", "Views"));
	for (int k = 0; k < 3; k++)
		dc_html(&r->body, "<li><a href=\"/energy?by=%s\"%r>%s</a></li>", bys[k],
			k == by ? " aria-current=\"page\"" : "", TR(v[k].nav_fr, v[k].nav_en));
	dc_html(&r->body, "</ul></nav>\n<p class=\"note\">%s</p>\n",
		TR("Mesuré par le registre d'énergie. La période en cours est comparée à la même "
		   "durée de la période précédente. « — » : pas de données pour cette période ; "
		   "« inconnu » : aucun état confirmé, ni consommation ni économie comptées.",
		   "Measured by the energy ledger. The running period is compared with the same "
		   "span of the previous one. \"—\": no data for that period; \"unknown\": no "
		   "confirmed state, neither consumption nor saving counted."));
	web_energy_chart(r, "energy-pairs", TR(v[by].fr, v[by].en),
			 TR("Énergie économisée (kWh) par période, chacune à droite de la période "
			    "précédente ; « ? » : inconnue. Les données sont dans le tableau qui suit.",
			    "Energy saved (kWh) per period, each right of the previous period; "
			    "\"?\": unknown. The data is in the table that follows."),
			 (enum dc_period_by)by, n, p, cur, prev);
	web_energy_table(r, "energy-periods", TR(v[by].fr, v[by].en), (enum dc_period_by)by, n, p,
			 cur, prev);
	web_page_end(r);
	r->cacheable = true;
}
