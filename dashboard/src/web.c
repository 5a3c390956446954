/* web.c — the dashboard's HTTP shell: libmicrohttpd in external-epoll mode,
 * routing, the page layout, security headers, caching (ETag, 304), gzip.
 *
 * Public pages are the same for every visitor of a URL in a language, so
 * they are rendered once and kept in a small cache until what they show
 * changes: the inventory or the plan changes (triggers move
 * content_version, whoever writes), the energy ledger moves on
 * (ledger_meta), the day changes
 * ("days left") or 06:00 comes (last night's compliance).  The gateway's
 * busy tables (commands, readings, alarms...) do not count: the public
 * pages do not show them, so a gateway at work does not empty the cache.
 */
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store.h"
#include "web_internal.h"

#define CACHE_SLOTS 64
/* content_version, the ledger's last computed hour (new inputs only mark
 * it dirty: the pages change when it is recomputed), day */
#define CACHE_VERSION 4
/* Bytes the page cache may hold (bodies + gzip copies): a Raspberry Pi
 * has other things to do with its memory.  Larger pages are not cached. */
#define CACHE_BUDGET (8u << 20)
#define CACHE_ENTRY_MAX (1u << 20)

struct cache_entry {
	char *key;
	int64_t version[CACHE_VERSION];
	uint64_t used;
	unsigned status;
	const char *ctype, *disposition;
	char link[600], disp[160];
	char *body, *gz;
	size_t len, gzlen;
	char etag[40];
};

struct dc_page_cache {
	struct cache_entry e[CACHE_SLOTS];
	uint64_t clock;
	size_t bytes;
};

/* --- small helpers ---------------------------------------------------- */

static char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat sb;
	char *p = NULL;
	if (fstat(fd, &sb) == 0 && sb.st_size < (1 << 20)) {
		p = malloc((size_t)sb.st_size + 1);
		if (p && read(fd, p, (size_t)sb.st_size) == sb.st_size) {
			p[sb.st_size] = '\0';
			*len = (size_t)sb.st_size;
		} else {
			free(p);
			p = NULL;
		}
	}
	close(fd);
	return p;
}

static void etag_of(const char *data, size_t len, const char *suffix, char *out, size_t outlen)
{
	uLong crc = crc32(0L, (const Bytef *)data, (uInt)len);
	snprintf(out, outlen, "\"%08lx%zx%s\"", crc, len, suffix);
}

/* gzip (RFC 1952) of data; NULL when it would not help or fails. */
static char *gzip_of(const char *data, size_t len, size_t *gzlen)
{
	if (len < 256)
		return NULL;
	z_stream z = { 0 };
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong cap = deflateBound(&z, (uLong)len);
	char *out = malloc(cap);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*gzlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END || *gzlen >= len) {
		free(out);
		return NULL;
	}
	return out;
}

static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	if (!ae)
		return false;
	const char *g = strstr(ae, "gzip");
	if (!g)
		return false;
	/* "gzip;q=0" refuses it explicitly. */
	const char *q = strchr(g, ';');
	const char *comma = strchr(g, ',');
	if (q && (!comma || q < comma)) {
		while (*++q == ' ')
			;
		if (strncmp(q, "q=0", 3) == 0 && (q[3] == '\0' || q[3] == ',' ||
						  (q[3] == '.' && strspn(q + 4, "0") > 0 &&
						   (q[4 + strspn(q + 4, "0")] == '\0' ||
						    q[4 + strspn(q + 4, "0")] == ','))))
			return false;
	}
	return true;
}

static bool etag_matches(struct MHD_Connection *c, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

/* --- cache ------------------------------------------------------------ */

static void cache_entry_clear(struct dc_page_cache *c, struct cache_entry *e)
{
	c->bytes -= e->len + e->gzlen;
	free(e->key);
	free(e->body);
	free(e->gz);
	memset(e, 0, sizeof *e);
}

static void data_version(struct dc_web *w, const char *url, time_t now, int64_t v[CACHE_VERSION])
{
	v[0] = v[1] = -1;
	if (w->content_version) {
		if (sqlite3_step(w->content_version) == SQLITE_ROW)
			for (int i = 0; i < 2; i++)
				v[i] = sqlite3_column_int64(w->content_version, i);
		/* A statement left on its row holds a read transaction: the WAL
		 * could not be checkpointed past it until the next page view. */
		sqlite3_reset(w->content_version);
	}
	/* The day ("days left", this month) and its 06:00, when "last night"
	 * of the compliance figures turns over. */
	struct tm tm;
	localtime_r(&now, &tm);
	v[2] = 2 * dc_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) +
	       (tm.tm_hour >= 6);
	v[3] = strcmp(url, "/") == 0 ? web_alarms_fingerprint(w) : 0;
}

