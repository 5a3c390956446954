/* test_reconcile.c — desired vs. confirmed state machine, driven by explicit time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reconcile.h"

static const struct dc_recon_policy P = { .retry_first_ms = 1000, .retry_max_ms = 8000,
					  .confirm_timeout_ms = 5000 };
#define T0 INT64_C(1795392000000)	/* 2026-11-23 00:00 UTC in ms */

static struct dc_recon fresh(int desired)
{
	struct dc_recon r;
	dc_recon_init(&r);
	dc_recon_set_desired(&r, desired);
	return r;
}

static void unknown_desired_does_nothing(void **s)
{
	(void)s;
	struct dc_recon r;
	struct dc_recon_action a;
	int64_t wake;
	dc_recon_init(&r);
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, &wake), 0);
	assert_true(wake == INT64_MAX);
	assert_int_equal(dc_recon_report(&r, DC_STATE_ON, T0, &a), 0);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 1, &a, &wake), 0);
	assert_false(dc_recon_settled(&r));
}

static void unknown_confirmed_sends_at_once(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_OFF);
	struct dc_recon_action a;
	int64_t wake;
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, &wake), DC_RECON_SEND);
	assert_int_equal(a.value, DC_STATE_OFF);
	assert_int_equal(a.attempt, 1);
	assert_true(wake == T0 + 1000);
	/* Nothing more before the retry is due. */
	assert_int_equal(dc_recon_step(&r, &P, T0 + 999, &a, &wake), 0);
	assert_true(wake == T0 + 1000);
}

static void already_in_state_sends_nothing(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_OFF);
	struct dc_recon_action a;
	int64_t wake;
	assert_int_equal(dc_recon_report(&r, DC_STATE_OFF, T0, &a), 0);
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, &wake), 0);
	assert_true(wake == INT64_MAX);
	assert_true(dc_recon_settled(&r));
}

static void confirmation_completes_the_switch(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_ON);
	struct dc_recon_action a;
	int64_t wake;
	dc_recon_report(&r, DC_STATE_OFF, T0 - 10, NULL);
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, &wake), DC_RECON_SEND);
	/* A stale report of the old state confirms nothing. */
	assert_int_equal(dc_recon_report(&r, DC_STATE_OFF, T0 + 5, &a), 0);
	assert_int_equal(dc_recon_report(&r, DC_STATE_ON, T0 + 120, &a), DC_RECON_DONE);
	assert_int_equal(a.value, DC_STATE_ON);
	assert_int_equal(a.attempt, 1);
	assert_int_equal(a.latency_ms, 120);
	assert_true(dc_recon_settled(&r));
	assert_int_equal(dc_recon_step(&r, &P, T0 + 100000, &a, &wake), 0);
	assert_true(wake == INT64_MAX);
}

static void backoff_doubles_up_to_the_cap(void **s)
{
	(void)s;
	assert_int_equal(dc_recon_backoff(&P, 1), 1000);
	assert_int_equal(dc_recon_backoff(&P, 2), 2000);
	assert_int_equal(dc_recon_backoff(&P, 3), 4000);
	assert_int_equal(dc_recon_backoff(&P, 4), 8000);
	assert_int_equal(dc_recon_backoff(&P, 5), 8000);
	assert_int_equal(dc_recon_backoff(&P, 4000000000u), 8000);
	struct dc_recon_policy zero = { 0, 0, 0 };
	assert_true(dc_recon_backoff(&zero, 3) >= 1);
}

static void retries_follow_backoff_and_alarm_once(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_OFF);
	struct dc_recon_action a;
	int64_t wake, now = T0;
	int64_t sends[8];
	int nsend = 0, nalarm = 0;
	/* Walk the clock exactly from wake-up to wake-up for 30 s. */
	while (now < T0 + 30000) {
		unsigned f = dc_recon_step(&r, &P, now, &a, &wake);
		if (f & DC_RECON_SEND) {
			assert_true(nsend < 8);
			assert_int_equal(a.attempt, (unsigned)nsend + 1);
			sends[nsend++] = now;
		}
		if (f & DC_RECON_ALARM) {
			nalarm++;
			assert_true(now == T0 + 5000);
		}
		assert_true(wake > now);
		now = wake;
	}
	/* Sends at 0, 1, 3, 7, 15, 23 s (gaps 1, 2, 4, 8, 8). */
	int64_t want[] = { 0, 1000, 3000, 7000, 15000, 23000 };
	assert_int_equal(nsend, 6);
	for (int i = 0; i < nsend; i++)
		assert_true(sends[i] == T0 + want[i]);
	assert_int_equal(nalarm, 1);
	/* Late confirmation: done, and the alarm clears. */
	assert_int_equal(dc_recon_report(&r, DC_STATE_OFF, now, &a),
			 DC_RECON_DONE | DC_RECON_CLEAR);
	assert_int_equal(a.attempt, 6);
	assert_false(r.alarmed);
}

