/* gw.h — the decran-gateway daemon's state, shared by its files.
 *
 *   main.c     options, start-up: wires the modules to one loop (lib/evloop.h)
 *   fleet.c    what runs before every sleep: schedule, reconciliation, alarms
 *   notify.c   sd_notify: READY, STATUS, WATCHDOG, STOPPING
 *   mqtt.c     the broker connection (lib/mqttconn.c) in the loop; routes messages to drivers
 *   plan.c     screens + rules -> desired state per channel, fallbacks for boxes
 *   chan.c     reconciliation of every channel, commands, audit, alarms
 *   control.c  the local API on a UNIX socket (the decran CLI, decran-web),
 *              each peer given the verbs of its role (SO_PEERCRED)
 *   ledger_worker.c  the energy ledger kept current from the audit tables
 *   strpool.c  packed strings: bound screens' ids, interned audit reasons
 *   stage.c    a new configuration built off to the side: start-up, -n, reload
 */
#ifndef DECRAN_GW_H
#define DECRAN_GW_H

#include <stdbool.h>
#include <stdint.h>

#include "mqttconn.h"

#include "clock.h"
#include "ctlclient.h"
#include "gwconfig.h"
#include "ledger.h"
#include "profile.h"
#include "driver.h"
#include "fallback.h"
#include "reconcile.h"
#include "rules.h"
#include "rules_lint.h"
#include "schedule.h"
#include "screen.h"
#include "strpool.h"

struct dc_store;

#define GW_TESTS_KEPT 16


/* Confirmation latency of switches (first command -> confirmed), for
 * /metrics: counts per bucket, the last one above every bound. */
#define GW_LATENCY_BUCKETS 9
extern const int64_t gw_latency_bounds_ms[GW_LATENCY_BUCKETS];
struct gw_latency {
	uint64_t count[GW_LATENCY_BUCKETS + 1];
	int64_t sum_ms;
};

/* One per relay channel: 10,000 on a large fleet, so kept small. */
struct gw_chan {
	int box;		/* index in cfg.boxes */
	int channel;		/* 1..16 */
	/* Screens bound to this channel (the relay is on only if all may be):
	 * nscreens consecutive entries of g->screens. */
	const struct dc_sched_screen *screens;
	struct dc_recon rc;
	const char *reason;	/* rule that set `desired`, for the audit log (gw_intern) */
	int64_t cmd_seq;	/* command id counter for this channel */
	int64_t audit_id;	/* audit row of the pending command, 0 when none */
	int64_t state_since_ms;	/* monotonic: when `confirmed` last changed */
	double power_w;		/* per-channel power when the device measures it */
	uint32_t nscreens;
	bool has_power;
	bool alarm_unconfirmed, alarm_compliance, alarm_meter;
	bool alarm_stuck;	/* the box's contactor feedback disagrees with its state */
	bool safe_on;		/* the box keeps it on when it fails (its status says) */
	bool alarm_safe_ad;	/* ... and an advertising screen is bound to it */
	bool queued, queued_on;	/* a command (on/off) waits to be sent (gw_chan_pump) */
	/* Commissioning test (decran relay test, control.c): off, on, off, each
	 * confirmed.  While it runs the schedule does not drive this channel. */
	bool under_test;
};

struct gw_boxstate {
	int online;		/* -1 unknown, 0 offline, 1 online */
	int64_t last_seen_ms;	/* real clock, any message */
	int64_t offline_since_ms;
	bool alarm_offline;
	size_t chan0;		/* its channels are chans[chan0 .. chan0+channels) */
	size_t screen0, nscreens;	/* its bound screens are g->screens[screen0 ..] */
	double power_w, energy_wh;
	bool has_power, has_energy;
	bool no_meter;		/* its telemetry said it has none (native) */
	char fallback_sig[32];	/* hash of the last fallback pushed, "" none */
	int64_t fallback_pushed;	/* UTC s */
	int64_t last_reading;	/* UTC s of the last meter row written */
};

struct gw {
	struct gw_config cfg;
	const char *config_path;
	struct dc_clock clock;
	struct dc_rules *rules;
	struct dc_sched_ctx sctx;
	struct dc_override *overrides;	/* sctx points into these */
	struct dc_grid_alert *alerts;
	struct dc_store *store;
	/* Screens bound to the config's boxes, sorted by (box index, channel):
	 * only what the schedule reads (lib/schedule.h), strings in screen_text. */
	struct dc_sched_screen *screens;
	size_t nscreens;
	struct gw_strpool screen_text;
	size_t nbound;		/* screens bound in the store, known boxes or not */
	char (*box_ids)[DC_ID_MAX];	/* boxes of the current channel table, for reloads */
	int *box_channels;
	size_t nboxes_state;
	int64_t boot_id;	/* start time in ms: makes command ids unique across restarts */
	uint64_t auth_seq;	/* last sequence number sealed (gw_publish_box) */

