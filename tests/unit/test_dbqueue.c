/* test_dbqueue.c — the gateway's pending writes against a real SQLite file
 * shared with a second connection (the CLI's), which holds the lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dbqueue.h"

struct fx {
	char dir[64], path[128];
	sqlite3 *gw, *cli;	/* the daemon's connection, another process's */
	struct dc_dbq *q;
	int ins;		/* INSERT INTO rec */
	int errors;
	char last_err[256];
};

static void on_err(void *ctx, const char *what, const char *err)
{
	struct fx *f = ctx;
	(void)what;
	f->errors++;
	snprintf(f->last_err, sizeof f->last_err, "%s", err);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *e = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, e ? e : "?");
}

static long count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/decran-dbq-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/q.db", f->dir);
	if (sqlite3_open(f->path, &f->gw) != SQLITE_OK || sqlite3_open(f->path, &f->cli) != SQLITE_OK)
		return -1;
	sqlite3_extended_result_codes(f->gw, 1);
	exec_ok(f->gw, "PRAGMA journal_mode=WAL; CREATE TABLE rec (n INTEGER NOT NULL CHECK (n >= 0),"
		       " t TEXT, d REAL)");
	f->q = dc_dbq_new(f->gw, 5, 1000, 200, on_err, f);
	f->ins = dc_dbq_statement(f->q, "INSERT INTO rec (n, t, d) VALUES (?1, ?2, ?3)");
	*state = f;
	return f->q && f->ins >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];
	dc_dbq_free(f->q);
	sqlite3_close(f->gw);
	sqlite3_close(f->cli);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void add(struct fx *f, int64_t n, const char *t, int64_t now)
{
	struct dc_dbq_val v[] = { DC_DBQ_I(n), DC_DBQ_S(t), DC_DBQ_D(n / 2.0) };
	assert_int_equal(dc_dbq_add(f->q, f->ins, v, 3, now), 0);
}

static void writes_at_once_when_free(void **state)
{
	struct fx *f = *state;
	add(f, 1, "un", 0);
	add(f, 2, NULL, 0);
	assert_int_equal(dc_dbq_flush(f->q, 0), 0);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec"), 2);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec WHERE n = 2 AND t IS NULL"
				       " AND d = 1.0"), 1);
	assert_true(dc_dbq_next(f->q) == INT64_MAX);
}

/* Another process holds the write lock: nothing is lost, nothing is
 * reordered, the retry comes later, and a long wait is a stall. */
static void busy_keeps_everything_in_order(void **state)
{
	struct fx *f = *state;
	struct dc_dbq_stats st;
	char buf[32];
	exec_ok(f->cli, "BEGIN IMMEDIATE; INSERT INTO rec (n) VALUES (0)");
	for (int i = 1; i <= 50; i++) {
		snprintf(buf, sizeof buf, "row %d", i);
		add(f, i, buf, 1000);
	}
	assert_int_equal(dc_dbq_flush(f->q, 1000), 1);
	int64_t next = dc_dbq_next(f->q);
	assert_true(next > 1000 && next < INT64_MAX);
	assert_int_equal(dc_dbq_flush(f->q, next - 1), 1);	/* before its time: no try */
	dc_dbq_stats(f->q, &st);
	assert_int_equal(st.pending, 50);
	assert_int_equal(st.busy, 1);
	assert_false(dc_dbq_stalled(f->q, 1100));
	assert_true(dc_dbq_stalled(f->q, 1200));
	assert_int_equal(dc_dbq_flush(f->q, next), 1);	/* still held */
	assert_true(dc_dbq_next(f->q) > next);		/* backs off */
	exec_ok(f->cli, "COMMIT");
	assert_int_equal(dc_dbq_flush(f->q, dc_dbq_next(f->q)), 0);
	assert_false(dc_dbq_stalled(f->q, 5000));
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec"), 51);
	/* In the order queued. */
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec a JOIN rec b ON b.rowid = a.rowid + 1"
				       " WHERE a.n > 0 AND b.n <> a.n + 1"), 0);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec WHERE t = 'row ' || n"), 50);
	assert_int_equal(f->errors, 0);
	dc_dbq_stats(f->q, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.written, 50);
}

/* A row that can never be written is skipped and told; the others land. */
static void refused_row_does_not_block_the_rest(void **state)
{
	struct fx *f = *state;
	add(f, 1, "a", 0);
	add(f, -5, "bad", 0);
	add(f, 3, "c", 0);
	assert_int_equal(dc_dbq_flush(f->q, 0), 0);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec"), 2);
	assert_int_equal(f->errors, 1);
	assert_non_null(strstr(f->last_err, "CHECK"));
}

