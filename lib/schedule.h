/* schedule.h — may this screen be on at instant t, and why (pure).
 *
 * The engine combines, in a fixed order documented in docs/schedule.md:
 *   1 removed screens          → off
 *   2 force-off override       → off
 *   3 legal night rule         → off 01:00-06:00 (advertising, transport
 *                                furniture), except airports, transport
 *                                furniture in service showing fixed
 *                                images, and derogations
 *   4 grid alert               → off for its categories
 *   5 derogation in its period → on
 *   6 force-on override        → on (refused when 1-4 said off)
 *   7 municipal policies       → first match in file order
 *   8 default                  → on
 *
 * Instants are int64_t UTC seconds; local time comes from the rules' zone
 * (tz.h; the engine calls dc_tz_use itself).  A context carries the inputs
 * that change at run time (overrides, grid alerts) and a cache of per-instant
 * work so evaluating 100,000 screens at one instant costs one localtime().
 * Not thread-safe: one context per thread, and the process zone is global.
 */
#ifndef DECRAN_SCHEDULE_H
#define DECRAN_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fallback.h"
#include "i18n.h"
#include "rules.h"
#include "screen.h"

#define DC_SCHEDULE_HORIZON (400 * INT64_C(86400))	/* next_transition search bound */

enum dc_override_kind { DC_FORCE_OFF = 0, DC_FORCE_ON = 1 };

/* A manual override of one screen, valid on [from, until) (until = expiry). */
struct dc_override {
	char screen[DC_ID_MAX];
	enum dc_override_kind kind;
	int64_t from, until;
	char author[64];
	char reason[256];
};

/* A grid-stress alert (EcoWatt "red"-style) valid on [from, until). */
struct dc_grid_alert {
	int64_t from, until;
	unsigned categories;	/* bit (1 << dc_category); 0 = the rules' grid_alert.categories */
	char source[64];	/* "ecowatt", "cli:alice"... */
	char reason[256];
};

struct dc_sched_cache;

/* What the engine reads of a screen, and nothing else.  The dc_schedule_*
 * functions taking a struct dc_screen read it through this view; a caller
 * holding many screens for a long time (the gateway's 10,000 bound screens)
 * keeps views over its own compact records instead of 1.2 KB inventory rows
 * and calls the *_view functions.  The strings must outlive the calls. */
struct dc_sched_screen {
	const char *id;
	const char *site;
	const char *service_hours;	/* "" for the rules' default hours */
	enum dc_category category;
	enum dc_status status;
	unsigned flags;			/* DC_FLAG_* */
	int channel;			/* read by dc_schedule_compile only */
	enum dc_display display;	/* transport exemption: fixed images only */
};

/* The view of a full inventory row (points into *s). */
struct dc_sched_screen dc_sched_screen_of(const struct dc_screen *s);

/* Run-time inputs.  Zero-initialise, point the arrays, and call
 * dc_sched_ctx_release() at the end, or whenever the arrays' contents change
 * in place (the cache keys on their address and length). */
struct dc_sched_ctx {
	const struct dc_override *overrides;
	size_t noverrides;
	const struct dc_grid_alert *alerts;
	size_t nalerts;
	struct dc_sched_cache *cache;	/* private, allocated on first use */
};

void dc_sched_ctx_release(struct dc_sched_ctx *ctx);

/* true when policy p's scope includes the screen (AND between kinds, OR within). */
bool dc_policy_scope_match(const struct dc_policy *p, const struct dc_sched_screen *s);

/* true when the screen may be on at t.  ctx may be NULL (no overrides, no alerts). */
bool dc_schedule_evaluate(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t t);
bool dc_schedule_evaluate_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			       const struct dc_sched_screen *s, int64_t t);

/* The first instant > t at which the decision differs from the one at t,
 * or INT64_MAX when it does not change within DC_SCHEDULE_HORIZON. */
int64_t dc_schedule_next_transition(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				    const struct dc_screen *s, int64_t t);
int64_t dc_schedule_next_transition_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
					 const struct dc_sched_screen *s, int64_t t);

/* ---- the night rule's allowances (compliance reports, compliance.h) ---- */

/* Why step 3, the legal night rule, lets a screen be on at an instant
 * (bits; none set: the rule forbids it).  Step 3 is all the law says: the
 * steps before and after it only ever add "off". */
enum {
	DC_NIGHT_NOT_IN_FORCE = 1u << 0,	/* outside 01:00-06:00 local, or not luminous advertising */
	DC_NIGHT_EXEMPT = 1u << 1,	/* airport; transport furniture within its service hours */
	DC_NIGHT_DEROGATION = 1u << 2,	/* a derogation of the rules file, in its period */
};

/* [from, to) UTC during which the night rule allows on-time, and why. */
struct dc_night_allow {
	int64_t from, to;
	unsigned why;		/* DC_NIGHT_* bits, never 0 */
};

