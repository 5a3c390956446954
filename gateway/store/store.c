/* store.c — the inventory database: open safely (never overwriting what is
 * not ours), errors, transactions and the SQL helpers the other store_*.c
 * files share (see store.h, store_internal.h). */
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

#include "clock.h"
#include "dbqueue.h"
#include "i18n.h"
#include "screen_fields.h"
#include "store_internal.h"

/* ---- Context ----------------------------------------------------------- */

void store_set_err(struct dc_store *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
}

bool dc_store_busy(struct dc_store *st)
{
	return dc_db_busy_code(sqlite3_extended_errcode(st->db));
}

const char *dc_store_busy_message(void)
{
	return TR("base occupée (la passerelle ou une autre commande y écrit) : réessayez dans "
		  "un instant", "database busy (the gateway or another command is writing to it): "
		  "try again in a moment");
}

int store_db_fail(struct dc_store *st, const char *what)
{
	if (dc_store_busy(st))
		store_set_err(st, "%s: %s", what, dc_store_busy_message());
	else
		store_set_err(st, "%s: %s", what, sqlite3_errmsg(st->db));
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

int store_exec(struct dc_store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_set_err(st, "%s", dc_store_busy(st) ? dc_store_busy_message()
				  : msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Single-integer query (PRAGMA user_version...); -1 on error. */
int store_query_int(struct dc_store *st, const char *sql, long long *out)
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

int store_query_text(struct dc_store *st, const char *sql, char *buf, size_t len)
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

/* Refuse, without writing a byte, anything at path that is not a file.
 * Its first bytes are checked through SQLite's own descriptor
 * (check_header): opening and closing another descriptor on the file would
 * drop every POSIX lock this process holds on it, and a connection already
 * open here (the gateway's, when its ledger worker opens its own) would look
 * gone to other processes — the last of them to close would delete the WAL
 * this process still writes to. */
static int check_existing_file(struct dc_store *st, const char *path, bool *exists,
			       bool *empty)
{
	struct stat sb;

	*exists = *empty = false;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		store_set_err(st, TR("%s : %s", "%s: %s"), path, strerror(errno));
		return -1;
	}
	*exists = true;
	if (!S_ISREG(sb.st_mode)) {
		store_set_err(st, TR("%s : pas un fichier ordinaire", "%s: not a regular file"), path);
		return -1;
	}
	*empty = sb.st_size == 0;	/* an empty file holds nothing to lose */
	return 0;
}

/* An existing file must start with SQLite's magic, read before SQLite
 * reads or writes anything else. */
static int check_header(struct dc_store *st, const char *path)
{
	static const char magic[16] = "SQLite format 3";	/* with its NUL */
	char head[16];
	sqlite3_file *f = NULL;
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods || f->pMethods->xRead(f, head, sizeof head, 0) != SQLITE_OK ||
	    memcmp(head, magic, sizeof magic) != 0) {
		store_set_err(st, TR("%s : ce n'est pas une base decran (SQLite) ; fichier laissé intact",
			       "%s: not a decran (SQLite) database; file left untouched"), path);
		return -1;
	}
	return 0;
}

int store_corrupt(struct dc_store *st, const char *path, const char *detail)
{
	store_set_err(st, TR("%s : base corrompue ou illisible (%s) ; fichier laissé intact, "
		       "restaurez une sauvegarde",
		       "%s: database corrupt or unreadable (%s); file left untouched, "
		       "restore a backup"), path, detail);
	return -1;
}

static int prepare(struct dc_store *st, sqlite3_stmt **q, const char *sql)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
		return store_db_fail(st, "prepare");
	return 0;
}

