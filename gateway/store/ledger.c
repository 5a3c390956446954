/* ledger.c — the energy ledger's database adapter (see ledger.h).
 *
 * Reads the input log, runs lib/energy over whole local days in chunks, and
 * writes energy_hour/energy_day.  The arithmetic is all in lib/energy; this
 * file only moves rows and local dates. */
#include "ledger.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"
#include "rules.h"
#include "tz.h"

#define CHUNK_DAYS 7

/* ---- Local calendar (lib/tz) ------------------------------------------ */

static int use_zone(const char *zone)
{
	return dc_tz_use(zone);
}

static void fmt_ymd(char out[11], int y, int m, int d)
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13u,
		 (unsigned)d % 32u);
}

/* "YYYY-MM-DD" shifted by n days. */
static int date_add(const char *date, int n, char out[11])
{
	int y, m, d;
	if (dc_parse_date(date, &y, &m, &d) < 0)
		return -1;
	dc_civil_from_days(dc_days_from_civil(y, m, d) + n, &y, &m, &d);
	fmt_ymd(out, y, m, d);
	return 0;
}

int dc_ledger_local_date(const struct dc_ledger_config *cfg, int64_t t, char out[11])
{
	struct dc_localtime lt;
	if (use_zone(cfg->zone) < 0)
		return -1;
	dc_tz_local(t, &lt);
	fmt_ymd(out, lt.year, lt.month, lt.day);
	return 0;
}

int64_t dc_ledger_local_instant(const struct dc_ledger_config *cfg, const char *date, int sod)
{
	int y, m, d;
	if (dc_parse_date(date, &y, &m, &d) < 0 || use_zone(cfg->zone) < 0)
		return INT64_MIN;
	return dc_tz_from_local(y, m, d, sod);
}

/* The local midnight at or before t. */
static int64_t local_midnight(const struct dc_ledger_config *cfg, int64_t t)
{
	char day[11];
	if (dc_ledger_local_date(cfg, t, day) < 0)
		return t;
	return dc_ledger_local_instant(cfg, day, 0);
}

static int64_t floor_hour(int64_t t)
{
	return t - ((t % 3600) + 3600) % 3600;
}

/* The first whole hour of t's local day.  The ledger's hours are UTC hours,
 * each counted in the local day it starts in; where local midnight falls
 * on the half hour (the Marquesas, UTC-9:30) the day's hours begin at
 * 00:30, and the hour from 23:30 ends the day before. */
static int64_t day_start(const struct dc_ledger_config *cfg, int64_t t)
{
	int64_t m = local_midnight(cfg, t);
	int64_t h = m % 3600 ? floor_hour(m) + 3600 : m;
	if (h > t)	/* t in the hour that began the evening before */
		h = day_start(cfg, m - 1);
	return h;
}

/* ---- Small SQL helpers -------------------------------------------------- */

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int prep(sqlite3 *db, sqlite3_stmt **q, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, q, NULL) != SQLITE_OK)
		return sql_fail(db, "prepare", err, errlen);
	return 0;
}

/* sql's statement: the one st keeps prepared when st is given (SQL run per
 * gateway event), else one prepared for this call; release() resets the
 * first, finalizes the second. */
