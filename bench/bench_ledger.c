/* bench_ledger.c — the energy ledger at city scale and beyond.
 *
 *   bench_ledger [SCREENS [DAYS]]     (default 10000 screens, 365 days)
 *
 * Builds an inventory of SCREENS screens (7 categories, 50 sites; one in ten
 * on a metered box of ten screens, read hourly), a log of confirmed states
 * for DAYS days from 1 January 2026 (every screen off 22:00-07:00 local, one
 * in a hundred offline three hours a week), then prints:
 *   - time to build the ledger from scratch (dc_ledger_rebuild: hourly
 *     computation, daily roll-ups, hourly rows kept for the last 31 days);
 *   - time of one incremental hourly update (what the gateway runs);
 *   - time of the monthly energy report by category (target <= 200 ms);
 *   - database size.
 * The input log is bulk-loaded with plain INSERTs (the gateway writes it
 * one row at a time as things happen). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"
#include "store.h"
#include "tz.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, msg);
	exit(1);
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

int main(int argc, char **argv)
{
	int nscreens = argc > 1 ? atoi(argv[1]) : 10000;
	int ndays = argc > 2 ? atoi(argv[2]) : 365;
	char dir[] = "/tmp/decran-bench-ledger-XXXXXX", path[128], err[512];
	char *e = NULL;

	if (nscreens < 10 || ndays < 2 || !mkdtemp(dir))
		die("usage", "bench_ledger [SCREENS>=10 [DAYS>=2]]");
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	struct dc_store *st = dc_store_open(path, &e);
	if (!st)
		die("open", e);
	sqlite3 *db = dc_store_db(st);
	struct dc_ledger_config cfg;
	dc_ledger_config_default(&cfg);
	cfg.hourly_retention_days = 31;
	dc_tz_use(cfg.zone);

	/* Inventory. */
	double t0 = now_s();
	dc_store_begin(st);
	for (int i = 0; i < nscreens; i++) {
		struct dc_screen s;
		dc_screen_init(&s);
		snprintf(s.id, sizeof s.id, "s%05d", i);
		snprintf(s.name, sizeof s.name, "Écran %d", i);
		s.category = (enum dc_category)(i % DC_CAT__COUNT);
		snprintf(s.site, sizeof s.site, "Site %02d", i % 50);
		s.power_on_w = 100 + (i % 7) * 50;
		s.power_standby_w = 2;
		if ((i / 10) % 10 == 0) {	/* one box of ten screens in ten is metered */
			snprintf(s.box, sizeof s.box, "box%04d", i / 10);
			s.channel = i % 10 + 1;
		}
		if (dc_store_put_screen(st, &s, "bench", NULL) < 0)
			die("screen", dc_store_errmsg(st));
	}
	dc_store_commit(st);
	double t_inv = now_s() - t0;

	/* Input log. */
	int64_t start = dc_tz_from_local(2026, 1, 1, 0);
	sqlite3_stmt *qs, *qr;
	if (sqlite3_prepare_v2(db, "INSERT INTO ledger_states (screen_id, at, state) VALUES (?1,?2,?3)",
			       -1, &qs, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT INTO ledger_readings (box, at, kwh, meter_gen) "
			       "VALUES (?1,?2,?3,0)", -1, &qr, NULL))
		die("prepare", sqlite3_errmsg(db));
	t0 = now_s();
	long long nstates = 0, nreadings = 0;
	int64_t day0 = dc_days_from_civil(2026, 1, 1);
	dc_store_begin(st);
	for (int i = 0; i < nscreens; i++) {
		char id[16];
		snprintf(id, sizeof id, "s%05d", i);
		for (int d = 0; d < ndays; d++) {
			int y, m, dd;
			dc_civil_from_days(day0 + d, &y, &m, &dd);
			int64_t ev[4] = { dc_tz_from_local(y, m, dd, 7 * 3600),
					  dc_tz_from_local(y, m, dd, 22 * 3600), 0, 0 };
			int st_[4] = { DC_EN_ON, DC_EN_OFF, 0, 0 }, n = 2;
			if (d == 0) {
				ev[2] = start;
				st_[2] = DC_EN_OFF;
				n = 3;
			}
			if (i % 100 == 50 && d % 7 == 3) {	/* offline 01:00-04:00 */
				ev[n] = dc_tz_from_local(y, m, dd, 1 * 3600);
				st_[n++] = DC_EN_UNKNOWN;
				ev[n] = dc_tz_from_local(y, m, dd, 4 * 3600);
				st_[n++] = DC_EN_OFF;
			}
			for (int k = 0; k < n; k++) {
				sqlite3_reset(qs);
				sqlite3_bind_text(qs, 1, id, -1, SQLITE_STATIC);
				sqlite3_bind_int64(qs, 2, ev[k]);
				sqlite3_bind_int(qs, 3, st_[k]);
				if (sqlite3_step(qs) != SQLITE_DONE)
					die("states", sqlite3_errmsg(db));
				nstates++;
			}
		}
	}
	/* Metered boxes: hourly readings, ten screens averaging ~250 W on
	 * 15 h a day; the counter advances by what the estimate would say
	 * plus 5 %. */
	for (int b = 0; b * 100 < nscreens; b++) {
		char box[16];
		double kwh = 1000;
		snprintf(box, sizeof box, "box%04d", b * 10);
		for (int64_t t = start; t <= start + (int64_t)ndays * 86400; t += 3600) {
			struct dc_localtime lt;
			dc_tz_local(t, &lt);
			sqlite3_reset(qr);
			sqlite3_bind_text(qr, 1, box, -1, SQLITE_STATIC);
			sqlite3_bind_int64(qr, 2, t);
			sqlite3_bind_double(qr, 3, kwh);
			if (sqlite3_step(qr) != SQLITE_DONE)
				die("readings", sqlite3_errmsg(db));
			nreadings++;
			kwh += (lt.sod >= 7 * 3600 && lt.sod < 22 * 3600 ? 2.5 : 0.0) * 1.05;
		}
	}
	dc_store_commit(st);
	sqlite3_finalize(qs);
	sqlite3_finalize(qr);
	double t_log = now_s() - t0;

	/* Build the ledger from scratch. */
	int64_t end = start + (int64_t)ndays * 86400;
	t0 = now_s();
	if (dc_ledger_rebuild(st, &cfg, end, err, sizeof err) < 0)
		die("rebuild", err);
	double t_build = now_s() - t0;

	/* Hourly updates, as the gateway runs them: each recomputes the local
	 * day so far (inputs may arrive late), so 00:00 is the cheapest and
	 * 23:00 the dearest. */
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	t0 = now_s();
	if (dc_ledger_update(st, &cfg, end + 3600, err, sizeof err) < 0)
		die("update", err);
	double t_update = now_s() - t0;
	t0 = now_s();
	if (dc_ledger_update(st, &cfg, end + 23 * 3600, err, sizeof err) < 0)
		die("update", err);
	double t_update23 = now_s() - t0;

	/* Monthly report by category: the month of the middle of the period. */
	char mid[11], from[11], to[11];
	dc_ledger_local_date(&cfg, start + (int64_t)ndays / 2 * 86400, mid);
	snprintf(from, sizeof from, "%.8s01", mid);
	int y, m, d;
	dc_parse_date(from, &y, &m, &d);
	dc_civil_from_days(dc_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1,
			   &y, &m, &d);
	snprintf(to, sizeof to, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13u,
		 (unsigned)d % 32u);
	double best = 1e9, worst = 0;
	struct dc_ledger_row *rows = NULL;
	size_t nrows = 0;
	for (int run = 0; run < 5; run++) {
		free(rows);
		t0 = now_s();
		if (dc_ledger_report(st, from, to, DC_BY_CATEGORY, &rows, &nrows, err, sizeof err) < 0)
			die("report", err);
		double t = now_s() - t0;
		best = t < best ? t : best;
		worst = t > worst ? t : worst;
	}
	struct dc_en_total tot = { 0 };
	for (size_t i = 0; i < nrows; i++) {
		tot.actual_mwh += rows[i].t.actual_mwh;
		tot.baseline_mwh += rows[i].t.baseline_mwh;
		tot.unknown_s += rows[i].t.unknown_s;
		tot.measured_hours += rows[i].t.measured_hours;
		tot.hours += rows[i].t.hours;
	}
	free(rows);
	t0 = now_s();
	if (dc_ledger_report(st, NULL, NULL, DC_BY_MONTH, &rows, &nrows, err, sizeof err) < 0)
		die("report", err);
	double t_year = now_s() - t0;
	free(rows);

	long long nday = 0, nhour = 0;
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM energy_day), "
			   "(SELECT count(*) FROM energy_hour)", -1, &q, NULL);
	if (sqlite3_step(q) == SQLITE_ROW) {
		nday = sqlite3_column_int64(q, 0);
		nhour = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	long long pages = 0, free_pages = 0;
	sqlite3_prepare_v2(db, "SELECT (SELECT page_count FROM pragma_page_count), "
			   "(SELECT freelist_count FROM pragma_freelist_count)", -1, &q, NULL);
	if (sqlite3_step(q) == SQLITE_ROW) {
		pages = sqlite3_column_int64(q, 0);
		free_pages = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	/* Size of each table (dbstat: SQLite built with it, as Debian's is). */
	static const char *const tables[] = { "ledger_states", "ledger_readings", "energy_hour",
					      "energy_day", "energy_group_day" };
	double mib[5] = { 0 };
	if (sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE name = ?1", -1, &q,
			       NULL) == SQLITE_OK) {
		for (int i = 0; i < 5; i++) {
			sqlite3_reset(q);
			sqlite3_bind_text(q, 1, tables[i], -1, SQLITE_STATIC);
			if (sqlite3_step(q) == SQLITE_ROW)
				mib[i] = (double)sqlite3_column_int64(q, 0) / 1048576.0;
		}
	}
	sqlite3_finalize(q);

	printf("bench_ledger: %d screens, %d days from 2026-01-01 (Europe/Paris)\n", nscreens, ndays);
	printf("  input log          %lld state changes, %lld meter readings (bulk load %.1f s; "
	       "inventory %.1f s)\n", nstates, nreadings, t_log, t_inv);
	printf("  build (rebuild)    %.2f s  -> %lld daily rows, %lld hourly rows (last 31 days)\n",
	       t_build, nday, nhour);
	printf("  hourly update      %.1f ms at 01:00, %.1f ms at 23:00 (recomputes the local day "
	       "so far)\n", t_update * 1e3, t_update23 * 1e3);
	printf("  monthly report     %.1f ms best, %.1f ms worst of 5 (%s..%s by category; "
	       "target <= 200 ms)\n", best * 1e3, worst * 1e3, from, to);
	printf("    month totals     actual %.1f kWh, baseline %.1f kWh, saved %.1f kWh, "
	       "unknown %.0f h, measured %lld/%lld h\n",
	       dc_en_kwh(tot.actual_mwh), dc_en_kwh(tot.baseline_mwh),
	       dc_en_kwh(tot.baseline_mwh - tot.actual_mwh), (double)tot.unknown_s / 3600.0,
	       (long long)tot.measured_hours, (long long)tot.hours);
	printf("  yearly report      %.1f ms (by month)\n", t_year * 1e3);
	printf("  database           %.1f MiB file (%lld pages, %lld free)\n",
	       (double)file_size(path) / 1048576.0, pages, free_pages);
	printf("    by table (MiB)   input: states %.1f, readings %.1f; ledger: hourly %.1f, "
	       "daily %.1f, daily by category/site %.1f\n", mib[0], mib[1], mib[2], mib[3], mib[4]);

	dc_store_close(st);
	dc_ledger_config_free(&cfg);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
