/* chan.c — every channel's reconciliation: commands, confirmations, alarms.
 *
 * The state machine itself is lib/reconcile (pure); this file connects it to
 * the drivers (commands out, reports in), the audit log and the alarms.
 * Retries and timeouts run on the monotonic clock (real seconds even under a
 * fast test clock); the schedule runs on gw_now() (virtual under a test clock).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "drv_native.h"
#include "drv_shelly.h"
#include "drv_tasmota.h"
#include "fleet_decide.h"
#include "gw.h"
#include "ledger.h"
#include "gwlog.h"

static const char *onoff(int v)
{
	return v == DC_STATE_ON ? "on" : v == DC_STATE_OFF ? "off" : "unknown";
}

static const char *chan_screens(const struct gw_chan *c, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->nscreens && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "", c->screens[i].id);
	return buf;
}

/* ---- alarms: logged, published retained, recorded ---- */

void gw_alarm(struct gw *g, const char *kind, int box, int channel, bool active,
	      const char *fmt, ...)
{
	char msg[256], topic[DC_DRV_TOPIC_MAX], payload[512];
	const char *bid = gw_alarm_box_id(g, box);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (channel > 0)
		snprintf(topic, sizeof topic, "decran/gateway/alarm/%s/%s/%d", kind, bid, channel);
	else
		snprintf(topic, sizeof topic, "decran/gateway/alarm/%s/%s", kind, bid);
	if (active) {
		log_warn("alarm", "raised kind=%s box=%s channel=%d message=\"%s\"", kind, bid,
			 channel, msg);
		int n = snprintf(payload, sizeof payload,
				 "{\"v\":1,\"kind\":\"%s\",\"box\":\"%s\",\"channel\":%d,"
				 "\"active\":true,\"since\":%lld,\"message\":\"%s\"}",
				 kind, bid, channel, (long long)gw_now(g), msg);
		gw_publish(g, topic, payload, (size_t)n, 1, true);
	} else {
		log_info("alarm", "cleared kind=%s box=%s channel=%d message=\"%s\"", kind, bid,
			 channel, msg);
		gw_publish(g, topic, "", 0, 1, true);	/* empty retained = cleared */
	}
	gw_audit_alarm(g, kind, bid, channel, active, msg);
}

/* A screen confirmed on while the legal night rule applies to it: asked at
 * each report and when a command goes unconfirmed; while raised, or while
 * a device ignores an "off", also at schedule edges and every heartbeat
 * (gw_chan_check_compliance): no report comes to say the night began or
 * ended. */
static void check_compliance(struct gw *g, struct gw_chan *c)
{
	/* Only a screen that is on can break the night rule: explain() runs then. */
	bool bad = c->rc.confirmed == DC_STATE_ON && gw_plan_legal_night(g, c);
	char s[256];
	if (bad != c->alarm_compliance) {
		c->alarm_compliance = bad;
		gw_alarm(g, "compliance", c->box, c->channel, bad,
			 bad ? "screen on inside the legal night window (R581-35) screens=%s"
			     : "no longer on inside the legal night window screens=%s",
			 chan_screens(c, s, sizeof s));
	}
}

/* Power measured while the relay says off: wiring fault or bypass.  A
 * reading taken soon after the switch may predate it: wait meter_settle_ms. */
static void check_meter(struct gw *g, struct gw_chan *c, double w)
{
	bool bad = gw_decide_meter_alarm(c->alarm_meter, c->rc.confirmed,
					 gw_mono() - c->state_since_ms, w, g->cfg.meter_settle_ms,
					 g->cfg.meter_off_threshold_w);
	if (bad != c->alarm_meter) {
		c->alarm_meter = bad;
		gw_alarm(g, "meter", c->box, c->channel, bad,
			 bad ? "relay off but %.1f W measured (threshold %.1f W)"
			     : "power back under threshold (%.1f W, threshold %.1f W)",
			 w, g->cfg.meter_off_threshold_w);
	}
}

