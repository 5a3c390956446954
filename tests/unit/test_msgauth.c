/* test_msgauth.c — HMAC-SHA256 envelopes: RFC 4231 vectors, tampering,
 * topic binding, replay, expiry, clock skew, key files. */
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

#include "msgauth.h"

#define T0 INT64_C(1795392000)	/* 2026-11-23 00:00 UTC */
#define TOPIC "decran/gare-nord/cmd/3"
#define BODY "{\"v\":1,\"id\":\"gw-1\",\"on\":true}"

static const uint8_t KEY[DC_AUTH_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static void hmac_hex(const uint8_t *key, size_t klen, const void *msg, size_t len, char *out)
{
	uint8_t mac[DC_AUTH_MAC_LEN];
	assert_int_equal(dc_hmac_sha256(key, klen, msg, len, mac), 0);
	dc_hex(mac, sizeof mac, out);
}

/* RFC 4231, test cases 1, 2, 3, 4, 6 and 7 (5 truncates the output). */
static void rfc4231_vectors(void **state)
{
	(void)state;
	uint8_t k[131], d[50];
	char hex[2 * DC_AUTH_MAC_LEN + 1];

	memset(k, 0x0b, 20);
	hmac_hex(k, 20, "Hi There", 8, hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	hmac_hex((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	hmac_hex(k, 20, d, 50, hex);
	assert_string_equal(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

	for (int i = 0; i < 25; i++)
		k[i] = (uint8_t)(i + 1);
	memset(d, 0xcd, 50);
	hmac_hex(k, 25, d, 50, hex);
	assert_string_equal(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

	memset(k, 0xaa, 131);
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_hex(k, 131, m6, strlen(m6), hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

	const char *m7 = "This is a test using a larger than block-size key and a larger than "
			 "block-size data. The key needs to be hashed before being used by the "
			 "HMAC algorithm.";
	hmac_hex(k, 131, m7, strlen(m7), hex);
	assert_string_equal(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static char *seal(const char *topic, int64_t t, int64_t exp, uint64_t seq, size_t *len)
{
	struct dc_auth_hdr h = { t, exp, seq };
	char *s = dc_auth_seal(KEY, topic, &h, BODY, strlen(BODY), len);
	assert_non_null(s);
	assert_int_equal(strlen(s), *len);
	return s;
}

static void seal_then_open_gives_the_exact_body(void **state)
{
	(void)state;
	size_t len, blen;
	const char *body;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN];
	char *s = seal(TOPIC, T0, T0 + 60, 42, &len);
	assert_int_equal(strncmp(s, "{\"v\":1,\"t\":1795392000,\"exp\":1795392060,\"seq\":42,\"body\":"
				 BODY ",\"mac\":\"", 85), 0);
	assert_int_equal(dc_auth_open(KEY, TOPIC, s, len, &h, &body, &blen, mac), DC_AUTH_OK);
	assert_int_equal(h.t, T0);
	assert_int_equal(h.exp, T0 + 60);
	assert_int_equal(h.seq, 42);
	assert_int_equal(blen, strlen(BODY));
	assert_memory_equal(body, BODY, blen);
	free(s);
}

static void every_altered_byte_is_refused(void **state)
{
	(void)state;
	size_t len, blen;
	const char *body;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN];
	char *s = seal(TOPIC, T0, T0 + 60, 7, &len);
	for (size_t i = 0; i < len; i++) {
		char *c = malloc(len);
		memcpy(c, s, len);
		c[i] ^= 0x01;
		enum dc_auth_rc rc = dc_auth_open(KEY, TOPIC, c, len, &h, &body, &blen, mac);
		if (rc == DC_AUTH_OK)
			fail_msg("byte %zu altered and still accepted", i);
		free(c);
	}
	/* A body altered in place, layout intact ("tru3"): refused for its MAC. */
	char *c = strdup(s);
	char *on = strstr(c, "true");
	memcpy(on, "tru3", 4);
	assert_int_equal(dc_auth_open(KEY, TOPIC, c, len, &h, &body, &blen, mac),
			 DC_AUTH_BAD_MAC);
	free(c);
	free(s);
}

static void wrong_key_or_topic_is_a_bad_mac(void **state)
{
	(void)state;
	size_t len, blen;
	const char *body;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN], other[DC_AUTH_KEY_LEN];
	char *s = seal(TOPIC, T0, T0 + 60, 7, &len);
	memcpy(other, KEY, sizeof other);
	other[31] ^= 0x80;
	assert_int_equal(dc_auth_open(other, TOPIC, s, len, &h, &body, &blen, mac),
			 DC_AUTH_BAD_MAC);
	/* Moved to another box, or another channel of the same box. */
	assert_int_equal(dc_auth_open(KEY, "decran/gare-sud/cmd/3", s, len, &h, &body, &blen, mac),
			 DC_AUTH_BAD_MAC);
	assert_int_equal(dc_auth_open(KEY, "decran/gare-nord/cmd/4", s, len, &h, &body, &blen,
				      mac), DC_AUTH_BAD_MAC);
	free(s);
}

static void layouts_other_than_the_sealed_one_are_refused(void **state)
{
	(void)state;
	size_t blen;
	const char *body;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN];
	static const char *const unsigned_msgs[] = {
		BODY, "", "{}", "{\"v\":1,\"id\":\"x\",\"on\":true,\"t\":1}",
	};
	for (size_t i = 0; i < sizeof unsigned_msgs / sizeof *unsigned_msgs; i++)
		assert_int_equal(dc_auth_open(KEY, TOPIC, unsigned_msgs[i], strlen(unsigned_msgs[i]),
					      &h, &body, &blen, mac), DC_AUTH_UNSIGNED);
	size_t len;
	char *s = seal(TOPIC, T0, T0 + 60, 7, &len);
	/* Trailing junk, a space, a NUL: the MAC suffix must end the message. */
	char *c = malloc(len + 2);
	memcpy(c, s, len);
	c[len] = ' ';
	assert_int_equal(dc_auth_open(KEY, TOPIC, c, len + 1, &h, &body, &blen, mac),
			 DC_AUTH_MALFORMED);
	c[len] = '\0';
	assert_int_equal(dc_auth_open(KEY, TOPIC, c, len + 1, &h, &body, &blen, mac),
			 DC_AUTH_MALFORMED);
	free(c);
	free(s);
	static const char *const bad[] = {
		"{\"v\":1,\"t\":-1,\"exp\":2,\"seq\":1,\"body\":{},\"mac\":\"00\"}",
		"{\"v\":1,\"t\":01,\"exp\":2,\"seq\":1,\"body\":{}}",
		"{\"v\":1,\"t\":1,\"exp\":99999999999999999999,\"seq\":1,\"body\":{}}",
		"{\"v\":1,\"t\":1, \"exp\":2,\"seq\":1,\"body\":{}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(dc_auth_open(KEY, TOPIC, bad[i], strlen(bad[i]), &h, &body, &blen,
					      mac), DC_AUTH_MALFORMED);
	/* exp before t never seals. */
	struct dc_auth_hdr back = { T0, T0 - 1, 1 };
	assert_null(dc_auth_seal(KEY, TOPIC, &back, BODY, strlen(BODY), &len));
}

static enum dc_auth_rc fresh_at(struct dc_auth_stream *st, int64_t t, int64_t exp, uint64_t seq,
				int64_t now, bool accept)
{
	size_t len, blen;
	const char *body;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN];
	char *s = seal(TOPIC, t, exp, seq, &len);
	assert_int_equal(dc_auth_open(KEY, TOPIC, s, len, &h, &body, &blen, mac), DC_AUTH_OK);
	enum dc_auth_rc rc = dc_auth_fresh(st, &h, mac, now);
	if (rc == DC_AUTH_OK && accept)
		dc_auth_accept(st, &h, mac);
	free(s);
	return rc;
}

static void expiry_and_clock_skew_limits(void **state)
{
	(void)state;
	struct dc_auth_stream st = { 0 };
	/* The last second of validity is still valid; the next is not. */
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 1, T0 + 60, false), DC_AUTH_OK);
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 1, T0 + 61, false), DC_AUTH_EXPIRED);
	/* A gateway clock up to DC_AUTH_MAX_SKEW_S ahead is tolerated. */
	assert_int_equal(fresh_at(&st, T0 + DC_AUTH_MAX_SKEW_S, T0 + 600, 1, T0, false),
			 DC_AUTH_OK);
	assert_int_equal(fresh_at(&st, T0 + DC_AUTH_MAX_SKEW_S + 1, T0 + 600, 1, T0, false),
			 DC_AUTH_NOT_YET);
	/* A queued command delivered 15 minutes late: expired. */
	assert_int_equal(fresh_at(&st, T0 - 900, T0 - 840, 1, T0, false), DC_AUTH_EXPIRED);
}

