/* schedule.c — the decision, its explanation, the next transition, and the
 * per-box fallback (see schedule.h and docs/schedule.md).
 *
 * Speed comes from splitting the work by what it depends on:
 *   - per instant (once, cached): local time fields and the bitset of
 *     policies whose time conditions hold (`struct instant`);
 *   - per screen: which policies concern it and its legal class
 *     (`struct profile`), a few comparisons;
 *   - per rule set and start instant (cached): a timeline of segments inside
 *     which no rule-set predicate changes, so next_transition walks segments
 *     instead of minutes; screens with equal profiles share the answer.
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct memo_entry {
	bool used;
	struct memo_key key;
	int64_t next;
};

#define MEMO_SIZE 4096

struct segment {
	int64_t start;
	struct dc_localtime lt;	/* local fields at start */
	uint64_t active;
	bool night;
};

struct ovr_ref {
	const char *screen;
	size_t idx;
};

struct dc_sched_cache {
	const struct dc_rules *rules;
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
	struct memo_entry *memo;	/* allocated by the first next_transition */
	int64_t *scratch;	/* absolute boundaries, then candidates */
	size_t cap_scratch;
};

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

static bool policy_time(const struct dc_rules *r, const struct dc_policy *p, const struct dc_localtime *lt)
{
	if (p->ndates) {
		size_t i = 0;
		while (i < p->ndates && !(p->dates[i].first <= lt->daynum && lt->daynum <= p->dates[i].last))
			i++;
		if (i == p->ndates)
			return false;
	}
	if (p->when_cal >= 0 && !dc_calendar_has(&r->calendars[p->when_cal], lt->daynum))
		return false;
	if (p->unless_cal >= 0 && dc_calendar_has(&r->calendars[p->unless_cal], lt->daynum))
		return false;
	if (p->nwindows) {
		for (size_t i = 0; i < p->nwindows; i++)
			if (window_has(&p->windows[i], lt))
				return true;
		return false;
	}
	return true;
}

static void facts(const struct dc_rules *r, const struct dc_localtime *lt, uint64_t *active, bool *night)
{
	*active = 0;
	for (size_t i = 0; i < r->npolicies; i++)
		if (policy_time(r, &r->policies[i], lt))
			*active |= UINT64_C(1) << i;
	*night = lt->sod >= DC_NIGHT_START && lt->sod < DC_NIGHT_END;
}