static int open_checked(struct dc_store *st, const char *path, bool readonly)
{
	bool exists, empty;
	long long version;
	char mode[16] = "";

	if (check_existing_file(st, path, &exists, &empty) < 0)
		return -1;
	/* NOMUTEX: a connection is only ever used by the thread that opened
	 * it, so SQLite's per-call locking is pure overhead. */
	int flags = readonly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
			     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (exists ? 0 : SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		store_set_err(st, TR("%s : ouverture impossible : %s", "%s: cannot open: %s"), path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		return -1;
	}
	if (exists && !empty && check_header(st, path) < 0)
		return -1;
	sqlite3_extended_result_codes(st->db, 1);
	/* A person at the CLI can wait while another command (an import, an
	 * energy update of a large fleet) finishes; the daemons set their own,
	 * shorter waits. */
	sqlite3_busy_timeout(st->db, DC_STORE_BUSY_WAIT_MS);

	/* Read-only probes first: nothing below writes until the file has
	 * proved to be a sound database of a version we know. */
	if (store_query_int(st, "PRAGMA user_version", &version) < 0)
		return store_corrupt(st, path, sqlite3_errmsg(st->db));
	if (version > dc_store_schema_version()) {
		store_set_err(st, TR("%s : base créée par une version plus récente de decran (schéma %lld, "
			       "ce programme connaît %d) ; mettez decran à jour. Fichier laissé intact.",
			       "%s: database written by a newer decran (schema %lld, this program "
			       "knows %d); upgrade decran. File left untouched."),
			path, version, dc_store_schema_version());
		return -1;
	}
	/* A reader cannot migrate: the gateway or any decran command does it
	 * first (the packages start decran-gateway before decran-web). */
	if (readonly && version < dc_store_schema_version()) {
		store_set_err(st, TR("%s : schéma %lld, ce programme attend %d : lancez d'abord "
				     "decran-gateway (ou une commande decran) pour mettre la base à jour",
				     "%s: schema %lld, this program expects %d: start decran-gateway "
				     "(or any decran command) first to upgrade the database"),
			      path, version, dc_store_schema_version());
		return -1;
	}
	long long nobj;
	if (store_query_int(st, "SELECT count(*) FROM sqlite_schema", &nobj) < 0 ||
	    store_query_text(st, "PRAGMA journal_mode", mode, sizeof mode) < 0)
		return store_corrupt(st, path, sqlite3_errmsg(st->db));
	/* Before the first write to an existing file (switching to WAL,
	 * migrating) check every page: a corrupt file must stay as it is. */
	if (exists && nobj > 0 && (version < dc_store_schema_version() || strcmp(mode, "wal") != 0)) {
		char ok[64] = "";
		if (store_query_text(st, "PRAGMA quick_check(1)", ok, sizeof ok) < 0)
			return store_corrupt(st, path, sqlite3_errmsg(st->db));
		if (strcmp(ok, "ok") != 0)
			return store_corrupt(st, path, ok);
	}
	if (exists && nobj == 0 && version > 0)
		return store_corrupt(st, path, "no schema");
	if (readonly)
		goto statements;
	/* WAL: readers never block the gateway's writer; FULL: a committed
	 * change survives a power cut. */
	if (strcmp(mode, "wal") != 0 &&
	    (store_query_text(st, "PRAGMA journal_mode=WAL", mode, sizeof mode) < 0 ||
	     strcmp(mode, "wal") != 0))
		return store_db_fail(st, "journal_mode=WAL");
	/* temp_store: per-row savepoints of a bulk import journal to memory
	 * instead of a temporary file (17 writes per row otherwise). */
	if (store_exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
		 "PRAGMA temp_store=MEMORY") < 0)
		return -1;
	if (store_migrate(st, path) < 0)
		return -1;
	if (store_schema_capped())
		return 0;
statements:
	if (prepare(st, &st->get, "SELECT " SCREEN_COLS " FROM screens WHERE id = ?1") < 0 ||
	    prepare(st, &st->exists, "SELECT 1 FROM screens WHERE id = ?1") < 0 ||
	    prepare(st, &st->insert, "INSERT INTO screens (" SCREEN_COLS ") VALUES "
		    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23)") < 0 ||
	    prepare(st, &st->update, "UPDATE screens SET name=?2,category=?3,site=?4,address=?5,"
		    "lat=?6,lon=?7,owner=?8,tech=?9,surface_m2=?10,power_on_w=?11,power_standby_w=?12,"
		    "baseline_hours=?13,status=?14,removal_target=?15,removal_date=?16,airport=?17,"
		    "transport_furniture=?18,service_hours=?19,box=?20,channel=?21,notes=?22,display=?23 "
		    "WHERE id=?1") < 0 ||
	    prepare(st, &st->audit, "INSERT INTO audit (at,actor,screen_id,field,old,new) VALUES "
		    "(?6,?1,?2,?3,?4,?5)") < 0 ||
	    prepare(st, &st->put_begin, "BEGIN IMMEDIATE") < 0 ||
	    prepare(st, &st->put_commit, "COMMIT") < 0 ||
	    prepare(st, &st->put_rollback, "ROLLBACK") < 0)
		return -1;
	return 0;
}

