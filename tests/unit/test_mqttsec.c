/* test_mqttsec.c — broker credentials and TLS in both configurations
 * (gateway.json "broker", decran-relay.json "mqtt"): each bad field gets
 * its own error, and the files are checked before a daemon starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "gwconfig.h"
#include "i18n.h"
#include "mqttsec.h"

static char err[512];
static char dir[64];

static int setup(void **state)
{
	(void)state;
	dc_set_lang(DC_LANG_EN);
	snprintf(dir, sizeof dir, "/tmp/test_mqttsec.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

/* Parse `broker` (the inside of the object) through the gateway's config. */
static int gw(const char *broker, struct gw_config *c)
{
	char json[1024];
	snprintf(json, sizeof json, "{\"broker\":{\"host\":\"mq\"%s%s},\"db\":\"/var/lib/decran/d.db\","
		 "\"rules\":\"r.json\",\"boxes\":[]}", *broker ? "," : "", broker);
	err[0] = '\0';
	int rc = gw_config_parse(json, strlen(json), NULL, c, err, sizeof err);
	if (rc == 0)
		gw_config_free(c);
	return rc;
}

static int fw(const char *mqtt, struct fw_config *c)
{
	char json[1024];
	snprintf(json, sizeof json, "{\"box\":\"b\",\"channels\":[{\"channel\":1,\"line\":5}],"
		 "\"mqtt\":{\"host\":\"mq\"%s%s}}", *mqtt ? "," : "", mqtt);
	err[0] = '\0';
	return fw_config_parse(json, strlen(json), c, err, sizeof err);
}

static void both_configs_read_the_same_fields(void **state)
{
	static struct fw_config f;
	struct gw_config g;
	const char *full = "\"username\":\"gare-nord\",\"password_file\":\"pw\","
			   "\"tls\":{\"ca_file\":\"ca.crt\",\"cert_file\":\"c.crt\","
			   "\"key_file\":\"c.key\",\"min_version\":\"tlsv1.3\"}";
	(void)state;
	assert_int_equal(fw(full, &f), 0);
	assert_string_equal(f.mqtt.sec.username, "gare-nord");
	assert_string_equal(f.mqtt.sec.password_file, "pw");
	assert_true(f.mqtt.sec.tls);
	assert_true(f.mqtt.sec.verify);
	assert_int_equal(f.mqtt.sec.min_version, DC_TLS_1_3);
	assert_string_equal(f.mqtt.sec.key_file, "c.key");
	assert_int_equal(gw(full, &g), 0);
	assert_string_equal(g.broker_sec.username, "gare-nord");
	assert_string_equal(g.broker_sec.ca_file, "ca.crt");
	/* Nothing said: anonymous and plain, checked by default once TLS is on. */
	assert_int_equal(gw("", &g), 0);
	assert_false(g.broker_sec.tls);
	assert_string_equal(g.broker_sec.username, "");
	/* The keys sit beside the database unless told otherwise. */
	assert_string_equal(g.box_keys_dir, "/var/lib/decran/box-keys");
	assert_int_equal(fw("\"tls\":{\"ca_dir\":\"/etc/ssl/certs\"}", &f), 0);
	assert_int_equal(f.mqtt.sec.min_version, DC_TLS_1_2);
}

static void each_bad_field_has_its_error(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "\"password_file\":\"pw\"", "username: required with \"password_file\"" },
		{ "\"username\":\"\"", "username: must be a non-empty string" },
		{ "\"username\":7", "username: must be a non-empty string" },
		{ "\"tls\":true", "tls: must be an object" },
		{ "\"tls\":{}", "tls.ca_file: required (or \"ca_dir\")" },
		{ "\"tls\":{\"ca_file\":\"a\",\"min_version\":\"tlsv1.1\"}",
		  "tls.min_version: \"tlsv1.1\" unknown (\"tlsv1.2\" or \"tlsv1.3\")" },
		{ "\"tls\":{\"ca_file\":\"a\",\"key_file\":\"k\"}", "tls.cert_file: required with \"key_file\"" },
		{ "\"tls\":{\"ca_file\":\"a\",\"cert_file\":\"c\"}", "tls.key_file: required with \"cert_file\"" },
		{ "\"tls\":{\"ca_file\":\"a\",\"verify\":false}", "tls.verify: false also needs \"insecure\": true" },
		{ "\"tls\":{\"ca_file\":\"a\",\"insecure\":true}", "tls.insecure: only with \"verify\": false" },
		{ "\"tls\":{\"ca_file\":\"a\",\"verify\":\"no\"}", "tls.verify: must be true or false" },
		{ "\"tls\":{\"ca_file\":\"a\",\"cafile\":\"b\"}", "tls.cafile: unknown field" },
	};
	static struct fw_config f;
	struct gw_config g;
	char want[160];
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(gw(cases[i].json, &g), -1);
		snprintf(want, sizeof want, "broker.%s", cases[i].err);
		if (!strstr(err, want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, err, want);
		assert_int_equal(fw(cases[i].json, &f), -1);
		snprintf(want, sizeof want, "mqtt.%s", cases[i].err);
		if (!strstr(err, want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, err, want);
	}
	/* What verify false costs is spelled out, and accepted when said. */
	assert_int_equal(fw("\"tls\":{\"ca_file\":\"a\",\"verify\":false,\"insecure\":true}", &f), 0);
	assert_false(f.mqtt.sec.verify);
}