static void cache_key(struct web_req *r, struct dc_buf *k);

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct dc_buf *k = cls;
	dc_buf_puts(k, "&");
	dc_esc_url(k, key);
	dc_buf_puts(k, "=");
	dc_esc_url(k, value ? value : "");
	return MHD_YES;
}

static void cache_key(struct web_req *r, struct dc_buf *k)
{
	dc_buf_printf(k, "%s %s ", r->lang == DC_LANG_EN ? "en" : "fr", r->url);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, k);
}

static struct cache_entry *cache_get(struct dc_web *w, const char *key, const int64_t v[CACHE_VERSION])
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct cache_entry *e = &w->cache->e[i];
		if (e->key && strcmp(e->key, key) == 0) {
			if (memcmp(e->version, v, sizeof e->version) != 0) {
				cache_entry_clear(w->cache, e);
				return NULL;
			}
			e->used = ++w->cache->clock;
			return e;
		}
	}
	return NULL;
}

static struct cache_entry *cache_put(struct dc_web *w, char *key, const int64_t v[CACHE_VERSION],
				     struct web_req *r)
{
	struct dc_page_cache *c = w->cache;
	struct cache_entry *e;
	/* Evict least recently used entries until a slot is free and the
	 * new page fits in the budget. */
	for (;;) {
		struct cache_entry *lru = NULL, *free_slot = NULL;
		for (int i = 0; i < CACHE_SLOTS; i++) {
			if (!c->e[i].key)
				free_slot = free_slot ? free_slot : &c->e[i];
			else if (!lru || c->e[i].used < lru->used)
				lru = &c->e[i];
		}
		if (free_slot && c->bytes + 2 * r->body.len <= CACHE_BUDGET) {
			e = free_slot;
			break;
		}
		if (!lru) {
			e = free_slot;
			break;
		}
		cache_entry_clear(c, lru);
	}
	e->key = key;
	memcpy(e->version, v, sizeof e->version);
	e->used = ++w->cache->clock;
	e->status = r->status;
	e->ctype = r->ctype;
	snprintf(e->disp, sizeof e->disp, "%s", r->disposition ? r->disposition : "");
	e->disposition = r->disposition ? e->disp : NULL;
	memcpy(e->link, r->link, sizeof e->link);
	e->body = dc_buf_take(&r->body, &e->len);
	e->gz = gzip_of(e->body, e->len, &e->gzlen);
	etag_of(e->body, e->len, "", e->etag, sizeof e->etag);
	c->bytes += e->len + e->gzlen;
	return e;
}

/* --- request parsing -------------------------------------------------- */

