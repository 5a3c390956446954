/* test_store.c — the inventory database: safe open, migrations, screens,
 * plan, audit trail.  Every test works in its own temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"
#include "screen_fields.h"
#include "store.h"

struct tmp {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/decran-store-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof t->path, "%s/inv.db", t->dir);
	dc_set_lang(DC_LANG_EN);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static void make_screen(struct dc_screen *s, const char *id, enum dc_category c, enum dc_status st)
{
	dc_screen_init(s);
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->name, sizeof s->name, "Écran %s", id);
	s->category = c;
	s->status = st;
	snprintf(s->site, sizeof s->site, "Gare");
	s->power_on_w = 311;
	s->power_standby_w = 2;
	s->surface_m2 = 2;
	if (st == DC_STATUS_SLATED)
		snprintf(s->removal_target, sizeof s->removal_target, "2026-12-31");
	if (st == DC_STATUS_REMOVED)
		snprintf(s->removal_date, sizeof s->removal_date, "2026-01-15");
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

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* Whole file into a malloc'd buffer. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(1 << 20);
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void missing_database_is_created_in_wal_mode(void **state)
{
	struct tmp *t = *state;
	char *err = NULL;
	struct dc_store *st = dc_store_open(t->path, &err);
	assert_non_null(st);
	assert_null(err);
	long long fk = -1;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st), "PRAGMA foreign_keys", -1, &q, NULL), 0);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	fk = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	assert_int_equal(fk, 1);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"), dc_store_schema_version());
	assert_true(dc_store_schema_version() >= 2);
	/* WAL is persistent: file format bytes 18-19 say 2. */
	size_t n;
	char *b = slurp(t->path, &n);
	assert_true(n > 20);
	assert_int_equal(b[18], 2);
	free(b);
}

static void screen_round_trips_every_field(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s, g;
	assert_non_null(st);
	make_screen(&s, "gare-nord-1", DC_CAT_TRANSPORT, DC_STATUS_SLATED);
	snprintf(s.address, sizeof s.address, "1 place de la Gare");
	s.has_coords = true;
	s.lat = 48.8566123;
	s.lon = -2.3522;
	snprintf(s.owner, sizeof s.owner, "Kéolis");
	s.tech = DC_TECH_LED;
	s.baseline_hours = 19.5;
	s.flags = DC_FLAG_TRANSPORT_FURNITURE | DC_FLAG_AIRPORT;
	snprintf(s.service_hours, sizeof s.service_hours, "05:30-00:30");
	s.display = DC_DISPLAY_ANIMATED;
	snprintf(s.box, sizeof s.box, "box-gare");
	s.channel = 3;
	snprintf(s.notes, sizeof s.notes, "ligne 1\nligne 2 ; « guillemets »");
	int changes = -1;
	assert_int_equal(dc_store_put_screen(st, &s, "alice", &changes), 0);
	assert_int_equal(changes, 1);
	assert_int_equal(dc_store_get_screen(st, "gare-nord-1", &g), 1);
	for (int f = 0; f < DC_F__COUNT; f++) {
		char a[600], b[600];
		assert_string_equal(dc_field_format(&s, f, a, sizeof a), dc_field_format(&g, f, b, sizeof b));
	}
	assert_true(g.lat == s.lat && g.lon == s.lon);
	assert_int_equal(dc_store_get_screen(st, "absent", &g), 0);
	dc_store_close(st);
}

struct hist {
	int n;
	char lines[16][200];
};

static int collect(const struct dc_audit_entry *e, void *arg)
{
	struct hist *h = arg;
	if (h->n < 16)
		snprintf(h->lines[h->n], sizeof h->lines[0], "%s|%s|%s|%s|%s", e->actor, e->screen_id,
			 e->field, e->old_value, e->new_value);
	assert_int_equal(strlen(e->at), 20);
	assert_int_equal(e->at[19], 'Z');
	h->n++;
	return 0;
}

