/* store.h — the inventory database (SQLite adapter).
 *
 * One file holds screens, the removal plan and the append-only audit trail.
 * Opening never destroys anything: a missing file is created; a file that is
 * not an SQLite database, is corrupt, or comes from a newer decran is refused
 * with a message and left byte-for-byte as it was.  An older database is
 * upgraded in place (see the migration steps in store_schema.c).
 *
 * Conventions (libmodbus-like): an opaque context; functions return 0 on
 * success and -1 on failure with dc_store_errmsg() saying why, in the user's
 * language.  Lookups return 1 found / 0 not found / -1 error.
 * Every write records who did it: `actor` is a free text (login name, "gateway").
 */
#ifndef DECRAN_STORE_H
#define DECRAN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "screen.h"

struct dc_store;
struct sqlite3;
struct dc_clock;

/* Open or create the database at path.  On failure returns NULL and, when
 * err is not NULL, sets *err to a malloc'd message (free it). */
struct dc_store *dc_store_open(const char *path, char **err);
/* The same database, opened SQLITE_OPEN_READONLY (decran-web): nothing is
 * created, switched or migrated; a database of an older schema is refused
 * with a message saying what to run.  Writes fail (SQLITE_READONLY). */
struct dc_store *dc_store_open_readonly(const char *path, char **err);
void dc_store_close(struct dc_store *st);
const char *dc_store_errmsg(const struct dc_store *st);
/* The clock that stamps audit rows (lib/clock; the caller keeps it alive,
 * e.g. a test clock from $DECRAN_CLOCK).  NULL, the default: the real time. */
void dc_store_set_clock(struct dc_store *st, const struct dc_clock *clock);
/* Backups (store_backup.c).  dc_store_backup copies the database at
 * db_path, live, into the new file dest (refused when dest exists); the copy
 * is one consistent snapshot, checked, and self-contained (no -wal).
 * dc_store_restore replaces the content of db_path with src's, a decran
 * database of a known schema version (*version set), in one transaction,
 * then migrates it.  dc_store_probe only checks path is such a database.
 * 0, or -1 with *err set to a malloc'd message. */
int dc_store_backup(const char *db_path, const char *dest, char **err);
int dc_store_restore(const char *db_path, const char *src, int *version, char **err);
int dc_store_probe(const char *path, int *version, char **err);
/* Schema version this build writes (PRAGMA user_version after open). */
int dc_store_schema_version(void);
/* For migration tests, which must not depend on a step's number: the
 * version just before the step described by `what` (-1 when none), and a
 * version dc_store_open() migrates no further than (0: the latest). */
int dc_store_schema_before(const char *what);
void dc_store_schema_cap(int version);
/* How long a store waits for another process's write lock before failing
 * with dc_store_busy_message(). */
#define DC_STORE_BUSY_WAIT_MS 15000
/* true when the last failure was a busy database (another process held
 * the write lock longer than the busy timeout): worth trying again. */
bool dc_store_busy(struct dc_store *st);
/* What to tell the user then, in their language. */
const char *dc_store_busy_message(void);
/* The raw handle, for modules that own further tables (added as migrations). */
struct sqlite3 *dc_store_db(struct dc_store *st);
/* A statement for `sql` (a string literal: its address is the key) kept
 * prepared as long as the store is open, reset and unbound; NULL when it
 * does not prepare or the store keeps 8 already (the caller prepares its
 * own).  For SQL run once per event (the gateway's ledger input). */
struct sqlite3_stmt *dc_store_kept(struct dc_store *st, const char *sql);

/* Bulk work in one transaction: nothing lands unless dc_store_commit succeeds.
 * Single calls outside begin/commit are transactions of their own.  Inside
 * begin/commit, a failed write may leave part of itself in the transaction:
 * roll back (the bulk import does). */
int dc_store_begin(struct dc_store *st);
int dc_store_commit(struct dc_store *st);
int dc_store_rollback(struct dc_store *st);
/* Inside dc_store_begin: drop `table`'s secondary indexes until the
 * commit, which builds them again first, in one sorted pass each (a load
 * into an empty table: about a sixth of the 100,000-screen import's time
 * went to inserting into them row by row).  A rollback brings them back
 * as they were.  -1 on error (nothing dropped then). */
int dc_store_defer_indexes(struct dc_store *st, const char *table);

