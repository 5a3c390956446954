/* web_slated.c — the removal list: query parameters, filtering, sorting,
 * and its four renderings (HTML page, CSV, GeoJSON; JSON in web_api.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"
#include "web_internal.h"
#include "web_opendata.h"
#include "web_slated.h"

const char *const slated_sort_names[] = { "target", "site", "category", "owner", "name", "id",
					  "power", "energy", NULL };
const char *const slated_due_names[] = { "all", "overdue", "upcoming", "undated", NULL };
static const char *const order_names[] = { "asc", "desc", NULL };
static const char *const slated_params[] = { "category", "site", "q", "due", "sort", "order",
					     "page", "per_page", NULL };

int slated_query_parse(struct web_req *r, struct slated_query *q)
{
	static const char *cats[DC_CAT__COUNT + 1];
	for (int i = 0; i < DC_CAT__COUNT; i++)
		cats[i] = dc_category_name((enum dc_category)i);
	memset(q, 0, sizeof *q);
	int cat, due, sort, order;
	long page, per_page;
	if (web_args_only(r, slated_params) < 0 ||
	    web_arg_enum(r, "category", cats, -1, &cat) < 0 ||
	    web_arg_text(r, "site", 95, &q->site) < 0 ||
	    web_arg_text(r, "q", 64, &q->text) < 0 ||
	    web_arg_enum(r, "due", slated_due_names, SLATED_DUE_ALL, &due) < 0 ||
	    web_arg_enum(r, "sort", slated_sort_names, SLATED_SORT_TARGET, &sort) < 0 ||
	    web_arg_enum(r, "order", order_names, 0, &order) < 0 ||
	    web_arg_int(r, "page", 1, 100000, 1, &page) < 0 ||
	    web_arg_int(r, "per_page", 1, 500, WEB_PER_PAGE, &per_page) < 0)
		return -1;
	q->category = cat;
	q->due = (enum slated_due)due;
	q->sort = (enum slated_sort)sort;
	q->desc = order == 1;
	q->page = page;
	q->per_page = per_page;
	return 0;
}

bool web_contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

struct collect {
	const struct slated_query *q;
	long today;
	struct slated_row *rows;
	size_t n, cap;
	bool oom;
};

static int collect_one(const struct dc_screen *s, void *arg)
{
	struct collect *c = arg;
	const struct slated_query *q = c->q;
	long day = 0;
	bool dated = dc_date_days(s->removal_target, &day);
	switch (q->due) {
	case SLATED_DUE_OVERDUE: if (!dated || day >= c->today) return 0; break;
	case SLATED_DUE_UPCOMING: if (!dated || day < c->today) return 0; break;
	case SLATED_DUE_UNDATED: if (dated) return 0; break;
	default: break;
	}
	if (q->text && !web_contains_ci(s->name, q->text) && !web_contains_ci(s->site, q->text) &&
	    !web_contains_ci(s->owner, q->text) && !web_contains_ci(s->id, q->text))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct slated_row *p = realloc(c->rows, cap * sizeof *p);
		if (!p) {
			c->oom = true;
			return 1;
		}
		c->rows = p;
		c->cap = cap;
	}
	struct slated_row *row = &c->rows[c->n++];
	row->s = *s;
	row->dated = dated;
	row->days_left = dated ? day - c->today : 0;
	row->kwh = dc_screen_yearly_kwh(s);
	return 0;
}

static enum slated_sort sort_key;
static bool sort_desc;

static int cmp_double(double a, double b)
{
	return (a > b) - (a < b);
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct slated_row *a = pa, *b = pb;
	int c = 0;
	switch (sort_key) {
	case SLATED_SORT_TARGET:
		/* Undated screens after dated ones, whatever the order. */
		if (a->dated != b->dated)
			return a->dated ? -1 : 1;
		c = (a->days_left > b->days_left) - (a->days_left < b->days_left);
		break;
	case SLATED_SORT_SITE: c = strcoll(a->s.site, b->s.site); break;
	case SLATED_SORT_CATEGORY:
		c = strcoll(dc_category_label(a->s.category), dc_category_label(b->s.category));
		break;
	case SLATED_SORT_OWNER: c = strcoll(a->s.owner, b->s.owner); break;
	case SLATED_SORT_NAME: c = strcoll(a->s.name, b->s.name); break;
	case SLATED_SORT_ID: break;
	case SLATED_SORT_POWER: c = cmp_double(a->s.power_on_w, b->s.power_on_w); break;
	case SLATED_SORT_ENERGY: c = cmp_double(a->kwh, b->kwh); break;
	}
	if (sort_desc)
		c = -c;
	return c ? c : strcmp(a->s.id, b->s.id);	/* stable, total order */
}

