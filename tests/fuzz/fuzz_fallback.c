/* fuzz_fallback.c — the fallback schedule a relay box receives over MQTT
 * (lib/fallback).  A schedule that decodes encodes back to one that decodes
 * to the same states. */
#include "fuzz.h"

#include "fallback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_fallback fb, again;
	char err[512] = "";
	int rc = dc_fallback_decode((const char *)data, size, &fb, err, sizeof err);
	FUZZ_ERR_SET(rc, err);
	if (rc < 0)
		return 0;
	char *s = dc_fallback_encode(&fb);
	FUZZ_ASSERT(s);
	rc = dc_fallback_decode(s, strlen(s), &again, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "re-decoding %s: %s\n", s, err);
	FUZZ_ASSERT(rc == 0);
	for (int ch = 1; ch <= DC_MAX_CHANNELS; ch++) {
		int64_t t = fb.from, next;
		for (int i = 0; i < 8 && t < fb.until; i++, t = next) {
			int a = dc_fallback_state(&fb, ch, t, &next);
			FUZZ_ASSERT(a == dc_fallback_state(&again, ch, t, NULL));
			FUZZ_ASSERT(next > t);
		}
	}
	free(s);
	return 0;
}
