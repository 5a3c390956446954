/* web_compliance.c — the legal night rule, night by night, screen by screen:
 *
 *   /compliance[?night=YYYY-MM-DD]   the screens behind each count, with why
 *   /compliance.csv?night=...        the same rows, RFC 4180
 *   /compliance/history[?nights=N]   the last N nights' counts
 *
 * One truth: every figure comes from dc_ledger_night_summary, the function
 * `decran report compliance` prints (the ledger's confirmed states against
 * the engine's night allowances, lib/compliance), never from a copy of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define HISTORY_DEFAULT 30
#define HISTORY_MAX 92

struct cpl_row {
	char id[DC_ID_MAX];
	char name[128];
	struct dc_cpl_night n;
};

struct cpl_night {
	struct dc_ledger_night_summary sum;
	struct cpl_row *row;
	size_t n, cap;
	bool oom;
};

static int collect(const struct dc_screen *s, const struct dc_cpl_night *n, void *arg)
{
	struct cpl_night *c = arg;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct cpl_row *p = realloc(c->row, cap * sizeof *p);
		if (!p) {
			c->oom = true;
			return -1;
		}
		c->row = p;
		c->cap = cap;
	}
	struct cpl_row *r = &c->row[c->n++];
	snprintf(r->id, sizeof r->id, "%s", s->id);
	snprintf(r->name, sizeof r->name, "%s", s->name);
	r->n = *n;
	return 0;
}

/* "YYYY-MM-DD" moved by delta days. */
static void shift_day(const char *iso, int delta, char out[11])
{
	int y, m, d;
	if (dc_parse_date(iso, &y, &m, &d) < 0) {
		snprintf(out, 11, "%s", iso);
		return;
	}
	dc_civil_from_days(dc_days_from_civil(y, m, d) + delta, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13u, (unsigned)d % 32u);
}

/* The night asked for (?night=, default last night), checked: a date, and
 * one whose window has ended.  -1 after rendering a 400. */
static int night_arg(struct web_req *r, char night[11], char last[11])
{
	const char *q;
	int y, m, d;
	if (dc_ledger_last_night(&r->w->energy, (int64_t)r->now, last) < 0) {
		web_error(r, 500, TR("Fuseau du registre d'énergie invalide.",
				     "Invalid energy ledger zone."));
		return -1;
	}
	if (web_arg_text(r, "night", 10, &q) < 0)
		return -1;
	if (!q) {
		snprintf(night, 11, "%s", last);
		return 0;
	}
	if (strlen(q) != 10 || dc_parse_date(q, &y, &m, &d) < 0 || y < 2000) {
		web_error(r, 400, TR("Paramètre « night » invalide dans l'adresse : date AAAA-MM-JJ "
				     "attendue.",
				     "Invalid parameter 'night' in the query string: date YYYY-MM-DD "
				     "expected."));
		return -1;
	}
	if (strcmp(q, last) > 0) {
		web_errorf(r, 400, TR("Paramètre « night » invalide : cette nuit n'est pas encore "
				      "terminée (la dernière est celle du %s).",
				      "Invalid parameter 'night': that night has not ended yet (the "
				      "last one is %s)."), last);
		return -1;
	}
	snprintf(night, 11, "%s", q);
	return 0;
}

static int load_night(struct web_req *r, const char *night, struct cpl_night *c, bool rows)
{
	char err[256];
	const struct dc_rules *rules = r->w->hooks.rules ? r->w->hooks.rules(r->w->hooks.arg) : NULL;
	memset(c, 0, sizeof *c);
	if (dc_ledger_night_summary(r->w->st, &r->w->energy, rules, night, (int64_t)r->now,
				    rows ? collect : NULL, c, &c->sum, err, sizeof err) < 0 || c->oom) {
		free(c->row);
		c->row = NULL;
		web_errorf(r, 500, "%s %s", TR("Erreur de lecture du registre d'énergie :",
					       "Error while reading the energy ledger:"),
			   c->oom ? "out of memory" : err);
		return -1;
	}
	return 0;
}

/* The lists of the page, in the order a reader looks for them: breaches
 * first, then unknown by cause, then what is lawful. */
