/* test_inventory_import.c — the all-or-nothing CSV import shared by the CLI
 * and the benchmark: every error found, nothing written unless all is good. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "clock.h"
#include "inventory_import.h"
#include "screen_csv.h"
#include "store.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/decran-import-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/inv.db", dir);
	dc_set_lang(DC_LANG_EN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static long count(struct dc_store *st, const char *table)
{
	char sql[64];
	sqlite3_stmt *q;
	long n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static int import(struct dc_store *st, const char *text, bool update, struct dc_import_result *res,
		  struct dc_errlist *errs)
{
	struct dc_import_opts o = { .update = update, .actor = "test" };
	return dc_inventory_import(st, text, strlen(text), &o, res, errs);
}

static void clean_file_is_written_with_one_audit_row_each(void **state)
{
	(void)state;
	struct dc_store *st = dc_store_open(path, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	assert_int_equal(import(st, "id;name;category\na;A;school\nb;B;library\n", false, &res, &errs), 0);
	assert_int_equal(res.rows, 2);
	assert_int_equal(res.created, 2);
	assert_int_equal(count(st, "screens"), 2);
	assert_int_equal(count(st, "audit"), 2);
	dc_store_close(st);
}

static void any_error_writes_nothing_and_all_are_reported(void **state)
{
	(void)state;
	struct dc_store *st = dc_store_open(path, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	assert_int_equal(import(st, "id,name,category\nold,Old,other\n", false, &res, &errs), 0);
	assert_int_equal(import(st, "id,name,category\nnew,N,other\nold,O,other\nnew,N2,other\n"
				"bad,B,nope\n", false, &res, &errs), -1);
	assert_int_equal(errs.n, 3);
	assert_int_equal(errs.v[0].line, 3);
	assert_non_null(strstr(errs.v[0].msg, "already exists"));
	assert_int_equal(errs.v[1].line, 4);
	assert_non_null(strstr(errs.v[1].msg, "duplicate id 'new' (already on line 2)"));
	assert_int_equal(errs.v[2].line, 5);
	assert_string_equal(errs.v[2].column, "category");
	assert_int_equal(count(st, "screens"), 1);
	assert_int_equal(count(st, "audit"), 1);
	dc_errlist_free(&errs);
	/* Rows already written when the error comes (more than one batch of
	 * new screens, and an update) are rolled back with the rest. */
	char big[16384];
	size_t n = (size_t)snprintf(big, sizeof big, "id,name,category\nold,Renamed,other\n");
	for (int i = 0; i < 3 * DC_STORE_BATCH; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "n%03d,N,other\n", i);
	snprintf(big + n, sizeof big - n, "late,L,other,extra\n");
	assert_int_equal(import(st, big, true, &res, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 3 + 3 * DC_STORE_BATCH);
	assert_int_equal(res.created + res.updated + res.unchanged, 0);
	assert_int_equal(count(st, "screens"), 1);
	assert_int_equal(count(st, "audit"), 1);
	struct dc_screen old;
	assert_int_equal(dc_store_get_screen(st, "old", &old), 1);
	assert_string_equal(old.name, "Old");
	dc_errlist_free(&errs);
	/* the store is still usable: the failed import left no transaction open */
	assert_int_equal(import(st, "id,name,category\nnew,N,other\n", false, &res, &errs), 0);
	dc_store_close(st);
}