/* The contactor's auxiliary contact against the relay's own state, per
 * channel, meter or not (hw/feedback.md).  The box reports the contact only
 * once it has settled after a switch, so any disagreement reported has
 * lasted longer than the settle time: a welded contactor (on while told
 * off) or one that does not pull in (burnt coil, tripped breaker). */
static void check_feedback(struct gw *g, struct gw_chan *c, bool on, bool fb)
{
	char s[256];
	bool bad = fb != on;
	if (bad == c->alarm_stuck)
		return;
	c->alarm_stuck = bad;
	gw_alarm(g, "stuck", c->box, c->channel, bad,
		 bad ? "contacteur bloqué / contactor stuck: relay %s, auxiliary contact %s screens=%s"
		     : "contact auxiliaire conforme / auxiliary contact agrees (%s, %s) screens=%s",
		 on ? "on" : "off", fb ? "closed (screen powered)" : "open (screen off)",
		 chan_screens(c, s, sizeof s));
}

/* A channel the box keeps on when it fails (NC wiring, safe state "on",
 * hw/watchdog.md) must carry no advertising screen: R581-35 wants it dark
 * 01:00-06:00 and a failed box would keep it lit.  The box cannot tell (it
 * does not know its screens) and the gateway cannot see the box's file, so
 * the box's status says the safe states and this checks them. */
static void check_safe(struct gw *g, struct gw_chan *c)
{
	char s[256];
	bool bad = c->safe_on && gw_chan_carries_advertising(c);
	if (bad == c->alarm_safe_ad)
		return;
	c->alarm_safe_ad = bad;
	gw_alarm(g, "safe_on_advertising", c->box, c->channel, bad,
		 bad ? "publicité sur un canal allumé en panne / advertising on a channel the box "
		       "keeps on when it fails (safe state on) screens=%s"
		     : "plus de publicité sur le canal allumé en panne / no advertising left on the "
		       "safe-on channel screens=%s",
		 chan_screens(c, s, sizeof s));
}

void gw_chan_check_compliance(struct gw *g, struct gw_chan *c)
{
	if (c->alarm_compliance || (c->alarm_unconfirmed && c->rc.confirmed == DC_STATE_ON))
		check_compliance(g, c);
}

void gw_chan_check_compliance_all(struct gw *g)
{
	for (size_t i = 0; i < g->nchans; i++)
		gw_chan_check_compliance(g, &g->chans[i]);
}

void gw_chan_check_safe_all(struct gw *g)
{
	for (size_t i = 0; i < g->nchans; i++)
		check_safe(g, &g->chans[i]);
}

/* ---- commands ---- */

/* Shelly's JSON-RPC id of the channel's current command: its sequence, and
 * the channel index in the low bits so the answer finds the channel.  An
 * answer to an older command (even one still queued) no longer matches. */
static long long shelly_rpc_id(const struct gw *g, const struct gw_chan *c)
{
	return gw_shelly_rpc_id(c->cmd_seq, (size_t)(c - g->chans));
}

static int send_command(struct gw *g, struct gw_chan *c, int on, const char *cmd_id)
{
	const struct gw_box *bx = &g->cfg.boxes[c->box];
	struct dc_drv_msg m;
	int rc = -1;

	switch (bx->driver) {
	case GW_DRV_NATIVE: {
		/* A relay test lights the channel whatever the schedule says
		 * (never an advertising screen at night: gw_relay_test_start), so
		 * the box's legal floor needs its override, for the test's span. */
		int64_t now = gw_now(g);
		int64_t until = c->under_test && on == DC_STATE_ON
					? now + 2 * (int64_t)g->cfg.relay_test_dwell_s + GW_CMD_TTL_S : 0;
		if (dc_native_command_ovr(bx->topic, c->channel, on, cmd_id, until, "relay-test",
					  &m) < 0)
			return -1;
		return gw_publish_box(g, c->box, m.topic, m.payload, m.len, g->cfg.qos, false,
				      now + GW_CMD_TTL_S);
	}
	case GW_DRV_TASMOTA:
		rc = dc_tasmota_command(bx->topic, c->channel, on, &m);
		break;
	case GW_DRV_SHELLY:
		rc = dc_shelly_command(bx->topic, g->cfg.shelly_src, shelly_rpc_id(g, c), c->channel,
				       on, &m);
		break;
	case GW_DRV_MODBUS_RTU:
	case GW_DRV_MODBUS_TCP:
		return gw_modbus_write(g, c, on);
	default:
		break;
	}
	if (rc < 0)
		return -1;
	return gw_publish(g, m.topic, m.payload, m.len, g->cfg.qos, false);
}

