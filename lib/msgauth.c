/* msgauth.c — HMAC-SHA256 envelopes for what lights a screen. */
#include "msgauth.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"

#define DOMAIN "decran-mac-v1"
#define MAC_SUFFIX_HEAD ",\"mac\":\""
#define MAC_SUFFIX_LEN (sizeof MAC_SUFFIX_HEAD - 1 + 2 * DC_AUTH_MAC_LEN + 2)
/* Largest t/exp accepted: year 9999, well inside a double's integers. */
#define MAX_TIME INT64_C(253402300799)

const char *dc_auth_code(enum dc_auth_rc rc)
{
	static const char *const codes[] = {
		"ok", "unsigned", "malformed", "bad_mac", "expired", "not_yet_valid", "replay",
		"duplicate",
	};
	return (unsigned)rc < sizeof codes / sizeof *codes ? codes[rc] : "?";
}

void dc_hex(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dc_unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int dc_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
		   uint8_t out[DC_AUTH_MAC_LEN])
{
	unsigned int n = 0;
	if (keylen > INT32_MAX)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &n) || n != DC_AUTH_MAC_LEN)
		return -1;
	return 0;
}

/* The MAC of `signed_part` for `topic` (domain and topic NUL-separated, so
 * no topic/body split can be shifted into another). */
static int mac_of(const uint8_t key[DC_AUTH_KEY_LEN], const char *topic, const char *signed_part,
		  size_t len, uint8_t out[DC_AUTH_MAC_LEN])
{
	size_t tl = strlen(topic), dl = sizeof DOMAIN;	/* with its NUL */
	size_t n = dl + tl + 1 + len;
	char *buf = malloc(n);
	if (!buf)
		return -1;
	memcpy(buf, DOMAIN, dl);
	memcpy(buf + dl, topic, tl + 1);
	memcpy(buf + dl + tl + 1, signed_part, len);
	int rc = dc_hmac_sha256(key, DC_AUTH_KEY_LEN, buf, n, out);
	free(buf);
	return rc;
}

char *dc_auth_seal(const uint8_t key[DC_AUTH_KEY_LEN], const char *topic,
		   const struct dc_auth_hdr *h, const char *body, size_t blen, size_t *outlen)
{
	char head[DC_AUTH_OVERHEAD];
	uint8_t mac[DC_AUTH_MAC_LEN];
	if (h->t < 0 || h->t > MAX_TIME || h->exp < h->t || h->exp > MAX_TIME)
		return NULL;
	int hl = snprintf(head, sizeof head, "{\"v\":1,\"t\":%" PRId64 ",\"exp\":%" PRId64
			  ",\"seq\":%" PRIu64 ",\"body\":", h->t, h->exp, h->seq);
	size_t n = (size_t)hl + blen + MAC_SUFFIX_LEN;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, head, (size_t)hl);
	memcpy(out + hl, body, blen);
	if (mac_of(key, topic, out, (size_t)hl + blen, mac)) {
		free(out);
		return NULL;
	}
	char *p = out + hl + blen;
	memcpy(p, MAC_SUFFIX_HEAD, sizeof MAC_SUFFIX_HEAD - 1);
	p += sizeof MAC_SUFFIX_HEAD - 1;
	dc_hex(mac, DC_AUTH_MAC_LEN, p);
	memcpy(p + 2 * DC_AUTH_MAC_LEN, "\"}", 3);
	*outlen = n;
	return out;
}

/* Expect `lit` at *p; advance. */
static bool lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *p) < n || memcmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

/* Decimal digits, no sign, no leading zero (except "0"), at most `max`. */
static bool number(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (s >= end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] >= '0' &&
						  s[1] <= '9'))
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

