/* audit.c — the gateway's append-only records in the inventory database.
 *
 * Every row goes through one queue of pending writes (gateway/store/dbqueue.h):
 * written at once when the database is free, kept in order and retried from
 * the loop's timer when another process holds the lock, never dropped.
 * Commands wait for their rows (gw_audit_committed) unless the queue is
 * stalled, when relays come before records and the "database" alarm says
 * so.  Command rows get their id here, so an outcome can be queued before
 * its command is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "dbqueue.h"
#include "driver.h"
#include "gw.h"
#include "inflight.h"
#include "ledger.h"
#include "gwlog.h"
#include "store.h"

#ifndef GW_DB_CACHE_KIB
#define GW_DB_CACHE_KIB "256"
#endif
/* How long the loop may wait for the lock: a flush, a dashboard request. */
#define FLUSH_WAIT_MS 10
#define REQUEST_WAIT_MS 1000
/* Writes held back this long raise the "database" alarm. */
#define STALL_MS 10000
/* Group commit: rows queued while events come are written together, at
 * most one transaction (one fdatasync) per GROUP_MS under load; the first
 * row after a quiet spell is written at once. */
#define GROUP_MS 4
/* A group also ends at this many rows, whatever defers it (a start-up's
 * retained states, a 100,000-channel burst): rows wait in memory, about
 * 250 bytes each. */
#define GROUP_MAX_ROWS 4096

static struct dc_dbq *q;
static int s_cmd = -1, s_out = -1, s_alarm = -1, s_box = -1, s_read = -1, s_journal = -1;
static int s_alive = -1;
static bool batch, deferred, stalled;
static int64_t next_command_id, opened_ms, last_commit_ms = INT64_MIN / 2;

/* Commands a stopped gateway left without a final outcome, sorted by
 * (box, channel): each waits for what its device reports (lib/inflight). */
struct inflight {
	int64_t id;
	char box[DC_ID_MAX];
	int channel;
	int to;			/* DC_STATE_ON / OFF */
	char cmd_id[DC_DRV_CMD_ID_MAX];
	int reported;		/* DC_STATE_*, what the device said since the start */
	bool interrupted, resolved;
};
static struct inflight *inflight;
static size_t ninflight, nunresolved;

static sqlite3 *db_of(struct gw *g)
{
	return g->store ? dc_store_db(g->store) : NULL;
}

static void utc(struct gw *g, char *buf, size_t len)
{
	dc_format_utc(buf, len, gw_now(g));
}

static void on_db_err(void *ctx, const char *what, const char *err)
{
	(void)ctx;
	log_err("audit", "write refused sql=\"%.80s\" error=\"%s\"", what, err);
}

/* ---- the queue ---- */

/* When the queue may be written next: at once after a quiet spell, else
 * GROUP_MS after the last commit; the database's own retry time when busy. */
static int64_t commit_at(void)
{
	int64_t retry = dc_dbq_next(q);
	if (retry == INT64_MAX)
		return retry;
	return retry > last_commit_ms + GROUP_MS ? retry : last_commit_ms + GROUP_MS;
}

static bool write_queue(struct gw *g);

static void queued(struct gw *g)
{
	struct dc_dbq_stats st;
	int64_t now = gw_mono();
	dc_dbq_stats(q, &st);
	if (!batch && !deferred && now >= commit_at())
		gw_audit_flush(g);
	else if (st.pending >= GROUP_MAX_ROWS && dc_dbq_next(q) <= now)
		write_queue(g);
}

static void add(struct gw *g, int stmt, const struct dc_dbq_val *v, size_t n)
{
	(void)g;
	if (q && dc_dbq_add(q, stmt, v, n, gw_mono()) == 0)
		queued(g);
}

