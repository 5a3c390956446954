/* test_compliance_property.c — the compliance report against the engine
 * (issue 13, finding 2), seeded and bounded.
 *
 * Nights of 2020-2040 in Europe/Paris — every spring-forward and every
 * fall-back night, and as many ordinary ones drawn at random — each with a
 * random rules file (default service hours or not, derogations with edges in
 * or around the night, a municipal policy), random screens (advertising,
 * transport furniture or not, airport or not, service hours crossing
 * midnight or not, all day, edges in the repeated or skipped hour), relay
 * states logged on/off/unknown at random minutes and seconds, derogations
 * recorded in the ledger, and sometimes a night still in progress.
 *
 * Each night goes through dc_ledger_compliance on a real SQLite file; for
 * every screen the derogation, exception, violation, off and unknown
 * seconds must equal those obtained by asking the engine itself
 * (dc_schedule_explain: the night rule's outcome and the derogation step) at
 * every minute of the window and at every instant where the log or an
 * order changes.  And wherever the engine would light a screen
 * (dc_schedule_evaluate), the report never counts a violation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "compliance.h"
#include "i18n.h"
#include "ledger.h"
#include "rules.h"
#include "schedule.h"
#include "seeded_rng.h"
#include "store.h"
#include "tz.h"
#include "fixture_ledger.h"

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint32_t rnd(uint32_t n)
{
	return seeded_rnd(&rng, n);
}

#define NSCREENS 6
#define MAXLOG 40
#define MAXCUT 1024
#define RANDOM_NIGHTS 42

static const char *const ids[NSCREENS] = { "s0", "s1", "s2", "s3", "s4", "s5" };

struct logged {
	int64_t at;
	enum dc_en_state st;
};

struct night_case {
	struct dc_screen scr[NSCREENS];
	struct logged log[NSCREENS][MAXLOG];
	int nlog[NSCREENS];
	struct dc_night_allow rec[2];	/* derogations recorded in the ledger */
	int rec_screen[2];		/* index, or -1 for every screen */
	int nrec;
};

struct got {
	bool seen[NSCREENS];
	struct dc_cpl_night n[NSCREENS];
};

static int collect(const struct dc_screen *s, const struct dc_cpl_night *n, void *arg)
{
	struct got *g = arg;
	int i = s->id[1] - '0';
	assert_true(i >= 0 && i < NSCREENS && !g->seen[i]);
	g->seen[i] = true;
	g->n[i] = *n;
	return 0;
}

/* A minute of the day, biased to what makes nights hard: the repeated or
 * skipped hour, the legal edges, just after midnight. */
static int pick_minute(void)
{
	switch (rnd(6)) {
	case 0: return (int)rnd(1440);
	case 1: return 120 + (int)rnd(61);	/* 02:00-03:00 */
	case 2: return rnd(2) ? 60 : 360;
	case 3: return (int)rnd(180);
	default: return (int)rnd(96) * 15;
	}
}

static void hhmm(char b[6], int minutes)
{
	snprintf(b, 6, "%02u:%02u", (unsigned)minutes / 60 % 25, (unsigned)minutes % 60);
}

/* A wall-clock instant of the night as "YYYY-MM-DD HH:MM": `w` minutes after
 * 22:00 on the evening `day`. */
static void wall(char b[17], int64_t day, int w)
{
	int y, m, d;
	unsigned mod = 22 * 60 + (unsigned)w % 1440;
	dc_civil_from_days(day + mod / 1440, &y, &m, &d);
	snprintf(b, 17, "%04u-%02u-%02u %02u:%02u", (unsigned)y % 10000, (unsigned)m % 13,
		 (unsigned)d % 32, mod % 1440 / 60, mod % 60);
}