static struct dc_store *store_open(const char *path, bool readonly, char **err)
{
	/* Memory statistics cost a global mutex on every allocation and we
	 * never read them.  Only possible before SQLite initialises; later
	 * calls fail harmlessly. */
	static bool configured;
	if (!configured) {
		configured = true;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}

	struct dc_store *st = calloc(1, sizeof *st);
	if (!st) {
		if (err)
			*err = strdup("out of memory");
		return NULL;
	}
	st->cache_size = -2000;	/* SQLite's default, until a transaction reads it */
	if (open_checked(st, path, readonly) < 0) {
		if (err)
			*err = strdup(st->err);
		dc_store_close(st);
		return NULL;
	}
	return st;
}

struct dc_store *dc_store_open(const char *path, char **err)
{
	return store_open(path, false, err);
}

struct dc_store *dc_store_open_readonly(const char *path, char **err)
{
	return store_open(path, true, err);
}

sqlite3_stmt *dc_store_kept(struct dc_store *st, const char *sql)
{
	size_t i = 0, n = sizeof st->kept / sizeof st->kept[0];
	while (i < n && st->kept[i].sql && st->kept[i].sql != sql)
		i++;
	if (i == n)
		return NULL;
	if (!st->kept[i].sql) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->kept[i].q,
				       NULL) != SQLITE_OK)
			return NULL;
		st->kept[i].sql = sql;
	}
	sqlite3_reset(st->kept[i].q);
	sqlite3_clear_bindings(st->kept[i].q);
	return st->kept[i].q;
}

void dc_store_set_clock(struct dc_store *st, const struct dc_clock *clock)
{
	st->clock = clock;
}

void dc_store_close(struct dc_store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->get);
	sqlite3_finalize(st->exists);
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->insert_batch);
	sqlite3_finalize(st->audit_batch);
	sqlite3_finalize(st->update);
	sqlite3_finalize(st->audit);
	sqlite3_finalize(st->put_begin);
	sqlite3_finalize(st->put_commit);
	sqlite3_finalize(st->put_rollback);
	for (size_t i = 0; i < sizeof st->kept / sizeof st->kept[0]; i++)
		sqlite3_finalize(st->kept[i].q);
	free(st->deferred_indexes);
	sqlite3_close(st->db);
	free(st);
}

/* A bulk transaction touches far more pages than the default 2 MB cache
 * holds; without more room SQLite spills dirty pages to the WAL one write at
 * a time mid-transaction.  The larger cache lives only as long as the
 * transaction, and the connection's own setting (a daemon may keep a small
 * one) comes back after it. */
#define BULK_CACHE "PRAGMA cache_size = -65536"	/* KiB */

static int restore_cache(struct dc_store *st)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", st->cache_size);
	return store_exec(st, sql);
}

int dc_store_begin(struct dc_store *st)
{
	if (store_query_int(st, "PRAGMA cache_size", &st->cache_size) < 0 ||
	    store_exec(st, BULK_CACHE) < 0)
		return -1;
	return store_exec(st, "BEGIN IMMEDIATE");
}

