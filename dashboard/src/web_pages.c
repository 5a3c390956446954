/* web_pages.c — the public pages: the plan's progress and one screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "web_internal.h"
#include "web_schedule.h"

struct dc_ymd web_today(time_t now)
{
	struct tm tm;
	localtime_r(&now, &tm);
	return (struct dc_ymd){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

long web_today_days(time_t now)
{
	struct dc_ymd t = web_today(now);
	return dc_days_from_civil(t.y, t.m, t.d);
}

const char *web_fmt_date(char *buf, size_t len, const char *iso, enum dc_lang lang)
{
	long days;
	int y, m, d;
	if (!dc_date_days(iso, &days)) {
		snprintf(buf, len, "%s", iso ? iso : "");
		return buf;
	}
	dc_civil_from_days(days, &y, &m, &d);
	return dc_fmt_date(buf, len, y, m, d, lang);
}

const char *web_fmt_time(char *buf, size_t len, int64_t t, enum dc_lang lang)
{
	if (t <= 0) {
		snprintf(buf, len, "—");
		return buf;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	char date[24];
	localtime_r(&tt, &tm);
	dc_fmt_date(date, sizeof date, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, lang);
	snprintf(buf, len, "%s %02d:%02d", date, tm.tm_hour, tm.tm_min);
	return buf;
}

const char *web_num(char *buf, size_t len, double v, int decimals, enum dc_lang lang)
{
	return dc_fmt_num(buf, len, v, decimals, lang);
}

const char *web_watts(char *buf, size_t len, double w, enum dc_lang lang)
{
	char n[32];
	if (w <= 0)
		snprintf(buf, len, "%s", TR("non déclarée", "not declared"));
	else
		snprintf(buf, len, "%s W", web_num(n, sizeof n, w, 0, lang));
	return buf;
}

void web_paragraphs(struct web_req *r, const char *id, const char *text, const char *const *ids)
{
	dc_html(&r->body, "<div id=\"%s\">", id);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n);
		if (line && *line && ids && *ids)
			dc_html(&r->body, "<p id=\"%s\">%s</p>", *ids, line);
		else if (line && *line)
			dc_html(&r->body, "<p>%s</p>", line);
		free(line);
		if (ids && *ids)
			ids++;
		p += n + (nl != NULL);
	}
	dc_html(&r->body, "</div>\n");
}

/* --- progress --------------------------------------------------------- */

static int add_screen(const struct dc_screen *s, void *arg)
{
	dc_progress_add(arg, s);
	return 0;
}

/* Fills p from the store; renders a 500 and returns -1 on failure. */
int web_load_progress(struct web_req *r, struct dc_progress *p)
{
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	struct dc_plan_target *t = NULL;
	size_t nt = 0;
	dc_progress_init(p);
	if (dc_store_list_screens(r->w->st, &all, add_screen, p) < 0 ||
	    dc_store_plan_targets(r->w->st, &t, &nt) < 0) {
		dc_progress_free(p);
		web_errorf(r, 500, "%s %s", TR("Erreur de lecture de l'inventaire :",
					      "Error while reading the inventory:"),
			   dc_store_errmsg(r->w->st));
		return -1;
	}
	dc_progress_finish(p, t, nt, web_today_days(r->now));
	free(t);
	if (p->oom) {
		dc_progress_free(p);
		web_error(r, 500, "out of memory");
		return -1;
	}
	return 0;
}

static void target_cell(struct web_req *r, const struct dc_progress_row *row)
{
	char n[32], d[32];
	const struct dc_target_view *t = row->next.set ? &row->next : &row->last;
	if (!t->set) {
		dc_html(&r->body, "<td>%s</td>", TR("pas d'objectif", "no target"));
		return;
	}
	dc_html(&r->body, "<td>%s %s %s</td>", web_num(n, sizeof n, t->removed, 0, r->lang),
		TR("au", "by"), web_fmt_date(d, sizeof d, t->date, r->lang));
}

