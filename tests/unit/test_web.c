/* test_web.c — the dashboard's pure parts: escaping, templates' mini-format,
 * calendar arithmetic, progress figures, chart, login throttling, accounts
 * and sessions (on a temporary database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "i18n.h"
#include "store.h"
#include "web_auth.h"
#include "web_buf.h"
#include "web_data.h"

static void html_escapes_every_special_character(void **state)
{
	(void)state;
	struct dc_buf b = { 0 };
	dc_html(&b, "<p title=\"%s\">%s</p>", "\"onmouseover='x'", "<script>alert(1)</script> & co");
	assert_string_equal(b.p, "<p title=\"&quot;onmouseover=&#39;x&#39;\">"
				 "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>");
	dc_buf_reset(&b);
	dc_html(&b, "%r|%d|%l|%u|%%|%s", "<b>", -42, (int64_t)1 << 40, "a b&c/é", (const char *)NULL);
	assert_string_equal(b.p, "<b>|-42|1099511627776|a%20b%26c%2F%C3%A9|%|");
	dc_buf_free(&b);
}

static void csv_quotes_and_defuses_formulas(void **state)
{
	(void)state;
	struct dc_buf b = { 0 };
	dc_esc_csv(&b, "plain");
	dc_buf_puts(&b, "|");
	dc_esc_csv(&b, "a,b \"q\"");
	dc_buf_puts(&b, "|");
	dc_esc_csv(&b, "=HYPERLINK(\"x\")");
	dc_buf_puts(&b, "|");
	dc_esc_csv(&b, "-12.5");
	dc_buf_puts(&b, "|");
	dc_esc_csv(&b, "@SUM(A1)");
	assert_string_equal(b.p, "plain|\"a,b \"\"q\"\"\"|\"'=HYPERLINK(\"\"x\"\")\"|-12.5|'@SUM(A1)");
	dc_buf_reset(&b);
	dc_esc_json(&b, "a\"b\\c\n</script>\x01");
	assert_string_equal(b.p, "a\\\"b\\\\c\\n\\u003c/script>\\u0001");
	dc_buf_free(&b);
}

static void calendar_round_trips_and_rejects_bad_dates(void **state)
{
	(void)state;
	assert_int_equal(dc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(dc_days_from_civil(2000, 3, 1), 11017);
	for (long d = -800000; d < 800000; d += 997) {
		int y, m, dd;
		dc_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(dc_days_from_civil(y, m, dd), d);
	}
	long z;
	assert_true(dc_date_days("2028-02-29", &z));
	assert_int_equal(z, dc_days_from_civil(2028, 2, 29));
	assert_false(dc_date_days("2027-02-29", &z));
	assert_false(dc_date_days("2026-04-31", &z));
	assert_false(dc_date_days("2026-13-01", &z));
	assert_false(dc_date_days("2026-1-01", &z));
	assert_false(dc_date_days("2026-01-01x", &z));
	assert_false(dc_date_days("", &z));
	assert_false(dc_date_days(NULL, &z));
}

static struct dc_screen scr(const char *id, enum dc_category c, enum dc_status st, double w,
			    double h, const char *removed)
{
	struct dc_screen s;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "%s", id);
	s.category = c;
	s.status = st;
	s.power_on_w = w;
	s.baseline_hours = h;
	snprintf(s.removal_date, sizeof s.removal_date, "%s", removed);
	return s;
}

static void progress_counts_estimates_and_targets(void **state)
{
	(void)state;
	struct dc_progress p;
	dc_progress_init(&p);
	struct dc_screen list[] = {
		scr("a", DC_CAT_ADVERTISING, DC_STATUS_REMOVED, 400, 24, "2026-03-01"),
		scr("b", DC_CAT_ADVERTISING, DC_STATUS_REMOVED, 100, 10, "2026-01-15"),
		scr("c", DC_CAT_ADVERTISING, DC_STATUS_SLATED, 200, 24, ""),
		scr("d", DC_CAT_SCHOOL, DC_STATUS_ACTIVE, 50, 8, ""),
		scr("e", DC_CAT_SCHOOL, DC_STATUS_REMOVED, 50, 8, ""),	/* undated */
		scr("f", DC_CAT_SCHOOL, DC_STATUS_REDUCED, 60, 8, ""),
	};
	for (size_t i = 0; i < sizeof list / sizeof *list; i++)
		dc_progress_add(&p, &list[i]);
	struct dc_plan_target t[] = {
		{ DC_CAT_SCHOOL, "2026-12-31", 2 },
		{ DC_CAT_ADVERTISING, "2026-06-30", 2 },
		{ DC_CAT_ADVERTISING, "2027-06-30", 5 },
	};
	long today = dc_days_from_civil(2026, 11, 23);
	dc_progress_finish(&p, t, 3, today);
	assert_false(p.oom);
	assert_int_equal(p.all.total, 6);
	assert_int_equal(p.all.by_status[DC_STATUS_REMOVED], 3);
	assert_int_equal(p.cat[DC_CAT_SCHOOL].by_status[DC_STATUS_REDUCED], 1);
	assert_int_equal(p.removed_undated, 1);
	/* 400 W × 24 h × 365 + 100 × 10 × 365 + 50 × 8 × 365, in kWh */
	assert_float_equal(p.all.removed_kwh, 3504 + 365 + 146, 1e-9);
	assert_float_equal(p.all.slated_kwh, 1752, 1e-9);
	/* next target on or after today, final target */
	assert_true(p.cat[DC_CAT_ADVERTISING].next.set);
	assert_string_equal(p.cat[DC_CAT_ADVERTISING].next.date, "2027-06-30");
	assert_int_equal(p.cat[DC_CAT_ADVERTISING].next.removed, 5);
	assert_string_equal(p.cat[DC_CAT_SCHOOL].last.date, "2026-12-31");
	/* no "all" targets: the trajectory sums the categories' step functions */
	assert_int_equal(p.ntraj, 3);
	assert_int_equal(p.trajectory[0].value, 2);	/* 2026-06-30: adv 2 */
	assert_int_equal(p.trajectory[1].value, 4);	/* 2026-12-31: adv 2 + school 2 */
	assert_int_equal(p.trajectory[2].value, 7);	/* 2027-06-30: adv 5 + school 2 */
	assert_string_equal(p.all.next.date, "2026-12-31");
	assert_int_equal(p.all.next.removed, 4);
	assert_int_equal(dc_progress_removed_by(&p, today), 2);
	assert_int_equal(dc_progress_removed_by(&p, dc_days_from_civil(2026, 2, 1)), 1);
	assert_int_equal(dc_progress_removed_by(&p, dc_days_from_civil(2025, 1, 1)), 0);

	struct dc_buf b = { 0 };
	dc_chart_svg(&b, &p, today, "T<", "D&", "A", "B", DC_LANG_FR);
	assert_non_null(strstr(b.p, "role=\"img\""));
	assert_non_null(strstr(b.p, "<title id=\"chart-title\">T&lt;</title>"));
	assert_non_null(strstr(b.p, "<desc id=\"chart-desc\">D&amp;</desc>"));
	assert_non_null(strstr(b.p, "class=\"target\""));
	assert_non_null(strstr(b.p, "class=\"actual\""));
	dc_buf_free(&b);
	dc_progress_free(&p);
}

