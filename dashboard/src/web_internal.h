/* web_internal.h — what the dashboard's files share (not for the host). */
#ifndef DECRAN_WEB_INTERNAL_H
#define DECRAN_WEB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "i18n.h"
#include "web.h"
#include "web_auth.h"
#include "web_buf.h"
#include "web_data.h"
#include "web_energy.h"
#include "web_glance.h"
#include "web_legal.h"

struct MHD_Connection;
struct MHD_Daemon;
struct dc_page_cache;

#define WEB_FORM_MAX 12		/* POST fields kept */
#define WEB_FORM_VALUE_MAX 512
#define WEB_BODY_MAX 8192	/* larger POST bodies are refused (413) */
#define WEB_PER_PAGE 50		/* rows per HTML page: keeps pages small */

struct web_asset {
	char *data;
	size_t len;
	char etag[32];
};

struct dc_web {
	struct dc_web_config cfg;
	struct dc_store *st;		/* read-only */
	struct dc_sessions *sessions;	/* decran-web's own file */
	struct dc_web_hooks hooks;
	struct dc_ledger_config energy;	/* zone and factors (no boxes) */
	struct dc_web_factors factors;	/* what money and CO2e are computed with */
	char metrics_token[256];	/* "" = /metrics for local requests only */
	struct dc_web_legal legal;
	struct dc_web_a11y a11y;
	struct MHD_Daemon *mhd;
	uint16_t port;
	char *layout;		/* dashboard/layout.html */
	char *commune;		/* the commune's name ("" = none), on every page */
	struct web_asset css, js;
	struct dc_web_open_data od;	/* licence (defaults filled in), map background */
	struct web_asset map_bg;	/* od.bg_image's bytes, or none */
	struct dc_page_cache *cache;
	struct dc_ratelimit rl;
	struct sqlite3_stmt *content_version;	/* audit and ledger positions */
	uint64_t requests_total, responses_4xx, responses_5xx, cache_hits;
};

struct web_field {
	char name[32];
	char value[WEB_FORM_VALUE_MAX];
	bool truncated;
};

/* One HTTP request and the response being built for it. */
struct web_req {
	struct dc_web *w;
	struct MHD_Connection *conn;
	const char *url, *method;
	bool is_post, is_head;
	struct MHD_PostProcessor *pp;
	size_t body_len;
	bool body_too_big, form_bad;
	struct web_field form[WEB_FORM_MAX];
	int nform;
	enum dc_lang lang;
	const char *lang_cookie_set;	/* "fr"/"en" when ?lang= was given */
	char ip[64];
	struct dc_session sess;
	time_t now;		/* the schedule's now: virtual under a test clock */
	time_t wall;		/* real time: sessions and login rate limits */
	/* Response. */
	unsigned status;
	const char *ctype;
	struct dc_buf body;
	char location[512];
	char cookies[3][300];
	int ncookies;
	int retry_after;
	bool ask_bearer;	/* 401: WWW-Authenticate: Bearer */
	bool cacheable;		/* public, same for every visitor of this URL+lang */
	bool no_store;		/* personal or secret: never cached anywhere */
	const char *disposition;	/* Content-Disposition for downloads */
	char disp[160];		/* room for a Content-Disposition built per request */
	char link[600];		/* Link header (licence, schema of a download), or "" */
};

/* Query and form access (web_params.c).  Every page declares the
 * parameters it accepts; anything else is a 400 naming the parameter. */
const char *web_arg(struct web_req *r, const char *name);
const char *web_form(struct web_req *r, const char *name);
/* 0 when every query parameter is in `allowed` (NULL-terminated; "lang" is
 * always allowed); otherwise renders a 400 and returns -1. */
int web_args_only(struct web_req *r, const char *const *allowed);
/* Validators: on failure they render a 400 saying what and where, return -1. */
int web_arg_enum(struct web_req *r, const char *name, const char *const *values, int dflt,
		 int *out);
