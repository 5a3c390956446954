/* test_schedule_property.c — random rule sets, screens, overrides and alerts
 * (seeded, bounded): evaluate() must agree with an independent, naive
 * reference at every minute, and next_transition() must land exactly on the
 * first minute where the reference changes.  Periods include DST nights in
 * zones with 1-hour, 30-minute (Lord Howe) and midnight (Santiago) shifts,
 * and calendars of all-day and timed events (TZID, UTC, floating, RRULE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "holidays.h"
#include "schedule.h"
#include "schedule_internal.h"
#include "seeded_rng.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
	return seeded_rnd(&rng, n);
}

static const char *const zones[] = { "Europe/Paris", "Pacific/Noumea", "America/Cayenne",
				     "Australia/Lord_Howe", "America/Santiago", "Indian/Reunion" };
static const char *const cats[] = { "advertising", "information", "school", "library",
				    "early_childhood", "transport", "other" };
static const char *const statuses[] = { "active", "reduced", "slated_for_removal", "removed" };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
static const char *const ids[] = { "s0", "s1", "s2", "s3", "s4", "s5" };
#define NSCREENS 6

struct gen {
	char json[16384];
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void add(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g->n += (size_t)vsnprintf(g->json + g->n, sizeof g->json - g->n, fmt, ap);
	va_end(ap);
	assert_true(g->n < sizeof g->json);
}

static void hhmm(char *b, int minutes)
{
	unsigned h = (unsigned)minutes / 60 % 25, m = (unsigned)minutes % 60;

	b[0] = (char)('0' + h / 10);
	b[1] = (char)('0' + h % 10);
	b[2] = ':';
	b[3] = (char)('0' + m / 10);
	b[4] = (char)('0' + m % 10);
	b[5] = 0;
}

static int rand_minute(void)
{
	/* Often on the quarter hour, sometimes any minute, the legal edges, or
	 * inside the hours DST skips or repeats (02:00-03:00, and midnight for
	 * Santiago). */
	switch (rnd(5)) {
	case 0: return (int)rnd(1440);
	case 1: return rnd(2) ? 60 : 360;
	case 2: return rnd(4) ? 120 + (int)rnd(60) : (int)rnd(60);
	default: return (int)rnd(96) * 15;
	}
}

static void gen_rules(struct gen *g, int64_t day0)
{
	char a[8], b[8];
	int y, m, d;

	g->n = 0;
	add(g, "{\"zone\": \"%s\",", zones[rnd(6)]);
	if (rnd(2)) {
		int s = rand_minute(), e = rand_minute();
		hhmm(a, s);
		hhmm(b, e);
		add(g, "\"transport\": {\"service_hours\": \"%s-%s\"},", a, b);
	}
	add(g, "\"grid_alert\": {\"categories\": [\"%s\", \"%s\"]},", cats[rnd(7)], cats[rnd(7)]);
	add(g, "\"calendars\": {\"vac\": \"closures.ics\", \"ph\": \"fr-public-holidays\", "
	       "\"tim\": \"closures-timed.ics\"},");
	add(g, "\"derogations\": [");
	int nd = (int)rnd(3);
	for (int i = 0; i < nd; i++) {
		int64_t start = day0 + rnd(8);
		dc_civil_from_days(start, &y, &m, &d);
		int sm = rand_minute(), dur = 30 + (int)rnd(40) * 30;
		int64_t end = start + (sm + dur) / 1440;
		int y2, m2, d2;
		dc_civil_from_days(end, &y2, &m2, &d2);
		hhmm(a, sm);
		hhmm(b, (sm + dur) % 1440);
		add(g, "%s{\"reference\": \"A-%d\", \"screens\": [\"%s\", \"%s\"], \"from\": \"%04d-%02d-%02d %s\","
		       " \"to\": \"%04d-%02d-%02d %s\"}", i ? "," : "", i, ids[rnd(NSCREENS)], ids[rnd(NSCREENS)],
		    y, m, d, a, y2, m2, d2, b);
	}
	add(g, "], \"policies\": [");
	int np = 1 + (int)rnd(8);
	for (int i = 0; i < np; i++) {
		add(g, "%s{\"id\": \"p%d\", \"effect\": \"%s\", \"reason\": \"r%d\"", i ? "," : "", i,
		    rnd(2) ? "on" : "off", i);
		add(g, ", \"scope\": {");
		const char *sep = "";
		if (rnd(2)) {
			add(g, "\"categories\": [\"%s\", \"%s\"]", cats[rnd(7)], cats[rnd(7)]);
			sep = ",";
		}
		if (!rnd(4)) {
			add(g, "%s\"statuses\": [\"%s\"]", sep, statuses[rnd(4)]);
			sep = ",";
		}
		if (!rnd(5)) {
			add(g, "%s\"flags\": [\"%s\"]", sep, rnd(2) ? "airport" : "transport_furniture");
			sep = ",";
		}
		if (!rnd(5)) {
			add(g, "%s\"screens\": [\"%s\"]", sep, ids[rnd(NSCREENS)]);
			sep = ",";
		}
		if (!rnd(6))
			add(g, "%s\"sites\": [\"site%u\"]", sep, rnd(2));
		add(g, "}");
		if (rnd(3)) {
			int nw = 1 + (int)rnd(3);
			add(g, ", \"windows\": [");
			for (int w = 0; w < nw; w++) {
				int s = rand_minute(), e = rand_minute();
				if (e == s)
					e = (s + 60) % 1440;
				hhmm(a, s);
				hhmm(b, e == 0 && rnd(2) ? 1440 : e);
				add(g, "%s{\"days\": [\"%s\", \"%s\"], \"start\": \"%s\", \"end\": \"%s\"}",
				    w ? "," : "", days[rnd(7)], days[rnd(7)], a, b);
			}
			add(g, "]");
		}
		if (!rnd(4)) {
			dc_civil_from_days(day0 + rnd(6), &y, &m, &d);
			int y2, m2, d2;
			dc_civil_from_days(day0 + 6 + rnd(6), &y2, &m2, &d2);
			add(g, ", \"dates\": [{\"from\": \"%04d-%02d-%02d\", \"to\": \"%04d-%02d-%02d\"}]",
			    y, m, d, y2, m2, d2);
		}
		if (!rnd(3))
			add(g, ", \"when\": {\"%s\": \"%s\"}", rnd(2) ? "calendar" : "unless_calendar",
			    (const char *[]){ "vac", "ph", "tim", "tim" }[rnd(4)]);
		add(g, "}");
	}
	add(g, "]}");
}

