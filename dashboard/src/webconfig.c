/* webconfig.c — decran-web's web.json: parse and validate. */
#include "webconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "gwconfig.h"
#include "utf8.h"
#include "tz.h"

void web_config_defaults(struct web_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	snprintf(c->db, sizeof c->db, "/var/lib/decran/decran.db");
	snprintf(c->sessions_db, sizeof c->sessions_db, "/var/lib/decran-web/sessions.db");
	snprintf(c->control_socket, sizeof c->control_socket, "%s", "/run/decran/gateway.sock");
	snprintf(c->assets, sizeof c->assets, "/usr/share/decran/dashboard");
	c->session_hours = 12;
}

/* The text fields, in the order their errors are looked for. */
struct text_field {
	const char *key;
	size_t off, len;
	bool path;
};
#define TEXT(k, p) { #k, offsetof(struct web_config, k), sizeof ((struct web_config *)0)->k, p }
static const struct text_field texts[] = {
	TEXT(listen, false), TEXT(db, true), TEXT(sessions_db, true), TEXT(control_socket, true),
	TEXT(assets, true), TEXT(energy_config, true), TEXT(commune, false),
};

static bool has_control(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			return true;
	return false;
}

static int text_into(const cJSON *v, char *dst, size_t len, bool empty_ok, const char **why)
{
	const char *t = cJSON_GetStringValue(v);
	if (!t || (!*t && !empty_ok))
		*why = "expected a non-empty string";
	else if (strlen(t) >= len)
		*why = "too long";
	else if (!dc_utf8_valid(t, strlen(t)) || has_control(t))
		*why = "expected UTF-8 text without control characters";
	else
		snprintf(dst, len, "%s", t);
	return *why ? -1 : 0;
}

/* "open_data": the licence of the downloads and the map's background.
 * *bad gets the dotted path of the culprit. */