static void replays_are_refused_and_duplicates_told_apart(void **state)
{
	(void)state;
	struct dc_auth_stream st = { 0 };
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 10, T0, true), DC_AUTH_OK);
	/* The very same message again (QoS 1 redelivery, a retained copy). */
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 10, T0 + 1, false), DC_AUTH_DUP);
	/* Same seq, other content: a replay, not a duplicate. */
	assert_int_equal(fresh_at(&st, T0 + 1, T0 + 60, 10, T0 + 1, false), DC_AUTH_REPLAY);
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 9, T0 + 1, false), DC_AUTH_REPLAY);
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 11, T0 + 1, true), DC_AUTH_OK);
	assert_int_equal(st.seq, 11);
	assert_int_equal(fresh_at(&st, T0, T0 + 60, 10, T0 + 1, false), DC_AUTH_REPLAY);
}

static void codes_name_every_reason(void **state)
{
	(void)state;
	assert_string_equal(dc_auth_code(DC_AUTH_BAD_MAC), "bad_mac");
	assert_string_equal(dc_auth_code(DC_AUTH_REPLAY), "replay");
	assert_string_equal(dc_auth_code(DC_AUTH_EXPIRED), "expired");
	assert_string_equal(dc_auth_code(DC_AUTH_UNSIGNED), "unsigned");
	assert_string_equal(dc_auth_code(DC_AUTH_NOT_YET), "not_yet_valid");
	assert_string_equal(dc_auth_code(DC_AUTH_MALFORMED), "malformed");
}

