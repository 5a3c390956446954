/* test_profile.c — Modbus device profiles: the shipped files load, and bad
 * ones are refused with the field named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "profile.h"

#include <unistd.h>

/* The shipped profiles, found from this binary (build/tests/...) so the
 * test runs from any directory. */
static char profiles_dir[4096];
#define PROFILES_DIR profiles_dir

static int find_profiles(void **s)
{
	(void)s;
	char exe[3000];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	snprintf(profiles_dir, sizeof profiles_dir, "%s/gateway/profiles", exe);
	return 0;
}

static void shipped_profiles_load(void **s)
{
	(void)s;
	struct gw_profile p;
	char err[256];
	if (gw_profile_load(PROFILES_DIR, "generic-coil-relay", &p, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(p.kind, GW_PROFILE_RELAY);
	assert_int_equal(p.coil_base, 0);
	assert_int_equal(p.readback, GW_READBACK_COILS);
	if (gw_profile_load(PROFILES_DIR, "eastron-sdm120", &p, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(p.kind, GW_PROFILE_METER);
	assert_true(p.input_registers);
	assert_int_equal(p.power.address, 0x000C);
	assert_int_equal(p.power.type, DC_REG_FLOAT32);
	assert_int_equal(p.power.order, DC_WORDS_BIG);
	assert_int_equal(p.energy.address, 0x0048);
	assert_true(p.energy.scale == 1000.0);	/* kWh -> Wh */
	if (gw_profile_load(PROFILES_DIR, "eastron-sdm630", &p, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(p.power.address, 0x0034);
	assert_int_equal(gw_profile_load(PROFILES_DIR, "../etc/passwd", &p, err, sizeof err), -1);
	assert_int_equal(gw_profile_load(PROFILES_DIR, "nope", &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope.json"));
}

static void bad_profiles_name_the_field(void **s)
{
	(void)s;
	static const struct { const char *json, *want; } bad[] = {
		{ "[", "invalid JSON" },
		{ "{\"v\":1,\"kind\":\"relay\"} {}", "invalid JSON" },
		{ "{\"v\":2,\"kind\":\"relay\"}", "p: v:" },
		{ "{\"v\":1,\"kind\":\"lamp\"}", "kind" },
		{ "{\"v\":1,\"kind\":\"relay\",\"coils\":3}", "coils: unknown field" },
		{ "{\"v\":1,\"kind\":\"relay\",\"coil_base\":-1}", "coil_base" },
		{ "{\"v\":1,\"kind\":\"relay\",\"readback\":\"maybe\"}", "readback" },
		{ "{\"v\":1,\"kind\":\"meter\"}", "power_w or energy_wh" },
		{ "{\"v\":1,\"kind\":\"meter\",\"function\":\"coil\",\"power_w\":{}}", "function" },
		{ "{\"v\":1,\"kind\":\"meter\",\"power_w\":{\"type\":\"float32\"}}", "power_w.address" },
		{ "{\"v\":1,\"kind\":\"meter\",\"power_w\":{\"address\":1,\"type\":\"float64\"}}",
		  "power_w.type" },
		{ "{\"v\":1,\"kind\":\"meter\",\"power_w\":{\"address\":1,\"type\":\"int16\","
		  "\"words\":\"middle\"}}", "power_w.words" },
		{ "{\"v\":1,\"kind\":\"meter\",\"energy_wh\":{\"address\":1,\"type\":\"int16\","
		  "\"scale\":0}}", "energy_wh.scale" },
		{ "{\"v\":1,\"kind\":\"meter\",\"energy_wh\":{\"address\":65535,\"type\":\"uint32\"}}",
		  "energy_wh: runs past" },
		{ "{\"v\":1,\"kind\":\"meter\",\"energy_wh\":{\"address\":1,\"type\":\"int16\","
		  "\"unit\":\"kWh\"}}", "energy_wh.unit: unknown field" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct gw_profile p;
		char err[256] = "";
		memset(&p, 0x33, sizeof p);
		struct gw_profile before = p;
		if (gw_profile_parse("p", bad[i].json, strlen(bad[i].json), &p, err, sizeof err) != -1 ||
		    !strstr(err, bad[i].want))
			fail_msg("case %zu: err='%s' want '%s'", i, err, bad[i].want);
		assert_memory_equal(&p, &before, sizeof p);
	}
}

/* A configuration whose boxes name these profiles, or the error of its
 * profiles (profiles_dir: the shipped ones). */
static int config_profiles(const char *relay, const char *meter, struct gw_box_profiles **v,
			   char *err, size_t errlen)
{
	char json[8192];
	struct gw_config c;
	snprintf(json, sizeof json,
		 "{\"db\":\"x.db\",\"rules\":\"r.json\",\"profiles_dir\":\"%s\",\"boxes\":["
		 "{\"id\":\"k\",\"driver\":\"tasmota\",\"topic\":\"k\"},"
		 "{\"id\":\"m\",\"driver\":\"modbus-tcp\",\"host\":\"127.0.0.1\",\"unit\":1,"
		 "\"profile\":\"%s\"%s%s%s}]}",
		 PROFILES_DIR, relay, meter ? ",\"meter\":{\"profile\":\"" : "", meter ? meter : "",
		 meter ? "\"}" : "");
	if (gw_config_parse(json, strlen(json), NULL, &c, err, errlen) < 0)
		fail_msg("config: %s", err);
	int rc = gw_profiles_of_config(&c, v, err, errlen);
	gw_config_free(&c);
	return rc;
}

static void config_profiles_load(void **s)
{
	(void)s;
	struct gw_box_profiles *v;
	char err[512];
	if (config_profiles("generic-coil-relay", "eastron-sdm120", &v, err, sizeof err) < 0)
		fail_msg("%s", err);
	assert_false(v[0].has_meter);	/* the MQTT box */
	assert_int_equal(v[1].relay.kind, GW_PROFILE_RELAY);
	assert_true(v[1].has_meter);
	assert_int_equal(v[1].meter.kind, GW_PROFILE_METER);
	assert_int_equal(v[1].meter.power.address, 0x000C);
	free(v);
	if (config_profiles("generic-coil-relay", NULL, &v, err, sizeof err) < 0)
		fail_msg("%s", err);
	assert_false(v[1].has_meter);
	free(v);
}

/* -n and reload refuse a configuration whose profiles do not load, with the
 * box's field named. */
static void config_profiles_name_the_box_field(void **s)
{
	(void)s;
	static const struct {
		const char *relay, *meter, *want;
	} bad[] = {
		{ "sans-profil", NULL, "boxes[1].profile: " },
		{ "sans-profil", NULL, "sans-profil.json: No such file or directory" },
		{ "eastron-sdm120", NULL, "boxes[1].profile: eastron-sdm120 is not a relay profile" },
		{ "generic-coil-relay", "absent", "boxes[1].meter.profile: " },
		{ "generic-coil-relay", "generic-coil-relay",
		  "boxes[1].meter.profile: generic-coil-relay is not a meter profile" },
		{ "../etc", NULL, "boxes[1].profile: " },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct gw_box_profiles *v = (void *)&v;
		char err[512] = "";
		if (config_profiles(bad[i].relay, bad[i].meter, &v, err, sizeof err) != -1 ||
		    !strstr(err, bad[i].want))
			fail_msg("case %zu: err='%s' want '%s'", i, err, bad[i].want);
		assert_ptr_equal(v, (void *)&v);	/* untouched */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_profiles_load),
		cmocka_unit_test(bad_profiles_name_the_field),
		cmocka_unit_test(config_profiles_load),
		cmocka_unit_test(config_profiles_name_the_box_field),
	};
	return cmocka_run_group_tests(tests, find_profiles, NULL);
}