static bool can_send(const struct gw *g, const struct gw_chan *c)
{
	return gw_decide_can_send(g->cfg.boxes[c->box].driver, g->boxes[c->box].online, g->mqtt_up,
				  g->settled);
}

/* Command ids: unique across restarts (boot_id), so a box applies a
 * redelivered command once. */
static void cmd_id_of(const struct gw *g, const struct gw_chan *c, char *buf, size_t len)
{
	gw_command_id(g->boot_id, (size_t)(c - g->chans), c->cmd_seq, buf, len);
}

/* Commands wait on their channel (c->queued) until their audit rows are
 * committed: a burst of 10,000 needs one COMMIT and no list of its own. */
static bool batching;

static void queue_command(struct gw *g, struct gw_chan *c, int value)
{
	if (!c->queued)
		g->nqueued++;
	c->queued = true;
	c->queued_on = value == DC_STATE_ON;
}

static bool over_mqtt(const struct gw *g, const struct gw_chan *c)
{
	enum gw_driver d = g->cfg.boxes[c->box].driver;
	return d != GW_DRV_MODBUS_RTU && d != GW_DRV_MODBUS_TCP;
}

/* Send the queued commands, channel after channel from where the last call
 * stopped, while the MQTT window has room (called again from the loop as
 * acknowledgements come back). */
void gw_chan_pump(struct gw *g)
{
	/* Rows first: a command leaves once its row is committed. */
	if (g->nqueued && !gw_audit_committed(g))
		return;
	for (size_t n = 0; g->nqueued && n < g->nchans; n++) {
		size_t i = g->queue_cursor < g->nchans ? g->queue_cursor : 0;
		struct gw_chan *c = &g->chans[i];
		/* A held command that the reconciler no longer wants (superseded
		 * while it waited, the channel unbound by a reload) is dropped:
		 * only the reconciler's current command may reach a relay. */
		if (c->queued && !(c->rc.pending != DC_STATE_UNKNOWN &&
				   c->rc.pending == c->rc.desired &&
				   c->rc.pending == (c->queued_on ? DC_STATE_ON : DC_STATE_OFF))) {
			c->queued = false;
			g->nqueued--;
		} else if (c->queued && can_send(g, c)) {
			if (over_mqtt(g, c) && g->mqtt_up && !gw_mqtt_room(g, GW_WINDOW_COMMANDS))
				return;
			char cmd_id[48];
			c->queued = false;
			g->nqueued--;
			cmd_id_of(g, c, cmd_id, sizeof cmd_id);
			if (send_command(g, c, c->queued_on ? DC_STATE_ON : DC_STATE_OFF, cmd_id) == 0)
				g->commands_sent++;
			/* Retries and the alarm count from now, not from when the
			 * command started waiting for its row. */
			int64_t wake;
			dc_recon_sent(&c->rc, &g->policy, gw_mono(), &wake);
			if (wake < g->recon_wake_ms)
				g->recon_wake_ms = wake;
		}
		g->queue_cursor = i + 1;
	}
}