static sqlite3_stmt *acquire(sqlite3 *db, struct dc_store *st, const char *sql, bool *kept)
{
	sqlite3_stmt *q = st ? dc_store_kept(st, sql) : NULL;
	*kept = q != NULL;
	if (!q && sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return NULL;
	return q;
}

static void release(sqlite3_stmt *q, bool kept)
{
	if (kept)
		sqlite3_reset(q);
	else
		sqlite3_finalize(q);
}

/* ledger_meta: a missing key reads as `dflt`.  st: may be NULL. */
static int meta_get(sqlite3 *db, struct dc_store *st, const char *key, int64_t dflt, int64_t *out)
{
	bool kept;
	sqlite3_stmt *q = acquire(db, st, "SELECT value FROM ledger_meta WHERE key = ?1", &kept);
	*out = dflt;
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	release(q, kept);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int meta_set(sqlite3 *db, struct dc_store *st, const char *key, int64_t v)
{
	bool kept;
	sqlite3_stmt *q = acquire(db, st, "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES"
				  " (?1, ?2)", &kept);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, v);
	int rc = sqlite3_step(q);
	release(q, kept);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Lower the "recompute from" watermark to `since`, and the start of the
 * input (kept here: min(at) over the log's primary keys would be a scan). */
static int mark_dirty(sqlite3 *db, struct dc_store *st, int64_t since)
{
	int64_t cur, start;
	if (meta_get(db, st, "dirty_since", INT64_MAX, &cur) < 0 ||
	    meta_get(db, st, "input_start", INT64_MAX, &start) < 0)
		return -1;
	if (since < start && meta_set(db, st, "input_start", since) < 0)
		return -1;
	return since < cur ? meta_set(db, st, "dirty_since", since) : 0;
}

/* ---- Feeding ------------------------------------------------------------ */

int dc_ledger_mark_dirty(struct dc_store *st, int64_t since, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	if (mark_dirty(db, st, since) < 0)
		return sql_fail(db, "ledger_meta", err, errlen);
	return 0;
}

/* Seqs of imported rows: below every row the gateway appended as things
 * happened, so a late copy never overrides the live record of its second. */
#define SEQ_IMPORTED_BASE INT64_C(-1000000000)

int dc_ledger_record(struct dc_store *st, const char *screen_id, int64_t at,
		     enum dc_en_state state, enum dc_en_cause cause, enum dc_ledger_order order,
		     char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *q;
	if (!dc_slug_valid(screen_id) || (state != DC_EN_UNKNOWN && state != DC_EN_OFF &&
					  state != DC_EN_ON) || (unsigned)cause >= DC_EN_CAUSES) {
		snprintf(err, errlen, TR("état invalide", "invalid state"));
		return -1;
	}
	if (state != DC_EN_UNKNOWN)
		cause = 0;
	bool autocommit = sqlite3_get_autocommit(db);
	if (autocommit && exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	/* What this second already holds, in order.  Statements kept: the
	 * gateway records every confirmed change. */
	bool kept;
	q = acquire(db, st, "SELECT seq, state, cause FROM ledger_states WHERE screen_id = ?1 "
		    "AND at = ?2 ORDER BY seq", &kept);
	int rc = q ? 0 : sql_fail(db, "prepare", err, errlen);
	bool same_last = false, same_any = false, any = false;
	int64_t last_seq = 0, last_imported = INT64_MIN;
	if (rc == 0) {
		sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, at);
		int r;
		while ((r = sqlite3_step(q)) == SQLITE_ROW) {
			int64_t seq = sqlite3_column_int64(q, 0);
			bool same = sqlite3_column_int(q, 1) == (int)state &&
				sqlite3_column_int(q, 2) == (int)cause;
			any = true;
			same_any |= same;
			same_last = same;
			last_seq = seq;
			if (seq < 0)
				last_imported = seq;
		}
		release(q, kept);
		if (r != SQLITE_DONE)
			rc = sql_fail(db, "ledger_states", err, errlen);
	}
	int64_t seq;
	if (order == DC_LEDGER_APPEND) {
		seq = any && last_seq + 1 > 0 ? last_seq + 1 : 0;
		if (same_last)	/* a repeated report */
			seq = INT64_MIN;
	} else {
		/* A copy of the gateway's records, imported later: already there
		 * when its second holds the same state anywhere; else it goes
		 * after the earlier imports and before the live rows. */
		seq = last_imported != INT64_MIN ? last_imported + 1 : SEQ_IMPORTED_BASE;
		if (same_any)
			seq = INT64_MIN;
	}
	if (rc == 0 && seq != INT64_MIN) {
		q = acquire(db, st, "INSERT INTO ledger_states (screen_id, at, seq, state, cause) "
			    "VALUES (?1,?2,?3,?4,?5)", &kept);
		rc = q ? 0 : sql_fail(db, "prepare", err, errlen);
		if (rc == 0) {
			sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, at);
			sqlite3_bind_int64(q, 3, seq);
			sqlite3_bind_int(q, 4, (int)state);
			sqlite3_bind_int(q, 5, (int)cause);
			rc = sqlite3_step(q) == SQLITE_DONE ? 0 : sql_fail(db, "ledger_states", err, errlen);
			release(q, kept);
		}
		if (rc == 0)
			rc = mark_dirty(db, st, at) < 0 ? sql_fail(db, "ledger_meta", err, errlen) : 1;
	}
	if (autocommit)
		exec(db, rc >= 0 ? "COMMIT" : "ROLLBACK", err, errlen);
	return rc;
}

int dc_ledger_record_state(struct dc_store *st, const char *screen_id, int64_t at,
			   enum dc_en_state state, char *err, size_t errlen)
{
	return dc_ledger_record(st, screen_id, at, state, DC_EN_UNCONFIRMED, DC_LEDGER_APPEND, err,
				errlen);
}

int dc_ledger_record_reading(struct dc_store *st, const char *box, int64_t at, double kwh,
			     uint32_t meter_gen, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *q, *prev;
	if (!dc_slug_valid(box) || !(kwh >= 0 && kwh < 1e15)) {
		snprintf(err, errlen, TR("relevé invalide", "invalid reading"));
		return -1;
	}
	if (prep(db, &q, "INSERT OR IGNORE INTO ledger_readings (box, at, kwh, meter_gen) "
		 "VALUES (?1,?2,?3,?4)", err, errlen) < 0)
		return -1;
	if (prep(db, &prev, "SELECT max(at) FROM ledger_readings WHERE box = ?1 AND at < ?2",
		 err, errlen) < 0) {
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_bind_text(q, 1, box, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_double(q, 3, kwh);
	sqlite3_bind_int64(q, 4, meter_gen);
	sqlite3_bind_text(prev, 1, box, -1, SQLITE_STATIC);
	sqlite3_bind_int64(prev, 2, at);
	bool autocommit = sqlite3_get_autocommit(db);
	if (autocommit)
		exec(db, "BEGIN IMMEDIATE", err, errlen);
	int rc = -1;
	if (sqlite3_step(q) == SQLITE_DONE) {
		/* The new delta starts at the previous reading. */
		int64_t since = at;
		if (sqlite3_step(prev) == SQLITE_ROW && sqlite3_column_type(prev, 0) != SQLITE_NULL)
			since = sqlite3_column_int64(prev, 0);
		rc = sqlite3_changes(db) == 0 ? 0 : mark_dirty(db, NULL, since) == 0 ? 1 : -1;
	}
	if (rc < 0)
		sql_fail(db, "ledger_readings", err, errlen);
	sqlite3_finalize(q);
	sqlite3_finalize(prev);
	if (autocommit)
		exec(db, rc >= 0 ? "COMMIT" : "ROLLBACK", err, errlen);
	return rc;
}

int dc_ledger_record_derogation(struct dc_store *st, const char *screen_id, int64_t from,
				int64_t to, const char *reason, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *q;
	if (to <= from || (screen_id && !dc_slug_valid(screen_id))) {
		snprintf(err, errlen, TR("dérogation invalide", "invalid derogation"));
		return -1;
	}
	if (prep(db, &q, "INSERT INTO ledger_derogations (screen_id, from_at, to_at, reason) "
		 "VALUES (?1,?2,?3,?4)", err, errlen) < 0)
		return -1;
	if (screen_id)
		sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, from);
	sqlite3_bind_int64(q, 3, to);
	sqlite3_bind_text(q, 4, reason ? reason : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : sql_fail(db, "ledger_derogations", err, errlen);
	sqlite3_finalize(q);
	return rc;
}

/* ---- Loading inputs ----------------------------------------------------- */

/* Events of one screen, reused across screens and chunks. */
struct evbuf {
	struct dc_en_event *ev;
	size_t cap;
};

/* Room for n events. */
static int evbuf_room(struct evbuf *eb, size_t n)
{
	if (n <= eb->cap)
		return 0;
	size_t c = eb->cap ? eb->cap * 2 : 64;
	if (c < n)
		c = n;
	struct dc_en_event *p = realloc(eb->ev, c * sizeof *p);
	if (!p)
		return -1;
	eb->ev = p;
	eb->cap = c;
	return 0;
}

/* Spans of one screen over [from, to): the events in force at `from` (its
 * last second at or before) and every event up to `to`, in order, made
 * into spans by lib/energy.  From `unbound` on (INT64_MAX: never) the
 * screen has no box: unknown, "no box", whatever was recorded. */
static int load_spans(sqlite3_stmt *q, const char *screen_id, int64_t from, int64_t to,
		      int64_t unbound, struct evbuf *eb, struct dc_en_span **sp, size_t *n,
		      size_t *cap)
{
	size_t ne = 0;
	int rc;
	*n = 0;
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, from);
	sqlite3_bind_int64(q, 3, to < unbound ? to : unbound);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (evbuf_room(eb, ne + 2) < 0)	/* + 1: room for the unbinding */
			return -1;
		eb->ev[ne++] = (struct dc_en_event){ sqlite3_column_int64(q, 0),
			(enum dc_en_state)sqlite3_column_int(q, 1),
			(enum dc_en_cause)sqlite3_column_int(q, 2) };
	}
	if (rc != SQLITE_DONE)
		return -1;
	if (unbound < to) {
		if (evbuf_room(eb, ne + 1) < 0)
			return -1;
		eb->ev[ne++] = (struct dc_en_event){ unbound, DC_EN_UNKNOWN, DC_EN_NO_BOX };
	}
	if (2 * ne > *cap) {
		struct dc_en_span *p = realloc(*sp, 2 * ne * sizeof *p);
		if (!p)
			return -1;
		*sp = p;
		*cap = 2 * ne;
	}
	*n = dc_en_spans(eb->ev, ne, from, to, *sp);
	return 0;
}

#define SPANS_SQL "SELECT at, state, cause FROM ledger_states WHERE screen_id = ?1 AND at < ?3 " \
	"AND at >= coalesce((SELECT max(at) FROM ledger_states WHERE screen_id = ?1 AND at <= ?2), ?2) " \
	"ORDER BY at, seq"
#define READINGS_SQL "SELECT at, kwh, meter_gen FROM ledger_readings WHERE box = ?1 AND " \
	"at >= coalesce((SELECT max(at) FROM ledger_readings WHERE box = ?1 AND at <= ?2), ?2) AND " \
	"at <= coalesce((SELECT min(at) FROM ledger_readings WHERE box = ?1 AND at >= ?3), ?3) " \
	"ORDER BY at"

static const struct dc_ledger_box *box_cfg(const struct dc_ledger_config *cfg, const char *box)
{
	for (size_t i = 0; i < cfg->nboxes; i++)
		if (strcmp(cfg->boxes[i].id, box) == 0)
			return &cfg->boxes[i];
	return NULL;
}

static int64_t removed_at(const struct dc_ledger_config *cfg, const struct dc_screen *s)
{
	if (s->status != DC_STATUS_REMOVED || !s->removal_date[0])
		return INT64_MAX;	/* removed without a date: nothing claimed */
	int64_t t = dc_ledger_local_instant(cfg, s->removal_date, 0);
	return t == INT64_MIN ? INT64_MAX : t;
}

/* When a screen with no box lost it: the instant of its last audited box
 * change.  INT64_MAX when it has a box, or never had one (its gaps are "no
 * box" anyway, and states logged by hand stand).  *q: the statement,
 * prepared at the first screen without a box and kept by the caller (a
 * prepare per screen was most of the time of 100,000 unbound screens). */
static int64_t unbound_at(sqlite3 *db, sqlite3_stmt **q, const struct dc_screen *s)
{
	int64_t t = INT64_MAX;
	if (s->box[0] || (!*q && sqlite3_prepare_v2(db, "SELECT at FROM audit WHERE screen_id = ?1"
						    " AND field = 'box' ORDER BY id DESC LIMIT 1",
						    -1, q, NULL) != SQLITE_OK))
		return t;
	sqlite3_reset(*q);
	sqlite3_bind_text(*q, 1, s->id, -1, SQLITE_STATIC);
	if (sqlite3_step(*q) == SQLITE_ROW) {
		const char *at = (const char *)sqlite3_column_text(*q, 0);
		if (!at || dc_parse_utc(at, &t) < 0)
			t = INT64_MAX;
	}
	sqlite3_reset(*q);
	return t;
}

static enum dc_en_cause gap_cause(const struct dc_screen *s)
{
	return s->box[0] ? DC_EN_UNCONFIRMED : DC_EN_NO_BOX;
}

/* Everything one chunk computation needs, reused across chunks. */
struct work {
	sqlite3 *db;
	const struct dc_ledger_config *cfg;
	char (*ids)[DC_ID_MAX];	/* screens, in the order of es[] */
	size_t nscreens, cap;
	struct dc_en_screen *es;
	int64_t *unbound;	/* unbound_at() of each screen */
	struct evbuf eb;
	struct dc_en_span **spans;
	size_t *spancap;
	char (*meter_box)[DC_ID_MAX];	/* distinct boxes, index = meter */
	struct dc_en_meter *meters;
	struct dc_en_reading **readings;
	size_t *readcap;
	size_t nboxes;
	sqlite3_stmt *q_spans, *q_readings, *del_hour, *ins_hour, *del_day, *ins_day, *q_unbound;
};

static void work_free(struct work *w)
{
	for (size_t i = 0; i < w->nscreens; i++)
		free(w->spans ? w->spans[i] : NULL);
	for (size_t i = 0; i < w->nboxes; i++)
		free(w->readings[i]);
	free(w->ids);
	free(w->es);
	free(w->unbound);
	free(w->eb.ev);
	free(w->spans);
	free(w->spancap);
	free(w->meter_box);
	free(w->meters);
	free(w->readings);
	free(w->readcap);
	sqlite3_finalize(w->q_spans);
	sqlite3_finalize(w->q_unbound);
	sqlite3_finalize(w->q_readings);
	sqlite3_finalize(w->del_hour);
	sqlite3_finalize(w->ins_hour);
	sqlite3_finalize(w->del_day);
	sqlite3_finalize(w->ins_day);
}

static int work_add_screen(const struct dc_screen *s, void *arg)
{
	struct work *w = arg;
	const struct dc_ledger_config *cfg = w->cfg;
	if (w->nscreens == w->cap)
		return 0;	/* added since counted: next update */
	size_t i = w->nscreens++;
	const struct dc_ledger_box *b = s->box[0] ? box_cfg(cfg, s->box) : NULL;
	memcpy(w->ids[i], s->id, sizeof w->ids[i]);
	w->es[i] = (struct dc_en_screen){
		.power_on_w = s->power_on_w, .power_standby_w = s->power_standby_w,
		.baseline_hours = s->baseline_hours,
		.off_cuts_mains = b && b->off_cuts_mains >= 0 ? b->off_cuts_mains
							      : cfg->off_cuts_mains,
		.removed_at = removed_at(cfg, s), .meter = -1, .gap_cause = gap_cause(s),
	};
	w->unbound[i] = unbound_at(w->db, &w->q_unbound, s);
	if (!s->box[0])
		return 0;
	size_t m;
	for (m = 0; m < w->nboxes && strcmp(w->meter_box[m], s->box) != 0; m++)
		;
	if (m == w->nboxes) {
		snprintf(w->meter_box[m], DC_ID_MAX, "%s", s->box);
		w->meters[m].rollover_kwh = b ? b->meter_rollover_kwh : 0;
		w->meters[m].max_gap_s = b ? b->meter_max_gap_s : 0;
		w->nboxes++;
	}
	w->es[i].meter = (int)m;
	return 0;
}

static int work_init(struct work *w, struct dc_store *st, const struct dc_ledger_config *cfg,
		     char *err, size_t errlen)
{
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	long count = 0;
	memset(w, 0, sizeof *w);
	w->db = dc_store_db(st);
	w->cfg = cfg;
	/* Counted, then streamed into what the computation needs (id, power,
	 * meter): the full rows of 10,000 screens would be 12 MB of the
	 * gateway's memory at every hourly update. */
	if (dc_store_count_screens(st, &all, &count) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		return -1;
	}
	size_t n = count > 0 ? (size_t)count : 1;
	w->cap = (size_t)count;
	w->ids = calloc(n, sizeof *w->ids);
	w->es = calloc(n, sizeof *w->es);
	w->unbound = calloc(n, sizeof *w->unbound);
	w->spans = calloc(n, sizeof *w->spans);
	w->spancap = calloc(n, sizeof *w->spancap);
	w->meter_box = calloc(n, sizeof *w->meter_box);
	w->meters = calloc(n, sizeof *w->meters);
	w->readings = calloc(n, sizeof *w->readings);
	w->readcap = calloc(n, sizeof *w->readcap);
	if (!w->ids || !w->es || !w->unbound || !w->spans || !w->spancap || !w->meter_box || !w->meters ||
	    !w->readings || !w->readcap) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (dc_store_list_screens(st, &all, work_add_screen, w) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		return -1;
	}
	if (prep(w->db, &w->q_spans, SPANS_SQL, err, errlen) < 0 ||
	    prep(w->db, &w->q_readings, READINGS_SQL, err, errlen) < 0 ||
	    prep(w->db, &w->del_hour, "DELETE FROM energy_hour WHERE hour >= ?1 AND hour < ?2",
		 err, errlen) < 0 ||
	    prep(w->db, &w->ins_hour, "INSERT INTO energy_hour (hour, screen_id, actual_mwh, "
		 "baseline_mwh, known_s, unknown_s, on_s, measured, unconfirmed_s, offline_s, no_box_s) "
		 "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
		 err, errlen) < 0 ||
	    prep(w->db, &w->del_day, "DELETE FROM energy_day WHERE day >= ?1 AND day <= ?2",
		 err, errlen) < 0 ||
	    prep(w->db, &w->ins_day, "INSERT INTO energy_day (day, screen_id, actual_mwh, "
		 "baseline_mwh, known_s, unknown_s, on_s, hours, measured_hours, unconfirmed_s, "
		 "offline_s, no_box_s) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", err, errlen) < 0)
		return -1;
	return 0;
}

static int load_readings(struct work *w, size_t m, int64_t from, int64_t to)
{
	sqlite3_stmt *q = w->q_readings;
	size_t n = 0;
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, w->meter_box[m], -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, from);
	sqlite3_bind_int64(q, 3, to);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == w->readcap[m]) {
			size_t c = n ? n * 2 : 256;
			struct dc_en_reading *p = realloc(w->readings[m], c * sizeof *p);
			if (!p)
				return -1;
			w->readings[m] = p;
			w->readcap[m] = c;
		}
		w->readings[m][n++] = (struct dc_en_reading){
			sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1),
			(uint32_t)sqlite3_column_int64(q, 2) };
	}
	w->meters[m].readings = w->readings[m];
	w->meters[m].nreadings = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Recompute energy_group_day for local days [d0, d1] from energy_day. */
