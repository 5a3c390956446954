/* web_opendata.c — the public inventory (/screens), its downloads (CSV in
 * two dialects, GeoJSON), their Table Schemas, each with its licence and
 * the data's date.  What a column is, and which ones the public gets,
 * comes from lib/opendata (one table per file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"
#include "web_opendata.h"
#include "web_slated.h"

/* Sort keys of /screens and the store field each one orders by. */
static const char *const od_sort_names[] = { "name", "id", "site", "category", "status", "owner",
					     "power", NULL };
static const char *const od_sort_fields[] = { "name", "id", "site", "category", "status", "owner",
					      "power_on_w" };
static const char *const order_names[] = { "asc", "desc", NULL };

int od_query_parse(struct web_req *r, struct od_query *q, bool paged)
{
	static const char *const filter_params[] = { "category", "status", "site", "q", NULL };
	static const char *const paged_params[] = { "category", "status", "site", "q", "sort",
						    "order", "page", "per_page", NULL };
	static const char *cats[DC_CAT__COUNT + 1], *stats[DC_STATUS__COUNT + 1];
	for (int i = 0; i < DC_CAT__COUNT; i++)
		cats[i] = dc_category_name((enum dc_category)i);
	for (int i = 0; i < DC_STATUS__COUNT; i++)
		stats[i] = dc_status_name((enum dc_status)i);
	memset(q, 0, sizeof *q);
	int order = 0;
	if (web_args_only(r, paged ? paged_params : filter_params) < 0 ||
	    web_arg_enum(r, "category", cats, -1, &q->category) < 0 ||
	    web_arg_enum(r, "status", stats, -1, &q->status) < 0 ||
	    web_arg_text(r, "site", 95, &q->site) < 0 || web_arg_text(r, "q", 64, &q->text) < 0 ||
	    web_arg_enum(r, "sort", od_sort_names, 0, &q->sort) < 0 ||
	    web_arg_enum(r, "order", order_names, 0, &order) < 0 ||
	    web_arg_int(r, "page", 1, 1000000, 1, &q->page) < 0 ||
	    web_arg_int(r, "per_page", 1, 500, WEB_PER_PAGE, &q->per_page) < 0)
		return -1;
	if (q->text && !*q->text)
		q->text = NULL;
	q->desc = order == 1;
	return 0;
}

struct od_walk {
	const struct od_query *q;
	int (*cb)(const struct dc_screen *, void *);
	void *arg;
};

static int od_walk_one(const struct dc_screen *s, void *arg)
{
	struct od_walk *w = arg;
	if (w->q->text && !web_contains_ci(s->name, w->q->text) &&
	    !web_contains_ci(s->site, w->q->text) && !web_contains_ci(s->owner, w->q->text) &&
	    !web_contains_ci(s->id, w->q->text))
		return 0;
	return w->cb(s, w->arg);
}

int od_list(struct web_req *r, const struct od_query *q, int (*cb)(const struct dc_screen *, void *),
	    void *arg)
{
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	f.category = q->category;
	f.status = q->status;
	f.site = q->site;
	f.sort = od_sort_fields[q->sort];
	f.desc = q->desc;
	struct od_walk w = { q, cb, arg };
	if (dc_store_list_screens(r->w->st, &f, od_walk_one, &w) < 0) {
		web_error(r, 500, TR("Erreur de lecture de l'inventaire.",
				     "Error while reading the inventory."));
		return -1;
	}
	return 0;
}

/* The filters (and sort) as a query string, for links. */
static void od_query_string(struct dc_buf *b, const struct od_query *q, int sort, bool desc, long page)
{
	const char *sep = "?";
	if (q->category >= 0)
		web_query_arg(b, &sep, "category", dc_category_name((enum dc_category)q->category));
	if (q->status >= 0)
		web_query_arg(b, &sep, "status", dc_status_name((enum dc_status)q->status));
	if (q->site)
		web_query_arg(b, &sep, "site", q->site);
	if (q->text)
		web_query_arg(b, &sep, "q", q->text);
	web_query_tail(b, &sep, sort > 0 ? od_sort_names[sort] : NULL, desc, page);
}

