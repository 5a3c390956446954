/* fuzz_tasmota.c — Tasmota devices' messages (gateway/drivers/drv_tasmota). */
#include "fuzz_drivers.h"

#include "drv_tasmota.h"

static const char *const topics[] = {
	"stat/plug1/POWER", "stat/plug1/POWER2", "stat/plug1/RESULT", "tele/plug1/LWT",
	"tele/plug1/STATE", "tele/plug1/SENSOR",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_driver(dc_tasmota_parse, "plug1", topics, sizeof topics / sizeof *topics, data, size);
	return 0;
}