static int regroup(sqlite3 *db, const char *d0, const char *d1, char *err, size_t errlen)
{
	sqlite3_stmt *del, *ins;
	if (prep(db, &del, "DELETE FROM energy_group_day WHERE day >= ?1 AND day <= ?2", err,
		 errlen) < 0)
		return -1;
	if (prep(db, &ins, "INSERT INTO energy_group_day (day, category, site, actual_mwh, "
		 "baseline_mwh, known_s, unknown_s, on_s, hours, measured_hours, unconfirmed_s, "
		 "offline_s, no_box_s) SELECT d.day, s.category, s.site, "
		 "sum(d.actual_mwh), sum(d.baseline_mwh), sum(d.known_s), sum(d.unknown_s), "
		 "sum(d.on_s), sum(d.hours), sum(d.measured_hours), sum(d.unconfirmed_s), "
		 "sum(d.offline_s), sum(d.no_box_s) FROM energy_day d "
		 "JOIN screens s ON s.id = d.screen_id WHERE d.day >= ?1 AND d.day <= ?2 "
		 "GROUP BY d.day, s.category, s.site", err, errlen) < 0) {
		sqlite3_finalize(del);
		return -1;
	}
	sqlite3_bind_text(del, 1, d0, -1, SQLITE_STATIC);
	sqlite3_bind_text(del, 2, d1, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 1, d0, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, d1, -1, SQLITE_STATIC);
	int rc = sqlite3_step(del) == SQLITE_DONE && sqlite3_step(ins) == SQLITE_DONE
		? 0 : sql_fail(db, "energy_group_day", err, errlen);
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return rc;
}