void od_filters_form(struct web_req *r, const struct od_query *q, const char *action)
{
	dc_html(&r->body, "<form class=\"filters noprint\" method=\"get\" action=\"%s\" role=\"search\">\n"
		"<div><label for=\"f-cat\">%s</label><select id=\"f-cat\" name=\"category\">",
		action, TR("Catégorie", "Category"));
	web_option(r, "", TR("Toutes", "All"), q->category < 0);
	for (int c = 0; c < DC_CAT__COUNT; c++)
		web_option(r, dc_category_name((enum dc_category)c), dc_category_label((enum dc_category)c),
		       q->category == c);
	dc_html(&r->body, "</select></div>\n<div><label for=\"f-st\">%s</label>"
		"<select id=\"f-st\" name=\"status\">", TR("Statut", "Status"));
	web_option(r, "", TR("Tous", "All"), q->status < 0);
	for (int s = 0; s < DC_STATUS__COUNT; s++)
		web_option(r, dc_status_name((enum dc_status)s), dc_status_label((enum dc_status)s),
		       q->status == s);
	dc_html(&r->body, "</select></div>\n<div><label for=\"f-q\">%s</label>"
		"<input id=\"f-q\" name=\"q\" type=\"search\" maxlength=\"64\" value=\"%s\"></div>\n",
		TR("Recherche (nom, site, propriétaire)", "Search (name, site, owner)"),
		q->text ? q->text : "");
	if (q->site)
		dc_html(&r->body, "<input type=\"hidden\" name=\"site\" value=\"%s\">", q->site);
	if (q->sort > 0)
		dc_html(&r->body, "<input type=\"hidden\" name=\"sort\" value=\"%s\">",
			od_sort_names[q->sort]);
	if (q->desc)
		dc_html(&r->body, "<input type=\"hidden\" name=\"order\" value=\"desc\">");
	dc_html(&r->body, "<div><button type=\"submit\">%s</button></div>\n</form>\n",
		TR("Filtrer", "Filter"));
}

/* --- downloads ---------------------------------------------------------- */

void od_date(const struct web_req *r, char out[16])
{
	struct dc_ymd t = web_today(r->now);
	snprintf(out, 16, "%04d-%02d-%02d", t.y % 10000, t.m % 100, t.d % 100);
}

static void put_buf(void *arg, const char *p, size_t n)
{
	dc_buf_put(arg, p, n);
}

void od_begin(struct web_req *r, const struct dc_od_table *t, enum od_format f)
{
	char date[16];
	const struct dc_web_open_data *od = &r->w->od;
	od_date(r, date);
	snprintf(r->disp, sizeof r->disp, "attachment; filename=\"%s_%s%s\"", t->name, date,
		 f == OD_GEOJSON ? ".geojson" : f == OD_CSV_FR ? "_tableur.csv" : ".csv");
	r->disposition = r->disp;
	snprintf(r->link, sizeof r->link, "<%s>; rel=\"license\"; title=\"%s\"", od->licence_url,
		 od->licence_name);
	if (f != OD_GEOJSON) {
		size_t n = strlen(r->link);
		snprintf(r->link + n, sizeof r->link - n, ", </schema/%s%s.json>; rel=\"describedby\"",
			 t->name, f == OD_CSV_FR ? "-fr" : "");
		r->ctype = "text/csv; charset=utf-8";
		if (f == OD_CSV_FR)
			dc_buf_puts(&r->body, DC_OD_BOM);
		dc_od_csv_header(t, f == OD_CSV_FR ? DC_OD_FR : DC_OD_RFC4180, put_buf, &r->body);
		return;
	}
	r->ctype = "application/geo+json; charset=utf-8";
	dc_buf_printf(&r->body, "{\"type\":\"FeatureCollection\",\"name\":\"%s\",\"title\":\"",
		      t->name);
	dc_esc_json(&r->body, t->title);
	dc_buf_puts(&r->body, "\",\"licence\":{\"name\":\"");
	dc_esc_json(&r->body, od->licence_name);
	dc_buf_puts(&r->body, "\",\"url\":\"");
	dc_esc_json(&r->body, od->licence_url);
	dc_buf_printf(&r->body, "\"},\"date\":\"%s\",\"features\":[", date);
}