static void update_writes_one_audit_row_per_changed_field(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s;
	int changes;
	make_screen(&s, "mairie-1", DC_CAT_INFORMATION, DC_STATUS_ACTIVE);
	assert_int_equal(dc_store_put_screen(st, &s, "alice", &changes), 0);
	s.power_on_w = 150.5;
	s.status = DC_STATUS_REDUCED;
	assert_int_equal(dc_store_put_screen(st, &s, "bob", &changes), 0);
	assert_int_equal(changes, 2);
	assert_int_equal(dc_store_put_screen(st, &s, "bob", &changes), 0);
	assert_int_equal(changes, 0);	/* identical: nothing written */
	struct hist h = { 0 };
	assert_int_equal(dc_store_history(st, "mairie-1", collect, &h), 0);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.lines[0], "alice|mairie-1|created||Écran mairie-1");
	assert_string_equal(h.lines[1], "bob|mairie-1|power_on_w|311|150.5");
	assert_string_equal(h.lines[2], "bob|mairie-1|status|active|reduced");
	dc_store_close(st);
}

static void binding_is_an_audited_edit(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s;
	int changes;
	make_screen(&s, "gare-1", DC_CAT_ADVERTISING, DC_STATUS_ACTIVE);
	s.box[0] = '\0';
	s.channel = 0;
	assert_int_equal(dc_store_put_screen(st, &s, "alice", NULL), 0);
	assert_int_equal(dc_store_bind_screen(st, "gare-1", "coffret-gare", 3, "tech", &changes), 1);
	assert_int_equal(changes, 2);	/* box and channel */
	assert_int_equal(dc_store_get_screen(st, "gare-1", &s), 1);
	assert_string_equal(s.box, "coffret-gare");
	assert_int_equal(s.channel, 3);
	assert_int_equal(dc_store_bind_screen(st, "gare-1", "", 0, "tech", &changes), 1);
	assert_int_equal(dc_store_get_screen(st, "gare-1", &s), 1);
	assert_string_equal(s.box, "");
	assert_int_equal(dc_store_bind_screen(st, "nowhere", "coffret-gare", 1, "tech", NULL), 0);
	/* a channel without a box is refused by validation: nothing written */
	assert_int_equal(dc_store_bind_screen(st, "gare-1", "", 4, "tech", NULL), -1);
	assert_int_equal(dc_store_get_screen(st, "gare-1", &s), 1);
	assert_int_equal(s.channel, 0);
	dc_store_close(st);
}

static int collect_at(const struct dc_audit_entry *e, void *arg)
{
	snprintf(arg, 32, "%s", e->at);
	return 0;
}

static void audit_rows_take_their_time_from_the_store_clock(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_clock c;
	struct dc_screen s;
	char at[32] = "", err[128];
	int64_t stamped;

	/* A test clock far from the real time: the rows carry its time. */
	assert_int_equal(dc_clock_init_spec(&c, "2031-05-06T07:08:09Z,1", err, sizeof err), 0);
	dc_store_set_clock(st, &c);
	make_screen(&s, "kiosque-1", DC_CAT_INFORMATION, DC_STATUS_ACTIVE);
	assert_int_equal(dc_store_put_screen(st, &s, "alice", NULL), 0);
	assert_int_equal(dc_store_history(st, "kiosque-1", collect_at, at), 0);
	assert_int_equal(dc_parse_utc(at, &stamped), 0);
	assert_true(stamped >= 1935817689 && stamped <= 1935817689 + 60);
	/* Without one, the real time. */
	dc_store_set_clock(st, NULL);
	s.power_on_w = 99;
	assert_int_equal(dc_store_put_screen(st, &s, "alice", NULL), 0);
	assert_int_equal(dc_store_history(st, "kiosque-1", collect_at, at), 0);
	assert_int_equal(dc_parse_utc(at, &stamped), 0);
	assert_true(llabs(stamped - (int64_t)time(NULL)) <= 60);
	dc_store_close(st);
}

static void bulk_transaction_gives_the_cache_size_back(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	sqlite3_stmt *q;
	/* a daemon keeps a small cache; a bulk transaction must not leave
	 * SQLite's default (or its own 64 MB) behind */
	assert_int_equal(sqlite3_exec(dc_store_db(st), "PRAGMA cache_size = -256", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(dc_store_begin(st), 0);
	assert_int_equal(dc_store_commit(st), 0);
	assert_int_equal(dc_store_begin(st), 0);
	assert_int_equal(dc_store_rollback(st), 0);
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(st), "PRAGMA cache_size", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), -256);
	sqlite3_finalize(q);
	dc_store_close(st);
}