/* Compute and store [c0, c1) (whole local days, except a last partial one). */
static int do_chunk(struct work *w, int64_t c0, int64_t c1, int64_t keep_hours_from,
		    char *err, size_t errlen)
{
	int nh = (int)((c1 - c0) / 3600);
	struct dc_en_hour *out = NULL;
	char (*day)[11] = NULL;
	int rc = -1;

	for (size_t i = 0; i < w->nscreens; i++) {
		size_t n;
		if (load_spans(w->q_spans, w->ids[i], c0, c1, w->unbound[i], &w->eb, &w->spans[i],
			       &n, &w->spancap[i]) < 0) {
			sql_fail(w->db, "ledger_states", err, errlen);
			goto out;
		}
		w->es[i].spans = w->spans[i];
		w->es[i].nspans = n;
	}
	for (size_t m = 0; m < w->nboxes; m++)
		if (load_readings(w, m, c0, c1) < 0) {
			sql_fail(w->db, "ledger_readings", err, errlen);
			goto out;
		}

	out = malloc((w->nscreens ? w->nscreens : 1) * (size_t)nh * sizeof *out);
	day = malloc((size_t)nh * sizeof *day);
	if (!out || !day) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	struct dc_en_input in = { w->es, w->nscreens, w->meters, w->nboxes };
	if (dc_energy_hours(&in, c0, nh, out) < 0) {
		snprintf(err, errlen, TR("données du registre incohérentes", "inconsistent ledger input"));
		goto out;
	}
	for (int h = 0; h < nh; h++)
		dc_ledger_local_date(w->cfg, c0 + (int64_t)h * 3600, day[h]);

	sqlite3_reset(w->del_hour);
	sqlite3_bind_int64(w->del_hour, 1, c0);
	sqlite3_bind_int64(w->del_hour, 2, c1);
	sqlite3_reset(w->del_day);
	sqlite3_bind_text(w->del_day, 1, day[0], -1, SQLITE_STATIC);
	sqlite3_bind_text(w->del_day, 2, day[nh - 1], -1, SQLITE_STATIC);
	if (sqlite3_step(w->del_hour) != SQLITE_DONE || sqlite3_step(w->del_day) != SQLITE_DONE) {
		sql_fail(w->db, "energy_hour", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < w->nscreens; i++) {
		const struct dc_en_hour *hr = &out[i * (size_t)nh];
		const char *id = w->ids[i];
		struct dc_en_total t = { 0 };
		for (int h = 0; h < nh; h++) {
			int64_t hour = c0 + (int64_t)h * 3600;
			if (hour >= keep_hours_from) {
				sqlite3_stmt *q = w->ins_hour;
				sqlite3_reset(q);
				sqlite3_bind_int64(q, 1, hour);
				sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
				sqlite3_bind_int64(q, 3, hr[h].actual_mwh);
				sqlite3_bind_int64(q, 4, hr[h].baseline_mwh);
				sqlite3_bind_int(q, 5, hr[h].known_s);
				sqlite3_bind_int(q, 6, hr[h].unknown_s);
				sqlite3_bind_int(q, 7, hr[h].on_s);
				sqlite3_bind_int(q, 8, hr[h].measured);
				for (int c = 0; c < DC_EN_CAUSES; c++)
					sqlite3_bind_int(q, 9 + c, hr[h].unknown_by[c]);
				if (sqlite3_step(q) != SQLITE_DONE) {
					sql_fail(w->db, "energy_hour", err, errlen);
					goto out;
				}
			}
			dc_en_total_add(&t, &hr[h]);
			if (h + 1 < nh && strcmp(day[h], day[h + 1]) == 0)
				continue;
			sqlite3_stmt *q = w->ins_day;	/* the day ends here */
			sqlite3_reset(q);
			sqlite3_bind_text(q, 1, day[h], -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 3, t.actual_mwh);
			sqlite3_bind_int64(q, 4, t.baseline_mwh);
			sqlite3_bind_int64(q, 5, t.known_s);
			sqlite3_bind_int64(q, 6, t.unknown_s);
			sqlite3_bind_int64(q, 7, t.on_s);
			sqlite3_bind_int64(q, 8, t.hours);
			sqlite3_bind_int64(q, 9, t.measured_hours);
			for (int c = 0; c < DC_EN_CAUSES; c++)
				sqlite3_bind_int64(q, 10 + c, t.unknown_by[c]);
			if (sqlite3_step(q) != SQLITE_DONE) {
				sql_fail(w->db, "energy_day", err, errlen);
				goto out;
			}
			memset(&t, 0, sizeof t);
		}
	}
	rc = regroup(w->db, day[0], day[nh - 1], err, errlen);
out:
	free(out);
	free(day);
	return rc;
}

/* First hour of the ledger: the earliest input, floored to the hour.  The
 * record functions keep it in ledger_meta; a rebuild (or a log loaded by
 * other means) scans the log for it. */
static int input_start(sqlite3 *db, bool scan, int64_t *start)
{
	sqlite3_stmt *q;
	int64_t kept;
	*start = INT64_MAX;
	if (meta_get(db, NULL, "input_start", INT64_MAX, &kept) < 0)
		return -1;
	if (kept != INT64_MAX && !scan) {
		*start = floor_hour(kept);
		return 0;
	}
	if (sqlite3_prepare_v2(db, "SELECT min(m) FROM (SELECT min(at) AS m FROM ledger_states "
			       "UNION ALL SELECT min(at) FROM ledger_readings)", -1, &q, NULL))
		return -1;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
		kept = sqlite3_column_int64(q, 0);
		*start = floor_hour(kept);
		if (meta_set(db, NULL, "input_start", kept) < 0)
			rc = SQLITE_ERROR;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Audited inventory fields the ledger's figures depend on, and those only
 * its grouping by category and site depends on. */
#define ENERGY_FIELDS "'created','power_on_w','power_standby_w','baseline_hours','status'," \
	"'removal_date','box'"
#define GROUP_FIELDS "'category','site'"

/* Newest audit row after `after` touching one of `fields` (*last = after
 * when none). */
static int audit_last(sqlite3 *db, int64_t after, const char *fields, int64_t *last)
{
	sqlite3_stmt *q;
	char sql[320];
	*last = after;
	snprintf(sql, sizeof sql, "SELECT max(id) FROM audit WHERE id > ?1 AND screen_id IS NOT NULL "
		 "AND field IN (%s)", fields);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL))
		return -1;
	sqlite3_bind_int64(q, 1, after);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		*last = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Recompute [from, B) in the current transaction. */
static int recompute(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		     bool all, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	int64_t start, until, dirty, b = floor_hour(now);

	if (use_zone(cfg->zone) < 0) {
		snprintf(err, errlen, "zone: %s", cfg->zone);
		return -1;
	}
	if (input_start(db, all, &start) < 0 ||
	    meta_get(db, NULL, "computed_until", INT64_MAX, &until) < 0 ||
	    meta_get(db, NULL, "dirty_since", INT64_MAX, &dirty) < 0)
		return sql_fail(db, "ledger_meta", err, errlen);
	/* The ledger applies today's inventory to all its history (that is what
	 * makes it reproducible): an audited change of a figure it uses means
	 * recomputing everything. */
	int64_t seen, last, last_group;
	if (meta_get(db, NULL, "audit_seen", 0, &seen) < 0 || audit_last(db, seen, ENERGY_FIELDS, &last) < 0 ||
	    audit_last(db, seen, GROUP_FIELDS, &last_group) < 0)
		return sql_fail(db, "audit", err, errlen);
	if (last > seen)
		dirty = start;
	else if (last_group > seen && !all && regroup(db, "0000-00-00", "9999-99-99", err, errlen) < 0)
		return -1;	/* only the grouping changed: re-sum the days */
	if ((last > seen || last_group > seen) &&
	    meta_set(db, NULL, "audit_seen", last > last_group ? last : last_group) < 0)
		return sql_fail(db, "ledger_meta", err, errlen);
	if (all) {
		if (exec(db, "DELETE FROM energy_hour; DELETE FROM energy_day; "
			 "DELETE FROM energy_group_day;", err, errlen) < 0)
			return -1;
		until = INT64_MAX;
		dirty = INT64_MAX;
	}
	if (start == INT64_MAX)	/* no input yet: nothing to account */
		return 0;
	/* Computed beyond now by an earlier update (its clock ahead, a wrong
	 * --now): those hours assumed the state of then went on, and nothing
	 * recomputes a future hour.  Dropped, and now's day recomputed. */
	if (!all && until != INT64_MAX && until > b) {
		char day[11];
		int64_t midnight = day_start(cfg, b);
		dc_ledger_local_date(cfg, midnight, day);
		sqlite3_stmt *q[3] = { NULL, NULL, NULL };
		if (prep(db, &q[0], "DELETE FROM energy_hour WHERE hour >= ?1", err, errlen) < 0 ||
		    prep(db, &q[1], "DELETE FROM energy_day WHERE day >= ?1", err, errlen) < 0 ||
		    prep(db, &q[2], "DELETE FROM energy_group_day WHERE day >= ?1", err, errlen) < 0) {
			for (int i = 0; i < 3; i++)
				sqlite3_finalize(q[i]);
			return -1;
		}
		sqlite3_bind_int64(q[0], 1, midnight);
		sqlite3_bind_text(q[1], 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_text(q[2], 1, day, -1, SQLITE_STATIC);
		int rc = SQLITE_DONE;
		for (int i = 0; i < 3; i++) {
			if (rc == SQLITE_DONE)
				rc = sqlite3_step(q[i]);
			sqlite3_finalize(q[i]);
		}
		if (rc != SQLITE_DONE)
			return sql_fail(db, "energy_day", err, errlen);
		until = midnight;
	}
	/* Never computed yet: from the start of the input. */
	int64_t from = all || until == INT64_MAX ? start : until < dirty ? until : dirty;
	if (from < start)
		from = start;
	if (from > b)
		from = b;
	int64_t keep = cfg->hourly_retention_days > 0
		? b - (int64_t)cfg->hourly_retention_days * 86400 : INT64_MIN;

	if (from < b) {
		struct work w;
		int64_t c0 = day_start(cfg, from);
		if (c0 < start)
			c0 = start;
		if (work_init(&w, st, cfg, err, errlen) < 0) {
			work_free(&w);
			return -1;
		}
		while (c0 < b) {
			char d0[11], d1[11];
			dc_ledger_local_date(cfg, c0, d0);
			date_add(d0, CHUNK_DAYS, d1);
			int64_t c1 = dc_ledger_local_instant(cfg, d1, 0);
			if (c1 % 3600)	/* the hour that begins the day (day_start) */
				c1 = floor_hour(c1) + 3600;
			if (c1 > b)
				c1 = b;
			if (do_chunk(&w, c0, c1, keep, err, errlen) < 0) {
				work_free(&w);
				return -1;
			}
			c0 = c1;
		}
		work_free(&w);
	}
	if (keep != INT64_MIN) {
		sqlite3_stmt *q;
		if (prep(db, &q, "DELETE FROM energy_hour WHERE hour < ?1", err, errlen) < 0)
			return -1;
		sqlite3_bind_int64(q, 1, keep);
		int rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE)
			return sql_fail(db, "energy_hour", err, errlen);
	}
	if (meta_set(db, NULL, "computed_until", b) < 0 || meta_set(db, NULL, "dirty_since", INT64_MAX) < 0)
		return sql_fail(db, "ledger_meta", err, errlen);
	return 0;
}

static int in_transaction(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
			  bool all, char *err, size_t errlen)
{
	if (dc_store_begin(st) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		return -1;
	}
	if (recompute(st, cfg, now, all, err, errlen) < 0) {
		dc_store_rollback(st);
		return -1;
	}
	if (dc_store_commit(st) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		dc_store_rollback(st);
		return -1;
	}
	return 0;
}

int dc_ledger_update(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		     char *err, size_t errlen)
{
	return in_transaction(st, cfg, now, false, err, errlen);
}

int dc_ledger_rebuild(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		      char *err, size_t errlen)
{
	return in_transaction(st, cfg, now, true, err, errlen);
}

/* ---- Reports ------------------------------------------------------------ */

/* The columns of a sum of ledger days, in the order total_of() reads them. */
#define TOTAL_COLS(p) "sum(" p "actual_mwh), sum(" p "baseline_mwh), sum(" p "known_s), " \
	"sum(" p "unknown_s), sum(" p "on_s), sum(" p "hours), sum(" p "measured_hours), " \
	"sum(" p "unconfirmed_s), sum(" p "offline_s), sum(" p "no_box_s)"

static struct dc_en_total total_of(sqlite3_stmt *q, int col)
{
	struct dc_en_total t = {
		.actual_mwh = sqlite3_column_int64(q, col),
		.baseline_mwh = sqlite3_column_int64(q, col + 1),
		.known_s = sqlite3_column_int64(q, col + 2),
		.unknown_s = sqlite3_column_int64(q, col + 3),
		.on_s = sqlite3_column_int64(q, col + 4),
		.hours = sqlite3_column_int64(q, col + 5),
		.measured_hours = sqlite3_column_int64(q, col + 6),
	};
	for (int c = 0; c < DC_EN_CAUSES; c++)
		t.unknown_by[c] = sqlite3_column_int64(q, col + 7 + c);
	return t;
}

int dc_ledger_screen(struct dc_store *st, const char *screen_id, const char *from_day,
		     const char *to_day, struct dc_en_total *t, int *days,
		     struct dc_en_event *states, size_t max, size_t *nstates, char *err,
		     size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *q;
	memset(t, 0, sizeof *t);
	*days = 0;
	*nstates = 0;
	/* The day range first: the primary key is (day, screen_id). */
	if (prep(db, &q, "SELECT count(*), " TOTAL_COLS("") " FROM energy_day"
		 " WHERE day >= ?1 AND day <= ?2 AND screen_id = ?3", err, errlen) < 0)
		return -1;
	sqlite3_bind_text(q, 1, from_day, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, to_day, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, screen_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*days = sqlite3_column_int(q, 0);
		*t = total_of(q, 1);	/* sum() of no row is NULL: read as 0 */
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return sql_fail(db, "energy_day", err, errlen);
	return dc_ledger_states(st, screen_id, states, max, nstates, err, errlen);
}

int dc_ledger_states(struct dc_store *st, const char *screen_id, struct dc_en_event *ev,
		     size_t max, size_t *n, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *q;
	int rc;
	*n = 0;
	if (prep(db, &q, "SELECT at, state, cause FROM ledger_states WHERE screen_id = ?1"
		 " ORDER BY at DESC, seq DESC LIMIT ?2", err, errlen) < 0)
		return -1;
	sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max)
		ev[(*n)++] = (struct dc_en_event){ sqlite3_column_int64(q, 0),
			(enum dc_en_state)sqlite3_column_int(q, 1),
			(enum dc_en_cause)sqlite3_column_int(q, 2) };
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sql_fail(db, "ledger_states", err, errlen);
}

int dc_ledger_by_parse(const char *s)
{
	static const char *const names[] = { "day", "month", "category", "site", "screen", "all" };
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int dc_ledger_report(struct dc_store *st, const char *from_day, const char *to_day,
		     enum dc_ledger_by by, struct dc_ledger_row **rows, size_t *n,
		     char *err, size_t errlen)
{
	static const char *const keys[] = {
		[DC_BY_DAY] = "d.day", [DC_BY_MONTH] = "substr(d.day, 1, 7)",
		[DC_BY_CATEGORY] = "d.category", [DC_BY_SITE] = "d.site",
		[DC_BY_SCREEN] = "d.screen_id", [DC_BY_ALL] = "''",
	};
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *q;
	char sql[1024];

	*rows = NULL;
	*n = 0;
	if ((unsigned)by > DC_BY_ALL)
		return -1;
	snprintf(sql, sizeof sql,
		 "SELECT %s AS k, " TOTAL_COLS("d.") " FROM %s d WHERE d.day >= ?1 AND d.day <= ?2 GROUP BY k ORDER BY k",
		 keys[by], by == DC_BY_SCREEN ? "energy_day" : "energy_group_day");
	if (prep(db, &q, sql, err, errlen) < 0)
		return -1;
	sqlite3_bind_text(q, 1, from_day ? from_day : "0000-00-00", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, to_day ? to_day : "9999-99-99", -1, SQLITE_STATIC);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			struct dc_ledger_row *p = realloc(*rows, cap * sizeof *p);
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			*rows = p;
		}
		struct dc_ledger_row *r = &(*rows)[(*n)++];
		const unsigned char *k = sqlite3_column_text(q, 0);
		snprintf(r->key, sizeof r->key, "%s", k ? (const char *)k : "");
		r->t = total_of(q, 1);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return sql_fail(db, "energy_day", err, errlen);
	}
	return 0;
}

