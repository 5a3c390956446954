/* drv_native.h — decran-relay boxes, protocol v1 (docs/protocol.md), pure codec.
 *
 *   command   decran/<box>/cmd/<ch>    {"v":1,"id":"<cmd id>","on":true|false}  QoS 1
 *   state     decran/<box>/state/<ch>  {"v":1,"ch":n,"on":bool,"src":..,"id":..,"t":..} retained
 *   status    decran/<box>/status      {"v":1,"online":bool,...} retained, last will
 *   telemetry decran/<box>/tele        {"v":1,...,"meter":{"ok":true,"power_w":W,"energy_kwh":kWh}}
 *   journal   decran/<box>/journal     {"v":1,"box":..,"next":N,"dropped":D,
 *                                       "entries":[{"seq":S,"ch":n,"on":bool,"src":..,"t":s}]}
 *             acknowledged on decran/<box>/journal/ack {"v":1,"upto":S}
 *   fallback  decran/<box>/fallback    compiled schedule (fallback.h), retained, from the gateway
 *   heartbeat decran/gateway/status    {"v":1,"online":bool,"t":s} retained, from the gateway
 */
#ifndef DECRAN_DRV_NATIVE_H
#define DECRAN_DRV_NATIVE_H

#include <stdint.h>

#include "driver.h"

#define DC_NATIVE_ROOT "decran"
#define DC_GATEWAY_STATUS_TOPIC "decran/gateway/status"

int dc_native_subscriptions(const char *box, char subs[4][DC_DRV_TOPIC_MAX]);
/* The acknowledgement of journal entries up to seq (inclusive). */
int dc_native_journal_ack(const char *box, unsigned long long upto, struct dc_drv_msg *out);
/* cmd_id: 1..64 chars of [A-Za-z0-9_.:-]; -1 on bad arguments. */
int dc_native_command(const char *box, int channel, int on, const char *cmd_id,
		      struct dc_drv_msg *out);
/* The same with an override of the box's fallback "off" (docs/protocol.md,
 * the legal floor): valid until ovr_until (UTC s), asked by ovr_by (1..64
 * of [A-Za-z0-9_.:@-]); ovr_until 0: none. */
int dc_native_command_ovr(const char *box, int channel, int on, const char *cmd_id,
			  int64_t ovr_until, const char *ovr_by, struct dc_drv_msg *out);
/* The gateway's heartbeat for a box with a key: "decran/<box>/gateway". */
void dc_native_gateway_topic(const char *box, char *buf, size_t len);
/* The topic the box's compiled fallback is published on (retained). */
/* Read the meter now: "decran/<box>/tele/get"; the box answers on tele
 * with a fresh reading (docs/protocol.md). */
int dc_native_meter_now(const char *box, struct dc_drv_msg *out);
void dc_native_fallback_topic(const char *box, char *buf, size_t len);
/* The gateway heartbeat payload. */
size_t dc_native_heartbeat(int online, int64_t t, char *buf, size_t len);
/* Same contract as dc_tasmota_parse. */
int dc_native_parse(const char *box, const char *mqtt_topic, const void *payload, size_t len,
		    struct dc_drv_event *ev, size_t max, char *err, size_t errlen);

#endif
