/* test_relay_config.c — decran-relay.json: defaults, the shipped example, and
 * errors that name the field path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "i18n.h"

static struct fw_config cfg;
static char err[256];

static int parse(const char *json)
{
	err[0] = '\0';
	return fw_config_parse(json, strlen(json), &cfg, err, sizeof err);
}

static int setup(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_EN);
	return 0;
}

static void minimal_file_gets_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"box\":\"gare-nord\",\"channels\":[{\"channel\":3,\"line\":13}]}"), 0);
	assert_string_equal(cfg.box, "gare-nord");
	assert_int_equal(cfg.hal, FW_HAL_GPIOD);
	assert_int_equal(cfg.nch, 1);
	assert_int_equal(cfg.ch[0].channel, 3);
	assert_string_equal(cfg.ch[0].chip, "gpiochip0");
	assert_true(cfg.ch[0].active_low);
	assert_int_equal(cfg.ch[0].wiring, FW_WIRING_NO);
	assert_false(cfg.safe_on);
	assert_int_equal(cfg.gateway_timeout_s, 90);
	assert_int_equal(cfg.mqtt.port, 1883);
	assert_string_equal(cfg.mqtt.client_id, "decran-relay-gare-nord");
	assert_false(cfg.meter.enabled);
	assert_false(cfg.modbus_tcp.enabled);
	assert_non_null(fw_config_channel(&cfg, 3));
	assert_null(fw_config_channel(&cfg, 1));
}

static void shipped_example_is_the_pi_hat_pin_map(void **state)
{
	(void)state;
	static const int bcm[] = { 5, 6, 13, 16, 19, 20, 21, 26 };
	const char *top = getenv("DECRAN_TOP");
	char path[512];
	snprintf(path, sizeof path, "%s/firmware/decran-relay.json.example", top ? top : ".");
	assert_int_equal(fw_config_load(path, &cfg, err, sizeof err), 0);
	assert_int_equal(cfg.nch, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(cfg.ch[i].channel, i + 1);
		assert_int_equal(cfg.ch[i].line, bcm[i]);
		assert_string_equal(cfg.ch[i].chip, "gpiochip0");
		assert_true(cfg.ch[i].active_low);
	}
	/* every channel reads its contactor's auxiliary contact */
	static const int fb[] = { 4, 17, 27, 22, 23, 24, 25, 18 };
	for (int i = 0; i < 8; i++) {
		assert_true(cfg.ch[i].feedback.has);
		assert_int_equal(cfg.ch[i].feedback.line, fb[i]);
		assert_false(cfg.ch[i].safe_on);
	}
	assert_true(cfg.watchdog.enabled);
	assert_true(cfg.watchdog.magic_close);
	assert_true(cfg.meter.enabled);
	assert_int_equal(cfg.meter.nregs, 4);
	assert_int_equal(cfg.meter.regs[3].addr, 0x156);
	assert_true(cfg.modbus_tcp.enabled);
	/* The Modbus TCP server has no authentication: the shipped file keeps
	 * it on the box itself, as the default does. */
	assert_string_equal(cfg.modbus_tcp.listen, "127.0.0.1");
	assert_int_equal(parse("{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],"
			       "\"modbus_tcp\":{}}"), 0);
	assert_true(cfg.modbus_tcp.enabled);
	assert_string_equal(cfg.modbus_tcp.listen, "127.0.0.1");
}