	struct gw_boxstate *boxes;	/* parallel to cfg.boxes */
	struct gw_chan *chans;
	size_t nchans;
	size_t nqueued, queue_cursor;	/* channels with a command waiting, where to look next */
	struct dc_recon_policy policy;

	struct dc_mqtt *mqtt;	/* lib/mqttconn.c */
	bool mqtt_up;
	unsigned mqtt_failures;	/* connection attempts failed in a row */
	int64_t started_ms;	/* monotonic */
	int64_t recon_wake_ms;	/* monotonic: earliest channel retry/alarm */
	/* The earliest "box offline" alarm due (monotonic), valid while
	 * offline_due_known: the loop asks at every turn, and a burst has
	 * thousands of turns; only a box going on- or offline changes it. */
	int64_t offline_due_ms;
	bool offline_due_known;
	int64_t next_edge;	/* UTC s: earliest schedule transition */
	int64_t next_heartbeat_ms, next_fallback_s;
	int64_t next_watch_ms;	/* clock trust, compliance of silent channels, alive mark */
	int64_t next_ledger_s;	/* UTC s: next energy ledger update */
	int64_t ledger_retry_mono;	/* monotonic ms: retry of a busy update, 0: none */
	bool clock_trusted;	/* NTP-synced, or clock_unsynced "trust": else advertising held off */
	bool dirty;		/* re-evaluate desired states now */
	bool settled;		/* startup grace over and waiting input read */
	bool fallbacks_dirty;
	bool fallback_pass, fallback_force;	/* pushing fallbacks, from box fallback_cursor */
	size_t fallback_cursor;
	int mqtt_inflight;	/* published, not yet acknowledged (on_publish) */

	struct dc_ledger_config energy;	/* energy.config, or the built-in values */
	struct gw_relay_test tests[GW_TESTS_KEPT];	/* relay tests, newest first */
	size_t ntests;
	struct gw_latency latency;

	uint64_t generation;	/* successful reloads: clients re-read the rules */
	struct dc_loop *loop;	/* lib/evloop.h: every module registers its fds and timers */
	int sigfd, ctlfd;
	int fleet_timer, mqtt_timer, status_timer, watchdog_timer;
	bool quit, reload;
	uint64_t commands_sent, confirmations, malformed;
};

/* Now, in the schedule's time (virtual under a test clock). */
int64_t gw_now(const struct gw *g);	/* UTC seconds */
int64_t gw_now_ms(const struct gw *g);	/* UTC milliseconds */
int64_t gw_mono(void);			/* monotonic ms, for retries and timeouts */
/* Asks the kernel whether NTP disciplines the clock (at start and every
 * heartbeat); a change re-evaluates the plan (clock_trusted). */
void gw_clock_check(struct gw *g);

/* mqtt.c */
/* Messages libmosquitto may hold at once (each kept with its payload until
 * the broker's PUBACK): commands and fallbacks wait in compact form beyond
 * these (a flag per channel, a cursor over the boxes).  libmosquitto walks
 * its whole in-flight list at every publish and PUBACK: 256 (not 1,024)
 * took a sixth off the CPU of a 10,000 burst, and still covers a 25 ms
 * round trip to the broker at 10,000 commands a second. */
#define GW_WINDOW_COMMANDS 256
#define GW_WINDOW_FALLBACKS 16
int gw_mqtt_init(struct gw *g);
void gw_mqtt_free(struct gw *g);
/* After publishing: watch for writability (and re-arm the connection's timer). */
void gw_mqtt_watch(struct gw *g);
void gw_mqtt_drain(struct gw *g);
int gw_publish(struct gw *g, const char *topic, const void *payload, size_t len, int qos,
	       bool retain);
/* How long a native command may be obeyed after it leaves (UTC s): a
 * command held up by a broker outage is refused by a box with a key
 * rather than obeyed late (docs/protocol.md, the legal floor). */
#define GW_CMD_TTL_S 120
/* Publish what can light native box `box`'s screens (its commands, its
 * fallback, the heartbeat meant for it), sealed with its key when it has
 * one (lib/msgauth.h), obeyable until `exp` (UTC s); the broker drops an
 * unsealed command past it too where MQTT v5 allows (message expiry). */
int gw_publish_box(struct gw *g, int box, const char *topic, const char *body, size_t len,
		   int qos, bool retain, int64_t exp);