/* Write what is queued (a batch goes on). */
static bool write_queue(struct gw *g)
{
	if (!q)
		return true;
	int64_t mono = gw_mono();
	sqlite3 *db = db_of(g);
	char sql[96];
	struct dc_dbq_stats before;
	dc_dbq_stats(q, &before);
	/* Nothing may hold a statement open into a write: it would keep a read
	 * transaction, and the write after another process's commit would
	 * fail on its stale snapshot. */
	if (before.pending && db && dc_db_reset_active(db, sql, sizeof sql) > 0)
		log_err("audit", "statement left active, reset sql=\"%s\"", sql);
	bool done = dc_dbq_flush(q, mono) == 0;
	if (done && before.pending)
		last_commit_ms = mono;
	bool now_stalled = !done && dc_dbq_stalled(q, mono);
	if (now_stalled != stalled) {
		struct dc_dbq_stats st;
		dc_dbq_stats(q, &st);
		stalled = now_stalled;
		if (stalled)
			gw_alarm(g, "database", -1, 0, true, "database busy: %zu records held in "
				 "memory for %lld s", st.pending, (long long)(mono - st.oldest_ms) / 1000);
		else
			gw_alarm(g, "database", -1, 0, false, "database writable again, records written");
	}
	return done;
}

bool gw_audit_flush(struct gw *g)
{
	batch = false;
	return write_queue(g);
}

void gw_audit_begin(struct gw *g)
{
	(void)g;
	batch = true;
}

void gw_audit_defer(struct gw *g, bool on)
{
	deferred = on;
	if (!on)
		queued(g);
}

bool gw_audit_committed(const struct gw *g)
{
	(void)g;
	return !q || dc_dbq_next(q) == INT64_MAX || stalled;
}

bool gw_audit_stalled(const struct gw *g)
{
	(void)g;
	return stalled;
}

int64_t gw_audit_next(const struct gw *g)
{
	(void)g;
	return q ? commit_at() : INT64_MAX;
}

/* Once per turn of the loop: what its events queued, in one transaction. */
void gw_audit_tick(struct gw *g)
{
	if (q && commit_at() <= gw_mono())
		gw_audit_flush(g);
	/* Without MQTT (broker down, Modbus only) the grace still ends; with
	 * it, it ends when the retained states are in (main.c tick). */
	if (nunresolved && !g->mqtt_up && gw_mono() >= opened_ms + g->cfg.startup_grace_ms)
		gw_audit_inflight_settle(g);
}

void gw_audit_stats(const struct gw *g, size_t *pending, uint64_t *written, uint64_t *busy)
{
	struct dc_dbq_stats st = { 0 };
	(void)g;
	if (q)
		dc_dbq_stats(q, &st);
	*pending = st.pending;
	*written = st.written;
	*busy = st.busy;
}

/* ---- commands in flight at the last stop ---- */

static int inflight_cmp(const void *a, const void *b)
{
	const struct inflight *x = a, *y = b;
	int c = strcmp(x->box, y->box);
	return c ? c : x->channel - y->channel;
}

static struct inflight *inflight_of(const char *box, int channel)
{
	struct inflight key = { .channel = channel };
	if (!ninflight)
		return NULL;
	snprintf(key.box, sizeof key.box, "%s", box);
	return bsearch(&key, inflight, ninflight, sizeof key, inflight_cmp);
}

static void outcome(struct gw *g, int64_t command, const char *what, int state)
{
	char at[32];
	if (command <= 0)
		return;
	utc(g, at, sizeof at);
	struct dc_dbq_val v[] = {
		DC_DBQ_I(command), DC_DBQ_S(at), DC_DBQ_S(what),
		DC_DBQ_S(state < 0 ? NULL : state ? "on" : "off"),
	};
	add(g, s_out, v, 4);
}