static void invalid_screen_is_refused_and_nothing_written(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s, g;
	make_screen(&s, "x1", DC_CAT_OTHER, DC_STATUS_REMOVED);
	s.removal_date[0] = '\0';	/* removed without a date */
	assert_int_equal(dc_store_put_screen(st, &s, "a", NULL), -1);
	assert_non_null(strstr(dc_store_errmsg(st), "removal_date"));
	assert_int_equal(dc_store_get_screen(st, "x1", &g), 0);
	make_screen(&s, "Bad Id", DC_CAT_OTHER, DC_STATUS_ACTIVE);
	assert_int_equal(dc_store_put_screen(st, &s, "a", NULL), -1);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM audit"), 0);
}

static int count_cb(const struct dc_screen *s, void *arg)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

static void list_filters_and_sorts(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s, *v;
	size_t n;
	long cnt;
	assert_int_equal(dc_store_begin(st), 0);
	for (int i = 0; i < 30; i++) {
		char id[16];
		snprintf(id, sizeof id, "s%02d", i);
		make_screen(&s, id, (enum dc_category)(i % DC_CAT__COUNT),
			    (enum dc_status)(i % DC_STATUS__COUNT));
		s.power_on_w = 1000 - i;
		if (i % 2)
			snprintf(s.site, sizeof s.site, "Médiathèque");
		if (i % 3 == 0) {
			snprintf(s.box, sizeof s.box, "box-a");
			s.channel = 1 + i / 3;
		}
		assert_int_equal(dc_store_put_screen(st, &s, "t", NULL), 0);
	}
	assert_int_equal(dc_store_commit(st), 0);

	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	assert_int_equal(dc_store_list_screens_array(st, &f, &v, &n), 0);
	assert_int_equal(n, 30);
	assert_string_equal(v[0].id, "s00");
	free(v);

	f.status = DC_STATUS_SLATED;
	assert_int_equal(dc_store_list_screens_array(st, &f, &v, &n), 0);
	assert_int_equal(n, 7);	/* i = 2, 6, ..., 26 */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].status, DC_STATUS_SLATED);
	free(v);
	assert_int_equal(dc_store_count_screens(st, &f, &cnt), 0);
	assert_int_equal(cnt, 7);

	f.status = -1;
	f.site = "Médiathèque";
	f.category = DC_CAT_INFORMATION;	/* i % 7 == 1 and odd: 1, 15, 29 */
	f.sort = "power_on_w";
	assert_int_equal(dc_store_list_screens_array(st, &f, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].id, "s29");	/* lowest power first */
	assert_string_equal(v[2].id, "s01");
	free(v);
	f.desc = true;
	assert_int_equal(dc_store_list_screens_array(st, &f, &v, &n), 0);
	assert_string_equal(v[0].id, "s01");
	free(v);

	f.desc = false;
	f.site = NULL;
	f.category = -1;
	f.sort = NULL;
	f.box = "box-a";
	assert_int_equal(dc_store_list_screens_array(st, &f, &v, &n), 0);
	assert_int_equal(n, 10);	/* i % 3 == 0 */
	assert_string_equal(v[0].box, "box-a");
	free(v);
	f.box = NULL;

	f.sort = "nonsense; DROP TABLE screens";
	int k = 0;
	assert_int_equal(dc_store_list_screens(st, &f, count_cb, &k), -1);
	assert_false(dc_store_sort_valid("nonsense"));
	assert_true(dc_store_sort_valid("removal_target"));
	dc_store_close(st);
}

static void rollback_discards_a_bulk_transaction(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s;
	assert_int_equal(dc_store_begin(st), 0);
	make_screen(&s, "a1", DC_CAT_SCHOOL, DC_STATUS_ACTIVE);
	assert_int_equal(dc_store_put_screen(st, &s, "t", NULL), 0);
	assert_int_equal(dc_store_rollback(st), 0);
	assert_int_equal(dc_store_get_screen(st, "a1", &s), 0);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM audit"), 0);
}

static void audit_is_append_only_and_screens_never_deleted(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s;
	make_screen(&s, "a1", DC_CAT_SCHOOL, DC_STATUS_ACTIVE);
	assert_int_equal(dc_store_put_screen(st, &s, "t", NULL), 0);
	sqlite3 *db = dc_store_db(st);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor='mallory'", 0, 0, 0), SQLITE_OK);
	assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", 0, 0, 0), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM screens", 0, 0, 0), SQLITE_OK);
	/* CHECK constraints guard the enums even against raw SQL. */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE screens SET category='billboard'", 0, 0, 0),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE screens SET lat=91, lon=0", 0, 0, 0), SQLITE_OK);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM audit"), 1);
}

