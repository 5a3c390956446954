/* test_store_backup.c — backups and their return (store_backup.c), and a
 * database of the first schema brought up to date without loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "store.h"

struct tmp {
	char dir[64];
	char db[128], bak[128], other[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/decran-backup-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->db, sizeof t->db, "%s/inv.db", t->dir);
	snprintf(t->bak, sizeof t->bak, "%s/copy.db", t->dir);
	snprintf(t->other, sizeof t->other, "%s/other", t->dir);
	dc_set_lang(DC_LANG_EN);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[160];
	dc_store_schema_cap(0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	long long v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void put(const char *path, const char *id)
{
	char *err = NULL;
	struct dc_store *st = dc_store_open(path, &err);
	assert_non_null(st);
	struct dc_screen s;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.name, sizeof s.name, "Écran %s", id);
	s.category = DC_CAT_ADVERTISING;
	assert_int_equal(dc_store_put_screen(st, &s, "test", NULL), 0);
	dc_store_close(st);
}

static void exists(const char *path, bool want)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb) == 0, want);
}

/* A backup taken while a connection has uncommitted and committed-but-not-
 * checkpointed writes holds exactly what was committed, in one file. */
static void backup_is_a_consistent_self_contained_copy(void **state)
{
	struct tmp *t = *state;
	put(t->db, "a");
	put(t->db, "b");
	sqlite3 *w;
	assert_int_equal(sqlite3_open(t->db, &w), SQLITE_OK);
	/* Committed into the WAL, never checkpointed into the main file. */
	assert_int_equal(sqlite3_exec(w, "PRAGMA wal_autocheckpoint=0; INSERT INTO screens (id, name,"
				      " category) VALUES ('c', 'C', 'school')", 0, 0, 0), SQLITE_OK);
	/* Open while the copy runs: must not be in it. */
	assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE; INSERT INTO screens (id, name, category)"
				      " VALUES ('d', 'D', 'school')", 0, 0, 0), SQLITE_OK);
	char *err = NULL;
	assert_int_equal(dc_store_backup(t->db, t->bak, &err), 0);
	assert_null(err);
	assert_int_equal(sqlite3_exec(w, "COMMIT", 0, 0, 0), SQLITE_OK);
	sqlite3_close(w);

	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", t->bak);
	exists(wal, false);
	assert_int_equal(sql_int(t->bak, "SELECT count(*) FROM screens"), 3);
	assert_int_equal(sql_int(t->bak, "SELECT count(*) FROM screens WHERE id = 'd'"), 0);
	assert_int_equal(sql_int(t->bak, "PRAGMA user_version"), dc_store_schema_version());
	int v = 0;
	assert_int_equal(dc_store_probe(t->bak, &v, &err), 0);
	assert_int_equal(v, dc_store_schema_version());
}

static void backup_never_overwrites(void **state)
{
	struct tmp *t = *state;
	put(t->db, "a");
	FILE *f = fopen(t->bak, "w");
	fputs("precious", f);
	fclose(f);
	char *err = NULL;
	assert_int_equal(dc_store_backup(t->db, t->bak, &err), -1);
	assert_non_null(strstr(err, "already exists"));
	free(err);
	struct stat sb;
	assert_int_equal(stat(t->bak, &sb), 0);
	assert_int_equal(sb.st_size, 8);
	/* Nor does it create a database where there was none. */
	err = NULL;
	assert_int_equal(dc_store_backup(t->other, t->dir, &err), -1);
	free(err);
	exists(t->other, false);
}

static void restore_replaces_the_content(void **state)
{
	struct tmp *t = *state;
	put(t->db, "a");
	char *err = NULL;
	assert_int_equal(dc_store_backup(t->db, t->bak, &err), 0);
	put(t->db, "b");
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM screens"), 2);
	int v = 0;
	assert_int_equal(dc_store_restore(t->db, t->bak, &v, &err), 0);
	assert_null(err);
	assert_int_equal(v, dc_store_schema_version());
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM screens"), 1);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM screens WHERE id = 'a'"), 1);
	/* The database works as before: a write after the restore lands. */
	put(t->db, "c");
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM screens"), 2);
}

