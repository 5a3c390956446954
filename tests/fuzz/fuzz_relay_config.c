/* fuzz_relay_config.c — the relay box's configuration (firmware/config). */
#include "fuzz.h"

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_config c;
	char err[512] = "";
	int rc = fw_config_parse((const char *)data, size, &c, err, sizeof err);
	FUZZ_ERR_SET(rc, err);
	if (rc == 0)
		for (size_t i = 0; i < c.nch; i++)
			FUZZ_ASSERT(fw_config_channel(&c, c.ch[i].channel) == &c.ch[i]);
	return 0;
}
