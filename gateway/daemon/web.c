/* web.c — the dashboard inside decran-gateway's loop.
 *
 * gateway/web.c is the HTTP module (libmicrohttpd in external-epoll mode);
 * this file hosts it: its epoll fd joins the daemon's set, its timeout joins
 * the timer, and its hooks read the daemon's live state directly (boxes,
 * channels, alarms, the rules in force, the schedule's clock) or act through
 * the same paths as the control socket (relay test, rebinding).  Nothing
 * here blocks: a relay test is started and the desk shows its progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "gw.h"
#include "i18n.h"
#include "ledger.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "web.h"
#include "web_buf.h"

static int64_t hook_now(void *arg)
{
	return gw_now(arg);
}

static const struct dc_rules *hook_rules(void *arg)
{
	return ((struct gw *)arg)->rules;
}

static int hook_boxes(void *arg, struct dc_web_box **out, size_t *n)
{
	struct gw *g = arg;
	int64_t mono = gw_mono(), now = gw_now(g);
	*out = calloc(g->cfg.nboxes + 1, sizeof **out);
	if (!*out)
		return -1;
	for (size_t b = 0; b < g->cfg.nboxes; b++) {
		const struct gw_box *bx = &g->cfg.boxes[b];
		const struct gw_boxstate *bs = &g->boxes[b];
		struct dc_web_box *x = &(*out)[b];
		snprintf(x->id, sizeof x->id, "%s", bx->id);
		snprintf(x->firmware, sizeof x->firmware, "%s", gw_driver_name(bx->driver));
		x->online = bs->online == 1;
		x->last_seen = bs->last_seen_ms ? now - (mono - bs->last_seen_ms) / 1000 : 0;
		x->channels = bx->channels;
		for (int ch = 1; ch <= bx->channels; ch++)
			if (g->chans[bs->chan0 + (size_t)ch - 1].rc.confirmed == DC_STATE_ON)
				x->relay_on |= 1u << (ch - 1);
	}
	*n = g->cfg.nboxes;
	return 0;
}

static int hook_tests(void *arg, struct dc_web_test **out, size_t *n)
{
	struct gw *g = arg;
	*out = malloc((g->ntests + 1) * sizeof **out);
	if (!*out)
		return -1;
	memcpy(*out, g->tests, g->ntests * sizeof **out);
	*n = g->ntests;
	return 0;
}

/* ---- alarms: the live flags, dated by their last "raised" event ---- */

static const char *alarm_title(const char *kind)
{
	if (!strcmp(kind, "offline"))
		return TR("boîtier hors ligne", "box offline");
	if (!strcmp(kind, "unconfirmed"))
		return TR("commutation non confirmée", "switch not confirmed");
	if (!strcmp(kind, "compliance"))
		return TR("écran allumé pendant la plage légale (R581-35)",
			  "screen on inside the legal window (R581-35)");
	if (!strcmp(kind, "database"))
		return TR("base occupée : enregistrements en attente d'écriture",
			  "database busy: records waiting to be written");
	return TR("puissance mesurée alors que le relais est ouvert",
		  "power measured while the relay is off");
}

static int hook_alarms(void *arg, struct dc_web_alarm **out, size_t *n)
{
	struct gw *g = arg;
	size_t cap = gw_alarms_max(g);
	struct gw_alarm_ref *flags = calloc(cap, sizeof *flags);
	*out = calloc(cap, sizeof **out);
	if (!flags || !*out) {
		free(flags);
		free(*out);
		return -1;
	}
	size_t k = gw_alarms_active(g, flags);
	sqlite3 *db = g->store ? dc_store_db(g->store) : NULL;
	sqlite3_stmt *st = NULL;
	if (db)
		sqlite3_prepare_v2(db, "SELECT CAST(strftime('%s', max(at)) AS INTEGER), message"
				       " FROM alarm_events WHERE active = 1 AND kind = ?1 AND box = ?2"
				       " AND coalesce(channel, 0) = ?3", -1, &st, NULL);
	for (size_t i = 0; i < k; i++) {
		struct dc_web_alarm *a = &(*out)[i];
		const char *box = gw_alarm_box_id(g, flags[i].box);
		const char *detail = "";
		a->active = true;
		snprintf(a->severity, sizeof a->severity, "%s",
			 !strcmp(flags[i].kind, "offline") || !strcmp(flags[i].kind, "compliance") ||
					 !strcmp(flags[i].kind, "database")
				 ? "critical" : "warning");
		if (flags[i].channel)
			snprintf(a->source, sizeof a->source, "%.40s/%d", box, flags[i].channel);
		else
			snprintf(a->source, sizeof a->source, "%s", box);
		if (st) {
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, flags[i].kind, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, box, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, flags[i].channel);
			if (sqlite3_step(st) == SQLITE_ROW) {
				a->at = sqlite3_column_int64(st, 0);
				detail = (const char *)sqlite3_column_text(st, 1);
			}
		}
		snprintf(a->text, sizeof a->text, "%s%s%s", alarm_title(flags[i].kind),
			 detail && *detail ? " : " : "", detail ? detail : "");
	}
	sqlite3_finalize(st);
	free(flags);
	*n = k;
	return 0;
}

