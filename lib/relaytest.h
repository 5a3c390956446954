/* relaytest.h — the verdict of a commissioning relay test (pure).
 *
 * `decran relay test` switches a channel off, on, off, holds each step for a
 * dwell time and reads the meter near its end (docs/gateway.md, "Relay
 * test").  The test passes when every step was confirmed by the device and,
 * when a meter measured the steps:
 *   - on:  the load that appeared (on power − first off power) is at least
 *          DC_RT_ON_RATIO of the screens' declared power (power_on_w), or,
 *          when no power is declared, more than the standby threshold;
 *   - off: the last off power is within the standby threshold of the first
 *          (the load went away again); with a meter of the channel alone
 *          (a smart plug), both off steps are at most the threshold.
 * The threshold is the gateway's alarms.meter_off_threshold_w.  A whole-box
 * meter also sees the box's other channels, hence the differences.
 */
#ifndef DECRAN_RELAYTEST_H
#define DECRAN_RELAYTEST_H

#include <stdbool.h>
#include <stddef.h>

#define DC_RT_ON_RATIO 0.5

struct dc_rt_step {
	bool confirmed;
	bool has_w;		/* a reading arrived during the step's dwell */
	double w;
};

enum dc_rt_verdict {
	DC_RT_FAIL,
	DC_RT_PASS,		/* confirmed, and the power agrees */
	DC_RT_PASS_UNMEASURED,	/* confirmed; no meter reading to check */
};

/* steps[0..2] = off, on, off.  declared_w: sum of the channel's screens'
 * power_on_w (0 unknown).  per_channel: the readings are the channel's own.
 * why: one line, English, for logs and the answer (the CLI translates). */
enum dc_rt_verdict dc_relay_test_verdict(const struct dc_rt_step steps[3], double declared_w,
					 double threshold_w, bool per_channel, char *why,
					 size_t whylen);
const char *dc_rt_verdict_name(enum dc_rt_verdict v);	/* "pass", "pass-unmeasured", "fail" */

#endif
