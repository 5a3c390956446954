/* fuzz_drivers.h — the MQTT codec targets share this: the first input byte
 * picks one of the device's topics, the rest is the payload. */
#ifndef DECRAN_FUZZ_DRIVERS_H
#define DECRAN_FUZZ_DRIVERS_H

#include "fuzz.h"

#include "driver.h"
#include "schedule.h"

typedef int parse_fn(const char *dev, const char *topic, const void *payload, size_t len,
		     struct dc_drv_event *ev, size_t max, char *err, size_t errlen);

/* Events must be what driver.h says: channels in range, finite values. */
static inline void fuzz_driver(parse_fn *parse, const char *dev, const char *const *topics,
			       size_t ntopics, const uint8_t *data, size_t size)
{
	struct dc_drv_event ev[DC_DRV_MAX_EVENTS];
	char err[512] = "";
	if (size < 1)
		return;
	const char *topic = topics[data[0] % ntopics];
	int n = parse(dev, topic, data + 1, size - 1, ev, DC_DRV_MAX_EVENTS, err, sizeof err);
	FUZZ_ERR_SET(n, err);
	FUZZ_ASSERT(n <= DC_DRV_MAX_EVENTS);
	for (int i = 0; i < n; i++) {
		FUZZ_ASSERT(ev[i].channel >= 0 && ev[i].channel <= DC_MAX_CHANNELS);
		FUZZ_ASSERT(ev[i].value == ev[i].value);
		FUZZ_ASSERT(memchr(ev[i].cmd_id, '\0', sizeof ev[i].cmd_id));
		FUZZ_ASSERT(memchr(ev[i].src, '\0', sizeof ev[i].src));
	}
}

#endif
