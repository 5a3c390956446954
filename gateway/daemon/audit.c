/* audit.c — the gateway's append-only records in the inventory database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "driver.h"
#include "gw.h"
#include "log.h"
#include "store.h"

static sqlite3 *db_of(struct gw *g)
{
	return g->store ? dc_store_db(g->store) : NULL;
}

static void utc(struct gw *g, char *buf, size_t len)
{
	dc_format_utc(buf, len, gw_now(g));
}

static bool in_tx, deferred;

#ifndef GW_DB_CACHE_KIB
#define GW_DB_CACHE_KIB "256"
#endif

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

int gw_audit_open(struct gw *g, char *err, size_t errlen)
{
	char *e = NULL, at[32];
	g->store = dc_store_open(g->cfg.db_path, &e);
	if (!g->store) {
		snprintf(err, errlen, "%s", e ? e : "cannot open database");
		free(e);
		return -1;
	}
	dc_store_set_clock(g->store, &g->clock);	/* dashboard edits: the schedule's time */
	sqlite3 *db = db_of(g);
	sqlite3_busy_timeout(db, 5000);
	/* The daemon appends rows and re-reads nothing: SQLite's default 2 MB
	 * page cache would be a quarter of its heap on a 10,000-screen fleet.
	 * A burst's transaction outgrows any small cache and spills its dirty
	 * pages to the WAL before COMMIT, an append either way
	 * (bench/bench_gateway). */
	exec(db, "PRAGMA cache_size = -" GW_DB_CACHE_KIB);
	/* Commands a killed gateway left without an outcome. */
	utc(g, at, sizeof at);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO command_outcomes (command_id, at, outcome)"
			       " SELECT id, ?1, 'interrupted' FROM commands WHERE id NOT IN"
			       " (SELECT command_id FROM command_outcomes)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) > 0)
			log_info("audit", "commands interrupted by the last stop count=%d",
				 sqlite3_changes(db));
		sqlite3_finalize(st);
	}
	gw_audit_begin(g);	/* one commit for the whole registry */
	for (size_t i = 0; i < g->cfg.nboxes; i++)
		gw_audit_box(g, (int)i);
	gw_audit_flush(g);
	return 0;
}

static sqlite3_stmt *s_cmd, *s_out, *s_alarm, *s_box, *s_read, *s_journal;

void gw_audit_close(struct gw *g)
{
	gw_audit_flush(g);
	sqlite3_stmt **all[] = { &s_cmd, &s_out, &s_alarm, &s_box, &s_read, &s_journal };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	if (g->store)
		dc_store_close(g->store);
	g->store = NULL;
}

void gw_audit_begin(struct gw *g)
{
	sqlite3 *db = db_of(g);
	if (db && !in_tx && exec(db, "BEGIN IMMEDIATE") == 0)
		in_tx = true;
}

void gw_audit_flush(struct gw *g)
{
	sqlite3 *db = db_of(g);
	if (db && in_tx) {
		exec(db, "COMMIT");
		in_tx = false;
	}
}

void gw_audit_defer(struct gw *g, bool on)
{
	deferred = on;
	if (!on)
		gw_audit_flush(g);
}