static void errors_name_the_field(void **state)
{
	(void)state;
	static const struct {
		const char *json, *path;
	} cases[] = {
		{ "{\"channels\":[]}", "box:" },
		{ "{\"box\":\"Gare Nord\",\"channels\":[{\"channel\":1,\"line\":1}]}", "box:" },
		{ "{\"box\":\"b\"}", "channels:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5},{\"channel\":2,\"line\":6},"
		  "{\"channel\":3,\"line\":\"x\"}]}", "channels[2].line:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":17,\"line\":5}]}", "channels[0].channel:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5},{\"channel\":1,\"line\":6}]}",
		  "channels[1].channel:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5},{\"channel\":2,\"line\":5}]}",
		  "channels[1].line:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"wiring\":\"XX\"}]}",
		  "channels[0].wiring:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"activ_low\":true}]}",
		  "channels[0].activ_low:" },
		{ "{\"box\":\"b\",\"hal\":\"sim\",\"channels\":[{\"channel\":1,\"line\":5}]}",
		  "sim_state_file:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"mqtt\":{\"port\":0}}",
		  "mqtt.port:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"meter\":{\"device\":\"/dev/x\","
		  "\"profile\":\"custom\",\"registers\":[{\"name\":\"p\",\"addr\":1,\"type\":\"f64\"}]}}",
		  "meter.registers[0].type:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"meter\":{\"profile\":\"sdm120\"}}",
		  "meter.device:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"safe_state\":\"maybe\"}",
		  "safe_state:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"modbus_tcp\":{\"port\":70000}}",
		  "modbus_tcp.port:" },
		{ "{\"box\":\"b\",\n\"channels\":[}", "line 2, column" },
		/* safe state "on" only on an NC channel declared not advertising */
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"safe_state\":\"on\","
		  "\"advertising\":false}]}", "channels[0].safe_state:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"wiring\":\"NC\","
		  "\"safe_state\":\"on\"}]}", "channels[0].advertising:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"wiring\":\"NC\","
		  "\"safe_state\":\"on\",\"advertising\":true}]}", "channels[0].advertising:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"wiring\":\"NC\"}]}",
		  "channels[0].wiring:" },
		{ "{\"box\":\"b\",\"safe_state\":\"on\",\"channels\":[{\"channel\":1,\"line\":5,"
		  "\"wiring\":\"NC\",\"advertising\":false},{\"channel\":2,\"line\":6}]}",
		  "channels[1].safe_state:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"safe_state\":\"lit\"}]}",
		  "channels[0].safe_state:" },
		/* feedback inputs */
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"feedback\":{}}]}",
		  "channels[0].feedback.line:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"feedback\":{\"line\":6,"
		  "\"pin\":3}}]}", "channels[0].feedback.pin:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5},{\"channel\":2,\"line\":6,"
		  "\"feedback\":{\"line\":5}}]}", "channels[1].feedback.line:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5,\"feedback\":{\"line\":22}},"
		  "{\"channel\":2,\"line\":6,\"feedback\":{\"line\":22}}]}", "channels[0].feedback.line:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"feedback_debounce_ms\":1}",
		  "feedback_debounce_ms:" },
		/* watchdog */
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"watchdog\":{\"timeout_s\":1}}",
		  "watchdog.timeout_s:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"watchdog\":{\"dev\":\"x\"}}",
		  "watchdog.dev:" },
		/* Numbers no int holds: refused before any conversion (UB). */
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],\"mqtt\":{\"port\":1e300}}",
		  "mqtt.port:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1e19,\"line\":5}]}",
		  "channels[0].channel:" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":-1e300}]}",
		  "channels[0].line:" },
		/* One JSON value, nothing after it. */
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}]}\n{}", "line 2, column 1" },
		{ "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}]} x", "line 1, column" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		memset(&cfg, 0x5A, sizeof cfg);
		assert_int_equal(parse(cases[i].json), -1);
		if (strncmp(err, cases[i].path, strlen(cases[i].path)) != 0)
			fail_msg("case %zu: expected '%s...', got '%s'", i, cases[i].path, err);
		/* nothing half-applied */
		assert_int_equal(((unsigned char *)&cfg)[0], 0x5A);
	}
}

static void custom_meter_registers(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],"
			       "\"meter\":{\"device\":\"/dev/ttyUSB0\",\"profile\":\"custom\",\"registers\":["
			       "{\"name\":\"energy_kwh\",\"fn\":3,\"addr\":256,\"type\":\"uint32\","
			       "\"order\":\"little\",\"scale\":0.01}]}}"), 0);
	assert_int_equal(cfg.meter.nregs, 1);
	assert_int_equal(cfg.meter.regs[0].fn, 3);
	assert_int_equal(cfg.meter.regs[0].type, DC_REG_UINT32);
	assert_int_equal(cfg.meter.regs[0].order, DC_WORDS_LITTLE);
	assert_true(cfg.meter.regs[0].scale == 0.01);
}

static void safe_state_feedback_and_watchdog_fields(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"box\":\"b\",\"channels\":["
			       "{\"channel\":1,\"line\":5,\"feedback\":{\"line\":22}},"
			       "{\"channel\":2,\"line\":6,\"wiring\":\"NC\",\"safe_state\":\"on\","
			       "\"advertising\":false,\"feedback\":{\"chip\":\"pinctrl-rp1\",\"line\":23,"
			       "\"active_low\":false}}],"
			       "\"feedback_debounce_ms\":200,\"watchdog\":{\"magic_close\":true}}"), 0);
	assert_false(fw_config_safe_on(&cfg, 1));
	assert_true(fw_config_safe_on(&cfg, 2));
	assert_true(cfg.ch[0].feedback.has);
	assert_string_equal(cfg.ch[0].feedback.chip, "gpiochip0");	/* the output's chip */
	assert_int_equal(cfg.ch[0].feedback.line, 22);
	assert_true(cfg.ch[0].feedback.active_low);
	assert_string_equal(cfg.ch[1].feedback.chip, "pinctrl-rp1");
	assert_false(cfg.ch[1].feedback.active_low);
	assert_int_equal(cfg.feedback_debounce_ms, 200);
	assert_int_equal(cfg.feedback_check_s, 10);
	assert_true(cfg.watchdog.enabled);
	assert_string_equal(cfg.watchdog.device, "/dev/watchdog");
	assert_int_equal(cfg.watchdog.timeout_s, 15);
	assert_true(cfg.watchdog.magic_close);
	/* no watchdog section: not fed */
	assert_int_equal(parse("{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}]}"), 0);
	assert_false(cfg.watchdog.enabled);
	assert_false(cfg.ch[0].feedback.has);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_file_gets_defaults),
		cmocka_unit_test(shipped_example_is_the_pi_hat_pin_map),
		cmocka_unit_test(errors_name_the_field),
		cmocka_unit_test(custom_meter_registers),
		cmocka_unit_test(safe_state_feedback_and_watchdog_fields),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