struct group {
	const char *key;	/* anchor and ?list= value */
	enum dc_cpl_verdict v;
	int cause;		/* unknown: dc_en_cause; else -1 */
	const char *fr, *en;
};

static const struct group groups[] = {
	{ "violation", DC_CPL_VIOLATION, -1, "En infraction : allumés sans dérogation ni exception",
	  "In breach: on with no derogation nor exception" },
	{ "unknown-unconfirmed", DC_CPL_UNKNOWN, DC_EN_UNCONFIRMED,
	  "Inconnus : état non confirmé par le boîtier", "Unknown: state not confirmed by the box" },
	{ "unknown-offline", DC_CPL_UNKNOWN, DC_EN_OFFLINE, "Inconnus : boîtier hors ligne",
	  "Unknown: box offline" },
	{ "unknown-no_box", DC_CPL_UNKNOWN, DC_EN_NO_BOX, "Inconnus : écran sans boîtier",
	  "Unknown: screen with no box" },
	{ "derogation", DC_CPL_DEROGATION, -1, "Allumés sous dérogation (arrêté)",
	  "On under a derogation (order)" },
	{ "exception", DC_CPL_EXCEPTION, -1,
	  "Exception : mobilier de transport en service, images fixes",
	  "Exception: transport furniture in service, fixed images" },
	{ "compliant", DC_CPL_COMPLIANT, -1, "Conformes : éteints ou déposés",
	  "Compliant: off or removed" },
};
#define NGROUPS (sizeof groups / sizeof groups[0])

static bool in_group(const struct group *g, const struct dc_cpl_night *n)
{
	return n->verdict == g->v && (g->cause < 0 || (int)dc_cpl_unknown_cause(n) == g->cause);
}

static long group_count(const struct group *g, const struct dc_ledger_night_summary *s)
{
	return g->cause < 0 ? s->count[g->v] : s->unknown_by[g->cause];
}

static void minutes_cell(struct web_req *r, const char *cls, int64_t s)
{
	char a[32];
	dc_html(&r->body, "<td class=\"num %s\">%s</td>", cls,
		web_num(a, sizeof a, (double)dc_cpl_minutes(s), 0, r->lang));
}

static void group_table(struct web_req *r, const char *night, const struct group *g,
			const struct cpl_night *c, long page)
{
	char a[32], why[DC_CPL_EXPLAIN_MAX];
	long total = group_count(g, &c->sum), first = (page - 1) * WEB_PER_PAGE, k = 0;
	/* The section stays unnamed: its table's scroll region carries the
	 * heading's name, and two landmarks may not share one. */
	dc_html(&r->body, "<section class=\"cpl-group\">\n"
		"<h2 id=\"h-%s\">%s (%s)</h2>\n", g->key, TR(g->fr, g->en),
		web_num(a, sizeof a, (double)total, 0, r->lang));
	if (!total) {
		dc_html(&r->body, "<p>%s</p>\n</section>\n", TR("Aucun écran.", "No screen."));
		return;
	}
	dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"h-%s\">"
		"<table class=\"data cpl\" id=\"list-%s\">\n<caption>%s</caption>\n<thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		g->key, g->key, TR("Minutes entre 01:00 et 06:00, arrondies à la minute supérieure",
				   "Minutes between 01:00 and 06:00, rounded up"),
		TR("Écran", "Screen"), TR("Allumé sans cause", "On, no cause"),
		TR("Sous dérogation", "Derogation"), TR("Exception", "Exception"),
		TR("Inconnu", "Unknown"), TR("Explication", "Explanation"));
	for (size_t i = 0; i < c->n; i++) {
		const struct cpl_row *row = &c->row[i];
		if (!in_group(g, &row->n))
			continue;
		if (k++ < first || k > first + WEB_PER_PAGE)
			continue;
		dc_cpl_explain(&row->n, r->lang, why, sizeof why);
		dc_html(&r->body, "<tr data-screen=\"%s\" data-verdict=\"%s\"><th scope=\"row\">"
			"<a href=\"/screen/%u\">%s</a> <small>%s</small></th>", row->id,
			dc_cpl_verdict_name(row->n.verdict), row->id, row->name, row->id);
		minutes_cell(r, "violation", row->n.violation_s);
		minutes_cell(r, "derogation", row->n.derogation_s);
		minutes_cell(r, "exception", row->n.exception_s);
		minutes_cell(r, "unknown", row->n.unknown_s);
		dc_html(&r->body, "<td class=\"why\">%s</td></tr>\n", why);
	}
	dc_html(&r->body, "</tbody>\n</table></div>\n");
	if (total > WEB_PER_PAGE) {
		long pages = (total + WEB_PER_PAGE - 1) / WEB_PER_PAGE;
		dc_html(&r->body, "<nav class=\"pages\" aria-label=\"%s\"><p>", TR(g->fr, g->en));
		for (long p = 1; p <= pages; p++) {
			snprintf(a, sizeof a, "%ld", p);
			if (p == page)
				dc_html(&r->body, " <span aria-current=\"page\">%s</span>", a);
			else
				dc_html(&r->body, " <a href=\"/compliance?night=%u&amp;list=%u&amp;page=%u\">%s</a>",
					night, g->key, a, a);
		}
		dc_html(&r->body, "</p></nav>\n");
	}
	dc_html(&r->body, "</section>\n");
}

