/* ledger_import.c — the ledger's input from the gateway's own records.
 *
 * decran-gateway keeps append-only tables of what it did and saw (commands
 * and their outcomes, alarms, meter readings, the boxes' own journals).
 * This adapter turns new rows of those tables into the ledger's input log,
 * remembering how far it got per table (ledger_meta "import:<table>"), so
 * it can run before every update and is idempotent.  Tables that do not
 * exist (a database without the gateway's schema) are skipped.
 *
 * Mapping (docs/energy.md, "Input from the gateway's tables"):
 *   commands                       unknown for its screens at `at` (sent,
 *                                  not yet confirmed), unless answered in
 *                                  the same second; taken once answered
 *   command_outcomes confirmed     the reported state for the command's
 *                                  screens at `at`
 *   command_outcomes other         unknown at `at`
 *                                  (a command's unknown keeps the cause of
 *                                  an unknown before it: a box offline)
 *   alarm_events offline, raised   unknown (box offline) for every screen of
 *                                  the box (of the channel when given)
 *   box_journal                    the state the box switched to alone
 *   meter_readings energy_wh, ch 0 a reading of the box's meter (Wh -> kWh)
 */
#include "ledger.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"

static bool table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q;
	bool yes = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
	}
	return yes;
}

struct importer {
	struct dc_store *st;
	sqlite3 *db;
	sqlite3_stmt *by_channel;	/* screens bound to (box, channel or any) */
	sqlite3_stmt *before;		/* a screen's state before an imported row */
	long rows;
	char *err;		/* what stopped the import */
	size_t errlen;
	char scratch[256];	/* a single row refused: skipped, not fatal */
};

static int state_of(const char *s)
{
	if (!s)
		return DC_EN_UNKNOWN;
	return strcmp(s, "on") == 0 ? DC_EN_ON : strcmp(s, "off") == 0 ? DC_EN_OFF : DC_EN_UNKNOWN;
}

/* A late copy: ignored when its second already holds it (recorded live by
 * the gateway), else placed before the live records of its second. */
static void record(struct importer *im, const char *id, int64_t at, int state,
		   enum dc_en_cause cause)
{
	if (dc_ledger_record(im->st, id, at, (enum dc_en_state)state, cause, DC_LEDGER_IMPORTED,
			     im->scratch, sizeof im->scratch) == 1)
		im->rows++;
}

/* A command sent or left unanswered says nothing new about why the state
 * is unknown: when it already was (the box offline), that cause stays,
 * else a box offline all night would count as "unconfirmed" from its
 * first unanswered command on. */
static enum dc_en_cause unknown_cause(struct importer *im, const char *id, int64_t at)
{
	sqlite3_stmt *q = im->before;
	enum dc_en_cause cause = DC_EN_UNCONFIRMED;
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, at);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == DC_EN_UNKNOWN)
		cause = (enum dc_en_cause)sqlite3_column_int(q, 1);
	sqlite3_reset(q);
	return cause;
}

/* Record `state` at `at` for every id of a comma-separated list. */
static int record_list(struct importer *im, const char *ids, int64_t at, int state)
{
	char id[DC_ID_MAX];
	const char *p = ids ? ids : "";
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n > 0 && n < sizeof id) {
			memcpy(id, p, n);
			id[n] = 0;
			if (dc_slug_valid(id))
				record(im, id, at, state,
				       state == DC_EN_UNKNOWN ? unknown_cause(im, id, at)
							      : DC_EN_UNCONFIRMED);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Record `state` for the screens bound to box (and channel when > 0). */
static int record_bound(struct importer *im, const char *box, int channel, int64_t at, int state,
			enum dc_en_cause cause)
{
	sqlite3_stmt *q = im->by_channel;
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, box, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, channel);
	while (sqlite3_step(q) == SQLITE_ROW) {
		record(im, (const char *)sqlite3_column_text(q, 0), at, state, cause);
	}
	return 0;
}

typedef int (*row_fn)(struct importer *im, sqlite3_stmt *q, int64_t at);

/* Walk rows of `sql` (whose first column is the rowid, second the UTC
 * text instant) after the table's watermark, then move the watermark. */
