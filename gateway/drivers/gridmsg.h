/* gridmsg.h — grid alerts over MQTT (pure codec).
 *
 *   → gateway  decran/gateway/grid-alert          QoS 1, never retained
 *     {"v":1,"op":"add","source":"ecowatt","until":"2026-11-23T19:00:00Z",
 *      "from":"2026-11-23T17:00:00Z","categories":["advertising"],"reason":"…"}
 *       from: default now; categories: default the rules' grid_alert.categories
 *     {"v":1,"op":"clear","source":"ecowatt"}     every live alert of that source
 *   ← gateway  decran/gateway/grid-alert/result   QoS 1
 *     {"v":1,"ok":true,"op":"add","id":12} | {"v":1,"ok":true,"op":"clear","cleared":1}
 *     {"v":1,"ok":false,"error":"…"}
 * Errors name the field: "decran/gateway/grid-alert: until: already past".
 * Fields not named here are ignored (a newer publisher may send more).
 */
#ifndef DECRAN_GW_GRIDMSG_H
#define DECRAN_GW_GRIDMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schedule.h"

#define GW_GRID_ALERT_TOPIC "decran/gateway/grid-alert"
#define GW_GRID_ALERT_RESULT_TOPIC "decran/gateway/grid-alert/result"

enum gw_gridmsg_op { GW_GRIDMSG_ADD, GW_GRIDMSG_CLEAR };

struct gw_gridmsg {
	enum gw_gridmsg_op op;
	struct dc_grid_alert alert;	/* clear: only .source */
};

/* Parse a message received at UTC `now` (the default `from`); -1 with err. */
int gw_gridmsg_parse(const void *payload, size_t len, int64_t now, struct gw_gridmsg *out,
		     char *err, size_t errlen);
/* The result payload: ok with the new row id (add) or the number of alerts
 * cleared (clear), or not ok with `error`.  Returns its length, 0 if it did
 * not fit. */
size_t gw_gridmsg_result(char *buf, size_t len, enum gw_gridmsg_op op, bool ok, long long n,
			 const char *error);

#endif