int slated_fetch(struct web_req *r, const struct slated_query *q, struct slated_result *out)
{
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	f.status = DC_STATUS_SLATED;
	f.category = q->category;
	f.site = q->site;
	struct collect c = { .q = q, .today = web_today_days(r->now) };
	memset(out, 0, sizeof *out);
	if (dc_store_list_screens(r->w->st, &f, collect_one, &c) < 0 || c.oom) {
		free(c.rows);
		web_error(r, 500, TR("Erreur de lecture de l'inventaire.",
				     "Error while reading the inventory."));
		return -1;
	}
	sort_key = q->sort;
	sort_desc = q->desc;
	if (c.n)
		qsort(c.rows, c.n, sizeof *c.rows, cmp_rows);
	out->rows = c.rows;
	out->n = c.n;
	for (size_t i = 0; i < c.n; i++) {
		out->total_kwh += c.rows[i].kwh;
		out->total_w += c.rows[i].s.power_on_w;
		if (c.rows[i].dated && c.rows[i].days_left < 0)
			out->overdue++;
	}
	return 0;
}

void web_query_arg(struct dc_buf *b, const char **sep, const char *key, const char *value)
{
	dc_buf_puts(b, *sep);
	dc_buf_puts(b, key);
	dc_buf_puts(b, "=");
	dc_esc_url(b, value);
	*sep = "&";
}

void web_query_tail(struct dc_buf *b, const char **sep, const char *sort, bool desc, long page)
{
	if (sort)
		web_query_arg(b, sep, "sort", sort);
	if (desc)
		web_query_arg(b, sep, "order", "desc");
	if (page > 1) {
		char p[24];
		snprintf(p, sizeof p, "%ld", page);
		web_query_arg(b, sep, "page", p);
	}
}

/* The current filters as a query string, for links. */
void slated_query_string(struct dc_buf *b, const struct slated_query *q, int sort, bool desc,
			 long page)
{
	const char *sep = "?";
	if (q->category >= 0)
		web_query_arg(b, &sep, "category", dc_category_name((enum dc_category)q->category));
	if (q->site)
		web_query_arg(b, &sep, "site", q->site);
	if (q->text)
		web_query_arg(b, &sep, "q", q->text);
	if (q->due != SLATED_DUE_ALL)
		web_query_arg(b, &sep, "due", slated_due_names[q->due]);
	web_query_tail(b, &sep, sort != SLATED_SORT_TARGET ? slated_sort_names[sort] : NULL, desc,
		       page);
}

static void days_text(char *buf, size_t len, const struct slated_row *row)
{
	if (!row->dated)
		snprintf(buf, len, "%s", TR("date non fixée", "no date set"));
	else if (row->days_left == 0)
		snprintf(buf, len, "%s", TR("aujourd'hui", "today"));
	else if (row->days_left > 0)
		snprintf(buf, len, TR("dans %ld j", "in %ld d"), row->days_left);
	else
		snprintf(buf, len, TR("en retard de %ld j", "%ld d overdue"), -row->days_left);
}

/* --- HTML ------------------------------------------------------------- */