static void progress_row(struct web_req *r, const char *label, const struct dc_progress_row *row,
			 bool total)
{
	char n[DC_STATUS__COUNT + 1][32];
	web_num(n[DC_STATUS__COUNT], sizeof n[0], (double)row->total, 0, r->lang);
	for (int s = 0; s < DC_STATUS__COUNT; s++)
		web_num(n[s], sizeof n[s], (double)row->by_status[s], 0, r->lang);
	dc_html(&r->body, "<tr%r><th scope=\"row\">%s</th><td class=\"num\">%s</td>"
		"<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
		"<td class=\"num\">%s</td>", total ? " class=\"total\"" : "", label,
		n[DC_STATUS__COUNT], n[DC_STATUS_ACTIVE], n[DC_STATUS_REDUCED], n[DC_STATUS_SLATED],
		n[DC_STATUS_REMOVED]);
	target_cell(r, row);
	dc_html(&r->body, "</tr>\n");
}

static void money_co2(struct web_req *r, const char *label, double kwh)
{
	const struct dc_web_factors *f = &r->w->factors;
	char a[48], b[48];
	dc_html(&r->body, "<tr><th scope=\"row\">%s</th>", label);
	if (f->eur_per_kwh > 0)
		dc_html(&r->body, "<td class=\"num\">%s €/%s</td>",
			web_num(a, sizeof a, kwh * f->eur_per_kwh, 0, r->lang), TR("an", "yr"));
	else
		dc_html(&r->body, "<td>%s</td>", TR("inconnu (prix du kWh non configuré)",
						   "unknown (kWh price not configured)"));
	if (f->kgco2e_per_kwh > 0)
		dc_html(&r->body, "<td class=\"num\">%s kg CO₂e/%s</td>",
			web_num(b, sizeof b, kwh * f->kgco2e_per_kwh, 0, r->lang), TR("an", "yr"));
	else
		dc_html(&r->body, "<td>%s</td>", TR("inconnu (facteur d'émission non configuré)",
						   "unknown (emission factor not configured)"));
	dc_html(&r->body, "</tr>\n");
}

/* Measured: the energy ledger, month by month, and last night's compliance. */
static void progress_measured(struct web_req *r, const struct dc_web_energy *e)
{
	dc_html(&r->body, "<section aria-labelledby=\"h-energy\">\n<h2 id=\"h-energy\">%s</h2>\n",
		TR("Énergie économisée par mois (mesurée)", "Energy saved per month (measured)"));
	dc_web_energy_html(&r->body, e, &r->w->factors, r->lang);
	dc_html(&r->body, "</section>\n<section aria-labelledby=\"h-night\">\n"
		"<h2 id=\"h-night\">%s</h2>\n", TR("Conformité de la nuit dernière",
						    "Last night's compliance"));
	dc_web_night_html(&r->body, e, r->lang);
	dc_html(&r->body, "</section>\n");
}