int dc_store_defer_indexes(struct dc_store *st, const char *table)
{
	sqlite3_stmt *q;
	/* Earlier tables' statements first: the commit runs them all. */
	char *sql = st->deferred_indexes ? strdup(st->deferred_indexes) : NULL, *drop = NULL;
	size_t len = sql ? strlen(sql) : 0, dlen = 0;
	int rc = 0;
	if ((st->deferred_indexes && !sql) ||
	    sqlite3_prepare_v2(st->db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
				       " AND tbl_name = ?1 AND sql IS NOT NULL", -1, &q,
			       NULL) != SQLITE_OK) {
		free(sql);
		return store_db_fail(st, "indexes");
	}
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		const char *create = (const char *)sqlite3_column_text(q, 1);
		char *ns = realloc(sql, len + strlen(create) + 2);
		if (ns)
			sql = ns;
		char *nd = ns ? realloc(drop, dlen + strlen(name) + 16) : NULL;
		if (nd)
			drop = nd;
		if (!ns || !nd) {
			store_set_err(st, "out of memory");
			rc = -1;
			break;
		}
		len += (size_t)sprintf(sql + len, "%s;", create);
		dlen += (size_t)sprintf(drop + dlen, "DROP INDEX \"%s\";", name);
	}
	sqlite3_finalize(q);
	/* If one DROP failed after others ran, the caller's rollback restores. */
	if (rc == 0 && drop && store_exec(st, drop) < 0)
		rc = -1;
	if (rc == 0 && drop) {
		free(st->deferred_indexes);
		st->deferred_indexes = sql;
		sql = NULL;
	}
	free(sql);
	free(drop);
	return rc;
}

/* The indexes dc_store_defer_indexes dropped, built again. */
static int build_deferred(struct dc_store *st)
{
	char *sql = st->deferred_indexes;
	st->deferred_indexes = NULL;
	int rc = sql ? store_exec(st, sql) : 0;
	free(sql);
	return rc;
}

int dc_store_commit(struct dc_store *st)
{
	if (build_deferred(st) < 0 || store_exec(st, "COMMIT") < 0)
		return -1;
	return restore_cache(st);
}

int dc_store_rollback(struct dc_store *st)
{
	free(st->deferred_indexes);	/* the rollback keeps them */
	st->deferred_indexes = NULL;
	if (!sqlite3_get_autocommit(st->db) && store_exec(st, "ROLLBACK") < 0)
		return -1;
	return restore_cache(st);
}

void store_bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

void store_col_text(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	size_t n = (size_t)sqlite3_column_bytes(q, i);
	if (!t) {
		dst[0] = '\0';
		return;
	}
	if (n >= cap) {
		n = cap - 1;	/* CHECKs and dc_field_set keep values shorter */
		/* A value written behind their back (SQL) is cut on a character
		 * boundary: what the pages and downloads show stays UTF-8. */
		while (n > 0 && (t[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, t, n);
	dst[n] = '\0';
}

int store_step_done(struct dc_store *st, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		store_db_fail(st, what);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

void store_audit_now(struct dc_store *st, char *at, size_t len)
{
	static const struct dc_clock real;	/* zero: the real clock */

	dc_format_utc(at, len, dc_clock_now(st->clock ? st->clock : &real));
}

int store_audit_row(struct dc_store *st, const char *actor, const char *screen_id,
		     const char *field, const char *old_v, const char *new_v)
{
	char at[32];

	store_audit_now(st, at, sizeof at);
	sqlite3_bind_text(st->audit, 6, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st->audit, 1, actor && *actor ? actor : "?", -1, SQLITE_STATIC);
	store_bind_text_or_null(st->audit, 2, screen_id);
	sqlite3_bind_text(st->audit, 3, field, -1, SQLITE_STATIC);
	store_bind_text_or_null(st->audit, 4, old_v);
	store_bind_text_or_null(st->audit, 5, new_v);
	return store_step_done(st, st->audit, "audit");
}
