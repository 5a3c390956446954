/* web_api.c — the JSON API under /api/v1/ (see docs/api.md) and /metrics. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "web_internal.h"
#include "web_schedule.h"
#include "web_slated.h"

static void send_json(struct web_req *r, cJSON *root)
{
	char *s = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!s) {
		web_error(r, 500, "out of memory");
		return;
	}
	r->ctype = "application/json; charset=utf-8";
	dc_buf_puts(&r->body, s);
	dc_buf_puts(&r->body, "\n");
	free(s);
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* A number the inventory may not have: 0 stands for "not declared" there,
 * and is null here, never a made-up 0. */
static void add_declared(cJSON *o, const char *k, bool declared, double v)
{
	if (declared)
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* priv: the reader is logged in; wiring (box, channel) is for them only. */
static cJSON *screen_json(const struct dc_screen *s, bool priv)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", s->id);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "category", dc_category_name(s->category));
	cJSON_AddStringToObject(o, "status", dc_status_name(s->status));
	cJSON_AddStringToObject(o, "site", s->site);
	cJSON_AddStringToObject(o, "address", s->address);
	cJSON_AddStringToObject(o, "owner", s->owner);
	cJSON_AddStringToObject(o, "tech", dc_tech_name(s->tech));
	if (s->has_coords) {
		cJSON_AddNumberToObject(o, "lat", s->lat);
		cJSON_AddNumberToObject(o, "lon", s->lon);
	} else {
		cJSON_AddNullToObject(o, "lat");
		cJSON_AddNullToObject(o, "lon");
	}
	cJSON_AddNumberToObject(o, "surface_m2", s->surface_m2);
	add_declared(o, "power_on_w", s->power_on_w > 0, s->power_on_w);
	add_declared(o, "power_standby_w", s->power_on_w > 0 || s->power_standby_w > 0,
		     s->power_standby_w);
	cJSON_AddNumberToObject(o, "baseline_hours", s->baseline_hours);
	add_declared(o, "yearly_kwh_estimate", s->power_on_w > 0, dc_screen_yearly_kwh(s));
	add_str_or_null(o, "removal_target", s->removal_target);
	add_str_or_null(o, "removal_date", s->removal_date);
	cJSON_AddBoolToObject(o, "transport_furniture", (s->flags & DC_FLAG_TRANSPORT_FURNITURE) != 0);
	add_str_or_null(o, "service_hours", s->service_hours);
	cJSON_AddStringToObject(o, "display", dc_display_name(s->display));
	if (!priv)
		return o;
	add_str_or_null(o, "box", s->box);
	if (s->box[0])
		cJSON_AddNumberToObject(o, "channel", s->channel);
	else
		cJSON_AddNullToObject(o, "channel");
	return o;
}

static cJSON *row_json(const struct dc_progress_row *row)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "inventoried", (double)row->total);
	for (int s = 0; s < DC_STATUS__COUNT; s++)
		cJSON_AddNumberToObject(o, dc_status_name((enum dc_status)s),
					(double)row->by_status[s]);
	cJSON_AddNumberToObject(o, "removed_kwh_per_year_estimate", row->removed_kwh);
	cJSON_AddNumberToObject(o, "slated_kwh_per_year_estimate", row->slated_kwh);
	const struct dc_target_view *t = row->next.set ? &row->next : &row->last;
	if (t->set) {
		cJSON *tj = cJSON_AddObjectToObject(o, "target");
		cJSON_AddStringToObject(tj, "date", t->date);
		cJSON_AddNumberToObject(tj, "removed", t->removed);
	} else {
		cJSON_AddNullToObject(o, "target");
	}
	return o;
}