/* ---- actions ---- */

/* The commissioning cycle (off, on, off, each confirmed), as `decran relay
 * test` runs it (relay_cycle: the form asks no on/off).  The desk follows
 * its steps through list_tests. */
static int hook_relay(void *arg, const char *box, int channel, bool on, const char *actor,
		      char *err, size_t errlen)
{
	struct gw *g = arg;
	(void)on;
	int b = gw_config_box(&g->cfg, box);
	if (b < 0) {
		snprintf(err, errlen, "%s", TR("la passerelle a refusé : boîtier inconnu",
					       "the gateway refused: unknown box"));
		return -1;
	}
	char why[128];
	if (gw_relay_test_start(g, b, channel, -1, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s%s", TR("la passerelle a refusé : ", "the gateway refused: "),
			 why);
		return -1;
	}
	log_info("web", "relay test requested box=%s channel=%d user=%s", box, channel, actor);
	return 0;
}

static int hook_bind(void *arg, const char *screen_id, const char *box, int channel,
		     const char *actor, char *err, size_t errlen)
{
	struct gw *g = arg;
	int b = gw_config_box(&g->cfg, box);
	if (b < 0 || channel < 1 || channel > g->cfg.boxes[b].channels) {
		snprintf(err, errlen, "%s", b < 0 ? TR("boîtier inconnu de la passerelle",
							"box unknown to the gateway")
						  : TR("ce boîtier n'a pas cette voie",
						       "this box has no such channel"));
		return -1;
	}
	int found = dc_store_bind_screen(g->store, screen_id, box, channel, actor, NULL);
	if (found <= 0) {
		snprintf(err, errlen, "%s", found < 0 ? dc_store_errmsg(g->store)
						     : TR("écran inconnu", "unknown screen"));
		return -1;
	}
	log_info("web", "bound screen=%s box=%s channel=%d user=%s", screen_id, box, channel, actor);
	if (gw_plan_bind(g, err, errlen) < 0)
		return -1;
	g->dirty = g->fallbacks_dirty = true;
	return 0;
}

/* Overrides are written to the database by the web module itself. */
static void hook_changed(void *arg, const char *what)
{
	struct gw *g = arg;
	char err[256];
	if (gw_plan_load_inputs(g, err, sizeof err) < 0)
		log_err("web", "cannot reload overrides after a change what=%s error=\"%s\"", what,
			err);
	g->dirty = true;
}

/* ---- /metrics: the daemon's counters ---- */

static void hook_metrics(void *arg, struct dc_buf *b)
{
	struct gw *g = arg;
	static const char *const kinds[] = { "offline", "unconfirmed", "compliance", "meter",
					     "database" };
	size_t cap = gw_alarms_max(g), online[3] = { 0 };
	struct gw_alarm_ref *flags = calloc(cap, sizeof *flags);
	size_t k = flags ? gw_alarms_active(g, flags) : 0;

	dc_buf_printf(b, "# HELP decran_gateway_mqtt_connected 1 when the gateway is connected to "
		      "its broker.\n# TYPE decran_gateway_mqtt_connected gauge\n"
		      "decran_gateway_mqtt_connected %d\n", g->mqtt_up ? 1 : 0);
	dc_buf_printf(b, "# HELP decran_commands_total Relay commands sent (retries included).\n"
		      "# TYPE decran_commands_total counter\ndecran_commands_total %llu\n"
		      "# HELP decran_confirmations_total Switches confirmed by the relay.\n"
		      "# TYPE decran_confirmations_total counter\ndecran_confirmations_total %llu\n"
		      "# HELP decran_malformed_messages_total Device messages rejected as malformed.\n"
		      "# TYPE decran_malformed_messages_total counter\n"
		      "decran_malformed_messages_total %llu\n",
		      (unsigned long long)g->commands_sent, (unsigned long long)g->confirmations,
		      (unsigned long long)g->malformed);
	for (size_t i = 0; i < g->cfg.nboxes; i++)
		online[g->boxes[i].online + 1]++;
	dc_buf_printf(b, "# HELP decran_boxes Relay boxes by connection state.\n"
		      "# TYPE decran_boxes gauge\n"
		      "decran_boxes{state=\"online\"} %zu\ndecran_boxes{state=\"offline\"} %zu\n"
		      "decran_boxes{state=\"unknown\"} %zu\n", online[2], online[1], online[0]);
	dc_buf_puts(b, "# HELP decran_alarms_active Alarms active now, by kind.\n"
		       "# TYPE decran_alarms_active gauge\n");
	for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
		size_t count = 0;
		for (size_t i = 0; i < k; i++)
			count += !strcmp(flags[i].kind, kinds[j]);
		dc_buf_printf(b, "decran_alarms_active{kind=\"%s\"} %zu\n", kinds[j], count);
	}
	free(flags);
	size_t pending;
	uint64_t written, busy;
	gw_audit_stats(g, &pending, &written, &busy);
	dc_buf_printf(b, "# HELP decran_db_writes_pending Records waiting for the database (busy).\n"
		      "# TYPE decran_db_writes_pending gauge\ndecran_db_writes_pending %zu\n"
		      "# HELP decran_db_busy_total Flushes that found the database busy (retried).\n"
		      "# TYPE decran_db_busy_total counter\ndecran_db_busy_total %llu\n"
		      "# HELP decran_db_writes_total Records written through the queue.\n"
		      "# TYPE decran_db_writes_total counter\ndecran_db_writes_total %llu\n",
		      pending, (unsigned long long)busy, (unsigned long long)written);

	const struct gw_latency *l = &g->latency;
	dc_buf_puts(b, "# HELP decran_command_confirm_seconds From a switch's first command to "
		       "its confirmation.\n# TYPE decran_command_confirm_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t i = 0; i < GW_LATENCY_BUCKETS; i++) {
		cum += l->count[i];
		dc_buf_printf(b, "decran_command_confirm_seconds_bucket{le=\"%g\"} %llu\n",
			      gw_latency_bounds_ms[i] / 1000.0, (unsigned long long)cum);
	}
	cum += l->count[GW_LATENCY_BUCKETS];
	dc_buf_printf(b, "decran_command_confirm_seconds_bucket{le=\"+Inf\"} %llu\n"
		      "decran_command_confirm_seconds_sum %.3f\n"
		      "decran_command_confirm_seconds_count %llu\n", (unsigned long long)cum,
		      l->sum_ms / 1000.0, (unsigned long long)cum);
}

