/* test_drivers.c — Tasmota and Shelly payload codecs: commands, state,
 * energy, online status, and every malformed input we could think of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drv_native.h"
#include "drv_shelly.h"
#include "drv_tasmota.h"

static struct dc_drv_event ev[DC_DRV_MAX_EVENTS];
static char err[256];

static int tas(const char *topic, const char *payload)
{
	err[0] = '\0';
	return dc_tasmota_parse("kiosque-3", topic, payload, strlen(payload), ev,
				DC_DRV_MAX_EVENTS, err, sizeof err);
}

static int shel(const char *topic, const char *payload)
{
	err[0] = '\0';
	return dc_shelly_parse("shellies/gare", topic, payload, strlen(payload), ev,
			       DC_DRV_MAX_EVENTS, err, sizeof err);
}

static void tasmota_command(void **s)
{
	(void)s;
	struct dc_drv_msg m;
	assert_int_equal(dc_tasmota_command("kiosque-3", 2, 0, &m), 0);
	assert_string_equal(m.topic, "cmnd/kiosque-3/POWER2");
	assert_string_equal(m.payload, "OFF");
	assert_int_equal(m.len, 3);
	assert_int_equal(dc_tasmota_command("kiosque-3", 1, 1, &m), 0);
	assert_string_equal(m.payload, "ON");
	assert_int_equal(dc_tasmota_command("kiosque-3", 0, 1, &m), -1);
	assert_int_equal(dc_tasmota_command("kiosque-3", 17, 1, &m), -1);
	assert_int_equal(dc_tasmota_command("a/b", 1, 1, &m), -1);
	assert_int_equal(dc_tasmota_command("a+", 1, 1, &m), -1);
	assert_int_equal(dc_tasmota_command("", 1, 1, &m), -1);
	assert_int_equal(dc_tasmota_query("kiosque-3", &m), 0);
	assert_string_equal(m.topic, "cmnd/kiosque-3/STATE");
	assert_int_equal(m.len, 0);
	char subs[2][DC_DRV_TOPIC_MAX];
	assert_int_equal(dc_tasmota_subscriptions("kiosque-3", subs), 2);
	assert_string_equal(subs[0], "stat/kiosque-3/+");
	assert_string_equal(subs[1], "tele/kiosque-3/+");
}

static void tasmota_state(void **s)
{
	(void)s;
	assert_int_equal(tas("stat/kiosque-3/POWER", "ON"), 1);
	assert_int_equal(ev[0].kind, DC_EV_STATE);
	assert_int_equal(ev[0].channel, 1);
	assert_int_equal(ev[0].on, 1);
	assert_int_equal(tas("stat/kiosque-3/POWER4", "OFF"), 1);
	assert_int_equal(ev[0].channel, 4);
	assert_int_equal(ev[0].on, 0);
	assert_int_equal(tas("stat/kiosque-3/RESULT", "{\"POWER1\":\"OFF\",\"POWER2\":\"ON\"}"), 2);
	assert_int_equal(ev[0].channel, 1);
	assert_int_equal(ev[0].on, 0);
	assert_int_equal(ev[1].channel, 2);
	assert_int_equal(ev[1].on, 1);
	/* A RESULT about something else carries no state. */
	assert_int_equal(tas("stat/kiosque-3/RESULT", "{\"Dimmer\":50}"), 0);
	assert_int_equal(tas("tele/kiosque-3/STATE",
			     "{\"Time\":\"2026-11-23T01:00:00\",\"UptimeSec\":11,\"POWER\":\"OFF\","
			     "\"Wifi\":{\"RSSI\":30}}"), 1);
	assert_int_equal(ev[0].channel, 1);
	assert_int_equal(ev[0].on, 0);
}

