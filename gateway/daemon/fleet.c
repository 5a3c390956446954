/* fleet.c — what the gateway decides after every event: the schedule's
 * edges, reconciliation, queued commands, fallbacks, alarms, heartbeat,
 * ledger; and when it must next be asked again.  Cheap when nothing is due:
 * the loop runs it before every sleep (main.c), and its timer wakes the loop
 * at the nearest deadline — no tick, no busy wait. */
#include "audit.h"
#include "drv_native.h"
#include "gw.h"
#include "loop.h"

static void heartbeat(struct gw *g, int64_t mono)
{
	char buf[96];
	/* Boxes measure the gateway's silence on their clock: under a fast
	 * test clock the period shrinks with it.  Up to a sixth early, it
	 * shares a wake-up with the MQTT keepalive (lib/mqttconn.c). */
	int64_t now_ms = gw_now_ms(g);
	int64_t period = dc_clock_real_delay_ms(&g->clock, now_ms,
						now_ms + (int64_t)g->cfg.heartbeat_s * 1000);
	if (!g->mqtt_up || mono < g->next_heartbeat_ms - period / 6)
		return;
	size_t n = dc_native_heartbeat(1, gw_now(g), buf, sizeof buf);
	gw_publish(g, DC_GATEWAY_STATUS_TOPIC, buf, n, 1, true);
	gw_heartbeat_keyed(g, true);
	g->next_heartbeat_ms = mono + period;
}

/* Every heartbeat period, broker or not (a Modbus-only gateway has none):
 * the kernel asked whether NTP has synchronised the clock, channels left
 * on against a command asked whether the night has begun, and the sign of
 * life a restart after a crash counts from. */
static void watch(struct gw *g, int64_t mono)
{
	int64_t now_ms = gw_now_ms(g);
	int64_t period = dc_clock_real_delay_ms(&g->clock, now_ms,
						now_ms + (int64_t)g->cfg.heartbeat_s * 1000);
	/* Up to a sixth early, like the heartbeat: one wake-up for both. */
	if (mono < g->next_watch_ms - period / 6)
		return;
	gw_clock_check(g);
	gw_chan_check_compliance_all(g);
	gw_audit_alive(g, gw_now(g));
	g->next_watch_ms = mono + period;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The nearest deadline of the fleet's work, in monotonic milliseconds. */
static int64_t fleet_next(struct gw *g, int64_t mono, int64_t offline_due)
{
	int64_t next = g->recon_wake_ms;
	if (g->dirty)
		next = mono;	/* a test ended, the clock's trust changed: decide now */
	next = min64(next, g->next_watch_ms);
	next = min64(next, offline_due);
	next = min64(next, gw_control_next(g));
	next = min64(next, gw_energy_next(g));
	next = min64(next, gw_audit_next(g));
	if (g->mqtt_up)
		next = min64(next, g->next_heartbeat_ms);
	if (g->next_edge != INT64_MAX) {
		/* The schedule's instants are virtual under a test clock. */
		int64_t now_ms = gw_now_ms(g);
		next = min64(next, mono + dc_clock_real_delay_ms(&g->clock, now_ms,
								  g->next_edge * 1000));
	}
	if (gw_plan_fallbacks_pending(g))
		next = mono;	/* the next slice, after the events already waiting */
	if (g->next_fallback_s)
		next = min64(next, mono + dc_clock_real_delay_ms(&g->clock, gw_now_ms(g),
								 g->next_fallback_s * 1000));
	return next;
}

void gw_fleet_step(struct gw *g)
{
	int64_t mono = gw_mono();
	gw_audit_tick(g);
	if (g->next_edge != INT64_MAX && gw_now(g) >= g->next_edge)
		g->dirty = true;
	if (g->mqtt_up && !g->settled && mono >= g->started_ms + g->cfg.startup_grace_ms) {
		/* Grace over: take in every retained state already received, then
		 * decide (a restart must not re-switch what is already right). */
		gw_mqtt_drain(g);
		g->settled = true;
		g->recon_wake_ms = mono;
		/* Commands in flight at the last stop: resolved from those states
		 * before any new command supersedes them. */
		gw_audit_inflight_settle(g);
	}
	if (g->dirty) {
		gw_plan_evaluate(g);
		gw_chan_step_all(g);
	} else if (mono >= g->recon_wake_ms) {
		gw_chan_step_all(g);
	}
	gw_chan_pump(g);	/* commands the MQTT window held back */
	if (g->settled && (g->fallbacks_dirty || gw_now(g) >= g->next_fallback_s))
		gw_plan_push_fallbacks(g, false);
	else if (g->settled)
		gw_plan_fallbacks_continue(g);
	int64_t offline_due = gw_alarms_check_offline(g);
	gw_control_tests(g);
	watch(g, mono);
	heartbeat(g, mono);
	gw_energy_tick(g);
	gw_mqtt_watch(g);	/* what was published wants writability */
	dc_loop_timer_set(g->loop, g->fleet_timer, fleet_next(g, gw_mono(), offline_due));
}

/* The timer only wakes the loop: the step runs before its next sleep. */
static void on_deadline(struct dc_loop *l, int id, void *ud)
{
	(void)l, (void)id, (void)ud;
}

int gw_fleet_open(struct gw *g)
{
	g->fleet_timer = dc_loop_timer_new(g->loop, on_deadline, g);
	return g->fleet_timer < 0 ? -1 : 0;
}