/* Estimated: from the inventory's declared figures, kept apart. */
static void progress_estimates(struct web_req *r, const struct dc_progress *p)
{
	char a[48], b[48];
	dc_html(&r->body, "<section aria-labelledby=\"h-estimates\">\n<h2 id=\"h-estimates\">%s</h2>\n"
		"<table class=\"data\" id=\"estimates\">\n<caption>%s</caption>\n<thead><tr><td></td>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Énergie, coût et émissions estimés d'après l'inventaire",
		   "Energy, cost and emissions estimated from the inventory"),
		TR("Estimations, distinctes des mesures ci-dessus", "Estimates, apart from the measurements above"),
		TR("Valeur", "Value"), TR("Nature", "Kind"));
	dc_html(&r->body, "<tr><th scope=\"row\">%s</th><td class=\"num\">%s kWh/%s</td><td>%s</td></tr>\n",
		TR("Énergie annuelle évitée par les écrans déposés",
		   "Yearly energy avoided by removed screens"),
		web_num(a, sizeof a, p->all.removed_kwh, 0, r->lang), TR("an", "yr"),
		TR("estimation : puissance déclarée × heures d'allumage avant le plan × 365",
		   "estimate: declared power × pre-plan hours on × 365"));
	dc_html(&r->body, "<tr><th scope=\"row\">%s</th><td class=\"num\">%s kWh/%s</td><td>%s</td></tr>\n",
		TR("Énergie annuelle que les déposes prévues éviteront",
		   "Yearly energy the slated removals will avoid"),
		web_num(b, sizeof b, p->all.slated_kwh, 0, r->lang), TR("an", "yr"),
		TR("estimation, même méthode", "estimate, same method"));
	dc_html(&r->body, "</tbody>\n</table>\n");
	dc_html(&r->body, "<table class=\"data\">\n<caption>%s</caption>\n<thead><tr><td></td>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Coût et émissions évités (estimations)", "Cost and emissions avoided (estimates)"),
		TR("Coût", "Cost"), TR("Émissions", "Emissions"));
	money_co2(r, TR("Écrans déposés", "Removed screens"), p->all.removed_kwh);
	money_co2(r, TR("Déposes prévues", "Slated removals"), p->all.slated_kwh);
	dc_html(&r->body, "</tbody>\n</table>\n</section>\n");
}

/* Fills e from the ledger; renders a 500 and returns -1 on failure. */
int web_load_energy(struct web_req *r, struct dc_web_energy *e)
{
	char err[256];
	const struct dc_rules *rules = r->w->hooks.rules ? r->w->hooks.rules(r->w->hooks.arg) : NULL;
	if (dc_web_energy_load(r->w->st, &r->w->energy, rules, (int64_t)r->now, e, err,
			       sizeof err) < 0) {
		web_errorf(r, 500, "%s %s", TR("Erreur de lecture du registre d'énergie :",
					       "Error while reading the energy ledger:"), err);
		return -1;
	}
	return 0;
}

static void progress_chart(struct web_req *r, const struct dc_progress *p)
{
	long today = web_today_days(r->now);
	long done = dc_progress_removed_by(p, today);
	char a[32], b[32], d[32];
	const struct dc_target_view *t = p->all.next.set ? &p->all.next : &p->all.last;
	char desc[400];
	if (t->set)
		snprintf(desc, sizeof desc, TR("%s %s à ce jour ; objectif : %s au %s. "
					       "Les données sont dans le tableau qui suit.",
					       "%s %s to date; target: %s by %s. "
					       "The data is in the table that follows."),
			 web_num(a, sizeof a, (double)done, 0, r->lang),
			 web_plural((double)done, "écran déposé", "écrans déposés", "screen removed",
				    "screens removed"),
			 web_num(b, sizeof b, t->removed, 0, r->lang),
			 web_fmt_date(d, sizeof d, t->date, r->lang));
	else
		snprintf(desc, sizeof desc, TR("%s %s à ce jour ; le plan n'a pas d'objectif.",
					       "%s %s to date; the plan has no target."),
			 web_num(a, sizeof a, (double)done, 0, r->lang),
			 web_plural((double)done, "écran déposé", "écrans déposés", "screen removed",
				    "screens removed"));
	dc_html(&r->body, "<section aria-labelledby=\"h-chart\">\n<h2 id=\"h-chart\">%s</h2>\n",
		TR("Déposes cumulées et trajectoire du plan", "Cumulative removals and the plan's trajectory"));
	dc_chart_svg(&r->body, p, today, TR("Déposes cumulées face à l'objectif",
					    "Cumulative removals against the target"),
		     desc, TR("Déposes réalisées", "Removals done"),
		     TR("Trajectoire de l'objectif", "Target trajectory"), r->lang);
	/* The text alternative: the same points as a table. */
	dc_html(&r->body, "<table class=\"data\" id=\"chart-data\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Données du graphique", "Chart data"), TR("Date", "Date"),
		TR("Objectif cumulé", "Cumulative target"), TR("Déposes réalisées", "Removals done"));
	bool today_done = false;
	for (size_t i = 0; i <= p->ntraj; i++) {
		long day = i < p->ntraj ? p->trajectory[i].day : 0;
		if (!today_done && (i == p->ntraj || day > today)) {
			int y, m, dd;
			dc_civil_from_days(today, &y, &m, &dd);
			dc_fmt_date(d, sizeof d, y, m, dd, r->lang);
			dc_html(&r->body, "<tr><th scope=\"row\">%s (%s)</th><td>—</td>"
				"<td class=\"num\">%s</td></tr>\n", d, TR("aujourd'hui", "today"),
				web_num(a, sizeof a, (double)done, 0, r->lang));
			today_done = true;
		}
		if (i == p->ntraj)
			break;
		int y, m, dd;
		dc_civil_from_days(day, &y, &m, &dd);
		dc_fmt_date(d, sizeof d, y, m, dd, r->lang);
		dc_html(&r->body, "<tr><th scope=\"row\">%s</th><td class=\"num\">%s</td>", d,
			web_num(a, sizeof a, (double)p->trajectory[i].value, 0, r->lang));
		if (day <= today)
			dc_html(&r->body, "<td class=\"num\">%s</td></tr>\n",
				web_num(b, sizeof b, (double)dc_progress_removed_by(p, day), 0, r->lang));
		else
			dc_html(&r->body, "<td>%s</td></tr>\n", TR("à venir", "to come"));
	}
	dc_html(&r->body, "</tbody>\n</table>\n");
	if (p->removed_undated)
		dc_html(&r->body, "<p>%s %s</p>\n",
			web_num(a, sizeof a, (double)p->removed_undated, 0, r->lang),
			TR("écran(s) déposé(s) sans date de dépose ne figurent pas sur la courbe.",
			   "removed screen(s) without a removal date are not on the curve."));
	dc_html(&r->body, "</section>\n");
}