void gw_chan_step(struct gw *g, struct gw_chan *c, int64_t mono)
{
	struct dc_recon_action a;
	int64_t wake;
	char s[256];

	if (c->rc.desired != DC_STATE_UNKNOWN && c->rc.confirmed != c->rc.desired &&
	    !can_send(g, c)) {
		int64_t w = g->started_ms + g->cfg.startup_grace_ms;
		if (g->mqtt_up && w < g->recon_wake_ms)
			g->recon_wake_ms = w;
		return;
	}
	/* A command still waiting for its audit row has not been sent: nothing
	 * to retry, and no silence of the device to count (dc_recon_sent starts
	 * the clocks when it leaves).  A new desired state still goes through. */
	if (c->queued && c->rc.pending == c->rc.desired)
		return;
	unsigned f = dc_recon_step(&c->rc, &g->policy, mono, &a, &wake);
	if ((f & DC_RECON_SUPERSEDED) && c->audit_id) {
		gw_audit_outcome(g, c->audit_id, "superseded");
		c->audit_id = 0;
	}
	if (f & DC_RECON_CLEAR) {
		c->alarm_unconfirmed = false;
		gw_alarm(g, "unconfirmed", c->box, c->channel, false, "superseded screens=%s",
			 chan_screens(c, s, sizeof s));
	}
	if (f & DC_RECON_SEND) {
		char cmd_id[48];
		if (a.attempt == 1)
			c->cmd_seq++;
		cmd_id_of(g, c, cmd_id, sizeof cmd_id);
		if (a.attempt == 1)
			c->audit_id = gw_audit_command(g, c, a.value, cmd_id);
		/* The audit row is committed before the command leaves: in a burst
		 * the commands wait on their channels for the one COMMIT. */
		queue_command(g, c, a.value);
		if (!batching) {
			gw_audit_flush(g);
			gw_chan_pump(g);
		}
		if (a.attempt == 1)
			log_info("chan", "switch box=%s channel=%d to=%s from=%s reason=\"%s\" "
				 "screens=%s cmd=%s", g->cfg.boxes[c->box].id, c->channel,
				 onoff(a.value), onoff(c->rc.confirmed), c->reason,
				 chan_screens(c, s, sizeof s), cmd_id);
		else
			log_debug("chan", "retry box=%s channel=%d to=%s attempt=%u",
				  g->cfg.boxes[c->box].id, c->channel, onoff(a.value), a.attempt);
	}
	if (f & DC_RECON_ALARM) {
		c->alarm_unconfirmed = true;
		gw_alarm(g, "unconfirmed", c->box, c->channel, true,
			 "switch to %s not confirmed after %u attempts screens=%s",
			 onoff(c->rc.pending), c->rc.attempts, chan_screens(c, s, sizeof s));
		if (c->audit_id)
			gw_audit_outcome(g, c->audit_id, "unconfirmed");
		/* Last known on, and the device silent: no report will come to
		 * raise it, so the night rule is asked here too. */
		check_compliance(g, c);
	}
	if (wake < g->recon_wake_ms)
		g->recon_wake_ms = wake;
}

void gw_chan_step_all(struct gw *g)
{
	int64_t mono = gw_mono();
	g->recon_wake_ms = INT64_MAX;
	gw_audit_begin(g);
	batching = true;
	for (size_t i = 0; i < g->nchans; i++)
		gw_chan_step(g, &g->chans[i], mono);
	batching = false;
	gw_audit_flush(g);
	gw_chan_pump(g);
}

void gw_chan_connected(struct gw *g)
{
	/* Retained states arrive right after subscribing; the grace period
	 * starts now. */
	g->started_ms = gw_mono();
	g->settled = false;
	g->recon_wake_ms = g->started_ms + g->cfg.startup_grace_ms;
	g->fallbacks_dirty = true;
	g->next_heartbeat_ms = 0;
}

/* ---- reports from drivers ---- */

const int64_t gw_latency_bounds_ms[GW_LATENCY_BUCKETS] = { 100,  250,  500,   1000, 2500,
							   5000, 10000, 30000, 60000 };

static void latency_add(struct gw_latency *l, int64_t ms)
{
	size_t i = 0;
	while (i < GW_LATENCY_BUCKETS && ms > gw_latency_bounds_ms[i])
		i++;
	l->count[i]++;
	l->sum_ms += ms;
}

/* Every confirmed change goes to the energy ledger's input at once, for
 * each screen on the channel, commanded or not: states learned without a
 * command (read back after a reconnection, a switch made on site) would
 * otherwise stay unknown until the next command.  Events of one second
 * keep their order (a box's boot "off", then the "on" it confirms); the
 * hourly import of the command records finds the same rows there. */
