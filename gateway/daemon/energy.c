/* energy.c — keeps the energy ledger (gateway/ledger.h) current from the
 * daemon's own records, so the dashboard's savings need no other job.
 *
 * Every energy.update_min minutes of schedule time, five minutes past the
 * period (away from the hour's schedule edges), it imports the gateway's
 * commands, outcomes, alarms, journals and readings into the ledger's input
 * log and brings the hourly and daily tables up to the last complete hour.
 * Same connection, same thread as every other write: no lock contention
 * with the audit.  An hourly update of 10,000 screens takes a few tenths
 * of a second (docs/energy.md); it runs after the tick's switching.
 */
#include <stdbool.h>
#include <stdio.h>

#include "gw.h"
#include "ledger.h"
#include "log.h"
#include "store.h"

#define OFFSET_S 300

/* Real milliseconds before an update that met a busy database (a CLI
 * import, `decran energy update`) tries again: the input is all there, the
 * update only waits its turn. */
#define BUSY_RETRY_MS 5000

void gw_energy_tick(struct gw *g)
{
	int64_t period = (int64_t)g->cfg.ledger_update_min * 60, now = gw_now(g);
	int64_t t0 = gw_mono();
	if (!period || !g->store || !g->settled)
		return;
	bool retry = g->ledger_retry_mono && t0 >= g->ledger_retry_mono;
	if (!retry && now < g->next_ledger_s)
		return;
	if (!retry)
		g->next_ledger_s = (now - OFFSET_S) / period * period + period + OFFSET_S;
	g->ledger_retry_mono = 0;

	char err[512];
	long added = dc_ledger_import_gateway(g->store, false, err, sizeof err);
	if (added < 0 || dc_ledger_update(g->store, &g->energy, now, err, sizeof err) < 0) {
		if (dc_store_busy(g->store)) {
			g->ledger_retry_mono = t0 + BUSY_RETRY_MS;
			log_info("energy", "ledger update deferred: database busy, retry_ms=%d",
				 BUSY_RETRY_MS);
		} else {
			log_err("energy", "ledger update failed error=\"%s\"", err);
		}
	} else
		log_info("energy", "ledger updated inputs=%ld ms=%lld", added,
			 (long long)(gw_mono() - t0));
}

int64_t gw_energy_next(const struct gw *g)
{
	if (!g->cfg.ledger_update_min || !g->store || !g->settled)
		return INT64_MAX;
	int64_t now_ms = gw_now_ms(g);
	int64_t due = gw_mono() + dc_clock_real_delay_ms(&g->clock, now_ms, g->next_ledger_s * 1000);
	return g->ledger_retry_mono && g->ledger_retry_mono < due ? g->ledger_retry_mono : due;
}
