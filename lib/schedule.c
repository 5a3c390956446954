/* schedule.c — the decision and its explanation (see schedule.h and
 * docs/schedule.md); the next transition is in schedule_next.c, the
 * fallback compilation in schedule_compile.c.
 *
 * Speed comes from splitting the work by what it depends on:
 *   - per instant (once, cached): local time fields and the bitset of
 *     policies whose time conditions hold (`struct instant`);
 *   - per screen: which policies concern it and its legal class
 *     (`struct profile`), a few comparisons;
 *   - per rule set and start instant (cached, schedule_next.c): a timeline
 *     of segments inside which no rule-set predicate changes.
 */
#include "schedule_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- time conditions (per instant, screen-independent) ---- */

static bool window_has(const struct dc_window *w, const struct dc_localtime *lt)
{
	int st = w->start * 60, en = w->end * 60;

	if (st < en)
		return (w->days >> lt->wday & 1) && lt->sod >= st && lt->sod < en;
	/* Crosses midnight: the evening of a listed day, or the next morning. */
	return ((w->days >> lt->wday & 1) && lt->sod >= st) ||
	       ((w->days >> ((lt->wday + 6) % 7) & 1) && lt->sod < en);
}

static bool policy_time(const struct dc_rules *r, const struct dc_policy *p, int64_t t,
			const struct dc_localtime *lt)
{
	if (p->ndates) {
		size_t i = 0;
		while (i < p->ndates && !(p->dates[i].first <= lt->daynum && lt->daynum <= p->dates[i].last))
			i++;
		if (i == p->ndates)
			return false;
	}
	if (p->when_cal >= 0 && !dc_calendar_covers(&r->calendars[p->when_cal], t, lt->daynum))
		return false;
	if (p->unless_cal >= 0 && dc_calendar_covers(&r->calendars[p->unless_cal], t, lt->daynum))
		return false;
	if (p->nwindows) {
		for (size_t i = 0; i < p->nwindows; i++)
			if (window_has(&p->windows[i], lt))
				return true;
		return false;
	}
	return true;
}

void sched_facts(const struct dc_rules *r, int64_t t, const struct dc_localtime *lt, uint64_t *active,
		 bool *night)
{
	*active = 0;
	for (size_t i = 0; i < r->npolicies; i++)
		if (policy_time(r, &r->policies[i], t, lt))
			*active |= UINT64_C(1) << i;
	*night = lt->sod >= DC_NIGHT_START && lt->sod < DC_NIGHT_END;
}

static void instant_at(const struct dc_rules *r, int64_t t, struct instant *in)
{
	in->t = t;
	dc_tz_local(t, &in->lt);
	sched_facts(r, t, &in->lt, &in->active, &in->night);
}

/* ---- policy scopes (per rule set) ---- */

static void scope_table_build(const struct dc_rules *r, struct scope_table *tab)
{
	memset(tab, 0, sizeof *tab);
	for (size_t i = 0; i < r->npolicies; i++) {
		const struct dc_policy *p = &r->policies[i];
		uint64_t bit = UINT64_C(1) << i;

		for (unsigned cat = 0; cat < DC_CAT__COUNT; cat++)
			for (unsigned st = 0; st < DC_STATUS__COUNT; st++)
				if ((!p->categories || (p->categories >> cat & 1)) &&
				    (!p->statuses || (p->statuses >> st & 1)))
					tab->by_cat_status[cat][st] |= bit;
		if (p->flags) {
			tab->flagged |= bit;
			for (unsigned b = 0; b < 32; b++)
				if (p->flags >> b & 1)
					tab->by_flag[b] |= bit;
		}
		if (p->nsites || p->nscreens)
			tab->lists |= bit;
	}
}

static uint64_t scope_plain(const struct dc_rules *r, const struct dc_sched_screen *s, uint64_t which)
{
	uint64_t scope = 0;

	for (uint64_t m = which & sched_all_policies(r); m; m &= m - 1) {
		int i = __builtin_ctzll(m);
		if (dc_policy_scope_match(&r->policies[i], s))
			scope |= UINT64_C(1) << i;
	}
	return scope;
}

static inline uint64_t scope_of(const struct dc_rules *r, const struct scope_table *tab,
				const struct dc_sched_screen *s, uint64_t which)
{
	/* A value outside the enums (never stored, but the type allows it)
	 * takes the plain path rather than index the table. */
	if ((unsigned)s->category >= DC_CAT__COUNT || (unsigned)s->status >= DC_STATUS__COUNT)
		return scope_plain(r, s, which);
	uint64_t m = which & tab->by_cat_status[s->category][s->status];
	if (m & tab->flagged) {
		uint64_t ok = ~tab->flagged;
		for (unsigned f = s->flags; f; f &= f - 1)
			ok |= tab->by_flag[__builtin_ctz(f)];
		m &= ok;
	}
	uint64_t lists = m & tab->lists;
	return lists ? (m & ~lists) | scope_plain(r, s, lists) : m;
}