static void ledger_event(struct gw *g, const struct gw_chan *c, enum dc_en_state st,
			 enum dc_en_cause cause)
{
	int64_t now = gw_now(g);
	for (uint32_t k = 0; k < c->nscreens; k++)
		gw_audit_ledger_state(g, c->screens[k].id, now, st, cause);
}

static void ledger_state(struct gw *g, const struct gw_chan *c, int on)
{
	ledger_event(g, c, on == DC_STATE_ON ? DC_EN_ON : DC_EN_OFF, 0);
}

/* A native box keeps a journal of what it switched alone, sent when the
 * gateway is back: its state while the gateway was away is known.  Of the
 * others' (Tasmota, Shelly, Modbus) nothing can be known. */
static bool keeps_journal(const struct gw *g, const struct gw_chan *c)
{
	return g->cfg.boxes[c->box].driver == GW_DRV_NATIVE;
}

void gw_chan_ledger_start(struct gw *g)
{
	int64_t now = gw_now(g), alive = gw_audit_alive_read(g);
	gw_audit_begin(g);
	/* The last run ended without its stop (killed, power cut): unknown
	 * from its last sign of life, or from the screen's last event if that
	 * came later, not the last state carried over the gap. */
	for (size_t i = 0; alive > 0 && i < g->nchans; i++) {
		const struct gw_chan *c = &g->chans[i];
		for (uint32_t k = 0; !keeps_journal(g, c) && k < c->nscreens; k++) {
			int64_t last = gw_audit_last_ledger_state(g, c->screens[k].id);
			/* Even ahead of now: a clock restored behind after a power
			 * cut must not let the last state run over the gap. */
			int64_t at = last > alive ? last : alive;
			gw_audit_ledger_state(g, c->screens[k].id, at, DC_EN_UNKNOWN,
					      DC_EN_UNCONFIRMED);
		}
	}
	/* What happened while the gateway was down cannot be known: unknown
	 * until each channel's state is confirmed, never the last one seen. */
	for (size_t i = 0; i < g->nchans; i++)
		ledger_event(g, &g->chans[i], DC_EN_UNKNOWN, DC_EN_UNCONFIRMED);
	gw_audit_alive(g, now);
	gw_audit_flush(g);
}

void gw_chan_ledger_stop(struct gw *g)
{
	gw_audit_begin(g);
	for (size_t i = 0; i < g->nchans; i++)
		if (!keeps_journal(g, &g->chans[i]))
			ledger_event(g, &g->chans[i], DC_EN_UNKNOWN, DC_EN_UNCONFIRMED);
	gw_audit_alive(g, 0);	/* stopped cleanly: nothing to mend at the next start */
	gw_audit_flush(g);
}

/* echo: the command id the device says set this state, or NULL. */
static void confirmed(struct gw *g, struct gw_chan *c, int on, const char *echo)
{
	struct dc_recon_action a;
	char s[256];
	gw_audit_inflight_report(g, c, on, echo);
	if (on != c->rc.confirmed) {
		c->state_since_ms = gw_mono();
		ledger_state(g, c, on);
	}
	unsigned f = dc_recon_report(&c->rc, on, gw_mono(), &a);

	if (f & DC_RECON_DONE) {
		g->confirmations++;
		latency_add(&g->latency, a.latency_ms);
		if (c->audit_id) {
			gw_audit_confirm(g, c->audit_id, a.value);
			c->audit_id = 0;
		}
		log_info("chan", "confirmed box=%s channel=%d state=%s attempts=%u latency_ms=%lld",
			 g->cfg.boxes[c->box].id, c->channel, onoff(a.value), a.attempt,
			 (long long)a.latency_ms);
	}
	if (f & DC_RECON_CLEAR) {
		c->alarm_unconfirmed = false;
		gw_alarm(g, "unconfirmed", c->box, c->channel, false, "confirmed late screens=%s",
			 chan_screens(c, s, sizeof s));
	}
	if (f & DC_RECON_DRIFT)
		log_warn("chan", "state changed outside the gateway box=%s channel=%d state=%s "
			 "desired=%s", g->cfg.boxes[c->box].id, c->channel, onoff(on),
			 onoff(c->rc.desired));
	check_compliance(g, c);
	gw_chan_step(g, c, gw_mono());
}