/* ---- the naive reference, straight from docs/schedule.md ---- */

struct local {
	int wday, min;		/* minute of day */
	int64_t day;
};

static struct local local_of(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return (struct local){ tm.tm_wday, tm.tm_hour * 60 + tm.tm_min,
			       dc_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) };
}

static bool in_hours(int s, int e, int min)
{
	if (s == e)
		return true;
	return s < e ? (min >= s && min < e) : (min >= s || min < e);
}

static bool ref_window(const struct dc_window *w, struct local l)
{
	if (w->start < w->end)
		return (w->days >> l.wday & 1) && l.min >= w->start && l.min < w->end;
	return ((w->days >> l.wday & 1) && l.min >= w->start) ||
	       ((w->days >> ((l.wday + 6) % 7) & 1) && l.min < w->end);
}

/* Public holidays are whole local days; an ICS calendar covers the instants
 * of its events. */
static bool ref_cal(const struct dc_rules *r, int c, int64_t t, int64_t day)
{
	const struct dc_calendar *cal = &r->calendars[c];
	if (cal->public_holidays) {
		int y, m, d;
		dc_civil_from_days(day, &y, &m, &d);
		return dc_fr_holiday_name(y, m, d) != NULL;
	}
	for (size_t i = 0; i < cal->events.n; i++)
		if (t >= cal->events.v[i].from && t < cal->events.v[i].until)
			return true;
	return false;
}

static bool ref_policy_matches(const struct dc_rules *r, const struct dc_policy *p,
			       const struct dc_screen *s, int64_t t, struct local l)
{
	bool ok;

	if (p->categories && !(p->categories & 1u << s->category))
		return false;
	if (p->statuses && !(p->statuses & 1u << s->status))
		return false;
	if (p->flags && !(p->flags & s->flags))
		return false;
	ok = !p->nsites;
	for (size_t i = 0; i < p->nsites; i++)
		ok |= strcmp(p->sites[i], s->site) == 0;
	if (!ok)
		return false;
	ok = !p->nscreens;
	for (size_t i = 0; i < p->nscreens; i++)
		ok |= strcmp(p->screens[i], s->id) == 0;
	if (!ok)
		return false;
	ok = !p->ndates;
	for (size_t i = 0; i < p->ndates; i++)
		ok |= l.day >= p->dates[i].first && l.day <= p->dates[i].last;
	if (!ok)
		return false;
	if (p->when_cal >= 0 && !ref_cal(r, p->when_cal, t, l.day))
		return false;
	if (p->unless_cal >= 0 && ref_cal(r, p->unless_cal, t, l.day))
		return false;
	ok = !p->nwindows;
	for (size_t i = 0; i < p->nwindows; i++)
		ok |= ref_window(&p->windows[i], l);
	return ok;
}