static void open_data_parse(const cJSON *o, const char *base_dir, struct dc_web_open_data *od,
			    const char **bad, const char **why)
{
	static char path[64];
	const cJSON *it, *lic = cJSON_GetObjectItemCaseSensitive(o, "licence");
	const cJSON *bg = cJSON_GetObjectItemCaseSensitive(o, "map_background");
	*bad = "open_data";
	if (!cJSON_IsObject(o)) {
		*why = "expected an object";
		return;
	}
	cJSON_ArrayForEach(it, o)
		if (strcmp(it->string, "licence") && strcmp(it->string, "map_background")) {
			snprintf(path, sizeof path, "open_data.%.40s", it->string);
			*bad = path;
			*why = "unknown field";
			return;
		}
	if (lic) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(lic, "name");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(lic, "url");
		*bad = "open_data.licence";
		if (!cJSON_IsObject(lic) || cJSON_GetArraySize(lic) != 2 || !n || !u) {
			*why = "expected {\"name\": \"...\", \"url\": \"https://...\"}";
			return;
		}
		*bad = "open_data.licence.name";
		if (text_into(n, od->licence_name, sizeof od->licence_name, false, why) < 0)
			return;
		if (strpbrk(od->licence_name, "\"\\")) {	/* a Link header's title="..." */
			*why = "expected a name without double quotes or backslashes";
			return;
		}
		*bad = "open_data.licence.url";
		const char *url = cJSON_GetStringValue(u);
		/* It goes into a Link header and href attributes as it is. */
		if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) ||
		    strpbrk(url, " \"'<>\\`")) {
			*why = "expected an http(s) address (no spaces, quotes or angle brackets)";
			return;
		}
		if (text_into(u, od->licence_url, sizeof od->licence_url, false, why) < 0)
			return;
	}
	if (!bg)
		return;
	*bad = "open_data.map_background";
	if (!cJSON_IsObject(bg)) {
		*why = "expected an object";
		return;
	}
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(bg, "image");
	const cJSON *tiles = cJSON_GetObjectItemCaseSensitive(bg, "tiles");
	if (!img == !tiles) {
		*why = "expected either \"image\" (with \"bbox\") or \"tiles\"";
		return;
	}
	cJSON_ArrayForEach(it, bg) {
		static const char *const keys[] = { "image", "bbox", "tiles", "max_zoom", "attribution" };
		bool known = false;
		for (size_t i = 0; i < 5; i++)
			known |= !strcmp(it->string, keys[i]);
		if (!known) {
			snprintf(path, sizeof path, "open_data.map_background.%.24s", it->string);
			*bad = path;
			*why = "unknown field";
			return;
		}
	}
	const cJSON *attr = cJSON_GetObjectItemCaseSensitive(bg, "attribution");
	*bad = "open_data.map_background.attribution";
	if (attr && text_into(attr, od->bg_attribution, sizeof od->bg_attribution, true, why) < 0)
		return;
	if (img) {
		const char *v = cJSON_GetStringValue(img), *dot = v ? strrchr(v, '.') : NULL;
		*bad = "open_data.map_background.image";
		if (!v || !*v) {
			*why = "expected a non-empty string";
			return;
		}
		if (!dot || (strcasecmp(dot, ".png") && strcasecmp(dot, ".jpg") &&
			     strcasecmp(dot, ".jpeg") && strcasecmp(dot, ".webp"))) {
			*why = "expected a .png, .jpg or .webp file";
			return;
		}
		bool rel = base_dir && v[0] != '/';
		if ((size_t)(rel ? snprintf(od->bg_image, sizeof od->bg_image, "%s/%s", base_dir, v)
				 : snprintf(od->bg_image, sizeof od->bg_image, "%s", v)) >=
		    sizeof od->bg_image) {
			*why = "too long";
			return;
		}
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(bg, "bbox");
		*bad = "open_data.map_background.bbox";
		double v4[4];
		for (int i = 0; i < 4 && cJSON_GetArraySize(b) == 4; i++)
			v4[i] = cJSON_IsNumber(cJSON_GetArrayItem(b, i))
					? cJSON_GetArrayItem(b, i)->valuedouble : NAN;
		if (!cJSON_IsArray(b) || cJSON_GetArraySize(b) != 4 || !(v4[0] < v4[2]) ||
		    !(v4[1] < v4[3]) || v4[0] < -180 || v4[2] > 180 || v4[1] < -85 || v4[3] > 85) {
			*why = "expected [west, south, east, north] in degrees (west < east, south < north)";
			return;
		}
		memcpy(od->bg_bbox, v4, sizeof v4);
	} else {
		const char *v = cJSON_GetStringValue(tiles);
		*bad = "open_data.map_background.tiles";
		/* Same origin: a path, never "//host" or "https://host" (the map
		 * makes no request to a third party). */
		if (!v || v[0] != '/' || v[1] == '/' || !strstr(v, "{z}") || !strstr(v, "{x}") ||
		    !strstr(v, "{y}")) {
			*why = "expected a path on the dashboard's own site with {z}, {x} and {y}, "
			       "e.g. \"/tuiles/{z}/{x}/{y}.png\"";
			return;
		}
		if (text_into(tiles, od->bg_tiles, sizeof od->bg_tiles, false, why) < 0)
			return;
		const cJSON *z = cJSON_GetObjectItemCaseSensitive(bg, "max_zoom");
		*bad = "open_data.map_background.max_zoom";
		od->bg_max_zoom = 19;
		if (z && (!cJSON_IsNumber(z) || z->valuedouble != (int)z->valuedouble ||
			  z->valuedouble < 0 || z->valuedouble > 22)) {
			*why = "expected an integer from 0 to 22";
			return;
		}
		if (z)
			od->bg_max_zoom = z->valueint;
	}
}

/* One object of text fields ("legal", "accessibility", "metrics"): each
 * member a string that fits; NULL, or what is wrong with *sub set to the
 * member's name. */
struct sub_field {
	const char *key;
	char *dst;
	size_t len;
	bool path;
};