/* A command held 12 s before it leaves (its audit row waited on a busy
 * database): the clocks start when it is really sent, so neither a retry
 * nor the alarm counts the wait as the device's silence. */
static void clocks_start_when_the_command_really_leaves(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_ON);
	struct dc_recon_action a;
	int64_t wake;
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, &wake), DC_RECON_SEND);
	assert_int_equal(a.attempt, 1);
	dc_recon_sent(&r, &P, T0 + 12000, &wake);
	assert_true(wake == T0 + 12000 + 1000);	/* first retry 1 s after the real send */
	assert_int_equal(dc_recon_step(&r, &P, T0 + 12500, &a, &wake), 0);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 13000, &a, &wake), DC_RECON_SEND);
	assert_int_equal(a.attempt, 2);
	/* A retry that waited too: backoff from its own departure. */
	dc_recon_sent(&r, &P, T0 + 14000, &wake);
	assert_true(wake == T0 + 14000 + 2000);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 15999, &a, &wake), 0);
	assert_true(wake == T0 + 16000);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 16000, &a, &wake), DC_RECON_SEND);
	/* The alarm: 5 s after the first real send, not after the first wish. */
	assert_true(wake == T0 + 12000 + 5000);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 16999, &a, &wake), 0);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 17000, &a, &wake), DC_RECON_ALARM);
	/* Nothing pending: nothing to start. */
	struct dc_recon idle = fresh(DC_STATE_UNKNOWN);
	dc_recon_sent(&idle, &P, T0, &wake);
	assert_true(wake == INT64_MAX);
	assert_true(idle.first_sent == 0);
}

static void new_desire_supersedes_pending(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_OFF);
	struct dc_recon_action a;
	int64_t wake;
	dc_recon_report(&r, DC_STATE_ON, T0, NULL);
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, &wake), DC_RECON_SEND);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 6000, &a, &wake),
			 DC_RECON_SEND | DC_RECON_ALARM);
	/* The schedule flips back to on, which the device still is. */
	dc_recon_set_desired(&r, DC_STATE_ON);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 6001, &a, &wake),
			 DC_RECON_SUPERSEDED | DC_RECON_CLEAR);
	assert_true(wake == INT64_MAX);
	assert_int_equal(r.pending, DC_STATE_UNKNOWN);
	/* Flip to off again while the device is unreachable: a new command. */
	dc_recon_set_desired(&r, DC_STATE_OFF);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 7000, &a, &wake), DC_RECON_SEND);
	dc_recon_set_desired(&r, DC_STATE_UNKNOWN);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 7001, &a, &wake), DC_RECON_SUPERSEDED);
}

static void switching_both_ways(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_ON);
	struct dc_recon_action a;
	dc_recon_report(&r, DC_STATE_ON, T0, NULL);
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, NULL), 0);
	dc_recon_set_desired(&r, DC_STATE_OFF);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 10, &a, NULL), DC_RECON_SEND);
	assert_int_equal(a.value, DC_STATE_OFF);
	assert_int_equal(dc_recon_report(&r, DC_STATE_OFF, T0 + 20, &a), DC_RECON_DONE);
	dc_recon_set_desired(&r, DC_STATE_ON);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 30, &a, NULL), DC_RECON_SEND);
	assert_int_equal(a.value, DC_STATE_ON);
	assert_int_equal(a.attempt, 1);
	assert_int_equal(dc_recon_report(&r, DC_STATE_ON, T0 + 40, &a), DC_RECON_DONE);
	assert_int_equal(a.latency_ms, 10);
}

static void drift_is_reported_and_corrected(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_OFF);
	struct dc_recon_action a;
	dc_recon_report(&r, DC_STATE_OFF, T0, NULL);
	assert_int_equal(dc_recon_report(&r, DC_STATE_ON, T0 + 5, &a), DC_RECON_DRIFT);
	assert_int_equal(a.value, DC_STATE_ON);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 6, &a, NULL), DC_RECON_SEND);
	assert_int_equal(a.value, DC_STATE_OFF);
	/* A second "on" while correcting is not a new drift. */
	assert_int_equal(dc_recon_report(&r, DC_STATE_ON, T0 + 7, &a), 0);
}