void od_row(struct web_req *r, const struct dc_od_table *t, enum od_format f,
	    const struct dc_od_row *row, bool first)
{
	struct dc_buf *b = &r->body;
	if (f != OD_GEOJSON) {
		dc_od_csv_row(t, row, f == OD_CSV_FR ? DC_OD_FR : DC_OD_RFC4180, put_buf, b);
		return;
	}
	const struct dc_screen *s = row->s;
	dc_buf_puts(b, first ? "\n{\"type\":\"Feature\",\"id\":\"" : ",\n{\"type\":\"Feature\",\"id\":\"");
	dc_esc_json(b, s->id);
	/* RFC 7946: [longitude, latitude]; null geometry when unknown. */
	if (s->has_coords)
		dc_buf_printf(b, "\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]},",
			      s->lon, s->lat);
	else
		dc_buf_puts(b, "\",\"geometry\":null,");
	dc_buf_puts(b, "\"properties\":{");
	bool sep = false;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct dc_od_column *c = t->cols[i];
		if (c->field == DC_F_LAT || c->field == DC_F_LON)
			continue;	/* they are the geometry */
		char v[600];
		bool quoted;
		dc_buf_printf(b, "%s\"%s\":", sep ? "," : "", dc_od_column_name(c));
		sep = true;
		if (!dc_od_json_value(c, row, v, sizeof v, &quoted)) {
			dc_buf_puts(b, "null");
		} else if (quoted) {
			dc_buf_puts(b, "\"");
			dc_esc_json(b, v);
			dc_buf_puts(b, "\"");
		} else {
			dc_buf_puts(b, v);
		}
	}
	dc_buf_puts(b, "}}");
}

void od_end(struct web_req *r, enum od_format f)
{
	if (f == OD_GEOJSON)
		dc_buf_puts(&r->body, "\n]}\n");
}

struct od_dl {
	struct web_req *r;
	enum od_format f;
	bool first;
};

static int od_dl_one(const struct dc_screen *s, void *arg)
{
	struct od_dl *d = arg;
	struct dc_od_row row = { .s = s, .yearly_kwh = dc_screen_yearly_kwh(s) };
	od_row(d->r, &dc_od_inventory, d->f, &row, d->first);
	d->first = false;
	return d->r->body.oom;
}

static void screens_download(struct web_req *r, enum od_format f)
{
	struct od_query q;
	if (od_query_parse(r, &q, false) < 0)
		return;
	struct od_dl d = { r, f, true };
	q.sort = 1;	/* by id: a stable order for diffs between two dates */
	od_begin(r, &dc_od_inventory, f);
	if (od_list(r, &q, od_dl_one, &d) < 0)
		return;
	od_end(r, f);
	r->cacheable = true;
}

static void schema(struct web_req *r, const struct dc_od_table *t, bool fr)
{
	if (web_args_only(r, NULL) < 0)
		return;
	char *s = dc_od_schema_json(t, fr);
	if (!s) {
		web_error(r, 500, "out of memory");
		return;
	}
	r->ctype = "application/json; charset=utf-8";
	dc_buf_puts(&r->body, s);
	free(s);
	r->cacheable = true;
}

/* --- the inventory page ------------------------------------------------- */

struct od_page {
	long from, to, n;	/* rows [from, to) of the n matches are kept */
	struct dc_screen *rows;
	size_t nrows;
};

static int od_page_one(const struct dc_screen *s, void *arg)
{
	struct od_page *p = arg;
	if (p->n >= p->from && p->n < p->to)
		p->rows[p->nrows++] = *s;
	p->n++;
	return 0;
}