void page_progress(struct web_req *r)
{
	if (web_args_only(r, NULL) < 0)
		return;
	struct dc_progress p;
	struct dc_web_energy e;
	if (web_load_progress(r, &p) < 0)
		return;
	if (web_load_energy(r, &e) < 0) {
		dc_progress_free(&p);
		return;
	}
	char a[32], b[32], c[32], d[32];
	web_page_begin(r, TR("Avancement du plan", "Plan progress"), "progress");
	dc_html(&r->body, "<h1>%s</h1>\n",
		TR("Avancement du plan de sobriété des écrans", "Screen sobriety plan: progress"));
	web_glance_section(r, &e);
	dc_html(&r->body, "<ul class=\"kpis\" id=\"kpis\">\n"
		"<li><span class=\"n\" id=\"kpi-total\">%s</span> %s</li>\n"
		"<li><span class=\"n\" id=\"kpi-reduced\">%s</span> %s</li>\n"
		"<li><span class=\"n\" id=\"kpi-slated\">%s</span> %s</li>\n"
		"<li><span class=\"n\" id=\"kpi-removed\">%s</span> %s</li>\n</ul>\n",
		web_num(a, sizeof a, (double)p.all.total, 0, r->lang),
		web_plural((double)p.all.total, "écran inventorié", "écrans inventoriés",
			   "screen inventoried", "screens inventoried"),
		web_num(b, sizeof b, (double)p.all.by_status[DC_STATUS_REDUCED], 0, r->lang),
		web_plural((double)p.all.by_status[DC_STATUS_REDUCED], "réduit", "réduits",
			   "reduced", "reduced"),
		web_num(c, sizeof c, (double)p.all.by_status[DC_STATUS_SLATED], 0, r->lang),
		web_plural((double)p.all.by_status[DC_STATUS_SLATED], "dépose prévue",
			   "déposes prévues", "slated for removal", "slated for removal"),
		web_num(d, sizeof d, (double)p.all.by_status[DC_STATUS_REMOVED], 0, r->lang),
		web_plural((double)p.all.by_status[DC_STATUS_REMOVED], "déposé", "déposés",
			   "removed", "removed"));
	dc_html(&r->body, "<section aria-labelledby=\"h-cat\">\n<h2 id=\"h-cat\">%s</h2>\n"
		"<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table class=\"data\" id=\"by-category\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
		"<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Par catégorie", "By category"),
		TR("Écrans par catégorie et par état", "Screens by category and state"),
		TR("Écrans par catégorie et par état, et objectif de dépose du plan",
		   "Screens by category and state, and the plan's removal target"),
		TR("Catégorie", "Category"), TR("Inventoriés", "Inventoried"),
		dc_status_label(DC_STATUS_ACTIVE), dc_status_label(DC_STATUS_REDUCED),
		dc_status_label(DC_STATUS_SLATED), dc_status_label(DC_STATUS_REMOVED),
		TR("Objectif de déposes", "Removal target"));
	for (int cat = 0; cat < DC_CAT__COUNT; cat++)
		if (p.cat[cat].total || p.cat[cat].last.set)
			progress_row(r, dc_category_label((enum dc_category)cat), &p.cat[cat], false);
	progress_row(r, TR("Total", "Total"), &p.all, true);
	dc_html(&r->body, "</tbody>\n</table></div>\n<p><a href=\"/slated\">%s</a></p>\n</section>\n",
		TR("Voir la liste des écrans dont la dépose est prévue",
		   "See the list of screens slated for removal"));
	progress_chart(r, &p);
	progress_measured(r, &e);
	progress_estimates(r, &p);
	web_page_end(r);
	r->cacheable = true;
	dc_progress_free(&p);
}

