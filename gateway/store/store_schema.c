/* store_schema.c — the inventory schema as an ordered list of migration
 * steps, and the migrator that applies the missing ones. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "screen_fields.h"
#include "store_internal.h"

/* ---- Schema and migrations ------------------------------------------------
 *
 * PRAGMA user_version = number of steps applied.  Step i (0-based) takes a
 * database from version i to i+1, in one transaction with the version bump,
 * so a crash leaves either the old or the new schema, never half of one.
 *
 * To change the schema: APPEND a step at the end of `migrations` (never edit
 * a released step: databases in the field already ran it).  `sql` runs first,
 * then the optional `upgrade` hook for data rewrites SQL cannot express.
 * Then add a fixture of the previous version to tests/unit/test_store.c's
 * migration test if the step moves data.
 */
struct migration {
	const char *what;
	const char *sql;
	int (*upgrade)(sqlite3 *db, char *err, size_t errlen);
};

#define SQL_DATE(col) "(" col " IS NULL OR " col " GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]')"

/* CHECK (col IN ('a','b',...)) as CHECK (col = 'a' OR col = 'b' ...): the
 * same constraint, but SQLite builds an IN list of more than two values as
 * a small temporary table every time it checks a row, which was more than
 * half the cost of inserting a screen (docs/inventory.md, figures).  The
 * table's text is rewritten in place, the procedure SQLite documents for
 * constraint changes that leave the stored rows as they are
 * (lang_altertable.html, "other kinds of table schema changes"); every row
 * already meets the constraint, whichever way it is spelt.  Only the lists
 * of the tables named in the migrations below are touched (the screens, and
 * the rows the gateway writes at every confirmation); a list it cannot read
 * is left as is.  Items are quoted strings or small integers. */
static char *in_lists_as_or(const char *sql)
{
	size_t cap = strlen(sql) * 4 + 64, n = 0;
	char *out = malloc(cap);
	const char *p = sql;

	if (!out)
		return NULL;
	while (*p) {
		const char *in = strstr(p, " IN (");
		if (!in)
			break;
		/* The column: the word before " IN (", after "CHECK (". */
		const char *w = in;
		while (w > p && ((w[-1] >= 'a' && w[-1] <= 'z') || w[-1] == '_'))
			w--;
		const char *q = in + 5;
		char items[16][64];
		int k = 0;
		bool ok = w < in && w - p >= 7 && strncmp(w - 7, "CHECK (", 7) == 0;
		while (ok) {
			while (*q == ' ' || *q == ',')
				q++;
			if (*q == ')')
				break;
			const char *e = *q == '\'' ? strchr(q + 1, '\'') : NULL;
			if (*q >= '0' && *q <= '9')	/* an integer: e on its last digit */
				for (e = q; e[1] >= '0' && e[1] <= '9'; e++)
					;
			/* A plain quoted value ('' inside one is not ours). */
			if (!e || e - q + 2 > 64 || k == 16 || (e[1] != ',' && e[1] != ' ' && e[1] != ')')) {
				ok = false;
				break;
			}
			snprintf(items[k++], sizeof items[0], "%.*s", (int)(e - q + 1), q);
			q = e + 1;
		}
		if (!ok || k < 3) {	/* not ours, or already cheap: copy through */
			n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)(in + 5 - p), p);
			p = in + 5;
			continue;
		}
		/* In parentheses: "c IN (0,1,2) AND x" must not become
		 * "c = 0 OR c = 1 OR c = 2 AND x". */
		n += (size_t)snprintf(out + n, cap - n, "%.*s(", (int)(w - p), p);
		for (int i = 0; i < k; i++)
			n += (size_t)snprintf(out + n, cap - n, "%s%.*s = %s", i ? " OR " : "", (int)(in - w), w,
					      items[i]);
		n += (size_t)snprintf(out + n, cap - n, ")");
		p = q + 1;	/* past the list's ")" */
	}
	snprintf(out + n, cap - n, "%s", p);
	return out;
}