cJSON *dc_ledger_causes_json(const int64_t by[DC_EN_CAUSES], double unit)
{
	cJSON *o = cJSON_CreateObject();
	for (int c = 0; c < DC_EN_CAUSES; c++)
		cJSON_AddNumberToObject(o, dc_en_cause_name((enum dc_en_cause)c), (double)by[c] / unit);
	return o;
}

const char *dc_ledger_causes_text(char *buf, size_t len, const int64_t by[DC_EN_CAUSES], int lang)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int c = 0; c < DC_EN_CAUSES && o < len; c++) {
		char h[32];
		dc_fmt_num(h, sizeof h, (double)by[c] / 3600.0, 1, (enum dc_lang)lang);
		o += (size_t)snprintf(buf + o, len - o, "%s%s h %s", c ? ", " : "", h,
				      dc_en_cause_label((enum dc_en_cause)c));
	}
	return buf;
}

void dc_ledger_rows_total(const struct dc_ledger_row *rows, size_t n, struct dc_en_total *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++)
		dc_en_total_merge(out, &rows[i].t);
}

/* ---- Compliance --------------------------------------------------------- */

int dc_ledger_night_window(const struct dc_ledger_config *cfg, const char *date, int64_t *from,
			   int64_t *to)
{
	char morning[11];
	if (!date || date_add(date, 1, morning) < 0)
		return -1;
	*from = dc_ledger_local_instant(cfg, morning, DC_NIGHT_START_SOD);
	*to = dc_ledger_local_instant(cfg, morning, DC_NIGHT_END_SOD);
	return *from == INT64_MIN || *to == INT64_MIN ? -1 : 0;
}