/* The heartbeat (online or not) to every box with a key, on its own topic. */
void gw_heartbeat_keyed(struct gw *g, bool online);
int gw_box_index(const struct gw *g, int driver, const char *topic);
bool gw_mqtt_room(const struct gw *g, int window);	/* fewer than window in flight */

/* plan.c */
/* A channel table built for a configuration, not yet in force. */
struct gw_binding {
	struct gw_chan *chans;
	size_t nchans, nqueued;
	struct gw_boxstate *boxes;	/* parallel to the configuration's boxes */
	struct dc_sched_screen *screens;
	size_t nscreens, nbound, nboxes;
	struct gw_strpool text;
	char (*box_ids)[DC_ID_MAX];
	int *box_channels;
	/* The rules against the whole inventory, read in the same pass (when
	 * built with rules): logged at install.  lint_error: why not checked. */
	struct dc_lint lint;
	const char *lint_error;
};
/* The overrides and grid alerts in force, read from the database. */
struct gw_inputs {
	struct dc_override *overrides;
	size_t noverrides;
	struct dc_grid_alert *alerts;
	size_t nalerts;
};
/* Screens -> chans, from one listing of the inventory.  With lint (rules
 * non-NULL), the same pass checks the rules against every screen and the
 * install logs, as warnings, what of them matches no screen. */
int gw_plan_bind(struct gw *g, bool lint, char *err, size_t errlen);
/* The same in two steps: the table for cfg's boxes (keeping what g knows of
 * the same boxes), then in force once g->cfg is cfg. */
int gw_plan_bind_build(const struct gw *g, const struct gw_config *cfg,
		       const struct dc_rules *lint_rules, struct gw_binding *b, char *err,
		       size_t errlen);
void gw_plan_bind_install(struct gw *g, struct gw_binding *b);
void gw_binding_free(struct gw_binding *b);
int gw_plan_load_inputs(struct gw *g, char *err, size_t errlen);
int gw_plan_inputs_build(const struct gw *g, struct gw_inputs *in, char *err, size_t errlen);
void gw_plan_inputs_install(struct gw *g, struct gw_inputs *in);
struct gw_gridmsg;
long long gw_plan_grid_alert(struct gw *g, const struct gw_gridmsg *m, char *err,
			     size_t errlen);	/* MQTT grid alert: id / cleared, or -1 */
void gw_plan_evaluate(struct gw *g);	/* desired state of every channel now */
void gw_plan_push_fallbacks(struct gw *g, bool force);	/* starts a pass */
void gw_plan_fallbacks_continue(struct gw *g);
/* A pass has boxes left and room to send: the next slice is due now. */
bool gw_plan_fallbacks_pending(const struct gw *g);
#define GW_FALLBACK_SLICE 16
bool gw_plan_legal_night(struct gw *g, const struct gw_chan *c);
/* Luminous advertising (R581-35) on the channel: the advertising category
 * or transport street furniture, airports aside (dc_cpl_applies). */
bool gw_chan_carries_advertising(const struct gw_chan *c);
/* The clock is not trusted and the channel carries luminous advertising:
 * held off (gw_clock_check). */
bool gw_plan_clock_holds_off(const struct gw *g, const struct gw_chan *c);
/* ... at any moment in the coming `seconds` (a relay test's whole hold). */
bool gw_plan_legal_night_within(struct gw *g, const struct gw_chan *c, int64_t seconds);

/* chan.c */
/* A box's journal entry stamped before this (2020-01-01 UTC) or more than
 * 5 minutes ahead of the gateway comes from a clock that is wrong. */
#define GW_JOURNAL_EARLIEST 1577836800
void gw_chan_report(struct gw *g, int box, const struct dc_drv_event *ev);
/* A raised "compliance" alarm, or a channel left on against an unconfirmed
 * command, asked again: the night may have begun or ended without a report. */
void gw_chan_check_compliance(struct gw *g, struct gw_chan *c);
void gw_chan_check_compliance_all(struct gw *g);	/* every heartbeat */
/* Every channel's safe state against its screens, after a (re)binding. */
void gw_chan_check_safe_all(struct gw *g);
void gw_chan_step_all(struct gw *g);
void gw_chan_step(struct gw *g, struct gw_chan *c, int64_t mono);
void gw_box_seen(struct gw *g, int box, int online);
/* Raise the offline alarms due; returns when the next one falls due (one
 * pass over the boxes: it runs before every sleep). */