static bool ref_decide(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
		       const struct dc_screen *s, int64_t t)
{
	struct local l = local_of(t);
	bool derog = false, force_on = false;

	if (s->status == DC_STATUS_REMOVED)
		return false;
	for (size_t i = 0; i < ctx->noverrides; i++) {
		const struct dc_override *o = &ctx->overrides[i];
		if (strcmp(o->screen, s->id) == 0 && o->from <= t && t < o->until) {
			if (o->kind == DC_FORCE_OFF)
				return false;
			force_on = true;
		}
	}
	for (size_t i = 0; i < r->nderogations; i++)
		for (size_t k = 0; k < r->derogations[i].nscreens; k++)
			if (strcmp(r->derogations[i].screens[k], s->id) == 0 &&
			    r->derogations[i].from <= t && t < r->derogations[i].until)
				derog = true;
	bool furniture = s->flags & DC_FLAG_TRANSPORT_FURNITURE;
	if ((s->category == DC_CAT_ADVERTISING || furniture) && l.min >= 60 && l.min < 360 &&
	    !(s->flags & DC_FLAG_AIRPORT) && !derog) {
		int a = -1, b = -1;
		bool exempt = false;
		/* R581-35: in service, with fixed images only (unknown = animated). */
		if (furniture && s->display == DC_DISPLAY_FIXED) {
			if (s->service_hours[0])
				exempt = dc_parse_hours(s->service_hours, &a, &b) == 0 && in_hours(a, b, l.min);
			else
				exempt = r->service_start >= 0 && in_hours(r->service_start, r->service_end, l.min);
		}
		if (!exempt)
			return false;
	}
	for (size_t i = 0; i < ctx->nalerts; i++) {
		const struct dc_grid_alert *g = &ctx->alerts[i];
		unsigned c = g->categories ? g->categories : r->grid_categories;
		if (g->from <= t && t < g->until && (c & 1u << s->category))
			return false;
	}
	if (derog || force_on)
		return true;
	for (size_t i = 0; i < r->npolicies; i++)
		if (ref_policy_matches(r, &r->policies[i], s, t, l))
			return r->policies[i].on;
	return true;
}

/* Periods: an ordinary week, the ICS closures, both Paris DST weekends,
 * New Year, and the southern-hemisphere DST changes (April, September). */
static const int starts[][3] = {
	{ 2026, 11, 20 }, { 2027, 3, 24 }, { 2027, 10, 27 }, { 2026, 12, 28 },
	{ 2027, 4, 1 }, { 2026, 9, 30 }, { 2027, 9, 1 }, { 2030, 3, 26 },
};

