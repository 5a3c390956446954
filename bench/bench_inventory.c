/* bench_inventory.c — import 100,000 generated screens from CSV through the
 * same code as `decran screens import`, then list the slated ones.
 *
 * Several rounds, each alternating with a floor: the same file's rows read
 * with the same CSV reader and written by one prepared INSERT per row into
 * a bare table (no constraint, no index, no audit) of a fresh database in
 * the same mode (WAL, synchronous FULL, one transaction).  Prints medians
 * and ranges, the load average (the machine may be shared: wall time then
 * says more about the neighbours than about us, CPU time less so) and
 * PASS/FAIL against the targets (import <= 1 s, list <= 100 ms).  Usage:
 *   bench_inventory [NSCREENS] [ROUNDS]
 * Exit status 1 only when it could not run. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bench_util.h"
#include "csv.h"
#include "inventory_import.h"
#include "store.h"

#define TARGET_IMPORT_S 1.0
#define TARGET_LIST_S 0.1
#define MAX_ROUNDS 15

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) used so far. */
static double cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* A plausible inventory: every category and status, semicolons and decimal
 * commas as a French spreadsheet writes them, some quoted notes. */
static int generate(const char *path, int n)
{
	static const char *const cats[] = { "advertising", "information", "school", "library",
					    "early_childhood", "transport", "other" };
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("id;name;category;site;address;lat;lon;owner;tech;surface_m2;power_on_w;"
	      "power_standby_w;baseline_hours;status;removal_target;removal_date;"
	      "transport_furniture;service_hours;notes\r\n", f);
	for (int i = 0; i < n; i++) {
		int k = i % 20;
		const char *status = k < 12 ? "active" : k < 15 ? "reduced" : k < 18 ? "slated_for_removal"
										 : "removed";
		bool transport = i % 7 == 5;
		fprintf(f, "ecran-%06d;Écran n°%d;%s;Site %d;%d rue de la Lys;%d,%06d;%d,%06d;"
			"Affichage Urbain SA;%s;%d;%d,%d;%d,%d;%d;%s;%s;%s;%s;%s;%s\r\n",
			i, i, cats[i % 7], i % 500, i % 200 + 1, 50, (i * 37) % 1000000, 2,
			(i * 91) % 1000000, i % 3 ? "LCD" : "LED", 1 + i % 8, 60 + i % 1800, i % 10,
			1 + i % 10, i % 10, 6 + i % 19, status,
			k >= 15 ? "2027-06-30" : "", k >= 18 ? "2026-03-15" : "",
			transport ? "oui" : "non", transport ? "05:30-00:30" : "",
			i % 50 == 0 ? "\"note ; avec \"\"guillemets\"\"\"" : "");
	}
	return fclose(f);
}

static int count_row(const struct dc_screen *s, void *arg)
{
	(void)s;
	(*(long *)arg)++;
	return 0;
}

static void rm_db(const char *db)
{
	char p[128];
	const char *suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", db, suffix[i]);
		unlink(p);
	}
}

struct round {
	double import_s, import_cpu, list_s, floor_s, floor_cpu;
};

/* The import as `decran screens import` runs it, into a fresh database. */
static int run_import(const char *csv, const char *db, long want, struct round *r)
{
	struct dc_import_opts o = { .actor = "bench" };
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	char *err = NULL;
	size_t len;
	int rc = -1;

	rm_db(db);
	struct dc_store *st = dc_store_open(db, &err);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	double t0 = now(), c0 = cpu();
	char *data = dc_read_file(csv, DC_IMPORT_MAX_BYTES, &len);
	if (!data || dc_inventory_import(st, data, len, &o, &res, &errs) < 0) {
		fprintf(stderr, "import failed (%zu errors): %s\n", errs.n, errs.n ? errs.v[0].msg : "");
		goto out;
	}
	r->import_s = now() - t0;
	r->import_cpu = cpu() - c0;

	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	f.status = DC_STATUS_SLATED;
	long slated = 0;
	t0 = now();
	if (dc_store_list_screens(st, &f, count_row, &slated) < 0) {
		fprintf(stderr, "list: %s\n", dc_store_errmsg(st));
		goto out;
	}
	r->list_s = now() - t0;
	if (res.created != want || slated != want / 20 * 3) {
		fprintf(stderr, "import: %ld created, %ld slated: wrong\n", res.created, slated);
		goto out;
	}
	rc = 0;
out:
	free(data);
	dc_errlist_free(&errs);
	dc_store_close(st);
	return rc;
}

/* The floor: the same rows, the same reader, one plain INSERT per row into
 * a bare table, one transaction, the same journal mode and sync level. */
