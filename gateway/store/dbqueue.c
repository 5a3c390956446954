/* dbqueue.c — the gateway's pending writes, kept in order until the
 * database takes them (dbqueue.h). */
#include "dbqueue.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_FIRST_MS 20
#define RETRY_MAX_MS 1000
#define MAX_STATEMENTS 16

struct item {
	struct item *next;
	dc_dbq_fn fn;
	void *ctx;
	int64_t queued_ms;
	int stmt;		/* index in q->st, or -1 for a call */
	int n;
	struct dc_dbq_val v[];	/* then the copied strings */
};

struct dc_dbq {
	sqlite3 *db;
	int wait_ms, restore_ms;
	int64_t stall_ms;
	dc_dbq_err_fn on_err;
	void *err_ctx;
	sqlite3_stmt *st[MAX_STATEMENTS];
	int nst;
	struct item *head, **tail;
	size_t pending;
	int64_t retry_at, backoff;
	uint64_t written, skipped, busy;
};

bool dc_db_busy_code(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* A row the database cannot take now but may later (locked, disk full,
 * I/O error, read-only file system): kept and retried, the stall alarm
 * says so.  Only a row it refuses for what it holds (a constraint, a
 * type) is skipped, with a log line: retrying would never succeed. */
static bool worth_retrying(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_FULL: case SQLITE_IOERR:
	case SQLITE_READONLY: case SQLITE_NOMEM: case SQLITE_CANTOPEN: case SQLITE_PROTOCOL:
		return true;
	default:
		return false;
	}
}

int dc_db_reset_active(sqlite3 *db, char *sql, size_t len)
{
	int n = 0;
	if (sql && len)
		sql[0] = '\0';
	for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s))
		if (sqlite3_stmt_busy(s)) {
			if (n++ == 0 && sql && len)
				snprintf(sql, len, "%s", sqlite3_sql(s));
			sqlite3_reset(s);
		}
	return n;
}

struct dc_dbq *dc_dbq_new(sqlite3 *db, int wait_ms, int restore_ms, int64_t stall_ms,
			  dc_dbq_err_fn on_err, void *err_ctx)
{
	struct dc_dbq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->db = db;
	q->wait_ms = wait_ms;
	q->restore_ms = restore_ms;
	q->stall_ms = stall_ms;
	q->on_err = on_err;
	q->err_ctx = err_ctx;
	q->tail = &q->head;
	return q;
}

static void tell(struct dc_dbq *q, const char *what, const char *err)
{
	if (q->on_err)
		q->on_err(q->err_ctx, what, err);
}

void dc_dbq_free(struct dc_dbq *q)
{
	if (!q)
		return;
	for (struct item *it = q->head, *next; it; it = next) {
		next = it->next;
		free(it);
	}
	for (int i = 0; i < q->nst; i++)
		sqlite3_finalize(q->st[i]);
	free(q);
}

int dc_dbq_statement(struct dc_dbq *q, const char *sql)
{
	if (q->nst >= MAX_STATEMENTS) {
		tell(q, sql, "too many statements");
		return -1;
	}
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->st[q->nst], NULL) !=
	    SQLITE_OK) {
		tell(q, sql, sqlite3_errmsg(q->db));
		return -1;
	}
	return q->nst++;
}

static int enqueue(struct dc_dbq *q, int stmt, dc_dbq_fn fn, void *ctx, const struct dc_dbq_val *v,
		   size_t n, int64_t now_ms)
{
	size_t text = 0;
	if (n > DC_DBQ_MAX_VALS || (stmt >= 0 && stmt >= q->nst) || (stmt < 0 && !fn)) {
		tell(q, "queue", "bad write");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].type == DC_DBQ_TEXT)
			text += strlen(v[i].s) + 1;
	struct item *it = malloc(sizeof *it + n * sizeof it->v[0] + text);
	if (!it) {
		tell(q, "queue", "out of memory: write lost");
		return -1;
	}
	*it = (struct item){ .stmt = stmt, .fn = fn, .ctx = ctx, .queued_ms = now_ms, .n = (int)n };
	char *p = (char *)&it->v[n];
	for (size_t i = 0; i < n; i++) {
		it->v[i] = v[i];
		if (v[i].type == DC_DBQ_TEXT) {
			size_t l = strlen(v[i].s) + 1;
			memcpy(p, v[i].s, l);
			it->v[i].s = p;
			p += l;
		}
	}
	*q->tail = it;
	q->tail = &it->next;
	q->pending++;
	return 0;
}