static void plan_targets_set_replace_unset_with_audit(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_plan_target a = { .category = -1, .date = "2027-12-31", .removed = 20 };
	struct dc_plan_target b = { .category = DC_CAT_ADVERTISING, .date = "2026-06-30", .removed = 5 };
	struct dc_plan_target *v;
	size_t n;
	assert_int_equal(dc_store_plan_set(st, &a, "maire"), 0);
	assert_int_equal(dc_store_plan_set(st, &b, "maire"), 0);
	b.removed = 8;
	assert_int_equal(dc_store_plan_set(st, &b, "maire"), 0);
	assert_int_equal(dc_store_plan_targets(st, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].date, "2026-06-30");
	assert_int_equal(v[0].category, DC_CAT_ADVERTISING);
	assert_int_equal(v[0].removed, 8);
	assert_int_equal(v[1].category, -1);
	free(v);
	struct dc_plan_target bad = { .category = -1, .date = "2027-02-30", .removed = 1 };
	assert_int_equal(dc_store_plan_set(st, &bad, "maire"), -1);
	assert_int_equal(dc_store_plan_unset(st, -1, "2027-12-31", "maire"), 1);
	assert_int_equal(dc_store_plan_unset(st, -1, "2027-12-31", "maire"), 0);
	struct hist h = { 0 };
	assert_int_equal(dc_store_history(st, NULL, collect, &h), 0);
	assert_int_equal(h.n, 4);
	assert_string_equal(h.lines[0], "maire||plan:all:2027-12-31||20");
	assert_string_equal(h.lines[2], "maire||plan:advertising:2026-06-30|5|8");
	assert_string_equal(h.lines[3], "maire||plan:all:2027-12-31|20|");
	dc_store_close(st);
}

/* The version-1 schema exactly as decran 0.1 shipped it, with data.  Never
 * edit: it stands for databases already in the field. */
static const char v1_fixture[] =
	"CREATE TABLE screens ("
	" id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 47"
	"   AND id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9_-]*'),"
	" name TEXT NOT NULL CHECK (name <> ''),"
	" category TEXT NOT NULL CHECK (category IN ('advertising','information','school',"
	"   'library','early_childhood','transport','other')),"
	" site TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '',"
	" lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),"
	" lon REAL CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),"
	" owner TEXT NOT NULL DEFAULT '',"
	" tech TEXT NOT NULL DEFAULT 'LCD' CHECK (tech IN ('LCD','LED','other')),"
	" surface_m2 REAL NOT NULL DEFAULT 0 CHECK (surface_m2 >= 0),"
	" power_on_w REAL NOT NULL DEFAULT 0 CHECK (power_on_w >= 0),"
	" power_standby_w REAL NOT NULL DEFAULT 0 CHECK (power_standby_w >= 0),"
	" baseline_hours REAL NOT NULL DEFAULT 24 CHECK (baseline_hours BETWEEN 0 AND 24),"
	" status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','reduced',"
	"   'slated_for_removal','removed')),"
	" removal_target TEXT, removal_date TEXT,"
	" airport INTEGER NOT NULL DEFAULT 0, transport_furniture INTEGER NOT NULL DEFAULT 0,"
	" service_hours TEXT NOT NULL DEFAULT '', box TEXT, channel INTEGER,"
	" notes TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE plan_targets (category TEXT NOT NULL, target_date TEXT NOT NULL,"
	" removed INTEGER NOT NULL, PRIMARY KEY (category, target_date));"
	"CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
	" actor TEXT NOT NULL, screen_id TEXT REFERENCES screens(id), field TEXT NOT NULL,"
	" old TEXT, new TEXT);"
	"INSERT INTO screens (id, name, category, site, lat, lon, power_on_w, power_standby_w,"
	" status, removal_target) VALUES"
	" ('pub-gare-1', 'Abribus Gare', 'advertising', 'Gare', 49.5, 2.1, 311, 2,"
	"  'slated_for_removal', '2026-12-31'),"
	" ('ecole-ferry', 'École Jules-Ferry', 'school', 'École Jules-Ferry', NULL, NULL, 90, 1,"
	"  'active', NULL);"
	"INSERT INTO plan_targets VALUES ('all', '2027-12-31', 12);"
	"INSERT INTO audit (at, actor, screen_id, field, old, new) VALUES"
	" ('2025-03-01T10:00:00Z', 'import', 'pub-gare-1', 'created', NULL, 'Abribus Gare');"
	"PRAGMA user_version = 1;";

