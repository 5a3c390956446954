/* web_map.c — /map: the screens drawn by the server as an SVG from their
 * coordinates (lib/maplayout), coloured by category, shaped by status, with
 * a legend and the same figures as a table.  No script, no tile server:
 * the only images are the commune's own (open_data.map_background). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maplayout.h"
#include "web_opendata.h"

#define MAP_W 800
#define MAP_MARGIN 16
#define MAP_MAX_TILES 48
/* Past this many points the markers carry no name (the page stays light;
 * the inventory lists them). */
#define MAP_NAMED_MAX 2000

struct map_point {
	double lat, lon;
	unsigned char cat, st;
	char id[DC_ID_MAX];
	char name[128];
};

struct map_collect {
	struct map_point *v;
	size_t n, cap;
	long unplaced;		/* no coordinates */
	long by[DC_CAT__COUNT][DC_STATUS__COUNT];
	bool oom;
};

static int map_one(const struct dc_screen *s, void *arg)
{
	struct map_collect *c = arg;
	if (!s->has_coords) {
		c->unplaced++;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct map_point *p = realloc(c->v, cap * sizeof *p);
		if (!p) {
			c->oom = true;
			return 1;
		}
		c->v = p;
		c->cap = cap;
	}
	struct map_point *p = &c->v[c->n++];
	p->lat = s->lat;
	p->lon = s->lon;
	p->cat = (unsigned char)s->category;
	p->st = (unsigned char)s->status;
	memcpy(p->id, s->id, sizeof p->id);
	memcpy(p->name, s->name, sizeof p->name);
	return 0;
}

struct tile_ctx {
	struct web_req *r;
	const char *tmpl;
};

static void tile_one(void *arg, int z, long x, long y, double px, double py, double size)
{
	struct tile_ctx *t = arg;
	struct dc_buf url = { 0 };
	for (const char *p = t->tmpl; *p;) {
		if (!strncmp(p, "{z}", 3))
			dc_buf_printf(&url, "%d", z), p += 3;
		else if (!strncmp(p, "{x}", 3))
			dc_buf_printf(&url, "%ld", x), p += 3;
		else if (!strncmp(p, "{y}", 3))
			dc_buf_printf(&url, "%ld", y), p += 3;
		else
			dc_buf_put(&url, p++, 1);
	}
	dc_buf_printf(&t->r->body, "<image x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.2f\" href=\"",
		      px, py, size + 0.5, size + 0.5);
	dc_esc_html(&t->r->body, url.p ? url.p : "");
	dc_buf_puts(&t->r->body, "\"/>");
	dc_buf_free(&url);
}

/* Marker shapes by status (not by colour alone): circle, square,
 * triangle, cross. */
static const char *const shapes =
	"<circle id=\"m0\" r=\"5\"/><rect id=\"m1\" x=\"-4.5\" y=\"-4.5\" width=\"9\" height=\"9\"/>"
	"<path id=\"m2\" d=\"M0-6L5.6 4H-5.6z\"/>"
	"<path id=\"m3\" d=\"M-5.5-2h3.5v-3.5h4v3.5h3.5v4h-3.5v3.5h-4v-3.5h-3.5z\"/>";

static void legend_icon(struct web_req *r, int shape, int cat)
{
	dc_html(&r->body, "<svg class=\"icon\" aria-hidden=\"true\" focusable=\"false\" width=\"16\" "
		"height=\"16\" viewBox=\"-8 -8 16 16\"><use href=\"#m%d\" class=\"%r\"/></svg>",
		shape, cat >= 0 ? (const char *[]){ "k0", "k1", "k2", "k3", "k4", "k5", "k6" }[cat]
				: "kn");
}