int dc_dbq_add(struct dc_dbq *q, int stmt, const struct dc_dbq_val *v, size_t n, int64_t now_ms)
{
	if (stmt < 0) {
		tell(q, "queue", "statement not prepared: write lost");
		return -1;
	}
	return enqueue(q, stmt, NULL, NULL, v, n, now_ms);
}

int dc_dbq_call(struct dc_dbq *q, dc_dbq_fn fn, void *ctx, const struct dc_dbq_val *v, size_t n,
		int64_t now_ms)
{
	return enqueue(q, -1, fn, ctx, v, n, now_ms);
}

/* One write: SQLITE_DONE/OK when made, else the SQLite code (busy: retry
 * the whole transaction; anything else: this write is refused). */
static int run_item(struct dc_dbq *q, const struct item *it, char *err, size_t errlen)
{
	if (it->stmt < 0) {
		int rc = it->fn(it->ctx, it->v, (size_t)it->n, err, errlen);
		if (rc >= 0)
			return SQLITE_DONE;
		int code = sqlite3_extended_errcode(q->db);
		return worth_retrying(code) ? code : SQLITE_ERROR;
	}
	sqlite3_stmt *s = q->st[it->stmt];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (int i = 0; i < it->n; i++) {
		const struct dc_dbq_val *v = &it->v[i];
		int k = i + 1;
		if (v->type == DC_DBQ_INT)
			sqlite3_bind_int64(s, k, v->i);
		else if (v->type == DC_DBQ_REAL)
			sqlite3_bind_double(s, k, v->d);
		else if (v->type == DC_DBQ_TEXT)
			sqlite3_bind_text(s, k, v->s, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(q->db));
	sqlite3_reset(s);
	return rc;
}

static int later(struct dc_dbq *q, int64_t now_ms)
{
	q->busy++;
	q->backoff = q->backoff ? q->backoff * 2 : RETRY_FIRST_MS;
	if (q->backoff > RETRY_MAX_MS)
		q->backoff = RETRY_MAX_MS;
	q->retry_at = now_ms + q->backoff;
	return 1;
}

static void drop_head(struct dc_dbq *q)
{
	struct item *it = q->head;
	q->head = it->next;
	if (!q->head)
		q->tail = &q->head;
	q->pending--;
	free(it);
}

int dc_dbq_flush(struct dc_dbq *q, int64_t now_ms)
{
	char err[512];
	if (!q->head)
		return 0;
	if (now_ms < q->retry_at)
		return 1;
	/* Only this attempt waits wait_ms for the lock: the caller's loop has
	 * other work, and a retry comes soon. */
	sqlite3_busy_timeout(q->db, q->wait_ms);
	int rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(q->db, q->restore_ms);
	if (rc != SQLITE_OK) {
		if (!dc_db_busy_code(rc))
			tell(q, "BEGIN IMMEDIATE", sqlite3_errmsg(q->db));
		return later(q, now_ms);
	}
	uint64_t written = 0, skipped = 0;
	struct item *it = q->head;
	for (; it; it = it->next) {
		err[0] = '\0';
		rc = run_item(q, it, err, sizeof err);
		if (rc == SQLITE_DONE || rc == SQLITE_OK) {
			written++;
		} else if (worth_retrying(rc)) {
			if (!dc_db_busy_code(rc))
				tell(q, it->stmt < 0 ? "call" : sqlite3_sql(q->st[it->stmt]), err);
			break;
		} else {
			skipped++;
			tell(q, it->stmt < 0 ? "call" : sqlite3_sql(q->st[it->stmt]), err);
		}
	}
	if (it || sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return later(q, now_ms);
	}
	while (q->head)
		drop_head(q);
	q->written += written;
	q->skipped += skipped;
	q->backoff = 0;
	q->retry_at = 0;
	return 0;
}

int64_t dc_dbq_next(const struct dc_dbq *q)
{
	return q->head ? q->retry_at : INT64_MAX;
}

bool dc_dbq_stalled(const struct dc_dbq *q, int64_t now_ms)
{
	return q->head && now_ms - q->head->queued_ms >= q->stall_ms;
}

void dc_dbq_stats(const struct dc_dbq *q, struct dc_dbq_stats *out)
{
	*out = (struct dc_dbq_stats){ .pending = q->pending, .written = q->written,
				      .skipped = q->skipped, .busy = q->busy,
				      .oldest_ms = q->head ? q->head->queued_ms : 0 };
}
