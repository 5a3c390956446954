/* explain_plain.h — a screen's schedule decision in plain words (pure).
 *
 * The engine's trace (dc_explain_render) lists every rule it considered,
 * one technical line each; a citizen wants three things: what the screen
 * must do now and which rule decides it, the text that rule rests on (the
 * law, an order, a council decision), and when that changes next.  This
 * turns the same dc_explanation into those sentences, so the two can
 * never disagree; the trace stays available beside it.
 */
#ifndef DECRAN_EXPLAIN_PLAIN_H
#define DECRAN_EXPLAIN_PLAIN_H

#include <stdint.h>

#include "i18n.h"
#include "schedule.h"

struct dc_plain_input {
	const struct dc_rules *rules;	/* those given to dc_schedule_explain */
	const struct dc_sched_ctx *ctx;	/* may be NULL */
	const struct dc_screen *screen;
	/* NULL when the decision is not known (no rules in force, gateway
	 * unreachable): the text says so instead of guessing. */
	const struct dc_explanation *e;
	int64_t next_at;		/* dc_schedule_next_transition; INT64_MAX none */
	unsigned flags;			/* DC_EXPLAIN_PUBLIC: no override author's login */
};

/* Sentences in `lang`, one paragraph a line (decision and deciding rule;
 * its text; the next change), malloc'd; NULL when out of memory. */
char *dc_explain_plain(const struct dc_plain_input *in, enum dc_lang lang);

#endif
