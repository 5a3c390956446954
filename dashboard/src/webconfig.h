/* webconfig.h — decran-web's configuration file (web.json), parsed and
 * checked whole before anything starts:
 *
 *   { "listen": "127.0.0.1:8080",                 dashboard address (IPv4:port; port 0 = any)
 *     "db": "/var/lib/decran/decran.db",          the inventory, opened read-only
 *     "sessions_db": "/var/lib/decran-web/sessions.db",  decran-web's own file
 *     "control_socket": "/run/decran/gateway.sock",      live state and actions
 *     "assets": "/usr/share/decran/dashboard",    layout.html, style.css, app.js
 *     "energy_config": "/etc/decran/energy.json", zone, tariff, emission factor
 *     "commune": "Saint-Aubin-sur-Lys",           named on every page and print-out
 *     "secure_cookies": false, "session_hours": 12,
 *     "open_data": {                               licence and map of the open data
 *       "licence": { "name": "Licence Ouverte 2.0", "url": "https://..." },
 *       "map_background": { "image": "plan.png", "bbox": [W, S, E, N],
 *                           "attribution": "Plan : Ville de ..." }
 *                      or { "tiles": "/tuiles/{z}/{x}/{y}.png", "max_zoom": 18,
 *                           "attribution": "..." } },
 *     "metrics": { "token_file": "/etc/decran/metrics.token" },   (else local only)
 *     "legal": { "publisher": "…", "director": "…", "host": "…", "contact": "…" },
 *     "accessibility": { "level": "none|partial|full", "audit_date": "YYYY-MM-DD",
 *                        "rate": "75 %", "contact": "…" },
 *     "public_url": "https://decran.example.org",  what the box labels' QR codes open
 *     "service_phone": "03 20 00 00 00" }         printed on the box labels
 *
 * Every key is optional; relative paths are resolved from the file's
 * directory.  Errors read "FILE: field: what is wrong", like gateway.json's.
 */
#ifndef DECRAN_WEBCONFIG_H
#define DECRAN_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web.h"
#include "web_legal.h"

#define WEB_PATH_MAX 512

struct web_config {
	char listen[64];
	char db[WEB_PATH_MAX];
	char sessions_db[WEB_PATH_MAX];
	char control_socket[WEB_PATH_MAX];
	char assets[WEB_PATH_MAX];
	char energy_config[WEB_PATH_MAX];	/* "" = built-in zone, no factors */
	char commune[1024];	/* the commune's name on every page; "" = none */
	bool secure_cookies;
	int session_hours;
	struct dc_web_open_data open_data;	/* licence_name "" = the default licence */
	/* "metrics": {"token_file": PATH}: /metrics asks for that bearer
	 * token; "" (the default): /metrics answers local requests only. */
	char metrics_token_file[WEB_PATH_MAX];
	struct dc_web_legal legal;	/* "legal": {publisher, director, host, contact} */
	struct dc_web_a11y a11y;	/* "accessibility": {level, audit_date, rate, contact} */
	/* The dashboard's address as a phone outside reaches it, without a
	 * trailing slash ("" = the address the browser used). */
	char public_url[256];
	char service_phone[48];	/* the technical service's number, "" = none */
};


/* The installed defaults. */
void web_config_defaults(struct web_config *c);
/* Parse JSON text over *c (keys given replace defaults); base_dir resolves
 * relative paths (NULL: kept as written).  0, or -1 with "field: message" in
 * err and *c untouched. */
int web_config_parse(const char *json, size_t len, const char *base_dir, struct web_config *c,
		     char *err, size_t errlen);
/* The token of /metrics from c->metrics_token_file into out (trailing
 * blanks dropped): 0; 1 when no file is configured (out = ""); -1 with a
 * message when it cannot be read or holds fewer than 16 characters. */
int web_config_metrics_token(const struct web_config *c, char *out, size_t outlen, char *err,
			     size_t errlen);
/* Read and parse a file; errors are prefixed with its path. */
int web_config_load(const char *path, struct web_config *c, char *err, size_t errlen);

#endif