static void random_rule_sets_agree_with_reference(void **state)
{
	(void)state;
	static struct gen g;
	const int cases = 120;
	long checked = 0, transitions = 0;

	for (int c = 0; c < cases; c++) {
		const int *st = starts[rnd(sizeof starts / sizeof *starts)];
		int64_t day0 = dc_days_from_civil(st[0], st[1], st[2]);
		char err[512];

		gen_rules(&g, day0);
		struct dc_rules *r = dc_rules_parse(g.json, g.n, "tests/fixtures", err, sizeof err);
		if (!r)
			fail_msg("case %d: generated rules refused: %s\n%s", c, err, g.json);

		struct dc_screen sc[NSCREENS];
		for (int i = 0; i < NSCREENS; i++) {
			dc_screen_init(&sc[i]);
			snprintf(sc[i].id, sizeof sc[i].id, "%s", ids[i]);
			sc[i].category = (enum dc_category)rnd(DC_CAT__COUNT);
			sc[i].status = rnd(3) ? DC_STATUS_ACTIVE : (enum dc_status)rnd(DC_STATUS__COUNT);
			sc[i].flags = rnd(3) ? 0 : 1 + rnd(3);
			snprintf(sc[i].site, sizeof sc[i].site, "site%u", rnd(3));
			sc[i].display = (enum dc_display)rnd(DC_DISPLAY__COUNT);
			if (sc[i].flags & DC_FLAG_TRANSPORT_FURNITURE && rnd(2)) {
				char a[8], b[8];
				hhmm(a, rand_minute());
				hhmm(b, rand_minute());
				snprintf(sc[i].service_hours, sizeof sc[i].service_hours, "%s-%s", a, b);
			}
		}
		dc_tz_use(r->zone);
		int64_t t0 = dc_tz_from_local(st[0], st[1], st[2], 0) / 60 * 60;
		int64_t t1 = t0 + 9 * 86400;
		struct dc_override ov[4];
		struct dc_grid_alert al[2];
		size_t nov = rnd(5), nal = rnd(3);
		for (size_t i = 0; i < nov; i++) {
			memset(&ov[i], 0, sizeof ov[i]);
			snprintf(ov[i].screen, sizeof ov[i].screen, "%s", ids[rnd(NSCREENS)]);
			ov[i].kind = rnd(2) ? DC_FORCE_ON : DC_FORCE_OFF;
			ov[i].from = t0 + (int64_t)rnd(8 * 1440) * 60;
			ov[i].until = ov[i].from + (1 + (int64_t)rnd(3000)) * 60;
		}
		for (size_t i = 0; i < nal; i++) {
			memset(&al[i], 0, sizeof al[i]);
			al[i].categories = rnd(2) ? 0 : rnd(128);
			al[i].from = t0 + (int64_t)rnd(8 * 1440) * 60;
			al[i].until = al[i].from + (1 + (int64_t)rnd(600)) * 60;
		}
		struct dc_sched_ctx ctx = { .overrides = ov, .noverrides = nov, .alerts = al, .nalerts = nal };

		for (int i = 0; i < NSCREENS; i++) {
			int64_t t = t0;
			bool cur = ref_decide(r, &ctx, &sc[i], t);
			int64_t next = dc_schedule_next_transition(r, &ctx, &sc[i], t);
			for (t = t0; t < t1; t += 60) {
				dc_tz_use(r->zone);
				bool want = ref_decide(r, &ctx, &sc[i], t);
				bool got = dc_schedule_evaluate(r, &ctx, &sc[i], t);
				if (got != want)
					fail_msg("case %d screen %s at %lld: evaluate %d, reference %d\n%s", c,
						 sc[i].id, (long long)t, got, want, g.json);
				if (want != cur) {
					if (next != t)
						fail_msg("case %d screen %s: change at %lld, next_transition said %lld\n%s",
							 c, sc[i].id, (long long)t, (long long)next, g.json);
					cur = want;
					next = dc_schedule_next_transition(r, &ctx, &sc[i], t);
					transitions++;
				} else if (next <= t) {
					fail_msg("case %d screen %s: next_transition %lld but no change at it\n%s",
						 c, sc[i].id, (long long)next, g.json);
				}
				checked++;
			}
		}
		dc_sched_ctx_release(&ctx);
		dc_rules_free(r);
	}
	print_message("%ld minutes checked, %ld transitions\n", checked, transitions);
	assert_true(transitions > 1000);
}

/* The scope table (one look-up per screen) must say exactly what testing
 * every policy's scope one by one says, for any screen, including flag
 * bits no policy names and values outside the enums (plain path). */
static void scope_table_agrees_with_each_policy(void **state)
{
	(void)state;
	static struct gen g;
	long compared = 0;

	for (int c = 0; c < 200; c++) {
		char err[512];
		gen_rules(&g, dc_days_from_civil(2026, 11, 20));
		struct dc_rules *r = dc_rules_parse(g.json, g.n, "tests/fixtures", err, sizeof err);
		if (!r)
			fail_msg("case %d: generated rules refused: %s\n%s", c, err, g.json);
		struct dc_sched_ctx ctx = { 0 };
		struct dc_sched_cache *cache = sched_prepare(r, &ctx);
		assert_non_null(cache);
		for (int i = 0; i < 50; i++) {
			char site[16];
			snprintf(site, sizeof site, "site%u", rnd(3));
			struct dc_sched_screen s = {
				.id = ids[rnd(NSCREENS)], .site = site, .service_hours = "",
				.category = (enum dc_category)rnd(DC_CAT__COUNT + 2),
				.status = (enum dc_status)rnd(DC_STATUS__COUNT + 2),
				.flags = rnd(4) ? rnd(4) : rnd(64),
			};
			uint64_t which = rnd(2) ? sched_all_policies(r) : ((uint64_t)rnd(1u << 16) << 16 | rnd(1u << 16));
			uint64_t want = 0;
			for (size_t k = 0; k < r->npolicies; k++)
				if (which >> k & 1 && dc_policy_scope_match(&r->policies[k], &s))
					want |= UINT64_C(1) << k;
			uint64_t got = sched_scope(r, &cache->scope, &s, which);
			if (got != want)
				fail_msg("case %d: scope %#llx, one by one %#llx (category %d, status %d, flags %u)\n%s",
					 c, (unsigned long long)got, (unsigned long long)want, s.category, s.status,
					 s.flags, g.json);
			compared++;
		}
		dc_sched_ctx_release(&ctx);
		dc_rules_free(r);
	}
	print_message("%ld scopes compared\n", compared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_rule_sets_agree_with_reference),
		cmocka_unit_test(scope_table_agrees_with_each_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