static void api_progress(struct web_req *r)
{
	struct dc_progress p;
	struct dc_web_energy e;
	if (web_args_only(r, NULL) < 0 || web_load_progress(r, &p) < 0)
		return;
	if (web_load_energy(r, &e) < 0) {
		dc_progress_free(&p);
		return;
	}
	long today = web_today_days(r->now);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "total", row_json(&p.all));
	cJSON *cats = cJSON_AddObjectToObject(root, "categories");
	for (int c = 0; c < DC_CAT__COUNT; c++)
		cJSON_AddItemToObject(cats, dc_category_name((enum dc_category)c), row_json(&p.cat[c]));
	cJSON_AddNumberToObject(root, "removed_to_date", (double)dc_progress_removed_by(&p, today));
	cJSON_AddNumberToObject(root, "removed_undated", (double)p.removed_undated);
	cJSON *traj = cJSON_AddArrayToObject(root, "trajectory");
	for (size_t i = 0; i < p.ntraj; i++) {
		int y, m, d;
		char date[16];
		dc_civil_from_days(p.trajectory[i].day, &y, &m, &d);
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
		cJSON *pt = cJSON_CreateObject();
		cJSON_AddStringToObject(pt, "date", date);
		cJSON_AddNumberToObject(pt, "target", (double)p.trajectory[i].value);
		if (p.trajectory[i].day <= today)
			cJSON_AddNumberToObject(pt, "removed",
						(double)dc_progress_removed_by(&p, p.trajectory[i].day));
		else
			cJSON_AddNullToObject(pt, "removed");
		cJSON_AddItemToArray(traj, pt);
	}
	/* Measured figures: the energy ledger (null where nothing is known,
	 * never a made-up number). */
	const struct dc_web_factors *fa = &r->w->factors;
	cJSON_AddItemToObject(root, "measured", dc_web_energy_json(&e, fa));
	cJSON *f = cJSON_AddObjectToObject(root, "factors");
	if (fa->eur_per_kwh > 0)
		cJSON_AddNumberToObject(f, "eur_per_kwh", fa->eur_per_kwh);
	else
		cJSON_AddNullToObject(f, "eur_per_kwh");
	add_str_or_null(f, "tariff_source", fa->eur_per_kwh > 0 ? fa->tariff_source : NULL);
	if (fa->kgco2e_per_kwh > 0)
		cJSON_AddNumberToObject(f, "co2e_g_per_kwh", fa->kgco2e_per_kwh * 1000.0);
	else
		cJSON_AddNullToObject(f, "co2e_g_per_kwh");
	add_str_or_null(f, "co2e_source", fa->kgco2e_per_kwh > 0 ? fa->co2e_source : NULL);
	dc_progress_free(&p);
	r->cacheable = true;
	send_json(r, root);
}

static void api_screens(struct web_req *r)
{
	static const char *const params[] = { "status", "category", "site", "sort", "order", "page",
					      "per_page", NULL };
	static const char *const orders[] = { "asc", "desc", NULL };
	static const char *stat[DC_STATUS__COUNT + 1], *cats[DC_CAT__COUNT + 1];
	for (int i = 0; i < DC_STATUS__COUNT; i++)
		stat[i] = dc_status_name((enum dc_status)i);
	for (int i = 0; i < DC_CAT__COUNT; i++)
		cats[i] = dc_category_name((enum dc_category)i);
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	int order;
	long page, per_page;
	const char *sort;
	if (web_args_only(r, params) < 0 || web_arg_enum(r, "status", stat, -1, &f.status) < 0 ||
	    web_arg_enum(r, "category", cats, -1, &f.category) < 0 ||
	    web_arg_text(r, "site", 95, &f.site) < 0 || web_arg_text(r, "sort", 32, &sort) < 0 ||
	    web_arg_enum(r, "order", orders, 0, &order) < 0 ||
	    web_arg_int(r, "page", 1, 1000000, 1, &page) < 0 ||
	    web_arg_int(r, "per_page", 1, 1000, 100, &per_page) < 0)
		return;
	if (sort && !dc_store_sort_valid(sort)) {
		web_errorf(r, 400, TR("Paramètre « sort » invalide dans l'adresse : champ inconnu.",
				      "Invalid parameter 'sort' in the query string: unknown field."));
		return;
	}
	f.sort = sort;
	f.desc = order == 1;
	struct dc_screen *all = NULL;
	size_t n = 0;
	if (dc_store_list_screens_array(r->w->st, &f, &all, &n) < 0) {
		web_error(r, 500, TR("Erreur de lecture de l'inventaire.", "Error while reading the inventory."));
		return;
	}
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "total", (double)n);
	cJSON_AddNumberToObject(root, "page", (double)page);
	cJSON_AddNumberToObject(root, "per_page", (double)per_page);
	cJSON *arr = cJSON_AddArrayToObject(root, "screens");
	size_t from = (size_t)(page - 1) * (size_t)per_page;
	for (size_t i = from; i < n && i < from + (size_t)per_page; i++)
		cJSON_AddItemToArray(arr, screen_json(&all[i], r->sess.valid));
	free(all);
	send_json(r, root);
}