static void update_counts_created_updated_unchanged(void **state)
{
	(void)state;
	struct dc_store *st = dc_store_open(path, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	assert_int_equal(import(st, "id,name,category,power_on_w\na,A,other,1\nb,B,other,2\n", false,
				&res, &errs), 0);
	assert_int_equal(import(st, "id,name,category,power_on_w\na,A,other,1\nb,B,other,3\n"
				"c,C,other,4\n", true, &res, &errs), 0);
	assert_int_equal(res.created, 1);
	assert_int_equal(res.updated, 1);
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(count(st, "audit"), 2 + 1 + 1);	/* 2 created, b's power, c created */
	dc_store_close(st);
}

static void empty_and_header_only_files_are_errors(void **state)
{
	(void)state;
	struct dc_store *st = dc_store_open(path, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	assert_int_equal(import(st, "", false, &res, &errs), -1);
	assert_int_equal(errs.n, 1);
	dc_errlist_free(&errs);
	assert_int_equal(import(st, "id,name,category\r\n", false, &res, &errs), -1);
	assert_non_null(strstr(errs.v[0].msg, "no data rows"));
	dc_errlist_free(&errs);
	dc_store_close(st);
}

static long sql_count(struct dc_store *st, const char *sql)
{
	sqlite3_stmt *q;
	long n = -1;
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* Every row of a query as one text, rows separated by newlines. */
static char *dump(struct dc_store *st, const char *sql)
{
	sqlite3_stmt *q;
	size_t cap = 1 << 20, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(q); i++) {
			const unsigned char *t = sqlite3_column_text(q, i);
			n += (size_t)snprintf(out + n, cap - n, "%s|", t ? (const char *)t : "NULL");
			assert_true(n < cap);
		}
		n += (size_t)snprintf(out + n, cap - n, "\n");
	}
	sqlite3_finalize(q);
	return out;
}

/* New screens go in by batches of DC_STORE_BATCH, an update in between is
 * written at its place: the database must end up exactly as with one
 * dc_store_put_screen per row in file order (screens, and audit rows in the
 * same order). */
static void batched_import_equals_row_by_row(void **state)
{
	(void)state;
	static char csv[64 * 1024];
	/* Rows with and without a position and a binding next to each other:
	 * each row's absent values must stay its own. */
	size_t n = (size_t)snprintf(csv, sizeof csv, "id;name;category;power_on_w;status;removal_target;"
				    "notes;lat;lon;box;channel\n");
	const char *cats[] = { "advertising", "school", "transport", "other" };
	for (int i = 0; i < 3 * DC_STORE_BATCH + 7; i++) {
		char pos[32] = ";", bind[32] = ";";
		if (i % 2)
			snprintf(pos, sizeof pos, "48,%d;2,%d", i, i + 1);
		if (i % 3 == 1)
			snprintf(bind, sizeof bind, "box-%d;%d", i / 16, 1 + i % 16);
		n += (size_t)snprintf(csv + n, sizeof csv - n, "s%04d;Screen %d;%s;%d,5;%s;%s;%s;%s;%s\n", i, i,
				      cats[i % 4], i, i % 5 ? "active" : "slated_for_removal",
				      i % 5 ? "" : "2027-01-31", i % 3 ? "" : "\"a; b\"", pos, bind);
	}
	const char *seed = "id;name;category\ns0070;Old 70;other\ns0150;Old 150;school\n";
	char path2[160];
	snprintf(path2, sizeof path2, "%s/rows.db", dir);
	struct dc_store *a = dc_store_open(path, NULL), *b = dc_store_open(path2, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	assert_non_null(a);
	assert_non_null(b);
	/* The same clock for both, or their audit times could differ. */
	static const struct dc_clock fixed = { .virtual_time = true, .start_ms = 1796000000500,
					      .speed = 1e-9 };
	dc_store_set_clock(a, &fixed);
	dc_store_set_clock(b, &fixed);
	assert_int_equal(import(a, seed, false, &res, &errs), 0);
	assert_int_equal(import(b, seed, false, &res, &errs), 0);

	assert_int_equal(import(a, csv, true, &res, &errs), 0);
	assert_int_equal(sql_count(a, "SELECT count(*) FROM screens WHERE lat IS NOT NULL"), 3 * DC_STORE_BATCH / 2 + 3);
	assert_int_equal(res.created, 3 * DC_STORE_BATCH + 7 - 2);
	assert_int_equal(res.updated, 2);

	struct dc_screen_csv r;
	struct dc_screen s;
	long line;
	assert_int_equal(dc_store_begin(b), 0);
	assert_int_equal(dc_screen_csv_open(&r, csv, n, &errs), 0);
	while (dc_screen_csv_next(&r, &s, &line, &errs) == 1)
		assert_int_equal(dc_store_put_screen(b, &s, "test", NULL), 0);
	dc_screen_csv_close(&r);
	assert_int_equal(dc_store_commit(b), 0);
	assert_int_equal(errs.n, 0);

	const char *q[] = { "SELECT * FROM screens ORDER BY rowid",
			    "SELECT id, at, actor, screen_id, field, old, new FROM audit ORDER BY id" };
	for (int i = 0; i < 2; i++) {
		char *x = dump(a, q[i]), *y = dump(b, q[i]);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	/* 2 seeded, 197 created, and each update's changed fields. */
	assert_true(count(a, "audit") > 2 + 3 * DC_STORE_BATCH + 7);
	dc_store_close(a);
	dc_store_close(b);
}

/* The schema's indexes on screens and audit, as SQL text in name order. */
static char *indexes(struct dc_store *st)
{
	sqlite3_stmt *q;
	char *out = calloc(1, 4096);
	size_t n = 0;
	assert_non_null(out);
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st),
					    "SELECT sql FROM sqlite_schema WHERE type = 'index' AND"
					    " tbl_name IN ('screens', 'audit') AND sql IS NOT NULL"
					    " ORDER BY name", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, 4096 - n, "%s\n", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return out;
}

/* A first import builds the indexes at its commit (dc_store_defer_indexes):
 * they are all there afterwards, and still there after one rolled back. */
static void first_import_keeps_every_index(void **state)
{
	(void)state;
	struct dc_store *st = dc_store_open(path, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	char *before = indexes(st);
	assert_non_null(strstr(before, "screens_status"));
	assert_non_null(strstr(before, "audit_screen"));

	assert_int_not_equal(import(st, "id;name;category\na;A;school\nb;B;nonsense\n", false, &res,
				    &errs), 0);
	char *after_failure = indexes(st);
	assert_string_equal(before, after_failure);
	dc_errlist_free(&errs);

	assert_int_equal(import(st, "id;name;category\na;A;school\nb;B;library\n", false, &res,
				&errs), 0);
	char *after = indexes(st);
	assert_string_equal(before, after);
	/* And they index the rows: the planner uses one, and finds the row. */
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st),
					    "SELECT id FROM screens INDEXED BY screens_category"
					    " WHERE category = 'library'", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "b");
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_exec(dc_store_db(st), "PRAGMA integrity_check", NULL, NULL, NULL),
			 SQLITE_OK);
	free(before);
	free(after_failure);
	free(after);
	dc_store_close(st);
}

