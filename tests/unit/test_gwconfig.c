/* test_gwconfig.c — the gateway configuration file: defaults, every driver,
 * and errors that name the field path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gwconfig.h"

static const char *good =
	"{\"broker\":{\"host\":\"127.0.0.1\",\"port\":18830},\"db\":\"decran.db\","
	"\"rules\":\"/etc/decran/rules.json\",\"zone\":\"America/Cayenne\",\"heartbeat_s\":10,"
	"\"reconcile\":{\"retry_first_ms\":500,\"retry_max_ms\":4000,\"confirm_timeout_ms\":9000},"
	"\"alarms\":{\"meter_off_threshold_w\":2.5},"
	"\"buses\":[{\"id\":\"rs485-1\",\"device\":\"/dev/ttyUSB0\",\"baud\":19200,\"parity\":\"E\"}],"
	"\"boxes\":["
	"{\"id\":\"gare-nord\",\"driver\":\"native\",\"channels\":8},"
	"{\"id\":\"kiosque-3\",\"driver\":\"tasmota\",\"topic\":\"kiosque_3\",\"channels\":2},"
	"{\"id\":\"mairie\",\"driver\":\"shelly\",\"prefix\":\"shellies/mairie\"},"
	"{\"id\":\"lycee\",\"driver\":\"modbus-tcp\",\"host\":\"127.0.0.1\",\"port\":1502,"
	" \"unit\":3,\"profile\":\"generic-coil-relay\",\"channels\":4,"
	" \"meter\":{\"profile\":\"eastron-sdm120\",\"unit\":4}},"
	"{\"id\":\"ecole\",\"driver\":\"modbus-rtu\",\"bus\":\"rs485-1\",\"unit\":2,"
	" \"profile\":\"generic-coil-relay\"}]}";

static void full_config_parses(void **s)
{
	(void)s;
	struct gw_config c;
	char err[256] = "";
	int rc = gw_config_parse(good, strlen(good), "/srv/decran", &c, err, sizeof err);
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(c.broker_port, 18830);
	assert_string_equal(c.client_id, "decran-gateway");
	assert_string_equal(c.db_path, "/srv/decran/decran.db");
	/* Box keys: "box-keys" beside the database unless named. */
	assert_string_equal(c.box_keys_dir, "/srv/decran/box-keys");
	assert_string_equal(c.rules_path, "/etc/decran/rules.json");
	assert_string_equal(c.zone, "America/Cayenne");
	assert_int_equal(c.retry_first_ms, 500);
	assert_int_equal(c.confirm_timeout_ms, 9000);
	assert_int_equal(c.startup_grace_ms, 1500);	/* default kept */
	assert_true(c.meter_off_threshold_w == 2.5);
	assert_int_equal(c.nbuses, 1);
	assert_int_equal(c.buses[0].parity, 'E');
	assert_int_equal(c.buses[0].baud, 19200);
	assert_int_equal(c.buses[0].data_bits, 8);
	assert_int_equal(c.nboxes, 5);
	assert_int_equal(c.boxes[0].driver, GW_DRV_NATIVE);
	assert_string_equal(c.boxes[0].topic, "gare-nord");
	assert_int_equal(c.boxes[0].channels, 8);
	assert_string_equal(c.boxes[1].topic, "kiosque_3");
	assert_string_equal(c.boxes[2].topic, "shellies/mairie");
	assert_int_equal(c.boxes[2].channels, 1);
	assert_int_equal(c.boxes[3].driver, GW_DRV_MODBUS_TCP);
	assert_int_equal(c.boxes[3].port, 1502);
	assert_int_equal(c.boxes[3].unit, 3);
	assert_string_equal(c.boxes[3].meter_profile, "eastron-sdm120");
	assert_int_equal(c.boxes[3].meter_unit, 4);
	assert_int_equal(c.boxes[4].bus, 0);
	assert_int_equal(c.boxes[4].bus, 0);
	assert_int_equal(gw_config_box(&c, "lycee"), 3);
	assert_int_equal(gw_config_box(&c, "nope"), -1);
	gw_config_free(&c);
}