struct history_arg {
	cJSON *arr;
	bool priv;
};

static int history_json(const struct dc_audit_entry *e, void *arg)
{
	struct history_arg *h = arg;
	cJSON *o = cJSON_CreateObject();
	/* Public: no login, no internal note or wiring (as on the page). */
	bool internal = !strcmp(e->field, "notes") || !strcmp(e->field, "box") ||
			!strcmp(e->field, "channel");
	cJSON_AddNumberToObject(o, "seq", (double)e->seq);
	cJSON_AddStringToObject(o, "at", e->at);
	if (h->priv)
		cJSON_AddStringToObject(o, "actor", e->actor);
	cJSON_AddStringToObject(o, "field", e->field);
	if (h->priv || !internal) {
		cJSON_AddStringToObject(o, "old", e->old_value);
		cJSON_AddStringToObject(o, "new", e->new_value);
	}
	cJSON_AddItemToArray(h->arr, o);
	return 0;
}

static void api_screen(struct web_req *r, const char *id)
{
	if (web_args_only(r, NULL) < 0)
		return;
	if (!dc_slug_valid(id)) {
		web_error(r, 400, TR("Identifiant d'écran invalide dans l'adresse.",
				     "Invalid screen id in the address."));
		return;
	}
	struct dc_screen s;
	int found = dc_store_get_screen(r->w->st, id, &s);
	if (found <= 0) {
		web_error(r, found < 0 ? 500 : 404, found < 0 ? "database error"
					 : TR("Aucun écran ne porte cet identifiant.", "No screen has this id."));
		return;
	}
	bool priv = r->sess.valid;
	cJSON *root = screen_json(&s, priv);
	struct dc_web_state ws = { 0 };
	const struct dc_rules *rules = r->w->hooks.rules ? r->w->hooks.rules(r->w->hooks.arg) : NULL;
	int known = r->w->hooks.screen_state
			    ? r->w->hooks.screen_state(r->w->hooks.arg, s.id, (int64_t)r->now, &ws)
			    : rules ? dc_web_schedule_state_stored_for(rules, r->w->st, &s, (int64_t)r->now,
								       r->lang, priv ? 0 : DC_EXPLAIN_PUBLIC,
								       &ws)
				    : 0;
	if (priv) {
		r->no_store = true;
		cJSON_AddStringToObject(root, "notes", s.notes);
	}
	if (known == 1) {
		cJSON *st = cJSON_AddObjectToObject(root, "state");
		cJSON_AddBoolToObject(st, "on", ws.on);
		add_str_or_null(st, "explanation", ws.plain);
		cJSON_AddStringToObject(st, "why", ws.why ? ws.why : "");
		dc_web_state_free(&ws);
		if (ws.next_at > 0) {
			cJSON_AddNumberToObject(st, "next_at", (double)ws.next_at);
			cJSON_AddBoolToObject(st, "next_on", ws.next_on);
		}
	} else {
		cJSON_AddNullToObject(root, "state");
	}
	struct history_arg h = { cJSON_AddArrayToObject(root, "history"), priv };
	dc_store_history(r->w->st, s.id, history_json, &h);
	send_json(r, root);
}

