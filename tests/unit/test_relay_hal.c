/* test_relay_hal.c — screen → coil → line mapping, and the sim backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicfile.h"
#include "feedback.h"
#include "hal.h"

static void mapping_truth_table(void **state)
{
	(void)state;
	/* NO: powered when energised; NC: powered when released. */
	assert_true(fw_coil_energised(FW_WIRING_NO, true));
	assert_false(fw_coil_energised(FW_WIRING_NO, false));
	assert_false(fw_coil_energised(FW_WIRING_NC, true));
	assert_true(fw_coil_energised(FW_WIRING_NC, false));
	/* active-low boards energise the coil with a low line */
	assert_int_equal(fw_line_level(true, true), 0);
	assert_int_equal(fw_line_level(true, false), 1);
	assert_int_equal(fw_line_level(false, true), 1);
	assert_int_equal(fw_line_level(false, false), 0);
}

static void sim_backend_drives_lines_and_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/decran-hal-XXXXXX", err[128];
	assert_non_null(mkdtemp(dir));
	struct fw_config cfg;
	char json[512];
	snprintf(json, sizeof json,
		 "{\"box\":\"b\",\"hal\":\"sim\",\"sim_state_file\":\"%s/relays.json\",\"channels\":["
		 "{\"channel\":1,\"line\":5},"
		 "{\"channel\":2,\"line\":6,\"wiring\":\"NC\",\"safe_state\":\"on\","
		 "\"advertising\":false},"
		 "{\"channel\":7,\"line\":21,\"active_low\":false}]}", dir);
	assert_int_equal(fw_config_parse(json, strlen(json), &cfg, err, sizeof err), 0);
	bool initial[DC_MAX_CHANNELS] = { [1] = true };
	struct fw_hal *h = fw_hal_open(&cfg, initial, err, sizeof err);
	assert_non_null(h);
	char path[128];
	snprintf(path, sizeof path, "%s/relays.json", dir);
	char *s = dc_read_file(path, 1024, NULL);
	assert_string_equal(s, "{\"1\":0,\"2\":1,\"7\":0}\n");
	free(s);
	/* ch1 NO active-low off: coil released, line high */
	assert_int_equal(fw_hal_level(h, 1), 1);
	/* ch2 NC active-low on: coil released, line high */
	assert_int_equal(fw_hal_level(h, 2), 1);
	/* ch7 NO active-high off: line low */
	assert_int_equal(fw_hal_level(h, 7), 0);

	assert_int_equal(fw_hal_set(h, 1, true), 0);
	assert_int_equal(fw_hal_level(h, 1), 0);
	assert_int_equal(fw_hal_set(h, 2, false), 0);
	assert_int_equal(fw_hal_level(h, 2), 0);	/* NC off: energised, active-low → low */
	assert_int_equal(fw_hal_set(h, 7, true), 0);
	assert_int_equal(fw_hal_level(h, 7), 1);
	assert_true(fw_hal_get(h, 1));
	assert_false(fw_hal_get(h, 2));
	s = dc_read_file(path, 1024, NULL);
	assert_string_equal(s, "{\"1\":1,\"2\":0,\"7\":1}\n");
	free(s);
	/* unknown channel */
	assert_int_equal(fw_hal_set(h, 3, true), -1);
	assert_int_equal(fw_hal_level(h, 3), -1);
	fw_hal_close(h);
	unlink(path);
	rmdir(dir);
}

static void gpiod_backend_reports_missing_chip(void **state)
{
	(void)state;
	struct fw_config cfg;
	char err[256];
	const char *json = "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"chip\":\"gpiochip-none\",\"line\":5}]}";
	assert_int_equal(fw_config_parse(json, strlen(json), &cfg, err, sizeof err), 0);
	bool initial[DC_MAX_CHANNELS] = { 0 };
	assert_null(fw_hal_open(&cfg, initial, err, sizeof err));
	assert_non_null(strstr(err, "channels[0]"));
	assert_non_null(strstr(err, "gpiochip-none"));
}

/* A test welds a contactor through "<sim_state_file>.feedback": the sim
 * contact follows the coil until then. */