static void instant_at(const struct dc_rules *r, int64_t t, struct instant *in)
{
	in->t = t;
	dc_tz_local(t, &in->lt);
	facts(r, &in->lt, &in->active, &in->night);
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

/* Make ctx->cache match (rules, inputs); NULL only when out of memory. */
static struct dc_sched_cache *prepare(const struct dc_rules *r, struct dc_sched_ctx *ctx)
{
	struct dc_sched_cache *c = ctx->cache;

	dc_tz_use(r->zone);	/* validated when the rules were compiled */
	if (!c && !(c = ctx->cache = calloc(1, sizeof *c)))
		return NULL;
	if (c->rules == r && c->ov == ctx->overrides && c->nov == ctx->noverrides &&
	    c->al == ctx->alerts && c->nal == ctx->nalerts && c->ready)
		return c;
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
	}
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

static bool scope_match(const struct dc_policy *p, const struct dc_screen *s)
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

static void profile_of(const struct dc_rules *r, const struct dc_sched_cache *c,
		       const struct dc_screen *s, struct profile *pr)
{
	memset(pr, 0, sizeof *pr);
	for (size_t i = 0; i < r->npolicies; i++)
		if (scope_match(&r->policies[i], s))
			pr->scope |= UINT64_C(1) << i;
	pr->catbit = 1u << s->category;
	pr->removed = s->status == DC_STATUS_REMOVED;
	pr->airport = s->flags & DC_FLAG_AIRPORT;
	pr->furniture = s->flags & DC_FLAG_TRANSPORT_FURNITURE;
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
	EQUAL_RANGE(r->derog_index, r->nderog_index, screen, s->id, pr->d_first, pr->d_n);
	EQUAL_RANGE(c->oidx, c->noidx, screen, s->id, pr->o_first, pr->o_n);
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
 * without, the first decisive step returns. */
static bool decide(const struct dc_rules *r, const struct dc_sched_cache *c, const struct profile *pr,
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
	int dg = pr->d_n ? active_derogation(r, pr, t) : -1;
	bool exempt = pr->airport || (pr->furniture && in_service(pr, in->lt.sod));
	bool night_off = pr->subject && in->night && !exempt && dg < 0;
	if (ex) {
		enum dc_step_outcome o = !pr->subject ? DC_OUT_NOT_CONCERNED
					 : !in->night ? DC_OUT_NOT_NOW
					 : exempt ? DC_OUT_EXEMPT
					 : dg >= 0 ? DC_OUT_LIFTED
					 : done ? DC_OUT_SHADOWED : DC_OUT_APPLIED;
		step(ex, DC_STEP_NIGHT, o, false, o == DC_OUT_LIFTED ? dg : -1);
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

bool dc_schedule_evaluate(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			  const struct dc_screen *s, int64_t t)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c;
	struct profile pr;
	bool on;

	if (!(c = prepare(r, ctx ? ctx : &local))) {
		dc_sched_ctx_release(&local);
		return false;	/* out of memory: off is the lawful side */
	}
	profile_of(r, c, s, &pr);
	on = decide(r, c, &pr, cached_instant(r, c, t), NULL);
	dc_sched_ctx_release(&local);
	return on;
}

void dc_schedule_explain(const struct dc_rules *r, struct dc_sched_ctx *ctx,
			 const struct dc_screen *s, int64_t t, struct dc_explanation *out)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c;
	struct profile pr;
	struct instant in;

	memset(out, 0, sizeof *out);
	out->t = t;
	if (!(c = prepare(r, ctx ? ctx : &local))) {
		dc_sched_ctx_release(&local);
		out->on = false;
		return;
	}
	profile_of(r, c, s, &pr);
	instant_at(r, t, &in);
	out->local = in.lt;
	out->on = decide(r, c, &pr, &in, out);
	dc_sched_ctx_release(&local);
}

/* ---- timeline and next transition ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int offset_at(int64_t t)
{
	struct dc_localtime l;

	dc_tz_local(t, &l);
	return l.gmtoff;
}

struct i64vec {
	int64_t *v;
	size_t n, cap;
};

static int push(struct i64vec *a, int64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4096;
		int64_t *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

/* Segments covering [t, t + horizon + margin) inside which no rule-set
 * predicate changes: boundaries at every minute mark of every local day
 * (both occurrences in a fall-back overlap) and at every offset change. */
static int build_timeline(const struct dc_rules *r, struct dc_sched_cache *c, int64_t t)
{
	struct i64vec b = { 0 };
	struct dc_localtime lt;
	int64_t to = t + DC_SCHEDULE_HORIZON + 30 * INT64_C(86400);
	int rc = -1;

	dc_tz_local(t, &lt);
	int64_t d0 = lt.daynum - 1, d1 = (to + 14 * 3600) / 86400 + 2;
	for (int64_t d = d0; d <= d1; d++) {
		int y, m, dd;
		int64_t a = d * 86400 - 14 * 3600, e = a + 86400;	/* covers every zone's day */
		int oa = offset_at(a), oe = offset_at(e);

		dc_civil_from_days(d, &y, &m, &dd);
		if (oa != oe) {
			/* The instant the offset changes: bisect. */
			while (e - a > 1) {
				int64_t mid = a + (e - a) / 2;
				if (offset_at(mid) == oa)
					a = mid;
				else
					e = mid;
			}
			if (push(&b, e) < 0)
				goto out;
		}
		int o1 = offset_at(d * 86400 - 86400), o2 = offset_at(d * 86400 + 2 * 86400);
		for (size_t k = 0; k < r->nmarks; k++) {
			int64_t u[2];
			int n;
			if (o1 == o2) {	/* no offset change near this day: direct */
				u[0] = d * 86400 + r->marks[k] * 60 - o1;
				n = 1;
			} else {
				n = dc_tz_to_utc(y, m, dd, r->marks[k] * 60, u);
			}
			for (int i = 0; i < n; i++)
				if (push(&b, u[i]) < 0)
					goto out;
		}
	}
	qsort(b.v, b.n, sizeof *b.v, cmp_i64);
	size_t first = 0, n = 0;
	for (size_t i = 0; i < b.n; i++)
		if (b.v[i] <= t)
			first = i;	/* last boundary at or before t */
	free(c->seg);
	c->seg = malloc((b.n - first) * sizeof *c->seg);
	if (!c->seg)
		goto out;
	for (size_t i = first; i < b.n && b.v[i] < to; i++) {
		if (n && c->seg[n - 1].start == b.v[i])
			continue;
		struct segment *s = &c->seg[n++];
		s->start = b.v[i];
		dc_tz_local(s->start, &s->lt);
		facts(r, &s->lt, &s->active, &s->night);
	}
	c->nseg = n;
	c->tl_from = c->seg[0].start;
	c->tl_to = to;
	rc = 0;
out:
	free(b.v);
	if (rc < 0)
		c->nseg = 0;
	return rc;
}

static int scratch_reserve(struct dc_sched_cache *c, size_t n)
{
	if (n <= c->cap_scratch)
		return 0;
	int64_t *v = realloc(c->scratch, n * sizeof *v);
	if (!v)
		return -1;
	c->scratch = v;
	c->cap_scratch = n;
	return 0;
}

static void sort_small(int64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

static int64_t scan(const struct dc_rules *r, struct dc_sched_cache *c, const struct profile *pr, int64_t t)
{
	int64_t end = t + DC_SCHEDULE_HORIZON;
	size_t nabs = 0, ia = 0;
	bool cur = decide(r, c, pr, cached_instant(r, c, t), NULL);

	/* Absolute boundaries: this screen's derogations and overrides, all alerts. */
	if (scratch_reserve(c, 2 * (pr->d_n + pr->o_n + c->nal) + 8) < 0)
		return t + 60;	/* out of memory: ask again soon rather than sleep wrong */
	int64_t *abs = c->scratch;
	for (size_t i = 0; i < pr->d_n; i++) {
		const struct dc_derogation *d = &r->derogations[r->derog_index[pr->d_first + i].derogation];
		abs[nabs++] = d->from;
		abs[nabs++] = d->until;
	}
	for (size_t i = 0; i < pr->o_n; i++) {
		const struct dc_override *o = &c->ov[c->oidx[pr->o_first + i].idx];
		abs[nabs++] = o->from;
		abs[nabs++] = o->until;
	}
	for (size_t i = 0; i < c->nal; i++) {
		abs[nabs++] = c->al[i].from;
		abs[nabs++] = c->al[i].until;
	}
	qsort(abs, nabs, sizeof *abs, cmp_i64);
	int64_t *cand = abs + nabs;	/* room for 3 + nabs reserved above */

	/* The segment containing t. */
	size_t lo = 0, hi = c->nseg;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->seg[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t k = lo; k < c->nseg && c->seg[k].start <= end; k++) {
		const struct segment *sg = &c->seg[k];
		int64_t s1 = k + 1 < c->nseg ? c->seg[k + 1].start : c->tl_to;
		size_t nc = 0;

		if (sg->start > t)
			cand[nc++] = sg->start;
		if (pr->svc_start >= 0) {
			int marks[2] = { pr->svc_start * 60, pr->svc_end * 60 };
			for (int i = 0; i < 2; i++) {
				int64_t x = sg->start + (marks[i] - sg->lt.sod);
				if (marks[i] > sg->lt.sod && x > t && x < s1)
					cand[nc++] = x;
			}
		}
		while (ia < nabs && abs[ia] < s1) {
			if (abs[ia] > t && abs[ia] >= sg->start)
				cand[nc++] = abs[ia];
			ia++;
		}
		sort_small(cand, nc);
		for (size_t i = 0; i < nc; i++) {
			struct instant in = { .t = cand[i], .lt = sg->lt, .active = sg->active, .night = sg->night };

			if (cand[i] > end)
				return INT64_MAX;
			in.lt.sod = sg->lt.sod + (int)(cand[i] - sg->start);
			if (decide(r, c, pr, &in, NULL) != cur)
				return cand[i];
		}
	}
	return INT64_MAX;
}

static size_t memo_slot(const struct memo_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < sizeof *k; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return (size_t)(h % MEMO_SIZE);
}

int64_t dc_schedule_next_transition(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				    const struct dc_screen *s, int64_t t)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c;
	struct profile pr;
	struct memo_key key;
	struct memo_entry *slot = NULL;
	int64_t next;

	if (!(c = prepare(r, ctx ? ctx : &local)) ||
	    (!c->memo && !(c->memo = calloc(MEMO_SIZE, sizeof *c->memo)))) {
		dc_sched_ctx_release(&local);
		return t + 60;	/* out of memory: ask again soon rather than sleep wrong */
	}
	if (!c->nseg || t < c->tl_from || t + DC_SCHEDULE_HORIZON > c->tl_to - 86400) {
		if (build_timeline(r, c, t) < 0) {
			dc_sched_ctx_release(&local);
			return t + 60;
		}
	}
	profile_of(r, c, s, &pr);
	if (!pr.d_n && !pr.o_n) {
		memset(&key, 0, sizeof key);	/* padding too: compared with memcmp */
		key.scope = pr.scope;
		key.catbit = pr.catbit;
		key.svc_start = pr.svc_start;
		key.svc_end = pr.svc_end;
		key.bits = pr.removed | pr.subject << 1 | pr.airport << 2 | pr.furniture << 3;
		if (c->memo_t != t) {
			memset(c->memo, 0, MEMO_SIZE * sizeof *c->memo);
			c->memo_t = t;
		}
		for (size_t i = memo_slot(&key), probes = 0; probes < 8; i = (i + 1) % MEMO_SIZE, probes++) {
			if (!c->memo[i].used) {
				slot = &c->memo[i];
				break;
			}
			if (memcmp(&c->memo[i].key, &key, sizeof key) == 0)
				return c->memo[i].next;
		}
	}
	next = scan(r, c, &pr, t);
	if (slot) {
		slot->used = true;
		slot->key = key;
		slot->next = next;
	}
	dc_sched_ctx_release(&local);
	return next;
}

/* ---- fallback ---- */

int dc_schedule_compile(const struct dc_rules *r, struct dc_sched_ctx *ctx, const char *box,
			const struct dc_screen *screens, size_t n, int64_t from, int64_t horizon,
			struct dc_fallback *out, char *err, size_t errlen)
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
				state = state && dc_schedule_evaluate(r, cx, &screens[i], from);
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
					int64_t x = dc_schedule_next_transition(r, cx, &screens[i], t);
					if (x < next)
						next = x;
				}
			if (next >= until || next >= cut)
				break;
			for (size_t i = 0; i < n; i++)
				if (screens[i].channel == ch)
					now = now && dc_schedule_evaluate(r, cx, &screens[i], next);
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