enum dc_auth_rc dc_auth_open(const uint8_t key[DC_AUTH_KEY_LEN], const char *topic,
			     const char *p, size_t len, struct dc_auth_hdr *h,
			     const char **body, size_t *blen, uint8_t mac[DC_AUTH_MAC_LEN])
{
	const char *end = p + len, *q = p;
	uint64_t t, exp, seq;
	uint8_t want[DC_AUTH_MAC_LEN];

	/* Not even the start of an envelope: an unsigned message. */
	if (!lit(&q, end, "{\"v\":1,\"t\":"))
		return DC_AUTH_UNSIGNED;
	if (len < MAC_SUFFIX_LEN || !number(&q, end, (uint64_t)MAX_TIME, &t) ||
	    !lit(&q, end, ",\"exp\":") || !number(&q, end, (uint64_t)MAX_TIME, &exp) ||
	    !lit(&q, end, ",\"seq\":") || !number(&q, end, UINT64_MAX, &seq) ||
	    !lit(&q, end, ",\"body\":"))
		return DC_AUTH_MALFORMED;
	const char *suffix = end - MAC_SUFFIX_LEN;
	if (suffix <= q || memcmp(suffix, MAC_SUFFIX_HEAD, sizeof MAC_SUFFIX_HEAD - 1) ||
	    memcmp(end - 2, "\"}", 2) ||
	    dc_unhex(suffix + sizeof MAC_SUFFIX_HEAD - 1, DC_AUTH_MAC_LEN, mac))
		return DC_AUTH_MALFORMED;
	if (mac_of(key, topic, p, (size_t)(suffix - p), want) ||
	    CRYPTO_memcmp(want, mac, DC_AUTH_MAC_LEN) != 0)
		return DC_AUTH_BAD_MAC;
	if (exp < t)
		return DC_AUTH_MALFORMED;
	h->t = (int64_t)t;
	h->exp = (int64_t)exp;
	h->seq = seq;
	*body = q;
	*blen = (size_t)(suffix - q);
	return DC_AUTH_OK;
}

enum dc_auth_rc dc_auth_fresh(const struct dc_auth_stream *s, const struct dc_auth_hdr *h,
			      const uint8_t mac[DC_AUTH_MAC_LEN], int64_t now)
{
	if (now > h->exp)
		return DC_AUTH_EXPIRED;
	if (h->t > now + DC_AUTH_MAX_SKEW_S)
		return DC_AUTH_NOT_YET;
	if (h->seq == s->seq && s->seq != 0 && CRYPTO_memcmp(mac, s->mac, DC_AUTH_MAC_LEN) == 0)
		return DC_AUTH_DUP;
	if (h->seq <= s->seq)
		return DC_AUTH_REPLAY;
	return DC_AUTH_OK;
}

void dc_auth_accept(struct dc_auth_stream *s, const struct dc_auth_hdr *h,
		    const uint8_t mac[DC_AUTH_MAC_LEN])
{
	s->seq = h->seq;
	memcpy(s->mac, mac, DC_AUTH_MAC_LEN);
}

int dc_auth_key_parse(const char *s, size_t len, uint8_t key[DC_AUTH_KEY_LEN], char *err,
		      size_t errlen)
{
	if (len == 2 * DC_AUTH_KEY_LEN + 1 && s[len - 1] == '\n')
		len--;
	if (len != 2 * DC_AUTH_KEY_LEN || dc_unhex(s, DC_AUTH_KEY_LEN, key)) {
		snprintf(err, errlen, "expected %d lower-case hex digits (a %d-byte key)",
			 2 * DC_AUTH_KEY_LEN, DC_AUTH_KEY_LEN);
		return -1;
	}
	return 0;
}

int dc_auth_key_load(const char *path, uint8_t key[DC_AUTH_KEY_LEN], char *err, size_t errlen)
{
	struct stat st;
	size_t len;
	char sub[96];
	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: readable by others (mode %04o): chmod 600", path,
			 (unsigned)(st.st_mode & 07777));
		return -1;
	}
	char *s = dc_read_file(path, 2 * DC_AUTH_KEY_LEN + 2, &len);
	if (!s) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == EFBIG ? "too large for a key" : strerror(errno));
		return -1;
	}
	int rc = dc_auth_key_parse(s, len, key, sub, sizeof sub);
	if (rc)
		snprintf(err, errlen, "%s: %s", path, sub);
	OPENSSL_cleanse(s, len);
	free(s);
	return rc;
}
