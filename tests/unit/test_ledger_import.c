/* test_ledger_import.c — the bridge from decran-gateway's own tables
 * (commands, outcomes, offline alarms, box journal, meter readings) into the
 * ledger's input log, and the figures that follow (hand-computed).
 * The gateway's tables come from its store migration; the CREATE TABLE IF
 * NOT EXISTS below (its schema, as of this writing) only matters for a
 * build without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "clock.h"
#include "i18n.h"
#include "ledger.h"
#include "store.h"
#include "fixture_ledger.h"

#define H 3600
/* Monday 23 November 2026 00:00 in Paris (UTC+1). */
#define T0 (INT64_C(1795392000) - H)

static const char gateway_schema[] =
	"CREATE TABLE IF NOT EXISTS commands (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
	" box TEXT NOT NULL, channel INTEGER NOT NULL, screens TEXT NOT NULL DEFAULT '',"
	" from_state TEXT, to_state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
	" cmd_id TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS command_outcomes (command_id INTEGER NOT NULL, at TEXT NOT NULL,"
	" outcome TEXT NOT NULL, state TEXT);"
	"CREATE TABLE IF NOT EXISTS alarm_events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" at TEXT NOT NULL, kind TEXT NOT NULL, box TEXT NOT NULL, channel INTEGER,"
	" active INTEGER NOT NULL, message TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS meter_readings (at TEXT NOT NULL, box TEXT NOT NULL,"
	" channel INTEGER NOT NULL DEFAULT 0, quantity TEXT NOT NULL, value REAL NOT NULL);"
	"CREATE TABLE IF NOT EXISTS box_journal (box TEXT NOT NULL, seq INTEGER NOT NULL,"
	" at TEXT NOT NULL, channel INTEGER NOT NULL, state TEXT NOT NULL, src TEXT NOT NULL,"
	" PRIMARY KEY (box, seq, at));";

static int setup(void **state)
{
	return fx_setup(state, DC_LANG_EN);
}

