/* dbqueue.h — writes that never get lost to a busy database.
 *
 * decran-gateway shares its SQLite file with the CLI (another process) and
 * must neither block its event loop waiting for a lock nor drop a record.
 * Every write is appended to this queue, in order, and written by
 * dc_dbq_flush() in one transaction (BEGIN IMMEDIATE ... COMMIT).  When the
 * database is busy (another connection holds the write lock) nothing is
 * written, everything stays queued in order, and the caller retries at
 * dc_dbq_next() (a timer of its loop: no sleep).  A queue that has not been
 * written for `stall_ms` is stalled: the caller raises an alarm.
 *
 * A queued write is either a prepared statement with its values (copied
 * into the queue) or a call: a function run inside the flush transaction
 * with its values (for writes whose SQL lives in another store module, e.g.
 * the ledger's input).  A write that fails for another reason than a busy
 * database (a constraint: it can never succeed) is logged through the
 * error callback and skipped, so it cannot hold the ones after it back.
 */
#ifndef DECRAN_DBQUEUE_H
#define DECRAN_DBQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct dc_dbq;

enum dc_dbq_type { DC_DBQ_NULL, DC_DBQ_INT, DC_DBQ_REAL, DC_DBQ_TEXT };
/* One of the three, by type: a queued row of 9 values is 144 bytes of them,
 * not 288 (a 10,000-screen edge queues thousands of rows at once). */
struct dc_dbq_val {
	enum dc_dbq_type type;
	union {
		int64_t i;
		double d;
		const char *s;	/* copied when queued */
	};
};
#define DC_DBQ_I(v) ((struct dc_dbq_val){ .type = DC_DBQ_INT, .i = (v) })
#define DC_DBQ_D(v) ((struct dc_dbq_val){ .type = DC_DBQ_REAL, .d = (v) })
/* Text, or NULL as SQL NULL. */
static inline struct dc_dbq_val dc_dbq_text(const char *s)
{
	return (struct dc_dbq_val){ .type = s ? DC_DBQ_TEXT : DC_DBQ_NULL, .s = s };
}
#define DC_DBQ_S(v) dc_dbq_text(v)
#define DC_DBQ_NUL ((struct dc_dbq_val){ .type = DC_DBQ_NULL })
#define DC_DBQ_MAX_VALS 12

/* A queued call: 0 done, -1 refused (err says why; skipped).  It must not
 * open or end a transaction: it runs inside the flush's. */
typedef int (*dc_dbq_fn)(void *ctx, const struct dc_dbq_val *v, size_t n, char *err,
			 size_t errlen);
/* Told about each write skipped (what: the SQL or "call"). */
typedef void (*dc_dbq_err_fn)(void *ctx, const char *what, const char *err);

struct dc_dbq_stats {
	size_t pending;		/* writes waiting */
	uint64_t written, skipped, busy;	/* rows written, refused, busy flushes */
	int64_t oldest_ms;	/* monotonic: when the oldest waiting write was queued; 0 none */
};

/* wait_ms: how long one flush may wait for the lock (SQLite's busy timeout
 * during BEGIN IMMEDIATE), restore_ms: the connection's own busy timeout,
 * set back after; stall_ms: when a waiting write makes the queue stalled. */
struct dc_dbq *dc_dbq_new(struct sqlite3 *db, int wait_ms, int restore_ms, int64_t stall_ms,
			  dc_dbq_err_fn on_err, void *err_ctx);
/* Frees what is still queued (flush first). */
void dc_dbq_free(struct dc_dbq *q);

/* A statement the queue prepares once and keeps; its id for dc_dbq_add.
 * -1 when it does not prepare (the error callback is told). */
int dc_dbq_statement(struct dc_dbq *q, const char *sql);
/* Queue a write; now_ms is the monotonic clock.  -1 out of memory (the
 * error callback is told: nothing else can lose a write). */
int dc_dbq_add(struct dc_dbq *q, int stmt, const struct dc_dbq_val *v, size_t n, int64_t now_ms);
int dc_dbq_call(struct dc_dbq *q, dc_dbq_fn fn, void *ctx, const struct dc_dbq_val *v, size_t n,
		int64_t now_ms);

/* Write everything queued in one transaction: 0 when the queue is empty
 * after it, 1 when the database was busy (all kept, retry at
 * dc_dbq_next()).  Before the retry time it does nothing and returns 1. */
int dc_dbq_flush(struct dc_dbq *q, int64_t now_ms);
/* Monotonic ms of the next retry; INT64_MAX when nothing waits. */
int64_t dc_dbq_next(const struct dc_dbq *q);
/* Waiting longer than stall_ms. */
bool dc_dbq_stalled(const struct dc_dbq *q, int64_t now_ms);
void dc_dbq_stats(const struct dc_dbq *q, struct dc_dbq_stats *out);

/* Statements of the connection left active (stepped, never reset or
 * finalised): each holds a read transaction that makes every later write
 * of this connection fail on a stale snapshot.  Resets them, and returns
 * how many there were; the first one's SQL in sql (may be NULL). */
int dc_db_reset_active(struct sqlite3 *db, char *sql, size_t len);
/* true when err came from a busy or locked database (worth a retry). */
bool dc_db_busy_code(int sqlite_rc);

#endif