static void map_svg(struct web_req *r, const struct map_collect *c, long *outside)
{
	const struct dc_web_open_data *od = &r->w->od;
	struct dc_map_bbox box;
	struct dc_map_view v;
	bool image = r->w->map_bg.data != NULL;
	*outside = 0;
	if (image) {
		box = (struct dc_map_bbox){ od->bg_bbox[0], od->bg_bbox[1], od->bg_bbox[2],
					    od->bg_bbox[3] };
	} else {
		double *lat = malloc((c->n + 1) * sizeof *lat), *lon = malloc((c->n + 1) * sizeof *lon);
		for (size_t i = 0; lat && lon && i < c->n; i++)
			lat[i] = c->v[i].lat, lon[i] = c->v[i].lon;
		if (!lat || !lon || !dc_map_bbox_of(lat, lon, c->n, 0.004, &box))
			box = (struct dc_map_bbox){ -5, 42, 8, 51 };	/* metropolitan France */
		free(lat);
		free(lon);
	}
	dc_map_fit(&box, MAP_W, 240, 680, image ? 0 : MAP_MARGIN, &v);
	char n[32];
	web_num(n, sizeof n, (double)c->n, 0, r->lang);
	dc_html(&r->body, "<svg class=\"map\" id=\"map\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-labelledby=\"map-t map-d\"><title id=\"map-t\">%s</title>"
		"<desc id=\"map-d\">%s</desc><defs>%r</defs>\n", v.width, v.height,
		TR("Carte des écrans", "Map of the screens"),
		TR("Chaque écran localisé est un repère : sa couleur dit sa catégorie, sa forme son "
		   "statut. Les mêmes écrans sont comptés dans le tableau qui suit la carte.",
		   "Each located screen is a marker: its colour gives its category, its shape its "
		   "status. The table after the map counts the same screens."), shapes);
	dc_html(&r->body, "<rect class=\"sea\" width=\"%d\" height=\"%d\"/>", v.width, v.height);
	if (image) {
		dc_html(&r->body, "<image x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
			"preserveAspectRatio=\"none\" href=\"/map/background?v=", v.width, v.height);
		dc_buf_put(&r->body, r->w->map_bg.etag + 1, 8);
		dc_buf_puts(&r->body, "\"/>\n");
	} else if (od->bg_tiles[0]) {
		struct tile_ctx t = { r, od->bg_tiles };
		dc_map_tiles(&v, dc_map_tile_zoom(&v, od->bg_max_zoom), MAP_MAX_TILES, tile_one, &t);
		dc_buf_puts(&r->body, "\n");
	}
	bool named = c->n <= MAP_NAMED_MAX;
	for (size_t i = 0; i < c->n; i++) {
		const struct map_point *p = &c->v[i];
		double x, y;
		if (!dc_map_project(&v, p->lat, p->lon, &x, &y)) {
			(*outside)++;
			continue;
		}
		dc_buf_printf(&r->body, "<use href=\"#m%d\" x=\"%.1f\" y=\"%.1f\" class=\"k%d\">",
			      p->st, x, y, p->cat);
		if (named)
			dc_html(&r->body, "<title>%s (%s, %s)</title>", p->name,
				dc_category_label((enum dc_category)p->cat),
				dc_status_label((enum dc_status)p->st));
		dc_buf_puts(&r->body, "</use>\n");
	}
	dc_buf_puts(&r->body, "</svg>\n");
}

static void map_legend(struct web_req *r)
{
	dc_html(&r->body, "<div class=\"legend\"><h2 id=\"legend\">%s</h2>\n<p>%s</p><ul>",
		TR("Légende", "Legend"), TR("Couleur : catégorie", "Colour: category"));
	for (int k = 0; k < DC_CAT__COUNT; k++) {
		dc_html(&r->body, "<li>");
		legend_icon(r, 0, k);
		dc_html(&r->body, " %s</li>", dc_category_label((enum dc_category)k));
	}
	dc_html(&r->body, "</ul>\n<p>%s</p><ul>", TR("Forme : statut", "Shape: status"));
	for (int s = 0; s < DC_STATUS__COUNT; s++) {
		dc_html(&r->body, "<li>");
		legend_icon(r, s, -1);
		dc_html(&r->body, " %s</li>", dc_status_label((enum dc_status)s));
	}
	dc_html(&r->body, "</ul></div>\n");
}

