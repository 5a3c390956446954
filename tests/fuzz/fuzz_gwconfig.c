/* fuzz_gwconfig.c — the gateway's configuration file (gateway/config/gwconfig). */
#include "fuzz.h"

#include "gwconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_config c;
	char err[512] = "";
	int rc = gw_config_parse((const char *)data, size, "/etc/decran", &c, err, sizeof err);
	FUZZ_ERR_SET(rc, err);
	if (rc == 0) {
		for (size_t i = 0; i < c.nboxes; i++)
			FUZZ_ASSERT(gw_config_box(&c, c.boxes[i].id) >= 0);
		gw_config_free(&c);
	}
	return 0;
}