static void inflight_apply(struct gw *g, struct inflight *f, bool echoed, bool later,
			   bool grace_over)
{
	if (f->resolved)
		return;
	struct dc_inflight_obs o = { .to_state = f->to, .reported = f->reported, .echoed = echoed,
				     .later_command = later, .grace_over = grace_over,
				     .interrupted = f->interrupted };
	enum dc_inflight_verdict v = dc_inflight_decide(&o);
	const char *what = dc_inflight_outcome(v);
	if (!what)
		return;
	outcome(g, f->id, what, v == DC_INFLIGHT_CONFIRMED ? (echoed ? f->reported : f->to) : -1);
	log_info("audit", "command in flight at the last stop resolved id=%lld box=%s channel=%d "
		 "outcome=%s", (long long)f->id, f->box, f->channel, what);
	if (v == DC_INFLIGHT_INTERRUPTED) {
		f->interrupted = true;
		return;
	}
	f->resolved = true;
	nunresolved--;
}

void gw_audit_inflight_report(struct gw *g, const struct gw_chan *c, int state,
			      const char *echo_id)
{
	if (!nunresolved)
		return;
	struct inflight *f = inflight_of(g->cfg.boxes[c->box].id, c->channel);
	if (!f || f->resolved)
		return;
	f->reported = state;
	bool echoed = echo_id && *echo_id && !strcmp(echo_id, f->cmd_id);
	/* Marked interrupted: the grace is long over. */
	inflight_apply(g, f, echoed, false, g->settled || f->interrupted);
}

void gw_audit_inflight_settle(struct gw *g)
{
	for (size_t i = 0; nunresolved && i < ninflight; i++)
		inflight_apply(g, &inflight[i], false, false, true);
}

/* Before a new command leaves on a channel, the old one is superseded. */
static void inflight_supersede(struct gw *g, const struct gw_chan *c)
{
	struct inflight *f = nunresolved ? inflight_of(g->cfg.boxes[c->box].id, c->channel) : NULL;
	if (f)
		inflight_apply(g, f, false, true, true);
}

static int state_of(const unsigned char *s)
{
	return s && !strcmp((const char *)s, "on") ? DC_STATE_ON : DC_STATE_OFF;
}

static void inflight_keep(const struct inflight *f)
{
	struct inflight *x = realloc(inflight, (ninflight + 1) * sizeof *x);
	if (!x) {
		log_err("audit", "out of memory: command %lld stays unresolved", (long long)f->id);
		return;
	}
	inflight = x;
	inflight[ninflight++] = *f;
	nunresolved++;
}

/* Commands without an outcome (in flight at a kill), and the latest command
 * of each channel when its last outcome is "interrupted" (a previous start
 * could not know): superseded at once when a later command exists for the
 * channel, else kept until the device reports. */
static void inflight_load(struct gw *g)
{
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	static const char *const sql[] = {
		"SELECT c.id, c.box, c.channel, c.to_state, c.cmd_id, EXISTS (SELECT 1 FROM commands k"
		" WHERE k.box = c.box AND k.channel = c.channel AND k.id > c.id), 0"
		" FROM commands c WHERE c.id NOT IN (SELECT command_id FROM command_outcomes)",
		"SELECT c.id, c.box, c.channel, c.to_state, c.cmd_id, 0, 1 FROM commands c"
		" WHERE c.id IN (SELECT max(id) FROM commands GROUP BY box, channel) AND"
		" (SELECT outcome FROM command_outcomes o WHERE o.command_id = c.id"
		"  ORDER BY o.rowid DESC LIMIT 1) = 'interrupted'",
	};
	char at[32];
	long superseded = 0;
	utc(g, at, sizeof at);
	for (size_t k = 0; k < 2; k++) {
		if (sqlite3_prepare_v2(db, sql[k], -1, &st, NULL) != SQLITE_OK) {
			log_err("audit", "cannot read the commands in flight error=\"%s\"",
				sqlite3_errmsg(db));
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct inflight f = { .id = sqlite3_column_int64(st, 0),
					      .channel = sqlite3_column_int(st, 2),
					      .to = state_of(sqlite3_column_text(st, 3)),
					      .reported = DC_STATE_UNKNOWN,
					      .interrupted = sqlite3_column_int(st, 6) };
			snprintf(f.box, sizeof f.box, "%s", (const char *)sqlite3_column_text(st, 1));
			snprintf(f.cmd_id, sizeof f.cmd_id, "%s",
				 (const char *)sqlite3_column_text(st, 4));
			if (sqlite3_column_int(st, 5)) {
				outcome(g, f.id, "superseded", -1);
				superseded++;
			} else {
				inflight_keep(&f);
			}
		}
		sqlite3_finalize(st);
	}
	if (ninflight)
		qsort(inflight, ninflight, sizeof *inflight, inflight_cmp);
	if (ninflight || superseded)
		log_info("audit", "commands in flight at the last stop count=%zu superseded=%ld "
			 "(resolved from the devices' reports)", ninflight, superseded);
}