static const char *sub_texts(const cJSON *obj, const struct sub_field *f, size_t n,
			     const char *base_dir, const char **sub)
{
	const cJSON *it;
	if (!cJSON_IsObject(obj))
		return "expected an object";
	cJSON_ArrayForEach(it, obj) {
		const struct sub_field *t = NULL;
		*sub = it->string;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(f[i].key, it->string))
				t = &f[i];
		if (!t)
			return "unknown field";
		const char *v = cJSON_GetStringValue(it);
		if (!v)
			return "expected a string";
		bool rel = t->path && base_dir && *v && v[0] != '/';
		int k = rel ? snprintf(t->dst, t->len, "%s/%s", base_dir, v)
			    : snprintf(t->dst, t->len, "%s", v);
		if ((size_t)k >= t->len)
			return "too long";
	}
	return NULL;
}

static const char *accessibility(const cJSON *obj, struct dc_web_a11y *a, const char *base_dir,
				 const char **sub)
{
	char level[16] = "";
	const struct sub_field f[] = {
		{ "level", level, sizeof level, false },
		{ "audit_date", a->audit_date, sizeof a->audit_date, false },
		{ "rate", a->rate, sizeof a->rate, false },
		{ "contact", a->contact, sizeof a->contact, false },
	};
	const char *why = sub_texts(obj, f, sizeof f / sizeof f[0], base_dir, sub);
	int y, m, d;
	if (why)
		return why;
	if (cJSON_GetObjectItemCaseSensitive(obj, "level")) {
		*sub = "level";
		int l = dc_a11y_level_parse(level);
		if (l < 0)
			return "expected \"none\", \"partial\" or \"full\" (RGAA conformity)";
		a->level = (enum dc_a11y_level)l;
	}
	if (a->audit_date[0] && (strlen(a->audit_date) != 10 ||
				 dc_parse_date(a->audit_date, &y, &m, &d) < 0)) {
		*sub = "audit_date";
		return "expected a date YYYY-MM-DD";
	}
	return NULL;
}

/* "http(s)://host[:port][/path]" without a trailing slash, nothing a QR
 * code or an HTML attribute would take otherwise; "" = none.  NULL when
 * good (copied to dst), else why not. */
static const char *public_url(const char *v, char *dst, size_t len)
{
	const char *why = "expected \"http://HOST[:PORT][/PATH]\" or \"https://...\", or \"\"";
	if (!v || strlen(v) >= len)
		return !v ? why : "too long";
	size_t n = strlen(v);
	if (n && strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
		return why;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f || strchr("\"'<>\\`{}|^#?", v[i]))
			return why;
	if (n && (v[n - 1] == '/' || strstr(v, "://")[3] == '\0'))
		return n && v[n - 1] == '/' ? "expected no trailing slash" : why;
	snprintf(dst, len, "%s", v);
	return NULL;
}

