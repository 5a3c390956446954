/* fuzz_native.c — decran-relay boxes' messages as the gateway reads them
 * (gateway/drivers/drv_native: state, status, telemetry, journal). */
#include "fuzz_drivers.h"

#include "drv_native.h"

static const char *const topics[] = {
	"decran/box1/state/1", "decran/box1/state/16", "decran/box1/status",
	"decran/box1/tele", "decran/box1/journal", "decran/box1/state/17",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_driver(dc_native_parse, "box1", topics, sizeof topics / sizeof *topics, data, size);
	return 0;
}