static int walk(struct importer *im, const char *table, const char *sql, row_fn fn)
{
	char key[64];
	sqlite3_stmt *meta, *q;
	int64_t from = 0, last = 0;
	if (!table_exists(im->db, table))
		return 0;
	snprintf(key, sizeof key, "import:%s", table);
	if (sqlite3_prepare_v2(im->db, "SELECT value FROM ledger_meta WHERE key = ?1", -1, &meta,
			       NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(meta, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(meta) == SQLITE_ROW)
		from = sqlite3_column_int64(meta, 0);
	sqlite3_finalize(meta);
	last = from;
	if (sqlite3_prepare_v2(im->db, sql, -1, &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, from);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t at;
		last = sqlite3_column_int64(q, 0);
		const char *t = (const char *)sqlite3_column_text(q, 1);
		if (!t || dc_parse_utc(t, &at) < 0)
			continue;	/* a malformed instant: nothing can be placed */
		if (fn(im, q, at) < 0) {
			sqlite3_finalize(q);
			return -1;
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		goto fail;
	if (last != from) {
		if (sqlite3_prepare_v2(im->db, "INSERT OR REPLACE INTO ledger_meta (key, value) "
				       "VALUES (?1, ?2)", -1, &meta, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(meta, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(meta, 2, last);
		rc = sqlite3_step(meta);
		sqlite3_finalize(meta);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	return 0;
fail:
	snprintf(im->err, im->errlen, "%s: %s", table, sqlite3_errmsg(im->db));
	return -1;
}

static int on_command(struct importer *im, sqlite3_stmt *q, int64_t at)
{
	/* Confirmed within the same second: there was no unconfirmed time
	 * to speak of, and the confirmation must not be shadowed. */
	const char *sent = (const char *)sqlite3_column_text(q, 1);
	const char *answered = (const char *)sqlite3_column_text(q, 3);
	if (sent && answered && strcmp(sent, answered) == 0)
		return 0;
	return record_list(im, (const char *)sqlite3_column_text(q, 2), at, DC_EN_UNKNOWN);
}

static int on_outcome(struct importer *im, sqlite3_stmt *q, int64_t at)
{
	const char *outcome = (const char *)sqlite3_column_text(q, 2);
	int state = outcome && strcmp(outcome, "confirmed") == 0
		? state_of((const char *)sqlite3_column_text(q, 3)) : DC_EN_UNKNOWN;
	return record_list(im, (const char *)sqlite3_column_text(q, 4), at, state);
}

static int on_alarm(struct importer *im, sqlite3_stmt *q, int64_t at)
{
	return record_bound(im, (const char *)sqlite3_column_text(q, 2), sqlite3_column_int(q, 3),
			    at, DC_EN_UNKNOWN, DC_EN_OFFLINE);
}

static int on_journal(struct importer *im, sqlite3_stmt *q, int64_t at)
{
	return record_bound(im, (const char *)sqlite3_column_text(q, 2), sqlite3_column_int(q, 3),
			    at, state_of((const char *)sqlite3_column_text(q, 4)), DC_EN_UNCONFIRMED);
}

static int on_reading(struct importer *im, sqlite3_stmt *q, int64_t at)
{
	const char *box = (const char *)sqlite3_column_text(q, 2);
	double wh = sqlite3_column_double(q, 3);
	if (box && dc_ledger_record_reading(im->st, box, at, wh / 1000.0, 0, im->scratch,
					    sizeof im->scratch) == 1)
		im->rows++;
	return 0;
}

long dc_ledger_import_gateway(struct dc_store *st, bool from_start, char *err, size_t errlen)
{
	struct importer im = { .st = st, .db = dc_store_db(st), .err = err, .errlen = errlen };
	bool own_tx = sqlite3_get_autocommit(im.db);
	if (own_tx && dc_store_begin(st) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(st));
		return -1;
	}
	im.scratch[0] = 0;
	int rc = -1;
	if (sqlite3_prepare_v2(im.db, "SELECT id FROM screens WHERE box = ?1 AND "
			       "(?2 <= 0 OR channel = ?2) ORDER BY id", -1, &im.by_channel,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "screens: %s", sqlite3_errmsg(im.db));
		goto out;
	}
	/* Imported rows go before the live rows of their second (seq < 0). */
	if (sqlite3_prepare_v2(im.db, "SELECT state, cause FROM ledger_states WHERE screen_id = ?1 "
			       "AND (at < ?2 OR (at = ?2 AND seq < 0)) ORDER BY at DESC, seq DESC "
			       "LIMIT 1", -1, &im.before, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "ledger_states: %s", sqlite3_errmsg(im.db));
		goto out;
	}
	/* From the start: every row again (the input log keeps what it has). */
	if (from_start && sqlite3_exec(im.db, "DELETE FROM ledger_meta WHERE key GLOB 'import:*'",
				       NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "ledger_meta: %s", sqlite3_errmsg(im.db));
		goto out;
	}
	/* Order matters only within a screen's second, for what the gateway
	 * did not record live: the imports of a second follow the walks'
	 * order.  A box goes offline, switches alone (boot, fallback), then
	 * the gateway commands it: alarms, journals, commands, outcomes.  A
	 * command is taken once it has an outcome (commands without one are
	 * in flight: the walk stops before the first of them), with the
	 * instant of its first outcome. */
	if (walk(&im, "alarm_events", "SELECT id, at, box, coalesce(channel, 0) FROM alarm_events "
		 "WHERE id > ?1 AND kind = 'offline' AND active = 1 ORDER BY id", on_alarm) < 0 ||
	    walk(&im, "box_journal", "SELECT rowid, at, box, channel, state FROM box_journal "
		 "WHERE rowid > ?1 ORDER BY rowid", on_journal) < 0 ||
	    walk(&im, "commands", "SELECT c.id, c.at, c.screens, (SELECT o.at FROM command_outcomes o "
		 "WHERE o.command_id = c.id ORDER BY o.rowid LIMIT 1) FROM commands c WHERE c.id > ?1 "
		 "AND c.id < coalesce((SELECT min(id) FROM commands k WHERE k.id > ?1 AND NOT EXISTS "
		 "(SELECT 1 FROM command_outcomes o WHERE o.command_id = k.id)), 9223372036854775807) "
		 "ORDER BY c.id", on_command) < 0 ||
	    walk(&im, "command_outcomes", "SELECT o.rowid, o.at, o.outcome, o.state, c.screens "
		 "FROM command_outcomes o JOIN commands c ON c.id = o.command_id "
		 "WHERE o.rowid > ?1 ORDER BY o.rowid", on_outcome) < 0 ||
	    walk(&im, "meter_readings", "SELECT rowid, at, box, value FROM meter_readings "
		 "WHERE rowid > ?1 AND quantity = 'energy_wh' AND channel = 0 ORDER BY rowid",
		 on_reading) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(im.by_channel);
	sqlite3_finalize(im.before);
	if (own_tx) {
		if (rc == 0 && dc_store_commit(st) < 0) {
			snprintf(err, errlen, "%s", dc_store_errmsg(st));
			rc = -1;
		}
		if (rc < 0)
			dc_store_rollback(st);
	}
	return rc < 0 ? -1 : im.rows;
}
