/* test_overrides.c — overrides and grid alerts stored in the inventory
 * database (migration v3): add, list, clear, history, refusals. */
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

#include "overrides.h"

struct fx {
	char dir[64], path[128];
	struct dc_store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct dc_screen s;
	char *err = NULL;

	snprintf(f->dir, sizeof f->dir, "/tmp/decran-ovr-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/d.db", f->dir);
	if (!(f->st = dc_store_open(f->path, &err)))
		return -1;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "pub-1");
	snprintf(s.name, sizeof s.name, "Pub 1");
	if (dc_store_put_screen(f->st, &s, "test", NULL) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	dc_store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void overrides_round_trip_and_clear_keeps_history(void **state)
{
	struct fx *f = *state;
	char err[256];
	int64_t id1, id2;
	int count;
	struct gw_override_row *rows;
	size_t n;
	struct dc_override o = { .screen = "pub-1", .kind = DC_FORCE_ON, .from = 1000, .until = 5000,
				 .author = "alice", .reason = "kermesse" };

	assert_int_equal(gw_override_add(f->st, &o, 900, &id1, err, sizeof err), 0);
	o.kind = DC_FORCE_OFF;
	o.from = 2000;
	o.until = 3000;
	assert_int_equal(gw_override_add(f->st, &o, 900, &id2, err, sizeof err), 0);
	assert_true(id2 > id1);
	assert_int_equal(gw_override_list(f->st, 1500, false, &rows, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].o.kind, DC_FORCE_ON);
	assert_string_equal(rows[0].o.author, "alice");
	assert_int_equal(rows[1].o.until, 3000);
	free(rows);
	/* Expired rows drop out of the live list. */
	assert_int_equal(gw_override_list(f->st, 3000, false, &rows, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	free(rows);
	assert_int_equal(gw_override_clear(f->st, id1, NULL, "bob", 3100, &count, err, sizeof err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(gw_override_clear(f->st, id1, NULL, "bob", 3100, &count, err, sizeof err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(gw_override_list(f->st, 1500, false, &rows, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);	/* id2 only */
	free(rows);
	assert_int_equal(gw_override_list(f->st, 1500, true, &rows, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].cleared, 3100);
	free(rows);
	/* Rows are never deleted. */
	assert_int_not_equal(sqlite3_exec(dc_store_db(f->st), "DELETE FROM overrides", NULL, NULL, NULL), SQLITE_OK);
}

static void overrides_refuse_bad_input(void **state)
{
	struct fx *f = *state;
	char err[256];
	int64_t id;
	struct dc_override o = { .screen = "nope", .kind = DC_FORCE_OFF, .from = 1000, .until = 5000,
				 .author = "a", .reason = "r" };

	assert_int_equal(gw_override_add(f->st, &o, 0, &id, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope"));
	snprintf(o.screen, sizeof o.screen, "pub-1");
	o.until = 1000;
	assert_int_equal(gw_override_add(f->st, &o, 0, &id, err, sizeof err), -1);
	o.until = 5000;
	o.reason[0] = 0;
	assert_int_equal(gw_override_add(f->st, &o, 0, &id, err, sizeof err), -1);
}

static void alerts_and_engine_inputs(void **state)
{
	struct fx *f = *state;
	char err[256];
	int64_t id;
	int count;
	struct dc_grid_alert a = { .from = 100, .until = 200, .categories = 1u << DC_CAT_SCHOOL,
				   .source = "ecowatt", .reason = "rouge" };
	struct dc_override *ov;
	struct dc_grid_alert *al;
	size_t nov, nal;

	assert_int_equal(gw_alert_add(f->st, &a, 50, &id, err, sizeof err), 0);
	a.from = 300;
	a.until = 400;
	a.categories = 0;
	assert_int_equal(gw_alert_add(f->st, &a, 50, &id, err, sizeof err), 0);
	a.until = 300;
	assert_int_equal(gw_alert_add(f->st, &a, 50, &id, err, sizeof err), -1);
	assert_int_equal(gw_schedule_inputs(f->st, 150, &ov, &nov, &al, &nal, err, sizeof err), 0);
	assert_int_equal(nal, 2);
	assert_int_equal(al[0].categories, 1u << DC_CAT_SCHOOL);
	assert_string_equal(al[1].source, "ecowatt");
	free(ov);
	free(al);
	assert_int_equal(gw_alert_clear(f->st, 0, "x", 150, &count, err, sizeof err), 0);
	assert_int_equal(count, 2);
	assert_int_equal(gw_schedule_inputs(f->st, 150, &ov, &nov, &al, &nal, err, sizeof err), 0);
	assert_int_equal(nal, 0);
	free(ov);
	free(al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(overrides_round_trip_and_clear_keeps_history, setup, teardown),
		cmocka_unit_test_setup_teardown(overrides_refuse_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(alerts_and_engine_inputs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