static void version1_database_is_upgraded_in_place_without_loss(void **state)
{
	struct tmp *t = *state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_fixture, 0, 0, 0), SQLITE_OK);
	sqlite3_close(db);

	char *err = NULL;
	struct dc_store *st = dc_store_open(t->path, &err);
	assert_null(err);
	assert_non_null(st);
	struct dc_screen s;
	assert_int_equal(dc_store_get_screen(st, "pub-gare-1", &s), 1);
	assert_string_equal(s.name, "Abribus Gare");
	assert_int_equal(s.status, DC_STATUS_SLATED);
	assert_string_equal(s.removal_target, "2026-12-31");
	assert_true(s.has_coords && s.lat == 49.5);
	assert_int_equal(dc_store_get_screen(st, "ecole-ferry", &s), 1);
	assert_false(s.has_coords);
	struct hist h = { 0 };
	assert_int_equal(dc_store_history(st, "pub-gare-1", collect, &h), 0);
	assert_int_equal(h.n, 1);
	struct dc_plan_target *v;
	size_t n;
	assert_int_equal(dc_store_plan_targets(st, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].removed, 12);
	free(v);
	/* What the later steps added is now in force. */
	assert_int_not_equal(sqlite3_exec(dc_store_db(st), "DELETE FROM audit", 0, 0, 0), SQLITE_OK);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"), dc_store_schema_version());
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'screens_status'"), 1);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM screens"), 2);
}

/* The ledger step that orders events within a second: the rows of the old
 * ledger_states (one per screen and second) keep their order and state,
 * unknown rows become "unconfirmed", the table stays append-only, and
 * the derived tables' unknown seconds are all "unconfirmed" until rebuilt. */
static void ledger_sequence_step_keeps_the_input(void **state)
{
	struct tmp *t = *state;
	int before = dc_store_schema_before("ledger: order of events within a second, unknown by cause");
	assert_true(before > 0);
	dc_store_schema_cap(before);
	char *err = NULL;
	struct dc_store *st = dc_store_open(t->path, &err);
	assert_non_null(st);
	sqlite3 *db = dc_store_db(st);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO ledger_states VALUES ('pub', 100, 1),"
				      " ('pub', 160, 2), ('pub', 220, 0), ('info', 100, 2);"
				      "INSERT INTO energy_day VALUES ('2026-11-23', 'pub', 5, 9, 3600,"
				      " 7200, 60, 3, 0);"
				      "INSERT INTO energy_group_day VALUES ('2026-11-23', 'advertising',"
				      " 'Gare', 5, 9, 3600, 7200, 60, 3, 0);", 0, 0, 0), SQLITE_OK);
	/* What finding 2 was: the second state of a second had no room. */
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO ledger_states VALUES ('pub', 160, 1)",
					  0, 0, 0), SQLITE_OK);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"), before);

	dc_store_schema_cap(0);
	st = dc_store_open(t->path, &err);
	assert_null(err);
	assert_non_null(st);
	db = dc_store_db(st);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT screen_id, at, seq, state, cause FROM "
					    "ledger_states ORDER BY screen_id, at, seq", -1, &q, NULL),
			 SQLITE_OK);
	static const char *const want[] = { "info|100|0|2|0", "pub|100|0|1|0", "pub|160|0|2|0",
					    "pub|220|0|0|0" };
	size_t n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		char row[64];
		snprintf(row, sizeof row, "%s|%lld|%lld|%d|%d", sqlite3_column_text(q, 0),
			 (long long)sqlite3_column_int64(q, 1), (long long)sqlite3_column_int64(q, 2),
			 sqlite3_column_int(q, 3), sqlite3_column_int(q, 4));
		assert_true(n < 4);
		assert_string_equal(row, want[n++]);
	}
	sqlite3_finalize(q);
	assert_int_equal(n, 4);
	/* Now a second holds several events, in order; still append-only. */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO ledger_states (screen_id, at, seq, state)"
				      " VALUES ('pub', 160, 1, 1)", 0, 0, 0), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM ledger_states", 0, 0, 0), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE ledger_states SET state = 1", 0, 0, 0),
			     SQLITE_OK);
	/* A cause only for an unknown state. */
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO ledger_states VALUES ('pub', 300, 0, 2, 1)",
					  0, 0, 0), SQLITE_OK);
	dc_store_close(st);
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"), dc_store_schema_version());
	assert_int_equal(sql_int(t->path, "SELECT unconfirmed_s + 10 * offline_s + 100 * no_box_s"
				 " FROM energy_day"), 7200);
	assert_int_equal(sql_int(t->path, "SELECT unconfirmed_s + 10 * offline_s + 100 * no_box_s"
				 " FROM energy_group_day"), 7200);
}