/* A full disk (here: the file capped at its size) is not the row's fault:
 * the rows are kept, told once per attempt, and land when room is made. */
static void full_disk_keeps_the_rows(void **state)
{
	struct fx *f = *state;
	char big[2048];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	long pages = count(f->gw, "PRAGMA page_count");
	char cap[64];
	snprintf(cap, sizeof cap, "PRAGMA max_page_count = %ld", pages);
	exec_ok(f->gw, cap);
	for (int i = 0; i < 8; i++)
		add(f, i, big, 0);
	assert_int_equal(dc_dbq_flush(f->q, 0), 1);	/* held, not dropped */
	struct dc_dbq_stats st;
	dc_dbq_stats(f->q, &st);
	assert_int_equal(st.pending, 8);
	assert_int_equal(st.skipped, 0);
	assert_true(f->errors >= 1);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec"), 0);
	exec_ok(f->gw, "PRAGMA max_page_count = 1000000");
	assert_int_equal(dc_dbq_flush(f->q, dc_dbq_next(f->q)), 0);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec"), 8);
}

static int call_insert(void *ctx, const struct dc_dbq_val *v, size_t n, char *err, size_t errlen)
{
	struct fx *f = ctx;
	char sql[96];
	(void)err, (void)errlen;
	assert_int_equal(n, 1);
	assert_int_equal(sqlite3_get_autocommit(f->gw), 0);	/* inside the flush's transaction */
	snprintf(sql, sizeof sql, "INSERT INTO rec (n, t) VALUES (%lld, 'call')", (long long)v[0].i);
	return sqlite3_exec(f->gw, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void calls_run_in_order_with_statements(void **state)
{
	struct fx *f = *state;
	struct dc_dbq_val v = DC_DBQ_I(2);
	add(f, 1, "s", 0);
	assert_int_equal(dc_dbq_call(f->q, call_insert, f, &v, 1, 0), 0);
	add(f, 3, "s", 0);
	exec_ok(f->cli, "BEGIN IMMEDIATE");
	assert_int_equal(dc_dbq_flush(f->q, 0), 1);
	exec_ok(f->cli, "COMMIT");
	assert_int_equal(dc_dbq_flush(f->q, dc_dbq_next(f->q)), 0);
	assert_int_equal(count(f->cli, "SELECT group_concat(n, ',') = '1,2,3' FROM "
				       "(SELECT n FROM rec ORDER BY rowid)"), 1);
}

/* Finding 1 of issue 14: a statement stepped to its row and never reset
 * keeps a read transaction; once another connection commits, every write
 * of this connection fails ("database is locked") until it is reset. */
static void statement_left_active_is_found_and_reset(void **state)
{
	struct fx *f = *state;
	sqlite3_stmt *dv;
	char sql[64];
	assert_int_equal(sqlite3_prepare_v2(f->gw, "PRAGMA data_version", -1, &dv, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(dv), SQLITE_ROW);		/* left on its row */
	exec_ok(f->cli, "INSERT INTO rec (n) VALUES (7)");	/* the CLI writes */
	add(f, 8, "gw", 0);
	assert_int_equal(dc_dbq_flush(f->q, 0), 1);		/* stale snapshot */
	assert_int_equal(dc_db_reset_active(f->gw, sql, sizeof sql), 1);
	assert_string_equal(sql, "PRAGMA data_version");
	assert_int_equal(dc_db_reset_active(f->gw, NULL, 0), 0);
	assert_int_equal(dc_dbq_flush(f->q, dc_dbq_next(f->q)), 0);
	assert_int_equal(count(f->cli, "SELECT count(*) FROM rec"), 2);
	sqlite3_finalize(dv);
}

static void busy_codes(void **state)
{
	(void)state;
	assert_true(dc_db_busy_code(SQLITE_BUSY));
	assert_true(dc_db_busy_code(SQLITE_BUSY_SNAPSHOT));
	assert_true(dc_db_busy_code(SQLITE_LOCKED));
	assert_false(dc_db_busy_code(SQLITE_CONSTRAINT_CHECK));
	assert_false(dc_db_busy_code(SQLITE_OK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_at_once_when_free, setup, teardown),
		cmocka_unit_test_setup_teardown(busy_keeps_everything_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_row_does_not_block_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(full_disk_keeps_the_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(calls_run_in_order_with_statements, setup, teardown),
		cmocka_unit_test_setup_teardown(statement_left_active_is_found_and_reset, setup,
						teardown),
		cmocka_unit_test(busy_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