static struct gw_chan *chan_of(struct gw *g, int box, int channel)
{
	if (box < 0 || channel < 1 || channel > g->cfg.boxes[box].channels)
		return NULL;
	return &g->chans[g->boxes[box].chan0 + (size_t)channel - 1];
}

/* Ask a device for its relay states (after it comes online): Tasmota and
 * Shelly keep nothing retained, and the first command must not be blind. */
static void query_states(struct gw *g, int box)
{
	const struct gw_box *bx = &g->cfg.boxes[box];
	struct dc_drv_msg m;
	if (bx->driver == GW_DRV_TASMOTA && dc_tasmota_query(bx->topic, &m) == 0)
		gw_publish(g, m.topic, m.payload, m.len, g->cfg.qos, false);
	if (bx->driver == GW_DRV_SHELLY)
		for (int ch = 1; ch <= bx->channels; ch++) {
			/* Queries use sequence 0: the id is just the channel index. */
			long long id = (long long)(g->boxes[box].chan0 + (size_t)ch - 1);
			if (dc_shelly_query(bx->topic, g->cfg.shelly_src, id, ch, &m) == 0)
				gw_publish(g, m.topic, m.payload, m.len, g->cfg.qos, false);
		}
}

bool gw_chan_read_meter(struct gw *g, const struct gw_chan *c)
{
	const struct gw_box *bx = &g->cfg.boxes[c->box];
	struct dc_drv_msg m;
	int rc = -1;
	if (bx->driver == GW_DRV_NATIVE)
		rc = dc_native_meter_now(bx->id, &m);
	else if (bx->driver == GW_DRV_TASMOTA)
		rc = dc_tasmota_meter_now(bx->topic, &m);
	else if (bx->driver == GW_DRV_SHELLY)	/* sequence 0: a query (see query_states) */
		rc = dc_shelly_query(bx->topic, g->cfg.shelly_src,
				     (long long)(c - g->chans), c->channel, &m);
	if (rc == 0 && bx->driver == GW_DRV_NATIVE)	/* sealed for a keyed box */
		rc = gw_publish_box(g, c->box, m.topic, m.payload, m.len, 1, false,
				    gw_now(g) + GW_CMD_TTL_S);
	else if (rc == 0)
		gw_publish(g, m.topic, m.payload, m.len, 1, false);
	return rc == 0;
}

void gw_box_seen(struct gw *g, int box, int online)
{
	struct gw_boxstate *b = &g->boxes[box];
	const struct gw_box *bx = &g->cfg.boxes[box];
	int64_t mono = gw_mono();

	b->last_seen_ms = mono;
	if (online < 0 || online == b->online)
		return;
	log_info("box", "%s box=%s driver=%s", online ? "online" : "offline", bx->id,
		 gw_driver_name(bx->driver));
	/* The ledger: unknown while offline; back online, unknown still (now
	 * unconfirmed) until a state is reported, unless one already was. */
	for (int ch = 1; ch <= bx->channels; ch++) {
		const struct gw_chan *c = chan_of(g, box, ch);
		if (!online)
			ledger_event(g, c, DC_EN_UNKNOWN, DC_EN_OFFLINE);
		else if (b->online == 0 && c->rc.confirmed == DC_STATE_UNKNOWN)
			ledger_event(g, c, DC_EN_UNKNOWN, DC_EN_UNCONFIRMED);
	}
	b->online = online;
	g->offline_due_known = false;
	gw_notify_changed(g);
	if (!online)
		b->offline_since_ms = mono;
	for (int ch = 1; ch <= bx->channels; ch++)
		dc_recon_set_online(&chan_of(g, box, ch)->rc, online, mono);
	if (online && b->alarm_offline) {
		b->alarm_offline = false;
		gw_alarm(g, "offline", box, 0, false, "box back online");
	}
	gw_audit_box(g, box);
	if (online)
		query_states(g, box);
	for (int ch = 1; ch <= bx->channels; ch++)
		gw_chan_step(g, chan_of(g, box, ch), mono);
}