/* The text alternative: the markers counted by category and status. */
static void map_table(struct web_req *r, const struct map_collect *c)
{
	char n[32];
	dc_html(&r->body, "<div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"map-cap\">"
		"<table class=\"data\" id=\"map-table\"><caption id=\"map-cap\">%s</caption>\n"
		"<thead><tr><th scope=\"col\">%s</th>", TR("Écrans de la carte par catégorie et statut",
							  "Screens on the map by category and status"),
		TR("Catégorie", "Category"));
	for (int s = 0; s < DC_STATUS__COUNT; s++)
		dc_html(&r->body, "<th scope=\"col\" class=\"num\">%s</th>",
			dc_status_label((enum dc_status)s));
	dc_html(&r->body, "</tr></thead>\n<tbody>\n");
	for (int k = 0; k < DC_CAT__COUNT; k++) {
		dc_html(&r->body, "<tr><th scope=\"row\">%s</th>", dc_category_label((enum dc_category)k));
		for (int s = 0; s < DC_STATUS__COUNT; s++) {
			struct dc_buf u = { 0 };
			dc_buf_printf(&u, "/screens?category=%s&status=%s",
				      dc_category_name((enum dc_category)k),
				      dc_status_name((enum dc_status)s));
			dc_html(&r->body, "<td class=\"num\"><a href=\"%s\">%s</a></td>", u.p ? u.p : "",
				web_num(n, sizeof n, (double)c->by[k][s], 0, r->lang));
			dc_buf_free(&u);
		}
		dc_html(&r->body, "</tr>\n");
	}
	dc_html(&r->body, "</tbody></table></div>\n");
}

void page_map(struct web_req *r)
{
	struct od_query q;
	struct map_collect c = { 0 };
	if (od_query_parse(r, &q, false) < 0 || od_list(r, &q, map_one, &c) < 0) {
		free(c.v);
		return;
	}
	if (c.oom) {
		free(c.v);
		web_error(r, 500, "out of memory");
		return;
	}
	for (size_t i = 0; i < c.n; i++)
		c.by[c.v[i].cat][c.v[i].st]++;
	char a[32], b[32], d[32];
	long outside;
	web_page_begin(r, TR("Carte des écrans", "Map of the screens"), "map");
	dc_html(&r->body, "<h1>%s</h1>\n", TR("Carte des écrans", "Map of the screens"));
	od_filters_form(r, &q, "/map");
	dc_html(&r->body, "<figure class=\"mapbox\">\n");
	map_svg(r, &c, &outside);
	dc_html(&r->body, "<figcaption id=\"map-summary\">%s %s", web_num(a, sizeof a,
		(double)(c.n - (size_t)outside), 0, r->lang), web_plural((double)(c.n - (size_t)outside),
		"écran sur la carte", "écrans sur la carte", "screen on the map", "screens on the map"));
	if (c.unplaced)
		dc_html(&r->body, " · %s %s", web_num(b, sizeof b, (double)c.unplaced, 0, r->lang),
			TR("sans coordonnées (absents de la carte)", "without coordinates (not on the map)"));
	if (outside)
		dc_html(&r->body, " · %s %s", web_num(d, sizeof d, (double)outside, 0, r->lang),
			TR("hors du fond de carte", "outside the background map"));
	dc_html(&r->body, ". <a href=\"/screens\">%s</a>.", TR("Liste de tous les écrans",
							       "List of every screen"));
	if (r->w->od.bg_attribution[0])
		dc_html(&r->body, " <span class=\"attribution\">%s</span>", r->w->od.bg_attribution);
	dc_html(&r->body, "</figcaption>\n</figure>\n");
	map_legend(r);
	map_table(r, &c);
	web_page_end(r);
	free(c.v);
	r->cacheable = true;
}
