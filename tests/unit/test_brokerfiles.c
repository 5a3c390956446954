/* test_brokerfiles.c — mosquitto's password and ACL files as decran edits
 * them: mosquitto_passwd's own hash, one account's lines replaced or
 * removed and every other line kept, each role's exact topics. */
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "brokerfiles.h"
#include "gwconfig.h"

static void the_hash_is_mosquitto_passwds(void **state)
{
	/* A line written by `mosquitto_passwd -b f alice secret` (2.0.11). */
	static const char want[] =
		"alice:$7$101$a0Gh5Ej9bbBnJuQ5$onKxn39biZ7v67koP4B5/Q5Rwq9GA7OxHIS5lMmpf9MzZPne7g"
		"gYfdrnhSpFdfNO8XDiXwGIFKbaxYL/ezHQww==";
	unsigned char salt[16];
	char line[256];
	(void)state;
	assert_int_equal(EVP_DecodeBlock(salt, (const unsigned char *)"a0Gh5Ej9bbBnJuQ5", 16), 12);
	assert_int_equal(gw_passwd_line("alice", "secret", salt, line, sizeof line), strlen(want));
	assert_string_equal(line, want);
	assert_int_equal(gw_passwd_line("alice", "secret", salt, line, 40), 0);
}

static void one_account_changes_the_others_stay(void **state)
{
	const char *text = "alice:$7$a\nbob:$7$b\nalice2:$7$c\n";
	(void)state;
	assert_true(gw_passwd_has(text, "bob"));
	assert_false(gw_passwd_has(text, "bo"));
	assert_false(gw_passwd_has(text, "alice2x"));
	char *t = gw_passwd_edit(text, "alice", "alice:$7$NEW");
	assert_string_equal(t, "alice:$7$NEW\nbob:$7$b\nalice2:$7$c\n");
	free(t);
	t = gw_passwd_edit(text, "bob", NULL);
	assert_string_equal(t, "alice:$7$a\nalice2:$7$c\n");
	free(t);
	t = gw_passwd_edit("", "carol", "carol:$7$x");
	assert_string_equal(t, "carol:$7$x\n");
	free(t);
	/* A file without its last newline still gets one line per account. */
	t = gw_passwd_edit("alice:$7$a", "carol", "carol:$7$x");
	assert_string_equal(t, "alice:$7$a\ncarol:$7$x\n");
	free(t);
}

static void acl_blocks_are_replaced_whole(void **state)
{
	const char *admin = "# the administrator's\nuser probe\ntopic read #\n";
	const char *block = "# decran: native box b\nuser b\ntopic write decran/b/state/+\n";
	const char *block2 = "# decran: native box b\nuser b\ntopic write decran/b/tele\n";
	(void)state;
	char *a = gw_acl_edit(admin, "b", block);
	assert_string_equal(a, "# the administrator's\nuser probe\ntopic read #\n\n"
			       "# decran: native box b\nuser b\ntopic write decran/b/state/+\n");
	char *b = gw_acl_edit(a, "b", block2);
	assert_string_equal(b, "# the administrator's\nuser probe\ntopic read #\n\n"
			       "# decran: native box b\nuser b\ntopic write decran/b/tele\n");
	char *c = gw_acl_edit(b, "b", NULL);
	assert_string_equal(c, admin);
	/* Another account's block is not the one named, even by prefix. */
	char *d = gw_acl_edit(b, "", NULL);
	assert_string_equal(d, b);
	char *e = gw_acl_edit("user bb\ntopic read x\n", "b", NULL);
	assert_string_equal(e, "user bb\ntopic read x\n");
	/* A block replaced in the middle stays where it was. */
	char *g = gw_acl_edit("user x\ntopic read x\n\n# decran: b\nuser b\ntopic read old\n\n"
			      "user z\ntopic read z\n", "b", "# decran: b\nuser b\ntopic read new\n");
	assert_string_equal(g, "user x\ntopic read x\n\n# decran: b\nuser b\ntopic read new\n\n"
			       "user z\ntopic read z\n");
	free(a), free(b), free(c), free(d), free(e), free(g);
}

static void each_role_gets_its_topics(void **state)
{
	struct gw_config cfg;
	char err[256], out[4096];
	const char *json =
		"{\"db\":\"d\",\"rules\":\"r\",\"shelly_src\":\"decran-gw\",\"boxes\":["
		"{\"id\":\"gare\",\"driver\":\"native\"},"
		"{\"id\":\"kiosque\",\"driver\":\"tasmota\",\"topic\":\"kiosque-t\"},"
		"{\"id\":\"abri\",\"driver\":\"shelly\",\"prefix\":\"shellies/abri\"},"
		"{\"id\":\"plc\",\"driver\":\"modbus-tcp\",\"host\":\"h\",\"profile\":\"p\"}]}";
	(void)state;
	assert_int_equal(gw_config_parse(json, strlen(json), NULL, &cfg, err, sizeof err), 0);
	assert_true(gw_acl_box(&cfg, &cfg.boxes[1], out, sizeof out) > 0);
	assert_string_equal(out, "# decran: tasmota box kiosque\nuser kiosque\n"
				 "topic write stat/kiosque-t/#\ntopic write tele/kiosque-t/#\n"
				 "topic read cmnd/kiosque-t/#\n");
	assert_true(gw_acl_box(&cfg, &cfg.boxes[2], out, sizeof out) > 0);
	assert_string_equal(out, "# decran: shelly box abri\nuser abri\n"
				 "topic write shellies/abri/online\ntopic write shellies/abri/status/#\n"
				 "topic write shellies/abri/events/#\ntopic write decran-gw/rpc\n"
				 "topic read shellies/abri/rpc\n");
	assert_int_equal(gw_acl_box(&cfg, &cfg.boxes[3], out, sizeof out), 0);
	assert_int_equal(gw_acl_box(&cfg, &cfg.boxes[0], out, 40), 0);
	assert_true(gw_acl_gateway(&cfg, "decran-gateway", out, sizeof out) > 0);
	assert_non_null(strstr(out, "user decran-gateway\ntopic write decran/+/cmd/+\n"));
	assert_non_null(strstr(out, "topic write cmnd/kiosque-t/#\ntopic read stat/kiosque-t/#\n"));
	assert_non_null(strstr(out, "topic read decran-gw/rpc\n"));
	assert_null(strstr(out, "topic read #"));
	assert_true(gw_acl_grid(out, sizeof out) > 0);
	assert_string_equal(out, "# decran: grid alerts\nuser decran-grid\n"
				 "topic write decran/gateway/grid-alert\n"
				 "topic read decran/gateway/grid-alert/result\n");
	/* Names that would break a line of either file. */
	assert_false(gw_account_name_ok("a b"));
	assert_false(gw_account_name_ok("a:b"));
	assert_false(gw_account_name_ok(""));
	assert_false(gw_account_name_ok(GW_ACCOUNT_GRID));
	assert_true(gw_account_name_ok("gare-nord"));
	gw_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_hash_is_mosquitto_passwds),
		cmocka_unit_test(one_account_changes_the_others_stay),
		cmocka_unit_test(acl_blocks_are_replaced_whole),
		cmocka_unit_test(each_role_gets_its_topics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
