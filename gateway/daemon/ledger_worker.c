/* ledger_worker.c — keeps the energy ledger (gateway/store/ledger.h) current from the
 * daemon's own records, so the dashboard's savings need no other job.
 *
 * Every energy.update_min minutes of schedule time, five minutes past the
 * period (away from the hour's schedule edges), it imports the gateway's
 * commands, outcomes, alarms, journals and readings into the ledger's input
 * log and brings the hourly and daily tables up to the last complete hour.
 * An hourly update of 10,000 screens takes a few tenths of a second
 * (docs/energy.md), and a database held by another writer makes it wait up
 * to the store's busy timeout: so it runs on a worker thread with its own
 * connection (WAL: the loop's writes queue behind it like behind a CLI
 * import, gateway/store/dbqueue.c) and a copy of the energy settings; the loop
 * only starts it and reads its result from an eventfd.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "gw.h"
#include "ledger.h"
#include "gwlog.h"
#include "loop.h"
#include "store.h"

#define OFFSET_S 300

/* Real milliseconds before an update that met a busy database (a CLI
 * import, `decran energy update`) tries again: the input is all there, the
 * update only waits its turn. */
#define BUSY_RETRY_MS 5000

/* One update: what the worker reads, then what it found. */
struct job {
	char db_path[sizeof ((struct gw_config *)0)->db_path];
	struct dc_ledger_config cfg;	/* a copy: a reload may free the running one */
	int64_t now;
	long added;
	int rc;
	bool busy;
	int64_t ms;
	char err[512];
};

static struct job job;
static pthread_t worker;
static bool running;
static int done_fd = -1;
static struct dc_store *wstore;	/* the worker's connection */

static void *update(void *arg)
{
	struct job *j = arg;
	uint64_t one = 1;
	int64_t t0 = gw_mono();
	char *e = NULL;
	/* Opened once, closed after the loop's: one connection per thread, and
	 * no hourly open (whose schema check takes the write lock). */
	if (!wstore && !(wstore = dc_store_open(j->db_path, &e))) {
		snprintf(j->err, sizeof j->err, "%s", e ? e : "cannot open the database");
		free(e);
	}
	j->rc = -1;
	if (wstore) {
		j->added = dc_ledger_import_gateway(wstore, false, j->err, sizeof j->err);
		if (j->added >= 0 &&
		    dc_ledger_update(wstore, &j->cfg, j->now, j->err, sizeof j->err) == 0)
			j->rc = 0;
		else
			j->busy = dc_store_busy(wstore);
		/* Its page cache is not kept for the hour until the next update
		 * (on_done gives the pages back to the system). */
		sqlite3_db_release_memory(dc_store_db(wstore));
	}
	j->ms = gw_mono() - t0;
	if (write(done_fd, &one, sizeof one) < 0) {
		/* an eventfd below its maximum always takes it */
	}
	return NULL;
}

/* The worker is done: join it and report (on the loop). */
static void on_done(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct gw *g = ud;
	uint64_t n;
	(void)l, (void)events;
	if (read(fd, &n, sizeof n) < 0 || !running)
		return;
	pthread_join(worker, NULL);
	running = false;
	free(job.cfg.boxes);
	job.cfg.boxes = NULL;
	/* What the update freed in the middle of the heap (its page cache)
	 * goes back to the system instead of staying resident for the hour
	 * until the next. */
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	if (job.rc == 0)
		log_info("energy", "ledger updated inputs=%ld ms=%lld", job.added,
			 (long long)job.ms);
	else if (job.busy) {
		g->ledger_retry_mono = gw_mono() + BUSY_RETRY_MS;
		log_info("energy", "ledger update deferred: database busy, retry_ms=%d",
			 BUSY_RETRY_MS);
	} else
		log_err("energy", "ledger update failed error=\"%s\"", job.err);
}

int gw_energy_open(struct gw *g)
{
	done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (done_fd < 0)
		return -1;
	return dc_loop_add_fd(g->loop, done_fd, DC_READABLE, on_done, g);
}

void gw_energy_close(struct gw *g)
{
	if (running) {
		pthread_join(worker, NULL);	/* at most one update's time */
		running = false;
		free(job.cfg.boxes);
		job.cfg.boxes = NULL;
	}
	dc_store_close(wstore);	/* after the loop's connection (main.c) */
	wstore = NULL;
	if (done_fd >= 0) {
		dc_loop_del_fd(g->loop, done_fd);
		close(done_fd);
		done_fd = -1;
	}
}

static int start(struct gw *g, int64_t now)
{
	memset(&job, 0, sizeof job);
	snprintf(job.db_path, sizeof job.db_path, "%s", g->cfg.db_path);
	job.cfg = g->energy;
	job.cfg.boxes = NULL;
	if (g->energy.nboxes) {
		job.cfg.boxes = malloc(g->energy.nboxes * sizeof *job.cfg.boxes);
		if (!job.cfg.boxes)
			return -1;
		memcpy(job.cfg.boxes, g->energy.boxes, g->energy.nboxes * sizeof *job.cfg.boxes);
	}
	job.now = now;
	int rc = pthread_create(&worker, NULL, update, &job);
	if (rc) {
		free(job.cfg.boxes);
		job.cfg.boxes = NULL;
		errno = rc;
		return -1;
	}
	running = true;
	return 0;
}

void gw_energy_tick(struct gw *g)
{
	int64_t period = (int64_t)g->cfg.ledger_update_min * 60, now = gw_now(g);
	int64_t t0 = gw_mono();
	/* A clock not synchronised may be years off: the update would compute
	 * (or drop) hours at the wrong time.  It waits for NTP. */
	if (!period || !g->store || !g->settled || running || !g->clock_trusted)
		return;
	bool retry = g->ledger_retry_mono && t0 >= g->ledger_retry_mono;
	if (!retry && now < g->next_ledger_s)
		return;
	if (!retry)
		g->next_ledger_s = (now - OFFSET_S) / period * period + period + OFFSET_S;
	g->ledger_retry_mono = 0;
	if (start(g, now) < 0) {
		g->ledger_retry_mono = t0 + BUSY_RETRY_MS;
		log_err("energy", "cannot start the ledger update error=\"%s\"", strerror(errno));
	}
}

int64_t gw_energy_next(const struct gw *g)
{
	if (!g->cfg.ledger_update_min || !g->store || !g->settled || running || !g->clock_trusted)
		return INT64_MAX;	/* running: its eventfd wakes the loop */
	int64_t now_ms = gw_now_ms(g);
	int64_t due = gw_mono() + dc_clock_real_delay_ms(&g->clock, now_ms, g->next_ledger_s * 1000);
	return g->ledger_retry_mono && g->ledger_retry_mono < due ? g->ledger_retry_mono : due;
}
