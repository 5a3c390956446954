/* fuzz_gridmsg.c — grid alerts received over MQTT (gateway/drivers/gridmsg). */
#include "fuzz.h"

#include "gridmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_gridmsg m;
	char err[512] = "";
	int rc = gw_gridmsg_parse(data, size, 1795000000, &m, err, sizeof err);
	FUZZ_ERR_SET(rc, err);
	if (rc == 0 && m.op == GW_GRIDMSG_ADD)
		FUZZ_ASSERT(m.alert.from < m.alert.until);
	return 0;
}