const char *web_cookie(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *web_header(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static void choose_lang(struct web_req *r)
{
	const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "lang");
	if (q && (strcmp(q, "fr") == 0 || strcmp(q, "en") == 0)) {
		r->lang = q[0] == 'e' ? DC_LANG_EN : DC_LANG_FR;
		r->lang_cookie_set = r->lang == DC_LANG_EN ? "en" : "fr";
		return;
	}
	const char *c = web_cookie(r, "lang");
	if (c && (strcmp(c, "fr") == 0 || strcmp(c, "en") == 0)) {
		r->lang = c[0] == 'e' ? DC_LANG_EN : DC_LANG_FR;
		return;
	}
	r->lang = DC_LANG_FR;
	const char *al = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language");
	/* The first of fr/en the browser lists wins (browsers list by preference). */
	for (const char *p = al; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if ((p[0] == 'e' || p[0] == 'E') && (p[1] == 'n' || p[1] == 'N') &&
		    (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ',')) {
			r->lang = DC_LANG_EN;
			return;
		}
		if ((p[0] == 'f' || p[0] == 'F') && (p[1] == 'r' || p[1] == 'R') &&
		    (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ',')) {
			return;
		}
		p = strchr(p, ',');
	}
}

void web_add_cookie(struct web_req *r, const char *name, const char *value, int max_age)
{
	if (r->ncookies >= 3)
		return;
	snprintf(r->cookies[r->ncookies++], sizeof r->cookies[0],
		 "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", name, value, max_age,
		 r->w->cfg.secure_cookies ? "; Secure" : "");
}

void web_redirect(struct web_req *r, const char *location)
{
	r->status = 303;
	snprintf(r->location, sizeof r->location, "%s", location);
	dc_buf_reset(&r->body);
}

bool web_csrf_ok(struct web_req *r)
{
	const char *t = web_form(r, "csrf");
	return r->sess.valid && t && strlen(t) == strlen(r->sess.csrf) &&
	       strcmp(t, r->sess.csrf) == 0;
}

/* --- layout ----------------------------------------------------------- */

static void nav_item(struct web_req *r, const char *href, const char *label, bool current)
{
	dc_html(&r->body, "<li><a href=\"%s\"%r>%s</a></li>", href,
		current ? " aria-current=\"page\"" : "", label);
}

/* Writes layout text [from, to) replacing {{slot}} by its value. */
static void layout_part(struct web_req *r, const char *from, const char *to, const char *title,
			const char *cur)
{
	const char *p = from;
	while (p < to) {
		const char *open = strstr(p, "{{");
		if (!open || open >= to) {
			dc_buf_put(&r->body, p, (size_t)(to - p));
			return;
		}
		dc_buf_put(&r->body, p, (size_t)(open - p));
		const char *close = strstr(open, "}}");
		if (!close)
			return;
		size_t n = (size_t)(close - open - 2);
		const char *slot = open + 2;
#define SLOT(s) (n == sizeof(s) - 1 && memcmp(slot, s, n) == 0)
		if (SLOT("lang"))
			dc_buf_puts(&r->body, r->lang == DC_LANG_EN ? "en" : "fr");
		else if (SLOT("title"))
			dc_esc_html(&r->body, title);
		else if (SLOT("cssv"))
			dc_buf_put(&r->body, r->w->css.etag + 1, 8);
		else if (SLOT("jsv"))
			dc_buf_put(&r->body, r->w->js.etag + 1, 8);
		else if (SLOT("skip"))
			dc_esc_html(&r->body, TR("Aller au contenu", "Skip to content"));
		else if (SLOT("tagline"))
			dc_esc_html(&r->body, TR("sobriété des écrans de la ville",
						 "the city's screen sobriety plan"));
		else if (SLOT("navlabel"))
			dc_esc_html(&r->body, TR("Menu principal", "Main menu"));
		else if (SLOT("nav")) {
			nav_item(r, "/", TR("Avancement", "Progress"), strcmp(cur, "progress") == 0);
			nav_item(r, "/slated", TR("Déposes prévues", "Slated for removal"),
				 strcmp(cur, "slated") == 0);
			nav_item(r, "/screens", TR("Inventaire", "Inventory"),
				 strcmp(cur, "screens") == 0);
			nav_item(r, "/map", TR("Carte", "Map"), strcmp(cur, "map") == 0);
			nav_item(r, "/compliance", TR("Règle de nuit", "Night rule"),
				 strcmp(cur, "compliance") == 0);
			nav_item(r, "/tech", TR("Technicien", "Technician"), strcmp(cur, "tech") == 0);
		} else if (SLOT("langswitch")) {
			if (r->lang == DC_LANG_EN)
				dc_html(&r->body, "<a href=\"%s?lang=fr\" lang=\"fr\" hreflang=\"fr\">"
					"Version française</a>", r->url);
			else
				dc_html(&r->body, "<a href=\"%s?lang=en\" lang=\"en\" hreflang=\"en\">"
					"English version</a>", r->url);
		} else if (SLOT("context")) {
			web_context_line(r);
		} else if (SLOT("legal")) {
			dc_html(&r->body, "<a href=\"/mentions-legales\">%s</a> · "
				"<a href=\"/accessibilite\">%s%s</a>", TR("Mentions légales", "Legal notice"),
				TR("Accessibilité : ", "Accessibility: "),
				dc_a11y_level_label(r->w->a11y.level));
		} else if (SLOT("footer")) {
			dc_esc_html(&r->body, TR("decran, logiciel libre (GPL-3.0 ou ultérieure). "
						 "Aucune ressource externe, aucun traceur.",
						 "decran, free software (GPL-3.0 or later). "
						 "No external resource, no tracker."));
		}
#undef SLOT
		p = close + 2;
	}
}

void web_page_begin(struct web_req *r, const char *title, const char *nav_current)
{
	const char *main = strstr(r->w->layout, "{{main}}");
	r->ctype = "text/html; charset=utf-8";
	layout_part(r, r->w->layout, main, title, nav_current);
}

void web_page_end(struct web_req *r)
{
	const char *main = strstr(r->w->layout, "{{main}}") + strlen("{{main}}");
	layout_part(r, main, main + strlen(main), "", "");
}

/* --- responses -------------------------------------------------------- */

static void security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
				"form-action 'self'");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
}

