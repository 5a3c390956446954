/* bench_schedule.c — the schedule engine at city scale.
 *
 * 100,000 screens (every category, status and legal flag, a few with their
 * own service hours, derogations and overrides) under the demo rules:
 *   1. evaluate all of them at one instant, Saturday 18:00 and (night rule
 *      in force) Sunday 03:00                   (target <= 5 ms each)
 *   2. compute all their next transitions, cold (target <= 50 ms)
 * Each round alternates with a floor: a trivial loop over the same screens
 * reading the fields the engine reads (what touching 100,000 inventory rows
 * costs on this machine before any decision).  Prints medians and ranges
 * over the rounds, the load average (the machine may be shared) and
 * PASS/FAIL.  Usage:
 *   bench_schedule [RULES.json] [NSCREENS] [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "schedule.h"

#define MAX_ROUNDS 51

#define TARGET_EVAL_MS 5.0
#define TARGET_NEXT_MS 50.0

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wall and CPU time of one phase: on a shared machine the CPU time leaves
 * out the time spent waiting for a core (not the caches a neighbour
 * evicts). */
struct phase {
	const char *name;
	double target;		/* ms, 0 = none */
	double wall[MAX_ROUNDS], cpu[MAX_ROUNDS];
	double w0, c0;
};

static void phase_start(struct phase *p)
{
	p->w0 = clock_ms(CLOCK_MONOTONIC);
	p->c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

static void phase_stop(struct phase *p, int run)
{
	p->wall[run] = clock_ms(CLOCK_MONOTONIC) - p->w0;
	p->cpu[run] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - p->c0;
}

/* The floor: every field the engine reads of every screen, and nothing
 * decided.  volatile: the compiler must not drop the loop. */
static volatile unsigned floor_sink;

static void floor_views(const struct dc_sched_screen *v, size_t n)
{
	unsigned acc = 0;
	for (size_t i = 0; i < n; i++)
		acc += (unsigned)v[i].id[1] + (unsigned)v[i].site[0] + (unsigned)v[i].service_hours[0] +
		       v[i].category + v[i].status + v[i].flags + v[i].display;
	floor_sink = acc;
}

static void report(struct phase *p, int rounds, const char *extra)
{
	double m, lo, hi, cm, clo, chi;
	bench_stats(p->wall, rounds, &m, &lo, &hi);
	bench_stats(p->cpu, rounds, &cm, &clo, &chi);
	printf("  %-27s wall %7.2f ms [%.2f-%.2f]  CPU %7.2f ms [%.2f-%.2f]", p->name, m, lo, hi, cm, clo,
	       chi);
	if (p->target > 0)
		printf("  target <= %.0f ms: wall %s, CPU %s", p->target, m <= p->target ? "PASS" : "FAIL",
		       cm <= p->target ? "PASS" : "FAIL");
	printf("%s\n", extra);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "gateway/demo/rules.json";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	int rounds = argc > 3 ? atoi(argv[3]) : 11;
	char err[512], load0[64], load1[64];
	struct dc_rules *r = dc_rules_load(path, err, sizeof err);
	struct dc_screen *sc = calloc(n, sizeof *sc);
	int64_t *next = calloc(n, sizeof *next);
	static struct dc_override ov[200];
		uint64_t seed = 42;

	if (!r || !sc || !next || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_schedule: %s\n", !r ? err : !sc || !next ? "out of memory"
										: "ROUNDS: 1..51");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		unsigned x = (unsigned)(seed >> 33);
		dc_screen_init(&sc[i]);
		snprintf(sc[i].id, sizeof sc[i].id, "s%06zu", i);
		sc[i].category = (enum dc_category)(x % DC_CAT__COUNT);
		sc[i].status = x % 17 == 0 ? DC_STATUS_REDUCED : x % 29 == 0 ? DC_STATUS_REMOVED : DC_STATUS_ACTIVE;
		snprintf(sc[i].site, sizeof sc[i].site, "site-%u", x % 300);
		if (sc[i].category == DC_CAT_TRANSPORT || x % 11 == 0)
			sc[i].flags |= DC_FLAG_TRANSPORT_FURNITURE;
		if (x % 97 == 0)
			sc[i].flags |= DC_FLAG_AIRPORT;
		/* Every display kind, so service hours still shape some timelines. */
		sc[i].display = (enum dc_display)((x >> 4) % DC_DISPLAY__COUNT);
		if ((sc[i].flags & DC_FLAG_TRANSPORT_FURNITURE) && x % 5 == 0)
			snprintf(sc[i].service_hours, sizeof sc[i].service_hours, "0%u:00-01:%u0", 4 + x % 3, x % 6);
	}
	/* Saturday 5 December 2026, 18:00 Paris; and 03:00 the next night. */
	dc_tz_use(r->zone);
	int64_t t = dc_tz_from_local(2026, 12, 5, 18 * 3600);
	int64_t tn = dc_tz_from_local(2026, 12, 6, 3 * 3600);
	for (size_t i = 0; i < sizeof ov / sizeof *ov; i++) {
		snprintf(ov[i].screen, sizeof ov[i].screen, "s%06zu", (i * 499) % n);
		ov[i].kind = i % 2 ? DC_FORCE_ON : DC_FORCE_OFF;
		ov[i].from = t - 3600;
		ov[i].until = t + (int64_t)(i + 1) * 1800;
		snprintf(ov[i].author, sizeof ov[i].author, "bench");
	}
	struct dc_grid_alert alert = { .from = t + 86400, .until = t + 86400 + 4 * 3600, .source = "ecowatt" };
	struct dc_sched_ctx ctx = { .overrides = ov, .noverrides = n >= 100000 ? 200 : 0, .alerts = &alert, .nalerts = 1 };

	/* The rows' own views (pointing into the 1.2 KB rows, what
	 * dc_schedule_evaluate reads), and the gateway's way (plan.c): compact
	 * views, their strings in one pool. */
	struct dc_sched_screen *rowviews = calloc(n, sizeof *rowviews);
	if (!rowviews)
		return 1;
	for (size_t i = 0; i < n; i++)
		rowviews[i] = dc_sched_screen_of(&sc[i]);
	struct dc_sched_screen *views = calloc(n, sizeof *views);
	char *pool = calloc(n, 48), *pp = pool;
	if (!views || !pool) {
		fprintf(stderr, "bench_schedule: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		views[i] = dc_sched_screen_of(&sc[i]);
		views[i].id = pp, pp += sprintf(pp, "%s", sc[i].id) + 1;
		views[i].site = pp, pp += sprintf(pp, "%s", sc[i].site) + 1;
		views[i].service_hours = pp, pp += sprintf(pp, "%.12s", sc[i].service_hours) + 1;
	}

	static struct phase ph[] = {
		{ .name = "floor, inventory rows:", .target = 0 },
		{ .name = "evaluate Sat 18:00, rows:", .target = TARGET_EVAL_MS },
		{ .name = "evaluate Sun 03:00, rows:", .target = TARGET_EVAL_MS },
		{ .name = "next transitions, rows:", .target = TARGET_NEXT_MS },
		{ .name = "floor, views:", .target = 0 },
		{ .name = "evaluate Sat 18:00, views:", .target = TARGET_EVAL_MS },
		{ .name = "evaluate Sun 03:00, views:", .target = TARGET_EVAL_MS },
		{ .name = "next transitions, views:", .target = TARGET_NEXT_MS },
	};
	size_t lit[2][2] = { { 0 } }, never = 0, differ = 0;
	int64_t soonest = INT64_MAX;
	bench_loadavg(load0, sizeof load0);
	for (int run = 0; run < rounds; run++) {
		for (int view = 0; view < 2; view++) {
			struct phase *p = &ph[view * 4];
			phase_start(&p[0]);
			floor_views(view ? views : rowviews, n);
			phase_stop(&p[0], run);
			for (int night = 0; night < 2; night++) {
				int64_t at = night ? tn : t;
				size_t on = 0;
				dc_sched_ctx_release(&ctx);	/* cold: instant, timeline and memo rebuilt */
				phase_start(&p[1 + night]);
				if (view)
					for (size_t i = 0; i < n; i++)
						on += dc_schedule_evaluate_view(r, &ctx, &views[i], at);
				else
					for (size_t i = 0; i < n; i++)
						on += dc_schedule_evaluate(r, &ctx, &sc[i], at);
				phase_stop(&p[1 + night], run);
				lit[view][night] = on;
			}
			dc_sched_ctx_release(&ctx);
			phase_start(&p[3]);
			if (view)
				for (size_t i = 0; i < n; i++)
					differ += dc_schedule_next_transition_view(r, &ctx, &views[i], t) != next[i];
			else
				for (size_t i = 0; i < n; i++)
					next[i] = dc_schedule_next_transition(r, &ctx, &sc[i], t);
			phase_stop(&p[3], run);
		}
	}
	bench_loadavg(load1, sizeof load1);
	for (size_t i = 0; i < n; i++) {
		never += next[i] == INT64_MAX;
		if (next[i] < soonest)
			soonest = next[i];
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_schedule: %zu screens, %zu policies, zone %s; %d rounds (median [min-max]); "
	       "load average %s -> %s (2 cores, shared: wall time includes waiting for a core)\n",
	       n, r->npolicies, r->zone, rounds, load0, load1);
	char extra[160];
	for (int view = 0; view < 2; view++) {
		struct phase *p = &ph[view * 4];
		report(&p[0], rounds, "");
		snprintf(extra, sizeof extra, "  (%zu on)", lit[view][0]);
		report(&p[1], rounds, extra);
		snprintf(extra, sizeof extra, "  (%zu on)", lit[view][1]);
		report(&p[2], rounds, extra);
		snprintf(extra, sizeof extra, view ? "  (%zu differ from rows')"
					 : "  (%zu never change, soonest in %lld s)",
			 view ? differ : never, (long long)(soonest - t));
		report(&p[3], rounds, extra);
	}
	if (lit[0][0] != lit[1][0] || lit[0][1] != lit[1][1] || differ)
		fprintf(stderr, "bench_schedule: rows and views disagree\n");
	printf("  peak RSS: %ld KiB\n", ru.ru_maxrss);
	dc_sched_ctx_release(&ctx);
	dc_rules_free(r);
	free(sc);
	free(next);
	free(views);
	free(rowviews);
	free(pool);
	return lit[0][0] != lit[1][0] || lit[0][1] != lit[1][1] || differ;
}