int web_config_parse(const char *json, size_t len, const char *base_dir, struct web_config *out,
		     char *err, size_t errlen)
{
	char badbuf[80];
	cJSON *root = cJSON_ParseWithLength(json, len), *it;
	struct web_config c = *out;
	const char *bad = NULL, *why = NULL;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "expected a JSON object");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(it, root) {
		const struct text_field *t = NULL;
		for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
			if (!strcmp(texts[i].key, it->string))
				t = &texts[i];
		bad = it->string;
		if (t) {
			char *dst = (char *)&c + t->off;
			const char *v = cJSON_GetStringValue(it);
			bool rel = t->path && base_dir && v && *v && v[0] != '/';
			int n = !v ? -1 : rel ? snprintf(dst, t->len, "%s/%s", base_dir, v)
					      : snprintf(dst, t->len, "%s", v);
			if (!v || (!*v && strcmp(t->key, "energy_config")))
				why = "expected a non-empty string";
			else if ((size_t)n >= t->len)
				why = "too long";
			else if (!dc_utf8_valid(v, strlen(v)))
				why = "not valid UTF-8";
		} else if (!strcmp(it->string, "secure_cookies")) {
			if (!cJSON_IsBool(it))
				why = "expected true or false";
			c.secure_cookies = cJSON_IsTrue(it);
		} else if (!strcmp(it->string, "public_url")) {
			why = public_url(cJSON_GetStringValue(it), c.public_url, sizeof c.public_url);
		} else if (!strcmp(it->string, "service_phone")) {
			const char *v = cJSON_GetStringValue(it);
			if (!v || strlen(v) >= sizeof c.service_phone || !dc_utf8_valid(v, strlen(v)))
				why = "expected a phone number of at most 47 bytes";
			else
				for (const char *p = v; *p; p++)
					if ((unsigned char)*p < 0x20)
						why = "expected a phone number of at most 47 bytes";
			if (!why)
				snprintf(c.service_phone, sizeof c.service_phone, "%s", v);
		} else if (!strcmp(it->string, "session_hours")) {
			if (!cJSON_IsNumber(it) || it->valuedouble != (int)it->valuedouble ||
			    it->valuedouble < 1 || it->valuedouble > 24 * 30)
				why = "expected an integer from 1 to 720";
			else
				c.session_hours = it->valueint;
		} else if (!strcmp(it->string, "open_data")) {
			memset(&c.open_data, 0, sizeof c.open_data);
			open_data_parse(it, base_dir, &c.open_data, &bad, &why);
		} else if (!strcmp(it->string, "metrics") || !strcmp(it->string, "legal") ||
			   !strcmp(it->string, "accessibility")) {
			const struct sub_field metrics[] = {
				{ "token_file", c.metrics_token_file, sizeof c.metrics_token_file, true },
			};
			const struct sub_field legal[] = {
				{ "publisher", c.legal.publisher, sizeof c.legal.publisher, false },
				{ "director", c.legal.director, sizeof c.legal.director, false },
				{ "host", c.legal.host, sizeof c.legal.host, false },
				{ "contact", c.legal.contact, sizeof c.legal.contact, false },
			};
			const char *sub = NULL;
			why = it->string[0] == 'm' ? sub_texts(it, metrics, 1, base_dir, &sub)
			      : it->string[0] == 'l' ? sub_texts(it, legal, 4, base_dir, &sub)
						     : accessibility(it, &c.a11y, base_dir, &sub);
			if (why && sub) {
				snprintf(badbuf, sizeof badbuf, "%s.%.40s", it->string, sub);
				bad = badbuf;
			}
		} else {
			why = "unknown field";
		}
		if (why)
			break;
	}
	char addr[16];
	uint16_t port;
	if (!why && gw_http_listen_parse(c.listen, addr, &port) < 0) {
		bad = "listen";
		why = "expected \"ADDR:PORT\" with an IPv4 address, e.g. \"127.0.0.1:8080\" "
		      "(port 0 = any free port)";
	}
	if (why)
		snprintf(err, errlen, "%s: %s", bad, why);	/* bad may be root's */
	cJSON_Delete(root);
	if (why)
		return -1;
	*out = c;
	return 0;
}

int web_config_load(const char *path, struct web_config *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, msg[400], dir[WEB_PATH_MAX];
	size_t n = 0;
	if (f) {
		buf = malloc(1 << 16);
		n = buf ? fread(buf, 1, 1 << 16, f) : 0;
		fclose(f);
	}
	if (!buf || !f || n == 1 << 16) {
		snprintf(err, errlen, "%s: %s", path, !f ? "cannot read" : "too large or out of memory");
		free(buf);
		return -1;
	}
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	int rc = web_config_parse(buf, n, slash ? dir : ".", c, msg, sizeof msg);
	free(buf);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

int web_config_metrics_token(const struct web_config *c, char *out, size_t outlen, char *err,
			     size_t errlen)
{
	out[0] = '\0';
	if (!c->metrics_token_file[0])
		return 1;
	FILE *f = fopen(c->metrics_token_file, "re");
	size_t n = f ? fread(out, 1, outlen - 1, f) : 0;
	bool more = f && fgetc(f) != EOF;
	if (f)
		fclose(f);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
		     out[n - 1] == '\t'))
		out[--n] = '\0';
	const char *why = !f ? "cannot read" : more ? "too long" : n < 16 ? "fewer than 16 characters"
				: strpbrk(out, " \t\r\n") ? "blanks inside the token" : NULL;
	if (why) {
		snprintf(err, errlen, "metrics.token_file: %s: %s", c->metrics_token_file, why);
		explicit_bzero(out, outlen);
		return -1;
	}
	return 0;
}
