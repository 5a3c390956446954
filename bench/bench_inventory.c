/* bench_inventory.c — import 100,000 generated screens from CSV through the
 * same code as `decran screens import`, then list the slated ones; print
 * both times and the peak RSS against the targets (import ≤ 2 s, list ≤
 * 100 ms).  Prints figures; asserts nothing about time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "inventory_import.h"
#include "store.h"

#define NSCREENS 100000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A plausible inventory: every category and status, semicolons and decimal
 * commas as a French spreadsheet writes them, some quoted notes. */
static int generate(const char *path)
{
	static const char *const cats[] = { "advertising", "information", "school", "library",
					    "early_childhood", "transport", "other" };
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("id;name;category;site;address;lat;lon;owner;tech;surface_m2;power_on_w;"
	      "power_standby_w;baseline_hours;status;removal_target;removal_date;"
	      "transport_furniture;service_hours;notes\r\n", f);
	for (int i = 0; i < NSCREENS; i++) {
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

/* CPU seconds (user + system) used so far: less sensitive than wall time to
 * other programs sharing the machine. */
static double cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int count_row(const struct dc_screen *s, void *arg)
{
	(void)s;
	(*(long *)arg)++;
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/decran-bench-XXXXXX", csv[96], db[96], cmd[128];
	struct dc_import_opts o = { .actor = "bench" };
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	struct rusage ru;
	size_t len;
	int rc = 1;

	if (!mkdtemp(dir))
		return 1;
	snprintf(csv, sizeof csv, "%s/screens.csv", dir);
	snprintf(db, sizeof db, "%s/inventory.db", dir);
	if (generate(csv) < 0) {
		perror(csv);
		goto out;
	}
	char *err = NULL;
	struct dc_store *st = dc_store_open(db, &err);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		free(err);
		goto out;
	}

	double t0 = now(), c0 = cpu();
	char *data = dc_read_file(csv, DC_IMPORT_MAX_BYTES, &len);
	if (!data || dc_inventory_import(st, data, len, &o, &res, &errs) < 0) {
		fprintf(stderr, "import failed (%zu errors): %s\n", errs.n, errs.n ? errs.v[0].msg : "");
		free(data);
		dc_store_close(st);
		goto out;
	}
	double t_import = now() - t0, c_import = cpu() - c0;
	free(data);

	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	f.status = DC_STATUS_SLATED;
	long slated = 0;
	t0 = now();
	if (dc_store_list_screens(st, &f, count_row, &slated) < 0)
		fprintf(stderr, "list: %s\n", dc_store_errmsg(st));
	double t_list = now() - t0;
	dc_store_close(st);

	getrusage(RUSAGE_SELF, &ru);
	printf("bench_inventory: %d screens, CSV %.1f MB\n", NSCREENS, (double)len / 1e6);
	printf("  import  %8.3f s    target <= 2 s      %s (%ld created; %.3f s CPU)\n", t_import,
	       t_import <= 2.0 ? "ok" : "MISSED", res.created, c_import);
	printf("  list    %8.1f ms   target <= 100 ms   %s (%ld slated)\n", t_list * 1e3,
	       t_list <= 0.1 ? "ok" : "MISSED", slated);
	printf("  peak RSS %7.1f MB\n", (double)ru.ru_maxrss / 1024.0);
	rc = res.created == NSCREENS && slated == NSCREENS / 20 * 3 ? 0 : 1;
out:
	dc_errlist_free(&errs);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