int web_arg_int(struct web_req *r, const char *name, long min, long max, long dflt, long *out);
int web_arg_text(struct web_req *r, const char *name, size_t max, const char **out);
/* Error page (HTML, or JSON under /api/): status, then a message. */
void web_error(struct web_req *r, unsigned status, const char *msg);
void web_errorf(struct web_req *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool web_is_api(const struct web_req *r);

/* Layout (web.c): page head from dashboard/layout.html; then the page
 * writes its main content into r->body between begin and end. */
void web_page_begin(struct web_req *r, const char *title, const char *nav_current);
void web_page_end(struct web_req *r);
void web_redirect(struct web_req *r, const char *location);
void web_add_cookie(struct web_req *r, const char *name, const char *value, int max_age);
const char *web_cookie(struct web_req *r, const char *name);
const char *web_header(struct web_req *r, const char *name);	/* NULL when absent */
bool web_csrf_ok(struct web_req *r);	/* POST: form "csrf" matches the session's */

/* Today's civil date in local time (web_pages.c); formatting helpers. */
struct dc_ymd { int y, m, d; };
struct dc_ymd web_today(time_t now);
long web_today_days(time_t now);
/* "YYYY-MM-DD" in the page's language; "" stays "". */
const char *web_fmt_date(char *buf, size_t len, const char *iso, enum dc_lang lang);
/* Local date and time of a Unix instant; "—" for 0. */
const char *web_fmt_time(char *buf, size_t len, int64_t t, enum dc_lang lang);
const char *web_num(char *buf, size_t len, double v, int decimals, enum dc_lang lang);
/* "311 W", or "non déclarée" for 0: how the inventory stores no figure. */
const char *web_watts(char *buf, size_t len, double w, enum dc_lang lang);
/* text's lines as <p> elements (escaped) inside <div id="id">; the n-th
 * gets ids[n] as its id while ids (NULL-terminated, may be NULL) lasts. */
void web_paragraphs(struct web_req *r, const char *id, const char *text, const char *const *ids);
/* Noun form for a count: French singular below 2, English only for 1. */
static inline const char *web_plural(double n, const char *fr1, const char *frn, const char *en1,
				     const char *enn)
{
	return dc_lang() == DC_LANG_EN ? (n == 1 ? en1 : enn) : (n < 2 ? fr1 : frn);
}
/* Whole-inventory figures for the progress page and API; 500 on failure. */
int web_load_progress(struct web_req *r, struct dc_progress *p);
/* The energy ledger's figures as of the request (web_energy.h); 500 on failure. */
int web_load_energy(struct web_req *r, struct dc_web_energy *e);

/* The commune and the data's date, for the layout's header and footer
 * (web_glance.c): "Saint-Aubin · données du 03/12/2026". */
void web_context_line(struct web_req *r);
/* "At a glance" on the home page; the gateway's active alarms (a page
 * cache key: the banner must not outlive them; -1 when unknown). */
void web_glance_section(struct web_req *r, const struct dc_web_energy *e);
int64_t web_alarms_fingerprint(struct dc_web *w);
/* The periods of an energy view ending on y-m-d with their ledger totals
 * (n, or -1 after rendering a 500), their chart and their table. */
int web_energy_periods(struct web_req *r, enum dc_period_by by, int y, int m, int d,
		       struct dc_period *p, struct dc_web_span *cur, struct dc_web_span *prev);
void web_energy_chart(struct web_req *r, const char *id, const char *title, const char *desc,
		      enum dc_period_by by, int n, const struct dc_period *p, const struct dc_web_span *cur,
		      const struct dc_web_span *prev);
void web_energy_table(struct web_req *r, const char *id, const char *caption, enum dc_period_by by,
		      int n, const struct dc_period *p, const struct dc_web_span *cur,
		      const struct dc_web_span *prev);

/* Pages. */
void page_energy(struct web_req *r);
void page_report(struct web_req *r);
void page_progress(struct web_req *r);
void page_slated(struct web_req *r, const char *format);	/* "html", "csv", "csv-fr", "geojson" */
void page_screen(struct web_req *r, const char *id);
void page_login(struct web_req *r);
void page_logout(struct web_req *r);
void page_tech(struct web_req *r);
void page_tech_action(struct web_req *r, const char *action);
void api_dispatch(struct web_req *r, const char *path);
/* The technician's box pages (web_box.c): `rest` is the URL after "/box". */
void page_box(struct web_req *r, const char *rest);

/* Shared by the desk and the box pages.  A relay test's steps in `lang`
 * ("éteint 812 ms 0,8 W, allumé ..."), and its verdict in the page's. */
void web_test_steps(struct dc_buf *b, const struct gw_relay_test *t, enum dc_lang lang);
const char *web_test_said(const struct gw_relay_test *t);
/* An alarm's severity in the page's language; its source as a link to
 * the box page (at its channel). */
const char *web_alarm_severity(const char *severity);
void web_alarm_source(struct web_req *r, const struct dc_web_alarm *a);
/* Actions (web_tech.c): a logged-in technician or admin with the form's
 * CSRF token, else the error page is rendered and false returned; an
 * action hook's refusal (rc < 0) as the page's message, r->status set
 * (409, 503), NULL when rc is 0. */
bool web_may_act(struct web_req *r);
const char *web_act_refused(struct web_req *r, int rc, const char *err);
/* Override fields (web_tech.c): a future local "YYYY-MM-DDTHH:MM" at most
 * 30 days ahead; a reason of 3 to 200 characters, no control character. */
bool web_until_parse(const char *v, time_t now, int64_t *out);
bool web_reason_ok(const char *v);
/* A QR code of `text` as an SVG element (web_qr.c); -1 when it cannot be
 * made (too long, out of memory). */
int web_qr_svg(struct dc_buf *out, const char *text, const char *title);
void page_metrics(struct web_req *r);
/* Open data (web_opendata.c, web_map.c): true when the URL is theirs. */
bool page_opendata(struct web_req *r, const char *url);
bool opendata_cacheable(const char *url);
void page_map(struct web_req *r);
void page_compliance(struct web_req *r);	/* web_compliance.c */
void page_legal(struct web_req *r);		/* web_legal.c */
void page_accessibility(struct web_req *r);
void page_compliance_csv(struct web_req *r);
void page_compliance_history(struct web_req *r);

#endif
