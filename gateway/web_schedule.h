/* web_schedule.h — a screen's "state now and why" for the dashboard, from
 * the schedule engine (lib/schedule.h).  The host's screen_state hook calls
 * this with its own rules and run-time context (overrides, grid alerts). */
#ifndef DECRAN_WEB_SCHEDULE_H
#define DECRAN_WEB_SCHEDULE_H

#include "i18n.h"
#include "schedule.h"
#include "web.h"

/* Always fills *out (1 returned): decision, explanation in `lang`, next switch. */
int dc_web_schedule_state(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t now, enum dc_lang lang,
			  struct dc_web_state *out);

#endif