static void offline_then_back_retries_at_once(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_OFF);
	struct dc_recon_action a;
	int64_t wake;
	dc_recon_report(&r, DC_STATE_OFF, T0, NULL);
	dc_recon_set_online(&r, 0, T0 + 1);
	assert_int_equal(r.confirmed, DC_STATE_UNKNOWN);
	/* State unknown: command it (QoS 1 may deliver it when it is back). */
	assert_int_equal(dc_recon_step(&r, &P, T0 + 2, &a, &wake), DC_RECON_SEND);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 1002, &a, &wake), DC_RECON_SEND);
	assert_true(wake == T0 + 3002);
	dc_recon_set_online(&r, 1, T0 + 1500);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 1500, &a, &wake), DC_RECON_SEND);
	assert_int_equal(a.attempt, 3);
	/* Coming online twice does not reset anything. */
	dc_recon_set_online(&r, 1, T0 + 1600);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 1600, &a, &wake), 0);
	assert_int_equal(dc_recon_report(&r, DC_STATE_OFF, T0 + 1700, &a), DC_RECON_DONE);
}

static void unknown_report_keeps_retrying(void **s)
{
	(void)s;
	struct dc_recon r = fresh(DC_STATE_ON);
	struct dc_recon_action a;
	assert_int_equal(dc_recon_step(&r, &P, T0, &a, NULL), DC_RECON_SEND);
	assert_int_equal(dc_recon_report(&r, DC_STATE_UNKNOWN, T0 + 1, &a), 0);
	assert_int_equal(dc_recon_step(&r, &P, T0 + 1000, &a, NULL), DC_RECON_SEND);
}

/* Property: random desired/report/online events on a random clock never
 * break the invariants, and once the device obeys, the channel settles. */
static void random_walk_invariants(void **s)
{
	(void)s;
	srand(42);
	for (int run = 0; run < 2000; run++) {
		struct dc_recon r;
		struct dc_recon_action a;
		int64_t now = T0, wake;
		dc_recon_init(&r);
		int alarms_for_pending = 0;
		for (int i = 0; i < 60; i++) {
			now += rand() % 4000;
			switch (rand() % 4) {
			case 0:
				dc_recon_set_desired(&r, rand() % 3 - 1);
				break;
			case 1: {
				int st = rand() % 3 - 1;
				int pend = r.pending;
				unsigned f = dc_recon_report(&r, st, now, &a);
				if (f & DC_RECON_DONE) {
					assert_int_equal(st, pend);
					assert_int_equal(r.pending, DC_STATE_UNKNOWN);
					alarms_for_pending = 0;
				} else if (pend != DC_STATE_UNKNOWN) {
					assert_int_equal(r.pending, pend);
				}
				break;
			}
			case 2:
				dc_recon_set_online(&r, rand() % 2, now);
				break;
			default:
				break;
			}
			int pend_before = r.pending;
			unsigned f = dc_recon_step(&r, &P, now, &a, &wake);
			if (f & (DC_RECON_SUPERSEDED | DC_RECON_CLEAR))
				alarms_for_pending = 0;
			if (pend_before != r.pending)
				alarms_for_pending = 0;
			if (f & DC_RECON_SEND) {
				assert_int_not_equal(r.desired, DC_STATE_UNKNOWN);
				assert_int_not_equal(r.confirmed, r.desired);
				assert_int_equal(a.value, r.desired);
			}
			if (f & DC_RECON_ALARM)
				assert_int_equal(++alarms_for_pending, 1);
			if (dc_recon_settled(&r) || r.desired == DC_STATE_UNKNOWN) {
				assert_int_equal(f & DC_RECON_SEND, 0);
				assert_true(wake == INT64_MAX);
			} else {
				assert_true(wake > now);
			}
		}
		/* The device comes back and obeys: settled within one step. */
		if (r.desired != DC_STATE_UNKNOWN) {
			dc_recon_set_online(&r, 1, now);
			dc_recon_step(&r, &P, now, &a, &wake);
			dc_recon_report(&r, r.desired, now + 1, &a);
			assert_true(dc_recon_settled(&r));
			assert_int_equal(dc_recon_step(&r, &P, now + 2, &a, &wake), 0);
			assert_false(r.alarmed);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_desired_does_nothing),
		cmocka_unit_test(unknown_confirmed_sends_at_once),
		cmocka_unit_test(already_in_state_sends_nothing),
		cmocka_unit_test(confirmation_completes_the_switch),
		cmocka_unit_test(backoff_doubles_up_to_the_cap),
		cmocka_unit_test(retries_follow_backoff_and_alarm_once),
		cmocka_unit_test(clocks_start_when_the_command_really_leaves),
		cmocka_unit_test(new_desire_supersedes_pending),
		cmocka_unit_test(switching_both_ways),
		cmocka_unit_test(drift_is_reported_and_corrected),
		cmocka_unit_test(offline_then_back_retries_at_once),
		cmocka_unit_test(unknown_report_keeps_retrying),
		cmocka_unit_test(random_walk_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