static enum MHD_Result send_bytes(struct web_req *r, unsigned status, const char *ctype,
				  const char *body, size_t len, const char *etag, bool gz,
				  const char *cache_control)
{
	struct MHD_Response *resp;
	bool not_modified = etag && status == 200 && etag_matches(r->conn, etag);
	if (not_modified) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_MODIFIED;
	} else {
		resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	}
	if (!resp)
		return MHD_NO;
	security_headers(resp);
	if (ctype)
		MHD_add_response_header(resp, "Content-Type", ctype);
	if (etag)
		MHD_add_response_header(resp, "ETag", etag);
	if (gz && !not_modified)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	MHD_add_response_header(resp, "Vary", "Accept-Encoding, Accept-Language, Cookie");
	MHD_add_response_header(resp, "Cache-Control", cache_control);
	if (r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
	if (r->disposition && !not_modified)
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	if (r->link[0])
		MHD_add_response_header(resp, "Link", r->link);
	for (int i = 0; i < r->ncookies; i++)
		MHD_add_response_header(resp, "Set-Cookie", r->cookies[i]);
	if (r->ask_bearer)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"decran metrics\"");
	if (r->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	if (status >= 500)
		r->w->responses_5xx++;
	else if (status >= 400)
		r->w->responses_4xx++;
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_entry(struct web_req *r, const struct cache_entry *e,
				  const char *cache_control)
{
	bool gz = e->gz && accepts_gzip(r->conn);
	char etag[48];
	/* A hit's headers are the entry's, as the first answer had them. */
	r->disposition = e->disposition;
	memcpy(r->link, e->link, sizeof r->link);
	snprintf(etag, sizeof etag, "%.*s%s\"", (int)strlen(e->etag) - 1, e->etag,
		 gz ? "-gz" : "");
	return send_bytes(r, e->status, e->ctype, gz ? e->gz : e->body, gz ? e->gzlen : e->len,
			  etag, gz, cache_control);
}

static enum MHD_Result send_asset(struct web_req *r, const struct web_asset *a, const char *ctype)
{
	/* Pages link assets with ?v=<hash>: a changed file gets a new URL, so
	 * browsers may keep them a year without asking. */
	return send_bytes(r, 200, ctype, a->data, a->len, a->etag, false,
			  web_arg(r, "v") ? "public, max-age=31536000, immutable"
					  : "public, max-age=3600");
}

/* --- routing ---------------------------------------------------------- */

static void route(struct web_req *r)
{
	const char *u = r->url;
	bool get = !r->is_post;
	if (get && strcmp(u, "/") == 0)
		page_progress(r);
	else if (get && strcmp(u, "/slated") == 0)
		page_slated(r, "html");
	else if (get && strcmp(u, "/energy") == 0)
		page_energy(r);
	else if (get && strcmp(u, "/report") == 0)
		page_report(r);
	else if (get && strcmp(u, "/slated.csv") == 0)
		page_slated(r, "csv");
	else if (get && strcmp(u, "/slated.geojson") == 0)
		page_slated(r, "geojson");
	else if (get && strncmp(u, "/screen/", 8) == 0)
		page_screen(r, u + 8);
	else if (strcmp(u, "/login") == 0)
		page_login(r);
	else if (strcmp(u, "/logout") == 0 && r->is_post)
		page_logout(r);
	else if (get && strcmp(u, "/tech") == 0)
		page_tech(r);
	else if (r->is_post && strncmp(u, "/tech/", 6) == 0)
		page_tech_action(r, u + 6);
	else if (strncmp(u, "/box", 4) == 0 && (u[4] == '\0' || u[4] == '/'))
		page_box(r, u + 4);
	else if (strncmp(u, "/api/v1/", 8) == 0)
		api_dispatch(r, u + 8);
	else if (get && strcmp(u, "/metrics") == 0)
		page_metrics(r);
	else if (get && page_opendata(r, u))
		;
	else if (get && strcmp(u, "/compliance") == 0)
		page_compliance(r);
	else if (get && strcmp(u, "/compliance.csv") == 0)
		page_compliance_csv(r);
	else if (get && strcmp(u, "/compliance/history") == 0)
		page_compliance_history(r);
	else if (get && strcmp(u, "/mentions-legales") == 0)
		page_legal(r);
	else if (get && strcmp(u, "/accessibilite") == 0)
		page_accessibility(r);
	else
		web_error(r, 404, TR("Cette page n'existe pas.", "This page does not exist."));
}

static bool is_cacheable_url(const char *u)
{
	return strcmp(u, "/") == 0 || strcmp(u, "/slated") == 0 || strcmp(u, "/slated.csv") == 0 ||
	       strcmp(u, "/slated.geojson") == 0 || strcmp(u, "/api/v1/progress") == 0 ||
	       strcmp(u, "/api/v1/slated") == 0 || strcmp(u, "/energy") == 0 ||
	       strcmp(u, "/report") == 0 || opendata_cacheable(u) ||
	       strcmp(u, "/compliance") == 0 || strcmp(u, "/compliance.csv") == 0 ||
	       strcmp(u, "/compliance/history") == 0 || strcmp(u, "/mentions-legales") == 0 ||
	       strcmp(u, "/accessibilite") == 0;
}

static enum MHD_Result respond(struct web_req *r)
{
	struct dc_web *w = r->w;
	w->requests_total++;
	r->wall = time(NULL);
	r->now = w->hooks.now ? (time_t)w->hooks.now(w->hooks.arg) : r->wall;
	choose_lang(r);
	dc_set_lang(r->lang);
	if (r->lang_cookie_set)
		web_add_cookie(r, "lang", r->lang_cookie_set, 31536000);

	if (!r->is_post && strcmp(r->url, "/static/style.css") == 0)
		return send_asset(r, &w->css, "text/css; charset=utf-8");
	if (!r->is_post && strcmp(r->url, "/static/app.js") == 0)
		return send_asset(r, &w->js, "text/javascript; charset=utf-8");

	/* Anonymous GETs of public pages: from the cache when the data did
	 * not change.  A session cookie only changes the navigation, and the
	 * public pages do not show it, so they stay shared. */
	bool cacheable = !r->is_post && is_cacheable_url(r->url);
	int64_t v[CACHE_VERSION];
	struct dc_buf key = { 0 };
	if (cacheable) {
		data_version(w, r->url, r->now, v);
		cache_key(r, &key);
		if (!key.oom) {
			struct cache_entry *e = cache_get(w, key.p, v);
			if (e && !r->lang_cookie_set) {
				w->cache_hits++;
				dc_buf_free(&key);
				return send_entry(r, e, "no-cache");
			}
		}
	}

	/* The session, when the browser sent a cookie. */
	const char *tok = web_cookie(r, "dc_session");
	if (tok && dc_session_lookup(w->sessions, w->st, tok, r->wall, &r->sess) < 0)
		memset(&r->sess, 0, sizeof r->sess);

	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	route(r);
	if (r->body.oom) {
		dc_buf_free(&r->body);
		r->status = 500;
		dc_buf_puts(&r->body, "out of memory\n");
		r->ctype = "text/plain; charset=utf-8";
	}
	enum MHD_Result ret;
	if (cacheable && !key.oom && r->status == 200 && r->cacheable &&
	    r->body.len <= CACHE_ENTRY_MAX) {
		struct cache_entry *e = cache_put(w, dc_buf_take(&key, NULL), v, r);
		ret = send_entry(r, e, "no-cache");
	} else {
		char etag[40];
		bool personal = r->no_store || r->sess.valid;
		etag_of(r->body.p ? r->body.p : "", r->body.len, "", etag, sizeof etag);
		size_t gzlen = 0;
		char *gz = r->status == 200 && accepts_gzip(r->conn)
				   ? gzip_of(r->body.p ? r->body.p : "", r->body.len, &gzlen) : NULL;
		if (gz)
			snprintf(etag + strlen(etag) - 1, sizeof etag - strlen(etag) + 1, "-gz\"");
		ret = send_bytes(r, r->status, r->ctype, gz ? gz : (r->body.p ? r->body.p : ""),
				 gz ? gzlen : r->body.len, r->status == 200 ? etag : NULL, gz != NULL,
				 personal ? "no-store" : "no-cache");
		free(gz);
	}
	dc_buf_free(&key);
	return ret;
}

/* --- libmicrohttpd glue ----------------------------------------------- */

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *filename, const char *content_type,
				  const char *transfer_encoding, const char *data, uint64_t off,
				  size_t size)
{
	(void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
	struct web_req *r = cls;
	struct web_field *f = NULL;
	for (int i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, key) == 0)
			f = &r->form[i];
	if (!f) {
		if (r->nform >= WEB_FORM_MAX || strlen(key) >= sizeof f->name) {
			r->form_bad = true;
			return MHD_YES;
		}
		f = &r->form[r->nform++];
		snprintf(f->name, sizeof f->name, "%s", key);
	}
	if (off + size >= sizeof f->value) {
		f->truncated = true;
		return MHD_YES;
	}
	memcpy(f->value + off, data, size);
	f->value[off + size] = '\0';
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct dc_web *w = cls;
	struct web_req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->w = w;
		r->conn = conn;
		r->url = url;
		r->method = method;
		r->is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
		r->is_head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr,
				  r->ip, sizeof r->ip);
		else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
				  r->ip, sizeof r->ip);
		if (r->is_post)
			r->pp = MHD_create_post_processor(conn, 1024, post_field, r);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size) {
		r->body_len += *upload_data_size;
		if (r->body_len > WEB_BODY_MAX)
			r->body_too_big = true;
		else if (r->pp)
			MHD_post_process(r->pp, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->is_post && !r->is_head && strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
		r->status = 405;
		dc_set_lang(DC_LANG_FR);
		web_error(r, 405, "Méthode non autorisée / method not allowed");
		return send_bytes(r, 405, r->ctype, r->body.p, r->body.len, NULL, false, "no-store");
	}
	bool had_pp = r->pp != NULL;
	if (r->pp) {
		/* Destroying the processor flushes the last field (urlencoded
		 * values are only complete at the end of the body). */
		MHD_destroy_post_processor(r->pp);
		r->pp = NULL;
	}
	if (r->is_post && (r->body_too_big || !had_pp || r->form_bad)) {
		dc_set_lang(DC_LANG_FR);
		unsigned st = r->body_too_big ? 413 : had_pp ? 400 : 415;
		web_error(r, st, r->body_too_big ? "Formulaire trop volumineux / form too large"
				 : had_pp ? "Formulaire invalide / invalid form"
					 : "Type de contenu non pris en charge / unsupported content type");
		return send_bytes(r, st, r->ctype, r->body.p, r->body.len, NULL, false, "no-store");
	}
	return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)conn, (void)toe;
	struct web_req *r = *con_cls;
	if (!r)
		return;
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	dc_buf_free(&r->body);
	explicit_bzero(r->form, sizeof r->form);
	free(r);
	*con_cls = NULL;
}