/* The display step: screens inventoried before it (here a bus shelter with
 * its service hours, in a version-1 file) were never asked whether their
 * images are fixed, so they become 'unknown', which the engine treats as
 * animated; a declared value then round-trips with its audit row. */
static void old_screens_get_display_unknown(void **state)
{
	struct tmp *t = *state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_fixture, 0, 0, 0), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO screens (id, name, category, transport_furniture,"
				      " service_hours) VALUES ('abri-gare', 'Abri Gare', 'advertising', 1,"
				      " '05:15-00:45')", 0, 0, 0), SQLITE_OK);
	sqlite3_close(db);

	struct dc_store *st = dc_store_open(t->path, NULL);
	assert_non_null(st);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM screens WHERE display = 'unknown'"), 3);
	struct dc_screen s;
	assert_int_equal(dc_store_get_screen(st, "abri-gare", &s), 1);
	assert_int_equal(s.display, DC_DISPLAY_UNKNOWN);
	assert_false(dc_transport_exemption_applies(s.flags, s.display));
	assert_string_equal(s.service_hours, "05:15-00:45");
	s.display = DC_DISPLAY_FIXED;
	assert_int_equal(dc_store_put_screen(st, &s, "alice", NULL), 0);
	assert_int_equal(dc_store_get_screen(st, "abri-gare", &s), 1);
	assert_int_equal(s.display, DC_DISPLAY_FIXED);
	assert_true(dc_transport_exemption_applies(s.flags, s.display));
	struct hist h = { 0 };
	assert_int_equal(dc_store_history(st, "abri-gare", collect, &h), 0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.lines[0], "alice|abri-gare|display|unknown|fixed");
	/* The column refuses what the model does not know. */
	assert_int_not_equal(sqlite3_exec(dc_store_db(st), "UPDATE screens SET display = 'blink'",
					  0, 0, 0), SQLITE_OK);
	dc_store_close(st);
}

/* A database written up to the migration step `step` (not included), given
 * the rows of `sql`, then opened by this program: the step has run on them. */
static struct dc_store *open_after_step(const char *path, const char *step, const char *sql)
{
	int before = dc_store_schema_before(step);
	assert_true(before > 0);
	dc_store_schema_cap(before);
	struct dc_store *st = dc_store_open(path, NULL);
	assert_non_null(st);
	assert_int_equal(sqlite3_exec(dc_store_db(st), sql, 0, 0, 0), SQLITE_OK);
	dc_store_close(st);
	dc_store_schema_cap(0);
	st = dc_store_open(path, NULL);
	assert_non_null(st);
	return st;
}

/* The step that spells the screens' CHECK value lists as comparisons: rows
 * stay, the file stays sound, and every constraint still refuses what it
 * refused (each listed value accepted, anything else not). */