static void summary_table(struct web_req *r, const char *night, const struct cpl_night *c,
			  const char *only)
{
	char a[32];
	dc_html(&r->body, "<table class=\"data\" id=\"cpl-summary\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead>\n"
		"<tbody>\n", TR("Écrans soumis à la règle, par verdict", "Screens under the rule, by verdict"),
		TR("Verdict", "Verdict"), TR("Écrans", "Screens"));
	for (size_t i = 0; i < NGROUPS; i++) {
		const struct group *g = &groups[i];
		long n = group_count(g, &c->sum);
		web_num(a, sizeof a, (double)n, 0, r->lang);
		dc_html(&r->body, "<tr><th scope=\"row\">%s</th><td class=\"num\" id=\"count-%s\">",
			TR(g->fr, g->en), g->key);
		if (n && only)
			dc_html(&r->body, "<a href=\"/compliance?night=%u#h-%s\">%s</a>", night, g->key, a);
		else if (n)
			dc_html(&r->body, "<a href=\"#h-%s\">%s</a>", g->key, a);
		else
			dc_html(&r->body, "%s", a);
		dc_html(&r->body, "</td></tr>\n");
	}
	dc_html(&r->body, "<tr class=\"total\"><th scope=\"row\">%s</th><td class=\"num\" "
		"id=\"count-screens\">%s</td></tr>\n</tbody>\n</table>\n", TR("Total", "Total"),
		web_num(a, sizeof a, (double)c->sum.screens, 0, r->lang));
}

