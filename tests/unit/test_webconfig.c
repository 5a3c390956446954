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
#include <unistd.h>

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
		"\"commune\":\"Saint-Aubin-sur-Lys <b>\","
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
	/* A name, not a path: kept as written (pages escape it). */
	assert_string_equal(c.commune, "Saint-Aubin-sur-Lys <b>");
	web_config_defaults(&c);
	assert_string_equal(c.commune, "");
}

struct bad_case {
	const char *json, *want;
};

/* Each case is refused with its message, the configuration untouched. */
static void expect_refused(const struct bad_case *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
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

static void bad_values_are_named(void **s)
{
	(void)s;
	static const struct bad_case bad[] = {
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
		{ "{\"commune\":\"\"}", "commune: expected a non-empty string" },
		{ "{\"commune\":\"Lys\xff\"}", "commune: not valid UTF-8" },
		{ "{\"metrics\":\"x\"}", "metrics: expected an object" },
		{ "{\"metrics\":{\"token\":\"x\"}}", "metrics.token: unknown field" },
		{ "{\"legal\":{\"director\":3}}", "legal.director: expected a string" },
		{ "{\"accessibility\":{\"level\":\"AA\"}}", "accessibility.level: expected \"none\"" },
		{ "{\"accessibility\":{\"audit_date\":\"2026-13-01\"}}",
		  "accessibility.audit_date: expected a date" },
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
	expect_refused(bad, sizeof bad / sizeof bad[0]);
}

static void open_data_licence_and_background(void **s)
{
	(void)s;
	struct web_config c;
	char err[256] = "";
	web_config_defaults(&c);
	assert_string_equal(c.open_data.licence_name, "");	/* the module's default */
	static const char *img =
		"{\"open_data\":{\"licence\":{\"name\":\"ODbL 1.0\",\"url\":\"https://odbl.example/\"},"
		"\"map_background\":{\"image\":\"plan.png\",\"bbox\":[2.3,48.8,2.4,48.9],"
		"\"attribution\":\"Plan : Ville\"}}}";
	if (web_config_parse(img, strlen(img), "/etc/decran", &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(c.open_data.licence_name, "ODbL 1.0");
	assert_string_equal(c.open_data.licence_url, "https://odbl.example/");
	assert_string_equal(c.open_data.bg_image, "/etc/decran/plan.png");
	assert_true(c.open_data.bg_bbox[0] == 2.3 && c.open_data.bg_bbox[3] == 48.9);
	assert_string_equal(c.open_data.bg_attribution, "Plan : Ville");
	static const char *tiles =
		"{\"open_data\":{\"map_background\":{\"tiles\":\"/tuiles/{z}/{x}/{y}.png\"}}}";
	if (web_config_parse(tiles, strlen(tiles), NULL, &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(c.open_data.bg_tiles, "/tuiles/{z}/{x}/{y}.png");
	assert_int_equal(c.open_data.bg_max_zoom, 19);
	assert_string_equal(c.open_data.licence_name, "");	/* replaced whole */
	assert_string_equal(c.open_data.bg_image, "");
}

static void open_data_bad_values_are_named(void **s)
{
	(void)s;
	static const struct bad_case bad[] = {
		{ "{\"open_data\":3}", "open_data: expected an object" },
		{ "{\"open_data\":{\"license\":{}}}", "open_data.license: unknown field" },
		{ "{\"open_data\":{\"licence\":{\"name\":\"X\"}}}", "open_data.licence: expected" },
		{ "{\"open_data\":{\"licence\":{\"name\":\"\",\"url\":\"https://a/\"}}}",
		  "open_data.licence.name: expected a non-empty string" },
		{ "{\"open_data\":{\"licence\":{\"name\":\"a\\\"b\",\"url\":\"https://a/\"}}}",
		  "open_data.licence.name: expected a name without double quotes" },
		{ "{\"open_data\":{\"licence\":{\"name\":\"X\",\"url\":\"javascript:alert(1)\"}}}",
		  "open_data.licence.url: expected an http(s) address" },
		{ "{\"open_data\":{\"licence\":{\"name\":\"X\",\"url\":\"https://a/<b>\"}}}",
		  "open_data.licence.url" },
		{ "{\"open_data\":{\"map_background\":{}}}", "open_data.map_background: expected either" },
		{ "{\"open_data\":{\"map_background\":{\"image\":\"a.png\",\"tiles\":\"/t/{z}/{x}/{y}\"}}}",
		  "open_data.map_background: expected either" },
		{ "{\"open_data\":{\"map_background\":{\"image\":\"a.svg\",\"bbox\":[0,0,1,1]}}}",
		  "open_data.map_background.image: expected a .png" },
		{ "{\"open_data\":{\"map_background\":{\"image\":\"a.png\",\"bbox\":[2,48,1,49]}}}",
		  "open_data.map_background.bbox: expected [west, south, east, north]" },
		{ "{\"open_data\":{\"map_background\":{\"image\":\"a.png\"}}}",
		  "open_data.map_background.bbox" },
		{ "{\"open_data\":{\"map_background\":{\"tiles\":\"https://tile.osm.org/{z}/{x}/{y}.png\"}}}",
		  "open_data.map_background.tiles: expected a path on the dashboard's own site" },
		{ "{\"open_data\":{\"map_background\":{\"tiles\":\"//cdn.example/{z}/{x}/{y}\"}}}",
		  "open_data.map_background.tiles" },
		{ "{\"open_data\":{\"map_background\":{\"tiles\":\"/t/{z}/{x}.png\"}}}",
		  "open_data.map_background.tiles" },
		{ "{\"open_data\":{\"map_background\":{\"tiles\":\"/t/{z}/{x}/{y}\",\"max_zoom\":30}}}",
		  "open_data.map_background.max_zoom: expected an integer from 0 to 22" },
		{ "{\"open_data\":{\"map_background\":{\"tiles\":\"/t/{z}/{x}/{y}\",\"zoom\":3}}}",
		  "open_data.map_background.zoom: unknown field" },
	};
	expect_refused(bad, sizeof bad / sizeof bad[0]);
}

/* "metrics", "legal", "accessibility": given, defaults, the token file. */
static void legal_accessibility_metrics(void **s)
{
	(void)s;
	struct web_config c;
	char err[300] = "", tok[256];
	web_config_defaults(&c);
	assert_string_equal(c.metrics_token_file, "");
	assert_int_equal(c.a11y.level, DC_A11Y_NONE);	/* no audit: "non conforme" */
	assert_string_equal(c.legal.publisher, "");
	assert_int_equal(web_config_metrics_token(&c, tok, sizeof tok, err, sizeof err), 1);
	assert_string_equal(tok, "");
	char dir[] = "/tmp/decran-webconfig-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof path, "%s/metrics.token", dir);
	FILE *f = fopen(path, "w");
	fputs("0123456789abcdef-token\n", f);
	fclose(f);
	static const char *json =
		"{\"metrics\":{\"token_file\":\"metrics.token\"},"
		"\"legal\":{\"publisher\":\"Commune de Villeneuve\",\"director\":\"Mme la Maire\","
		"\"host\":\"Mairie, 1 place\",\"contact\":\"mairie@example.org\"},"
		"\"accessibility\":{\"level\":\"partial\",\"audit_date\":\"2026-05-04\","
		"\"rate\":\"75 %\",\"contact\":\"a11y@example.org\"}}";
	if (web_config_parse(json, strlen(json), dir, &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(c.legal.director, "Mme la Maire");
	assert_string_equal(c.legal.contact, "mairie@example.org");
	assert_int_equal(c.a11y.level, DC_A11Y_PARTIAL);
	assert_string_equal(c.a11y.audit_date, "2026-05-04");
	assert_string_equal(c.a11y.rate, "75 %");
	assert_int_equal(web_config_metrics_token(&c, tok, sizeof tok, err, sizeof err), 0);
	assert_string_equal(tok, "0123456789abcdef-token");
	/* too short a token is refused, naming the file */
	f = fopen(path, "w");
	fputs("short\n", f);
	fclose(f);
	assert_int_equal(web_config_metrics_token(&c, tok, sizeof tok, err, sizeof err), -1);
	assert_non_null(strstr(err, "metrics.token_file"));
	assert_non_null(strstr(err, "fewer than 16"));
	unlink(path);
	assert_int_equal(web_config_metrics_token(&c, tok, sizeof tok, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read"));
	rmdir(dir);
}

/* /metrics: local only by default (a proxy's relay is not local), a
 * token when one is configured. */
static void metrics_access_rule(void **s)
{
	(void)s;
	assert_int_equal(dc_web_metrics_access(NULL, "127.0.0.1", false, NULL), 0);
	assert_int_equal(dc_web_metrics_access("", "::1", false, NULL), 0);
	assert_int_equal(dc_web_metrics_access("", "127.0.0.1", true, NULL), 403);
	assert_int_equal(dc_web_metrics_access(NULL, "192.168.1.20", false, NULL), 403);
	assert_int_equal(dc_web_metrics_access(NULL, "", false, NULL), 403);
	const char *t = "0123456789abcdef";
	assert_int_equal(dc_web_metrics_access(t, "127.0.0.1", false, NULL), 401);
	assert_int_equal(dc_web_metrics_access(t, "10.0.0.2", false, "Basic eDp5"), 401);
	assert_int_equal(dc_web_metrics_access(t, "10.0.0.2", true, "Bearer 0123456789abcdef"), 0);
	assert_int_equal(dc_web_metrics_access(t, "10.0.0.2", false, "Bearer 0123456789abcdeF"), 403);
	assert_int_equal(dc_web_metrics_access(t, "10.0.0.2", false, "Bearer 0123456789abcde"), 403);
	assert_int_equal(dc_web_metrics_access(t, "10.0.0.2", false, "Bearer 0123456789abcdef0"), 403);
	assert_int_equal(dc_a11y_level_parse("full"), DC_A11Y_FULL);
	assert_int_equal(dc_a11y_level_parse("AA"), -1);
	assert_string_equal(dc_a11y_level_name(DC_A11Y_PARTIAL), "partial");
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
		cmocka_unit_test(open_data_licence_and_background),
		cmocka_unit_test(open_data_bad_values_are_named),
		cmocka_unit_test(legal_accessibility_metrics),
		cmocka_unit_test(metrics_access_rule),
		cmocka_unit_test(public_url_and_phone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
