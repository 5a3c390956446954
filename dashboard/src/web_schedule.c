/* web_schedule.c — the schedule engine's explanation, shaped for pages. */
#include "web_schedule.h"

#include <stdlib.h>
#include <string.h>

#include "explain_plain.h"
#include "overrides.h"

void dc_web_state_free(struct dc_web_state *s)
{
	free(s->why);
	free(s->plain);
	s->why = s->plain = NULL;
}

int dc_web_schedule_state_for(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			      const struct dc_screen *s, int64_t now, enum dc_lang lang,
			      unsigned flags, struct dc_web_state *out)
{
	struct dc_explanation e;
	memset(out, 0, sizeof *out);
	dc_schedule_explain(r, ctx, s, now, &e);
	out->on = e.on;
	int64_t next = dc_schedule_next_transition(r, ctx, s, now);
	if (next != INT64_MAX) {
		out->next_at = next;
		out->next_on = !e.on;
	}
	out->why = dc_explain_render_dup(r, ctx, s, &e, lang, flags);
	struct dc_plain_input in = { r, ctx, s, &e, next, flags };
	out->plain = dc_explain_plain(&in, lang);
	if (!out->why || !out->plain) {
		dc_web_state_free(out);
		return -1;
	}
	return 1;
}

int dc_web_schedule_state(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t now, enum dc_lang lang,
			  struct dc_web_state *out)
{
	return dc_web_schedule_state_for(r, ctx, s, now, lang, 0, out);
}

int dc_web_schedule_state_stored_for(const struct dc_rules *r, struct dc_store *st,
				     const struct dc_screen *s, int64_t now, enum dc_lang lang,
				     unsigned flags, struct dc_web_state *out)
{
	struct dc_override *ov = NULL;
	struct dc_grid_alert *al = NULL;
	size_t nov = 0, nal = 0;
	char err[256];
	if (gw_schedule_inputs(st, now, &ov, &nov, &al, &nal, err, sizeof err) < 0)
		return -1;
	struct dc_sched_ctx ctx = { .overrides = ov, .noverrides = nov, .alerts = al,
				    .nalerts = nal };
	int rc = dc_web_schedule_state_for(r, &ctx, s, now, lang, flags, out);
	dc_sched_ctx_release(&ctx);
	free(ov);
	free(al);
	return rc;
}

int dc_web_schedule_state_stored(const struct dc_rules *r, struct dc_store *st,
				 const struct dc_screen *s, int64_t now, enum dc_lang lang,
				 struct dc_web_state *out)
{
	return dc_web_schedule_state_stored_for(r, st, s, now, lang, 0, out);
}