static void write_file(const char *name, const char *text, mode_t mode, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static void files_are_checked_and_the_password_read(void **state)
{
	struct dc_mqtt_sec s;
	char pw[128], pwfile[128], ca[128], key[128];
	(void)state;
	memset(&s, 0, sizeof s);
	s.verify = true;
	snprintf(s.username, sizeof s.username, "b");
	write_file("pw", "s3cret-line\nsecond line\n", 0600, pwfile, sizeof pwfile);
	snprintf(s.password_file, sizeof s.password_file, "%s", pwfile);
	assert_int_equal(dc_mqtt_sec_load(&s, "mqtt", pw, sizeof pw, err, sizeof err), 0);
	assert_string_equal(pw, "s3cret-line");
	/* Readable by the group: refused, with the mode and the fix. */
	chmod(pwfile, 0640);
	assert_int_equal(dc_mqtt_sec_load(&s, "mqtt", pw, sizeof pw, err, sizeof err), -1);
	assert_non_null(strstr(err, "mqtt.password_file: "));
	assert_non_null(strstr(err, "readable by others than its owner (mode 640)"));
	chmod(pwfile, 0600);
	write_file("empty", "\n", 0600, s.password_file, sizeof s.password_file);
	assert_int_equal(dc_mqtt_sec_load(&s, "mqtt", pw, sizeof pw, err, sizeof err), -1);
	assert_non_null(strstr(err, "mqtt.password_file: ") && strstr(err, "empty"));
	snprintf(s.password_file, sizeof s.password_file, "%s/none", dir);
	assert_int_equal(dc_mqtt_sec_load(&s, "mqtt", pw, sizeof pw, err, sizeof err), -1);
	assert_non_null(strstr(err, "mqtt.password_file: ") && strstr(err, "no such file"));
	snprintf(s.password_file, sizeof s.password_file, "%s", pwfile);

	s.tls = true;
	write_file("ca.crt", "x", 0644, ca, sizeof ca);
	snprintf(s.ca_file, sizeof s.ca_file, "%s/missing-ca.crt", dir);
	assert_int_equal(dc_mqtt_sec_load(&s, "broker", pw, sizeof pw, err, sizeof err), -1);
	assert_non_null(strstr(err, "broker.tls.ca_file: ") && strstr(err, "missing-ca.crt: no such file"));
	snprintf(s.ca_file, sizeof s.ca_file, "%s", ca);
	snprintf(s.cert_file, sizeof s.cert_file, "%s", ca);
	write_file("c.key", "k", 0644, key, sizeof key);
	snprintf(s.key_file, sizeof s.key_file, "%s", key);
	assert_int_equal(dc_mqtt_sec_load(&s, "broker", pw, sizeof pw, err, sizeof err), -1);
	assert_non_null(strstr(err, "broker.tls.key_file: ") && strstr(err, "mode 644"));
	chmod(key, 0600);
	snprintf(s.ca_dir, sizeof s.ca_dir, "%s", ca);	/* a file, not a directory */
	assert_int_equal(dc_mqtt_sec_load(&s, "broker", pw, sizeof pw, err, sizeof err), -1);
	assert_non_null(strstr(err, "broker.tls.ca_dir: "));
	snprintf(s.ca_dir, sizeof s.ca_dir, "%s", dir);
	assert_int_equal(dc_mqtt_sec_load(&s, "broker", pw, sizeof pw, err, sizeof err), 0);
	if (geteuid() != 0) {	/* root reads everything */
		chmod(ca, 0);
		assert_int_equal(dc_mqtt_sec_load(&s, "broker", pw, sizeof pw, err, sizeof err), -1);
		assert_non_null(strstr(err, "broker.tls.ca_file: ") && strstr(err, "unreadable"));
	}
}

static void relative_names_resolve_from_a_base(void **state)
{
	struct dc_mqtt_sec s;
	(void)state;
	memset(&s, 0, sizeof s);
	snprintf(s.password_file, sizeof s.password_file, "mqtt-password");
	snprintf(s.ca_file, sizeof s.ca_file, "/etc/ca.crt");
	dc_mqtt_sec_resolve(&s, "/run/credentials/decran-relay.service");
	assert_string_equal(s.password_file, "/run/credentials/decran-relay.service/mqtt-password");
	assert_string_equal(s.ca_file, "/etc/ca.crt");
	dc_mqtt_sec_resolve(&s, NULL);
	assert_string_equal(s.ca_file, "/etc/ca.crt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_configs_read_the_same_fields),
		cmocka_unit_test(each_bad_field_has_its_error),
		cmocka_unit_test(files_are_checked_and_the_password_read),
		cmocka_unit_test(relative_names_resolve_from_a_base),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
