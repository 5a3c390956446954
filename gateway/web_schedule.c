/* web_schedule.c — the schedule engine's explanation, shaped for pages. */
#include "web_schedule.h"

#include <string.h>

int dc_web_schedule_state(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t now, enum dc_lang lang,
			  struct dc_web_state *out)
{
	struct dc_explanation e;
	memset(out, 0, sizeof *out);
	dc_schedule_explain(r, ctx, s, now, &e);
	out->on = e.on;
	dc_explain_render(r, ctx, s, &e, lang, out->why, sizeof out->why);
	int64_t next = dc_schedule_next_transition(r, ctx, s, now);
	if (next != INT64_MAX) {
		out->next_at = next;
		out->next_on = !e.on;
	}
	return 1;
}
