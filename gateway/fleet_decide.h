/* fleet_decide.h — the gateway's fleet decisions as pure functions: what a
 * channel should be, when a command may leave, which alarm is due, whether a
 * box's fallback must be pushed again, what the audit says was the reason.
 * gateway/daemon/chan.c and plan.c apply them to live state; the unit tests
 * (tests/unit/test_fleet_decide.c) check them without sockets or threads.
 * Monotonic times in milliseconds, schedule times in UTC seconds. */
#ifndef DECRAN_FLEET_DECIDE_H
#define DECRAN_FLEET_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fallback.h"
#include "gwconfig.h"
#include "rules.h"
#include "schedule.h"

/* A relay feeding n screens is on only if every screen may be on:
 * DC_STATE_ON / DC_STATE_OFF, DC_STATE_UNKNOWN when it feeds none (the
 * schedule does not drive it).  *off_by: the first screen that wants it off,
 * n when none. */
int gw_decide_channel(const bool *may_be_on, size_t n, size_t *off_by);

/* May a command leave for a box with this driver now?  Modbus: once the
 * first poll read the coils back (online known); MQTT: connected and the
 * retained states read, so a restart never re-switches what is right. */
bool gw_decide_can_send(enum gw_driver d, int box_online, bool mqtt_up, bool settled);

/* Meter alarm of a channel: power over the threshold while the relay is
 * confirmed off.  A reading taken within settle_ms of the last switch may
 * predate it: the alarm stays as it was (`active`). */
bool gw_decide_meter_alarm(bool active, int confirmed, int64_t since_switch_ms, double watts,
			   int settle_ms, double threshold_w);

/* When a box's offline alarm is due (monotonic ms), INT64_MAX when none is:
 * online or unknown, or already raised. */
int64_t gw_decide_offline_due(int online, bool alarm_raised, int64_t offline_since_ms,
			      int offline_alarm_s);

/* Fallbacks: compiled from midnight UTC of `now`, so the same rules give the
 * same message all day; pushed when forced, when changed (signature), or
 * when the last push is refresh_h old (the box's horizon must not run out). */
int64_t gw_decide_fallback_from(int64_t now);
void gw_fallback_signature(const struct dc_fallback *fb, char *buf, size_t len);
bool gw_decide_fallback_push(bool force, const char *sig, const char *last_sig, int64_t now,
			     int64_t last_pushed, int refresh_h);

/* The audit's reason for a decision: the decisive step of an explanation
 * ("policy:<id>", "derogation:<reference>", "night:R581-35", ...). */
void gw_decide_reason(const struct dc_rules *r, const struct dc_explain_step *st, char *buf,
		      size_t len);
/* Does the legal night rule (R581-35) apply at the explained instant,
 * deciding or shadowed by a stricter step? */
bool gw_decide_night_applies(const struct dc_explanation *e);

/* Command ids, unique across restarts (boot_id ms), and Shelly's JSON-RPC
 * id: the channel's command sequence with the channel's index in its low 20
 * bits, so an answer finds its channel and an older answer no longer
 * matches. */
void gw_command_id(int64_t boot_id, size_t chan_index, int64_t seq, char *buf, size_t len);
long long gw_shelly_rpc_id(int64_t seq, size_t chan_index);

#endif