static void restore_refuses_what_is_not_a_known_decran_database(void **state)
{
	struct tmp *t = *state;
	put(t->db, "a");
	char *err = NULL;
	int v;
	/* Not SQLite. */
	FILE *f = fopen(t->other, "w");
	fputs("not a database, but long enough to look like a header.....", f);
	fclose(f);
	assert_int_equal(dc_store_restore(t->db, t->other, &v, &err), -1);
	assert_non_null(strstr(err, t->other));
	free(err);
	/* SQLite, but not decran's. */
	unlink(t->other);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(t->other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (y); PRAGMA user_version = 3", 0, 0, 0),
			 SQLITE_OK);
	sqlite3_close(db);
	err = NULL;
	assert_int_equal(dc_store_restore(t->db, t->other, &v, &err), -1);
	assert_non_null(strstr(err, "not a decran database"));
	free(err);
	/* decran's, from a newer version. */
	assert_int_equal(dc_store_backup(t->db, t->bak, &err), 0);
	assert_int_equal(sqlite3_open(t->bak, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", dc_store_schema_version() + 1);
	assert_int_equal(sqlite3_exec(db, sql, 0, 0, 0), SQLITE_OK);
	sqlite3_close(db);
	err = NULL;
	assert_int_equal(dc_store_restore(t->db, t->bak, &v, &err), -1);
	assert_non_null(strstr(err, "newer"));
	free(err);
	/* The database itself. */
	err = NULL;
	assert_int_equal(dc_store_restore(t->db, t->db, &v, &err), -1);
	free(err);
	/* After every refusal the data is as it was. */
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM screens WHERE id = 'a'"), 1);
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), dc_store_schema_version());
}

/* A database of the first released schema (step 1 is never edited, so a
 * capped open writes exactly what the first release wrote), filled with
 * that release's rows, then opened by this build: every row is still there
 * and reads back through today's code. */
static void first_schema_upgrades_without_loss(void **state)
{
	struct tmp *t = *state;
	dc_store_schema_cap(1);
	char *err = NULL;
	struct dc_store *st = dc_store_open(t->db, &err);
	assert_non_null(st);
	assert_int_equal(sqlite3_exec(dc_store_db(st),
		"INSERT INTO screens (id, name, category, site, power_on_w, status, box, channel,"
		" transport_furniture, service_hours, removal_target) VALUES"
		" ('pub-gare', 'Abri gare', 'transport', 'Gare', 311, 'slated_for_removal', 'coffret-1',"
		"  2, 1, '05:30-00:30', '2027-06-30'),"
		" ('info-mairie', 'Mairie', 'information', 'Mairie', 120, 'active', NULL, NULL, 0, '',"
		"  NULL);"
		"INSERT INTO plan_targets VALUES ('advertising', '2027-12-31', 4);"
		"INSERT INTO audit (at, actor, screen_id, field, old, new) VALUES"
		" ('2026-01-05T10:00:00Z', 'agent', 'pub-gare', 'status', 'active', 'slated_for_removal');",
		0, 0, 0), SQLITE_OK);
	dc_store_close(st);
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), 1);

	/* Through a backup and restore of that old file, as an upgrade with
	 * a restored backup would go. */
	assert_int_equal(dc_store_backup(t->db, t->bak, &err), 0);
	dc_store_schema_cap(0);
	unlink(t->db);
	int v = 0;
	assert_int_equal(dc_store_restore(t->db, t->bak, &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), dc_store_schema_version());

	st = dc_store_open(t->db, &err);
	assert_non_null(st);
	struct dc_screen s;
	assert_int_equal(dc_store_get_screen(st, "pub-gare", &s), 1);
	assert_string_equal(s.name, "Abri gare");
	assert_int_equal(s.category, DC_CAT_TRANSPORT);
	assert_int_equal(s.status, DC_STATUS_SLATED);
	assert_string_equal(s.box, "coffret-1");
	assert_int_equal(s.channel, 2);
	assert_true(s.flags & DC_FLAG_TRANSPORT_FURNITURE);
	assert_string_equal(s.service_hours, "05:30-00:30");
	assert_string_equal(s.removal_target, "2027-06-30");
	assert_true(s.power_on_w == 311);
	assert_int_equal(dc_store_get_screen(st, "info-mairie", &s), 1);
	dc_store_close(st);
	assert_int_equal(sql_int(t->db, "SELECT removed FROM plan_targets WHERE category ="
				 " 'advertising'"), 4);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM audit WHERE screen_id = 'pub-gare'"
				 " AND new = 'slated_for_removal'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(backup_is_a_consistent_self_contained_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(backup_never_overwrites, setup, teardown),
		cmocka_unit_test_setup_teardown(restore_replaces_the_content, setup, teardown),
		cmocka_unit_test_setup_teardown(restore_refuses_what_is_not_a_known_decran_database, setup,
						teardown),
		cmocka_unit_test_setup_teardown(first_schema_upgrades_without_loss, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