static void check_lists_step_keeps_rows_and_constraints(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = open_after_step(t->path, "screens: CHECK value lists spelt as comparisons "
					       "(same constraints, faster inserts)",
					       "INSERT INTO screens (id, name, category, tech, status, display)"
					       " VALUES ('a', 'A', 'school', 'LED', 'reduced', 'fixed')");
	sqlite3 *db = dc_store_db(st);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM screens WHERE id = 'a' AND tech = 'LED'"
				 " AND display = 'fixed'"), 1);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'screens'"
				 " AND sql LIKE '%category IN (%'"), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'screens'"
				 " AND sql LIKE '%category = ''advertising'' OR category = ''information''%'"), 1);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	sqlite3_finalize(q);
	static const struct { const char *col, *good[7], *bad; } lists[] = {
		{ "category", { "advertising", "information", "school", "library", "early_childhood",
				"transport", "other" }, "Advertising" },
		{ "tech", { "LCD", "LED", "other" }, "OLED" },
		{ "status", { "active", "reduced", "slated_for_removal", "removed" }, "gone" },
		{ "display", { "fixed", "animated", "unknown" }, "blink" },
	};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		char sql[160];
		for (size_t k = 0; k < 7 && lists[i].good[k]; k++) {
			snprintf(sql, sizeof sql, "UPDATE screens SET %s = '%s', removal_date = %s", lists[i].col,
				 lists[i].good[k], strcmp(lists[i].good[k], "removed") ? "NULL" : "'2026-01-01'");
			assert_int_equal(sqlite3_exec(db, sql, 0, 0, 0), SQLITE_OK);
		}
		snprintf(sql, sizeof sql, "UPDATE screens SET %s = '%s'", lists[i].col, lists[i].bad);
		assert_int_equal(sqlite3_exec(db, sql, 0, 0, 0), SQLITE_CONSTRAINT_CHECK);
	}
	dc_store_close(st);
}

/* The same for the tables the gateway writes at every confirmation: rows
 * stay, and each constraint refuses what it refused, "cause IN (0,1,2) AND
 * (state = 0 OR cause = 0)" included (an OR list must not swallow the AND). */
static void gateway_check_lists_step_keeps_rows_and_constraints(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = open_after_step(t->path, "gateway's tables: CHECK value lists spelt as comparisons",
					       "INSERT INTO commands (id, at, box, channel, to_state, cmd_id) VALUES"
					       " (1, 'x', 'b', 1, 'off', 'c1');"
					       "INSERT INTO command_outcomes (command_id, at, outcome, state) VALUES"
					       " (1, 'x', 'confirmed', 'off');"
					       "INSERT INTO ledger_states (screen_id, at, seq, state, cause) VALUES"
					       " ('a', 10, 0, 0, 2);");
	sqlite3 *db = dc_store_db(st);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM command_outcomes o JOIN ledger_states l"
				 " WHERE o.outcome = 'confirmed' AND l.cause = 2"), 1);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM sqlite_schema WHERE name IN"
				 " ('command_outcomes', 'ledger_states', 'alarm_events', 'boxes')"
				 " AND (sql LIKE '%outcome IN (%' OR sql LIKE '%state IN (0%'"
				 " OR sql LIKE '%cause IN (%' OR sql LIKE '%kind IN (%'"
				 " OR sql LIKE '%driver IN (%')"), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM pragma_integrity_check"
				 " WHERE integrity_check = 'ok'"), 1);
	static const struct { const char *sql; int rc; } cases[] = {
		{ "INSERT INTO command_outcomes VALUES (1, 'y', 'unconfirmed', NULL)", SQLITE_OK },
		{ "INSERT INTO command_outcomes VALUES (1, 'y', 'superseded', NULL)", SQLITE_OK },
		{ "INSERT INTO command_outcomes VALUES (1, 'y', 'failed', NULL)", SQLITE_OK },
		{ "INSERT INTO command_outcomes VALUES (1, 'y', 'interrupted', NULL)", SQLITE_OK },
		{ "INSERT INTO command_outcomes VALUES (1, 'y', 'lost', NULL)", SQLITE_CONSTRAINT_CHECK },
		{ "INSERT INTO ledger_states VALUES ('a', 11, 0, 1, 0)", SQLITE_OK },
		{ "INSERT INTO ledger_states VALUES ('a', 12, 0, 2, 0)", SQLITE_OK },
		{ "INSERT INTO ledger_states VALUES ('a', 13, 0, 0, 1)", SQLITE_OK },
		{ "INSERT INTO ledger_states VALUES ('a', 14, 0, 3, 0)", SQLITE_CONSTRAINT_CHECK },
		{ "INSERT INTO ledger_states VALUES ('a', 15, 0, 0, 3)", SQLITE_CONSTRAINT_CHECK },
		/* a cause only for an unknown state: the AND still holds */
		{ "INSERT INTO ledger_states VALUES ('a', 16, 0, 1, 1)", SQLITE_CONSTRAINT_CHECK },
		{ "INSERT INTO ledger_states VALUES ('a', 17, 0, 2, 2)", SQLITE_CONSTRAINT_CHECK },
		{ "INSERT INTO alarm_events (at, kind, box, active) VALUES ('x', 'meter', 'b', 1)",
		  SQLITE_OK },
		{ "INSERT INTO alarm_events (at, kind, box, active) VALUES ('x', 'fire', 'b', 1)",
		  SQLITE_CONSTRAINT_CHECK },
		{ "INSERT INTO boxes (id, driver, channels) VALUES ('m', 'modbus-tcp', 1)", SQLITE_OK },
		{ "INSERT INTO boxes (id, driver, channels) VALUES ('z', 'zigbee', 1)",
		  SQLITE_CONSTRAINT_CHECK },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (sqlite3_exec(db, cases[i].sql, 0, 0, 0) != cases[i].rc)
			fail_msg("%s: %s", cases[i].sql, sqlite3_errmsg(db));
	dc_store_close(st);
}

