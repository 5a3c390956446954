/* fuzz_shelly.c — Shelly Gen2 devices' messages and JSON-RPC answers
 * (gateway/drivers/drv_shelly). */
#include "fuzz_drivers.h"

#include "drv_shelly.h"

static const char *const topics[] = {
	"shelly1/online", "shelly1/status/switch:0", "shelly1/status/switch:15",
	"shelly1/events/rpc", "answer",
};

static int parse(const char *dev, const char *topic, const void *payload, size_t len,
		 struct dc_drv_event *ev, size_t max, char *err, size_t errlen)
{
	if (strcmp(topic, "answer") == 0)
		return dc_shelly_parse_answer("decran-gw/rpc", payload, len, ev, err, errlen);
	return dc_shelly_parse(dev, topic, payload, len, ev, max, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_driver(parse, "shelly1", topics, sizeof topics / sizeof *topics, data, size);
	return 0;
}
