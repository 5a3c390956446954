/* test_relay_core.c — arbitration, the offline journal, protocol parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arbiter.h"
#include "journal.h"
#include "proto.h"

#define T0 INT64_C(1795392000)	/* 2026-11-23 00:00 UTC */

/* ch1: on from T0, off at T0+3600 (legal night starts), on at T0+18000 */
static struct dc_fallback sched(void)
{
	struct dc_fallback fb;
	memset(&fb, 0, sizeof fb);
	snprintf(fb.box, sizeof fb.box, "b");
	fb.from = T0;
	fb.until = T0 + 86400;
	fb.ch[0] = (struct dc_fallback_channel){ .channel = 1, .initial_on = 1, .nsteps = 2,
						 .steps = { T0 + 3600, T0 + 18000 } };
	return fb;
}

static void wanted_follows_schedule_or_safe_state(void **state)
{
	(void)state;
	struct dc_fallback fb = sched();
	int64_t next;
	assert_true(fw_wanted(&fb, 1, T0 + 10, true, false, &next));
	assert_int_equal(next, T0 + 3600);
	assert_false(fw_wanted(&fb, 1, T0 + 3600, true, false, &next));
	assert_int_equal(next, T0 + 18000);
	/* untrusted clock: safe state, no transition to wait for */
	assert_false(fw_wanted(&fb, 1, T0 + 10, false, false, &next));
	assert_int_equal(next, INT64_MAX);
	assert_true(fw_wanted(&fb, 1, T0 + 3600, false, true, NULL));
	/* channel absent, schedule expired, no schedule at all */
	assert_false(fw_wanted(&fb, 2, T0 + 10, true, false, NULL));
	assert_false(fw_wanted(&fb, 1, T0 + 86400, true, false, NULL));
	assert_false(fw_wanted(NULL, 1, T0, true, false, NULL));
	assert_true(fw_wanted(NULL, 1, T0, true, true, NULL));
	/* before the schedule starts: safe state until `from` */
	assert_false(fw_wanted(&fb, 1, T0 - 5, true, false, &next));
	assert_int_equal(next, T0);
}

static void local_clients_cannot_light_the_night(void **state)
{
	(void)state;
	struct dc_fallback fb = sched();
	assert_true(fw_local_allowed(&fb, 1, T0 + 10, true, false, true));
	assert_false(fw_local_allowed(&fb, 1, T0 + 3600, true, false, true));
	assert_true(fw_local_allowed(&fb, 1, T0 + 3600, true, false, false));
	assert_false(fw_local_allowed(&fb, 1, T0 + 10, false, false, true));	/* clock untrusted */
	assert_false(fw_local_allowed(NULL, 1, T0, true, false, true));
}

static void gateway_control_times_out(void **state)
{
	(void)state;
	assert_false(fw_gateway_in_control(false, 1000, 1000, 90));
	assert_false(fw_gateway_in_control(true, INT64_MIN, 1000, 90));
	assert_true(fw_gateway_in_control(true, 1000, 1000 + 89999, 90));
	assert_false(fw_gateway_in_control(true, 1000, 1000 + 90000, 90));
}

static void journal_acks_drops_and_round_trips(void **state)
{
	(void)state;
	struct fw_journal j, k;
	char err[128];
	assert_int_equal(fw_journal_init(&j, 4), 0);
	for (int i = 0; i < 6; i++)
		fw_journal_add(&j, 1 + i % 2, i % 2, FW_SRC_FALLBACK, T0 + i);
	/* cap 4: two oldest dropped and counted */
	assert_int_equal(j.n, 4);
	assert_int_equal(j.dropped, 2);
	assert_int_equal(fw_journal_at(&j, 0)->seq, 3);
	assert_int_equal(fw_journal_at(&j, 3)->seq, 6);
	assert_null(fw_journal_at(&j, 4));

	char *s = fw_journal_encode(&j, "b", SIZE_MAX);
	assert_non_null(s);
	assert_int_equal(fw_journal_init(&k, 4), 0);
	assert_int_equal(fw_journal_decode(&k, s, strlen(s), err, sizeof err), 0);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.next_seq, 7);
	assert_int_equal(k.dropped, 2);
	assert_int_equal(fw_journal_at(&k, 2)->seq, 5);
	assert_int_equal(fw_journal_at(&k, 2)->t, T0 + 4);
	assert_int_equal(fw_journal_at(&k, 2)->src, FW_SRC_FALLBACK);
	free(s);

	/* batches: only the oldest `max` entries */
	s = fw_journal_encode(&j, "b", 2);
	assert_non_null(strstr(s, "\"seq\":4"));
	assert_null(strstr(s, "\"seq\":5"));
	free(s);

	assert_int_equal(fw_journal_ack(&j, 4), 2);
	assert_int_equal(j.n, 2);
	assert_int_equal(j.dropped, 0);
	assert_int_equal(fw_journal_ack(&j, 4), 0);	/* acked twice: nothing more */
	assert_int_equal(fw_journal_ack(&j, 100), 2);
	assert_int_equal(j.n, 0);
	/* sequence numbers keep growing after a full ack */
	fw_journal_add(&j, 1, true, FW_SRC_LOCAL, T0);
	assert_int_equal(fw_journal_at(&j, 0)->seq, 7);

	/* corrupt persisted journals leave the journal untouched */
	const char *bad[] = { "", "[]", "{\"v\":2}", "{\"v\":1,\"next\":3,\"dropped\":0}",
			      "{\"v\":1,\"next\":3,\"dropped\":0,\"entries\":[{\"seq\":5,\"ch\":1,"
			      "\"on\":true,\"src\":\"boot\",\"t\":1}]}",
			      "{\"v\":1,\"next\":9,\"dropped\":0,\"entries\":[{\"seq\":2,\"ch\":1,"
			      "\"on\":true,\"src\":\"elsewhere\",\"t\":1}]}" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(fw_journal_decode(&k, bad[i], strlen(bad[i]), err, sizeof err), -1);
	assert_int_equal(k.n, 4);
	fw_journal_free(&j);
	fw_journal_free(&k);
}

