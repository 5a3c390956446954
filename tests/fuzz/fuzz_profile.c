/* fuzz_profile.c — Modbus device profiles (gateway/drivers/profile). */
#include "fuzz.h"

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_profile p;
	char err[512] = "";
	int rc = gw_profile_parse("fuzz", (const char *)data, size, &p, err, sizeof err);
	FUZZ_ERR_SET(rc, err);
	return 0;
}