static int run_floor(const char *csv, const char *db, struct round *r)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	struct dc_csv c;
	char sql[512], err[160];
	size_t len;
	int rc = -1;

	rm_db(db);
	double t0 = now(), c0 = cpu();
	char *data = dc_read_file(csv, DC_IMPORT_MAX_BYTES, &len);
	if (!data || sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE t (c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,"
			 "c18,c19); BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	dc_csv_init(&c, data, len, 0);
	if (dc_csv_next(&c, err, sizeof err) != 1)
		goto out_csv;
	int n = snprintf(sql, sizeof sql, "INSERT INTO t VALUES (?");
	for (size_t i = 1; i < c.nfields; i++)
		n += snprintf(sql + n, sizeof sql - (size_t)n, ",?");
	snprintf(sql + n, sizeof sql - (size_t)n, ")");
	if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK)
		goto out_csv;
	while (dc_csv_next(&c, err, sizeof err) == 1) {
		for (size_t i = 0; i < c.nfields; i++)
			sqlite3_bind_text(q, (int)i + 1, c.fields[i], -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			goto out_csv;
		sqlite3_reset(q);
	}
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out_csv;
	r->floor_s = now() - t0;
	r->floor_cpu = cpu() - c0;
	rc = 0;
out_csv:
	dc_csv_free(&c);
out:
	if (rc < 0)
		fprintf(stderr, "floor: %s\n", h ? sqlite3_errmsg(h) : "cannot open");
	sqlite3_finalize(q);
	sqlite3_close(h);
	free(data);
	return rc;
}

/* Median, min and max of field `off` over the rounds. */
static void stats(const struct round *v, int n, size_t off, double *med, double *lo, double *hi)
{
	double x[MAX_ROUNDS];
	for (int i = 0; i < n; i++)
		x[i] = *(const double *)((const char *)&v[i] + off);
	bench_stats(x, n, med, lo, hi);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	char dir[] = "/tmp/decran-bench-XXXXXX", csv[96], db[96], fdb[96], cmd[128];
	char load0[64], load1[64];
	struct round v[MAX_ROUNDS] = { 0 };
	struct rusage ru;
	int rc = 1;

	if (n < 20 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_inventory [NSCREENS >= 20] [ROUNDS 1..%d]\n", MAX_ROUNDS);
		return 1;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(csv, sizeof csv, "%s/screens.csv", dir);
	snprintf(db, sizeof db, "%s/inventory.db", dir);
	snprintf(fdb, sizeof fdb, "%s/floor.db", dir);
	if (generate(csv, (int)n) < 0) {
		perror(csv);
		goto out;
	}
	bench_loadavg(load0, sizeof load0);
	for (int i = 0; i < rounds; i++) {
		/* Alternate which goes first, so neither always meets a warm
		 * page cache or a neighbour's burst. */
		if (i % 2 == 0 ? run_floor(csv, fdb, &v[i]) < 0 || run_import(csv, db, n, &v[i]) < 0
			       : run_import(csv, db, n, &v[i]) < 0 || run_floor(csv, fdb, &v[i]) < 0)
			goto out;
	}
	bench_loadavg(load1, sizeof load1);
	getrusage(RUSAGE_SELF, &ru);

	double m, lo, hi, fm, flo, fhi, cm, clo, chi, fcm, fclo, fchi;
	stats(v, rounds, offsetof(struct round, import_s), &m, &lo, &hi);
	stats(v, rounds, offsetof(struct round, floor_s), &fm, &flo, &fhi);
	stats(v, rounds, offsetof(struct round, import_cpu), &cm, &clo, &chi);
	stats(v, rounds, offsetof(struct round, floor_cpu), &fcm, &fclo, &fchi);
	printf("bench_inventory: %ld screens, %d rounds (median [min-max]), load average %s -> %s "
	       "(2 cores; shared machine: wall time includes waiting for the CPU)\n",
	       n, rounds, load0, load1);
	printf("  import        %7.3f s [%.3f-%.3f]  CPU %.3f s [%.3f-%.3f]   target <= %.0f s: %s\n", m,
	       lo, hi, cm, clo, chi, TARGET_IMPORT_S, m <= TARGET_IMPORT_S ? "PASS" : "FAIL");
	printf("  floor         %7.3f s [%.3f-%.3f]  CPU %.3f s [%.3f-%.3f]   (same rows, bare table, "
	       "no check, no audit)\n", fm, flo, fhi, fcm, fclo, fchi);
	printf("  import/floor  %7.2f x (wall)  %.2f x (CPU)\n", m / fm, cm / fcm);
	stats(v, rounds, offsetof(struct round, list_s), &m, &lo, &hi);
	printf("  list slated   %7.1f ms [%.1f-%.1f]                         target <= %.0f ms: %s\n",
	       m * 1e3, lo * 1e3, hi * 1e3, TARGET_LIST_S * 1e3, m <= TARGET_LIST_S ? "PASS" : "FAIL");
	printf("  peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
	rc = 0;
out:
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