static void api_slated(struct web_req *r)
{
	struct slated_query q;
	struct slated_result res;
	if (slated_query_parse(r, &q) < 0 || slated_fetch(r, &q, &res) < 0)
		return;
	/* Totals are the whole filtered list's; `screens` is the page asked
	 * for (empty past the last page), in the list's order. */
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "total", (double)res.n);
	cJSON_AddNumberToObject(root, "page", (double)q.page);
	cJSON_AddNumberToObject(root, "per_page", (double)q.per_page);
	cJSON_AddNumberToObject(root, "overdue", (double)res.overdue);
	cJSON_AddNumberToObject(root, "yearly_kwh_estimate", res.total_kwh);
	cJSON *arr = cJSON_AddArrayToObject(root, "screens");
	size_t from = (size_t)(q.page - 1) * (size_t)q.per_page;
	for (size_t i = from; i < res.n && i < from + (size_t)q.per_page; i++) {
		cJSON *o = screen_json(&res.rows[i].s, false);
		if (res.rows[i].dated)
			cJSON_AddNumberToObject(o, "days_left", (double)res.rows[i].days_left);
		else
			cJSON_AddNullToObject(o, "days_left");
		cJSON_AddItemToArray(arr, o);
	}
	free(res.rows);
	r->cacheable = true;
	send_json(r, root);
}

/* Live lists from the host (boxes, alarms): session required, never
 * cached; 503 without the hook, 502 when it fails.  `fill` calls the hook
 * and appends one JSON object per row; -1 when the hook failed. */
static void api_live_list(struct web_req *r, const char *key, bool have_hook,
			  int (*fill)(struct web_req *r, cJSON *arr))
{
	if (web_args_only(r, NULL) < 0)
		return;
	if (!r->sess.valid) {
		web_error(r, 401, TR("Connexion requise.", "Log-in required."));
		return;
	}
	r->no_store = true;
	if (!have_hook) {
		web_error(r, 503, TR("Passerelle non connectée.", "Gateway not connected."));
		return;
	}
	cJSON *arr = cJSON_CreateArray();
	if (fill(r, arr) < 0) {
		cJSON_Delete(arr);
		web_error(r, 502, TR("La passerelle n'a pas répondu.", "The gateway did not answer."));
		return;
	}
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, key, arr);
	send_json(r, root);
}