int64_t gw_alarms_check_offline(struct gw *g)
{
	int64_t mono = gw_mono(), next = INT64_MAX;
	if (g->offline_due_known && mono < g->offline_due_ms)
		return g->offline_due_ms;
	for (size_t i = 0; i < g->cfg.nboxes; i++) {
		struct gw_boxstate *b = &g->boxes[i];
		int64_t due = gw_decide_offline_due(b->online, b->alarm_offline, b->offline_since_ms,
						    g->cfg.offline_alarm_s);
		if (mono >= due) {
			b->alarm_offline = true;
			gw_alarm(g, "offline", (int)i, 0, true, "box offline for %d s",
				 (int)((mono - b->offline_since_ms) / 1000));
			due = gw_decide_offline_due(b->online, b->alarm_offline,
						    b->offline_since_ms, g->cfg.offline_alarm_s);
		}
		if (due < next)
			next = due;
	}
	g->offline_due_ms = next;
	g->offline_due_known = true;
	return next;
}

const char *gw_alarm_box_id(const struct gw *g, int box)
{
	return box >= 0 ? g->cfg.boxes[box].id : "gateway";
}

size_t gw_alarms_max(const struct gw *g)
{
	return g->cfg.nboxes + 5 * g->nchans + 2;
}

size_t gw_alarms_active(const struct gw *g, struct gw_alarm_ref *v)
{
	size_t n = 0;
	if (gw_audit_stalled(g))
		v[n++] = (struct gw_alarm_ref){ "database", -1, 0 };
	for (size_t b = 0; b < g->cfg.nboxes; b++)
		if (g->boxes[b].alarm_offline)
			v[n++] = (struct gw_alarm_ref){ "offline", (int)b, 0 };
	for (size_t i = 0; i < g->nchans; i++) {
		const struct gw_chan *c = &g->chans[i];
		if (c->alarm_unconfirmed)
			v[n++] = (struct gw_alarm_ref){ "unconfirmed", c->box, c->channel };
		if (c->alarm_compliance)
			v[n++] = (struct gw_alarm_ref){ "compliance", c->box, c->channel };
		if (c->alarm_meter)
			v[n++] = (struct gw_alarm_ref){ "meter", c->box, c->channel };
		if (c->alarm_stuck)
			v[n++] = (struct gw_alarm_ref){ "stuck", c->box, c->channel };
		if (c->alarm_safe_ad)
			v[n++] = (struct gw_alarm_ref){ "safe_on_advertising", c->box, c->channel };
	}
	return n;
}

