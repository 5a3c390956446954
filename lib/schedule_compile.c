/* schedule_compile.c — the per-box fallback schedule (fallback.h,
 * docs/protocol.md "Fallback schedule (v1)") from the public engine API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"


int dc_schedule_compile(const struct dc_rules *r, struct dc_sched_ctx *ctx, const char *box,
			const struct dc_screen *screens, size_t n, int64_t from, int64_t horizon,
			struct dc_fallback *out, char *err, size_t errlen)
{
	struct dc_sched_screen *v = malloc((n + 1) * sizeof *v);
	if (!v) {
		snprintf(err, errlen, "%s", TR("mémoire insuffisante", "out of memory"));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = dc_sched_screen_of(&screens[i]);
	int rc = dc_schedule_compile_view(r, ctx, box, v, n, from, horizon, out, err, errlen);
	free(v);
	return rc;
}

int dc_schedule_compile_view(const struct dc_rules *r, struct dc_sched_ctx *ctx, const char *box,
			     const struct dc_sched_screen *screens, size_t n, int64_t from,
			     int64_t horizon, struct dc_fallback *out, char *err, size_t errlen)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_ctx *cx = ctx ? ctx : &local;
	int64_t until = from + horizon, cut = INT64_MAX;

	if (horizon <= 0) {
		snprintf(err, errlen, "%s", TR("horizon non positif", "horizon must be positive"));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (screens[i].channel < 1 || screens[i].channel > DC_MAX_CHANNELS) {
			snprintf(err, errlen, TR("écran %s : voie %d hors de 1..%d",
						 "screen %s: channel %d outside 1..%d"),
				 screens[i].id, screens[i].channel, DC_MAX_CHANNELS);
			return -1;
		}
	memset(out, 0, sizeof *out);
	snprintf(out->box, sizeof out->box, "%s", box);
	out->generated = from;
	out->from = from;
	out->until = until;
	for (int ch = 1; ch <= DC_MAX_CHANNELS; ch++) {
		struct dc_fallback_channel *fc = &out->ch[ch - 1];
		bool used = false, state = true;
		int64_t t = from;

		for (size_t i = 0; i < n; i++)
			if (screens[i].channel == ch) {
				used = true;
				state = state && dc_schedule_evaluate_view(r, cx, &screens[i], from);
			}
		if (!used)
			continue;
		fc->channel = ch;
		fc->initial_on = state;
		for (;;) {
			int64_t next = INT64_MAX;
			bool now = true;

			for (size_t i = 0; i < n; i++)
				if (screens[i].channel == ch) {
					int64_t x = dc_schedule_next_transition_view(r, cx, &screens[i], t);
					if (x < next)
						next = x;
				}
			if (next >= until || next >= cut)
				break;
			for (size_t i = 0; i < n; i++)
				if (screens[i].channel == ch)
					now = now && dc_schedule_evaluate_view(r, cx, &screens[i], next);
			if (now != state) {
				if (fc->nsteps == DC_FALLBACK_MAX_STEPS) {
					cut = next;
					break;
				}
				fc->steps[fc->nsteps++] = next;
				state = now;
			}
			t = next;
		}
	}
	if (cut != INT64_MAX) {
		out->until = cut;
		for (int ch = 0; ch < DC_MAX_CHANNELS; ch++)
			while (out->ch[ch].nsteps && out->ch[ch].steps[out->ch[ch].nsteps - 1] >= cut)
				out->ch[ch].nsteps--;
	}
	dc_sched_ctx_release(&local);
	return 0;
}