/* --- one screen ------------------------------------------------------- */

struct history_ctx {
	struct web_req *r;
	int n;
};

static int history_row(const struct dc_audit_entry *e, void *arg)
{
	struct history_ctx *h = arg;
	h->n++;
	/* Public: what changed and when, not who (a login), nor notes or wiring. */
	bool internal = !strcmp(e->field, "notes") || !strcmp(e->field, "box") ||
			!strcmp(e->field, "channel");
	if (!h->r->sess.valid && internal)
		dc_html(&h->r->body, "<tr><td>%s</td><th scope=\"row\">%s</th><td colspan=\"2\">%s</td>"
			"</tr>\n", e->at, e->field, TR("(information interne)", "(internal information)"));
	else if (!h->r->sess.valid)
		dc_html(&h->r->body, "<tr><td>%s</td><th scope=\"row\">%s</th><td>%s</td>"
			"<td>%s</td></tr>\n", e->at, e->field, e->old_value, e->new_value);
	else
		dc_html(&h->r->body, "<tr><td>%s</td><td>%s</td><th scope=\"row\">%s</th><td>%s</td>"
			"<td>%s</td></tr>\n", e->at, e->actor, e->field, e->old_value, e->new_value);
	return 0;
}

static void field(struct web_req *r, const char *label, const char *value)
{
	dc_html(&r->body, "<dt>%s</dt><dd>%s</dd>\n", label, value && *value ? value : "—");
}