static struct dc_rules *gen_rules(int64_t day)
{
	char json[4096], a[6], b[6], f[17], t[17], err[256];
	size_t n = 0;
	n += (size_t)snprintf(json + n, sizeof json - n, "{\"zone\": \"Europe/Paris\",");
	if (rnd(2)) {
		hhmm(a, pick_minute());
		hhmm(b, pick_minute());
		n += (size_t)snprintf(json + n, sizeof json - n, "\"transport\": {\"service_hours\": \"%s-%s\"},",
				      a, b);
	}
	n += (size_t)snprintf(json + n, sizeof json - n, "\"derogations\": [");
	for (int i = 0, nd = (int)rnd(4); i < nd; i++) {
		/* Starts between 22:00 and 07:00 (often 01:00-03:00), lasts at
		 * least 61 wall minutes so it outlives a skipped hour. */
		int w = rnd(2) ? 180 + (int)rnd(120) : (int)rnd(540), len = 61 + (int)rnd(300);
		wall(f, day, w);
		wall(t, day, w + len);
		n += (size_t)snprintf(json + n, sizeof json - n,
				      "%s{\"reference\": \"A-%d\", \"screens\": [\"%s\", \"%s\"], "
				      "\"from\": \"%s\", \"to\": \"%s\"}", i ? "," : "", i,
				      ids[rnd(NSCREENS)], ids[rnd(NSCREENS)], f, t);
	}
	/* A municipal policy: it may switch screens off, never make the law
	 * say anything else. */
	hhmm(a, pick_minute());
	hhmm(b, (pick_minute() + 1) % 1440);
	n += (size_t)snprintf(json + n, sizeof json - n,
			      "], \"policies\": [{\"id\": \"p\", \"effect\": \"%s\", \"reason\": \"r\", "
			      "\"windows\": [{\"start\": \"%s\", \"end\": \"%s\"}]}]}",
			      rnd(2) ? "on" : "off", a, strcmp(a, b) ? b : "24:00");
	assert_true(n < sizeof json);
	struct dc_rules *r = dc_rules_parse(json, n, NULL, err, sizeof err);
	if (!r)
		fail_msg("%s in %s", err, json);
	return r;
}

static void gen_screen(struct dc_screen *s, int i)
{
	static const enum dc_category cats[] = { DC_CAT_ADVERTISING, DC_CAT_TRANSPORT,
						 DC_CAT_INFORMATION, DC_CAT_OTHER };
	dc_screen_init(s);
	snprintf(s->id, sizeof s->id, "%s", ids[i]);
	snprintf(s->name, sizeof s->name, "Écran %s", ids[i]);
	snprintf(s->site, sizeof s->site, "Site");
	s->category = cats[rnd(4)];
	s->power_on_w = 100;
	s->power_standby_w = 2;
	if (rnd(5) < 3)
		s->flags |= DC_FLAG_TRANSPORT_FURNITURE;
	/* Fixed images mostly, so that exceptions occur; animated and
	 * undeclared ones must then get none. */
	static const enum dc_display displays[] = { DC_DISPLAY_FIXED, DC_DISPLAY_FIXED,
						    DC_DISPLAY_ANIMATED, DC_DISPLAY_UNKNOWN };
	s->display = displays[rnd(4)];
	if (!rnd(7))
		s->flags |= DC_FLAG_AIRPORT;
	if (rnd(10) >= 3) {
		char a[6], b[6];
		int st = pick_minute(), en = rnd(8) ? pick_minute() : st;	/* sometimes all day */
		hhmm(a, st);
		hhmm(b, en);
		if (!rnd(10))
			snprintf(b, sizeof b, "24:00");
		snprintf(s->service_hours, sizeof s->service_hours, "%s-%s", a, b);
	}
}

