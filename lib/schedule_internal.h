/* schedule_internal.h — what schedule.c (decisions) and schedule_next.c
 * (timeline, next transition) share.  Not for use outside lib/schedule*.c. */
#ifndef DECRAN_SCHEDULE_INTERNAL_H
#define DECRAN_SCHEDULE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "schedule.h"
#include "tz.h"

struct instant {
	int64_t t;
	struct dc_localtime lt;
	uint64_t active;	/* policies whose time conditions hold */
	bool night;		/* inside the legal night window */
};

struct profile {
	uint64_t scope;		/* policies that concern the screen */
	unsigned catbit;
	bool removed, subject, airport, furniture;
	bool fixed;		/* dc_transport_exemption_applies */
	int svc_start, svc_end;	/* service hours in minutes, -1 when none */
	size_t d_first, d_n;	/* its derogations in rules->derog_index */
	size_t o_first, o_n;	/* its overrides in cache->oidx */
};

/* What makes two screens decide identically (when they have no derogation
 * and no override of their own). */
struct memo_key {
	uint64_t scope;
	unsigned catbit;
	int svc_start, svc_end;
	unsigned bits;
};

/* Valid for the memo's current instant only when gen == cache->memo_gen:
 * moving to another instant bumps the generation instead of clearing the
 * table (fallback compilation moves thousands of times per box). */
struct memo_entry {
	unsigned gen;
	struct memo_key key;
	int64_t next;
};

#define MEMO_SIZE 4096

struct segment {
	int64_t start;
	struct dc_localtime lt;	/* local fields at start */
	uint64_t active;
	uint64_t changed;	/* active bits that differ from the previous segment's */
	bool night;
	bool night_changed;	/* night differs from the previous segment's */
};

struct ovr_ref {
	const char *screen;
	size_t idx;
};

/* A 4096-bit filter of screen ids: most screens have no override and no
 * derogation, and learn it from one hash instead of a binary search. */
#define ID_FILTER_BITS 4096

/* Policy scopes as bitsets, built once per rule set: a screen's scope is a
 * few table look-ups instead of a test of every policy.  Only policies that
 * list sites or screens are still tested one by one (`lists`). */
struct scope_table {
	uint64_t by_cat_status[DC_CAT__COUNT][DC_STATUS__COUNT];
	uint64_t flagged;	/* policies with a flags condition */
	uint64_t by_flag[32];	/* ...that accept flag bit b */
	uint64_t lists;		/* policies with a sites or screens list */
};

struct dc_sched_cache {
	const struct dc_rules *rules;
	unsigned tz_generation;
	struct scope_table scope;
	uint64_t ov_filter[ID_FILTER_BITS / 64], dg_filter[ID_FILTER_BITS / 64];
	const struct dc_override *ov;
	size_t nov;
	const struct dc_grid_alert *al;
	size_t nal;
	struct ovr_ref *oidx;
	size_t noidx;
	bool have_instant;
	struct instant inst;
	struct segment *seg;
	size_t nseg;
	int64_t tl_from, tl_to;
	bool ready;
	int64_t memo_t;
	unsigned memo_gen;	/* entries of memo_t; 0 is never current */
	struct memo_entry *memo;	/* allocated by the first next_transition */
	int64_t *scratch;	/* absolute boundaries, then candidates */
	size_t cap_scratch;
};

/* Facts at instant t (local time lt): policies in force and the legal night window. */
void sched_facts(const struct dc_rules *r, int64_t t, const struct dc_localtime *lt, uint64_t *active,
		 bool *night);
/* Make ctx->cache match (rules, inputs); NULL only when out of memory. */
struct dc_sched_cache *sched_prepare(const struct dc_rules *r, struct dc_sched_ctx *ctx);
/* The instant facts of t, cached for repeated calls at the same t. */
const struct instant *sched_instant(const struct dc_rules *r, struct dc_sched_cache *c, int64_t t);
/* The screen's profile; scope checked only for the policies in `which`. */
void sched_profile(const struct dc_rules *r, const struct dc_sched_cache *c,
		   const struct dc_sched_screen *s, uint64_t which, struct profile *pr);
uint64_t sched_all_policies(const struct dc_rules *r);
/* The policies of `which` whose scope includes the screen: the table's
 * answer, equal by construction to testing dc_policy_scope_match on each. */
uint64_t sched_scope(const struct dc_rules *r, const struct scope_table *tab,
		     const struct dc_sched_screen *s, uint64_t which);
/* Step 3 at an instant: DC_NIGHT_* reasons why the night rule lets the
 * screen be on, 0 when it forbids it; *dg the active derogation, or -1.
 * The legal layer's one definition: the decision, the explanation and the
 * compliance report's allowances all read it. */
unsigned sched_night_why(const struct dc_rules *r, const struct profile *pr, const struct instant *in,
			 int *dg);
/* The decision in precedence order (dc_schedule_explain records its steps). */
bool sched_decide(const struct dc_rules *r, const struct dc_sched_cache *c, const struct profile *pr,
		  const struct instant *in);

#endif