static void command_parser_validates_everything(void **state)
{
	(void)state;
	struct fw_command c = { .id = "keep", .on = false };
	char err[128];
	const char *ok = "{\"v\":1,\"id\":\"gw-42:7\",\"on\":true}";
	assert_int_equal(fw_parse_command(ok, strlen(ok), &c, err, sizeof err), 0);
	assert_string_equal(c.id, "gw-42:7");
	assert_true(c.on);
	static const struct {
		const char *p, *why;
	} bad[] = {
		{ "", "JSON" }, { "on", "JSON" }, { "[1]", "JSON" },
		{ "{\"id\":\"a\",\"on\":true}", "v:" },
		{ "{\"v\":2,\"id\":\"a\",\"on\":true}", "v:" },
		{ "{\"v\":1,\"on\":true}", "id:" },
		{ "{\"v\":1,\"id\":\"\",\"on\":true}", "id:" },
		{ "{\"v\":1,\"id\":\"a b\",\"on\":true}", "id:" },
		{ "{\"v\":1,\"id\":\"a\",\"on\":1}", "on:" },
		{ "{\"v\":1,\"id\":\"a\"}", "on:" },
		{ "{\"v\":1,\"id\":\"a\",\"on\":true,\"ovr\":1}", "ovr:" },
		{ "{\"v\":1,\"id\":\"a\",\"on\":true,\"ovr\":{\"by\":\"x\"}}", "ovr.until:" },
		{ "{\"v\":1,\"id\":\"a\",\"on\":true,\"ovr\":{\"until\":1.5,\"by\":\"x\"}}",
		  "ovr.until:" },
		{ "{\"v\":1,\"id\":\"a\",\"on\":true,\"ovr\":{\"until\":9,\"by\":\"a b\"}}",
		  "ovr.by:" },
		{ "{\"v\":1,\"id\":\"a\",\"on\":true,\"ovr\":{\"until\":9}}", "ovr.by:" },
	};
	struct fw_command before = c;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(fw_parse_command(bad[i].p, strlen(bad[i].p), &c, err, sizeof err), -1);
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
	}
	assert_memory_equal(&c, &before, sizeof c);
	char big[FW_CMD_MAX_BYTES + 2];
	memset(big, ' ', sizeof big);
	memcpy(big, ok, strlen(ok));
	assert_int_equal(fw_parse_command(big, sizeof big, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "too large"));
	char id65[100];
	snprintf(id65, sizeof id65, "{\"v\":1,\"id\":\"%065d\",\"on\":true}", 0);
	assert_int_equal(fw_parse_command(id65, strlen(id65), &c, err, sizeof err), -1);
	const char *ovr = "{\"v\":1,\"id\":\"t-1\",\"on\":true,"
			  "\"ovr\":{\"until\":1795400000,\"by\":\"tech@mairie\"}}";
	assert_int_equal(fw_parse_command(ovr, strlen(ovr), &c, err, sizeof err), 0);
	assert_int_equal(c.ovr_until, 1795400000);
	assert_string_equal(c.ovr_by, "tech@mairie");
	assert_int_equal(fw_parse_command(ok, strlen(ok), &c, err, sizeof err), 0);
	assert_int_equal(c.ovr_until, 0);
	assert_string_equal(c.ovr_by, "");
}

