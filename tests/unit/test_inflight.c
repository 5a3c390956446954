/* test_inflight.c — the restart rule for commands left in flight, over
 * every combination of what the gateway can know. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "inflight.h"
#include "reconcile.h"

static const int states[] = { DC_STATE_UNKNOWN, DC_STATE_OFF, DC_STATE_ON };

/* Calls fn on each of the 96 observations. */
static void each(void (*fn)(const struct dc_inflight_obs *o, enum dc_inflight_verdict v))
{
	for (int to = DC_STATE_OFF; to <= DC_STATE_ON; to++)
		for (int r = 0; r < 3; r++)
			for (int bits = 0; bits < 16; bits++) {
				struct dc_inflight_obs o = {
					.to_state = to, .reported = states[r],
					.echoed = bits & 1, .later_command = bits & 2,
					.grace_over = bits & 4, .interrupted = bits & 8,
				};
				fn(&o, dc_inflight_decide(&o));
			}
}

/* An echo of the command's id is proof of execution, whatever else. */
static void echo_wins(const struct dc_inflight_obs *o, enum dc_inflight_verdict v)
{
	if (o->echoed)
		assert_int_equal(v, DC_INFLIGHT_CONFIRMED);
}

/* Confirmed only on evidence: an echo, or the target state reported. */
static void confirmed_needs_evidence(const struct dc_inflight_obs *o, enum dc_inflight_verdict v)
{
	if (v == DC_INFLIGHT_CONFIRMED)
		assert_true(o->echoed || (o->reported == o->to_state && !o->later_command));
}

/* Failed only when the grace is over and the opposite state is reported. */
static void failed_needs_the_opposite(const struct dc_inflight_obs *o, enum dc_inflight_verdict v)
{
	if (v == DC_INFLIGHT_FAILED)
		assert_true(o->grace_over && o->reported != DC_STATE_UNKNOWN &&
			    o->reported != o->to_state && !o->echoed && !o->later_command);
}

/* Interrupted only for what cannot be known, and written once. */
static void interrupted_only_when_unknown(const struct dc_inflight_obs *o,
					  enum dc_inflight_verdict v)
{
	if (v == DC_INFLIGHT_INTERRUPTED)
		assert_true(o->grace_over && o->reported == DC_STATE_UNKNOWN && !o->interrupted &&
			    !o->echoed && !o->later_command);
}

/* After the grace, a command is resolved unless it is already marked
 * interrupted and nothing new is known. */
static void grace_over_decides(const struct dc_inflight_obs *o, enum dc_inflight_verdict v)
{
	if (o->grace_over && v == DC_INFLIGHT_WAIT)
		assert_true(o->interrupted && o->reported == DC_STATE_UNKNOWN && !o->echoed &&
			    !o->later_command);
	if (o->later_command && !o->echoed)
		assert_int_equal(v, DC_INFLIGHT_SUPERSEDED);
}

static void properties(void **s)
{
	(void)s;
	each(echo_wins);
	each(confirmed_needs_evidence);
	each(failed_needs_the_opposite);
	each(interrupted_only_when_unknown);
	each(grace_over_decides);
}

static void typical_cases(void **s)
{
	(void)s;
	/* Executed before the kill: the device is off, as commanded. */
	struct dc_inflight_obs o = { .to_state = DC_STATE_OFF, .reported = DC_STATE_OFF };
	assert_int_equal(dc_inflight_decide(&o), DC_INFLIGHT_CONFIRMED);
	/* Never left the gateway: still on after the grace. */
	o = (struct dc_inflight_obs){ .to_state = DC_STATE_OFF, .reported = DC_STATE_ON };
	assert_int_equal(dc_inflight_decide(&o), DC_INFLIGHT_WAIT);
	o.grace_over = true;
	assert_int_equal(dc_inflight_decide(&o), DC_INFLIGHT_FAILED);
	/* Box offline: interrupted once, then resolved when it reports. */
	o = (struct dc_inflight_obs){ .to_state = DC_STATE_ON, .reported = DC_STATE_UNKNOWN,
				      .grace_over = true };
	assert_int_equal(dc_inflight_decide(&o), DC_INFLIGHT_INTERRUPTED);
	o.interrupted = true;
	assert_int_equal(dc_inflight_decide(&o), DC_INFLIGHT_WAIT);
	o.reported = DC_STATE_ON;
	assert_int_equal(dc_inflight_decide(&o), DC_INFLIGHT_CONFIRMED);
}

static void outcome_names(void **s)
{
	(void)s;
	assert_null(dc_inflight_outcome(DC_INFLIGHT_WAIT));
	assert_string_equal(dc_inflight_outcome(DC_INFLIGHT_CONFIRMED), "confirmed");
	assert_string_equal(dc_inflight_outcome(DC_INFLIGHT_SUPERSEDED), "superseded");
	assert_string_equal(dc_inflight_outcome(DC_INFLIGHT_FAILED), "failed");
	assert_string_equal(dc_inflight_outcome(DC_INFLIGHT_INTERRUPTED), "interrupted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(properties),
		cmocka_unit_test(typical_cases),
		cmocka_unit_test(outcome_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