void page_compliance(struct web_req *r)
{
	static const char *const params[] = { "night", "list", "page", NULL };
	static const char *keys[NGROUPS + 1];
	char night[11], last[11], prev[11], next[11], d1[32], d2[32], w[32];
	int list;
	long page;
	for (size_t i = 0; i < NGROUPS; i++)
		keys[i] = groups[i].key;
	if (web_args_only(r, params) < 0 || night_arg(r, night, last) < 0 ||
	    web_arg_enum(r, "list", keys, -1, &list) < 0 ||
	    web_arg_int(r, "page", 1, 100000, 1, &page) < 0)
		return;
	struct cpl_night c;
	if (load_night(r, night, &c, true) < 0)
		return;
	shift_day(night, -1, prev);
	shift_day(night, 1, next);
	web_page_begin(r, TR("Conformité à la règle de nuit", "Night rule compliance"), "compliance");
	dc_html(&r->body, "<h1>%s</h1>\n", TR("Conformité à la règle de nuit (01:00–06:00)",
					      "Night rule compliance (01:00–06:00)"));
	web_num(w, sizeof w, (double)(c.sum.window_s / 60), 0, r->lang);
	dc_html(&r->body, "<p id=\"night-window\">");
	dc_html(&r->body, TR("Nuit du %s au %s : fenêtre légale de 01:00 à 06:00, heure locale "
			     "(%s min). Article R581-35 du Code de l'environnement : la publicité "
			     "lumineuse est éteinte, sauf exception (aéroports, mobilier de transport "
			     "en service à images fixes) ou dérogation.",
			     "Night of %s to %s: legal window from 01:00 to 06:00, local time (%s "
			     "min). Article R581-35 of the Environment Code: luminous advertising is "
			     "off, except by exception (airports, transport furniture in service with "
			     "fixed images) or derogation."),
		web_fmt_date(d1, sizeof d1, night, r->lang), web_fmt_date(d2, sizeof d2, next, r->lang), w);
	dc_html(&r->body, "</p>\n<nav aria-label=\"%s\" class=\"nights\"><ul>"
		"<li><a href=\"/compliance?night=%u\" rel=\"prev\">%s</a></li>",
		TR("Autres nuits", "Other nights"), prev, TR("Nuit précédente", "Previous night"));
	if (strcmp(night, last) < 0)
		dc_html(&r->body, "<li><a href=\"/compliance?night=%u\" rel=\"next\">%s</a></li>", next,
			TR("Nuit suivante", "Next night"));
	dc_html(&r->body, "<li><a href=\"/compliance/history\">%s</a></li>"
		"<li><a href=\"/compliance.csv?night=%u\" download>%s</a></li></ul></nav>\n",
		TR("Historique des nuits", "History of nights"), night,
		TR("Télécharger cette nuit (CSV)", "Download this night (CSV)"));
	if (!c.sum.screens)
		dc_html(&r->body, "<p id=\"night-none\">%s</p>\n",
			TR("Aucun écran de l'inventaire n'est soumis à la règle (publicité lumineuse, "
			   "mobilier de transport).",
			   "No screen of the inventory is under the rule (luminous advertising, "
			   "transport furniture)."));
	summary_table(r, night, &c, list >= 0 ? groups[list].key : NULL);
	dc_html(&r->body, "<p>%s</p>\n", TR("Le temps dont l'état n'est pas confirmé est compté à "
					    "part, jamais comme conforme ni comme infraction. Chaque "
					    "écran mène à sa fiche, qui explique sa règle.",
					    "Time whose state is not confirmed is counted apart, never "
					    "as compliant nor as a breach. Each screen leads to its "
					    "page, which explains its rule."));
	for (size_t i = 0; i < NGROUPS; i++)
		if (list < 0 || (size_t)list == i)
			group_table(r, night, &groups[i], &c, list < 0 ? 1 : page);
	web_page_end(r);
	r->cacheable = true;
	free(c.row);
}

void page_compliance_csv(struct web_req *r)
{
	static const char *const params[] = { "night", NULL };
	static const char *const cols[] = {
		"night", "screen", "name", "verdict", "unknown_cause", "window_min", "on_min",
		"violation_min", "derogation_min", "exception_min", "unknown_min", "explanation",
	};
	char night[11], last[11], why[DC_CPL_EXPLAIN_MAX];
	if (web_args_only(r, params) < 0 || night_arg(r, night, last) < 0)
		return;
	struct cpl_night c;
	if (load_night(r, night, &c, true) < 0)
		return;
	struct dc_buf *b = &r->body;
	r->ctype = "text/csv; charset=utf-8";
	r->disposition = "attachment; filename=\"decran-conformite-nuit.csv\"";
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
		dc_buf_printf(b, "%s%s", i ? "," : "", cols[i]);
	dc_buf_puts(b, "\r\n");
	/* In the page's order: breaches first, unknown by cause, lawful last. */
	for (size_t gi = 0; gi < NGROUPS; gi++)
		for (size_t i = 0; i < c.n; i++) {
			const struct cpl_row *row = &c.row[i];
			const struct dc_cpl_night *n = &row->n;
			if (!in_group(&groups[gi], n))
				continue;
			dc_cpl_explain(n, r->lang, why, sizeof why);
			dc_buf_printf(b, "%s,", night);
			dc_esc_csv(b, row->id);
			dc_buf_puts(b, ",");
			dc_esc_csv(b, row->name);
			dc_buf_printf(b, ",%s,%s,%lld,%lld,%lld,%lld,%lld,%lld,",
				      dc_cpl_verdict_name(n->verdict),
				      n->verdict == DC_CPL_UNKNOWN ? dc_en_cause_name(dc_cpl_unknown_cause(n)) : "",
				      (long long)(n->window_s / 60),
				      (long long)dc_cpl_minutes(n->derogation_s + n->exception_s + n->violation_s),
				      (long long)dc_cpl_minutes(n->violation_s),
				      (long long)dc_cpl_minutes(n->derogation_s),
				      (long long)dc_cpl_minutes(n->exception_s),
				      (long long)dc_cpl_minutes(n->unknown_s));
			dc_esc_csv(b, why);
			dc_buf_puts(b, "\r\n");
		}
	r->cacheable = true;
	free(c.row);
}

