/* test_relaytest.c — the relay test's verdict (lib/relaytest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "relaytest.h"

static char why[200];

static enum dc_rt_verdict v(double w0, double w1, double w2, double declared, bool per_channel)
{
	struct dc_rt_step s[3] = { { true, true, w0 }, { true, true, w1 }, { true, true, w2 } };
	return dc_relay_test_verdict(s, declared, 5, per_channel, why, sizeof why);
}

static void confirmations_first(void **state)
{
	(void)state;
	struct dc_rt_step s[3] = { { true, true, 0 }, { false, false, 0 }, { true, true, 0 } };
	assert_int_equal(dc_relay_test_verdict(s, 150, 5, true, why, sizeof why), DC_RT_FAIL);
	assert_non_null(strstr(why, "step 2 (on) not confirmed"));
	/* confirmed but never measured: passes, says power was not checked */
	s[1] = (struct dc_rt_step){ true, false, 0 };
	assert_int_equal(dc_relay_test_verdict(s, 150, 5, true, why, sizeof why),
			 DC_RT_PASS_UNMEASURED);
	assert_string_equal(dc_rt_verdict_name(DC_RT_PASS_UNMEASURED), "pass-unmeasured");
}

static void on_step_against_declared_power(void **state)
{
	(void)state;
	/* commissioning.md's case: 150 W declared, the meter sees it */
	assert_int_equal(v(0.8, 150.8, 0.8, 150, true), DC_RT_PASS);
	/* exactly half is enough, less is not (an LCD half lit, a wrong channel) */
	assert_int_equal(v(0, 75, 0, 150, true), DC_RT_PASS);
	assert_int_equal(v(0, 74.9, 0, 150, true), DC_RT_FAIL);
	assert_non_null(strstr(why, "less than 50 %"));
	/* the failing case: a reading from before the switch */
	assert_int_equal(v(0.8, 0.8, 0.8, 150, true), DC_RT_FAIL);
	/* nothing declared: some load beyond the threshold must appear */
	assert_int_equal(v(0, 40, 0, 0, true), DC_RT_PASS);
	assert_int_equal(v(0, 4, 0, 0, true), DC_RT_FAIL);
}

static void off_steps_against_threshold(void **state)
{
	(void)state;
	/* a plug's own meter: off must be at most the threshold */
	assert_int_equal(v(12, 170, 12, 150, true), DC_RT_FAIL);
	assert_non_null(strstr(why, "step 1 (off)"));
	/* a whole-box meter sees the other screens: differences count */
	assert_int_equal(v(300, 450, 302, 150, false), DC_RT_PASS);
	assert_int_equal(v(300, 450, 400, 150, false), DC_RT_FAIL);
	assert_non_null(strstr(why, "step 3 (off)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(confirmations_first),
		cmocka_unit_test(on_step_against_declared_power),
		cmocka_unit_test(off_steps_against_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