static int cmp_logged(const void *a, const void *b)
{
	const struct logged *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

/* An instant of [lo, hi): on a minute mostly, any second sometimes. */
static int64_t pick_instant(int64_t lo, int64_t hi)
{
	int64_t t = lo + (int64_t)rnd((uint32_t)(hi - lo));
	return rnd(4) ? t - ((t % 60) + 60) % 60 : t;
}

static void gen_log(struct logged *log, int *n, int64_t ws, int64_t we)
{
	static const enum dc_en_state states[] = { DC_EN_ON, DC_EN_ON, DC_EN_OFF, DC_EN_OFF, DC_EN_UNKNOWN };
	int k = 0;
	log[k++] = (struct logged){ ws - 3 * 3600, states[rnd(5)] };
	for (int i = 0, m = (int)rnd(14); i < m; i++)
		log[k++] = (struct logged){ pick_instant(ws - 3600, we + 3600), states[rnd(5)] };
	qsort(log, (size_t)k, sizeof *log, cmp_logged);
	*n = 0;
	for (int i = 0; i < k; i++)	/* one state per second */
		if (!*n || log[*n - 1].at != log[i].at)
			log[(*n)++] = log[i];
}

static void store_case(struct fx *f, const struct night_case *c)
{
	char err[256];
	sqlite3 *db = dc_store_db(f->st);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < NSCREENS; i++) {
		assert_int_equal(dc_store_put_screen(f->st, &c->scr[i], "test", NULL), 0);
		for (int k = 0; k < c->nlog[i]; k++)
			assert_int_equal(dc_ledger_record_state(f->st, ids[i], c->log[i][k].at,
								c->log[i][k].st, err, sizeof err), 1);
	}
	for (int k = 0; k < c->nrec; k++)
		assert_int_equal(dc_ledger_record_derogation(f->st, c->rec_screen[k] < 0 ? NULL
							     : ids[c->rec_screen[k]], c->rec[k].from,
							     c->rec[k].to, "fête", err, sizeof err), 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

static enum dc_en_state logged_at(const struct logged *log, int n, int64_t t)
{
	enum dc_en_state st = DC_EN_UNKNOWN;
	for (int k = 0; k < n && log[k].at <= t; k++)
		st = log[k].st;
	return st;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void add_cut(int64_t *cut, int *n, int64_t t, int64_t ws, int64_t we)
{
	if (t > ws && t < we) {
		assert_true(*n < MAXCUT);
		cut[(*n)++] = t;
	}
}

/* The report of screen i, rebuilt from the engine at every instant that
 * matters. */
static void reference(const struct dc_rules *r, struct dc_sched_ctx *ctx, const struct night_case *c,
		      int i, int64_t ws, int64_t we, int64_t now, struct dc_cpl_night *ref)
{
	int64_t cut[MAXCUT];
	int n = 0;
	memset(ref, 0, sizeof *ref);
	ref->window_s = we - ws;
	cut[n++] = ws;
	cut[n++] = we;
	for (int64_t t = ws + 60; t < we; t += 60)
		add_cut(cut, &n, t, ws, we);
	for (int k = 0; k < c->nlog[i]; k++)
		add_cut(cut, &n, c->log[i][k].at, ws, we);
	for (int k = 0; k < c->nrec; k++) {
		add_cut(cut, &n, c->rec[k].from, ws, we);
		add_cut(cut, &n, c->rec[k].to, ws, we);
	}
	for (size_t k = 0; k < r->nderogations; k++) {
		add_cut(cut, &n, r->derogations[k].from, ws, we);
		add_cut(cut, &n, r->derogations[k].until, ws, we);
	}
	add_cut(cut, &n, now, ws, we);
	qsort(cut, (size_t)n, sizeof *cut, cmp_i64);
	for (int k = 0; k + 1 < n; k++) {
		int64_t a = cut[k], d = cut[k + 1] - a;
		if (!d)
			continue;
		enum dc_en_state st = a >= now ? DC_EN_UNKNOWN : logged_at(c->log[i], c->nlog[i], a);
		if (st == DC_EN_OFF) {
			ref->off_s += d;
			continue;
		}
		if (st != DC_EN_ON) {
			ref->unknown_s += d;
			continue;
		}
		struct dc_explanation e;
		enum dc_step_outcome night = DC_OUT_NOT_CONCERNED;
		bool derog = false;
		dc_schedule_explain(r, ctx, &c->scr[i], a, &e);
		for (size_t s = 0; s < e.nsteps; s++) {
			if (e.steps[s].kind == DC_STEP_NIGHT)
				night = e.steps[s].outcome;
			if (e.steps[s].kind == DC_STEP_DEROGATION && e.steps[s].outcome != DC_OUT_NOT_NOW)
				derog = true;
		}
		for (int q = 0; q < c->nrec; q++)
			if ((c->rec_screen[q] < 0 || c->rec_screen[q] == i) && c->rec[q].from <= a &&
			    a < c->rec[q].to)
				derog = true;
		/* The window is the rule's: the engine sees it in force. */
		assert_true(night != DC_OUT_NOT_CONCERNED && night != DC_OUT_NOT_NOW);
		if (derog || night == DC_OUT_LIFTED)
			ref->derogation_s += d;
		else if (night == DC_OUT_EXEMPT)
			ref->exception_s += d;
		else {
			/* What the engine lights, the report never blames. */
			assert_false(dc_schedule_evaluate(r, ctx, &c->scr[i], a));
			ref->violation_s += d;
		}
	}
}

/* Seconds of each kind over the whole run, and screens checked: the draw
 * must exercise every cause. */
static struct dc_cpl_night total;
static int checked;

static void check_night(struct fx *f, int64_t day, int *dst_seen)
{
	char date[11], err[256];
	int y, m, d;
	int64_t ws, we;
	struct night_case *c = calloc(1, sizeof *c);
	struct got got = { 0 };
	assert_non_null(c);
	dc_civil_from_days(day, &y, &m, &d);
	snprintf(date, sizeof date, "%04u-%02u-%02u", (unsigned)y % 10000, (unsigned)m % 13, (unsigned)d % 32);
	assert_int_equal(dc_ledger_night_window(&f->cfg, date, &ws, &we), 0);
	if (we - ws != 5 * 3600)
		dst_seen[we - ws == 6 * 3600]++;

	struct dc_rules *r = gen_rules(day);
	for (int i = 0; i < NSCREENS; i++) {
		gen_screen(&c->scr[i], i);
		gen_log(c->log[i], &c->nlog[i], ws, we);
	}
	for (c->nrec = 0; c->nrec < (int)rnd(3); c->nrec++) {
		int64_t from = pick_instant(ws - 1800, we);
		c->rec[c->nrec] = (struct dc_night_allow){ from, from + 1 + (int64_t)rnd(7200), DC_NIGHT_DEROGATION };
		c->rec_screen[c->nrec] = rnd(3) ? (int)rnd(NSCREENS) : -1;
	}
	int64_t now = rnd(5) ? we + 86400 : pick_instant(ws, we);
	store_case(f, c);

	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, r, date, now, collect, &got, err, sizeof err), 0);
	struct dc_sched_ctx ctx = { 0 };
	for (int i = 0; i < NSCREENS; i++) {
		const struct dc_screen *s = &c->scr[i];
		assert_int_equal(got.seen[i], dc_cpl_applies(s->category, s->flags));
		if (!got.seen[i])
			continue;
		struct dc_cpl_night ref;
		reference(r, &ctx, c, i, ws, we, now, &ref);
		const struct dc_cpl_night *g = &got.n[i];
		if (g->derogation_s != ref.derogation_s || g->exception_s != ref.exception_s ||
		    g->violation_s != ref.violation_s || g->off_s != ref.off_s || g->unknown_s != ref.unknown_s)
			fail_msg("night %s, screen %s (cat %d flags %u hours \"%s\"): report "
				 "der/exc/vio/off/unk %lld/%lld/%lld/%lld/%lld, engine %lld/%lld/%lld/%lld/%lld",
				 date, s->id, (int)s->category, s->flags, s->service_hours,
				 (long long)g->derogation_s, (long long)g->exception_s, (long long)g->violation_s,
				 (long long)g->off_s, (long long)g->unknown_s, (long long)ref.derogation_s,
				 (long long)ref.exception_s, (long long)ref.violation_s, (long long)ref.off_s,
				 (long long)ref.unknown_s);
		assert_int_equal(g->window_s, we - ws);
		total.derogation_s += ref.derogation_s;
		total.exception_s += ref.exception_s;
		total.violation_s += ref.violation_s;
		total.unknown_s += ref.unknown_s;
		total.off_s += ref.off_s;
		checked++;
	}
	dc_sched_ctx_release(&ctx);	/* the next rules may reuse this address */
	dc_rules_free(r);
	free(c);
}

static int cmp_day(const void *a, const void *b)
{
	return cmp_i64(a, b);
}

/* The evening before the last Sunday of `month`. */
static int64_t dst_evening(int year, int month)
{
	int64_t last = dc_days_from_civil(year, month, 31);
	return last - dc_weekday(last) - 1;
}

static void report_equals_engine(void **state)
{
	struct fx *f = *state;
	int64_t days[42 + RANDOM_NIGHTS];
	int n = 0, dst_seen[2] = { 0, 0 };
	for (int y = 2020; y <= 2040; y++) {
		days[n++] = dst_evening(y, 3);
		days[n++] = dst_evening(y, 10);
	}
	int64_t lo = dc_days_from_civil(2020, 1, 1), hi = dc_days_from_civil(2040, 12, 30);
	while (n < 42 + RANDOM_NIGHTS) {
		int64_t d = lo + (int64_t)rnd((uint32_t)(hi - lo));
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= days[k] == d;
		if (!dup)
			days[n++] = d;
	}
	/* In time order: each night's log starts three hours before its window,
	 * after anything logged for an earlier night. */
	qsort(days, (size_t)n, sizeof *days, cmp_day);
	for (int k = 0; k < n; k++)
		check_night(f, days[k], dst_seen);
	assert_int_equal(dst_seen[0], 21);	/* a 4 h window each spring */
	assert_int_equal(dst_seen[1], 21);	/* a 6 h window each autumn */
	print_message("%d screen-nights; seconds der %lld exc %lld vio %lld off %lld unk %lld\n", checked,
		      (long long)total.derogation_s, (long long)total.exception_s,
		      (long long)total.violation_s, (long long)total.off_s, (long long)total.unknown_s);
	assert_true(checked > 200);
	assert_true(total.derogation_s > 0 && total.exception_s > 0 && total.violation_s > 0);
	assert_true(total.off_s > 0 && total.unknown_s > 0);
}

static int setup(void **state)
{
	return fx_setup(state, DC_LANG_EN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(report_equals_engine, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