/* ---- life cycle ---- */

/* MHD runs when its epoll fd is readable or its timeout is due. */
static void on_web_fd(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	(void)l, (void)fd, (void)events;
	gw_web_run(ud);
}

static void on_web_timer(struct dc_loop *l, int id, void *ud)
{
	(void)l, (void)id;
	gw_web_run(ud);
}

int gw_web_open(struct gw *g, char *err, size_t errlen)
{
	char addr[16];
	uint16_t port;
	if (!*g->cfg.http_listen)
		return 0;
	if (gw_http_listen_parse(g->cfg.http_listen, addr, &port) < 0) {
		snprintf(err, errlen, "http.listen: \"%s\" is not ADDR:PORT", g->cfg.http_listen);
		return -1;
	}
	struct dc_web_config wc = {
		.bind_addr = addr,
		.port = port,
		.assets_dir = g->cfg.http_assets,
		.secure_cookies = g->cfg.http_secure_cookies,
		.session_hours = g->cfg.http_session_hours,
		.energy = &g->energy,	/* zone, tariff and emission factor, with sources */
	};
	struct dc_web_hooks h = {
		.arg = g,
		.now = hook_now,
		.list_boxes = hook_boxes,
		.list_alarms = hook_alarms,
		.rules = hook_rules,
		.list_tests = hook_tests,
		.relay_test = hook_relay,
		.relay_cycle = true,
		.bind = hook_bind,
		.changed = hook_changed,
		.metrics = hook_metrics,
	};
	char *e = NULL;
	g->web = dc_web_open(&wc, g->store, &h, &e);
	if (!g->web) {
		snprintf(err, errlen, "dashboard: %s", e ? e : "cannot start");
		free(e);
		return -1;
	}
	g->web_timer = dc_loop_timer_new(g->loop, on_web_timer, g);
	if (g->web_timer < 0 ||
	    dc_loop_add_fd(g->loop, dc_web_fd(g->web), DC_READABLE, on_web_fd, g) < 0) {
		snprintf(err, errlen, "dashboard: cannot watch its socket");
		dc_web_close(g->web);
		g->web = NULL;
		return -1;
	}
	dc_loop_timer_set(g->loop, g->web_timer, gw_web_next(g));
	log_info("web", "dashboard listening url=http://%s:%u/ assets=%s", addr,
		 dc_web_port(g->web), g->cfg.http_assets);
	return 0;
}

void gw_web_run(struct gw *g)
{
	if (g->web) {
		dc_web_run(g->web);
		dc_loop_timer_set(g->loop, g->web_timer, gw_web_next(g));
	}
}

int64_t gw_web_next(const struct gw *g)
{
	if (!g->web)
		return INT64_MAX;
	int t = dc_web_timeout_ms(g->web);
	return t < 0 ? INT64_MAX : gw_mono() + t;
}

void gw_web_close(struct gw *g)
{
	if (g->web) {
		dc_loop_del_fd(g->loop, dc_web_fd(g->web));
		dc_loop_timer_del(g->loop, g->web_timer);
		dc_web_close(g->web);
	}
	g->web = NULL;
}
