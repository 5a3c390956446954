/* driver.h — what relay drivers tell the gateway, whatever the hardware.
 *
 * Each MQTT driver (native, Tasmota, Shelly) is a pure codec: it turns a
 * (topic, payload) pair into a few events and a command into a (topic,
 * payload) pair.  The daemon owns the sockets; the codecs own the formats,
 * validate everything they read and say what was wrong and where.
 */
#ifndef DECRAN_DRIVER_H
#define DECRAN_DRIVER_H

#include <stddef.h>
#include <stdint.h>

enum dc_drv_event_kind {
	DC_EV_STATE,		/* channel reports on/off */
	DC_EV_ONLINE,		/* device reachable (online = 1) or not */
	DC_EV_POWER,		/* instantaneous active power, W (channel 0 = whole device) */
	DC_EV_ENERGY,		/* cumulative active energy, Wh (channel 0 = whole device) */
	DC_EV_RPC_RESULT,	/* answer to a command we sent (Shelly JSON-RPC) */
	DC_EV_JOURNAL,		/* native box: a switch it made alone (seq in rpc_id, time in value) */
	DC_EV_NO_METER,		/* native box: its telemetry carries no meter at all */
};

#define DC_DRV_CMD_ID_MAX 65	/* command ids: 1..64 characters (docs/protocol.md) */

struct dc_drv_event {
	enum dc_drv_event_kind kind;
	int channel;		/* 1..DC_MAX_CHANNELS, 0 when not per channel */
	int on;			/* STATE, JOURNAL */
	char src[16];		/* JOURNAL: fallback | boot | local | gateway */
	int online;		/* ONLINE */
	double value;		/* POWER (W), ENERGY (Wh) */
	long long rpc_id;	/* RPC_RESULT */
	int rpc_ok;		/* RPC_RESULT: 1 result, 0 error */
	int has_state;		/* RPC_RESULT: result.output was present, in `on` */
	int has_power;		/* RPC_RESULT: result.apower was present, in `value` (W) */
	/* STATE (native): the id of the gateway's command that set it, "" none */
	char cmd_id[DC_DRV_CMD_ID_MAX];
	/* STATE (native): the contactor's auxiliary contact, settled, says the
	 * screen is powered (fb 1) or not (0); has_fb 0 when not reported. */
	int has_fb, fb;
	/* ONLINE (native status): channels the box keeps on when it fails
	 * (safe state "on", hw/watchdog.md), bit ch-1; has_safe 0 not reported. */
	int has_safe;
	uint32_t safe_on;
};

#define DC_DRV_MAX_EVENTS 256	/* a native journal batch is up to 200 entries */
#define DC_DRV_TOPIC_MAX 256
#define DC_DRV_PAYLOAD_MAX 512
/* Larger payloads are refused before parsing: no device of ours sends them. */
#define DC_DRV_INPUT_MAX 16384

/* One message to publish. */
struct dc_drv_msg {
	char topic[DC_DRV_TOPIC_MAX];
	char payload[DC_DRV_PAYLOAD_MAX];
	size_t len;
	int retain;
};

#endif
