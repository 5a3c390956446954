/* test_gridmsg.c — grid alerts over MQTT: the add and clear messages, the
 * result payload, and every malformed input we could think of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "gridmsg.h"
#include "screen.h"

static struct gw_gridmsg m;
static char err[256];
static int64_t now;

static int parse(const char *payload)
{
	err[0] = '\0';
	return gw_gridmsg_parse(payload, strlen(payload), now, &m, err, sizeof err);
}

static int setup(void **s)
{
	(void)s;
	return dc_parse_utc("2026-11-23T16:00:00Z", &now);
}

static void add_with_everything(void **s)
{
	(void)s;
	int64_t from, until;
	dc_parse_utc("2026-11-23T17:00:00Z", &from);
	dc_parse_utc("2026-11-23T19:00:00Z", &until);
	assert_int_equal(parse("{\"v\":1,\"op\":\"add\",\"source\":\"ecowatt\","
			       "\"from\":\"2026-11-23T17:00:00Z\",\"until\":\"2026-11-23T19:00:00Z\","
			       "\"categories\":[\"advertising\",\"information\"],"
			       "\"reason\":\"EcoWatt rouge\",\"signal\":3}"), 0);
	assert_int_equal(m.op, GW_GRIDMSG_ADD);
	assert_string_equal(m.alert.source, "ecowatt");
	assert_int_equal(m.alert.from, from);
	assert_int_equal(m.alert.until, until);
	assert_int_equal(m.alert.categories,
			 1u << dc_category_parse("advertising") | 1u << dc_category_parse("information"));
	assert_string_equal(m.alert.reason, "EcoWatt rouge");
}

static void add_defaults(void **s)
{
	(void)s;
	assert_int_equal(parse("{\"v\":1,\"op\":\"add\",\"source\":\"rte\","
			       "\"until\":\"2026-11-23T20:00:00Z\"}"), 0);
	assert_int_equal(m.alert.from, now);		/* from: now */
	assert_int_equal(m.alert.categories, 0);	/* the rules' categories */
	assert_string_equal(m.alert.reason, "");
}

static void clear(void **s)
{
	(void)s;
	assert_int_equal(parse("{\"v\":1,\"op\":\"clear\",\"source\":\"ecowatt\"}"), 0);
	assert_int_equal(m.op, GW_GRIDMSG_CLEAR);
	assert_string_equal(m.alert.source, "ecowatt");
	/* clear needs no period: a stray "until" is not looked at */
	assert_int_equal(parse("{\"v\":1,\"op\":\"clear\",\"source\":\"x\",\"until\":3}"), 0);
}

static void rejects_malformed(void **s)
{
	(void)s;
	static const struct {
		const char *payload, *error;
	} bad[] = {
		{ "", "invalid JSON at offset 0" },
		{ "{\"v\":1,\"op\":\"add\"", "invalid JSON" },
		{ "[1]", "expected a JSON object" },
		{ "\"add\"", "expected a JSON object" },
		{ "{\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\"}", "v: expected 1" },
		{ "{\"v\":2,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\"}", "v: expected 1" },
		{ "{\"v\":1,\"source\":\"e\"}", "op: expected \"add\" or \"clear\"" },
		{ "{\"v\":1,\"op\":\"remove\",\"source\":\"e\"}", "op: expected" },
		{ "{\"v\":1,\"op\":\"clear\"}", "source: expected a string" },
		{ "{\"v\":1,\"op\":\"clear\",\"source\":\"\"}", "source: expected a string" },
		{ "{\"v\":1,\"op\":\"clear\",\"source\":7}", "source: expected a string" },
		{ "{\"v\":1,\"op\":\"clear\",\"source\":\"a\\u0001b\"}", "source: control character" },
		{ "{\"v\":1,\"op\":\"clear\",\"source\":\"\xe9" "cowatt\"}", "not UTF-8" },
		{ "{\"v\":1,\"op\":\"clear\",\"source\":\"0123456789012345678901234567890123456789"
		  "012345678901234567890123\"}", "source: expected a string of 1 to 63" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\"}", "until: required" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":1795467600}", "until: expected \"YYYY" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23 20:00\"}", "until: expected" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-02-30T20:00:00Z\"}", "until: expected" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"from\":\"soon\","
		  "\"until\":\"2026-11-23T20:00:00Z\"}", "from: expected" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T15:00:00Z\"}",
		  "until: not after from" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"from\":\"2026-11-23T10:00:00Z\","
		  "\"until\":\"2026-11-23T15:00:00Z\"}", "until: already past" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\","
		  "\"categories\":[]}", "categories: expected a non-empty array" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\","
		  "\"categories\":\"advertising\"}", "categories: expected a non-empty array" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\","
		  "\"categories\":[\"advertising\",\"neon\"]}", "categories[1]: unknown category" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\","
		  "\"categories\":[3]}", "categories[0]: unknown category" },
		{ "{\"v\":1,\"op\":\"add\",\"source\":\"e\",\"until\":\"2026-11-23T20:00:00Z\","
		  "\"reason\":false}", "reason: expected a string" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (parse(bad[i].payload) != -1 || !strstr(err, bad[i].error) ||
		    strncmp(err, GW_GRID_ALERT_TOPIC ": ", strlen(GW_GRID_ALERT_TOPIC) + 2) != 0)
			fail_msg("payload %s: error \"%s\", wanted \"%s\"", bad[i].payload, err,
				 bad[i].error);
	}
	/* A NUL inside the payload and an oversized payload. */
	assert_int_equal(gw_gridmsg_parse("{\"v\":1}\0x", 9, now, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "NUL byte"));
	static char big[20000];
	memset(big, ' ', sizeof big);
	assert_int_equal(gw_gridmsg_parse(big, sizeof big, now, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "payload too large"));
}

static void results(void **s)
{
	(void)s;
	char buf[256];
	size_t n = gw_gridmsg_result(buf, sizeof buf, GW_GRIDMSG_ADD, true, 12, NULL);
	assert_string_equal(buf, "{\"v\":1,\"ok\":true,\"op\":\"add\",\"id\":12}");
	assert_int_equal(n, strlen(buf));
	gw_gridmsg_result(buf, sizeof buf, GW_GRIDMSG_CLEAR, true, 2, NULL);
	assert_string_equal(buf, "{\"v\":1,\"ok\":true,\"op\":\"clear\",\"cleared\":2}");
	gw_gridmsg_result(buf, sizeof buf, GW_GRIDMSG_ADD, false, -1, "until: \"already\" past");
	assert_string_equal(buf, "{\"v\":1,\"ok\":false,\"error\":\"until: \\\"already\\\" past\"}");
	assert_int_equal(gw_gridmsg_result(buf, 8, GW_GRIDMSG_ADD, true, 1, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(add_with_everything, setup),
		cmocka_unit_test_setup(add_defaults, setup),
		cmocka_unit_test_setup(clear, setup),
		cmocka_unit_test_setup(rejects_malformed, setup),
		cmocka_unit_test_setup(results, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
