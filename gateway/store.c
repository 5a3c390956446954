/* store.c — the inventory database: open safely, migrate, read and write
 * screens, the removal plan and the audit trail (see store.h). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "screen_fields.h"

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
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
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
	/* Schedule inputs (gateway/overrides.c).  Rows are never deleted:
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
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

int dc_store_schema_version(void)
{
	return NMIGRATIONS;
}

/* ---- Context ----------------------------------------------------------- */

/* Column order = enum dc_field order, so bind/read loops are one-to-one. */
#define SCREEN_COLS "id,name,category,site,address,lat,lon,owner,tech,surface_m2," \
	"power_on_w,power_standby_w,baseline_hours,status,removal_target,removal_date," \
	"airport,transport_furniture,service_hours,box,channel,notes"

struct dc_store {
	sqlite3 *db;
	sqlite3_stmt *get, *insert, *update, *audit;
	char err[512];
};

static void set_err(struct dc_store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct dc_store *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
}

static int db_fail(struct dc_store *st, const char *what)
{
	set_err(st, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

const char *dc_store_errmsg(const struct dc_store *st)
{
	return st ? st->err : "";
}

sqlite3 *dc_store_db(struct dc_store *st)
{
	return st->db;
}

static int exec(struct dc_store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		set_err(st, "%s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Single-integer query (PRAGMA user_version...); -1 on error. */
static int query_int(struct dc_store *st, const char *sql, long long *out)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int query_text(struct dc_store *st, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- Opening ----------------------------------------------------------- */

/* Refuse, without writing a byte, any existing file that is not SQLite. */
static int check_existing_file(struct dc_store *st, const char *path, bool *exists)
{
	static const char magic[16] = "SQLite format 3";	/* with its NUL */
	struct stat sb;
	char head[16];

	*exists = false;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		set_err(st, TR("%s : %s", "%s: %s"), path, strerror(errno));
		return -1;
	}
	*exists = true;
	if (!S_ISREG(sb.st_mode)) {
		set_err(st, TR("%s : pas un fichier ordinaire", "%s: not a regular file"), path);
		return -1;
	}
	if (sb.st_size == 0)
		return 0;	/* an empty file holds nothing to lose */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(st, TR("%s : lecture impossible : %s", "%s: cannot read: %s"), path,
			strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	if (n != (ssize_t)sizeof head || memcmp(head, magic, sizeof magic) != 0) {
		set_err(st, TR("%s : ce n'est pas une base decran (SQLite) ; fichier laissé intact",
			       "%s: not a decran (SQLite) database; file left untouched"), path);
		return -1;
	}
	return 0;
}

static int corrupt(struct dc_store *st, const char *path, const char *detail)
{
	set_err(st, TR("%s : base corrompue ou illisible (%s) ; fichier laissé intact, "
		       "restaurez une sauvegarde",
		       "%s: database corrupt or unreadable (%s); file left untouched, "
		       "restore a backup"), path, detail);
	return -1;
}

static int migrate(struct dc_store *st, const char *path)
{
	for (;;) {
		long long v;
		/* IMMEDIATE: take the write lock before re-reading the version,
		 * so two processes never run the same step twice. */
		if (exec(st, "BEGIN IMMEDIATE") < 0)
			return -1;
		if (query_int(st, "PRAGMA user_version", &v) < 0) {
			exec(st, "ROLLBACK");
			return corrupt(st, path, sqlite3_errmsg(st->db));
		}
		if (v >= NMIGRATIONS) {
			exec(st, "ROLLBACK");
			return 0;
		}
		const struct migration *m = &migrations[v];
		char bump[64], err[256] = "";
		snprintf(bump, sizeof bump, "PRAGMA user_version = %lld", v + 1);
		if (exec(st, m->sql) < 0 ||
		    (m->upgrade && m->upgrade(st->db, err, sizeof err) < 0) ||
		    exec(st, bump) < 0 || exec(st, "COMMIT") < 0) {
			char why[512];
			snprintf(why, sizeof why, "%s", err[0] ? err : st->err);
			exec(st, "ROLLBACK");
			set_err(st, TR("%s : échec de la migration « %s » : %s (base inchangée)",
				       "%s: migration '%s' failed: %s (database unchanged)"),
				path, m->what, why);
			return -1;
		}
	}
}

static int prepare(struct dc_store *st, sqlite3_stmt **q, const char *sql)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
		return db_fail(st, "prepare");
	return 0;
}

static int open_checked(struct dc_store *st, const char *path)
{
	bool exists;
	long long version;
	char mode[16] = "";

	if (check_existing_file(st, path, &exists) < 0)
		return -1;
	int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		set_err(st, TR("%s : ouverture impossible : %s", "%s: cannot open: %s"), path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);

	/* Read-only probes first: nothing below writes until the file has
	 * proved to be a sound database of a version we know. */
	if (query_int(st, "PRAGMA user_version", &version) < 0)
		return corrupt(st, path, sqlite3_errmsg(st->db));
	if (version > NMIGRATIONS) {
		set_err(st, TR("%s : base créée par une version plus récente de decran (schéma %lld, "
			       "ce programme connaît %d) ; mettez decran à jour. Fichier laissé intact.",
			       "%s: database written by a newer decran (schema %lld, this program "
			       "knows %d); upgrade decran. File left untouched."),
			path, version, NMIGRATIONS);
		return -1;
	}
	long long nobj;
	if (query_int(st, "SELECT count(*) FROM sqlite_schema", &nobj) < 0 ||
	    query_text(st, "PRAGMA journal_mode", mode, sizeof mode) < 0)
		return corrupt(st, path, sqlite3_errmsg(st->db));
	/* Before the first write to an existing file (switching to WAL,
	 * migrating) check every page: a corrupt file must stay as it is. */
	if (exists && nobj > 0 && (version < NMIGRATIONS || strcmp(mode, "wal") != 0)) {
		char ok[64] = "";
		if (query_text(st, "PRAGMA quick_check(1)", ok, sizeof ok) < 0)
			return corrupt(st, path, sqlite3_errmsg(st->db));
		if (strcmp(ok, "ok") != 0)
			return corrupt(st, path, ok);
	}
	if (exists && nobj == 0 && version > 0)
		return corrupt(st, path, "no schema");
	/* WAL: readers never block the gateway's writer; FULL: a committed
	 * change survives a power cut. */
	if (strcmp(mode, "wal") != 0 &&
	    (query_text(st, "PRAGMA journal_mode=WAL", mode, sizeof mode) < 0 ||
	     strcmp(mode, "wal") != 0))
		return db_fail(st, "journal_mode=WAL");
	if (exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON") < 0)
		return -1;
	if (migrate(st, path) < 0)
		return -1;
	if (prepare(st, &st->get, "SELECT " SCREEN_COLS " FROM screens WHERE id = ?1") < 0 ||
	    prepare(st, &st->insert, "INSERT INTO screens (" SCREEN_COLS ") VALUES "
		    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22)") < 0 ||
	    prepare(st, &st->update, "UPDATE screens SET name=?2,category=?3,site=?4,address=?5,"
		    "lat=?6,lon=?7,owner=?8,tech=?9,surface_m2=?10,power_on_w=?11,power_standby_w=?12,"
		    "baseline_hours=?13,status=?14,removal_target=?15,removal_date=?16,airport=?17,"
		    "transport_furniture=?18,service_hours=?19,box=?20,channel=?21,notes=?22 "
		    "WHERE id=?1") < 0 ||
	    prepare(st, &st->audit, "INSERT INTO audit (at,actor,screen_id,field,old,new) VALUES "
		    "(strftime('%Y-%m-%dT%H:%M:%SZ','now'),?1,?2,?3,?4,?5)") < 0)
		return -1;
	return 0;
}

struct dc_store *dc_store_open(const char *path, char **err)
{
	struct dc_store *st = calloc(1, sizeof *st);
	if (!st) {
		if (err)
			*err = strdup("out of memory");
		return NULL;
	}
	if (open_checked(st, path) < 0) {
		if (err)
			*err = strdup(st->err);
		dc_store_close(st);
		return NULL;
	}
	return st;
}

void dc_store_close(struct dc_store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->get);
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->update);
	sqlite3_finalize(st->audit);
	sqlite3_close(st->db);
	free(st);
}

int dc_store_begin(struct dc_store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int dc_store_commit(struct dc_store *st)
{
	return exec(st, "COMMIT");
}

int dc_store_rollback(struct dc_store *st)
{
	return sqlite3_get_autocommit(st->db) ? 0 : exec(st, "ROLLBACK");
}

/* ---- Screens ----------------------------------------------------------- */

static void bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static void bind_screen(sqlite3_stmt *q, const struct dc_screen *s)
{
	sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, dc_category_name(s->category), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, s->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, s->address, -1, SQLITE_STATIC);
	if (s->has_coords) {
		sqlite3_bind_double(q, 6, s->lat);
		sqlite3_bind_double(q, 7, s->lon);
	} else {
		sqlite3_bind_null(q, 6);
		sqlite3_bind_null(q, 7);
	}
	sqlite3_bind_text(q, 8, s->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, dc_tech_name(s->tech), -1, SQLITE_STATIC);
	sqlite3_bind_double(q, 10, s->surface_m2);
	sqlite3_bind_double(q, 11, s->power_on_w);
	sqlite3_bind_double(q, 12, s->power_standby_w);
	sqlite3_bind_double(q, 13, s->baseline_hours);
	sqlite3_bind_text(q, 14, dc_status_name(s->status), -1, SQLITE_STATIC);
	bind_text_or_null(q, 15, s->removal_target);
	bind_text_or_null(q, 16, s->removal_date);
	sqlite3_bind_int(q, 17, (s->flags & DC_FLAG_AIRPORT) != 0);
	sqlite3_bind_int(q, 18, (s->flags & DC_FLAG_TRANSPORT_FURNITURE) != 0);
	sqlite3_bind_text(q, 19, s->service_hours, -1, SQLITE_STATIC);
	bind_text_or_null(q, 20, s->box);
	if (s->channel > 0)
		sqlite3_bind_int(q, 21, s->channel);
	else
		sqlite3_bind_null(q, 21);
	sqlite3_bind_text(q, 22, s->notes, -1, SQLITE_STATIC);
}

static void col_text(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static void read_screen(sqlite3_stmt *q, struct dc_screen *s)
{
	char buf[32];
	int v;

	dc_screen_init(s);
	col_text(q, 0, s->id, sizeof s->id);
	col_text(q, 1, s->name, sizeof s->name);
	col_text(q, 2, buf, sizeof buf);
	if ((v = dc_category_parse(buf)) >= 0)
		s->category = (enum dc_category)v;
	col_text(q, 3, s->site, sizeof s->site);
	col_text(q, 4, s->address, sizeof s->address);
	s->has_coords = sqlite3_column_type(q, 5) != SQLITE_NULL;
	s->lat = sqlite3_column_double(q, 5);
	s->lon = sqlite3_column_double(q, 6);
	col_text(q, 7, s->owner, sizeof s->owner);
	col_text(q, 8, buf, sizeof buf);
	if ((v = dc_tech_parse(buf)) >= 0)
		s->tech = (enum dc_tech)v;
	s->surface_m2 = sqlite3_column_double(q, 9);
	s->power_on_w = sqlite3_column_double(q, 10);
	s->power_standby_w = sqlite3_column_double(q, 11);
	s->baseline_hours = sqlite3_column_double(q, 12);
	col_text(q, 13, buf, sizeof buf);
	if ((v = dc_status_parse(buf)) >= 0)
		s->status = (enum dc_status)v;
	col_text(q, 14, s->removal_target, sizeof s->removal_target);
	col_text(q, 15, s->removal_date, sizeof s->removal_date);
	s->flags = (sqlite3_column_int(q, 16) ? DC_FLAG_AIRPORT : 0) |
		   (sqlite3_column_int(q, 17) ? DC_FLAG_TRANSPORT_FURNITURE : 0);
	col_text(q, 18, s->service_hours, sizeof s->service_hours);
	col_text(q, 19, s->box, sizeof s->box);
	s->channel = sqlite3_column_int(q, 20);
	col_text(q, 21, s->notes, sizeof s->notes);
}

int dc_store_get_screen(struct dc_store *st, const char *id, struct dc_screen *out)
{
	int rc;
	sqlite3_bind_text(st->get, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->get);
	if (rc == SQLITE_ROW)
		read_screen(st->get, out);
	else if (rc != SQLITE_DONE)
		db_fail(st, "get");
	sqlite3_reset(st->get);
	sqlite3_clear_bindings(st->get);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int step_done(struct dc_store *st, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		db_fail(st, what);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int audit_row(struct dc_store *st, const char *actor, const char *screen_id,
		     const char *field, const char *old_v, const char *new_v)
{
	sqlite3_bind_text(st->audit, 1, actor && *actor ? actor : "?", -1, SQLITE_STATIC);
	bind_text_or_null(st->audit, 2, screen_id);
	sqlite3_bind_text(st->audit, 3, field, -1, SQLITE_STATIC);
	bind_text_or_null(st->audit, 4, old_v);
	bind_text_or_null(st->audit, 5, new_v);
	return step_done(st, st->audit, "audit");
}

static int put_screen_body(struct dc_store *st, const struct dc_screen *s, const char *actor,
			   int *changes)
{
	struct dc_screen old;
	int found = dc_store_get_screen(st, s->id, &old);

	if (found < 0)
		return -1;
	if (!found) {
		bind_screen(st->insert, s);
		if (step_done(st, st->insert, "insert") < 0)
			return -1;
		*changes = 1;
		return audit_row(st, actor, s->id, "created", NULL, s->name);
	}
	/* One audit row per changed field, in canonical text. */
	for (int f = DC_F_ID + 1; f < DC_F__COUNT; f++) {
		char a[600], b[600];
		dc_field_format(&old, f, a, sizeof a);
		dc_field_format(s, f, b, sizeof b);
		if (strcmp(a, b) == 0)
			continue;
		if (audit_row(st, actor, s->id, dc_field_name(f), a, b) < 0)
			return -1;
		(*changes)++;
	}
	if (*changes == 0)
		return 0;
	bind_screen(st->update, s);
	return step_done(st, st->update, "update");
}

int dc_store_put_screen(struct dc_store *st, const struct dc_screen *s, const char *actor,
			int *changes)
{
	char why[256];
	enum dc_field f;
	int n = 0;

	if (dc_screen_check(s, &f, why, sizeof why) < 0) {
		set_err(st, "%s: %s: %s", s->id, dc_field_name(f), why);
		return -1;
	}
	/* A savepoint makes each put atomic inside or outside a transaction. */
	if (exec(st, "SAVEPOINT put") < 0)
		return -1;
	if (put_screen_body(st, s, actor, &n) < 0) {
		char keep[sizeof st->err];
		memcpy(keep, st->err, sizeof keep);
		exec(st, "ROLLBACK TO put; RELEASE put");
		memcpy(st->err, keep, sizeof keep);
		return -1;
	}
	if (exec(st, "RELEASE put") < 0)
		return -1;
	if (changes)
		*changes = n;
	return 0;
}

bool dc_store_sort_valid(const char *field)
{
	return field && dc_field_parse(field) >= 0;
}

/* WHERE clause and its bindings, shared by list and count. */
static int prepare_filtered(struct dc_store *st, const char *head, const struct dc_screen_filter *f,
			    bool order, sqlite3_stmt **q)
{
	char sql[512];
	int n = snprintf(sql, sizeof sql, "%s WHERE 1", head);
	int k = 1;

	if (f && f->status >= 0)
		n += snprintf(sql + n, sizeof sql - n, " AND status = ?%d", k++);
	if (f && f->category >= 0)
		n += snprintf(sql + n, sizeof sql - n, " AND category = ?%d", k++);
	if (f && f->site)
		n += snprintf(sql + n, sizeof sql - n, " AND site = ?%d", k++);
	if (order) {
		const char *key = f && f->sort ? f->sort : "id";
		int fi = dc_field_parse(key);
		if (fi < 0) {
			set_err(st, TR("clé de tri inconnue « %s »", "unknown sort key '%s'"), key);
			return -1;
		}
		/* key is now one of our own column names: safe to splice. */
		bool text = fi != DC_F_LAT && fi != DC_F_LON && fi != DC_F_SURFACE_M2 &&
			    fi != DC_F_POWER_ON_W && fi != DC_F_POWER_STANDBY_W &&
			    fi != DC_F_BASELINE_HOURS && fi != DC_F_CHANNEL &&
			    fi != DC_F_AIRPORT && fi != DC_F_TRANSPORT_FURNITURE;
		snprintf(sql + n, sizeof sql - n, " ORDER BY %s%s %s, id", dc_field_name(fi),
			 text ? " COLLATE NOCASE" : "", f && f->desc ? "DESC" : "ASC");
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return db_fail(st, "list");
	k = 1;
	if (f && f->status >= 0)
		sqlite3_bind_text(*q, k++, dc_status_name(f->status), -1, SQLITE_STATIC);
	if (f && f->category >= 0)
		sqlite3_bind_text(*q, k++, dc_category_name(f->category), -1, SQLITE_STATIC);
	if (f && f->site)
		sqlite3_bind_text(*q, k++, f->site, -1, SQLITE_STATIC);
	return 0;
}

int dc_store_list_screens(struct dc_store *st, const struct dc_screen_filter *f,
			  dc_screen_cb cb, void *arg)
{
	sqlite3_stmt *q;
	struct dc_screen s;
	int rc, ret = 0;

	if (prepare_filtered(st, "SELECT " SCREEN_COLS " FROM screens", f, true, &q) < 0)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_screen(q, &s);
		if ((ret = cb(&s, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(st, "list");
	sqlite3_finalize(q);
	return ret;
}

struct array_acc {
	struct dc_screen *v;
	size_t n, cap;
};

static int append_screen(const struct dc_screen *s, void *arg)
{
	struct array_acc *a = arg;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct dc_screen *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *s;
	return 0;
}

int dc_store_list_screens_array(struct dc_store *st, const struct dc_screen_filter *f,
				struct dc_screen **out, size_t *n)
{
	struct array_acc a = { 0 };
	int rc = dc_store_list_screens(st, f, append_screen, &a);
	if (rc != 0) {
		if (st->err[0] == '\0')
			set_err(st, "out of memory");
		free(a.v);
		return -1;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int dc_store_count_screens(struct dc_store *st, const struct dc_screen_filter *f, long *n)
{
	sqlite3_stmt *q;
	int rc;
	if (prepare_filtered(st, "SELECT count(*) FROM screens", f, false, &q) < 0)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(q, 0);
	else
		db_fail(st, "count");
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- Plan ------------------------------------------------------------- */

static const char *plan_cat(int category)
{
	return category < 0 ? "all" : dc_category_name(category);
}

int dc_store_plan_targets(struct dc_store *st, struct dc_plan_target **out, size_t *n)
{
	sqlite3_stmt *q;
	struct dc_plan_target *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT category, target_date, removed FROM plan_targets "
			       "ORDER BY target_date, category <> 'all', category", -1, &q, NULL) != SQLITE_OK)
		return db_fail(st, "plan");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			struct dc_plan_target *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				sqlite3_finalize(q);
				set_err(st, "out of memory");
				return -1;
			}
			v = nv;
		}
		const char *cat = (const char *)sqlite3_column_text(q, 0);
		v[cnt].category = strcmp(cat, "all") == 0 ? -1 : dc_category_parse(cat);
		col_text(q, 1, v[cnt].date, sizeof v[cnt].date);
		v[cnt].removed = sqlite3_column_int(q, 2);
		cnt++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(st, "plan");
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Current count for (category, date) as text, "" when none; -1 on error. */
static int plan_current(struct dc_store *st, const char *cat, const char *date, char *buf, size_t len)
{
	sqlite3_stmt *q;
	int rc;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, "SELECT removed FROM plan_targets WHERE category=?1 "
			       "AND target_date=?2", -1, &q, NULL) != SQLITE_OK)
		return db_fail(st, "plan");
	sqlite3_bind_text(q, 1, cat, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%d", sqlite3_column_int(q, 0));
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "plan");
	return 0;
}

/* Run `sql` (?1 category, ?2 date[, ?3 count]) and audit it, atomically. */
static int plan_write(struct dc_store *st, const char *sql, int category, const char *date,
		      const char *new_v, int count, const char *actor, int *existed)
{
	const char *cat = plan_cat(category);
	char old_v[32], field[64];
	sqlite3_stmt *q;

	if (category >= DC_CAT__COUNT || !dc_date_valid(date)) {
		set_err(st, TR("objectif invalide (catégorie ou date)", "invalid target (category or date)"));
		return -1;
	}
	if (exec(st, "SAVEPOINT plan") < 0)
		return -1;
	if (plan_current(st, cat, date, old_v, sizeof old_v) < 0)
		goto fail;
	if (existed)
		*existed = old_v[0] != '\0';
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		db_fail(st, "plan");
		goto fail;
	}
	sqlite3_bind_text(q, 1, cat, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, date, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(q) >= 3)
		sqlite3_bind_int(q, 3, count);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		db_fail(st, "plan");
		goto fail;
	}
	snprintf(field, sizeof field, "plan:%s:%s", cat, date);
	if (strcmp(old_v, new_v) != 0 && audit_row(st, actor, NULL, field, old_v, new_v) < 0)
		goto fail;
	return exec(st, "RELEASE plan");
fail:;
	char keep[sizeof st->err];
	memcpy(keep, st->err, sizeof keep);
	exec(st, "ROLLBACK TO plan; RELEASE plan");
	memcpy(st->err, keep, sizeof keep);
	return -1;
}

int dc_store_plan_set(struct dc_store *st, const struct dc_plan_target *t, const char *actor)
{
	char new_v[32];
	if (t->removed < 0) {
		set_err(st, TR("nombre d'écrans négatif", "negative number of screens"));
		return -1;
	}
	snprintf(new_v, sizeof new_v, "%d", t->removed);
	return plan_write(st, "INSERT INTO plan_targets (category, target_date, removed) "
			  "VALUES (?1, ?2, ?3) ON CONFLICT (category, target_date) "
			  "DO UPDATE SET removed = excluded.removed",
			  t->category, t->date, new_v, t->removed, actor, NULL);
}

int dc_store_plan_unset(struct dc_store *st, int category, const char *date, const char *actor)
{
	int existed = 0;
	if (plan_write(st, "DELETE FROM plan_targets WHERE category = ?1 AND target_date = ?2",
		       category, date, "", 0, actor, &existed) < 0)
		return -1;
	return existed;
}

/* ---- Audit ------------------------------------------------------------ */

int dc_store_history(struct dc_store *st, const char *screen_id, dc_audit_cb cb, void *arg)
{
	sqlite3_stmt *q;
	int rc, ret = 0;
	const char *sql = screen_id
		? "SELECT id, at, actor, screen_id, field, old, new FROM audit "
		  "WHERE screen_id = ?1 ORDER BY id"
		: "SELECT id, at, actor, '', field, old, new FROM audit "
		  "WHERE screen_id IS NULL ORDER BY id";

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(st, "history");
	if (screen_id)
		sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct dc_audit_entry e = {
			.seq = sqlite3_column_int64(q, 0),
			.at = (const char *)sqlite3_column_text(q, 1),
			.actor = (const char *)sqlite3_column_text(q, 2),
			.screen_id = (const char *)sqlite3_column_text(q, 3),
			.field = (const char *)sqlite3_column_text(q, 4),
			.old_value = (const char *)sqlite3_column_text(q, 5),
			.new_value = (const char *)sqlite3_column_text(q, 6),
		};
		if (!e.old_value)
			e.old_value = "";
		if (!e.new_value)
			e.new_value = "";
		if ((ret = cb(&e, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(st, "history");
	sqlite3_finalize(q);
	return ret;
}
