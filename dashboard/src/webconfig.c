/* webconfig.c — decran-web's web.json: parse and validate. */
#include "webconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "gwconfig.h"
#include "utf8.h"

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
	TEXT(assets, true), TEXT(energy_config, true),
};

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