void gw_chan_report(struct gw *g, int box, const struct dc_drv_event *ev)
{
	struct gw_chan *c;

	switch (ev->kind) {
	case DC_EV_STATE:
		if ((c = chan_of(g, box, ev->channel))) {
			confirmed(g, c, ev->on ? DC_STATE_ON : DC_STATE_OFF, ev->cmd_id);
			if (ev->has_fb)
				check_feedback(g, c, ev->on, ev->fb);
		}
		break;
	case DC_EV_ONLINE:
		gw_box_seen(g, box, ev->online);
		for (int ch = 1; ev->has_safe && ch <= g->cfg.boxes[box].channels; ch++) {
			c = chan_of(g, box, ch);
			c->safe_on = ev->safe_on >> (ch - 1) & 1;
			check_safe(g, c);
		}
		break;
	case DC_EV_POWER:
		if (ev->channel && (c = chan_of(g, box, ev->channel))) {
			c->power_w = ev->value;
			c->has_power = true;
			check_meter(g, c, ev->value);
		} else if (!ev->channel && g->cfg.boxes[box].channels == 1) {
			/* A one-channel device's own meter measures that channel. */
			struct gw_boxstate *b = &g->boxes[box];
			b->power_w = ev->value;
			b->has_power = true;
			check_meter(g, chan_of(g, box, 1), ev->value);
		} else if (!ev->channel) {
			struct gw_boxstate *b = &g->boxes[box];
			b->power_w = ev->value;
			b->has_power = true;
			/* A whole-box meter: a fault only if every relay is off. */
			bool all_off = true;
			int64_t since = 0;
			for (int ch = 1; ch <= g->cfg.boxes[box].channels; ch++) {
				struct gw_chan *x = chan_of(g, box, ch);
				if (x->rc.confirmed != DC_STATE_OFF)
					all_off = false;
				if (x->state_since_ms > since)
					since = x->state_since_ms;
			}
			c = chan_of(g, box, 1);
			if (c->state_since_ms < since)
				c->state_since_ms = since;	/* settle after the last switch */
			if (all_off || c->alarm_meter)
				check_meter(g, c, all_off ? ev->value : 0);
		}
		gw_audit_reading(g, box, ev->channel, "power_w", ev->value);
		gw_control_power(g, box, ev->channel, ev->value);
		break;
	case DC_EV_NO_METER:
		g->boxes[box].no_meter = true;
		break;
	case DC_EV_ENERGY:
		g->boxes[box].energy_wh = ev->value;
		g->boxes[box].has_energy = true;
		gw_audit_reading(g, box, ev->channel, "energy_wh", ev->value);
		break;
	case DC_EV_JOURNAL:
		/* A box whose clock was lost (a reset to 1970 or 2000, no RTC, no
		 * NTP yet) stamps its boot with that date; in the ledger it would
		 * stand for the state from then on, years of invented savings.
		 * Such an entry is logged and left out (the box forgets it with
		 * the others): its offline time is already unknown there, and
		 * its live state comes on state/<ch>. */
		/* The future bound only while the gateway's own clock is trusted:
		 * one restored behind after a power cut would drop true entries. */
		if (ev->value < GW_JOURNAL_EARLIEST ||
		    (g->clock_trusted && ev->value > (double)gw_now(g) + 300)) {
			log_warn("chan", "journal entry ignored: the box's clock is wrong box=%s "
				 "channel=%d state=%s src=%s t=%lld seq=%lld", g->cfg.boxes[box].id,
				 ev->channel, ev->on ? "on" : "off", ev->src, (long long)ev->value,
				 ev->rpc_id);
			break;
		}
		/* A switch the box made alone (fallback, boot): into the log, so the
		 * energy ledger has no hole; the live state comes on state/<ch>. */
		log_info("chan", "box switched alone box=%s channel=%d state=%s src=%s t=%lld seq=%lld",
			 g->cfg.boxes[box].id, ev->channel, ev->on ? "on" : "off", ev->src,
			 (long long)ev->value, ev->rpc_id);
		gw_audit_journal(g, box, ev);
		break;
	case DC_EV_RPC_RESULT: {
		size_t idx = (size_t)(ev->rpc_id & 0xfffff);
		if (idx >= g->nchans)
			break;
		c = &g->chans[idx];
		if (ev->rpc_id >> 20 == 0) {	/* answer to a state query */
			if (ev->has_state)
				confirmed(g, c, ev->on ? DC_STATE_ON : DC_STATE_OFF, NULL);
			if (ev->has_power) {	/* Switch.GetStatus: apower */
				struct dc_drv_event p = { .kind = DC_EV_POWER, .channel = c->channel,
							  .value = ev->value };
				gw_chan_report(g, c->box, &p);
			}
			break;
		}
		if (shelly_rpc_id(g, c) != ev->rpc_id)
			break;	/* an answer to a command we no longer wait for */
		gw_box_seen(g, c->box, -1);
		if (!ev->rpc_ok)
			log_warn("chan", "command refused box=%s channel=%d rpc_id=%lld",
				 g->cfg.boxes[c->box].id, c->channel, ev->rpc_id);
		else if (c->rc.pending != DC_STATE_UNKNOWN)
			/* Switch.Set answered with a result: the device did it. */
			confirmed(g, c, c->rc.pending, NULL);
		break;
	}
	}
}