static int fill_boxes(struct web_req *r, cJSON *arr)
{
	struct dc_web_box *b = NULL;
	size_t n = 0;
	if (r->w->hooks.list_boxes(r->w->hooks.arg, &b, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", b[i].id);
		cJSON_AddBoolToObject(o, "online", b[i].online);
		cJSON_AddNumberToObject(o, "last_seen", (double)b[i].last_seen);
		cJSON_AddNumberToObject(o, "channels", b[i].channels);
		cJSON *ch = cJSON_AddArrayToObject(o, "relays_on");
		for (int c = 1; c <= b[i].channels && c <= 32; c++)
			if (b[i].relay_on & (1u << (c - 1)))
				cJSON_AddItemToArray(ch, cJSON_CreateNumber(c));
		cJSON_AddStringToObject(o, "firmware", b[i].firmware);
		cJSON_AddItemToArray(arr, o);
	}
	free(b);
	return 0;
}

static int fill_alarms(struct web_req *r, cJSON *arr)
{
	struct dc_web_alarm *a = NULL;
	size_t n = 0;
	if (r->w->hooks.list_alarms(r->w->hooks.arg, &a, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "at", (double)a[i].at);
		cJSON_AddStringToObject(o, "severity", a[i].severity);
		cJSON_AddStringToObject(o, "source", a[i].source);
		cJSON_AddStringToObject(o, "text", a[i].text);
		cJSON_AddBoolToObject(o, "active", a[i].active);
		cJSON_AddItemToArray(arr, o);
	}
	free(a);
	return 0;
}

void api_dispatch(struct web_req *r, const char *path)
{
	if (r->is_post) {
		web_error(r, 405, TR("L'API est en lecture seule.", "The API is read-only."));
		return;
	}
	if (strcmp(path, "progress") == 0)
		api_progress(r);
	else if (strcmp(path, "screens") == 0)
		api_screens(r);
	else if (strncmp(path, "screens/", 8) == 0)
		api_screen(r, path + 8);
	else if (strcmp(path, "slated") == 0)
		api_slated(r);
	else if (strcmp(path, "boxes") == 0)
		api_live_list(r, "boxes", r->w->hooks.list_boxes != NULL, fill_boxes);
	else if (strcmp(path, "alarms") == 0)
		api_live_list(r, "alarms", r->w->hooks.list_alarms != NULL, fill_alarms);
	else
		web_error(r, 404, TR("Point d'accès inconnu.", "Unknown endpoint."));
}

/* --- Prometheus --------------------------------------------------------- */

void page_metrics(struct web_req *r)
{
	if (web_args_only(r, NULL) < 0)
		return;
	/* Counters of the service are for its operators (web_legal.h). */
	bool relayed = web_header(r, "X-Forwarded-For") || web_header(r, "Forwarded") ||
		       web_header(r, "X-Real-IP");
	int denied = dc_web_metrics_access(r->w->metrics_token, r->ip, relayed,
					   web_header(r, "Authorization"));
	if (denied) {
		r->no_store = true;
		r->ask_bearer = denied == 401;
		web_error(r, (unsigned)denied,
			  denied == 401 ? TR("Jeton requis (Authorization: Bearer …).",
					     "Token required (Authorization: Bearer …).")
			  : r->w->metrics_token[0] ? TR("Jeton refusé.", "Token refused.")
			  : TR("Réservé aux requêtes locales (ou configurez metrics.token_file).",
			       "Local requests only (or configure metrics.token_file)."));
		return;
	}
	struct dc_progress p;
	if (web_load_progress(r, &p) < 0)
		return;
	struct dc_buf *b = &r->body;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	dc_buf_puts(b, "# HELP decran_screens Screens in the inventory by status and category.\n"
		       "# TYPE decran_screens gauge\n");
	for (int c = 0; c < DC_CAT__COUNT; c++)
		for (int s = 0; s < DC_STATUS__COUNT; s++)
			dc_buf_printf(b, "decran_screens{status=\"%s\",category=\"%s\"} %ld\n",
				      dc_status_name((enum dc_status)s),
				      dc_category_name((enum dc_category)c), p.cat[c].by_status[s]);
	dc_buf_puts(b, "# HELP decran_removal_target_screens The plan's next cumulative removal target.\n"
		       "# TYPE decran_removal_target_screens gauge\n");
	const struct dc_target_view *t = p.all.next.set ? &p.all.next : &p.all.last;
	if (t->set)
		dc_buf_printf(b, "decran_removal_target_screens{date=\"%s\"} %d\n", t->date, t->removed);
	dc_buf_printf(b, "# HELP decran_removed_yearly_kwh_estimate Yearly energy avoided by removals "
		      "(estimate from declared power).\n# TYPE decran_removed_yearly_kwh_estimate gauge\n"
		      "decran_removed_yearly_kwh_estimate %.1f\n", p.all.removed_kwh);
	dc_buf_printf(b, "# HELP decran_web_requests_total HTTP requests served by the dashboard.\n"
		      "# TYPE decran_web_requests_total counter\ndecran_web_requests_total %llu\n"
		      "# HELP decran_web_cache_hits_total Pages served from the page cache.\n"
		      "# TYPE decran_web_cache_hits_total counter\ndecran_web_cache_hits_total %llu\n"
		      "# HELP decran_web_responses_total Error responses by class.\n"
		      "# TYPE decran_web_responses_total counter\n"
		      "decran_web_responses_total{class=\"4xx\"} %llu\n"
		      "decran_web_responses_total{class=\"5xx\"} %llu\n",
		      (unsigned long long)r->w->requests_total, (unsigned long long)r->w->cache_hits,
		      (unsigned long long)r->w->responses_4xx, (unsigned long long)r->w->responses_5xx);
	if (r->w->hooks.metrics)
		r->w->hooks.metrics(r->w->hooks.arg, b);
	dc_progress_free(&p);
}