static void sim_feedback_follows_coil_until_welded(void **state)
{
	(void)state;
	char dir[] = "/tmp/decran-hal-XXXXXX", err[128], path[128], json[512];
	assert_non_null(mkdtemp(dir));
	struct fw_config cfg;
	snprintf(json, sizeof json,
		 "{\"box\":\"b\",\"hal\":\"sim\",\"sim_state_file\":\"%s/relays.json\",\"channels\":["
		 "{\"channel\":1,\"line\":5,\"feedback\":{\"line\":22}},"
		 "{\"channel\":2,\"line\":6}]}", dir);
	assert_int_equal(fw_config_parse(json, strlen(json), &cfg, err, sizeof err), 0);
	bool initial[DC_MAX_CHANNELS] = { [0] = true };
	struct fw_hal *h = fw_hal_open(&cfg, initial, err, sizeof err);
	assert_non_null(h);
	assert_int_equal(fw_hal_contact(h, 1), 1);
	assert_int_equal(fw_hal_contact(h, 2), -1);	/* no feedback input */
	assert_int_equal(fw_hal_set(h, 1, false), 0);
	assert_int_equal(fw_hal_contact(h, 1), 0);
	snprintf(path, sizeof path, "%s/relays.json.feedback", dir);
	assert_int_equal(dc_atomic_write(path, "{\"1\":1}", 7, false), 0);
	assert_int_equal(fw_hal_contact(h, 1), 1);	/* welded: stays closed */
	fw_hal_close(h);
	unlink(path);
	snprintf(path, sizeof path, "%s/relays.json", dir);
	unlink(path);
	rmdir(dir);
}

static void feedback_settles_and_debounces(void **state)
{
	(void)state;
	struct fw_fbstate s;
	fw_feedback_init(&s);
	/* NO: the screen is powered when the contactor is pulled in; NC: not. */
	assert_true(fw_contact_screen_on(FW_WIRING_NO, true));
	assert_false(fw_contact_screen_on(FW_WIRING_NC, true));
	fw_feedback_switched(&s, 1000, 500);
	assert_int_equal(s.fb, -1);
	assert_int_equal(s.sample_at, 1500);
	/* the first sample after the settle time is taken as is */
	assert_true(fw_feedback_sample(&s, 1, 1500, 500));
	assert_int_equal(s.fb, 1);
	assert_int_equal(s.sample_at, INT64_MAX);
	/* the same value: nothing new */
	assert_false(fw_feedback_sample(&s, 1, 11500, 500));
	/* a change between switches needs a second sample to agree */
	assert_false(fw_feedback_sample(&s, 0, 21500, 500));
	assert_int_equal(s.fb, 1);
	assert_int_equal(s.sample_at, 22000);
	assert_false(fw_feedback_sample(&s, 1, 22000, 500));	/* a bounce: dropped */
	assert_int_equal(s.fb, 1);
	assert_false(fw_feedback_sample(&s, 0, 31500, 500));
	assert_true(fw_feedback_sample(&s, 0, 32000, 500));
	assert_int_equal(s.fb, 0);
	/* an unreadable input changes nothing */
	assert_false(fw_feedback_sample(&s, -1, 40000, 500));
	assert_int_equal(s.fb, 0);
}

/* Pi 5: the header is on the RP1, "pinctrl-rp1", no longer gpiochip0. */
static void chip_found_by_name_path_or_label(void **state)
{
	(void)state;
	assert_true(fw_chip_matches("gpiochip4", "gpiochip4", "pinctrl-rp1"));
	assert_true(fw_chip_matches("/dev/gpiochip4", "gpiochip4", "pinctrl-rp1"));
	assert_true(fw_chip_matches("pinctrl-rp1", "gpiochip4", "pinctrl-rp1"));
	assert_true(fw_chip_matches("pinctrl-bcm2711", "gpiochip0", "pinctrl-bcm2711"));
	assert_false(fw_chip_matches("pinctrl-bcm2711", "gpiochip4", "pinctrl-rp1"));
	assert_false(fw_chip_matches("gpiochip0", "gpiochip4", "pinctrl-rp1"));
	assert_false(fw_chip_matches("", "gpiochip4", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mapping_truth_table),
		cmocka_unit_test(sim_backend_drives_lines_and_file),
		cmocka_unit_test(gpiod_backend_reports_missing_chip),
		cmocka_unit_test(sim_feedback_follows_coil_until_welded),
		cmocka_unit_test(feedback_settles_and_debounces),
		cmocka_unit_test(chip_found_by_name_path_or_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