int64_t gw_alarms_check_offline(struct gw *g);
void gw_alarm(struct gw *g, const char *kind, int box, int channel, bool active,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void gw_chan_connected(struct gw *g);
void gw_chan_pump(struct gw *g);	/* send the queued commands */
/* At start: every bound screen's state is unknown (unconfirmed) in the
 * energy ledger until its channel reports one. */
void gw_chan_ledger_start(struct gw *g);
/* A clean stop: the screens on boxes that keep no journal are unknown
 * from now (nothing will tell what they do until the gateway is back). */
void gw_chan_ledger_stop(struct gw *g);
/* The alarms active now, from the live flags (the local API, the dashboard
 * and /metrics list the same ones).  v holds gw_alarms_max(g) entries. */
struct gw_alarm_ref {
	const char *kind;	/* "offline", "unconfirmed", "compliance", "meter", "database" */
	int box;		/* index in cfg.boxes, -1: the gateway itself */
	int channel;		/* 0: the whole box */
};
/* The box id of an alarm, "gateway" for box -1. */
const char *gw_alarm_box_id(const struct gw *g, int box);
size_t gw_alarms_max(const struct gw *g);
size_t gw_alarms_active(const struct gw *g, struct gw_alarm_ref *v);

/* modbus.c: worker threads; results come back through an eventfd.  The
 * workers keep their own copies of what they read of the configuration
 * (profiles[b]: box b's, from gw_profiles_of_config). */
int gw_modbus_start(struct gw *g, const struct gw_box_profiles *profiles, char *err,
		    size_t errlen);
void gw_modbus_stop(struct gw *g);
int gw_modbus_write(struct gw *g, struct gw_chan *c, int on);
void gw_modbus_drain(struct gw *g);	/* eventfd readable: apply results */
void gw_modbus_free(void);

/* control.c */
int gw_control_open(struct gw *g);
void gw_control_accept(struct gw *g);
void gw_control_client(struct gw *g, int fd);
void gw_control_close(struct gw *g);
void gw_control_tests(struct gw *g);
int64_t gw_control_next(const struct gw *g);
bool gw_chan_under_test(const struct gw_chan *c);
/* Start the off/on/off commissioning cycle on a channel; the result goes
 * to control client `fd` (-1: only logged).  -1 with a message in err. */
int gw_relay_test_start(struct gw *g, int box, int channel, int dwell_ms, int fd, char *err,
			size_t errlen);
/* A power reading arrived for box (channel 0: the whole box): the tests
 * running there take it for their step. */
void gw_control_power(struct gw *g, int box, int channel, double w);
/* chan.c: ask the device of channel c for a meter reading now (native
 * tele/get, Tasmota Status 8, Shelly Switch.GetStatus); false when its
 * driver cannot (Modbus meters are read on their poll cycle). */
bool gw_chan_read_meter(struct gw *g, const struct gw_chan *c);

/* ledger_worker.c: the ledger update runs on a worker thread (its own connection). */
int gw_energy_open(struct gw *g);
void gw_energy_close(struct gw *g);	/* joins a running update */
void gw_energy_tick(struct gw *g);
int64_t gw_energy_next(const struct gw *g);	/* monotonic ms */


/* fleet.c: the decisions after every event (schedule, reconciliation,
 * fallbacks, alarms, heartbeat, ledger) and the timer of the nearest one. */
int gw_fleet_open(struct gw *g);
void gw_fleet_step(struct gw *g);

/* notify.c: sd_notify (READY, STATUS, WATCHDOG, STOPPING). */
int gw_notify_open(struct gw *g);
void gw_notify_ready(struct gw *g);
void gw_notify_changed(struct gw *g);	/* MQTT link or a box's presence changed */
void gw_notify_stopping(void);

/* stage.c */
struct gw_stage {
	struct gw_config cfg;
	bool has_cfg, has_bind, has_inputs;
	struct dc_rules *rules;
	struct dc_ledger_config energy;
	struct gw_box_profiles *profiles;	/* one per box of cfg */
	struct gw_binding bind;
	struct gw_inputs inputs;
};
/* The configuration file and the files it names (rules and calendars,
 * energy settings, Modbus profiles), checked: what -n checks.  -1 with the
 * file and field in err, *what the kind of file ("rules", ...), nothing
 * left allocated. */
int gw_stage_files(const char *config_path, struct gw_stage *s, const char **what, char *err,
		   size_t errlen);
/* What needs the database: bindings, overrides, grid alerts (-1: the caller
 * frees s). */
int gw_stage_state(struct gw *g, struct gw_stage *s, const char **what, char *err, size_t errlen);
void gw_stage_install_files(struct gw *g, struct gw_stage *s);	/* start-up */
void gw_stage_free(struct gw_stage *s);
/* Re-read everything and swap it in whole, or keep the running state and
 * log why (file and field). */
int gw_reload(struct gw *g, char *err, size_t errlen);

#endif
