/* drv_tasmota.h — Tasmota relays over MQTT (pure codec).
 *
 * Default FullTopic "%prefix%/%topic%/" with the standard prefixes:
 *   command   cmnd/<topic>/POWER<n>        payload ON | OFF
 *   state     stat/<topic>/POWER<n>        payload ON | OFF ("POWER" alone = relay 1)
 *             stat/<topic>/RESULT          {"POWER1":"ON", ...}
 *             tele/<topic>/STATE           {"POWER1":"ON", ...} (periodic)
 *   online    tele/<topic>/LWT             Online | Offline (retained)
 *   energy    tele/<topic>/SENSOR          {"ENERGY":{"Power":W or [W,...],"Total":kWh}}
 * Anything else under the device's topics (INFO1, UPTIME, ...) is ignored.
 */
#ifndef DECRAN_DRV_TASMOTA_H
#define DECRAN_DRV_TASMOTA_H

#include "driver.h"

/* true when `topic` is usable as a Tasmota %topic% (non-empty, no / + #). */
int dc_tasmota_topic_valid(const char *topic);
/* Subscription filters for one device: "stat/<t>/+" and "tele/<t>/+". */
int dc_tasmota_subscriptions(const char *topic, char subs[2][DC_DRV_TOPIC_MAX]);
/* The command switching relay `channel` (1..16). -1 on bad arguments. */
int dc_tasmota_command(const char *topic, int channel, int on, struct dc_drv_msg *out);
/* Ask for the relay states: "cmnd/<t>/STATE" (empty payload); Tasmota
 * answers on stat/<t>/RESULT with every POWER<n>. */
int dc_tasmota_query(const char *topic, struct dc_drv_msg *out);
/* Read the meter now: "cmnd/<t>/STATUS" with payload "8"; Tasmota answers
 * on stat/<t>/STATUS8 {"StatusSNS":{"ENERGY":{...}}}, parsed like SENSOR. */
int dc_tasmota_meter_now(const char *topic, struct dc_drv_msg *out);
/* Decode one message.  Returns the number of events (0: not for this device
 * or nothing of interest), or -1 with "what, where" in err; ev is then
 * partially written and must be ignored. */
int dc_tasmota_parse(const char *topic, const char *mqtt_topic, const void *payload, size_t len,
		     struct dc_drv_event *ev, size_t max, char *err, size_t errlen);

#endif
