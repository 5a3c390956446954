/* fuzz_msgauth.c — the envelope a keyed relay box opens (lib/msgauth):
 * every input is opened under a fixed key and topic; one that opens must
 * give a body inside it, and sealing that body again with the same header
 * must give back the very same bytes (one layout, nothing re-encoded). */
#include "fuzz.h"

#include "msgauth.h"

static const uint8_t KEY[DC_AUTH_KEY_LEN] = { 7 };
#define TOPIC "decran/box1/cmd/1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *body;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN];
	size_t blen, n;
	if (dc_auth_open(KEY, TOPIC, p, size, &h, &body, &blen, mac) != DC_AUTH_OK)
		return 0;
	FUZZ_ASSERT(body >= p && body + blen <= p + size && h.exp >= h.t);
	char *again = dc_auth_seal(KEY, TOPIC, &h, body, blen, &n);
	FUZZ_ASSERT(again && n == size && memcmp(again, p, size) == 0);
	free(again);
	struct dc_auth_stream st = { 0 };
	(void)dc_auth_fresh(&st, &h, mac, h.t);
	return 0;
}
