/* store_backup.c — a copy of the live database and its return, through
 * SQLite's online backup: the copy is one read transaction, so it is
 * consistent while the gateway goes on writing (WAL readers never block the
 * writer), and the return is one write transaction on the database, so a
 * crash leaves the old data or the restored data, never a mix. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "atomicfile.h"
#include "i18n.h"
#include "store.h"

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static int quick_check(sqlite3 *db, char *out, size_t len)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &q, NULL) != SQLITE_OK) {
		snprintf(out, len, "%s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
	else
		snprintf(out, len, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	return rc == SQLITE_ROW && !strcmp(out, "ok") ? 0 : -1;
}

/* Every page readable, the tables every version of decran has, and a
 * schema version this program knows how to bring up to date. */
static int check_decran_db(sqlite3 *db, const char *path, int *version, char **err)
{
	char why[256];
	if (quick_check(db, why, sizeof why) < 0)
		return fail(err, TR("%s : base illisible ou corrompue (%s)",
				    "%s: database unreadable or corrupt (%s)"), path, why);
	long long v = query_int(db, "PRAGMA user_version");
	long long tables = query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
				      " AND name IN ('screens', 'plan_targets', 'audit')");
	if (v < 1 || tables != 3)
		return fail(err, TR("%s : ce n'est pas une base decran", "%s: not a decran database"),
			    path);
	if (v > dc_store_schema_version())
		return fail(err, TR("%s : base d'une version plus récente de decran (schéma %lld, "
				    "ce programme connaît %d) ; mettez decran à jour",
				    "%s: database of a newer decran (schema %lld, this program knows "
				    "%d); upgrade decran"), path, v, dc_store_schema_version());
	if (version)
		*version = (int)v;
	return 0;
}

static sqlite3 *open_db(const char *path, int flags, char **err)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		fail(err, TR("%s : ouverture impossible : %s", "%s: cannot open: %s"), path,
		     db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, DC_STORE_BUSY_WAIT_MS);
	return db;
}

/* The whole copy in one step (one read transaction on `from`: a snapshot);
 * a writer holding a lock makes the step wait and try again. */
static int copy_all(sqlite3 *to, sqlite3 *from, const char *what, char **err)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (!b)
		return fail(err, "%s: %s", what, sqlite3_errmsg(to));
	int rc, waited_ms = 0;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (waited_ms >= DC_STORE_BUSY_WAIT_MS)
			break;
		sqlite3_sleep(50);
		waited_ms += 50;
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return fail(err, "%s: %s", what, rc == SQLITE_BUSY || rc == SQLITE_LOCKED
			    ? dc_store_busy_message() : sqlite3_errstr(rc));
	return 0;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int dc_store_probe(const char *path, int *version, char **err)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return fail(err, "%s: %s", path, strerror(errno));
	sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY, err);
	if (!db)
		return -1;
	int rc = check_decran_db(db, path, version, err);
	sqlite3_close(db);
	return rc;
}

int dc_store_backup(const char *db_path, const char *dest, char **err)
{
	char part[PATH_MAX];
	struct stat sb;

	if (stat(db_path, &sb) < 0)
		return fail(err, "%s: %s", db_path, strerror(errno));
	if (lstat(dest, &sb) == 0)
		return fail(err, TR("%s existe déjà ; choisissez un autre nom",
				    "%s already exists; choose another name"), dest);
	if (snprintf(part, sizeof part, "%s.part", dest) >= (int)sizeof part)
		return fail(err, "%s: %s", dest, strerror(ENAMETOOLONG));
	sqlite3 *src = open_db(db_path, SQLITE_OPEN_READWRITE, err);
	if (!src)
		return -1;
	int rc = check_decran_db(src, db_path, NULL, err);
	sqlite3 *dst = NULL;
	unlink(part);
	if (rc == 0 && !(dst = open_db(part, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err)))
		rc = -1;
	if (rc == 0)
		rc = copy_all(dst, src, dest, err);
	sqlite3_close(src);
	/* A self-contained file: no -wal beside it, readable on a read-only
	 * medium, checked page by page before it takes its name. */
	char why[256];
	if (rc == 0 && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		rc = fail(err, "%s: %s", dest, sqlite3_errmsg(dst));
	if (rc == 0 && quick_check(dst, why, sizeof why) < 0)
		rc = fail(err, "%s: %s", dest, why);
	if (sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = fail(err, "%s: %s", dest, TR("fermeture impossible", "cannot close"));
	if (rc == 0) {
		int fd = open(part, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0 || rename(part, dest) < 0)
			rc = fail(err, "%s: %s", dest, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			dc_fsync_dir_of(dest);
	}
	if (rc < 0)
		unlink(part);
	return rc;
}

int dc_store_restore(const char *db_path, const char *src_path, int *version, char **err)
{
	if (same_file(db_path, src_path))
		return fail(err, TR("%s est la base elle-même", "%s is the database itself"), src_path);
	sqlite3 *src = open_db(src_path, SQLITE_OPEN_READONLY, err);
	if (!src)
		return -1;
	int rc = check_decran_db(src, src_path, version, err);
	sqlite3 *dst = NULL;
	if (rc == 0 && !(dst = open_db(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err)))
		rc = -1;
	/* One write transaction on the database: readers see the old data or
	 * the restored data, a crash keeps one or the other. */
	if (rc == 0)
		rc = copy_all(dst, src, db_path, err);
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc < 0)
		return -1;
	/* The restored file may be of an older schema: bring it up to date now,
	 * with the same checks as any open. */
	struct dc_store *st = dc_store_open(db_path, err);
	if (!st)
		return -1;
	dc_store_close(st);
	return 0;
}