static int checks_without_in_lists(sqlite3 *db, const char *table, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	char *old = NULL, *new = NULL, set[64];
	long long version = -1;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	int found = sqlite3_step(q);
	if (found != SQLITE_ROW) {
		/* sqlite3_errmsg says "not an error" for a table that is not there */
		if (found == SQLITE_DONE)
			snprintf(err, errlen, "%s CHECK lists: no such table", table);
		sqlite3_finalize(q);
		return -1;
	}
	old = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	q = NULL;
	if (!old || !(new = in_lists_as_or(old)))
		goto out;
	if (strcmp(old, new) == 0) {
		rc = 0;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW)
		goto out;
	version = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2",
			       -1, &q, NULL) != SQLITE_OK)
		goto off;
	sqlite3_bind_text(q, 1, new, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, table, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto off;
	snprintf(set, sizeof set, "PRAGMA schema_version = %lld", version + 1);
	if (sqlite3_exec(db, set, NULL, NULL, NULL) != SQLITE_OK)
		goto off;
	rc = 0;
off:
	if (sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
out:
	if (rc < 0)
		snprintf(err, errlen, "%s CHECK lists: %s", table, sqlite3_errmsg(db));
	sqlite3_finalize(q);
	free(old);
	free(new);
	return rc;
}

static int screens_checks_without_in_lists(sqlite3 *db, char *err, size_t errlen)
{
	return checks_without_in_lists(db, "screens", err, errlen);
}

/* The rows of a confirmation (its outcome, the ledger's input) and the
 * gateway's alarms and boxes: each such insert built a temporary table per
 * list (a fifth of the gateway's CPU in a 10,000-screen burst). */
static int gateway_checks_without_in_lists(sqlite3 *db, char *err, size_t errlen)
{
	static const char *const tables[] = { "command_outcomes", "ledger_states", "alarm_events", "boxes" };
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		if (checks_without_in_lists(db, tables[i], err, errlen) < 0)
			return -1;
	return 0;
}

static const struct migration migrations[] = {
	{ "v1: screens, plan targets, audit trail",
	  "CREATE TABLE screens ("
	  " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 47"
	  "   AND id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9_-]*'),"
	  " name TEXT NOT NULL CHECK (name <> ''),"
	  " category TEXT NOT NULL CHECK (category IN ('advertising','information','school',"
	  "   'library','early_childhood','transport','other')),"
	  " site TEXT NOT NULL DEFAULT '',"
	  " address TEXT NOT NULL DEFAULT '',"
	  " lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),"
	  " lon REAL CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),"
	  " owner TEXT NOT NULL DEFAULT '',"
	  " tech TEXT NOT NULL DEFAULT 'LCD' CHECK (tech IN ('LCD','LED','other')),"
	  " surface_m2 REAL NOT NULL DEFAULT 0 CHECK (surface_m2 >= 0),"
	  " power_on_w REAL NOT NULL DEFAULT 0 CHECK (power_on_w >= 0),"
	  " power_standby_w REAL NOT NULL DEFAULT 0 CHECK (power_standby_w >= 0),"
	  " baseline_hours REAL NOT NULL DEFAULT 24 CHECK (baseline_hours BETWEEN 0 AND 24),"
	  " status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','reduced',"
	  "   'slated_for_removal','removed')),"
	  " removal_target TEXT CHECK " SQL_DATE("removal_target") ","
	  " removal_date TEXT CHECK " SQL_DATE("removal_date") ","
	  " airport INTEGER NOT NULL DEFAULT 0 CHECK (airport IN (0,1)),"
	  " transport_furniture INTEGER NOT NULL DEFAULT 0 CHECK (transport_furniture IN (0,1)),"
	  " service_hours TEXT NOT NULL DEFAULT '',"
	  " box TEXT,"
	  " channel INTEGER CHECK (channel IS NULL OR channel BETWEEN 1 AND 16),"
	  " notes TEXT NOT NULL DEFAULT '',"
	  " CHECK ((lat IS NULL) = (lon IS NULL)),"
	  " CHECK ((box IS NULL) = (channel IS NULL))"
	  ");"
	  "CREATE TABLE plan_targets ("
	  " category TEXT NOT NULL CHECK (category IN ('all','advertising','information','school',"
	  "   'library','early_childhood','transport','other')),"
	  " target_date TEXT NOT NULL CHECK " SQL_DATE("target_date") ","
	  " removed INTEGER NOT NULL CHECK (removed >= 0),"
	  " PRIMARY KEY (category, target_date)"
	  ");"
	  "CREATE TABLE audit ("
	  " id INTEGER PRIMARY KEY,"	/* never reused: rows are never deleted */
	  " at TEXT NOT NULL,"			/* UTC, YYYY-MM-DDTHH:MM:SSZ */
	  " actor TEXT NOT NULL,"
	  " screen_id TEXT REFERENCES screens(id),"	/* NULL for plan changes */
	  " field TEXT NOT NULL,"
	  " old TEXT,"
	  " new TEXT"
	  ");",
	  NULL },
	{ "v2: list indexes, append-only audit, screens never deleted",
	  "CREATE INDEX screens_status ON screens(status);"
	  "CREATE INDEX screens_category ON screens(category);"
	  "CREATE INDEX screens_site ON screens(site);"
	  "CREATE INDEX audit_screen ON audit(screen_id, id);"
	  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	  " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	  " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	  "CREATE TRIGGER screens_no_delete BEFORE DELETE ON screens"
	  " BEGIN SELECT RAISE(ABORT, 'screens are never deleted: set status removed'); END;",
	  NULL },
	/* Schedule inputs (gateway/store/overrides.c).  Rows are never deleted:
	 * "clear" stamps `cleared`, so the history of who forced what stays. */
	{ "v3: schedule overrides and grid alerts",
	  "CREATE TABLE overrides ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " screen_id TEXT NOT NULL REFERENCES screens(id),"
	  " kind TEXT NOT NULL CHECK (kind IN ('force_off','force_on')),"
	  " starts INTEGER NOT NULL,"		/* UTC seconds */
	  " expires INTEGER NOT NULL CHECK (expires > starts),"
	  " author TEXT NOT NULL CHECK (author <> ''),"
	  " reason TEXT NOT NULL CHECK (reason <> ''),"
	  " created INTEGER NOT NULL,"
	  " cleared INTEGER,"			/* UTC seconds, NULL while in force */
	  " cleared_by TEXT"
	  ");"
	  "CREATE INDEX overrides_live ON overrides(cleared, expires);"
	  "CREATE TABLE grid_alerts ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " starts INTEGER NOT NULL,"
	  " ends INTEGER NOT NULL CHECK (ends > starts),"
	  " categories INTEGER NOT NULL DEFAULT 0,"	/* bit (1 << dc_category); 0 = rules' */
	  " source TEXT NOT NULL CHECK (source <> ''),"
	  " reason TEXT NOT NULL DEFAULT '',"
	  " created INTEGER NOT NULL,"
	  " cleared INTEGER,"
	  " cleared_by TEXT"
	  ");"
	  "CREATE TRIGGER overrides_no_delete BEFORE DELETE ON overrides"
	  " BEGIN SELECT RAISE(ABORT, 'overrides are cleared, never deleted'); END;"
	  "CREATE TRIGGER grid_alerts_no_delete BEFORE DELETE ON grid_alerts"
	  " BEGIN SELECT RAISE(ABORT, 'grid alerts are cleared, never deleted'); END;",
	  NULL },
	{ "v4: gateway: relay boxes, command log with outcomes, alarms, meter readings",
	  /* The registry of relay boxes, refreshed from the gateway's config. */
	  "CREATE TABLE boxes ("
	  " id TEXT PRIMARY KEY NOT NULL,"
	  " driver TEXT NOT NULL CHECK (driver IN ('native','tasmota','shelly','modbus-rtu',"
	  "   'modbus-tcp')),"
	  " channels INTEGER NOT NULL CHECK (channels BETWEEN 1 AND 16),"
	  " params TEXT NOT NULL DEFAULT '{}',"	/* driver parameters, JSON */
	  " online INTEGER CHECK (online IS NULL OR online IN (0,1)),"
	  " last_change TEXT"			/* UTC, last online/offline change */
	  ");"
	  /* Every command, written before it is sent; never updated. */
	  "CREATE TABLE commands ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " at TEXT NOT NULL,"
	  " box TEXT NOT NULL,"
	  " channel INTEGER NOT NULL CHECK (channel BETWEEN 1 AND 16),"
	  " screens TEXT NOT NULL DEFAULT '',"	/* comma-separated screen ids */
	  " from_state TEXT CHECK (from_state IS NULL OR from_state IN ('on','off')),"
	  " to_state TEXT NOT NULL CHECK (to_state IN ('on','off')),"
	  " reason TEXT NOT NULL DEFAULT '',"
	  " cmd_id TEXT NOT NULL UNIQUE"
	  ");"
	  /* What became of a command: appended, so a kill between the send and
	   * the confirmation loses nothing. */
	  "CREATE TABLE command_outcomes ("
	  " command_id INTEGER NOT NULL REFERENCES commands(id),"
	  " at TEXT NOT NULL,"
	  " outcome TEXT NOT NULL CHECK (outcome IN ('confirmed','unconfirmed','superseded',"
	  "   'failed','interrupted')),"
	  " state TEXT CHECK (state IS NULL OR state IN ('on','off'))"
	  ");"
	  "CREATE INDEX command_outcomes_cmd ON command_outcomes(command_id);"
	  "CREATE INDEX commands_box ON commands(box, channel, id);"
	  "CREATE TABLE alarm_events ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " at TEXT NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('offline','unconfirmed','compliance','meter')),"
	  " box TEXT NOT NULL,"
	  " channel INTEGER,"
	  " active INTEGER NOT NULL CHECK (active IN (0,1)),"	/* 1 raised, 0 cleared */
	  " message TEXT NOT NULL DEFAULT ''"
	  ");"
	  "CREATE TABLE meter_readings ("
	  " at TEXT NOT NULL,"
	  " box TEXT NOT NULL,"
	  " channel INTEGER NOT NULL DEFAULT 0,"	/* 0 = the whole box */
	  " quantity TEXT NOT NULL CHECK (quantity IN ('power_w','energy_wh')),"
	  " value REAL NOT NULL"
	  ");"
	  "CREATE INDEX meter_readings_box ON meter_readings(box, at);"
	  /* Switches a relay box made alone (fallback, boot), from its journal. */
	  "CREATE TABLE box_journal ("
	  " box TEXT NOT NULL,"
	  " seq INTEGER NOT NULL,"
	  " at TEXT NOT NULL,"
	  " channel INTEGER NOT NULL CHECK (channel BETWEEN 1 AND 16),"
	  " state TEXT NOT NULL CHECK (state IN ('on','off')),"
	  " src TEXT NOT NULL,"
	  " PRIMARY KEY (box, seq, at)"
	  ");"
	  "CREATE TRIGGER box_journal_no_update BEFORE UPDATE ON box_journal"
	  " BEGIN SELECT RAISE(ABORT, 'box journal is append-only'); END;"
	  "CREATE TRIGGER commands_no_update BEFORE UPDATE ON commands"
	  " BEGIN SELECT RAISE(ABORT, 'commands are append-only'); END;"
	  "CREATE TRIGGER commands_no_delete BEFORE DELETE ON commands"
	  " BEGIN SELECT RAISE(ABORT, 'commands are append-only'); END;"
	  "CREATE TRIGGER command_outcomes_no_update BEFORE UPDATE ON command_outcomes"
	  " BEGIN SELECT RAISE(ABORT, 'command outcomes are append-only'); END;"
	  "CREATE TRIGGER command_outcomes_no_delete BEFORE DELETE ON command_outcomes"
	  " BEGIN SELECT RAISE(ABORT, 'command outcomes are append-only'); END;"
	  "CREATE TRIGGER alarm_events_no_update BEFORE UPDATE ON alarm_events"
	  " BEGIN SELECT RAISE(ABORT, 'alarm events are append-only'); END;"
	  "CREATE TRIGGER alarm_events_no_delete BEFORE DELETE ON alarm_events"
	  " BEGIN SELECT RAISE(ABORT, 'alarm events are append-only'); END;",
	  NULL },
	/* Energy ledger (gateway/store/ledger.c, docs/energy.md).  ledger_states,
	 * ledger_readings and ledger_derogations are its append-only input,
	 * written by the gateway; energy_hour, energy_day and energy_group_day
	 * are derived and may be rebuilt from them at any time.  Instants are
	 * UTC seconds. */
	{ "v5: energy ledger input log and derived hourly/daily ledger",
	  "CREATE TABLE ledger_states ("
	  " screen_id TEXT NOT NULL,"
	  " at INTEGER NOT NULL,"
	  " state INTEGER NOT NULL CHECK (state IN (0,1,2)),"	/* unknown, off, on */
	  " PRIMARY KEY (screen_id, at)"
	  ") WITHOUT ROWID;"
	  "CREATE TABLE ledger_readings ("
	  " box TEXT NOT NULL,"
	  " at INTEGER NOT NULL,"
	  " kwh REAL NOT NULL,"
	  " meter_gen INTEGER NOT NULL DEFAULT 0,"
	  " PRIMARY KEY (box, at)"
	  ") WITHOUT ROWID;"
	  "CREATE TABLE ledger_derogations ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " screen_id TEXT,"			/* NULL: every screen */
	  " from_at INTEGER NOT NULL,"
	  " to_at INTEGER NOT NULL CHECK (to_at > from_at),"
	  " reason TEXT NOT NULL DEFAULT ''"
	  ");"
	  "CREATE TABLE ledger_meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);"
	  "CREATE TABLE energy_hour ("
	  " hour INTEGER NOT NULL,"		/* UTC start of the hour */
	  " screen_id TEXT NOT NULL,"
	  " actual_mwh INTEGER NOT NULL,"
	  " baseline_mwh INTEGER NOT NULL,"
	  " known_s INTEGER NOT NULL,"
	  " unknown_s INTEGER NOT NULL,"
	  " on_s INTEGER NOT NULL,"
	  " measured INTEGER NOT NULL,"
	  " PRIMARY KEY (hour, screen_id)"
	  ") WITHOUT ROWID;"
	  "CREATE TABLE energy_day ("
	  " day TEXT NOT NULL,"			/* local date YYYY-MM-DD */
	  " screen_id TEXT NOT NULL,"
	  " actual_mwh INTEGER NOT NULL,"
	  " baseline_mwh INTEGER NOT NULL,"
	  " known_s INTEGER NOT NULL,"
	  " unknown_s INTEGER NOT NULL,"
	  " on_s INTEGER NOT NULL,"
	  " hours INTEGER NOT NULL,"
	  " measured_hours INTEGER NOT NULL,"
	  " PRIMARY KEY (day, screen_id)"
	  ") WITHOUT ROWID;"
	  /* energy_day summed per (day, category, site): the reports read this,
	   * a few hundred rows a day whatever the number of screens. */
	  "CREATE TABLE energy_group_day ("
	  " day TEXT NOT NULL,"
	  " category TEXT NOT NULL,"
	  " site TEXT NOT NULL,"
	  " actual_mwh INTEGER NOT NULL,"
	  " baseline_mwh INTEGER NOT NULL,"
	  " known_s INTEGER NOT NULL,"
	  " unknown_s INTEGER NOT NULL,"
	  " on_s INTEGER NOT NULL,"
	  " hours INTEGER NOT NULL,"		/* screen-hours */
	  " measured_hours INTEGER NOT NULL,"
	  " PRIMARY KEY (day, category, site)"
	  ") WITHOUT ROWID;"
	  "CREATE TRIGGER ledger_states_no_update BEFORE UPDATE ON ledger_states"
	  " BEGIN SELECT RAISE(ABORT, 'ledger input is append-only'); END;"
	  "CREATE TRIGGER ledger_states_no_delete BEFORE DELETE ON ledger_states"
	  " BEGIN SELECT RAISE(ABORT, 'ledger input is append-only'); END;"
	  "CREATE TRIGGER ledger_readings_no_update BEFORE UPDATE ON ledger_readings"
	  " BEGIN SELECT RAISE(ABORT, 'ledger input is append-only'); END;"
	  "CREATE TRIGGER ledger_readings_no_delete BEFORE DELETE ON ledger_readings"
	  " BEGIN SELECT RAISE(ABORT, 'ledger input is append-only'); END;",
	  NULL },
	/* Dashboard accounts (gateway/web_auth.c). */
	{ "v6: dashboard user accounts and sessions (tokens stored hashed)",
	  "CREATE TABLE users ("
	  " name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 63),"
	  " role TEXT NOT NULL CHECK (role IN ('viewer','technician','admin')),"
	  " hash TEXT NOT NULL,"		/* crypt(3) yescrypt */
	  " created TEXT NOT NULL"
	  ");"
	  "CREATE TABLE sessions ("
	  " token_hash TEXT PRIMARY KEY NOT NULL,"	/* SHA-256 of the cookie value */
	  " user TEXT NOT NULL REFERENCES users(name),"
	  " csrf TEXT NOT NULL,"
	  " created INTEGER NOT NULL,"
	  " expires INTEGER NOT NULL"
	  ");"
	  "CREATE INDEX sessions_expires ON sessions(expires);",
	  NULL },
	/* Energy ledger (docs/energy.md): events of one screen that share a
	 * second keep their order (seq), instead of the first one shutting out
	 * the others (a boot "off" and the "on" confirmed in the same second);
	 * an unknown state says why (cause: 0 unconfirmed, 1 box offline, 2 no
	 * box), and the derived tables count unknown seconds by cause.  Rows
	 * already there keep their order (seq 0, alone in their second) and
	 * are "unconfirmed"; `decran energy rebuild` recomputes the derived
	 * tables with the causes the inventory can tell (no box). */
	{ "ledger: order of events within a second, unknown by cause",
	  "CREATE TABLE ledger_states_seq ("
	  " screen_id TEXT NOT NULL,"
	  " at INTEGER NOT NULL,"
	  " seq INTEGER NOT NULL DEFAULT 0,"	/* order within (screen_id, at) */
	  " state INTEGER NOT NULL CHECK (state IN (0,1,2)),"	/* unknown, off, on */
	  " cause INTEGER NOT NULL DEFAULT 0 CHECK (cause IN (0,1,2) AND (state = 0 OR cause = 0)),"
	  " PRIMARY KEY (screen_id, at, seq)"
	  ") WITHOUT ROWID;"
	  "INSERT INTO ledger_states_seq (screen_id, at, seq, state, cause)"
	  " SELECT screen_id, at, 0, state, 0 FROM ledger_states;"
	  /* DROP TABLE fires no trigger: the append-only ones go with it. */
	  "DROP TABLE ledger_states;"
	  "ALTER TABLE ledger_states_seq RENAME TO ledger_states;"
	  "CREATE TRIGGER ledger_states_no_update BEFORE UPDATE ON ledger_states"
	  " BEGIN SELECT RAISE(ABORT, 'ledger input is append-only'); END;"
	  "CREATE TRIGGER ledger_states_no_delete BEFORE DELETE ON ledger_states"
	  " BEGIN SELECT RAISE(ABORT, 'ledger input is append-only'); END;"
	  "ALTER TABLE energy_hour ADD COLUMN unconfirmed_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_hour ADD COLUMN offline_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_hour ADD COLUMN no_box_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_day ADD COLUMN unconfirmed_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_day ADD COLUMN offline_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_day ADD COLUMN no_box_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_group_day ADD COLUMN unconfirmed_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_group_day ADD COLUMN offline_s INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE energy_group_day ADD COLUMN no_box_s INTEGER NOT NULL DEFAULT 0;"
	  /* Until rebuilt, what was unknown stays so, as unconfirmed: the sums
	   * by cause add up to unknown_s on every row. */
	  "UPDATE energy_hour SET unconfirmed_s = unknown_s;"
	  "UPDATE energy_day SET unconfirmed_s = unknown_s;"
	  "UPDATE energy_group_day SET unconfirmed_s = unknown_s;",
	  NULL },
	/* R581-35 exempts transport furniture in service only with fixed
	 * images.  Screens inventoried before this step were never asked:
	 * 'unknown', which the engine treats as animated until the city says. */
	{ "display: fixed / animated / unknown images (existing screens unknown)",
	  "ALTER TABLE screens ADD COLUMN display TEXT NOT NULL DEFAULT 'unknown'"
	  " CHECK (display IN ('fixed','animated','unknown'));",
	  NULL },	/* decran-web, the dashboard in its own process, opens this database
	 * read-only.  Its sessions move to a file of its own
	 * (dashboard/src/web_auth.c): open sessions end, users log in again;
	 * accounts stay here, written by `decran users`.  Its page cache needs
	 * to know when what public pages show changed, whoever wrote it (the
	 * CLI, an import, plain SQL) and without counting the gateway's
	 * constant records: every write to screens or plan targets moves
	 * content_version. */
	{ "dashboard in its own process: sessions leave, a content version for its cache",
	  "DROP TABLE sessions;"
	  "CREATE TABLE content_version (id INTEGER PRIMARY KEY CHECK (id = 1),"
	  " v INTEGER NOT NULL);"
	  "INSERT INTO content_version VALUES (1, 0);"
	  "CREATE TRIGGER screens_content_insert AFTER INSERT ON screens"
	  " BEGIN UPDATE content_version SET v = v + 1; END;"
	  "CREATE TRIGGER screens_content_update AFTER UPDATE ON screens"
	  " BEGIN UPDATE content_version SET v = v + 1; END;"
	  "CREATE TRIGGER screens_content_delete AFTER DELETE ON screens"
	  " BEGIN UPDATE content_version SET v = v + 1; END;"
	  "CREATE TRIGGER plan_targets_content_insert AFTER INSERT ON plan_targets"
	  " BEGIN UPDATE content_version SET v = v + 1; END;"
	  "CREATE TRIGGER plan_targets_content_update AFTER UPDATE ON plan_targets"
	  " BEGIN UPDATE content_version SET v = v + 1; END;"
	  "CREATE TRIGGER plan_targets_content_delete AFTER DELETE ON plan_targets"
	  " BEGIN UPDATE content_version SET v = v + 1; END;",
	  NULL },
	{ "screens: CHECK value lists spelt as comparisons (same constraints, faster inserts)",
	  "SELECT 1;", screens_checks_without_in_lists },
	{ "gateway's tables: CHECK value lists spelt as comparisons",
	  "SELECT 1;", gateway_checks_without_in_lists },
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

int dc_store_schema_version(void)
{
	return NMIGRATIONS;
}

static int cap;	/* dc_store_schema_cap(): migrate no further than this */

int dc_store_schema_before(const char *what)
{
	for (int i = 0; i < NMIGRATIONS; i++)
		if (strcmp(migrations[i].what, what) == 0)
			return i;
	return -1;
}

void dc_store_schema_cap(int version)
{
	cap = version;
}

bool store_schema_capped(void)
{
	return cap > 0;
}

int store_migrate(struct dc_store *st, const char *path)
{
	for (;;) {
		long long v;
		/* IMMEDIATE: take the write lock before re-reading the version,
		 * so two processes never run the same step twice. */
		if (store_exec(st, "BEGIN IMMEDIATE") < 0)
			return -1;
		if (store_query_int(st, "PRAGMA user_version", &v) < 0) {
			store_exec(st, "ROLLBACK");
			return store_corrupt(st, path, sqlite3_errmsg(st->db));
		}
		if (v >= NMIGRATIONS || (cap > 0 && v >= cap)) {
			store_exec(st, "ROLLBACK");
			return 0;
		}
		const struct migration *m = &migrations[v];
		char bump[64], err[256] = "";
		snprintf(bump, sizeof bump, "PRAGMA user_version = %lld", v + 1);
		if (store_exec(st, m->sql) < 0 ||
		    (m->upgrade && m->upgrade(st->db, err, sizeof err) < 0) ||
		    store_exec(st, bump) < 0 || store_exec(st, "COMMIT") < 0) {
			char why[512];
			snprintf(why, sizeof why, "%s", err[0] ? err : st->err);
			store_exec(st, "ROLLBACK");
			store_set_err(st, TR("%s : échec de la migration « %s » : %s (base inchangée)",
				       "%s: migration '%s' failed: %s (database unchanged)"),
				path, m->what, why);
			return -1;
		}
	}
}
