/* drv_shelly.h — Shelly Gen2+ relays over MQTT JSON-RPC (pure codec).
 *
 *   command   <prefix>/rpc   {"id":N,"src":"<src>","method":"Switch.Set",
 *                             "params":{"id":<channel-1>,"on":true|false}}
 *   answer    <src>/rpc      {"id":N,"src":"<device>","dst":"<src>","result":{...}}
 *                            or {..., "error":{"code":C,"message":"..."}}
 *   status    <prefix>/status/switch:<n>  {"id":n,"output":bool,"apower":W,
 *                                          "aenergy":{"total":Wh,...},...}
 *   events    <prefix>/events/rpc  {"method":"NotifyStatus","params":{"switch:<n>":{...}}}
 *   online    <prefix>/online  true | false (retained, last will)
 * Shelly numbers switches from 0; decran channels start at 1 (channel = n + 1).
 */
#ifndef DECRAN_DRV_SHELLY_H
#define DECRAN_DRV_SHELLY_H

#include "driver.h"

/* true when `prefix` is usable as a topic prefix (non-empty, no + #, no
 * leading or trailing /). */
int dc_shelly_prefix_valid(const char *prefix);
/* Subscriptions for one device: <prefix>/online, <prefix>/status/+,
 * <prefix>/events/rpc.  Answers to commands come on "<src>/rpc", one
 * subscription for the whole gateway. */
int dc_shelly_subscriptions(const char *prefix, char subs[3][DC_DRV_TOPIC_MAX]);
/* The Switch.Set request; rpc_id should be unique so the answer can be
 * matched (dc_shelly_parse_answer).  -1 on bad arguments. */
int dc_shelly_command(const char *prefix, const char *src, long long rpc_id, int channel, int on,
		      struct dc_drv_msg *out);
/* Switch.GetStatus for one channel: the answer (on <src>/rpc) carries
 * result.output, which dc_shelly_parse_answer returns in has_state/on. */
int dc_shelly_query(const char *prefix, const char *src, long long rpc_id, int channel,
		    struct dc_drv_msg *out);
/* Decode a message on the device's own topics; same contract as
 * dc_tasmota_parse. */
int dc_shelly_parse(const char *prefix, const char *mqtt_topic, const void *payload, size_t len,
		    struct dc_drv_event *ev, size_t max, char *err, size_t errlen);
/* Decode an answer on "<src>/rpc": one RPC_RESULT event (1) or -1. */
int dc_shelly_parse_answer(const char *mqtt_topic, const void *payload, size_t len,
			   struct dc_drv_event *ev, char *err, size_t errlen);

#endif