static void tasmota_online_and_energy(void **s)
{
	(void)s;
	assert_int_equal(tas("tele/kiosque-3/LWT", "Online"), 1);
	assert_int_equal(ev[0].kind, DC_EV_ONLINE);
	assert_int_equal(ev[0].online, 1);
	assert_int_equal(tas("tele/kiosque-3/LWT", "Offline"), 1);
	assert_int_equal(ev[0].online, 0);
	assert_int_equal(tas("tele/kiosque-3/SENSOR",
			     "{\"Time\":\"x\",\"ENERGY\":{\"Total\":1.5,\"Yesterday\":0.2,"
			     "\"Power\":85,\"Voltage\":230}}"), 2);
	assert_int_equal(ev[0].kind, DC_EV_POWER);
	assert_int_equal(ev[0].channel, 0);
	assert_true(ev[0].value == 85.0);
	assert_int_equal(ev[1].kind, DC_EV_ENERGY);
	assert_true(ev[1].value == 1500.0);	/* kWh -> Wh */
	assert_int_equal(tas("tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Power\":[10,0,7]}}"), 3);
	assert_int_equal(ev[2].channel, 3);
	assert_true(ev[2].value == 7.0);
	/* Other sensors on the same device. */
	assert_int_equal(tas("tele/kiosque-3/SENSOR", "{\"DHT11\":{\"Temperature\":23}}"), 0);
	/* A reading asked now (relay test): Status 8, answered on STATUS8. */
	struct dc_drv_msg m;
	assert_int_equal(dc_tasmota_meter_now("kiosque-3", &m), 0);
	assert_string_equal(m.topic, "cmnd/kiosque-3/STATUS");
	assert_string_equal(m.payload, "8");
	assert_int_equal(tas("stat/kiosque-3/STATUS8",
			     "{\"StatusSNS\":{\"Time\":\"x\",\"ENERGY\":{\"Total\":1.5,\"Power\":151}}}"), 2);
	assert_int_equal(ev[0].kind, DC_EV_POWER);
	assert_true(ev[0].value == 151.0);
	assert_int_equal(tas("stat/kiosque-3/STATUS8", "{\"StatusSNS\":3}"), -1);
	assert_non_null(strstr(err, "StatusSNS"));
}

static void tasmota_ignores_what_is_not_its_business(void **s)
{
	(void)s;
	assert_int_equal(tas("stat/other/POWER1", "garbage"), 0);
	assert_int_equal(tas("stat/kiosque-3x/POWER1", "ON"), 0);
	assert_int_equal(tas("cmnd/kiosque-3/POWER1", "ON"), 0);
	assert_int_equal(tas("tele/kiosque-3/INFO1", "{not json"), 0);
	assert_int_equal(tas("stat/kiosque-3/STATUS10", "{not json"), 0);
	assert_int_equal(tas("stat/kiosque-3/POWER0", "x"), 0);
	assert_int_equal(tas("stat/kiosque-3/POWER17", "x"), 0);
	assert_int_equal(tas("stat/kiosque-3/POWER1/x", "x"), 0);
	assert_int_equal(tas("stat", "x"), 0);
}