#define B "\"db\":\"d\",\"rules\":\"r\","
static void errors_name_the_field(void **s)
{
	(void)s;
	static const struct { const char *json, *want; } bad[] = {
		{ "[]", "expected a JSON object" },
		{ "{\n  \"db\": \"x\",\n  oops }", "line 3, column" },
		{ "{\"db\": \"x\"}\n}", "line 2, column 1" },
		{ "{\"rules\":\"r\",\"boxes\":[]}", "db: required" },
		{ "{" B "\"boxes\":[],\"colour\":1}", "colour: unknown field" },
		{ "{" B "\"boxes\":{}}", "boxes: expected an array" },
		{ "{" B "\"broker\":{\"host\":\"h\",\"port\":0},\"boxes\":[]}",
		  "broker.port: must be between 1 and 65535" },
		{ "{" B "\"broker\":{\"port\":1},\"boxes\":[]}", "broker.host: required" },
		{ "{" B "\"heartbeat_s\":1.5,\"boxes\":[]}", "heartbeat_s: expected an integer" },
		{ "{" B "\"reconcile\":{\"retry_first_ms\":5000,\"retry_max_ms\":100},\"boxes\":[]}",
		  "reconcile.retry_max_ms" },
		{ "{" B "\"alarms\":{\"meter_off_threshold_w\":-1},\"boxes\":[]}",
		  "alarms.meter_off_threshold_w" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"zigbee\"}]}",
		  "boxes[0].driver: \"zigbee\" unknown" },
		{ "{" B "\"boxes\":[{\"id\":\"A B\",\"driver\":\"native\"}]}", "boxes[0].id" },
		{ "{" B "\"boxes\":[{\"driver\":\"native\"}]}", "boxes[0].id: required" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"native\",\"channels\":17}]}",
		  "boxes[0].channels: must be between 1 and 16" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"native\"},{\"id\":\"a\",\"driver\":\"native\"}]}",
		  "boxes[1].id: duplicate" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"tasmota\"}]}", "boxes[0].topic: required" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"tasmota\",\"topic\":\"x/y\"}]}",
		  "boxes[0].topic" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"tasmota\",\"topic\":\"t\"},"
		  "{\"id\":\"b\",\"driver\":\"tasmota\",\"topic\":\"t\"}]}",
		  "boxes[1].topic: already used by boxes[0]" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"shelly\",\"prefix\":\"s/#\"}]}",
		  "boxes[0].prefix" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"shelly\",\"topic\":\"t\",\"prefix\":\"p\"}]}",
		  "boxes[0].topic: not used by driver \"shelly\"" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"modbus-tcp\",\"profile\":\"p\"}]}",
		  "boxes[0].host: required" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"modbus-tcp\",\"host\":\"h\",\"profile\":\"p\","
		  "\"unit\":248}]}", "boxes[0].unit" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"modbus-rtu\",\"bus\":\"x\",\"profile\":\"p\"}]}",
		  "boxes[0].bus: \"x\" is not defined" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"modbus-tcp\",\"host\":\"h\",\"profile\":\"p\","
		  "\"meter\":{\"unit\":2}}]}", "boxes[0].meter.profile: required" },
		{ "{" B "\"boxes\":[{\"id\":\"a\",\"driver\":\"native\",\"meter\":{}}]}",
		  "boxes[0].meter: not used by driver \"native\"" },
		{ "{" B "\"buses\":[{\"id\":\"b\",\"device\":\"/dev/x\",\"parity\":\"X\"}],\"boxes\":[]}",
		  "buses[0].parity" },
		{ "{" B "\"buses\":[{\"id\":\"b\",\"device\":\"/dev/x\"},{\"id\":\"b\",\"device\":\"/dev/y\"}],"
		  "\"boxes\":[]}", "buses[1].id: duplicate" },
		{ "{" B "\"shelly_src\":\"a/#\",\"boxes\":[]}", "shelly_src" },
		/* The dashboard left the gateway (decran-web's web.json). */
		{ "{" B "\"http\":{\"listen\":\"127.0.0.1:8080\"},\"boxes\":[]}",
		  "http: the dashboard is now its own process, decran-web" },
		{ "{" B "\"control\":{\"root\":[\"x\"]},\"boxes\":[]}", "control.root: unknown field" },
		{ "{" B "\"control\":{\"web\":\"decran-web\"},\"boxes\":[]}",
		  "control.web: expected an array of user or group names" },
		{ "{" B "\"control\":{\"admin\":[\"\"]},\"boxes\":[]}",
		  "control.admin[0]: expected a user or group name" },
		{ "{" B "\"control\":{\"readonly\":[\"ok\",3]},\"boxes\":[]}",
		  "control.readonly[1]: expected a user or group name" },
		{ "{" B "\"control\":[],\"boxes\":[]}", "control: expected an object" },
		{ "{" B "\"energy\":{\"update_min\":-5},\"boxes\":[]}", "energy.update_min" },
		{ "{" B "\"energy\":{\"config\":3},\"boxes\":[]}", "energy.config: expected a string" },
		{ "{" B "\"broker\":{\"host\":\"h\",\"qos\":3},\"boxes\":[]}",
		  "broker.qos: must be between 0 and 2" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct gw_config c;
		char err[256] = "";
		memset(&c, 0x5a, sizeof c);
		struct gw_config before = c;
		int rc = gw_config_parse(bad[i].json, strlen(bad[i].json), NULL, &c, err, sizeof err);
		if (rc != -1 || !strstr(err, bad[i].want))
			fail_msg("case %zu: rc=%d err='%s' want '%s'", i, rc, err, bad[i].want);
		assert_memory_equal(&c, &before, sizeof c);	/* untouched on error */
	}
}

static void control_and_energy_sections(void **s)
{
	(void)s;
	static const char *json =
		"{\"db\":\"d.db\",\"rules\":\"r.json\",\"boxes\":[],"
		"\"control\":{\"admin\":[\"root\",\"decran\"],\"web\":[\"decran-web\"]},"
		"\"energy\":{\"config\":\"energy.json\",\"update_min\":15}}";
	struct gw_config c;
	char err[256] = "", addr[16];
	uint16_t port;
	if (gw_config_parse(json, strlen(json), "/srv/decran", &c, err, sizeof err))
		fail_msg("%s", err);
	assert_true(c.ctl_set);
	assert_int_equal(c.nctl_names[GW_ROLE_ADMIN], 2);
	assert_string_equal(c.ctl_names[GW_ROLE_ADMIN][1], "decran");
	assert_int_equal(c.nctl_names[GW_ROLE_WEB], 1);
	assert_string_equal(c.ctl_names[GW_ROLE_WEB][0], "decran-web");
	assert_int_equal(c.nctl_names[GW_ROLE_READONLY], 0);
	assert_string_equal(gw_role_name(GW_ROLE_WEB), "web");
	assert_string_equal(c.energy_config, "/srv/decran/energy.json");
	assert_int_equal(c.ledger_update_min, 15);
	gw_config_free(&c);

	/* Defaults: the control socket's default roles, hourly ledger. */
	static const char *bare = "{\"db\":\"d.db\",\"rules\":\"r.json\",\"boxes\":[]}";
	assert_int_equal(gw_config_parse(bare, strlen(bare), NULL, &c, err, sizeof err), 0);
	assert_false(c.ctl_set);
	assert_int_equal(c.ledger_update_min, 60);
	assert_string_equal(c.energy_config, "");
	assert_string_equal(c.box_keys_dir, "box-keys");
	gw_config_free(&c);
	static const char *keys = "{\"db\":\"/var/lib/decran/d.db\",\"rules\":\"r.json\","
				  "\"box_keys_dir\":\"keys\",\"boxes\":[]}";
	assert_int_equal(gw_config_parse(keys, strlen(keys), "/etc/decran", &c, err, sizeof err), 0);
	assert_string_equal(c.box_keys_dir, "/etc/decran/keys");
	gw_config_free(&c);

	assert_int_equal(gw_http_listen_parse("127.0.0.1:0", addr, &port), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(port, 0);
	assert_int_equal(gw_http_listen_parse(":80", addr, &port), -1);
	assert_int_equal(gw_http_listen_parse("1.2.3.4:80x", addr, &port), -1);
	assert_int_equal(gw_http_listen_parse("255.255.255.255.1:80", addr, &port), -1);
}

/* n native boxes "b<i>"; box `dup` takes the id of box `of` (-1: none). */
static char *fleet_json(size_t n, long dup, long of, size_t *len)
{
	char *j = malloc(n * 64 + 128);
	size_t o = (size_t)sprintf(j, "{\"db\":\"x\",\"rules\":\"r\",\"boxes\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(j + o, "%s{\"id\":\"b%zu\",\"driver\":\"native\"}", i ? "," : "",
				     (long)i == dup ? (size_t)of : i);
	o += (size_t)sprintf(j + o, "]}");
	*len = o;
	return j;
}

/* No cap on the fleet (issue 18: 4,096 boxes were refused); duplicates are
 * still found, the first repeat in file order named. */
static void large_fleets_are_accepted(void **s)
{
	(void)s;
	struct gw_config c;
	char err[256] = "";
	size_t len;
	char *j = fleet_json(100000, -1, -1, &len);
	assert_int_equal(gw_config_parse(j, len, NULL, &c, err, sizeof err), 0);
	assert_int_equal(c.nboxes, 100000);
	assert_int_equal(c.qos, 1);
	gw_config_free(&c);
	free(j);
	j = fleet_json(100000, 70000, 3, &len);
	assert_int_equal(gw_config_parse(j, len, NULL, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "boxes[70000].id: duplicate id \"b3\""));
	free(j);
	static const char two[] = "{\"db\":\"x\",\"rules\":\"r\",\"boxes\":["
		"{\"id\":\"a\",\"driver\":\"native\"},{\"id\":\"b\",\"driver\":\"native\"},"
		"{\"id\":\"c\",\"driver\":\"tasmota\",\"topic\":\"t\"},{\"id\":\"b\",\"driver\":\"native\"},"
		"{\"id\":\"d\",\"driver\":\"tasmota\",\"topic\":\"t\"},{\"id\":\"a\",\"driver\":\"native\"}]}";
	assert_int_equal(gw_config_parse(two, strlen(two), NULL, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "boxes[3].id: duplicate id \"b\""));
}

static void load_reports_the_file(void **s)
{
	(void)s;
	struct gw_config c;
	char err[512];
	assert_int_equal(gw_config_load("/nonexistent/gw.json", &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/gw.json"));
	char path[] = "/tmp/gwconfig-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("{\"db\":\"x.db\",\"rules\":\"r.json\",\"boxes\":[{\"id\":\"a\",\"driver\":\"native\","
	      "\"channels\":\"8\"}]}", f);
	fclose(f);
	assert_int_equal(gw_config_load(path, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "boxes[0].channels: expected an integer"));
	f = fopen(path, "w");
	fputs("{\"db\":\"x.db\",\"rules\":\"r.json\",\"boxes\":[]}", f);
	fclose(f);
	assert_int_equal(gw_config_load(path, &c, err, sizeof err), 0);
	assert_string_equal(c.db_path, "/tmp/x.db");
	gw_config_free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_config_parses),
		cmocka_unit_test(errors_name_the_field),
		cmocka_unit_test(control_and_energy_sections),
		cmocka_unit_test(load_reports_the_file),
		cmocka_unit_test(large_fleets_are_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