static void assert_refused_unchanged(const char *path, const char *needle)
{
	size_t n0, n1;
	char *before = slurp(path, &n0);
	char *err = NULL;
	struct dc_store *st = dc_store_open(path, &err);
	assert_null(st);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("message '%s' lacks '%s'", err, needle);
	free(err);
	char *after = slurp(path, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(before);
	free(after);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(access(wal, F_OK), -1);
}

static void newer_database_is_refused_and_left_untouched(void **state)
{
	struct tmp *t = *state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 999;", 0, 0, 0),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_refused_unchanged(t->path, "newer decran (schema 999");
}

static void non_database_file_is_refused_and_left_untouched(void **state)
{
	struct tmp *t = *state;
	const char text[] = "id;name;category\nx;y;school\n";
	write_file(t->path, text, sizeof text - 1);
	assert_refused_unchanged(t->path, "not a decran (SQLite) database");
}

static void corrupt_database_is_refused_and_left_untouched(void **state)
{
	struct tmp *t = *state;
	struct dc_store *st = dc_store_open(t->path, NULL);
	struct dc_screen s;
	for (int i = 0; i < 50; i++) {
		char id[16];
		snprintf(id, sizeof id, "s%d", i);
		make_screen(&s, id, DC_CAT_OTHER, DC_STATUS_ACTIVE);
		assert_int_equal(dc_store_put_screen(st, &s, "t", NULL), 0);
	}
	dc_store_close(st);	/* checkpoints the WAL into the main file */
	/* Keep the valid header, scribble over everything after the first page
	 * header: the schema page and data pages are now garbage. */
	size_t n;
	char *b = slurp(t->path, &n);
	assert_true(n > 4096);
	for (size_t i = 100; i < n; i++)
		b[i] = (char)(i * 7919u >> 3);
	write_file(t->path, b, n);
	free(b);
	assert_refused_unchanged(t->path, "corrupt or unreadable");
}

static void directory_path_is_refused(void **state)
{
	struct tmp *t = *state;
	char *err = NULL;
	assert_null(dc_store_open(t->dir, &err));
	assert_non_null(strstr(err, "not a regular file"));
	free(err);
	char missing[160];
	snprintf(missing, sizeof missing, "%s/no/such/dir/inv.db", t->dir);
	assert_null(dc_store_open(missing, &err));
	assert_non_null(err);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(missing_database_is_created_in_wal_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(screen_round_trips_every_field, setup, teardown),
		cmocka_unit_test_setup_teardown(update_writes_one_audit_row_per_changed_field, setup, teardown),
		cmocka_unit_test_setup_teardown(binding_is_an_audited_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_rows_take_their_time_from_the_store_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(bulk_transaction_gives_the_cache_size_back, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_screen_is_refused_and_nothing_written, setup, teardown),
		cmocka_unit_test_setup_teardown(list_filters_and_sorts, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_discards_a_bulk_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_is_append_only_and_screens_never_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(plan_targets_set_replace_unset_with_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(version1_database_is_upgraded_in_place_without_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(ledger_sequence_step_keeps_the_input, setup, teardown),

		cmocka_unit_test_setup_teardown(old_screens_get_display_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(check_lists_step_keeps_rows_and_constraints, setup, teardown),
		cmocka_unit_test_setup_teardown(gateway_check_lists_step_keeps_rows_and_constraints, setup,
						teardown),
		cmocka_unit_test_setup_teardown(newer_database_is_refused_and_left_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(non_database_file_is_refused_and_left_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_database_is_refused_and_left_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(directory_path_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