static void all_category_targets_win_over_sums(void **state)
{
	(void)state;
	struct dc_progress p;
	dc_progress_init(&p);
	struct dc_plan_target t[] = {
		{ -1, "2027-01-01", 10 },
		{ DC_CAT_SCHOOL, "2026-12-31", 2 },
	};
	dc_progress_finish(&p, t, 2, dc_days_from_civil(2027, 2, 1));
	assert_int_equal(p.ntraj, 1);
	assert_int_equal(p.trajectory[0].value, 10);
	/* every target is past: "next" stays unset, "last" is the final one */
	assert_false(p.all.next.set);
	assert_int_equal(p.all.last.removed, 10);
	dc_progress_free(&p);
}

static void throttling_backs_off_and_clears(void **state)
{
	(void)state;
	static struct dc_ratelimit rl;
	memset(&rl, 0, sizeof rl);
	time_t t = 1000;
	for (int i = 0; i < DC_RL_FREE - 1; i++) {
		assert_int_equal(dc_rl_wait(&rl, "u:x", t), 0);
		dc_rl_fail(&rl, "u:x", t);
	}
	assert_int_equal(dc_rl_wait(&rl, "u:x", t), 0);
	dc_rl_fail(&rl, "u:x", t);	/* DC_RL_FREE-th failure: first wait */
	assert_int_equal(dc_rl_wait(&rl, "u:x", t), DC_RL_FIRST_WAIT);
	dc_rl_fail(&rl, "u:x", t);	/* doubled */
	dc_rl_fail(&rl, "u:x", t);	/* doubled again */
	assert_int_equal(dc_rl_wait(&rl, "u:x", t), 4 * DC_RL_FIRST_WAIT);
	assert_int_equal(dc_rl_wait(&rl, "u:x", t + 4 * DC_RL_FIRST_WAIT), 0);
	assert_int_equal(dc_rl_wait(&rl, "u:other", t), 0);
	/* an address gets more free tries than a user name */
	for (int i = 0; i < DC_RL_FREE; i++)
		dc_rl_fail(&rl, "ip:10.0.0.1", t);
	assert_int_equal(dc_rl_wait(&rl, "ip:10.0.0.1", t), 0);
	for (int i = 0; i < 40; i++)
		dc_rl_fail(&rl, "u:x", t);
	assert_int_equal(dc_rl_wait(&rl, "u:x", t), DC_RL_MAX_WAIT);
	dc_rl_clear(&rl, "u:x");
	assert_int_equal(dc_rl_wait(&rl, "u:x", t), 0);
	/* a full table recycles the least recently used slot */
	for (int i = 0; i < DC_RL_SLOTS + 10; i++) {
		char k[32];
		snprintf(k, sizeof k, "ip:%d", i);
		dc_rl_fail(&rl, k, t + i);
	}
	assert_int_equal(dc_rl_wait(&rl, "ip:0", t), 0);
}