static void key_files(void **state)
{
	(void)state;
	uint8_t key[DC_AUTH_KEY_LEN];
	char err[200], path[] = "/tmp/test_msgauth_XXXXXX";
	const char *hex = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\n";
	assert_int_equal(dc_auth_key_parse(hex, strlen(hex), key, err, sizeof err), 0);
	assert_memory_equal(key, KEY, sizeof key);
	assert_int_equal(dc_auth_key_parse(hex, 63, key, err, sizeof err), -1);
	assert_int_equal(dc_auth_key_parse("0102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f20",
					   64, key, err, sizeof err), -1);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hex, strlen(hex)), (ssize_t)strlen(hex));
	close(fd);
	memset(key, 0, sizeof key);
	assert_int_equal(dc_auth_key_load(path, key, err, sizeof err), 0);
	assert_memory_equal(key, KEY, sizeof key);
	chmod(path, 0640);
	assert_int_equal(dc_auth_key_load(path, key, err, sizeof err), -1);
	assert_non_null(strstr(err, "chmod 600"));
	unlink(path);
	assert_int_equal(dc_auth_key_load(path, key, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4231_vectors),
		cmocka_unit_test(seal_then_open_gives_the_exact_body),
		cmocka_unit_test(every_altered_byte_is_refused),
		cmocka_unit_test(wrong_key_or_topic_is_a_bad_mac),
		cmocka_unit_test(layouts_other_than_the_sealed_one_are_refused),
		cmocka_unit_test(expiry_and_clock_skew_limits),
		cmocka_unit_test(replays_are_refused_and_duplicates_told_apart),
		cmocka_unit_test(codes_name_every_reason),
		cmocka_unit_test(key_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
