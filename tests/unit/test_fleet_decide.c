/* test_fleet_decide.c — the gateway's fleet decisions without sockets:
 * what a channel should be, when commands may leave, which alarms are due,
 * when a fallback is pushed again, and what the audit gives as a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fleet_decide.h"
#include "reconcile.h"
#include "tz.h"

static void a_relay_is_on_only_if_every_screen_may_be(void **state)
{
	(void)state;
	size_t off_by;
	bool all[3] = { true, true, true }, second[3] = { true, false, false };
	assert_int_equal(gw_decide_channel(all, 3, &off_by), DC_STATE_ON);
	assert_int_equal(off_by, 3);
	/* The first screen that wants it off gives the reason. */
	assert_int_equal(gw_decide_channel(second, 3, &off_by), DC_STATE_OFF);
	assert_int_equal(off_by, 1);
	/* A relay that feeds no screen is not driven. */
	assert_int_equal(gw_decide_channel(all, 0, &off_by), DC_STATE_UNKNOWN);
	assert_int_equal(off_by, 0);
}

static void commands_wait_for_readback(void **state)
{
	(void)state;
	/* MQTT: connected and settled (retained states read), both needed. */
	assert_true(gw_decide_can_send(GW_DRV_TASMOTA, -1, true, true));
	assert_false(gw_decide_can_send(GW_DRV_TASMOTA, 1, true, false));
	assert_false(gw_decide_can_send(GW_DRV_NATIVE, 1, false, true));
	assert_false(gw_decide_can_send(GW_DRV_SHELLY, 1, false, false));
	/* Modbus: after the first poll, whatever its outcome; not before. */
	assert_false(gw_decide_can_send(GW_DRV_MODBUS_TCP, -1, true, true));
	assert_true(gw_decide_can_send(GW_DRV_MODBUS_TCP, 0, false, false));
	assert_true(gw_decide_can_send(GW_DRV_MODBUS_RTU, 1, false, false));
}

static void meter_alarm_after_settling_only(void **state)
{
	(void)state;
	/* Off and drawing 40 W (threshold 5 W): raised once settled. */
	assert_false(gw_decide_meter_alarm(false, DC_STATE_OFF, 100, 40, 300, 5));
	assert_true(gw_decide_meter_alarm(false, DC_STATE_OFF, 300, 40, 300, 5));
	/* Too early to tell: an active alarm stays active. */
	assert_true(gw_decide_meter_alarm(true, DC_STATE_OFF, 0, 0, 300, 5));
	/* Cleared under the threshold; never while the relay is on. */
	assert_false(gw_decide_meter_alarm(true, DC_STATE_OFF, 1000, 5, 300, 5));
	assert_false(gw_decide_meter_alarm(false, DC_STATE_ON, 1000, 400, 300, 5));
	assert_false(gw_decide_meter_alarm(false, DC_STATE_UNKNOWN, 1000, 400, 300, 5));
}

static void offline_alarm_is_due_after_the_delay(void **state)
{
	(void)state;
	assert_int_equal(gw_decide_offline_due(0, false, 10000, 60), 70000);
	assert_int_equal(gw_decide_offline_due(1, false, 10000, 60), INT64_MAX);
	assert_int_equal(gw_decide_offline_due(-1, false, 10000, 60), INT64_MAX);
	assert_int_equal(gw_decide_offline_due(0, true, 10000, 60), INT64_MAX);
}

static void fallback_is_pushed_when_changed_stale_or_forced(void **state)
{
	(void)state;
	struct dc_fallback fb;
	char a[32], b[32];
	int64_t t = INT64_C(1795467598);	/* 2026-11-23T20:59:58Z */
	assert_int_equal(gw_decide_fallback_from(t), INT64_C(1795392000));
	assert_int_equal(gw_decide_fallback_from(INT64_C(1795392000)), INT64_C(1795392000));
	assert_int_equal(gw_decide_fallback_from(-1), -86400);
	memset(&fb, 0, sizeof fb);
	fb.until = t + 14 * 86400;
	gw_fallback_signature(&fb, a, sizeof a);
	gw_fallback_signature(&fb, b, sizeof b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 16);
	fb.ch[0].channel = 1;
	fb.ch[0].nsteps = 1;
	fb.ch[0].steps[0] = t + 3600;
	gw_fallback_signature(&fb, b, sizeof b);
	assert_string_not_equal(a, b);
	/* Unchanged and fresh: not pushed; changed, stale or forced: pushed. */
	assert_false(gw_decide_fallback_push(false, a, a, t, t - 3600, 24));
	assert_true(gw_decide_fallback_push(false, b, a, t, t - 3600, 24));
	assert_true(gw_decide_fallback_push(false, a, a, t, t - 24 * 3600, 24));
	assert_true(gw_decide_fallback_push(true, a, a, t, t, 24));
	/* Never pushed (signature ""): pushed. */
	assert_true(gw_decide_fallback_push(false, a, "", t, t, 24));
}