static void sql(struct fx *f, const char *fmt, ...)
{
	char buf[2048], *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (sqlite3_exec(dc_store_db(f->st), buf, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", buf, msg);
}

static const char *utc(int64_t t)
{
	static char b[4][32];
	static int i;
	i = (i + 1) % 4;
	return dc_format_utc(b[i], sizeof b[i], t);
}

/* The ledger brought up to 24:00 UTC of 23 Nov and that day's rows by
 * screen (n of them, asserted), to free. */
static struct dc_ledger_row *day_rows(struct fx *f, const struct dc_ledger_config *cfg, size_t want)
{
	char err[256];
	struct dc_ledger_row *r;
	size_t n;
	assert_int_equal(dc_ledger_update(f->st, cfg, T0 + 24 * H, err, sizeof err), 0);
	assert_int_equal(dc_ledger_report(f->st, "2026-11-23", "2026-11-23", DC_BY_SCREEN, &r, &n,
					  err, sizeof err), 0);
	assert_int_equal(n, want);
	return r;
}

static void put(struct fx *f, const char *id, double on, int channel)
{
	struct dc_screen s;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.name, sizeof s.name, "Écran %s", id);
	s.power_on_w = on;
	snprintf(s.box, sizeof s.box, "b1");
	s.channel = channel;
	assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
}

static long count(struct fx *f, const char *q)
{
	sqlite3_stmt *st;
	long n = -1;
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(f->st), q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Nothing to import (empty or absent gateway tables) is not an error. */
static void nothing_to_import_is_not_an_error(void **state)
{
	struct fx *f = *state;
	char err[256];
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 0);
	assert_int_equal(dc_ledger_import_gateway(f->st, true, err, sizeof err), 0);
}

/* p1 (200 W) and p2 (100 W) on b1, 23 Nov (local):
 *   00:00 box journal: both off (booted off)
 *   06:59:58 command on sent (unknown), 07:00 confirmed on
 *   12:00 b1 offline alarm (unknown)
 *   21:59:58 command off sent, 22:00 confirmed off
 * p1: on 5 h = 1000 Wh; known 7 h - 2 s + 5 h + 2 h = 50 398 s; baseline:
 *   13 whole hours x 200 Wh + hour 06 (3598 s x 200 W = 199.889 Wh)
 *   = 2799.889 Wh; unknown 2 s + 10 h = 36 002 s.
 * b2's meter: two energy_wh readings, 1 500 000 and 1 500 250 Wh. */
static void gateway_records_become_the_ledger(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct dc_ledger_config cfg;
	dc_ledger_config_default(&cfg);
	put(f, "p1", 200, 1);
	put(f, "p2", 100, 2);
	sql(f, "%s", gateway_schema);
	sql(f, "INSERT INTO box_journal VALUES ('b1', 1, '%s', 1, 'off', 'boot'),"
	       " ('b1', 2, '%s', 2, 'off', 'boot')", utc(T0), utc(T0));
	sql(f, "INSERT INTO commands (at, box, channel, screens, to_state, cmd_id) VALUES"
	       " ('%s', 'b1', 1, 'p1,p2', 'on', 'c1')", utc(T0 + 7 * H - 2));
	sql(f, "INSERT INTO command_outcomes VALUES (1, '%s', 'confirmed', 'on')", utc(T0 + 7 * H));
	sql(f, "INSERT INTO alarm_events (at, kind, box, channel, active) VALUES"
	       " ('%s', 'offline', 'b1', NULL, 1), ('%s', 'unconfirmed', 'b1', 1, 1)",
	    utc(T0 + 12 * H), utc(T0 + 13 * H));
	sql(f, "INSERT INTO commands (at, box, channel, screens, to_state, cmd_id) VALUES"
	       " ('%s', 'b1', 1, 'p1,p2', 'off', 'c2')", utc(T0 + 22 * H - 2));
	sql(f, "INSERT INTO command_outcomes VALUES (2, '%s', 'confirmed', 'off')", utc(T0 + 22 * H));
	sql(f, "INSERT INTO meter_readings VALUES ('%s', 'b2', 0, 'energy_wh', 1500000),"
	       " ('%s', 'b2', 0, 'power_w', 99), ('%s', 'b2', 0, 'energy_wh', 1500250)",
	    utc(T0), utc(T0 + 60), utc(T0 + H));

	/* 2 journal + 2x(2 commands + 2 outcomes) states + 2 offline + 2 readings. */
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 14);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_states"), 12);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_readings"), 2);
	assert_int_equal(count(f, "SELECT round(max(kwh) * 1000) FROM ledger_readings"), 1500250);
	/* Again: nothing new; from the start: the same rows, nothing added. */
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 0);
	assert_int_equal(dc_ledger_import_gateway(f->st, true, err, sizeof err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_states"), 12);

	struct dc_ledger_row *r = day_rows(f, &cfg, 2);
	assert_string_equal(r[0].key, "p1");
	assert_int_equal(r[0].t.actual_mwh, 1000000);
	assert_int_equal(r[0].t.known_s, 50398);
	assert_int_equal(r[0].t.unknown_s, 36002);
	assert_int_equal(r[0].t.baseline_mwh, 2799889);
	assert_int_equal(r[1].t.actual_mwh, 500000);
	free(r);

	/* Later rows are picked up from where the import stopped. */
	sql(f, "INSERT INTO box_journal VALUES ('b1', 3, '%s', 2, 'on', 'fallback')",
	    utc(T0 + 23 * H));
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 1);

	/* A command in flight is left for later; answered in the same second,
	 * it leaves no unknown time, only the confirmed state. */
	int64_t t3 = T0 + 23 * H + 1800;
	sql(f, "INSERT INTO commands (at, box, channel, screens, to_state, cmd_id) VALUES"
	       " ('%s', 'b1', 1, 'p1,p2', 'on', 'c3')", utc(t3));
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 0);
	sql(f, "INSERT INTO command_outcomes VALUES (3, '%s', 'confirmed', 'on')", utc(t3));
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 2);
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM ledger_states WHERE at = %lld AND state = 2",
		 (long long)t3);
	assert_int_equal(count(f, q), 2);	/* p1 and p2 on */
	snprintf(q, sizeof q, "SELECT count(*) FROM ledger_states WHERE at = %lld AND state = 0",
		 (long long)t3);
	assert_int_equal(count(f, q), 0);
	dc_ledger_config_free(&cfg);
}