/* A disk that fills up mid-import (an SD card): the write error is
 * reported where it happened, the rows after it are still only checked (no
 * write past the pending batch), nothing is kept, and the store works again
 * once there is room. */
static void full_disk_is_reported_and_writes_nothing(void **state)
{
	(void)state;
	struct dc_store *st = dc_store_open(path, NULL);
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	sqlite3 *db = dc_store_db(st);
	assert_int_equal(import(st, "id,name,category\nold,Old,other\n", false, &res, &errs), 0);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", sqlite3_column_int64(q, 0) + 2);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);

	static char big[64 * 1024];
	size_t n = (size_t)snprintf(big, sizeof big, "id,name,category\n");
	for (int i = 0; i < 8 * DC_STORE_BATCH; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
				      "screen-with-a-long-id-%04d,A name long enough to fill pages,other\n",
				      i);
	assert_int_equal(import(st, big, false, &res, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0].msg, "full"));
	assert_true(errs.v[0].line >= 2);
	dc_errlist_free(&errs);
	assert_int_equal(sqlite3_exec(db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(count(st, "screens"), 1);
	assert_int_equal(count(st, "audit"), 1);
	assert_int_equal(import(st, big, false, &res, &errs), 0);
	assert_int_equal(res.created, 8 * DC_STORE_BATCH);
	dc_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean_file_is_written_with_one_audit_row_each, setup, teardown),
		cmocka_unit_test_setup_teardown(any_error_writes_nothing_and_all_are_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(update_counts_created_updated_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_and_header_only_files_are_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(batched_import_equals_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(first_import_keeps_every_index, setup, teardown),
		cmocka_unit_test_setup_teardown(full_disk_is_reported_and_writes_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
