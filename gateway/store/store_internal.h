/* store_internal.h — what the store's source files share (not public API).
 *
 * store.c          open safely, errors, transactions, small SQL helpers
 * store_schema.c   the migration steps and the migrator
 * store_screens.c  screens: get, put (with audit rows), list, count
 * store_plan.c     plan targets and audit history
 */
#ifndef DECRAN_STORE_INTERNAL_H
#define DECRAN_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* Column order = enum dc_field order, so bind/read loops are one-to-one. */
#define SCREEN_COLS "id,name,category,site,address,lat,lon,owner,tech,surface_m2," \
	"power_on_w,power_standby_w,baseline_hours,status,removal_target,removal_date," \
	"airport,transport_furniture,service_hours,box,channel,notes,display"

struct dc_store {
	sqlite3 *db;
	sqlite3_stmt *get, *exists, *insert, *update, *audit;
	/* DC_STORE_BATCH rows per run (dc_store_create_screens), prepared on
	 * first use. */
	sqlite3_stmt *insert_batch, *audit_batch;
	/* One put outside a caller's transaction: BEGIN IMMEDIATE takes the
	 * write lock first (waiting for it), where a deferred transaction that
	 * read and then wrote would fail at once if another process committed
	 * in between (SQLITE_BUSY_SNAPSHOT: no busy wait applies). */
	sqlite3_stmt *put_begin, *put_commit, *put_rollback;
	const struct dc_clock *clock;	/* audit rows' time; NULL = real */
	/* Statements kept prepared for callers that run them per event
	 * (dc_store_kept): the SQL text's address is the key. */
	struct {
		const char *sql;
		sqlite3_stmt *q;
	} kept[8];
	long long cache_size;	/* PRAGMA cache_size outside bulk transactions */
	char *deferred_indexes;	/* dc_store_defer_indexes: their CREATE statements */
	char err[512];
};

void store_set_err(struct dc_store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "what: <sqlite message>" into st->err; returns -1. */
int store_db_fail(struct dc_store *st, const char *what);
/* Run SQL without results; -1 with st->err set on failure. */
int store_exec(struct dc_store *st, const char *sql);
/* Single-value queries; -1 on error or no row. */
int store_query_int(struct dc_store *st, const char *sql, long long *out);
int store_query_text(struct dc_store *st, const char *sql, char *buf, size_t len);
/* Step a prepared statement to completion, then reset and clear it. */
int store_step_done(struct dc_store *st, sqlite3_stmt *q, const char *what);
/* The audit trail's time of now, "YYYY-MM-DDTHH:MM:SSZ". */
void store_audit_now(struct dc_store *st, char *at, size_t len);
/* One audit row (screen_id NULL for plan changes). */
int store_audit_row(struct dc_store *st, const char *actor, const char *screen_id,
		    const char *field, const char *old_v, const char *new_v);
/* Column text into a fixed buffer ("" for NULL). */
void store_col_text(sqlite3_stmt *q, int i, char *dst, size_t cap);
/* Bind s, or NULL when s is empty. */
void store_bind_text_or_null(sqlite3_stmt *q, int i, const char *s);
/* "corrupt or unreadable" message for path; returns -1. */
int store_corrupt(struct dc_store *st, const char *path, const char *detail);
/* Apply the missing migration steps (store_schema.c). */
/* true while a migration test holds the schema at an older version
 * (dc_store_schema_cap): the store then prepares none of the current
 * schema's statements, only the raw handle is of use. */
bool store_schema_capped(void);
int store_migrate(struct dc_store *st, const char *path);

#endif
