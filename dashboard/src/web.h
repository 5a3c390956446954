/* web.h — the dashboard: an HTTP server (libmicrohttpd) that lives inside
 * its host's event loop (decran-web: dashboard/src/webd.c).
 *
 * No thread of its own: MHD runs in external-epoll mode.  The host adds
 * dc_web_fd() to its own epoll set (EPOLLIN), and whenever that fd is
 * readable or dc_web_timeout_ms() has elapsed it calls dc_web_run().
 *
 *	struct dc_web *w = dc_web_open(&cfg, store, sessions, &hooks, &err);
 *	epoll_ctl(ep, EPOLL_CTL_ADD, dc_web_fd(w), &(struct epoll_event){ .events = EPOLLIN });
 *	for (;;) {
 *		int t = min(dc_web_timeout_ms(w), other_timers);
 *		epoll_wait(ep, ev, n, t);
 *		dc_web_run(w);	// cheap when nothing is pending
 *	}
 *	dc_web_close(w);
 *
 * Pages read the inventory through the store, opened read-only
 * (dc_store_open_readonly); the module's only writes are sessions, in their
 * own file (web_auth.h).  Live data and actions (boxes, alarms, relay tests,
 * bindings, overrides, the schedule's clock) come from the host through
 * hooks (decran-web: the gateway's control socket, dashboard/src/gwlink.c);
 * any hook may be NULL or fail, and pages then say that the gateway is not
 * connected instead of inventing data.
 */
#ifndef DECRAN_WEB_H
#define DECRAN_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctlclient.h"
#include "screen.h"

struct dc_store;
struct dc_web;
struct dc_buf;
struct dc_rules;
struct dc_ledger_config;
struct dc_web_legal;
struct dc_web_a11y;

/* Open data (webconfig.h, "open_data"): the licence every download
 * carries, and an optional background for the map, the commune's own. */
/* The licence when no licence is configured: Etalab's Licence Ouverte 2.0. */
#define WEB_LICENCE_NAME "Licence Ouverte 2.0 (Etalab)"
#define WEB_LICENCE_URL "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

struct dc_web_open_data {
	char licence_name[128];	/* "" = Licence Ouverte 2.0 (Etalab) */
	char licence_url[256];
	/* Background: one image (a file read at start, PNG/JPEG/WebP, shown
	 * over `bbox` = west, south, east, north in WGS84 degrees) or a tile
	 * URL template on the dashboard's own origin ("/tiles/{z}/{x}/{y}.png",
	 * Web Mercator slippy tiles up to max_zoom); both empty = none. */
	char bg_image[512];
	double bg_bbox[4];
	char bg_tiles[256];
	int bg_max_zoom;
	char bg_attribution[160];	/* shown under the map */
};

struct dc_web_config {
	const char *bind_addr;	/* dotted IPv4; NULL = "127.0.0.1" */
	uint16_t port;		/* 0 = any free port (see dc_web_port) */
	const char *assets_dir;	/* dashboard/: layout.html, style.css, app.js */
	bool secure_cookies;	/* add "Secure" to cookies (behind TLS) */
	int session_hours;	/* session lifetime; 0 = 12 h */
	/* Conversion factors; 0 = unknown (pages say so), unless `energy`
	 * gives one. */
	double price_eur_per_kwh;
	double co2_g_per_kwh;
	/* The energy ledger's configuration (energy.json, gateway/store/ledger.h):
	 * the zone of its local days and nights, and the tariff and emission
	 * factor (with their sources) used when the two figures above are 0.
	 * Copied at open (its per-box part is not needed); NULL = the ledger's
	 * default zone (Europe/Paris) and no factor. */
	const struct dc_ledger_config *energy;
	/* The commune's name, on every page and print-out (copied at open);
	 * NULL or "" = none. */
	const char *commune;
	/* Licence and map background; NULL = the defaults (copied at open). */
	const struct dc_web_open_data *open_data;
	/* /metrics: this bearer token required (NULL or "": local requests
	 * only, web_legal.h); the legal notice and the accessibility
	 * statement (NULL: defaults).  All copied at open. */
	const char *metrics_token;
	const struct dc_web_legal *legal;
	const struct dc_web_a11y *a11y;
	/* What a box label's QR code opens: this + "/box/ID" (NULL or "" =
	 * the address the browser used); the number printed beside it. */
	const char *public_url;
	const char *service_phone;
};

/* A relay channel as the gateway sees it (the box page). */
struct dc_web_chan {
	char confirmed[4];	/* "on", "off", "" = unknown (lib/boxview.h) */
	char desired[4];	/* what the plan wants now, same values */
	char pending[4];	/* a command in flight, "" = none */
	int64_t confirmed_at;	/* the relay's last report, Unix seconds; 0 = none */
	bool has_power;
	double power_w;
};