/* Append to *v (grown with realloc; *n entries, *cap allocated) the maximal
 * intervals of [from, to) in which step 3 allows the screen on, each with
 * its reasons, by walking the same segments and candidate instants as
 * next_transition (both passes of a repeated hour, none of a skipped one).
 * Returns 0, or -1 when to < from or out of memory (*n then unspecified). */
int dc_schedule_night_allowances(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				 const struct dc_screen *s, int64_t from, int64_t to,
				 struct dc_night_allow **v, size_t *n, size_t *cap);
int dc_schedule_night_allowances_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				      const struct dc_sched_screen *s, int64_t from, int64_t to,
				      struct dc_night_allow **v, size_t *n, size_t *cap);
/* Append [from, to) with `why` to *v, extending the last interval when it
 * ends at `from` with the same reasons; 0, or -1 when out of memory. */
int dc_night_allow_push(struct dc_night_allow **v, size_t *n, size_t *cap, int64_t from, int64_t to,
			unsigned why);

/* ---- explanation ---- */

enum dc_step_kind {
	DC_STEP_REMOVED,
	DC_STEP_FORCE_OFF,
	DC_STEP_NIGHT,
	DC_STEP_GRID,
	DC_STEP_DEROGATION,
	DC_STEP_FORCE_ON,
	DC_STEP_POLICY,
	DC_STEP_DEFAULT,
};

enum dc_step_outcome {
	DC_OUT_NOT_CONCERNED,	/* the rule's scope does not include this screen */
	DC_OUT_NOT_NOW,		/* it does, but its time conditions do not hold */
	DC_OUT_EXEMPT,		/* night rule: airport, or transport furniture in service
				 * with fixed images */
	DC_OUT_LIFTED,		/* night rule in force but lifted by a derogation */
	DC_OUT_APPLIED,		/* this step made the decision */
	DC_OUT_REFUSED,		/* force-on refused: an earlier step said off */
	DC_OUT_SHADOWED,	/* would apply, but an earlier step had decided */
};

struct dc_explain_step {
	enum dc_step_kind kind;
	enum dc_step_outcome outcome;
	bool effect_on;		/* what this step says when it applies */
	int index;		/* policy / derogation / override / alert index, else -1 */
};

#define DC_EXPLAIN_MAX (DC_MAX_POLICIES + 8)

struct dc_explanation {
	int64_t t;
	struct dc_localtime local;
	bool on;
	size_t decisive;	/* index in steps[] of the step that decided */
	/* Transport furniture (not on an airport): whether t is inside its
	 * service hours, and whether its display meets the exemption's
	 * fixed-image condition (dc_transport_exemption_applies). */
	bool furniture, in_service, fixed_images;
	size_t nsteps;
	struct dc_explain_step steps[DC_EXPLAIN_MAX];
};

/* Every rule considered, in precedence order; out->on == evaluate(). */
void dc_schedule_explain(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			 const struct dc_screen *s, int64_t t, struct dc_explanation *out);
void dc_schedule_explain_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			      const struct dc_sched_screen *s, int64_t t,
			      struct dc_explanation *out);
/* One sentence per step then the decision, in `lang`, into buf (always
 * NUL-terminated).  rules, ctx and s must be those given to explain.
 * Returns the length of the whole text, like snprintf: len or more means
 * it was cut (dc_explain_render_dup never cuts). */
size_t dc_explain_render(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
			 const struct dc_screen *s, const struct dc_explanation *e,
			 enum dc_lang lang, char *buf, size_t len);
/* For a page anyone may read: no override author's login. */
#define DC_EXPLAIN_PUBLIC 1u
size_t dc_explain_render_opts(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
			      const struct dc_screen *s, const struct dc_explanation *e,
			      enum dc_lang lang, unsigned flags, char *buf, size_t len);
/* The whole text, malloc'd (NULL when out of memory). */
char *dc_explain_render_dup(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
			    const struct dc_screen *s, const struct dc_explanation *e,
			    enum dc_lang lang, unsigned flags);

/* ---- fallback compilation (fallback.h) ---- */

/* Compile the on/off transitions of the screens bound to one box over
 * [from, from + horizon).  Screens sharing a channel are combined: the relay
 * is on only when every screen on it may be on.  When a channel needs more
 * than DC_FALLBACK_MAX_STEPS toggles, `until` is cut at the first one that
 * does not fit, for every channel.  Returns -1 (message in err) when a
 * screen's channel is outside 1..DC_MAX_CHANNELS or horizon is not positive. */
int dc_schedule_compile(const struct dc_rules *r, struct dc_sched_ctx *ctx, const char *box,
			const struct dc_screen *screens, size_t n, int64_t from, int64_t horizon,
			struct dc_fallback *out, char *err, size_t errlen);
int dc_schedule_compile_view(const struct dc_rules *r, struct dc_sched_ctx *ctx, const char *box,
			     const struct dc_sched_screen *screens, size_t n, int64_t from,
			     int64_t horizon, struct dc_fallback *out, char *err, size_t errlen);

#endif