/* The legal floor: the gateway itself cannot switch on where the schedule
 * says off, unless an override runs past now; off always goes through;
 * no schedule, an untrusted clock or outside the schedule: no floor. */
static void commands_cannot_light_what_the_schedule_keeps_off(void **state)
{
	(void)state;
	struct dc_fallback fb = sched();
	int64_t until = 0;
	assert_true(fw_command_allowed(&fb, 1, T0 + 10, true, true, 0, NULL));
	assert_false(fw_command_allowed(&fb, 1, T0 + 3600, true, true, 0, &until));
	assert_int_equal(until, T0 + 18000);
	assert_true(fw_command_allowed(&fb, 1, T0 + 3600, true, false, 0, NULL));
	assert_true(fw_command_allowed(&fb, 1, T0 + 3600, true, true, T0 + 3601, NULL));
	assert_false(fw_command_allowed(&fb, 1, T0 + 3600, true, true, T0 + 3600, NULL));
	assert_true(fw_command_allowed(&fb, 1, T0 + 3600, false, true, 0, NULL));
	assert_true(fw_command_allowed(NULL, 1, T0 + 3600, true, true, 0, NULL));
	assert_true(fw_command_allowed(&fb, 1, fb.until, true, true, 0, NULL));
}

/* Under the gateway's control, a lit channel the floor refuses is switched
 * off by the box only FW_FLOOR_GRACE_S after the edge (or the override's
 * end): the gateway's own command, sent at that instant, comes first. */
static void floor_breach_waits_the_grace_after_the_edge(void **state)
{
	(void)state;
	struct dc_fallback fb = sched();	/* off from T0 + 3600 to T0 + 18000 */
	const int64_t g = FW_FLOOR_GRACE_S;
	assert_false(fw_floor_breached(&fb, 1, T0 + 3599, true, 0, g));
	assert_false(fw_floor_breached(&fb, 1, T0 + 3600, true, 0, g));
	assert_false(fw_floor_breached(&fb, 1, T0 + 3600 + g - 1, true, 0, g));
	assert_true(fw_floor_breached(&fb, 1, T0 + 3600 + g, true, 0, g));
	assert_true(fw_floor_breached(&fb, 1, T0 + 17999, true, 0, g));
	assert_false(fw_floor_breached(&fb, 1, T0 + 18000, true, 0, g));
	/* An override until T0 + 7200: breached g after it ends. */
	assert_false(fw_floor_breached(&fb, 1, T0 + 7000, true, T0 + 7200, g));
	assert_false(fw_floor_breached(&fb, 1, T0 + 7200 + g - 1, true, T0 + 7200, g));
	assert_true(fw_floor_breached(&fb, 1, T0 + 7200 + g, true, T0 + 7200, g));
	/* No floor without a trusted clock or a schedule covering the instant. */
	assert_false(fw_floor_breached(&fb, 1, T0 + 7200, false, 0, g));
	assert_false(fw_floor_breached(NULL, 1, T0 + 7200, true, 0, g));
	assert_false(fw_floor_breached(&fb, 1, fb.until + g, true, 0, g));
}

static void topics_channels_and_small_messages(void **state)
{
	(void)state;
	bool online = false;
	uint64_t upto = 0;
	char err[128];
	assert_string_equal(fw_topic_rest("decran/gare/cmd/3", "gare"), "cmd/3");
	assert_null(fw_topic_rest("decran/gare-nord/cmd/3", "gare"));
	assert_null(fw_topic_rest("decran/gare", "gare"));
	assert_int_equal(fw_parse_channel("1"), 1);
	assert_int_equal(fw_parse_channel("16"), 16);
	assert_int_equal(fw_parse_channel("17"), -1);
	assert_int_equal(fw_parse_channel("0"), -1);
	assert_int_equal(fw_parse_channel("01"), -1);
	assert_int_equal(fw_parse_channel("+"), -1);
	assert_int_equal(fw_parse_channel("1/x"), -1);
	const char *gs = "{\"v\":1,\"online\":true,\"t\":5}";
	assert_int_equal(fw_parse_gateway_status(gs, strlen(gs), &online, err, sizeof err), 0);
	assert_true(online);
	assert_int_equal(fw_parse_gateway_status("{\"v\":1}", 7, &online, err, sizeof err), -1);
	const char *ack = "{\"v\":1,\"upto\":12}";
	assert_int_equal(fw_parse_journal_ack(ack, strlen(ack), &upto, err, sizeof err), 0);
	assert_int_equal(upto, 12);
	assert_int_equal(fw_parse_journal_ack("{\"v\":1,\"upto\":-1}", 17, &upto, err, sizeof err), -1);
	assert_int_equal(upto, 12);
}