static void accounts_and_sessions(void **state)
{
	(void)state;
	char dir[] = "/tmp/decran-web-XXXXXX", path[64], cmd[96];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/w.db", dir);
	char *err = NULL;
	struct dc_store *st = dc_store_open(path, &err);
	assert_non_null(st);
	const char *e = NULL;
	assert_int_equal(dc_user_set(st, "bad name", DC_ROLE_VIEWER, "long-enough", false, &e), -1);
	assert_int_equal(dc_user_set(st, "ana", DC_ROLE_VIEWER, "short", false, &e), -1);
	assert_int_equal(dc_user_set(st, "ana", DC_ROLE_TECHNICIAN, "correct horse", false, &e), 0);
	assert_int_equal(dc_user_set(st, "ana", DC_ROLE_ADMIN, "correct horse", false, &e), -1);
	enum dc_role role = DC_ROLE_NONE;
	assert_int_equal(dc_user_check(st, "ana", "correct horse", &role), 1);
	assert_int_equal(role, DC_ROLE_TECHNICIAN);
	assert_int_equal(dc_user_check(st, "ana", "correct horsf", &role), 0);
	assert_int_equal(dc_user_check(st, "bob", "correct horse", &role), 0);
	/* the stored hash is yescrypt, never the password */
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM users", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_text(s, 0), "$y$", 3);
	sqlite3_finalize(s);

	/* The dashboard's view: the main database read-only, sessions in a
	 * file of its own (mode 0600). */
	char spath[64];
	snprintf(spath, sizeof spath, "%s/sessions.db", dir);
	struct dc_store *ro = dc_store_open_readonly(path, &err);
	assert_non_null(ro);
	struct dc_sessions *ss = dc_sessions_open(spath, &err);
	assert_non_null(ss);
	struct stat sb;
	assert_int_equal(stat(spath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(dc_user_set(ro, "eve", DC_ROLE_ADMIN, "long-enough", false, &e), -1);
	assert_int_equal(dc_user_check(ro, "ana", "correct horse", &role), 1);
	char token[DC_TOKEN_HEX];
	struct dc_session ses, got;
	assert_int_equal(dc_session_create(ss, ro, "bob", 1000, 60, token, &ses), -1);	/* no such user */
	assert_int_equal(dc_session_create(ss, ro, "ana", 1000, 60, token, &ses), 0);
	assert_int_equal(ses.role, DC_ROLE_TECHNICIAN);
	assert_int_equal(strlen(token), 64);
	assert_int_equal(strlen(ses.csrf), 64);
	assert_string_not_equal(token, ses.csrf);
	assert_int_equal(dc_session_lookup(ss, ro, token, 1030, &got), 1);
	assert_string_equal(got.user, "ana");
	assert_string_equal(got.csrf, ses.csrf);
	assert_int_equal(got.role, DC_ROLE_TECHNICIAN);
	assert_int_equal(dc_session_lookup(ss, ro, token, 1061, &got), 0);	/* expired */
	assert_int_equal(dc_session_lookup(ss, ro, "nothex", 1030, &got), 0);
	/* the file holds the token's hash only */
	sqlite3 *sdb;
	assert_int_equal(sqlite3_open(spath, &sdb), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(sdb, "SELECT count(*), sum(token_hash = ?1) FROM sessions",
					    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 1);
	assert_int_equal(sqlite3_column_int(s, 1), 0);
	sqlite3_finalize(s);
	sqlite3_close(sdb);
	/* a new password (written by `decran users`, another connection) ends
	 * the user's sessions */
	char t2[DC_TOKEN_HEX];
	assert_int_equal(dc_session_create(ss, ro, "ana", 1000, 60, t2, &ses), 0);
	assert_int_equal(dc_user_set(st, "ana", DC_ROLE_VIEWER, "battery staple", true, &e), 0);
	assert_int_equal(dc_session_lookup(ss, ro, t2, 1030, &got), 0);
	assert_int_equal(dc_user_check(ro, "ana", "battery staple", &role), 1);
	assert_int_equal(role, DC_ROLE_VIEWER);
	/* as does deleting the account */
	assert_int_equal(dc_session_create(ss, ro, "ana", 1000, 60, t2, &ses), 0);
	assert_int_equal(dc_session_lookup(ss, ro, t2, 1030, &got), 1);
	assert_int_equal(dc_session_delete(ss, token), 0);
	assert_int_equal(dc_session_lookup(ss, ro, token, 1030, &got), 0);
	assert_int_equal(dc_user_delete(st, "ana"), 1);
	assert_int_equal(dc_user_delete(st, "ana"), 0);
	assert_int_equal(dc_session_lookup(ss, ro, t2, 1030, &got), 0);
	dc_sessions_close(ss);
	dc_store_close(ro);
	dc_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	dc_set_lang(DC_LANG_EN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_escapes_every_special_character),
		cmocka_unit_test(csv_quotes_and_defuses_formulas),
		cmocka_unit_test(calendar_round_trips_and_rejects_bad_dates),
		cmocka_unit_test(progress_counts_estimates_and_targets),
		cmocka_unit_test(all_category_targets_win_over_sums),
		cmocka_unit_test(throttling_backs_off_and_clears),
		cmocka_unit_test(accounts_and_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