static void sort_th(struct web_req *r, const struct od_query *q, int key, const char *label,
		    bool numeric)
{
	bool cur = q->sort == key;
	struct dc_buf u = { 0 };
	od_query_string(&u, q, key, cur ? !q->desc : false, 1);
	dc_html(&r->body, "<th scope=\"col\"%r%r><a href=\"/screens%r\">%s</a></th>",
		numeric ? " class=\"num\"" : "",
		cur ? (q->desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "",
		u.p ? u.p : "", label);
	dc_buf_free(&u);
}

static void pager_link(struct dc_buf *b, long page, const void *ctx)
{
	const struct od_query *q = ctx;
	dc_buf_puts(b, "/screens");
	od_query_string(b, q, q->sort, q->desc, page);
}

/* The licence and date line every page with downloads shows. */
static void licence_line(struct web_req *r)
{
	char date[16], d[32];
	od_date(r, date);
	dc_html(&r->body, "<p class=\"licence\" id=\"licence\">%s <a href=\"%s\" rel=\"license\">%s</a>"
		" · %s %s.</p>\n", TR("Données ouvertes publiées sous", "Open data published under"),
		r->w->od.licence_url, r->w->od.licence_name, TR("Données du", "Data as of"),
		web_fmt_date(d, sizeof d, date, r->lang));
}

static void downloads(struct web_req *r)
{
	dc_html(&r->body, "<h2 id=\"downloads\">%s</h2>\n<ul class=\"downloads\">\n"
		"<li><a href=\"/screens-fr.csv\" download>%s</a></li>\n"
		"<li><a href=\"/screens.csv\" download>%s</a></li>\n"
		"<li><a href=\"/screens.geojson\" download>%s</a></li>\n"
		"<li><a href=\"/slated-fr.csv\" download>%s</a> · "
		"<a href=\"/slated.csv\" download>CSV RFC 4180</a> · "
		"<a href=\"/slated.geojson\" download>GeoJSON</a></li>\n"
		"<li>%s <a href=\"/schema/decran-ecrans.json\">%s</a>, "
		"<a href=\"/schema/decran-deposes-prevues.json\">%s</a></li>\n"
		"<li><a href=\"/api/v1/screens\">%s</a></li>\n</ul>\n",
		TR("Télécharger l'inventaire complet", "Download the whole inventory"),
		TR("CSV pour tableur (Excel, LibreOffice : point-virgule, virgule décimale)",
		   "CSV for spreadsheets (Excel, LibreOffice: semicolon, decimal comma)"),
		TR("CSV RFC 4180 (virgule, point décimal)", "CSV RFC 4180 (comma, decimal point)"),
		TR("GeoJSON (coordonnées WGS84)", "GeoJSON (WGS84 coordinates)"),
		TR("Liste des déposes prévues : CSV pour tableur", "Removal list: CSV for spreadsheets"),
		TR("Schémas des fichiers (Table Schema) :", "File schemas (Table Schema):"),
		TR("inventaire", "inventory"), TR("déposes prévues", "removal list"),
		TR("API JSON : /api/v1/screens", "JSON API: /api/v1/screens"));
	licence_line(r);
}

static void page_screens(struct web_req *r)
{
	struct od_query q;
	if (od_query_parse(r, &q, true) < 0)
		return;
	struct od_page p = { .from = (q.page - 1) * q.per_page, .to = q.page * q.per_page };
	p.rows = malloc((size_t)q.per_page * sizeof *p.rows);
	if (!p.rows) {
		web_error(r, 500, "out of memory");
		return;
	}
	if (od_list(r, &q, od_page_one, &p) < 0) {
		free(p.rows);
		return;
	}
	enum dc_lang lang = r->lang;
	long pages = p.n ? (p.n + q.per_page - 1) / q.per_page : 1;
	char a[32], b[32], c[32];
	web_page_begin(r, TR("Inventaire des écrans", "Screen inventory"), "screens");
	dc_html(&r->body, "<h1>%s</h1>\n<p>%s <a href=\"/map\">%s</a>.</p>\n",
		TR("Inventaire des écrans", "Screen inventory"),
		TR("Tous les écrans recensés par la commune, leur usage et leur statut. Voir aussi",
		   "Every screen the city has inventoried, its use and its status. See also"),
		TR("la carte", "the map"));
	od_filters_form(r, &q, "/screens");
	dc_html(&r->body, "<p class=\"summary\" id=\"screens-summary\">%s %s</p>\n",
		web_num(a, sizeof a, (double)p.n, 0, lang),
		web_plural((double)p.n, "écran", "écrans", "screen", "screens"));
	dc_html(&r->body, "<div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"inv-cap\">"
		"<table class=\"data\" id=\"inventory\">\n<caption id=\"inv-cap\">%s",
		TR("Écrans", "Screens"));
	if (pages > 1)
		dc_html(&r->body, " — %s %s / %s", TR("page", "page"),
			web_num(b, sizeof b, (double)(q.page > pages ? pages : q.page), 0, lang),
			web_num(c, sizeof c, (double)pages, 0, lang));
	dc_html(&r->body, "</caption>\n<thead><tr>");
	sort_th(r, &q, 0, TR("Écran", "Screen"), false);
	sort_th(r, &q, 3, TR("Catégorie", "Category"), false);
	sort_th(r, &q, 4, TR("Statut", "Status"), false);
	sort_th(r, &q, 2, TR("Site", "Site"), false);
	sort_th(r, &q, 5, TR("Propriétaire", "Owner"), false);
	sort_th(r, &q, 6, TR("Puissance (W)", "Power (W)"), true);
	dc_html(&r->body, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < p.nrows; i++) {
		const struct dc_screen *s = &p.rows[i];
		dc_html(&r->body, "<tr data-status=\"%s\"><th scope=\"row\"><a href=\"/screen/%u\">%s</a></th>"
			"<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%s</td></tr>\n",
			dc_status_name(s->status), s->id, s->name, dc_category_label(s->category),
			dc_status_label(s->status), s->site, s->owner,
			s->power_on_w > 0 ? web_num(a, sizeof a, s->power_on_w, 0, lang)
					  : TR("non déclarée", "not declared"));
	}
	if (p.n == 0)
		dc_html(&r->body, "<tr><td colspan=\"6\">%s</td></tr>\n",
			TR("Aucun écran ne correspond à ces critères.", "No screen matches."));
	dc_html(&r->body, "</tbody>\n</table></div>\n");
	web_pager(r, q.page > pages ? pages : q.page, pages, pager_link, &q);
	downloads(r);
	web_page_end(r);
	free(p.rows);
	r->cacheable = true;
}

static void map_background(struct web_req *r)
{
	const struct web_asset *a = &r->w->map_bg;
	const char *dot = strrchr(r->w->od.bg_image, '.');
	if (!a->data) {
		web_error(r, 404, TR("Cette page n'existe pas.", "This page does not exist."));
		return;
	}
	r->ctype = !strcasecmp(dot, ".png") ? "image/png" : !strcasecmp(dot, ".webp") ? "image/webp"
										   : "image/jpeg";
	dc_buf_put(&r->body, a->data, a->len);
}

/* --- routing ------------------------------------------------------------ */

bool opendata_cacheable(const char *u)
{
	return !strcmp(u, "/screens") || !strcmp(u, "/screens.csv") || !strcmp(u, "/screens-fr.csv") ||
	       !strcmp(u, "/screens.geojson") || !strcmp(u, "/slated-fr.csv") || !strcmp(u, "/map") ||
	       !strncmp(u, "/schema/", 8);
}

bool page_opendata(struct web_req *r, const char *u)
{
	static const struct { const char *url; const struct dc_od_table *t; bool fr; } schemas[] = {
		{ "/schema/decran-ecrans.json", &dc_od_inventory, false },
		{ "/schema/decran-ecrans-fr.json", &dc_od_inventory, true },
		{ "/schema/decran-deposes-prevues.json", &dc_od_removals, false },
		{ "/schema/decran-deposes-prevues-fr.json", &dc_od_removals, true },
	};
	if (!strcmp(u, "/screens"))
		page_screens(r);
	else if (!strcmp(u, "/screens.csv"))
		screens_download(r, OD_CSV);
	else if (!strcmp(u, "/screens-fr.csv"))
		screens_download(r, OD_CSV_FR);
	else if (!strcmp(u, "/screens.geojson"))
		screens_download(r, OD_GEOJSON);
	else if (!strcmp(u, "/slated-fr.csv"))
		page_slated(r, "csv-fr");
	else if (!strcmp(u, "/map"))
		page_map(r);
	else if (!strcmp(u, "/map/background"))
		map_background(r);
	else {
		for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++)
			if (!strcmp(u, schemas[i].url)) {
				schema(r, schemas[i].t, schemas[i].fr);
				return true;
			}
		return false;
	}
	return true;
}