/* Every message the box reads is exactly one JSON value: a valid command
 * with trailing junk, a NUL and more, or a second object after it is
 * refused, and nothing changes. */
static void trailing_content_after_the_value_is_refused(void **state)
{
	(void)state;
	static const char *const tails[] = { "x", "{\"v\":1,\"id\":\"b\",\"on\":false}",
					     "]", "\0", "\0{\"on\":false}", " 1" };
	const char *cmd = "{\"v\":1,\"id\":\"a\",\"on\":true}";
	const char *gs = "{\"v\":1,\"online\":true}";
	const char *ack = "{\"v\":1,\"upto\":12}";
	char buf[256], err[128];
	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
		size_t m = tails[i][0] ? strlen(tails[i]) : 1 + strlen(tails[i] + 1);
		struct fw_command c = { .id = "keep", .on = false };
		bool online = false;
		uint64_t upto = 3;
		size_t n = strlen(cmd);
		memcpy(buf, cmd, n);
		memcpy(buf + n, tails[i], m);
		err[0] = '\0';
		assert_int_equal(fw_parse_command(buf, n + m, &c, err, sizeof err), -1);
		assert_non_null(strstr(err, "JSON"));
		assert_string_equal(c.id, "keep");
		n = strlen(gs);
		memcpy(buf, gs, n);
		memcpy(buf + n, tails[i], m);
		assert_int_equal(fw_parse_gateway_status(buf, n + m, &online, err, sizeof err), -1);
		assert_false(online);
		n = strlen(ack);
		memcpy(buf, ack, n);
		memcpy(buf + n, tails[i], m);
		assert_int_equal(fw_parse_journal_ack(buf, n + m, &upto, err, sizeof err), -1);
		assert_int_equal(upto, 3);
	}
	/* Whitespace after the value is JSON. */
	struct fw_command c;
	snprintf(buf, sizeof buf, "%s \r\n", cmd);
	assert_int_equal(fw_parse_command(buf, strlen(buf), &c, err, sizeof err), 0);

	/* The persisted journal too. */
	struct fw_journal k;
	assert_int_equal(fw_journal_init(&k, 8), 0);
	const char *jn = "{\"v\":1,\"next\":1,\"dropped\":0,\"entries\":[]}{}";
	assert_int_equal(fw_journal_decode(&k, jn, strlen(jn), err, sizeof err), -1);
	assert_int_equal(fw_journal_decode(&k, jn, strlen(jn) - 2, err, sizeof err), 0);
	fw_journal_free(&k);
}

static void cmdlog_remembers_recent_ids(void **state)
{
	(void)state;
	struct fw_cmdlog l;
	memset(&l, 0, sizeof l);
	char id[16];
	for (int i = 0; i < FW_CMDLOG_SIZE + 5; i++) {
		snprintf(id, sizeof id, "c%d", i);
		fw_cmdlog_add(&l, id, 1 + i % 3, i % 2, T0 + i);
	}
	assert_null(fw_cmdlog_find(&l, "c0"));
	assert_null(fw_cmdlog_find(&l, "c4"));
	const struct fw_cmdlog_entry *e = fw_cmdlog_find(&l, "c5");
	assert_non_null(e);
	assert_int_equal(e->channel, 1 + 5 % 3);
	assert_int_equal(e->t, T0 + 5);
	char *s = fw_encode_result(e, true);
	assert_non_null(strstr(s, "\"dup\":true"));
	assert_non_null(strstr(s, "\"id\":\"c5\""));
	free(s);
	s = fw_encode_state(3, true, FW_SRC_FALLBACK, NULL, T0, -1);
	assert_string_equal(s, "{\"v\":1,\"ch\":3,\"on\":true,\"src\":\"fallback\",\"id\":null,\"t\":1795392000}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wanted_follows_schedule_or_safe_state),
		cmocka_unit_test(local_clients_cannot_light_the_night),
		cmocka_unit_test(gateway_control_times_out),
		cmocka_unit_test(journal_acks_drops_and_round_trips),
		cmocka_unit_test(command_parser_validates_everything),
		cmocka_unit_test(commands_cannot_light_what_the_schedule_keeps_off),
		cmocka_unit_test(floor_breach_waits_the_grace_after_the_edge),
		cmocka_unit_test(topics_channels_and_small_messages),
		cmocka_unit_test(cmdlog_remembers_recent_ids),
		cmocka_unit_test(trailing_content_after_the_value_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