static void sort_header(struct web_req *r, const struct slated_query *q, int key,
			const char *label, bool numeric)
{
	bool cur = (int)q->sort == key;
	bool next_desc = cur ? !q->desc : false;
	struct dc_buf u = { 0 };
	slated_query_string(&u, q, key, next_desc, 1);
	dc_html(&r->body, "<th scope=\"col\"%r%r><a href=\"/slated%r\">%s</a></th>",
		numeric ? " class=\"num\"" : "",
		cur ? (q->desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "",
		u.p ? u.p : "", label);
	dc_buf_free(&u);
}

void web_option(struct web_req *r, const char *value, const char *label, bool sel)
{
	dc_html(&r->body, "<option value=\"%s\"%r>%s</option>", value, sel ? " selected" : "",
		label);
}

static void filters_form(struct web_req *r, const struct slated_query *q)
{
	dc_html(&r->body, "<form class=\"filters\" method=\"get\" action=\"/slated\" role=\"search\">\n"
		"<div><label for=\"f-cat\">%s</label><select id=\"f-cat\" name=\"category\">",
		TR("Catégorie", "Category"));
	web_option(r, "", TR("Toutes", "All"), q->category < 0);
	for (int c = 0; c < DC_CAT__COUNT; c++)
		web_option(r, dc_category_name((enum dc_category)c),
			      dc_category_label((enum dc_category)c), q->category == c);
	dc_html(&r->body, "</select></div>\n<div><label for=\"f-q\">%s</label>"
		"<input id=\"f-q\" name=\"q\" type=\"search\" maxlength=\"64\" value=\"%s\"></div>\n"
		"<div><label for=\"f-due\">%s</label><select id=\"f-due\" name=\"due\">",
		TR("Recherche (nom, site, propriétaire)", "Search (name, site, owner)"),
		q->text ? q->text : "", TR("Échéance", "Due"));
	const char *due_labels[] = { TR("Toutes", "All"), TR("En retard", "Overdue"),
				     TR("À venir", "Upcoming"), TR("Sans date", "No date") };
	for (int i = 0; slated_due_names[i]; i++)
		web_option(r, slated_due_names[i], due_labels[i], (int)q->due == i);
	dc_html(&r->body, "</select></div>\n");
	if (q->site)
		dc_html(&r->body, "<input type=\"hidden\" name=\"site\" value=\"%s\">", q->site);
	if (q->sort != SLATED_SORT_TARGET)
		dc_html(&r->body, "<input type=\"hidden\" name=\"sort\" value=\"%s\">",
			slated_sort_names[q->sort]);
	if (q->desc)
		dc_html(&r->body, "<input type=\"hidden\" name=\"order\" value=\"desc\">");
	dc_html(&r->body, "<div><button type=\"submit\">%s</button></div>\n</form>\n",
		TR("Filtrer", "Filter"));
}

static void slated_pager_link(struct dc_buf *b, long page, const void *ctx)
{
	const struct slated_query *q = ctx;
	dc_buf_puts(b, "/slated");
	slated_query_string(b, q, q->sort, q->desc, page);
}

void web_pager(struct web_req *r, long page, long pages,
	       void (*link)(struct dc_buf *b, long page, const void *ctx), const void *ctx)
{
	if (pages <= 1)
		return;
	dc_html(&r->body, "<nav class=\"pages noprint\" aria-label=\"%s\"><ul>",
		TR("Pages de la liste", "List pages"));
	for (long p = 1; p <= pages; p++) {
		/* First, last, and a window around the current page. */
		if (p != 1 && p != pages && (p < page - 3 || p > page + 3)) {
			if (p == page - 4 || p == page + 4)
				dc_html(&r->body, "<li>…</li>");
			continue;
		}
		struct dc_buf u = { 0 };
		link(&u, p, ctx);
		char pn[24];
		snprintf(pn, sizeof pn, "%ld", p);
		dc_html(&r->body, "<li><a href=\"%r\"%r>%s</a></li>", u.p ? u.p : "",
			p == page ? " aria-current=\"page\"" : "", pn);
		dc_buf_free(&u);
	}
	dc_html(&r->body, "</ul></nav>\n");
}

static void slated_html(struct web_req *r, const struct slated_query *q,
			const struct slated_result *res)
{
	enum dc_lang lang = r->lang;
	char a[64], b[64], c[64];
	web_page_begin(r, TR("Écrans dont la dépose est prévue", "Screens slated for removal"),
		       "slated");
	dc_html(&r->body, "<h1>%s</h1>\n",
		TR("Écrans dont la dépose est prévue", "Screens slated for removal"));
	filters_form(r, q);
	dc_html(&r->body, "<p class=\"summary\" id=\"slated-summary\">%s %s · %s %s · %s %s %s</p>\n",
		web_num(a, sizeof a, (double)res->n, 0, lang),
		web_plural((double)res->n, "écran", "écrans", "screen", "screens"),
		web_num(b, sizeof b, (double)res->overdue, 0, lang), TR("en retard", "overdue"),
		TR("énergie annuelle évitée par leur dépose :",
		   "yearly energy their removal saves:"),
		web_num(c, sizeof c, res->total_kwh, 0, lang),
		TR("kWh/an (estimation : puissance × heures d'avant le plan × 365)",
		   "kWh/yr (estimate: power × pre-plan hours × 365)"));
	struct dc_buf qs = { 0 };
	slated_query_string(&qs, q, q->sort, q->desc, 1);
	const char *qsp = qs.p ? qs.p : "";
	dc_html(&r->body, "<p class=\"downloads noprint\">%s <a href=\"/slated.csv%r\" download>CSV</a>"
		" · <a href=\"/slated.geojson%r\" download>GeoJSON</a> · "
		"<a href=\"/api/v1/slated%r\">JSON</a></p>\n",
		TR("Télécharger la liste :", "Download the list:"), qsp, qsp, qsp);
	dc_buf_free(&qs);

	long pages = res->n ? (long)((res->n + (size_t)q->per_page - 1) / (size_t)q->per_page) : 1;
	long page = q->page > pages ? pages : q->page;
	size_t from = (size_t)(page - 1) * (size_t)q->per_page;
	size_t to = from + (size_t)q->per_page < res->n ? from + (size_t)q->per_page : res->n;

	dc_html(&r->body, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table class=\"data\" id=\"slated\">\n<caption>%s",
		TR("Déposes prévues", "Slated removals"), TR("Déposes prévues", "Slated removals"));
	if (pages > 1) {
		char p1[16], p2[16];
		dc_html(&r->body, " — %s %s / %s", TR("page", "page"),
			web_num(p1, sizeof p1, (double)page, 0, lang),
			web_num(p2, sizeof p2, (double)pages, 0, lang));
	}
	dc_html(&r->body, "</caption>\n<thead><tr>");
	sort_header(r, q, SLATED_SORT_NAME, TR("Écran", "Screen"), false);
	sort_header(r, q, SLATED_SORT_SITE, TR("Site", "Site"), false);
	sort_header(r, q, SLATED_SORT_CATEGORY, TR("Catégorie", "Category"), false);
	sort_header(r, q, SLATED_SORT_OWNER, TR("Propriétaire", "Owner"), false);
	sort_header(r, q, SLATED_SORT_TARGET, TR("Date cible", "Target date"), false);
	dc_html(&r->body, "<th scope=\"col\">%s</th>", TR("Délai", "Time left"));
	sort_header(r, q, SLATED_SORT_POWER, TR("Puissance (W)", "Power (W)"), true);
	sort_header(r, q, SLATED_SORT_ENERGY, TR("Énergie évitée (kWh/an, estim.)",
						 "Energy saved (kWh/yr, est.)"), true);
	dc_html(&r->body, "</tr></thead>\n<tbody>\n");
	for (size_t i = from; i < to; i++) {
		const struct slated_row *row = &res->rows[i];
		char days[48], date[32], pw[32], kwh[32];
		days_text(days, sizeof days, row);
		dc_html(&r->body, "<tr%r><th scope=\"row\"><a href=\"/screen/%u\">%s</a></th>"
			"<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
			row->dated && row->days_left < 0 ? " class=\"overdue\"" : "",
			row->s.id, row->s.name, row->s.site, dc_category_label(row->s.category),
			row->s.owner, row->dated ? web_fmt_date(date, sizeof date,
							row->s.removal_target, lang) : "—",
			days, row->s.power_on_w > 0 ? web_num(pw, sizeof pw, row->s.power_on_w, 0, lang)
						    : TR("non déclarée", "not declared"),
			row->s.power_on_w > 0 ? web_num(kwh, sizeof kwh, row->kwh, 0, lang)
					      : TR("inconnue", "unknown"));
	}
	if (res->n == 0)
		dc_html(&r->body, "<tr><td colspan=\"8\">%s</td></tr>\n",
			TR("Aucun écran ne correspond à ces critères.", "No screen matches."));
	dc_html(&r->body, "</tbody>\n</table></div>\n");
	web_pager(r, page, pages, slated_pager_link, q);
	web_page_end(r);
}

/* --- CSV and GeoJSON (columns: lib/opendata's removal list) ----------- */

static void slated_download(struct web_req *r, const struct slated_result *res, enum od_format f)
{
	od_begin(r, &dc_od_removals, f);
	for (size_t i = 0; i < res->n; i++) {
		const struct slated_row *row = &res->rows[i];
		struct dc_od_row o = { .s = &row->s, .dated = row->dated,
				       .days_left = row->days_left, .yearly_kwh = row->kwh };
		od_row(r, &dc_od_removals, f, &o, i == 0);
	}
	od_end(r, f);
}

void page_slated(struct web_req *r, const char *format)
{
	struct slated_query q;
	struct slated_result res;
	if (slated_query_parse(r, &q) < 0 || slated_fetch(r, &q, &res) < 0)
		return;
	if (strcmp(format, "csv") == 0)
		slated_download(r, &res, OD_CSV);
	else if (strcmp(format, "csv-fr") == 0)
		slated_download(r, &res, OD_CSV_FR);
	else if (strcmp(format, "geojson") == 0)
		slated_download(r, &res, OD_GEOJSON);
	else
		slated_html(r, &q, &res);
	r->cacheable = true;
	free(res.rows);
}