uint64_t sched_scope(const struct dc_rules *r, const struct scope_table *tab,
		     const struct dc_sched_screen *s, uint64_t which)
{
	return scope_of(r, tab, s, which);
}

/* ---- cache ---- */

static int cmp_ovr(const void *a, const void *b)
{
	const struct ovr_ref *x = a, *y = b;
	int c = strcmp(x->screen, y->screen);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static void cache_clear(struct dc_sched_cache *c)
{
	free(c->oidx);
	free(c->seg);
	free(c->memo);
	free(c->scratch);
	memset(c, 0, sizeof *c);
}

void dc_sched_ctx_release(struct dc_sched_ctx *ctx)
{
	if (ctx && ctx->cache) {
		cache_clear(ctx->cache);
		free(ctx->cache);
		ctx->cache = NULL;
	}
}

static unsigned id_hash(const char *s)
{
	/* The length and the last 8 bytes (where ids of one fleet differ,
	 * "ecran-000123"): a filter only, a collision costs one look-up. */
	size_t n = strlen(s);
	uint64_t x = 0;

	memcpy(&x, s + (n > 8 ? n - 8 : 0), n > 8 ? 8 : n);
	x = (x ^ n) * 0x9e3779b97f4a7c15u;
	return (unsigned)(x >> 52) % ID_FILTER_BITS;
}

static void filter_add(uint64_t *f, const char *id)
{
	unsigned h = id_hash(id);

	f[h / 64] |= UINT64_C(1) << (h % 64);
}

static bool filter_has(const uint64_t *f, unsigned h)
{
	return f[h / 64] >> (h % 64) & 1;
}

/* Make ctx->cache match (rules, inputs); NULL only when out of memory. */
struct dc_sched_cache *sched_prepare(const struct dc_rules *r, struct dc_sched_ctx *ctx)
{
	struct dc_sched_cache *c = ctx->cache;

	if (!c && !(c = ctx->cache = calloc(1, sizeof *c)))
		return NULL;
	if (c->rules == r && c->ov == ctx->overrides && c->nov == ctx->noverrides &&
	    c->al == ctx->alerts && c->nal == ctx->nalerts && c->ready) {
		if (c->tz_generation != dc_tz_generation()) {
			dc_tz_use(r->zone);
			c->tz_generation = dc_tz_generation();
		}
		return c;
	}
	dc_tz_use(r->zone);	/* validated when the rules were compiled */
	cache_clear(c);
	c->rules = r;
	c->ov = ctx->overrides;
	c->nov = ctx->noverrides;
	c->al = ctx->alerts;
	c->nal = ctx->nalerts;
	c->memo_t = INT64_MIN;
	if (c->nov) {
		if (!(c->oidx = malloc(c->nov * sizeof *c->oidx)))
			return NULL;
		for (size_t i = 0; i < c->nov; i++)
			c->oidx[i] = (struct ovr_ref){ c->ov[i].screen, i };
		qsort(c->oidx, c->nov, sizeof *c->oidx, cmp_ovr);
		c->noidx = c->nov;
		for (size_t i = 0; i < c->nov; i++)
			filter_add(c->ov_filter, c->ov[i].screen);
	}
	for (size_t i = 0; i < r->nderog_index; i++)
		filter_add(c->dg_filter, r->derog_index[i].screen);
	scope_table_build(r, &c->scope);
	c->tz_generation = dc_tz_generation();
	c->ready = true;
	return c;
}

static const struct instant *cached_instant(const struct dc_rules *r, struct dc_sched_cache *c, int64_t t)
{
	if (!c->have_instant || c->inst.t != t) {
		instant_at(r, t, &c->inst);
		c->have_instant = true;
	}
	return &c->inst;
}

/* [first, first+n) of entries whose key equals id, in an array sorted by key. */
#define EQUAL_RANGE(arr, n, field, id, first, count)                          \
	do {                                                                  \
		size_t lo_ = 0, hi_ = (n);                                    \
		while (lo_ < hi_) {                                           \
			size_t mid_ = lo_ + (hi_ - lo_) / 2;                  \
			if (strcmp((arr)[mid_].field, (id)) < 0)              \
				lo_ = mid_ + 1;                               \
			else                                                  \
				hi_ = mid_;                                   \
		}                                                             \
		(first) = lo_;                                                \
		while (hi_ < (n) && strcmp((arr)[hi_].field, (id)) == 0)      \
			hi_++;                                                \
		(count) = hi_ - lo_;                                          \
	} while (0)

/* ---- per screen ---- */

static bool list_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

bool dc_policy_scope_match(const struct dc_policy *p, const struct dc_sched_screen *s)
{
	if (p->categories && !(p->categories >> s->category & 1))
		return false;
	if (p->statuses && !(p->statuses >> s->status & 1))
		return false;
	if (p->flags && !(p->flags & s->flags))
		return false;
	if (p->nsites && !list_has(p->sites, p->nsites, s->site))
		return false;
	if (p->nscreens && !list_has(p->screens, p->nscreens, s->id))
		return false;
	return true;
}

/* `which`: the policies whose scope is worth checking (evaluate only needs
 * those in force at the instant; next_transition needs them all). */
static void profile_of(const struct dc_rules *r, const struct dc_sched_cache *c,
		       const struct dc_sched_screen *s, uint64_t which, struct profile *pr)
{
	memset(pr, 0, sizeof *pr);
	pr->scope = scope_of(r, &c->scope, s, which);
	pr->catbit = 1u << s->category;
	pr->removed = s->status == DC_STATUS_REMOVED;
	pr->airport = s->flags & DC_FLAG_AIRPORT;
	pr->furniture = s->flags & DC_FLAG_TRANSPORT_FURNITURE;
	pr->fixed = dc_transport_exemption_applies(s->flags, s->display);
	/* Luminous advertising: the advertising category, and transport street
	 * furniture (bus shelters, station panels) which carries advertising. */
	pr->subject = s->category == DC_CAT_ADVERTISING || pr->furniture;
	pr->svc_start = pr->svc_end = -1;
	if (pr->furniture && pr->subject && !pr->airport) {
		/* A malformed screen value gives no exemption: the law applies. */
		if (s->service_hours[0])
			dc_parse_hours(s->service_hours, &pr->svc_start, &pr->svc_end) < 0 ?
				(void)(pr->svc_start = pr->svc_end = -1) : (void)0;
		else {
			pr->svc_start = r->service_start;
			pr->svc_end = r->service_end;
		}
	}
	if (r->nderog_index || c->noidx) {
		unsigned h = id_hash(s->id);
		if (filter_has(c->dg_filter, h))
			EQUAL_RANGE(r->derog_index, r->nderog_index, screen, s->id, pr->d_first, pr->d_n);
		if (filter_has(c->ov_filter, h))
			EQUAL_RANGE(c->oidx, c->noidx, screen, s->id, pr->o_first, pr->o_n);
	}
}

uint64_t sched_all_policies(const struct dc_rules *r)
{
	return r->npolicies >= 64 ? UINT64_MAX : (UINT64_C(1) << r->npolicies) - 1;
}

static bool in_service(const struct profile *pr, int sod)
{
	if (pr->svc_start < 0)
		return false;
	int st = pr->svc_start * 60, en = pr->svc_end * 60;
	if (st == en)
		return true;
	if (st < en)
		return sod >= st && sod < en;
	return sod >= st || sod < en;
}

static int active_derogation(const struct dc_rules *r, const struct profile *pr, int64_t t)
{
	for (size_t i = 0; i < pr->d_n; i++) {
		size_t d = r->derog_index[pr->d_first + i].derogation;
		if (r->derogations[d].from <= t && t < r->derogations[d].until)
			return (int)d;
	}
	return -1;
}

static unsigned night_why(const struct dc_rules *r, const struct profile *pr, const struct instant *in,
			  int *dg)
{
	unsigned why = 0;

	*dg = pr->d_n ? active_derogation(r, pr, in->t) : -1;
	if (!pr->subject || !in->night)
		why |= DC_NIGHT_NOT_IN_FORCE;
	/* R581-35: transport furniture is exempt while its service runs, and
	 * only when it shows fixed images (pr->fixed). */
	if (pr->airport || (pr->fixed && in_service(pr, in->lt.sod)))
		why |= DC_NIGHT_EXEMPT;
	if (*dg >= 0)
		why |= DC_NIGHT_DEROGATION;
	return why;
}

/* Active override of `kind`; *exists says whether the screen has any of it. */
static int active_override(const struct dc_sched_cache *c, const struct profile *pr,
			   enum dc_override_kind kind, int64_t t, bool *exists)
{
	*exists = false;
	for (size_t i = 0; i < pr->o_n; i++) {
		size_t k = c->oidx[pr->o_first + i].idx;
		const struct dc_override *o = &c->ov[k];
		if (o->kind != kind)
			continue;
		*exists = true;
		if (o->from <= t && t < o->until)
			return (int)k;
	}
	return -1;
}

static int active_alert(const struct dc_rules *r, const struct dc_sched_cache *c, unsigned catbit,
			int64_t t, bool *any)
{
	*any = false;
	for (size_t i = 0; i < c->nal; i++) {
		const struct dc_grid_alert *a = &c->al[i];
		if (a->from > t || t >= a->until)
			continue;
		*any = true;
		if ((a->categories ? a->categories : r->grid_categories) & catbit)
			return (int)i;
	}
	return -1;
}

static void step(struct dc_explanation *ex, enum dc_step_kind k, enum dc_step_outcome o, bool on, int idx)
{
	if (ex->nsteps < DC_EXPLAIN_MAX)
		ex->steps[ex->nsteps++] = (struct dc_explain_step){ k, o, on, idx };
}

/* The decision, in precedence order.  With ex, every step is recorded;
 * without, the first decisive step returns.  Inlined into each caller so
 * that the ex == NULL callers (evaluate, next_transition's walk: millions
 * of calls) get a version with no recording at all. */
static inline __attribute__((always_inline)) bool decide(const struct dc_rules *r, const struct dc_sched_cache *c, const struct profile *pr,
		   const struct instant *in, struct dc_explanation *ex)
{
	bool done = false, on = true, exists;
	int64_t t = in->t;

#define DECIDE(value)                                     \
	do {                                              \
		on = (value);                             \
		done = true;                              \
		if (!ex)                                  \
			return on;                        \
		ex->decisive = ex->nsteps - 1;            \
	} while (0)

	/* 1. A removed screen has no business being lit. */
	if (ex)
		step(ex, DC_STEP_REMOVED, pr->removed ? DC_OUT_APPLIED : DC_OUT_NOT_CONCERNED, false, -1);
	if (pr->removed)
		DECIDE(false);

	/* 2. Force-off: switching off is always lawful. */
	int fo = pr->o_n ? active_override(c, pr, DC_FORCE_OFF, t, &exists) : (exists = false, -1);
	if (ex && exists)
		step(ex, DC_STEP_FORCE_OFF, fo < 0 ? DC_OUT_NOT_NOW : done ? DC_OUT_SHADOWED : DC_OUT_APPLIED,
		     false, fo);
	if (fo >= 0 && !done)
		DECIDE(false);

	/* 3. The legal night rule. */
	int dg;
	unsigned why = night_why(r, pr, in, &dg);
	bool exempt = why & DC_NIGHT_EXEMPT;
	bool night_off = why == 0;
	if (ex) {
		enum dc_step_outcome o = !pr->subject ? DC_OUT_NOT_CONCERNED
					 : !in->night ? DC_OUT_NOT_NOW
					 : exempt ? DC_OUT_EXEMPT
					 : dg >= 0 ? DC_OUT_LIFTED
					 : done ? DC_OUT_SHADOWED : DC_OUT_APPLIED;
		step(ex, DC_STEP_NIGHT, o, false, o == DC_OUT_LIFTED ? dg : -1);
		ex->furniture = pr->furniture && !pr->airport;
		ex->in_service = pr->furniture && in_service(pr, in->lt.sod);
		ex->fixed_images = pr->fixed;
	}
	if (night_off && !done)
		DECIDE(false);

	/* 4. Grid alert. */
	bool any;
	int ga = c->nal ? active_alert(r, c, pr->catbit, t, &any) : (any = false, -1);
	if (ex)
		step(ex, DC_STEP_GRID, !any ? DC_OUT_NOT_NOW : ga < 0 ? DC_OUT_NOT_CONCERNED
				       : done ? DC_OUT_SHADOWED : DC_OUT_APPLIED, false, ga);
	if (ga >= 0 && !done)
		DECIDE(false);

	/* 5. A derogation in its period: the order allows the event. */
	if (ex && pr->d_n)
		step(ex, DC_STEP_DEROGATION, dg < 0 ? DC_OUT_NOT_NOW : done ? DC_OUT_SHADOWED : DC_OUT_APPLIED,
		     true, dg >= 0 ? dg : (int)r->derog_index[pr->d_first].derogation);
	if (dg >= 0 && !done)
		DECIDE(true);

	/* 6. Force-on: beats the municipal plan, never steps 1-4. */
	int fon = pr->o_n ? active_override(c, pr, DC_FORCE_ON, t, &exists) : (exists = false, -1);
	if (ex && exists)
		step(ex, DC_STEP_FORCE_ON, fon < 0 ? DC_OUT_NOT_NOW
				   : !done ? DC_OUT_APPLIED : on ? DC_OUT_SHADOWED : DC_OUT_REFUSED, true, fon);
	if (fon >= 0 && !done)
		DECIDE(true);

	/* 7. Municipal policies, first match in file order. */
	if (!ex) {
		uint64_t m = pr->scope & in->active;
		return m ? r->policies[__builtin_ctzll(m)].on : true;
	}
	for (size_t i = 0; i < r->npolicies; i++) {
		uint64_t bit = UINT64_C(1) << i;
		step(ex, DC_STEP_POLICY, !(pr->scope & bit) ? DC_OUT_NOT_CONCERNED
				 : !(in->active & bit) ? DC_OUT_NOT_NOW
				 : done ? DC_OUT_SHADOWED : DC_OUT_APPLIED, r->policies[i].on, (int)i);
		if ((pr->scope & in->active & bit) && !done)
			DECIDE(r->policies[i].on);
	}
	/* 8. Nothing forbids it. */
	step(ex, DC_STEP_DEFAULT, done ? DC_OUT_SHADOWED : DC_OUT_APPLIED, true, -1);
	if (!done)
		DECIDE(true);
	return on;
#undef DECIDE
}

/* Exported to schedule_next.c; the static versions inline into evaluate. */
void sched_profile(const struct dc_rules *r, const struct dc_sched_cache *c,
		   const struct dc_sched_screen *s, uint64_t which, struct profile *pr)
{
	profile_of(r, c, s, which, pr);
}

unsigned sched_night_why(const struct dc_rules *r, const struct profile *pr, const struct instant *in,
			 int *dg)
{
	return night_why(r, pr, in, dg);
}

bool sched_decide(const struct dc_rules *r, const struct dc_sched_cache *c, const struct profile *pr,
		  const struct instant *in)
{
	return decide(r, c, pr, in, NULL);
}

const struct instant *sched_instant(const struct dc_rules *r, struct dc_sched_cache *c, int64_t t)
{
	return cached_instant(r, c, t);
}

struct dc_sched_screen dc_sched_screen_of(const struct dc_screen *s)
{
	return (struct dc_sched_screen){ s->id, s->site, s->service_hours, s->category, s->status,
					 s->flags, s->channel, s->display };
}

bool dc_schedule_evaluate(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t t)
{
	struct dc_sched_screen v = dc_sched_screen_of(s);
	return dc_schedule_evaluate_view(r, ctx, &v, t);
}

bool dc_schedule_evaluate_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			       const struct dc_sched_screen *s, int64_t t)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c = ctx ? ctx->cache : NULL;
	struct profile pr;
	bool on;

	/* The common case, 100,000 times in a row: same rules, same inputs,
	 * same instant. */
	if (c && c->ready && c->rules == r && c->ov == ctx->overrides && c->nov == ctx->noverrides &&
	    c->al == ctx->alerts && c->nal == ctx->nalerts && c->have_instant && c->inst.t == t &&
	    c->tz_generation == dc_tz_generation()) {
		profile_of(r, c, s, c->inst.active, &pr);
		return decide(r, c, &pr, &c->inst, NULL);
	}
	if (!(c = sched_prepare(r, ctx ? ctx : &local))) {
		dc_sched_ctx_release(&local);
		return false;	/* out of memory: off is the lawful side */
	}
	const struct instant *in = cached_instant(r, c, t);
	profile_of(r, c, s, in->active, &pr);
	on = decide(r, c, &pr, in, NULL);
	dc_sched_ctx_release(&local);
	return on;
}

void dc_schedule_explain(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			 const struct dc_screen *s, int64_t t, struct dc_explanation *out)
{
	struct dc_sched_screen v = dc_sched_screen_of(s);
	dc_schedule_explain_view(r, ctx, &v, t, out);
}

void dc_schedule_explain_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			      const struct dc_sched_screen *s, int64_t t,
			      struct dc_explanation *out)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c;
	struct profile pr;
	struct instant in;

	memset(out, 0, sizeof *out);
	out->t = t;
	if (!(c = sched_prepare(r, ctx ? ctx : &local))) {
		dc_sched_ctx_release(&local);
		out->on = false;
		return;
	}
	profile_of(r, c, s, sched_all_policies(r), &pr);
	instant_at(r, t, &in);
	out->local = in.lt;
	out->on = decide(r, c, &pr, &in, out);
	dc_sched_ctx_release(&local);
}