/* A relay box as the gateway sees it. */
struct dc_web_box {
	char id[DC_ID_MAX];
	bool online;
	bool heard;		/* false: not heard of since the gateway started */
	int64_t last_seen;	/* Unix seconds; 0 = never */
	int channels;		/* 1..16 */
	uint32_t relay_on;	/* bit c-1 set = channel c energised */
	char firmware[32];	/* what drives it: "native", "tasmota"... or a firmware version */
	struct dc_web_chan ch[16];	/* ch[c-1]: channel c */
};

struct dc_web_alarm {
	int64_t at;		/* Unix seconds */
	char severity[16];	/* "critical", "warning", "info" */
	char source[DC_ID_MAX];	/* box or screen id */
	char text[160];		/* in the page's language, from `kind` alone */
	bool active;
	char kind[24];		/* the gateway's code: "offline", "unconfirmed"... */
	char box[DC_ID_MAX];	/* the box it is about, "" = none (the database) */
	int channel;		/* its channel, 0 = the whole box */
	char detail[160];	/* the gateway's own words (English), may be "" */
};


/* A screen's state now, as the schedule engine explains it.  The texts
 * are malloc'd and whole (never cut): dc_web_state_free. */
struct dc_web_state {
	bool on;
	char *why;		/* the engine's trace, current language, one rule a line */
	char *plain;		/* the same in plain words, a paragraph a line (explain_plain.h) */
	int64_t next_at;	/* next switch, Unix seconds; 0 = none known */
	bool next_on;
};
void dc_web_state_free(struct dc_web_state *s);

struct dc_web_hooks {
	void *arg;
	/* The schedule's "now" in Unix seconds (virtual under the gateway's
	 * test clock); NULL = the real time.  Sessions always use real time. */
	int64_t (*now)(void *arg);
	/* Arrays are malloc'd by the hook and freed by the caller.  0 / -1. */
	int (*list_boxes)(void *arg, struct dc_web_box **out, size_t *n);
	int (*list_alarms)(void *arg, struct dc_web_alarm **out, size_t *n);
	/* Recent relay tests, newest first (the desk shows them). */
	int (*list_tests)(void *arg, struct gw_relay_test **out, size_t *n);
	/* The schedule rules in force (kept only for the current request).
	 * With it, screen pages explain "state now and why" themselves, from
	 * lib/schedule and the stored overrides, and the technician's desk
	 * lists the derogations. */
	const struct dc_rules *(*rules)(void *arg);
	/* Optional replacement for that explanation: 1 filled (texts
	 * malloc'd), 0 unknown screen or no rules, -1 error. */
	int (*screen_state)(void *arg, const char *screen_id, int64_t now, struct dc_web_state *out);
	/* Actions return 0 when accepted, -1 refused with a message in err
	 * (current language), -2 gateway unreachable, -3 database busy (nothing
	 * done: try again).  `actor` is the logged-in user's name, for the
	 * audit. */
	int (*relay_test)(void *arg, const char *box, int channel, bool on, const char *actor,
			  char *err, size_t errlen);
	/* relay_test runs the whole commissioning cycle (off, on, off) and
	 * ignores `on`: the form then asks for no on/off. */
	bool relay_cycle;
	int (*bind)(void *arg, const char *screen_id, const char *box, int channel,
		    const char *actor, char *err, size_t errlen);
	/* The screen leaves its channel (written by the host). */
	int (*unbind)(void *arg, const char *screen_id, const char *actor, char *err, size_t errlen);
	/* Overrides are written by the host (the gateway), which applies them
	 * at once. */
	int (*override_set)(void *arg, const char *screen_id, bool on, int64_t until,
			    const char *reason, const char *actor, char *err, size_t errlen);
	int (*override_clear)(void *arg, int64_t id, const char *actor, char *err, size_t errlen);
	/* Extra Prometheus text lines (alarms, command latency...). */
	void (*metrics)(void *arg, struct dc_buf *out);
};

/* NULL on failure with *err (may be NULL) set to a malloc'd message. */
struct dc_sessions;
struct dc_web *dc_web_open(const struct dc_web_config *cfg, struct dc_store *st,
			   struct dc_sessions *sessions, const struct dc_web_hooks *hooks, char **err);
/* The epoll fd to watch for EPOLLIN in the host's loop. */
int dc_web_fd(const struct dc_web *w);
/* Milliseconds until dc_web_run must be called even without activity; -1 = no timeout. */
int dc_web_timeout_ms(struct dc_web *w);
/* Serve whatever is ready; never blocks.  0, or -1 on an internal error. */
int dc_web_run(struct dc_web *w);
/* The port actually bound (useful with port 0). */
uint16_t dc_web_port(const struct dc_web *w);
void dc_web_close(struct dc_web *w);

#endif