static void reasons_name_the_decisive_step(void **state)
{
	(void)state;
	char err[512], buf[160];
	const char *json = "{\"zone\": \"Europe/Paris\", \"policies\": [{\"id\": \"advertising-night\","
			   " \"scope\": {\"categories\": [\"advertising\"]}, \"windows\": [{\"start\":"
			   " \"22:00\", \"end\": \"07:00\"}], \"effect\": \"off\", \"reason\": \"nuit\"}],"
			   " \"derogations\": [{\"reference\": \"Arrêté 2026-318\", \"screens\":"
			   " [\"pub-gare-01\"], \"from\": \"2026-12-31 20:00\", \"to\": \"2027-01-01 03:00\","
			   " \"reason\": \"Réveillon\"}]}";
	struct dc_rules *r = dc_rules_parse(json, strlen(json), ".", err, sizeof err);
	if (!r)
		fail_msg("%s", err);
	struct dc_explain_step st = { .kind = DC_STEP_POLICY, .index = 0 };
	gw_decide_reason(r, &st, buf, sizeof buf);
	assert_string_equal(buf, "policy:advertising-night");
	st = (struct dc_explain_step){ .kind = DC_STEP_DEROGATION, .index = 0 };
	gw_decide_reason(r, &st, buf, sizeof buf);
	assert_string_equal(buf, "derogation:Arrêté 2026-318");
	st = (struct dc_explain_step){ .kind = DC_STEP_NIGHT, .index = -1 };
	gw_decide_reason(r, &st, buf, sizeof buf);
	assert_string_equal(buf, "night:R581-35");
	st = (struct dc_explain_step){ .kind = DC_STEP_FORCE_OFF, .index = 0 };
	gw_decide_reason(r, &st, buf, sizeof buf);
	assert_string_equal(buf, "override:force-off");
	st = (struct dc_explain_step){ .kind = DC_STEP_DEFAULT, .index = -1 };
	gw_decide_reason(r, &st, buf, sizeof buf);
	assert_string_equal(buf, "default");
	dc_rules_free(r);
}

static void night_rule_counts_applied_or_shadowed(void **state)
{
	(void)state;
	struct dc_explanation e;
	memset(&e, 0, sizeof e);
	e.nsteps = 2;
	e.steps[0] = (struct dc_explain_step){ .kind = DC_STEP_POLICY, .outcome = DC_OUT_APPLIED };
	e.steps[1] = (struct dc_explain_step){ .kind = DC_STEP_NIGHT, .outcome = DC_OUT_SHADOWED };
	assert_true(gw_decide_night_applies(&e));
	e.steps[1].outcome = DC_OUT_APPLIED;
	assert_true(gw_decide_night_applies(&e));
	e.steps[1].kind = DC_STEP_GRID;
	assert_false(gw_decide_night_applies(&e));
}

static void command_ids_are_unique_and_shelly_ids_find_their_channel(void **state)
{
	(void)state;
	char a[64];
	gw_command_id(INT64_C(1795467598004), 7, 3, a, sizeof a);
	assert_string_equal(a, "1795467598004-7-3");
	long long id = gw_shelly_rpc_id(3, 7);
	assert_int_equal(id & 0xfffff, 7);
	assert_int_equal(id >> 20, 3);
	/* A later command on the same channel gets another id. */
	assert_true(gw_shelly_rpc_id(4, 7) != id);
	/* The sequence wraps at 24 bits, the channel index is kept. */
	assert_int_equal(gw_shelly_rpc_id((INT64_C(1) << 24) + 5, 9), gw_shelly_rpc_id(5, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_relay_is_on_only_if_every_screen_may_be),
		cmocka_unit_test(commands_wait_for_readback),
		cmocka_unit_test(meter_alarm_after_settling_only),
		cmocka_unit_test(offline_alarm_is_due_after_the_delay),
		cmocka_unit_test(fallback_is_pushed_when_changed_stale_or_forced),
		cmocka_unit_test(reasons_name_the_decisive_step),
		cmocka_unit_test(night_rule_counts_applied_or_shadowed),
		cmocka_unit_test(command_ids_are_unique_and_shelly_ids_find_their_channel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