int dc_ledger_last_night(const struct dc_ledger_config *cfg, int64_t now, char out[11])
{
	struct dc_localtime lt;
	int y, m, d;
	if (use_zone(cfg->zone) < 0)
		return -1;
	dc_tz_local(now - 6 * 3600, &lt);
	dc_civil_from_days(lt.daynum - 1, &y, &m, &d);
	fmt_ymd(out, y, m, d);
	return 0;
}

/* The rules the night is judged by: the given ones, which must read local
 * time in the ledger's zone (else the window and the law would be two
 * different nights), or the law alone in that zone. */
static const struct dc_rules *night_rules(const struct dc_ledger_config *cfg, const struct dc_rules *rules,
					  struct dc_rules **own, char *err, size_t errlen)
{
	char json[DC_ZONE_MAX + 32], e[256];
	*own = NULL;
	if (rules) {
		if (strcmp(rules->zone, cfg->zone) == 0)
			return rules;
		snprintf(err, errlen, TR("le fuseau des règles (%s) n'est pas celui du registre (%s) : "
					 "la nuit légale serait faussée",
					 "the rules' zone (%s) is not the ledger's (%s): the legal night "
					 "would be wrong"), rules->zone, cfg->zone);
		return NULL;
	}
	snprintf(json, sizeof json, "{\"zone\":\"%s\",\"policies\":[]}", cfg->zone);
	if (!(*own = dc_rules_parse(json, strlen(json), NULL, e, sizeof e)))
		snprintf(err, errlen, "%s", e);
	return *own;
}

