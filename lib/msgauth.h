/* msgauth.h — authenticated messages from the gateway to a relay box (pure).
 *
 * What can light a screen (commands, fallback schedules, the gateway's
 * heartbeat) travels through a broker that neither end controls.  Each such
 * message is sealed with HMAC-SHA256 under the box's own 32-byte key (made
 * at provisioning, docs/security.md), over the topic and the exact bytes
 * sent, so a compromised broker or another box's credential can neither
 * forge one nor move one to another box's topic.
 *
 * Envelope (docs/protocol.md, "Authenticated messages"), in this exact
 * layout, no whitespace:
 *   {"v":1,"t":<issued, UTC s>,"exp":<expires, UTC s>,"seq":<n>,"body":<BODY>,"mac":"<64 hex>"}
 * BODY is the unsigned message (the command, the schedule, the heartbeat),
 * passed byte for byte to the same strict parser as before; the MAC covers
 *   "decran-mac-v1" NUL topic NUL <every byte before ,"mac":>
 * A fixed layout keeps the parsers strict: nothing is re-encoded, so the
 * bytes verified are the bytes parsed.
 *
 * Freshness: `t`/`exp` bound when the message may be obeyed (the box's
 * clock, with DC_AUTH_MAX_SKEW_S of tolerance for a gateway clock ahead);
 * `seq` grows for every message of a stream (a command channel, the
 * schedule, the heartbeat), so a replay is refused even inside its window.
 */
#ifndef DECRAN_MSGAUTH_H
#define DECRAN_MSGAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DC_AUTH_KEY_LEN 32
#define DC_AUTH_MAC_LEN 32
/* A message issued further ahead of the box's clock than this is refused. */
#define DC_AUTH_MAX_SKEW_S 120
/* Bytes the envelope adds around a body, at most. */
#define DC_AUTH_OVERHEAD 180

enum dc_auth_rc {
	DC_AUTH_OK = 0,
	DC_AUTH_UNSIGNED,	/* no envelope at all */
	DC_AUTH_MALFORMED,	/* an envelope, but not in the layout above */
	DC_AUTH_BAD_MAC,	/* wrong key, altered byte, or another topic */
	DC_AUTH_EXPIRED,	/* now > exp */
	DC_AUTH_NOT_YET,	/* t > now + DC_AUTH_MAX_SKEW_S */
	DC_AUTH_REPLAY,		/* seq not above the stream's last one */
	DC_AUTH_DUP,		/* exactly the last accepted message again (QoS 1, retained) */
};

struct dc_auth_hdr {
	int64_t t, exp;		/* UTC seconds */
	uint64_t seq;
};

/* The reason code a box reports on its error topic ("bad_mac", ...). */
const char *dc_auth_code(enum dc_auth_rc rc);

/* HMAC-SHA256 (RFC 2104) through libcrypto. 0 or -1. */
int dc_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
		   uint8_t out[DC_AUTH_MAC_LEN]);

/* Seal body[0..blen) for `topic`: a malloc'd NUL-terminated envelope, its
 * length in *outlen; NULL on OOM or a header out of range. */
char *dc_auth_seal(const uint8_t key[DC_AUTH_KEY_LEN], const char *topic,
		   const struct dc_auth_hdr *h, const char *body, size_t blen, size_t *outlen);

/* Check the envelope's layout and MAC for `topic`.  On DC_AUTH_OK, *h is
 * its header, *body and *blen the exact body bytes (inside p) and mac the MAC
 * (for dc_auth_fresh's duplicate test).  Nothing about time or order. */
enum dc_auth_rc dc_auth_open(const uint8_t key[DC_AUTH_KEY_LEN], const char *topic,
			     const char *p, size_t len, struct dc_auth_hdr *h,
			     const char **body, size_t *blen, uint8_t mac[DC_AUTH_MAC_LEN]);

/* Per stream: the highest seq accepted and the MAC of that message. */
struct dc_auth_stream {
	uint64_t seq;
	uint8_t mac[DC_AUTH_MAC_LEN];
};

/* Is an opened message fresh at UTC second `now` on stream s?
 * Time first (expired, not yet), then order (dup, replay). */
enum dc_auth_rc dc_auth_fresh(const struct dc_auth_stream *s, const struct dc_auth_hdr *h,
			      const uint8_t mac[DC_AUTH_MAC_LEN], int64_t now);
/* Record an accepted message as the stream's last. */
void dc_auth_accept(struct dc_auth_stream *s, const struct dc_auth_hdr *h,
		    const uint8_t mac[DC_AUTH_MAC_LEN]);

/* A key file's content: 64 hex digits, optionally followed by one newline.
 * 0, or -1 with a message. */
int dc_auth_key_parse(const char *s, size_t len, uint8_t key[DC_AUTH_KEY_LEN], char *err,
		      size_t errlen);
/* Read a key file: refused when group or others may read it. */
int dc_auth_key_load(const char *path, uint8_t key[DC_AUTH_KEY_LEN], char *err, size_t errlen);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void dc_hex(const uint8_t *in, size_t n, char *out);
/* 2n lower-case hex digits into n bytes; -1 on any other character. */
int dc_unhex(const char *s, size_t n, uint8_t *out);

#endif
