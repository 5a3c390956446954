/* web_schedule.c — the schedule engine's explanation, shaped for pages. */
#include "web_schedule.h"

#include <stdlib.h>
#include <string.h>

#include "overrides.h"

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

int dc_web_schedule_state_stored(const struct dc_rules *r, struct dc_store *st,
				 const struct dc_screen *s, int64_t now, enum dc_lang lang,
				 struct dc_web_state *out)
{
	struct dc_override *ov = NULL;
	struct dc_grid_alert *al = NULL;
	size_t nov = 0, nal = 0;
	char err[256];
	if (gw_schedule_inputs(st, now, &ov, &nov, &al, &nal, err, sizeof err) < 0)
		return -1;
	struct dc_sched_ctx ctx = { .overrides = ov, .noverrides = nov, .alerts = al,
				    .nalerts = nal };
	int rc = dc_web_schedule_state(r, &ctx, s, now, lang, out);
	dc_sched_ctx_release(&ctx);
	free(ov);
	free(al);
	return rc;
}