void page_screen(struct web_req *r, const char *id)
{
	if (web_args_only(r, NULL) < 0)
		return;
	if (!dc_slug_valid(id)) {
		web_error(r, 400, TR("Identifiant d'écran invalide dans l'adresse (attendu : "
				     "minuscules, chiffres, - et _).",
				     "Invalid screen id in the address (expected: lower-case "
				     "letters, digits, - and _)."));
		return;
	}
	struct dc_screen s;
	int found = dc_store_get_screen(r->w->st, id, &s);
	if (found < 0) {
		web_error(r, 500, TR("Erreur de lecture de l'inventaire.",
				     "Error while reading the inventory."));
		return;
	}
	if (!found) {
		web_error(r, 404, TR("Aucun écran ne porte cet identifiant.", "No screen has this id."));
		return;
	}
	char a[64], b[64], c[64];
	web_page_begin(r, s.name, "");
	dc_html(&r->body, "<h1>%s</h1>\n<p class=\"status status-%s\">%s</p>\n", s.name,
		dc_status_name(s.status), dc_status_label(s.status));

	dc_html(&r->body, "<section aria-labelledby=\"h-now\">\n<h2 id=\"h-now\">%s</h2>\n",
		TR("État maintenant", "State now"));
	struct dc_web_state ws = { 0 };
	int known = -2;
	/* Anyone may read this page: logins, notes and wiring only for the
	 * logged-in (the response is then personal, never cached). */
	bool priv = r->sess.valid;
	const struct dc_rules *rules = r->w->hooks.rules ? r->w->hooks.rules(r->w->hooks.arg) : NULL;
	if (r->w->hooks.screen_state)
		known = r->w->hooks.screen_state(r->w->hooks.arg, s.id, (int64_t)r->now, &ws);
	else if (rules)
		known = dc_web_schedule_state_stored_for(rules, r->w->st, &s, (int64_t)r->now, r->lang,
							 priv ? 0 : DC_EXPLAIN_PUBLIC, &ws);
	if (known == 1) {
		dc_html(&r->body, "<p class=\"state\" id=\"state-now\"><strong>%s</strong></p>\n",
			ws.on ? TR("Allumage autorisé", "May be on")
			      : TR("Extinction requise", "Must be off"));
		/* explain_plain.h: decision, its text, the next change. */
		web_paragraphs(r, "state-plain", ws.plain ? ws.plain : "",
			       (const char *const[]){ "state-decision", "state-legal", "state-next", NULL });
		dc_html(&r->body, "<details id=\"state-trace\"><summary>%s</summary>\n"
			"<pre class=\"why\" id=\"state-why\">%s</pre>\n</details>\n",
			TR("Détails : toutes les règles examinées, dans l'ordre de priorité",
			   "Details: every rule considered, in order of precedence"),
			ws.why ? ws.why : "");
		dc_web_state_free(&ws);
	} else if (known == -2) {
		dc_html(&r->body, "<p>%s</p>\n", TR("Passerelle non connectée : état et prochain "
						    "basculement inconnus.",
						    "Gateway not connected: state and next switch unknown."));
	} else {
		dc_html(&r->body, "<p>%s</p>\n", TR("Aucune règle d'horaire ne s'applique à cet écran, "
						    "ou son état n'est pas connu.",
						    "No schedule rule applies to this screen, "
						    "or its state is unknown."));
	}
	dc_html(&r->body, "</section>\n");

	dc_html(&r->body, "<section aria-labelledby=\"h-fields\">\n<h2 id=\"h-fields\">%s</h2>\n<dl class=\"fields\">\n",
		TR("Fiche", "Record"));
	field(r, TR("Identifiant", "Id"), s.id);
	field(r, TR("Catégorie", "Category"), dc_category_label(s.category));
	field(r, TR("Site", "Site"), s.site);
	field(r, TR("Adresse", "Address"), s.address);
	field(r, TR("Propriétaire", "Owner"), s.owner);
	field(r, TR("Technologie", "Technology"), dc_tech_name(s.tech));
	field(r, TR("Affichage", "Display"), dc_display_label(s.display));
	if (s.flags & DC_FLAG_TRANSPORT_FURNITURE) {
		/* The night exemption's two conditions, side by side. */
		snprintf(c, sizeof c, TR("oui, horaires de service %s", "yes, service hours %s"),
			 s.service_hours[0] ? s.service_hours
					    : TR("par défaut des règles", "from the rules' default"));
		field(r, TR("Mobilier de transport", "Transport furniture"), c);
	}
	snprintf(c, sizeof c, "%s m²", web_num(a, sizeof a, s.surface_m2, 1, r->lang));
	field(r, TR("Surface", "Surface"), c);
	/* 0 is how the inventory stores "not declared": never shown as 0 W. */
	snprintf(c, sizeof c, "%s / %s", web_watts(a, sizeof a, s.power_on_w, r->lang),
		 web_watts(b, sizeof b, s.power_standby_w, r->lang));
	field(r, TR("Puissance allumé / veille", "Power on / standby"), c);
	snprintf(c, sizeof c, "%s h/%s", web_num(a, sizeof a, s.baseline_hours, 1, r->lang),
		 TR("jour", "day"));
	field(r, TR("Allumage avant le plan", "Hours on before the plan"), c);
	field(r, TR("Date cible de dépose", "Removal target date"),
	      web_fmt_date(a, sizeof a, s.removal_target, r->lang));
	field(r, TR("Date de dépose", "Removal date"), web_fmt_date(b, sizeof b, s.removal_date, r->lang));
	if (priv) {
		if (s.box[0])
			snprintf(c, sizeof c, "%s / %d", s.box, s.channel);
		else
			snprintf(c, sizeof c, "%s", TR("non raccordé", "not bound"));
		field(r, TR("Boîtier / voie", "Box / channel"), c);
	}
	if (s.has_coords) {
		snprintf(c, sizeof c, "%.5f, %.5f", s.lat, s.lon);
		field(r, TR("Coordonnées", "Coordinates"), c);
	}
	if (priv)
		field(r, TR("Notes internes", "Internal notes"), s.notes);
	dc_html(&r->body, "</dl>\n</section>\n");

	dc_html(&r->body, "<section aria-labelledby=\"h-energy\">\n<h2 id=\"h-energy\">%s</h2>\n<dl class=\"fields\">\n",
		TR("Énergie", "Energy"));
	if (s.power_on_w > 0)
		snprintf(c, sizeof c, "%s kWh/%s", web_num(a, sizeof a, dc_screen_yearly_kwh(&s), 0, r->lang),
			 TR("an", "yr"));
	else
		snprintf(c, sizeof c, "%s", TR("inconnue (puissance non déclarée)",
					       "unknown (power not declared)"));
	field(r, TR("Consommation annuelle avant le plan (estimation)",
		    "Yearly use before the plan (estimate)"), c);
	dc_html(&r->body, "</dl>\n");
	struct dc_web_screen_energy se;
	char err[256];
	if (dc_web_screen_energy_load(r->w->st, &r->w->energy, s.id, (int64_t)r->now, &se, err,
				      sizeof err) < 0)
		dc_html(&r->body, "<p class=\"error\">%s %s</p>\n",
			TR("Erreur de lecture du registre d'énergie :",
			   "Error while reading the energy ledger:"), err);
	else
		dc_web_screen_energy_html(&r->body, &se, &r->w->factors, r->lang, web_fmt_time);
	dc_html(&r->body, "</section>\n");

	dc_html(&r->body, "<section aria-labelledby=\"h-hist\">\n<h2 id=\"h-hist\">%s</h2>\n"
		"<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table class=\"data\" id=\"history\">\n<caption>%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th>%r<th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		TR("Historique", "History"), TR("Modifications de la fiche", "Changes to the record"),
		TR("Modifications de la fiche, de la plus ancienne à la "
						"plus récente (UTC)",
						"Changes to the record, oldest first (UTC)"),
		TR("Quand", "When"), priv ? TR("<th scope=\"col\">Qui</th>", "<th scope=\"col\">Who</th>") : "",
		TR("Champ", "Field"), TR("Avant", "Before"), TR("Après", "After"));
	struct history_ctx h = { r, 0 };
	dc_store_history(r->w->st, s.id, history_row, &h);
	if (!h.n)
		dc_html(&r->body, "<tr><td colspan=\"%d\">%s</td></tr>\n", priv ? 5 : 4,
			TR("Aucune modification enregistrée.", "No change recorded."));
	dc_html(&r->body, "</tbody>\n</table></div>\n</section>\n");
	web_page_end(r);
}