static void tasmota_rejects_malformed(void **s)
{
	(void)s;
	static const struct { const char *topic, *payload, *where; } bad[] = {
		{ "stat/kiosque-3/POWER1", "MAYBE", "stat/kiosque-3/POWER1" },
		{ "stat/kiosque-3/POWER1", "", "POWER1" },
		{ "tele/kiosque-3/LWT", "online", "LWT" },
		{ "stat/kiosque-3/RESULT", "{\"POWER1\":\"ON\"", "offset" },
		{ "stat/kiosque-3/RESULT", "[1,2]", "JSON object" },
		{ "stat/kiosque-3/RESULT", "{\"POWER2\":1}", "POWER2" },
		{ "stat/kiosque-3/RESULT", "{\"POWER2\":\"half\"}", "POWER2" },
		{ "stat/kiosque-3/RESULT", "{\"POWER2\":\"ON\",\"Note\":\"\xed\xa0\x80\"}", "UTF-8" },
		{ "tele/kiosque-3/LWT", "Online\xc0\x80", "UTF-8" },
		{ "tele/kiosque-3/STATE", "{\"POWER\":null}", "POWER" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":5}", "ENERGY" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Power\":\"85\"}}", "ENERGY.Power" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Power\":-3}}", "ENERGY.Power" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Power\":[1,\"x\"]}}", "ENERGY.Power[1]" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Total\":-1}}", "ENERGY.Total" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Total\":\"1\"}}", "ENERGY.Total" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Total\":1e999}}", "ENERGY.Total" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{\"Power\":1e999}}", "ENERGY.Power" },
		{ "tele/kiosque-3/SENSOR", "{\"ENERGY\":{}} trailing", "offset" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = tas(bad[i].topic, bad[i].payload);
		if (n != -1 || !strstr(err, bad[i].where))
			fail_msg("case %zu (%s): n=%d err=%s", i, bad[i].payload, n, err);
	}
	/* NUL bytes and oversized payloads are refused before parsing. */
	assert_int_equal(dc_tasmota_parse("kiosque-3", "stat/kiosque-3/POWER1", "O\0N", 3, ev, 4,
					  err, sizeof err), -1);
	assert_non_null(strstr(err, "NUL"));
	char *big = malloc(DC_DRV_INPUT_MAX + 2);
	memset(big, ' ', DC_DRV_INPUT_MAX + 1);
	big[DC_DRV_INPUT_MAX + 1] = '\0';
	assert_int_equal(tas("tele/kiosque-3/SENSOR", big), -1);
	assert_non_null(strstr(err, "too large"));
	free(big);
}

static void shelly_command(void **s)
{
	(void)s;
	struct dc_drv_msg m;
	assert_int_equal(dc_shelly_command("shellies/gare", "decran-gw", 42, 1, 0, &m), 0);
	assert_string_equal(m.topic, "shellies/gare/rpc");
	assert_string_equal(m.payload, "{\"id\":42,\"src\":\"decran-gw\",\"method\":\"Switch.Set\","
				       "\"params\":{\"id\":0,\"on\":false}}");
	assert_int_equal(m.len, strlen(m.payload));
	assert_int_equal(dc_shelly_command("shellies/gare", "decran-gw", 43, 3, 1, &m), 0);
	assert_non_null(strstr(m.payload, "\"params\":{\"id\":2,\"on\":true}"));
	assert_int_equal(dc_shelly_command("shellies/gare/", "gw", 1, 1, 1, &m), -1);
	assert_int_equal(dc_shelly_command("shellies/#", "gw", 1, 1, 1, &m), -1);
	assert_int_equal(dc_shelly_command("s", "g\"w", 1, 1, 1, &m), -1);
	assert_int_equal(dc_shelly_command("s", "gw", 1, 0, 1, &m), -1);
	assert_int_equal(dc_shelly_query("shellies/gare", "decran-gw", 7, 2, &m), 0);
	assert_string_equal(m.payload, "{\"id\":7,\"src\":\"decran-gw\",\"method\":\"Switch.GetStatus\","
				       "\"params\":{\"id\":1}}");
	char subs[3][DC_DRV_TOPIC_MAX];
	assert_int_equal(dc_shelly_subscriptions("shellies/gare", subs), 3);
	assert_string_equal(subs[0], "shellies/gare/online");
	assert_string_equal(subs[1], "shellies/gare/status/+");
	assert_string_equal(subs[2], "shellies/gare/events/rpc");
}

static void shelly_status(void **s)
{
	(void)s;
	assert_int_equal(shel("shellies/gare/status/switch:0",
			      "{\"id\":0,\"source\":\"MQTT\",\"output\":true,\"apower\":85.2,"
			      "\"voltage\":231.1,\"aenergy\":{\"total\":1234.5,\"by_minute\":[1,2,3],"
			      "\"minute_ts\":1700000000},\"temperature\":{\"tC\":40.1}}"), 3);
	assert_int_equal(ev[0].kind, DC_EV_STATE);
	assert_int_equal(ev[0].channel, 1);
	assert_int_equal(ev[0].on, 1);
	assert_int_equal(ev[1].kind, DC_EV_POWER);
	assert_true(ev[1].value == 85.2);
	assert_int_equal(ev[2].kind, DC_EV_ENERGY);
	assert_true(ev[2].value == 1234.5);
	assert_int_equal(shel("shellies/gare/status/switch:3", "{\"id\":3,\"output\":false}"), 1);
	assert_int_equal(ev[0].channel, 4);
	assert_int_equal(ev[0].on, 0);
	assert_int_equal(shel("shellies/gare/online", "true"), 1);
	assert_int_equal(ev[0].kind, DC_EV_ONLINE);
	assert_int_equal(ev[0].online, 1);
	assert_int_equal(shel("shellies/gare/online", "false"), 1);
	assert_int_equal(ev[0].online, 0);
	assert_int_equal(shel("shellies/gare/events/rpc",
			      "{\"src\":\"shellyplus1pm-a8\",\"dst\":\"shellies/gare/events\","
			      "\"method\":\"NotifyStatus\",\"params\":{\"ts\":1.7e9,"
			      "\"switch:1\":{\"id\":1,\"output\":false,\"source\":\"MQTT\"}}}"), 1);
	assert_int_equal(ev[0].channel, 2);
	assert_int_equal(ev[0].on, 0);
	assert_int_equal(shel("shellies/gare/events/rpc",
			      "{\"method\":\"NotifyStatus\",\"params\":{\"switch:0\":"
			      "{\"id\":0,\"apower\":0.0}}}"), 1);
	assert_int_equal(ev[0].kind, DC_EV_POWER);
	assert_int_equal(shel("shellies/gare/events/rpc",
			      "{\"method\":\"NotifyEvent\",\"params\":{\"events\":[]}}"), 0);
	/* Not ours or not interesting. */
	assert_int_equal(shel("shellies/gare/status/sys", "{broken"), 0);
	assert_int_equal(shel("shellies/gare/status/input:0", "{broken"), 0);
	assert_int_equal(shel("shellies/gare2/online", "maybe"), 0);
	assert_int_equal(shel("shellies/gare/rpc", "{}"), 0);
	assert_int_equal(shel("shellies/gare/status/switch:16", "x"), 0);
}

static void shelly_rejects_malformed(void **s)
{
	(void)s;
	static const struct { const char *topic, *payload, *where; } bad[] = {
		{ "shellies/gare/online", "1", "online" },
		{ "shellies/gare/online", "True", "online" },
		{ "shellies/gare/status/switch:0", "{\"id\":0,\"output\":true,\"source\":\"\xf8\"}", "UTF-8" },
		{ "shellies/gare/status/switch:0", "{\"id\":0,\"output\":\"on\"}", "switch:0.output" },
		/* A full status names its switch, as a native state its channel. */
		{ "shellies/gare/status/switch:0", "{\"output\":false}", "switch:0.id: missing" },
		{ "shellies/gare/status/switch:0", "{\"id\":0,\"apower\":3}", "switch:0.output: missing" },
		{ "shellies/gare/status/switch:0", "{\"output\":true,\"id\":1}", "switch:0.id" },
		{ "shellies/gare/status/switch:0", "{\"output\":true,\"apower\":\"3\"}", "apower" },
		{ "shellies/gare/status/switch:0", "{\"output\":true,\"aenergy\":[]}", "aenergy" },
		{ "shellies/gare/status/switch:0", "{\"output\":true,\"aenergy\":{\"total\":-4}}",
		  "aenergy.total" },
		{ "shellies/gare/status/switch:0", "{\"output\":true,\"aenergy\":{\"total\":1e999}}",
		  "aenergy.total" },
		{ "shellies/gare/status/switch:0", "{\"output\":true,\"apower\":1e999}", "apower" },
		{ "shellies/gare/status/switch:0", "true", "JSON object" },
		{ "shellies/gare/status/switch:0", "{\"output\":tru", "offset" },
		{ "shellies/gare/events/rpc", "{\"params\":{}}", "method" },
		{ "shellies/gare/events/rpc", "{\"method\":\"NotifyStatus\",\"params\":3}", "params" },
		{ "shellies/gare/events/rpc",
		  "{\"method\":\"NotifyStatus\",\"params\":{\"switch:0\":{\"output\":5}}}",
		  "params.switch:0.output" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = shel(bad[i].topic, bad[i].payload);
		if (n != -1 || !strstr(err, bad[i].where))
			fail_msg("case %zu (%s): n=%d err=%s", i, bad[i].payload, n, err);
	}
}

static void shelly_answers(void **s)
{
	(void)s;
	const char *ok = "{\"id\":42,\"src\":\"shellyplus1-a8\",\"dst\":\"decran-gw\","
			 "\"result\":{\"was_on\":true}}";
	assert_int_equal(dc_shelly_parse_answer("decran-gw/rpc", ok, strlen(ok), ev, err,
						sizeof err), 1);
	assert_int_equal(ev[0].kind, DC_EV_RPC_RESULT);
	assert_int_equal(ev[0].rpc_id, 42);
	assert_int_equal(ev[0].rpc_ok, 1);
	assert_int_equal(ev[0].has_state, 0);
	const char *st = "{\"id\":5,\"result\":{\"id\":0,\"output\":true,\"apower\":3}}";
	assert_int_equal(dc_shelly_parse_answer("decran-gw/rpc", st, strlen(st), ev, err,
						sizeof err), 1);
	assert_int_equal(ev[0].has_state, 1);
	assert_int_equal(ev[0].on, 1);
	/* Switch.GetStatus also carries the channel's power (relay test) */
	assert_int_equal(ev[0].has_power, 1);
	assert_true(ev[0].value == 3.0);
	const char *ko = "{\"id\":43,\"error\":{\"code\":-103,\"message\":\"bad id\"}}";
	assert_int_equal(dc_shelly_parse_answer("decran-gw/rpc", ko, strlen(ko), ev, err,
						sizeof err), 1);
	assert_int_equal(ev[0].rpc_ok, 0);
	static const char *bad[] = {
		"{\"result\":{}}", "{\"id\":-1,\"result\":{}}", "{\"id\":1.5,\"result\":{}}",
		"{\"id\":\"1\",\"result\":{}}", "{\"id\":1}", "{\"id\":1,\"result\":{},\"error\":{}}",
		"{\"id\":1,\"error\":3}", "[]", "{", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (dc_shelly_parse_answer("decran-gw/rpc", bad[i], strlen(bad[i]), ev, err,
					   sizeof err) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(strstr(err, "decran-gw/rpc"));
	}
}

static int nat(const char *topic, const char *payload)
{
	err[0] = '\0';
	return dc_native_parse("gare-nord", topic, payload, strlen(payload), ev, DC_DRV_MAX_EVENTS,
			       err, sizeof err);
}

static void native_protocol(void **s)
{
	(void)s;
	struct dc_drv_msg m;
	assert_int_equal(dc_native_command("gare-nord", 3, 0, "1795392000000-17-4", &m), 0);
	assert_string_equal(m.topic, "decran/gare-nord/cmd/3");
	assert_string_equal(m.payload, "{\"v\":1,\"id\":\"1795392000000-17-4\",\"on\":false}");
	assert_int_equal(dc_native_command("gare-nord", 3, 0, "bad id", &m), -1);
	assert_int_equal(dc_native_command("gare-nord", 3, 0, "", &m), -1);
	assert_int_equal(dc_native_command("Gare", 3, 0, "x", &m), -1);
	assert_int_equal(dc_native_command("gare-nord", 17, 0, "x", &m), -1);
	/* An override of the box's legal floor names its end and its author. */
	assert_int_equal(dc_native_command_ovr("gare-nord", 2, 1, "t-1", 1795400000, "relay-test",
					       &m), 0);
	assert_string_equal(m.payload, "{\"v\":1,\"id\":\"t-1\",\"on\":true,"
			    "\"ovr\":{\"until\":1795400000,\"by\":\"relay-test\"}}");
	assert_int_equal(dc_native_command_ovr("gare-nord", 2, 1, "t-1", 1795400000, "a b", &m), -1);
	assert_int_equal(dc_native_command_ovr("gare-nord", 2, 1, "t-1", 1795400000, NULL, &m), -1);
	char gt[DC_DRV_TOPIC_MAX];
	dc_native_gateway_topic("gare-nord", gt, sizeof gt);
	assert_string_equal(gt, "decran/gare-nord/gateway");
	char subs[4][DC_DRV_TOPIC_MAX];
	assert_int_equal(dc_native_subscriptions("gare-nord", subs), 4);
	assert_string_equal(subs[3], "decran/gare-nord/journal");
	assert_int_equal(dc_native_meter_now("gare-nord", &m), 0);
	assert_string_equal(m.topic, "decran/gare-nord/tele/get");
	assert_string_equal(m.payload, "{\"v\":1}");
	assert_int_equal(dc_native_meter_now("Gare Nord", &m), -1);
	assert_int_equal(dc_native_journal_ack("gare-nord", 41, &m), 0);
	assert_string_equal(m.topic, "decran/gare-nord/journal/ack");
	assert_string_equal(m.payload, "{\"v\":1,\"upto\":41}");
	assert_string_equal(subs[0], "decran/gare-nord/state/+");
	char hb[96];
	dc_native_heartbeat(1, 1795392000, hb, sizeof hb);
	assert_string_equal(hb, "{\"v\":1,\"online\":true,\"t\":1795392000}");

	assert_int_equal(nat("decran/gare-nord/state/2",
			     "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"gateway\",\"id\":\"a\",\"t\":1}"), 1);
	assert_int_equal(ev[0].kind, DC_EV_STATE);
	assert_int_equal(ev[0].channel, 2);
	assert_int_equal(ev[0].on, 0);
	assert_int_equal(ev[0].has_fb, 0);	/* no feedback input, or not settled */
	/* contactor feedback: the auxiliary contact says the screen is powered */
	assert_int_equal(nat("decran/gare-nord/state/2",
			     "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"gateway\",\"id\":\"a\",\"t\":1,"
			     "\"fb\":true}"), 1);
	assert_int_equal(ev[0].has_fb, 1);
	assert_int_equal(ev[0].fb, 1);
	assert_int_equal(nat("decran/gare-nord/state/2",
			     "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"gateway\",\"id\":\"a\",\"t\":1,"
			     "\"fb\":1}"), -1);
	assert_non_null(strstr(err, "fb: expected true or false"));
	assert_int_equal(nat("decran/gare-nord/status", "{\"v\":1,\"online\":false}"), 1);
	assert_int_equal(ev[0].kind, DC_EV_ONLINE);
	assert_int_equal(ev[0].online, 0);
	assert_int_equal(ev[0].has_safe, 0);
	/* each channel's safe state (hw/watchdog.md): 3 stays on when the box fails */
	assert_int_equal(nat("decran/gare-nord/status", "{\"v\":1,\"online\":true,"
			     "\"safe\":{\"1\":\"off\",\"3\":\"on\",\"16\":\"on\"}}"), 1);
	assert_int_equal(ev[0].has_safe, 1);
	assert_int_equal(ev[0].safe_on, (1u << 2) | (1u << 15));
	assert_int_equal(nat("decran/gare-nord/tele", "{\"v\":1,\"t\":5,\"ch\":{\"1\":0},\"journal\":0,"
			     "\"meter\":{\"ok\":true,\"t\":4,\"voltage_v\":230,\"power_w\":12.5,"
			     "\"energy_kwh\":0.9}}"), 2);
	assert_int_equal(ev[0].kind, DC_EV_POWER);
	assert_true(ev[0].value == 12.5);
	assert_int_equal(ev[1].kind, DC_EV_ENERGY);
	assert_true(ev[1].value == 900);
	assert_int_equal(nat("decran/gare-nord/tele", "{\"v\":1,\"meter\":{\"ok\":false,\"error\":\"x\"}}"), 0);
	/* no meter at all: the box says so (a relay test waits for no reading) */
	assert_int_equal(nat("decran/gare-nord/tele", "{\"v\":1,\"journal\":3}"), 1);
	assert_int_equal(ev[0].kind, DC_EV_NO_METER);
	assert_int_equal(nat("decran/gare-nord/journal",
			     "{\"v\":1,\"box\":\"gare-nord\",\"next\":9,\"dropped\":0,\"entries\":["
			     "{\"seq\":7,\"ch\":1,\"on\":false,\"src\":\"fallback\",\"t\":1795392000},"
			     "{\"seq\":8,\"ch\":2,\"on\":true,\"src\":\"boot\",\"t\":1795392060}]}"), 2);
	assert_int_equal(ev[0].kind, DC_EV_JOURNAL);
	assert_int_equal(ev[0].rpc_id, 7);
	assert_int_equal(ev[0].channel, 1);
	assert_int_equal(ev[0].on, 0);
	assert_string_equal(ev[0].src, "fallback");
	assert_true(ev[1].value == 1795392060.0);
	assert_int_equal(nat("decran/gare-nord/state/2", ""), 0);	/* retained state cleared */
	assert_int_equal(nat("decran/gare-nord2/state/2", "x"), 0);
	assert_int_equal(nat("decran/gare-nord/state/0", "x"), 0);
	assert_int_equal(nat("decran/gare-nord/journal/ack", "x"), 0);	/* our own ack */
	static const struct { const char *topic, *payload, *where; } bad[] = {
		{ "decran/gare-nord/state/2", "{\"ch\":2,\"on\":true}", "v: required" },
		{ "decran/gare-nord/state/2", "{\"v\":2,\"on\":true}", "v: unsupported" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"on\":1}", "on:" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":3,\"on\":true}", "ch: expected 2" },
		{ "decran/gare-nord/state/2", "on", "offset" },
		{ "decran/gare-nord/status", "{\"v\":1}", "online:" },
		{ "decran/gare-nord/status", "{\"v\":1,\"online\":true,\"safe\":[]}", "safe: expected" },
		{ "decran/gare-nord/status", "{\"v\":1,\"online\":true,\"safe\":{\"17\":\"on\"}}",
		  "\"17\": not a channel" },
		{ "decran/gare-nord/status", "{\"v\":1,\"online\":true,\"safe\":{\"x\":\"on\"}}",
		  "not a channel" },
		{ "decran/gare-nord/status", "{\"v\":1,\"online\":true,\"safe\":{\"2\":true}}",
		  "safe.2: expected" },
		{ "decran/gare-nord/tele", "{\"v\":1,\"meter\":{\"ok\":true,\"power_w\":-1}}", "power_w" },
		{ "decran/gare-nord/tele", "{\"v\":1,\"meter\":{\"power_w\":1}}", "meter.ok" },
		{ "decran/gare-nord/journal", "{\"v\":1}", "entries" },
		{ "decran/gare-nord/journal", "{\"v\":1,\"entries\":[{\"seq\":1,\"ch\":0,\"on\":true,"
		  "\"src\":\"boot\",\"t\":1}]}", "entries[0].ch" },
		{ "decran/gare-nord/journal", "{\"v\":1,\"entries\":[{\"seq\":-1,\"ch\":1,\"on\":true,"
		  "\"src\":\"boot\",\"t\":1}]}", "entries[0].seq" },
		{ "decran/gare-nord/tele", "[1]", "JSON object" },
		/* A state names its channel, source, command and time, with the
		 * right types: one that does not is refused, never read as off. */
		{ "decran/gare-nord/state/2", "{\"v\":1,\"on\":false,\"src\":\"boot\",\"id\":null,\"t\":1}",
		  "ch: required" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":\"2\",\"on\":false,\"src\":\"boot\","
		  "\"id\":null,\"t\":1}", "ch: expected 2" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"id\":null,\"t\":1}",
		  "src: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":0,\"id\":null,\"t\":1}",
		  "src: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"\",\"id\":null,\"t\":1}",
		  "src: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"boot\",\"t\":1}",
		  "id: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"gateway\",\"id\":7,"
		  "\"t\":1}", "id: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"gateway\","
		  "\"id\":\"a b\",\"t\":1}", "id: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"boot\",\"id\":null}",
		  "t: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"boot\",\"id\":null,"
		  "\"t\":\"1\"}", "t: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"boot\",\"id\":null,"
		  "\"t\":-5}", "t: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"boot\",\"id\":null,"
		  "\"t\":1.5}", "t: expected" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"b\xc3\",\"id\":null,"
		  "\"t\":1}", "UTF-8" },
		{ "decran/gare-nord/status", "{\"v\":1,\"online\":true,\"fw\":\"\xff\"}", "UTF-8" },
		{ "decran/gare-nord/state/2", "{\"v\":1,\"ch\":2,\"on\":false,\"src\":\"boot\",\"id\":null,"
		  "\"t\":1}{}", "offset" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = nat(bad[i].topic, bad[i].payload);
		if (n != -1 || !strstr(err, bad[i].where) || !strstr(err, bad[i].topic))
			fail_msg("case %zu (%s): n=%d err=%s", i, bad[i].payload, n, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tasmota_command),
		cmocka_unit_test(tasmota_state),
		cmocka_unit_test(tasmota_online_and_energy),
		cmocka_unit_test(tasmota_ignores_what_is_not_its_business),
		cmocka_unit_test(tasmota_rejects_malformed),
		cmocka_unit_test(shelly_command),
		cmocka_unit_test(shelly_status),
		cmocka_unit_test(shelly_rejects_malformed),
		cmocka_unit_test(shelly_answers),
		cmocka_unit_test(native_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
