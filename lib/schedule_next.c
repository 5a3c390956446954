/* schedule_next.c — when does a screen's decision change next?
 *
 * A timeline of segments, inside which no rule-set predicate changes, is
 * built once per start instant: a boundary at every minute mark of every
 * local day over the horizon (both occurrences in a fall-back hour), at
 * every UTC-offset change and at every edge of an ICS calendar's events.  next_transition then walks segments instead of
 * minutes, adding the screen's own boundaries (service hours, derogations,
 * overrides, alerts) inside them; screens with equal profiles share the
 * answer through a small memo.
 */
#include "schedule_internal.h"

#include <stdlib.h>
#include <string.h>


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

/* Segments covering [t, until + margin) inside which no rule-set predicate
 * changes: boundaries at every minute mark of every local day (both
 * occurrences in a fall-back overlap), at every offset change and at every
 * calendar edge. */
static int build_timeline(const struct dc_rules *r, struct dc_sched_cache *c, int64_t t, int64_t until)
{
	struct i64vec b = { 0 };
	struct dc_localtime lt;
	int64_t to = until + 30 * INT64_C(86400);
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
	/* ICS calendars change at their events' edges, not only at midnight. */
	for (size_t k = 0; k < r->ncalendars; k++) {
		const struct dc_ics_calendar *ic = &r->calendars[k].events;
		for (size_t i = 0; i < ic->n; i++) {
			if (ic->v[i].until <= t || ic->v[i].from >= to)
				continue;
			if ((ic->v[i].from > t && push(&b, ic->v[i].from) < 0) ||
			    (ic->v[i].until < to && push(&b, ic->v[i].until) < 0))
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
		sched_facts(r, s->start, &s->lt, &s->active, &s->night);
		s->changed = n > 1 ? s->active ^ s[-1].active : UINT64_MAX;
		s->night_changed = n > 1 ? s->night != s[-1].night : true;
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

/* Make the timeline cover [t, until]; -1 when out of memory. */
static int timeline_cover(const struct dc_rules *r, struct dc_sched_cache *c, int64_t t, int64_t until)
{
	if (c->nseg && t >= c->tl_from && until <= c->tl_to - 86400)
		return 0;
	return build_timeline(r, c, t, until);
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

/* What a walk follows: the decision, or (legal) step 3's reasons. */
static unsigned state_at(const struct dc_rules *r, const struct dc_sched_cache *c, const struct profile *pr,
			 const struct instant *in, bool legal)
{
	int dg;

	return legal ? sched_night_why(r, pr, in, &dg) : sched_decide(r, c, pr, in);
}

/* The first instant in (t, end] at which the state differs from the one at
 * t, or INT64_MAX. */
static int64_t scan(const struct dc_rules *r, struct dc_sched_cache *c, const struct profile *pr, int64_t t,
		    int64_t end, bool legal)
{
	size_t nabs = 0, ia = 0;
	unsigned cur = state_at(r, c, pr, sched_instant(r, c, t), legal);

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
	/* What the state reads of a segment: the policies in force among those
	 * that concern the screen (none for step 3), the night window, and,
	 * only when service hours can exempt it, the time of day.  A segment
	 * start where none of these changes cannot change the state (the
	 * absolute boundaries are candidates of their own), and most of a
	 * 400-day walk is such starts. */
	bool svc = pr->svc_start >= 0 && pr->fixed;
	uint64_t reads = legal ? 0 : pr->scope;
	for (size_t k = lo; k < c->nseg && c->seg[k].start <= end; k++) {
		const struct segment *sg = &c->seg[k];
		int64_t s1 = k + 1 < c->nseg ? c->seg[k + 1].start : c->tl_to;
		size_t nc = 0;

		if (sg->start > t && (svc || (sg->changed & reads) || sg->night_changed))
			cand[nc++] = sg->start;
		else if (!svc && (ia >= nabs || abs[ia] >= s1))
			continue;	/* nothing can change inside this segment */
		/* Service hours move the decision only where they exempt. */
		if (svc) {
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
			if (state_at(r, c, pr, &in, legal) != cur)
				return cand[i];
		}
	}
	return INT64_MAX;
}

static size_t memo_slot(const struct memo_key *k)
{
	/* Field by field: the key's bytes one at a time cost as much as the
	 * rest of a memo hit. */
	uint64_t h = k->scope * 0x9e3779b97f4a7c15u;

	h ^= ((uint64_t)k->catbit << 40 | (uint64_t)k->bits << 32 |
	      ((uint64_t)(uint32_t)k->svc_start << 16 ^ (uint32_t)k->svc_end)) * 0xc2b2ae3d27d4eb4fu;
	h ^= h >> 29;
	return (size_t)(h % MEMO_SIZE);
}

int64_t dc_schedule_next_transition(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				    const struct dc_screen *s, int64_t t)
{
	struct dc_sched_screen v = dc_sched_screen_of(s);
	return dc_schedule_next_transition_view(r, ctx, &v, t);
}

int64_t dc_schedule_next_transition_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
					 const struct dc_sched_screen *s, int64_t t)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c;
	struct profile pr;
	struct memo_key key;
	struct memo_entry *slot = NULL;
	int64_t next;

	if (!(c = sched_prepare(r, ctx ? ctx : &local)) ||
	    (!c->memo && !(c->memo = calloc(MEMO_SIZE, sizeof *c->memo)))) {
		dc_sched_ctx_release(&local);
		return t + 60;	/* out of memory: ask again soon rather than sleep wrong */
	}
	if (timeline_cover(r, c, t, t + DC_SCHEDULE_HORIZON) < 0) {
		dc_sched_ctx_release(&local);
		return t + 60;
	}
	sched_profile(r, c, s, sched_all_policies(r), &pr);
	if (!pr.d_n && !pr.o_n) {
		memset(&key, 0, sizeof key);	/* padding too: compared with memcmp */
		key.scope = pr.scope;
		key.catbit = pr.catbit;
		key.svc_start = pr.svc_start;
		key.svc_end = pr.svc_end;
		key.bits = pr.removed | pr.subject << 1 | pr.airport << 2 | pr.furniture << 3 |
			   pr.fixed << 4;
		if (c->memo_t != t || !c->memo_gen) {
			if (++c->memo_gen == 0) {	/* wrapped: forget every entry once */
				memset(c->memo, 0, MEMO_SIZE * sizeof *c->memo);
				c->memo_gen = 1;
			}
			c->memo_t = t;
		}
		for (size_t i = memo_slot(&key), probes = 0; probes < 8; i = (i + 1) % MEMO_SIZE, probes++) {
			if (c->memo[i].gen != c->memo_gen) {
				slot = &c->memo[i];
				break;
			}
			if (memcmp(&c->memo[i].key, &key, sizeof key) == 0)
				return c->memo[i].next;
		}
	}
	next = scan(r, c, &pr, t, t + DC_SCHEDULE_HORIZON, false);
	if (slot) {
		slot->gen = c->memo_gen;
		slot->key = key;
		slot->next = next;
	}
	dc_sched_ctx_release(&local);
	return next;
}


int dc_schedule_night_allowances(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				 const struct dc_screen *s, int64_t from, int64_t to,
				 struct dc_night_allow **v, size_t *n, size_t *cap)
{
	struct dc_sched_screen view = dc_sched_screen_of(s);
	return dc_schedule_night_allowances_view(r, ctx, &view, from, to, v, n, cap);
}

int dc_night_allow_push(struct dc_night_allow **v, size_t *n, size_t *cap, int64_t from, int64_t to,
			unsigned why)
{
	if (*n && (*v)[*n - 1].to == from && (*v)[*n - 1].why == why) {
		(*v)[*n - 1].to = to;
		return 0;
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct dc_night_allow *p = realloc(*v, c * sizeof *p);
		if (!p)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = (struct dc_night_allow){ from, to, why };
	return 0;
}

int dc_schedule_night_allowances_view(const struct dc_rules *r, struct dc_sched_ctx *ctx,
				      const struct dc_sched_screen *s, int64_t from, int64_t to,
				      struct dc_night_allow **v, size_t *n, size_t *cap)
{
	struct dc_sched_ctx local = { 0 };
	struct dc_sched_cache *c;
	struct profile pr;
	int rc = -1;

	if (to < from || !(c = sched_prepare(r, ctx ? ctx : &local)) || timeline_cover(r, c, from, to) < 0)
		goto out;
	sched_profile(r, c, s, 0, &pr);	/* policies' scopes play no part in step 3 */
	if (scratch_reserve(c, 2 * (pr.d_n + pr.o_n + c->nal) + 8) < 0)
		goto out;	/* scan could not fail any more, nor guess */
	for (int64_t t = from, next; t < to; t = next) {
		int dg;
		unsigned why = sched_night_why(r, &pr, sched_instant(r, c, t), &dg);

		if ((next = scan(r, c, &pr, t, to, true)) > to)
			next = to;
		if (why && dc_night_allow_push(v, n, cap, t, next, why) < 0)
			goto out;
	}
	rc = 0;
out:
	dc_sched_ctx_release(&local);
	return rc;
}