static int load_asset(struct web_asset *a, const char *dir, const char *name)
{
	a->data = read_file(dir, name, &a->len);
	if (!a->data)
		return -1;
	etag_of(a->data, a->len, "", a->etag, sizeof a->etag);
	return 0;
}

static char *errdup(const char *msg, const char *arg)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s%s", msg, arg);
	return strdup(buf);
}

struct dc_web *dc_web_open(const struct dc_web_config *cfg, struct dc_store *st,
			   struct dc_sessions *sessions, const struct dc_web_hooks *hooks, char **err)
{
	char *dummy;
	if (!err)
		err = &dummy;
	*err = NULL;
	struct dc_web *w = calloc(1, sizeof *w);
	if (!w || !(w->cache = calloc(1, sizeof *w->cache))) {
		free(w);
		*err = strdup("out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	if (!w->cfg.bind_addr)
		w->cfg.bind_addr = "127.0.0.1";
	if (w->cfg.session_hours <= 0)
		w->cfg.session_hours = 12;
	if (hooks)
		w->hooks = *hooks;
	w->st = st;
	w->sessions = sessions;
	dc_ledger_config_default(&w->energy);
	if (cfg->energy) {
		w->energy = *cfg->energy;
		w->energy.boxes = NULL;	/* not ours; compliance and dates need none */
		w->energy.nboxes = 0;
	}
	w->cfg.energy = NULL;
	w->commune = strdup(cfg->commune ? cfg->commune : "");
	w->cfg.commune = NULL;	/* the caller's: w->commune is ours */
	if (cfg->open_data)
		w->od = *cfg->open_data;
	w->cfg.open_data = NULL;
	if (!w->od.licence_name[0]) {
		snprintf(w->od.licence_name, sizeof w->od.licence_name, "%s", WEB_LICENCE_NAME);
		snprintf(w->od.licence_url, sizeof w->od.licence_url, "%s", WEB_LICENCE_URL);
	}
	if (cfg->metrics_token)
		snprintf(w->metrics_token, sizeof w->metrics_token, "%s", cfg->metrics_token);
	if (cfg->legal)
		w->legal = *cfg->legal;
	if (cfg->a11y)
		w->a11y = *cfg->a11y;
	w->cfg.metrics_token = NULL;
	w->cfg.legal = NULL;
	w->cfg.a11y = NULL;
	dc_web_factors_init(&w->factors, cfg->price_eur_per_kwh, cfg->co2_g_per_kwh, cfg->energy);
	const char *dir = cfg->assets_dir ? cfg->assets_dir : "dashboard";
	size_t n;
	if (!(w->layout = read_file(dir, "layout.html", &n)) || !strstr(w->layout, "{{main}}") ||
	    load_asset(&w->css, dir, "style.css") < 0 || load_asset(&w->js, dir, "app.js") < 0) {
		*err = errdup(TR("gabarits du tableau de bord (layout.html, style.css, app.js) "
				 "introuvables ou invalides dans ",
				 "dashboard templates (layout.html, style.css, app.js) missing "
				 "or invalid in "), dir);
		dc_web_close(w);
		return NULL;
	}
	if (w->od.bg_image[0] && load_asset(&w->map_bg, "/", w->od.bg_image) < 0) {
		*err = errdup(TR("fond de carte illisible (open_data.map_background.image) : ",
				 "map background unreadable (open_data.map_background.image): "),
			      w->od.bg_image);
		dc_web_close(w);
		return NULL;
	}
	sqlite3_prepare_v2(dc_store_db(st),
			   "SELECT (SELECT v FROM content_version),"
			   " (SELECT value FROM ledger_meta WHERE key = 'computed_until')",
			   -1, &w->content_version, NULL);

	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(cfg->port) };
	if (inet_pton(AF_INET, w->cfg.bind_addr, &sin.sin_addr) != 1) {
		*err = errdup(TR("adresse d'écoute invalide : ", "invalid listen address: "),
			      w->cfg.bind_addr);
		dc_web_close(w);
		return NULL;
	}
	w->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL,
				  on_request, w,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				  MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)256,
				  MHD_OPTION_END);
	if (!w->mhd) {
		*err = errdup(TR("impossible d'écouter (port occupé ?) sur ",
				 "cannot listen (port in use?) on "), w->cfg.bind_addr);
		dc_web_close(w);
		return NULL;
	}
	const union MHD_DaemonInfo *li = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_in got;
	socklen_t gl = sizeof got;
	if (li && getsockname(li->listen_fd, (struct sockaddr *)&got, &gl) == 0)
		w->port = ntohs(got.sin_port);
	return w;
}

int dc_web_fd(const struct dc_web *w)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	return i ? i->epoll_fd : -1;
}

int dc_web_timeout_ms(struct dc_web *w)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(w->mhd, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

int dc_web_run(struct dc_web *w)
{
	return MHD_run(w->mhd) == MHD_YES ? 0 : -1;
}

uint16_t dc_web_port(const struct dc_web *w)
{
	return w->port;
}

void dc_web_close(struct dc_web *w)
{
	if (!w)
		return;
	if (w->mhd)
		MHD_stop_daemon(w->mhd);
	sqlite3_finalize(w->content_version);
	if (w->cache)
		for (int i = 0; i < CACHE_SLOTS; i++)
			cache_entry_clear(w->cache, &w->cache->e[i]);
	free(w->cache);
	free(w->layout);
	free(w->commune);
	free(w->css.data);
	free(w->js.data);
	free(w->map_bg.data);
	free(w);
}