void page_compliance_history(struct web_req *r)
{
	static const char *const params[] = { "nights", NULL };
	char last[11], night[11], d[32], a[32];
	long nights;
	if (web_args_only(r, params) < 0 ||
	    web_arg_int(r, "nights", 1, HISTORY_MAX, HISTORY_DEFAULT, &nights) < 0)
		return;
	if (dc_ledger_last_night(&r->w->energy, (int64_t)r->now, last) < 0) {
		web_error(r, 500, TR("Fuseau du registre d'énergie invalide.",
				     "Invalid energy ledger zone."));
		return;
	}
	struct dc_ledger_night_summary *s = calloc((size_t)nights, sizeof *s);
	if (!s) {
		web_error(r, 500, "out of memory");
		return;
	}
	for (long i = 0; i < nights; i++) {
		struct cpl_night c;
		shift_day(last, (int)-i, night);
		if (load_night(r, night, &c, false) < 0) {
			free(s);
			return;
		}
		s[i] = c.sum;
	}
	web_page_begin(r, TR("Historique de la règle de nuit", "Night rule history"), "compliance");
	dc_html(&r->body, "<h1>%s</h1>\n<p>", TR("Règle de nuit : historique des nuits",
						  "Night rule: history of nights"));
	dc_html(&r->body, TR("Les %s dernières nuits, de la plus récente à la plus ancienne. Chaque "
			     "nuit mène à la liste de ses écrans.",
			     "The last %s nights, newest first. Each night leads to the list of its "
			     "screens."), web_num(a, sizeof a, (double)nights, 0, r->lang));
	dc_html(&r->body, "</p>\n<p><a href=\"/compliance/history?nights=%d\">%s</a> · "
		"<a href=\"/compliance/history?nights=%d\">%s</a></p>\n", 7,
		TR("7 nuits", "7 nights"), HISTORY_MAX, TR("3 mois", "3 months"));
	dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"cpl-hist-cap\">"
		"<table class=\"data\" id=\"cpl-history\">\n<caption id=\"cpl-hist-cap\">%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th></tr></thead>\n<tbody>\n",
		TR("Écrans soumis à la règle, par nuit et par verdict",
		   "Screens under the rule, by night and verdict"),
		TR("Nuit du", "Night of"), TR("Écrans", "Screens"), TR("Infractions", "Breaches"),
		TR("Inconnus", "Unknown"), TR("Dérogations", "Derogations"),
		TR("Exceptions", "Exceptions"), TR("Conformes", "Compliant"));
	static const enum dc_cpl_verdict order[] = { DC_CPL_VIOLATION, DC_CPL_UNKNOWN,
						     DC_CPL_DEROGATION, DC_CPL_EXCEPTION,
						     DC_CPL_COMPLIANT };
	for (long i = 0; i < nights; i++) {
		dc_html(&r->body, "<tr data-night=\"%s\"><th scope=\"row\"><a href=\"/compliance?night=%u\">"
			"%s</a></th>", s[i].night, s[i].night,
			web_fmt_date(d, sizeof d, s[i].night, r->lang));
		dc_html(&r->body, "<td class=\"num screens\">%s</td>",
			web_num(a, sizeof a, (double)s[i].screens, 0, r->lang));
		for (size_t k = 0; k < sizeof order / sizeof *order; k++)
			dc_html(&r->body, "<td class=\"num %s\">%s</td>", dc_cpl_verdict_name(order[k]),
				web_num(a, sizeof a, (double)s[i].count[order[k]], 0, r->lang));
		dc_html(&r->body, "</tr>\n");
	}
	dc_html(&r->body, "</tbody>\n</table></div>\n");
	web_page_end(r);
	r->cacheable = true;
	free(s);
}
