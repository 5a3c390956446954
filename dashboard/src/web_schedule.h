/* web_schedule.h — a screen's "state now and why" for the dashboard, from
 * the schedule engine (lib/schedule.h).  The host's screen_state hook calls
 * this with its own rules and run-time context (overrides, grid alerts). */
#ifndef DECRAN_WEB_SCHEDULE_H
#define DECRAN_WEB_SCHEDULE_H

#include "i18n.h"
#include "schedule.h"
#include "web.h"

/* Always fills *out (1 returned): decision, explanation in `lang`, next
 * switch.  The _for variants take DC_EXPLAIN_* flags: DC_EXPLAIN_PUBLIC for
 * a page anyone may read (no override author's login). */
int dc_web_schedule_state_for(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			      const struct dc_screen *s, int64_t now, enum dc_lang lang,
			      unsigned flags, struct dc_web_state *out);
int dc_web_schedule_state(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t now, enum dc_lang lang,
			  struct dc_web_state *out);

struct dc_store;
/* The same with the engine's run-time inputs read from the store
 * (gw_schedule_inputs: live overrides and grid alerts).  1, or -1. */
int dc_web_schedule_state_stored_for(const struct dc_rules *r, struct dc_store *st,
				     const struct dc_screen *s, int64_t now, enum dc_lang lang,
				     unsigned flags, struct dc_web_state *out);
int dc_web_schedule_state_stored(const struct dc_rules *r, struct dc_store *st,
				 const struct dc_screen *s, int64_t now, enum dc_lang lang,
				 struct dc_web_state *out);

#endif