/* Finding 2 from the gateway's tables alone (a confirmation the gateway
 * could not record live): the box's boot "off" and the "on" confirmed in
 * the same second.  The import keeps the order things happen in (journal,
 * then the command's outcome): on.  An offline alarm is "box offline". */
static void import_keeps_the_order_of_one_second(void **state)
{
	struct fx *f = *state;
	char err[256], q[200];
	struct dc_ledger_config cfg;
	dc_ledger_config_default(&cfg);
	put(f, "p1", 200, 1);
	sql(f, "%s", gateway_schema);
	int64_t t = T0 + 8 * H + 17;
	sql(f, "INSERT INTO commands (at, box, channel, screens, to_state, cmd_id) VALUES"
	       " ('%s', 'b1', 1, 'p1', 'on', 'c1')", utc(t));
	sql(f, "INSERT INTO command_outcomes VALUES (1, '%s', 'confirmed', 'on')", utc(t));
	sql(f, "INSERT INTO box_journal VALUES ('b1', 1, '%s', 1, 'off', 'boot')", utc(t));
	sql(f, "INSERT INTO alarm_events (at, kind, box, channel, active) VALUES"
	       " ('%s', 'offline', 'b1', NULL, 1)", utc(T0 + 20 * H));
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 3);
	snprintf(q, sizeof q, "SELECT group_concat(state, '') FROM (SELECT state FROM ledger_states"
		 " WHERE at = %lld ORDER BY seq)", (long long)t);
	assert_int_equal(count(f, q), 12);	/* off (1), then on (2) */
	/* The gateway recorded them live too: a second import adds nothing. */
	assert_int_equal(dc_ledger_import_gateway(f->st, true, err, sizeof err), 0);
	struct dc_ledger_row *r = day_rows(f, &cfg, 1);
	assert_int_equal(r[0].t.on_s, 12 * H - 17);	/* lit until the box went offline */
	assert_int_equal(r[0].t.unknown_by[DC_EN_OFFLINE], 4 * H);
	assert_int_equal(r[0].t.unknown_by[DC_EN_UNCONFIRMED], 17);
	assert_int_equal(dc_en_total_saved(&r[0].t), 0);
	free(r);
	dc_ledger_config_free(&cfg);
}

/* A command to a box already offline, then its "unconfirmed" outcome
 * (issue 14, deliver 4; found end to end): the screen stays unknown
 * because its box is offline, not "unconfirmed" from the command on. */
static void command_to_an_offline_box_keeps_the_cause(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct dc_ledger_config cfg;
	dc_ledger_config_default(&cfg);
	put(f, "p1", 200, 1);
	sql(f, "%s", gateway_schema);
	sql(f, "INSERT INTO alarm_events (at, kind, box, channel, active) VALUES"
	       " ('%s', 'offline', 'b1', NULL, 1)", utc(T0 + 12 * H));
	sql(f, "INSERT INTO commands (at, box, channel, screens, to_state, cmd_id) VALUES"
	       " ('%s', 'b1', 1, 'p1', 'off', 'c1')", utc(T0 + 13 * H));
	sql(f, "INSERT INTO command_outcomes VALUES (1, '%s', 'unconfirmed', NULL)",
	    utc(T0 + 14 * H));
	assert_int_equal(dc_ledger_import_gateway(f->st, false, err, sizeof err), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_states WHERE cause = 1"), 3);
	/* Imported again from the start: the same rows, nothing added. */
	assert_int_equal(dc_ledger_import_gateway(f->st, true, err, sizeof err), 0);
	struct dc_ledger_row *r = day_rows(f, &cfg, 1);
	assert_int_equal(r[0].t.unknown_by[DC_EN_OFFLINE], 12 * H);
	free(r);
	dc_ledger_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nothing_to_import_is_not_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(gateway_records_become_the_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(import_keeps_the_order_of_one_second, setup, teardown),
		cmocka_unit_test_setup_teardown(command_to_an_offline_box_keeps_the_cause, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