int dc_ledger_compliance(struct dc_store *st, const struct dc_ledger_config *cfg,
			 const struct dc_rules *rules, const char *date, int64_t now, dc_ledger_night_cb cb, void *arg,
			 char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	struct dc_screen *screens = NULL;
	struct dc_en_span *spans = NULL;
	struct dc_night_allow *allow = NULL;
	struct evbuf eb = { 0 };
	size_t nscreens = 0, nspans = 0, spancap = 0, allowcap = 0;
	sqlite3_stmt *qs = NULL, *qd = NULL, *qu = NULL;
	struct dc_sched_ctx ctx = { 0 };
	struct dc_rules *own;
	int64_t ws, we;
	int rc = -1;

	if (use_zone(cfg->zone) < 0 || dc_ledger_night_window(cfg, date, &ws, &we) < 0) {
		snprintf(err, errlen, TR("date invalide : %s", "invalid date: %s"), date ? date : "");
		return -1;
	}
	if (!(rules = night_rules(cfg, rules, &own, err, errlen)))
		return -1;
	if (dc_store_list_screens_array(st, &all, &screens, &nscreens) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		dc_rules_free(own);
		return -1;
	}
	if (prep(db, &qs, SPANS_SQL, err, errlen) < 0 ||
	    prep(db, &qd, "SELECT from_at, to_at FROM ledger_derogations WHERE "
		 "(screen_id IS NULL OR screen_id = ?1) AND to_at > ?2 AND from_at < ?3",
		 err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < nscreens; i++) {
		const struct dc_screen *s = &screens[i];
		struct dc_cpl_night night;
		size_t nallow = 0;
		if (!dc_cpl_applies(s->category, s->flags))
			continue;
		/* States are known only up to now: later time stays unknown. */
		if (load_spans(qs, s->id, ws, we < now ? we : (now > ws ? now : ws), unbound_at(db, &qu, s),
			       &eb, &spans, &nspans, &spancap) < 0) {
			sql_fail(db, "ledger_states", err, errlen);
			goto out;
		}
		sqlite3_reset(qd);
		sqlite3_bind_text(qd, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(qd, 2, ws);
		sqlite3_bind_int64(qd, 3, we);
		while (sqlite3_step(qd) == SQLITE_ROW)
			if (dc_night_allow_push(&allow, &nallow, &allowcap, sqlite3_column_int64(qd, 0),
						sqlite3_column_int64(qd, 1), DC_NIGHT_DEROGATION) < 0)
				goto out;
		/* What the law allows is the engine's word, not a copy of it:
		 * service hours across DST, derogations of the rules file. */
		if (dc_schedule_night_allowances(rules, &ctx, s, ws, we, &allow, &nallow, &allowcap) < 0) {
			snprintf(err, errlen, "%s", TR("mémoire insuffisante", "out of memory"));
			goto out;
		}
		struct dc_cpl_input in = {
			.spans = spans, .nspans = nspans, .allow = allow, .nallow = nallow,
			.removed_at = removed_at(cfg, s), .gap_cause = gap_cause(s),
		};
		if (dc_cpl_night(&in, ws, we, &night) < 0)
			goto out;
		int r = cb(s, &night, arg);
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(qs);
	sqlite3_finalize(qd);
	sqlite3_finalize(qu);
	dc_sched_ctx_release(&ctx);
	dc_rules_free(own);
	free(screens);
	free(spans);
	free(allow);
	free(eb.ev);
	return rc;
}

struct summing {
	struct dc_ledger_night_summary *sum;
	dc_ledger_night_cb cb;
	void *arg;
};

static int sum_one(const struct dc_screen *s, const struct dc_cpl_night *n, void *arg)
{
	struct summing *a = arg;
	if ((unsigned)n->verdict < DC_CPL__COUNT)
		a->sum->count[n->verdict]++;
	if (n->verdict == DC_CPL_UNKNOWN)
		a->sum->unknown_by[dc_cpl_unknown_cause(n)]++;
	a->sum->screens++;
	return a->cb ? a->cb(s, n, a->arg) : 0;
}

int dc_ledger_night_summary(struct dc_store *st, const struct dc_ledger_config *cfg,
			    const struct dc_rules *rules, const char *date, int64_t now,
			    dc_ledger_night_cb cb, void *arg, struct dc_ledger_night_summary *out,
			    char *err, size_t errlen)
{
	int64_t ws, we;
	struct summing a = { out, cb, arg };
	memset(out, 0, sizeof *out);
	snprintf(out->night, sizeof out->night, "%s", date ? date : "");
	if (dc_ledger_night_window(cfg, date, &ws, &we) == 0)
		out->window_s = we - ws;
	return dc_ledger_compliance(st, cfg, rules, date, now, sum_one, &a, err, errlen);
}