/* 1 and *out filled when found, 0 when not, -1 on error. */
int dc_store_get_screen(struct dc_store *st, const char *id, struct dc_screen *out);
/* 1 when a screen with this id exists, 0 when not, -1 on error. */
int dc_store_has_screen(struct dc_store *st, const char *id);
/* Insert or update.  A new screen gets one audit row (field "created"); an
 * update gets one audit row per changed field (old → new, canonical text).
 * *changes (may be NULL) receives the number of audit rows written: 0 means
 * the screen was already identical.  Screens are never deleted: set status
 * "removed" instead (a trigger refuses DELETE). */
int dc_store_put_screen(struct dc_store *st, const struct dc_screen *s, const char *actor,
			int *changes);
/* Create n new screens at once inside the caller's transaction
 * (dc_store_begin), each with its "created" audit row, as n calls of
 * dc_store_put_screen would, in order.  The caller knows none exists (an
 * import's first pass checked).  Rows go in by DC_STORE_BATCH per
 * statement: a statement run checks the table's CHECK constraints, whose
 * IN lists SQLite builds as a small table once per run, so one run per row
 * cost more than the rows themselves.  n must be at most DC_STORE_BATCH. */
#define DC_STORE_BATCH 64
int dc_store_create_screens(struct dc_store *st, const struct dc_screen *v, size_t n, const char *actor);
/* fn(id, arg) for every screen, in no particular order, until fn returns
 * non-zero.  0, or -1 on a database error. */
int dc_store_each_screen_id(struct dc_store *st, int (*fn)(const char *id, void *arg), void *arg);
/* Bind screen `id` to (box, channel), or unbind it with box "" and channel
 * 0; audited like any edit.  1 done, 0 no such screen, -1 on error. */
int dc_store_bind_screen(struct dc_store *st, const char *id, const char *box, int channel,
			 const char *actor, int *changes);

/* List filters: a negative status/category, or a NULL site/box, means "any". */
struct dc_screen_filter {
	int status;		/* enum dc_status or -1 */
	int category;		/* enum dc_category or -1 */
	const char *site;	/* exact match or NULL */
	const char *box;	/* relay box id (screens bound to it) or NULL */
	const char *sort;	/* a field name (screen_fields.h) or NULL for id */
	bool desc;
};
#define DC_SCREEN_FILTER_ALL { .status = -1, .category = -1 }
/* true when `field` is accepted as a sort key. */
bool dc_store_sort_valid(const char *field);
/* Calls cb for each match in order; a non-zero return from cb stops the
 * walk and is returned.  -1 on a database error. */
typedef int (*dc_screen_cb)(const struct dc_screen *s, void *arg);
int dc_store_list_screens(struct dc_store *st, const struct dc_screen_filter *f,
			  dc_screen_cb cb, void *arg);
/* Same as an array: *out is malloc'd (free it), *n its length. */
int dc_store_list_screens_array(struct dc_store *st, const struct dc_screen_filter *f,
				struct dc_screen **out, size_t *n);
/* Number of screens matching f (cheap: uses the indexes). */
int dc_store_count_screens(struct dc_store *st, const struct dc_screen_filter *f, long *n);

/* Removal plan: struct dc_plan_target (lib/plan.h). */
/* All targets ordered by date then category; *out malloc'd (free it). */
int dc_store_plan_targets(struct dc_store *st, struct dc_plan_target **out, size_t *n);
/* Insert or replace the target for (category, date); audited. */
int dc_store_plan_set(struct dc_store *st, const struct dc_plan_target *t, const char *actor);
/* Remove the target for (category, date): 1 removed, 0 none existed; audited. */
int dc_store_plan_unset(struct dc_store *st, int category, const char *date, const char *actor);

/* One audit row; strings valid only during the callback.  screen_id is ""
 * for plan changes (field "plan:<category|all>:<date>"); old/new are "" when
 * absent. */
struct dc_audit_entry {
	int64_t seq;
	const char *at;		/* "YYYY-MM-DDTHH:MM:SSZ", UTC */
	const char *actor;
	const char *screen_id;
	const char *field;
	const char *old_value, *new_value;
};
typedef int (*dc_audit_cb)(const struct dc_audit_entry *e, void *arg);
/* History of one screen (or of the plan when screen_id is NULL), oldest first. */
int dc_store_history(struct dc_store *st, const char *screen_id, dc_audit_cb cb, void *arg);

#endif