static sqlite3_stmt *prep(sqlite3 *db, sqlite3_stmt **cache, const char *sql)
{
	if (deferred && !in_tx && exec(db, "BEGIN IMMEDIATE") == 0)
		in_tx = true;
	if (!*cache && sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, cache, NULL)) {
		log_err("audit", "prepare failed error=\"%s\"", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_reset(*cache);
	sqlite3_clear_bindings(*cache);
	return *cache;
}

static void done(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		log_err("audit", "write failed error=\"%s\"", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

int64_t gw_audit_command(struct gw *g, const struct gw_chan *c, int to, const char *cmd_id)
{
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	char at[32], screens[512] = "";
	size_t o = 0;
	if (!db || !(st = prep(db, &s_cmd,
			       "INSERT INTO commands (at, box, channel, screens, from_state, to_state,"
			       " reason, cmd_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")))
		return 0;
	for (size_t i = 0; i < c->nscreens && o < sizeof screens; i++)
		o += (size_t)snprintf(screens + o, sizeof screens - o, "%s%s", i ? "," : "",
				      c->screens[i].id);
	utc(g, at, sizeof at);
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, g->cfg.boxes[c->box].id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, c->channel);
	sqlite3_bind_text(st, 4, screens, -1, SQLITE_TRANSIENT);
	if (c->rc.confirmed == DC_STATE_UNKNOWN)
		sqlite3_bind_null(st, 5);
	else
		sqlite3_bind_text(st, 5, c->rc.confirmed ? "on" : "off", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, to ? "on" : "off", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, cmd_id, -1, SQLITE_TRANSIENT);
	done(db, st);
	return sqlite3_last_insert_rowid(db);
}

static void outcome(struct gw *g, int64_t command, const char *what, int state)
{
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	char at[32];
	if (!db || command <= 0 ||
	    !(st = prep(db, &s_out, "INSERT INTO command_outcomes (command_id, at, outcome, state)"
				    " VALUES (?1, ?2, ?3, ?4)")))
		return;
	utc(g, at, sizeof at);
	sqlite3_bind_int64(st, 1, command);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
	if (state < 0)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_text(st, 4, state ? "on" : "off", -1, SQLITE_STATIC);
	done(db, st);
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
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	char at[32];
	if (!db || !(st = prep(db, &s_alarm,
			       "INSERT INTO alarm_events (at, kind, box, channel, active, message)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")))
		return;
	utc(g, at, sizeof at);
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, box, -1, SQLITE_TRANSIENT);
	if (channel > 0)
		sqlite3_bind_int(st, 4, channel);
	sqlite3_bind_int(st, 5, active);
	sqlite3_bind_text(st, 6, message, -1, SQLITE_TRANSIENT);
	done(db, st);
}

void gw_audit_box(struct gw *g, int box)
{
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	const struct gw_box *bx = &g->cfg.boxes[box];
	const struct gw_boxstate *b = g->boxes ? &g->boxes[box] : NULL;
	char at[32], params[256];
	if (!db || !(st = prep(db, &s_box,
			       "INSERT INTO boxes (id, driver, channels, params, online, last_change)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET"
			       " driver = excluded.driver, channels = excluded.channels,"
			       " params = excluded.params, online = excluded.online,"
			       " last_change = CASE WHEN online IS excluded.online THEN last_change"
			       " ELSE excluded.last_change END")))
		return;
	utc(g, at, sizeof at);
	if (bx->driver == GW_DRV_MODBUS_TCP)
		snprintf(params, sizeof params, "{\"host\":\"%s\",\"port\":%d,\"unit\":%d,"
			 "\"profile\":\"%s\"}", bx->host, bx->port, bx->unit, bx->profile);
	else if (bx->driver == GW_DRV_MODBUS_RTU)
		snprintf(params, sizeof params, "{\"bus\":\"%s\",\"unit\":%d,\"profile\":\"%s\"}",
			 g->cfg.buses[bx->bus].id, bx->unit, bx->profile);
	else
		snprintf(params, sizeof params, "{\"topic\":\"%s\"}", bx->topic);
	sqlite3_bind_text(st, 1, bx->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, gw_driver_name(bx->driver), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, bx->channels);
	sqlite3_bind_text(st, 4, params, -1, SQLITE_TRANSIENT);
	if (b && b->online >= 0)
		sqlite3_bind_int(st, 5, b->online);
	sqlite3_bind_text(st, 6, at, -1, SQLITE_TRANSIENT);
	done(db, st);
}

void gw_audit_reading(struct gw *g, int box, int channel, const char *quantity, double value)
{
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	struct gw_boxstate *b = &g->boxes[box];
	char at[32];
	int64_t now = gw_now(g);
	/* Devices report every few seconds; the energy ledger needs minutes. */
	if (!db || now - b->last_reading < 60)
		return;
	if (!strcmp(quantity, "energy_wh"))
		b->last_reading = now;
	if (!(st = prep(db, &s_read, "INSERT INTO meter_readings (at, box, channel, quantity, value)"
				     " VALUES (?1, ?2, ?3, ?4, ?5)")))
		return;
	utc(g, at, sizeof at);
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, g->cfg.boxes[box].id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, channel);
	sqlite3_bind_text(st, 4, quantity, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, value);
	done(db, st);
}

void gw_audit_journal(struct gw *g, int box, const struct dc_drv_event *ev)
{
	sqlite3 *db = db_of(g);
	sqlite3_stmt *st;
	char at[32];
	/* A journal resent after a lost ack is the same rows: OR IGNORE on the key. */
	if (!db || !(st = prep(db, &s_journal,
			       "INSERT OR IGNORE INTO box_journal (box, seq, at, channel, state, src)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")))
		return;
	dc_format_utc(at, sizeof at, (int64_t)ev->value);
	sqlite3_bind_text(st, 1, g->cfg.boxes[box].id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ev->rpc_id);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, ev->channel);
	sqlite3_bind_text(st, 5, ev->on ? "on" : "off", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ev->src, -1, SQLITE_TRANSIENT);
	done(db, st);
}
