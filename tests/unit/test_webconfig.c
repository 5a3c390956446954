/* test_webconfig.c — decran-web's web.json: every field, relative paths,
 * and each kind of bad value named, with the configuration untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "webconfig.h"

static void fields_defaults_and_paths(void **s)
{
	(void)s;
	struct web_config c;
	char err[256] = "";
	web_config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.control_socket, "/run/decran/gateway.sock");
	assert_int_equal(c.session_hours, 12);
	static const char *json =
		"{\"listen\":\"0.0.0.0:0\",\"db\":\"d.db\",\"sessions_db\":\"/var/s.db\","
		"\"control_socket\":\"gw.sock\",\"assets\":\"../dashboard\",\"energy_config\":\"\","
		"\"secure_cookies\":true,\"session_hours\":8}";
	if (web_config_parse(json, strlen(json), "/srv/decran", &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(c.listen, "0.0.0.0:0");
	assert_string_equal(c.db, "/srv/decran/d.db");
	assert_string_equal(c.sessions_db, "/var/s.db");
	assert_string_equal(c.control_socket, "/srv/decran/gw.sock");
	assert_string_equal(c.assets, "/srv/decran/../dashboard");
	assert_string_equal(c.energy_config, "");
	assert_true(c.secure_cookies);
	assert_int_equal(c.session_hours, 8);
}

static void bad_values_are_named(void **s)
{
	(void)s;
	static const struct { const char *json, *want; } bad[] = {
		{ "[]", "expected a JSON object" },
		{ "{\"listen\":\"8080\"}", "listen: expected \"ADDR:PORT\"" },
		{ "{\"listen\":\"localhost:80\"}", "listen: expected" },
		{ "{\"listen\":\"127.0.0.1:65536\"}", "listen: expected" },
		{ "{\"listen\":\"127.0.0.1:\"}", "listen: expected" },
		{ "{\"listen\":\"127.0.0.1:-1\"}", "listen: expected" },
		{ "{\"listen\":3}", "listen: expected a non-empty string" },
		{ "{\"db\":\"\"}", "db: expected a non-empty string" },
		{ "{\"secure_cookies\":\"yes\"}", "secure_cookies: expected true or false" },
		{ "{\"session_hours\":0}", "session_hours: expected an integer from 1 to 720" },
		{ "{\"session_hours\":1.5}", "session_hours" },
		{ "{\"port\":80}", "port: unknown field" },
		/* the box labels' QR codes open public_url + "/box/ID": nothing
		 * that would break out of the URL or the HTML around it */
		{ "{\"public_url\":\"decran.example.org\"}", "public_url: expected \"http://" },
		{ "{\"public_url\":\"javascript:alert(1)\"}", "public_url: expected" },
		{ "{\"public_url\":\"http://\"}", "public_url: expected" },
		{ "{\"public_url\":\"http://a/\"}", "public_url: expected no trailing slash" },
		{ "{\"public_url\":\"http://a\\\"onload=x\"}", "public_url: expected" },
		{ "{\"public_url\":\"http://a b\"}", "public_url: expected" },
		{ "{\"public_url\":\"http://a?x=1\"}", "public_url: expected" },
		{ "{\"public_url\":3}", "public_url: expected" },
		{ "{\"service_phone\":\"03\\n20\"}", "service_phone: expected" },
		{ "{\"service_phone\":\"0123456789012345678901234567890123456789012345678\"}",
		  "service_phone: expected" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct web_config c, before;
		char err[256] = "";
		web_config_defaults(&c);
		before = c;
		int rc = web_config_parse(bad[i].json, strlen(bad[i].json), NULL, &c, err, sizeof err);
		if (rc != -1 || !strstr(err, bad[i].want))
			fail_msg("case %zu: rc=%d err='%s' want '%s'", i, rc, err, bad[i].want);
		assert_memory_equal(&c, &before, sizeof c);
	}
}

static void public_url_and_phone(void **s)
{
	(void)s;
	struct web_config c;
	char err[256] = "";
	web_config_defaults(&c);
	assert_string_equal(c.public_url, "");
	static const char *json = "{\"public_url\":\"https://decran.ville.example:8443/tableau\","
				  "\"service_phone\":\"03 20 00 00 00\"}";
	if (web_config_parse(json, strlen(json), NULL, &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(c.public_url, "https://decran.ville.example:8443/tableau");
	assert_string_equal(c.service_phone, "03 20 00 00 00");
	/* "" takes the browser's address again */
	static const char *none = "{\"public_url\":\"\"}";
	assert_int_equal(web_config_parse(none, strlen(none), NULL, &c, err, sizeof err), 0);
	assert_string_equal(c.public_url, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_defaults_and_paths),
		cmocka_unit_test(bad_values_are_named),
		cmocka_unit_test(public_url_and_phone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