/* ---- opening ---- */

static int exec(sqlite3 *db, const char *sql)
{
	char *e = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) {
		log_err("audit", "sql failed error=\"%s\"", e ? e : "?");
		sqlite3_free(e);
		return -1;
	}
	return 0;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

int gw_audit_open(struct gw *g, char *err, size_t errlen)
{
	char *e = NULL;
	g->store = dc_store_open(g->cfg.db_path, &e);
	if (!g->store) {
		snprintf(err, errlen, "%s", e ? e : "cannot open database");
		free(e);
		return -1;
	}
	dc_store_set_clock(g->store, &g->clock);	/* dashboard edits: the schedule's time */
	sqlite3 *db = db_of(g);
	/* The dashboard's requests wait a little for a CLI's write; the
	 * queue's flushes hardly (they retry from the loop's timer). */
	sqlite3_busy_timeout(db, REQUEST_WAIT_MS);
	/* The daemon appends rows and re-reads nothing: SQLite's default 2 MB
	 * page cache would be a quarter of its heap on a 10,000-screen fleet.
	 * A burst's transaction outgrows any small cache and spills its dirty
	 * pages to the WAL before COMMIT, an append either way
	 * (bench/bench_gateway). */
	exec(db, "PRAGMA cache_size = -" GW_DB_CACHE_KIB);
	q = dc_dbq_new(db, FLUSH_WAIT_MS, REQUEST_WAIT_MS, STALL_MS, on_db_err, g);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s_cmd = dc_dbq_statement(q, "INSERT INTO commands (id, at, box, channel, screens, from_state,"
				    " to_state, reason, cmd_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
				    " ?8, ?9)");
	s_out = dc_dbq_statement(q, "INSERT INTO command_outcomes (command_id, at, outcome, state)"
				    " VALUES (?1, ?2, ?3, ?4)");
	s_alarm = dc_dbq_statement(q, "INSERT INTO alarm_events (at, kind, box, channel, active,"
				      " message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	s_box = dc_dbq_statement(q, "INSERT INTO boxes (id, driver, channels, params, online,"
				    " last_change) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO"
				    " UPDATE SET driver = excluded.driver, channels = excluded.channels,"
				    " params = excluded.params, online = excluded.online,"
				    " last_change = CASE WHEN online IS excluded.online THEN"
				    " last_change ELSE excluded.last_change END");
	s_read = dc_dbq_statement(q, "INSERT INTO meter_readings (at, box, channel, quantity, value)"
				     " VALUES (?1, ?2, ?3, ?4, ?5)");
	/* A journal resent after a lost ack is the same rows: OR IGNORE on the key. */
	s_journal = dc_dbq_statement(q, "INSERT OR IGNORE INTO box_journal (box, seq, at, channel,"
					" state, src) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	s_alive = dc_dbq_statement(q, "INSERT OR REPLACE INTO ledger_meta (key, value)"
				      " VALUES ('gateway_alive', ?1)");
	/* Only this process writes commands: their ids are allocated here. */
	next_command_id = 1 + query_int(db, "SELECT max(coalesce((SELECT max(id) FROM commands), 0),"
					    " coalesce((SELECT seq FROM sqlite_sequence WHERE"
					    " name = 'commands'), 0))");
	batch = true;	/* one commit for the whole registry */
	opened_ms = gw_mono();
	inflight_load(g);
	for (size_t i = 0; i < g->cfg.nboxes; i++)
		gw_audit_box(g, (int)i);
	gw_audit_flush(g);
	return 0;
}

void gw_audit_close(struct gw *g)
{
	if (q) {
		/* A clean stop waits for the lock a little longer: whatever is
		 * still queued is lost once the process ends. */
		for (int i = 0; i < 50 && !gw_audit_flush(g); i++) {
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
		}
		struct dc_dbq_stats st;
		dc_dbq_stats(q, &st);
		if (st.pending)
			log_err("audit", "database busy at stop: records lost count=%zu", st.pending);
		dc_dbq_free(q);
		q = NULL;
	}
	free(inflight);
	inflight = NULL;
	ninflight = nunresolved = 0;
	if (g->store)
		dc_store_close(g->store);
	g->store = NULL;
}

/* ---- the records ---- */

int64_t gw_audit_command(struct gw *g, const struct gw_chan *c, int to, const char *cmd_id)
{
	char at[32], screens[512] = "";
	size_t o = 0;
	if (!q)
		return 0;
	inflight_supersede(g, c);
	for (size_t i = 0; i < c->nscreens && o < sizeof screens; i++)
		o += (size_t)snprintf(screens + o, sizeof screens - o, "%s%s", i ? "," : "",
				      c->screens[i].id);
	utc(g, at, sizeof at);
	int64_t id = next_command_id++;
	struct dc_dbq_val v[] = {
		DC_DBQ_I(id), DC_DBQ_S(at), DC_DBQ_S(g->cfg.boxes[c->box].id), DC_DBQ_I(c->channel),
		DC_DBQ_S(screens),
		DC_DBQ_S(c->rc.confirmed == DC_STATE_UNKNOWN ? NULL : c->rc.confirmed ? "on" : "off"),
		DC_DBQ_S(to ? "on" : "off"), DC_DBQ_S(c->reason), DC_DBQ_S(cmd_id),
	};
	add(g, s_cmd, v, sizeof v / sizeof v[0]);
	return id;
}

void gw_audit_confirm(struct gw *g, int64_t command, int state)
{
	outcome(g, command, "confirmed", state);
}

void gw_audit_outcome(struct gw *g, int64_t command, const char *what)
{
	outcome(g, command, what, -1);
}

void gw_audit_alarm(struct gw *g, const char *kind, const char *box, int channel, bool active,
		    const char *message)
{
	char at[32];
	/* The database's own alarm is about these rows: its record is the log
	 * and the retained MQTT message. */
	if (!strcmp(kind, "database"))
		return;
	utc(g, at, sizeof at);
	struct dc_dbq_val v[] = {
		DC_DBQ_S(at), DC_DBQ_S(kind), DC_DBQ_S(box), channel > 0 ? DC_DBQ_I(channel) : DC_DBQ_NUL,
		DC_DBQ_I(active), DC_DBQ_S(message),
	};
	add(g, s_alarm, v, 6);
}

void gw_audit_box(struct gw *g, int box)
{
	const struct gw_box *bx = &g->cfg.boxes[box];
	const struct gw_boxstate *b = g->boxes ? &g->boxes[box] : NULL;
	char at[32], params[256];
	utc(g, at, sizeof at);
	if (bx->driver == GW_DRV_MODBUS_TCP)
		snprintf(params, sizeof params, "{\"host\":\"%s\",\"port\":%d,\"unit\":%d,"
			 "\"profile\":\"%s\"}", bx->host, bx->port, bx->unit, bx->profile);
	else if (bx->driver == GW_DRV_MODBUS_RTU)
		snprintf(params, sizeof params, "{\"bus\":\"%s\",\"unit\":%d,\"profile\":\"%s\"}",
			 g->cfg.buses[bx->bus].id, bx->unit, bx->profile);
	else
		snprintf(params, sizeof params, "{\"topic\":\"%s\"}", bx->topic);
	struct dc_dbq_val v[] = {
		DC_DBQ_S(bx->id), DC_DBQ_S(gw_driver_name(bx->driver)), DC_DBQ_I(bx->channels),
		DC_DBQ_S(params), b && b->online >= 0 ? DC_DBQ_I(b->online) : DC_DBQ_NUL, DC_DBQ_S(at),
	};
	add(g, s_box, v, 6);
}

void gw_audit_reading(struct gw *g, int box, int channel, const char *quantity, double value)
{
	struct gw_boxstate *b = &g->boxes[box];
	char at[32];
	int64_t now = gw_now(g);
	/* Devices report every few seconds; the energy ledger needs minutes. */
	if (!q || now - b->last_reading < 60)
		return;
	if (!strcmp(quantity, "energy_wh"))
		b->last_reading = now;
	utc(g, at, sizeof at);
	struct dc_dbq_val v[] = {
		DC_DBQ_S(at), DC_DBQ_S(g->cfg.boxes[box].id), DC_DBQ_I(channel), DC_DBQ_S(quantity),
		DC_DBQ_D(value),
	};
	add(g, s_read, v, 5);
}

void gw_audit_journal(struct gw *g, int box, const struct dc_drv_event *ev)
{
	char at[32];
	dc_format_utc(at, sizeof at, (int64_t)ev->value);
	struct dc_dbq_val v[] = {
		DC_DBQ_S(g->cfg.boxes[box].id), DC_DBQ_I(ev->rpc_id), DC_DBQ_S(at),
		DC_DBQ_I(ev->channel), DC_DBQ_S(ev->on ? "on" : "off"), DC_DBQ_S(ev->src),
	};
	add(g, s_journal, v, 6);
}

/* The ledger's input goes through the same queue, after the rows before
 * it; its SQL stays in gateway/store/ledger.c.  Events of one second are
 * appended in the order they came (the ledger numbers them). */
static int ledger_state_call(void *ctx, const struct dc_dbq_val *v, size_t n, char *err,
			     size_t errlen)
{
	struct gw *g = ctx;
	(void)n;
	if (dc_ledger_record(g->store, v[0].s, v[1].i, (enum dc_en_state)v[2].i,
			     (enum dc_en_cause)v[3].i, DC_LEDGER_APPEND, err, errlen) >= 0)
		return 0;
	if (dc_db_busy_code(sqlite3_extended_errcode(db_of(g))))
		return -1;	/* retried with the whole transaction */
	log_warn("audit", "ledger state not recorded screen=%s error=\"%s\"", v[0].s, err);
	return 0;
}

void gw_audit_alive(struct gw *g, int64_t at)
{
	struct dc_dbq_val v[] = { DC_DBQ_I(at) };
	add(g, s_alive, v, 1);
}

int64_t gw_audit_alive_read(struct gw *g)
{
	return g->store ? query_int(db_of(g), "SELECT value FROM ledger_meta"
					      " WHERE key = 'gateway_alive'") : 0;
}

int64_t gw_audit_last_ledger_state(struct gw *g, const char *screen_id)
{
	sqlite3_stmt *st;
	int64_t at = 0;
	if (!g->store || sqlite3_prepare_v2(db_of(g), "SELECT max(at) FROM ledger_states"
					    " WHERE screen_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, screen_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		at = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return at;
}

void gw_audit_ledger_state(struct gw *g, const char *screen_id, int64_t at, int state, int cause)
{
	struct dc_dbq_val v[] = { DC_DBQ_S(screen_id), DC_DBQ_I(at), DC_DBQ_I(state),
				  DC_DBQ_I(cause) };
	if (q && dc_dbq_call(q, ledger_state_call, g, v, 4, gw_mono()) == 0)
		queued(g);
}
