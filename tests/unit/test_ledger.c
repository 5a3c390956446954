/* test_ledger.c — the ledger in the database: a simulated week fed as it
 * happens (with a late event, a meter reset, an offline box, a removal),
 * updated incrementally, then rebuilt: same rows, hand-computed totals;
 * night compliance from the log; energy.json validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "clock.h"
#include "i18n.h"
#include "ledger.h"
#include "rules.h"
#include "store.h"
#include "tz.h"
#include "fixture_ledger.h"

#define H 3600
#define WH 1000
/* Monday 23 November 2026 00:00 in Paris (UTC+1). */
#define T0 (INT64_C(1795392000) - H)
#define DAY(i) (T0 + (int64_t)(i) * 86400)

static int setup(void **state)
{
	return fx_setup(state, DC_LANG_EN);
}

static void put(struct fx *f, const char *id, enum dc_category cat, double on, const char *box,
		int channel)
{
	struct dc_screen s;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.name, sizeof s.name, "Écran %s", id);
	snprintf(s.site, sizeof s.site, "%s", cat == DC_CAT_ADVERTISING ? "Centre" : "Gare");
	s.category = cat;
	s.power_on_w = on;
	s.power_standby_w = 2;
	if (box) {
		snprintf(s.box, sizeof s.box, "%s", box);
		s.channel = channel;
	}
	assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
}

/* One input to feed, at the simulated clock `seen` (>= at when late). */
struct input {
	int64_t seen, at;
	const char *who;	/* screen, or box for a reading */
	int state;		/* -1 for a reading */
	double kwh;
};

static int by_seen(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	if (x->seen != y->seen)
		return x->seen < y->seen ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

static size_t add_state(struct input *v, size_t n, const char *who, int64_t at, int st)
{
	v[n] = (struct input){ at, at, who, st, 0 };
	return n + 1;
}

/* The week (see each screen's expected totals in the test below). */
static size_t week_inputs(struct input *v)
{
	size_t n = 0;
	for (int d = 0; d < 7; d++) {
		/* "a", "e", "f": off 22:00-07:00. */
		const char *night[] = { "a", "e", "f" };
		for (int k = 0; k < 3; k++) {
			if (d == 0)
				n = add_state(v, n, night[k], DAY(0), DC_EN_OFF);
			n = add_state(v, n, night[k], DAY(d) + 7 * H, DC_EN_ON);
			if (!(k == 2 && d == 1))	/* f forgets the night of the 24th... */
				n = add_state(v, n, night[k], DAY(d) + 22 * H, DC_EN_OFF);
		}
	}
	n = add_state(v, n, "f", DAY(2) + 1 * H + 1800, DC_EN_OFF);	/* ...until 01:30 */
	/* e: box offline 01:00-04:00 on the 26th, the event arriving late
	 * (the gateway learnt it at 10:00). */
	v[n++] = (struct input){ DAY(3) + 10 * H, DAY(3) + 1 * H, "e", DC_EN_UNKNOWN, 0 };
	n = add_state(v, n, "e", DAY(3) + 4 * H, DC_EN_OFF);
	/* b, c on the metered box "b1", d removed on the 25th: on all week. */
	n = add_state(v, n, "b", DAY(0), DC_EN_ON);
	n = add_state(v, n, "c", DAY(0), DC_EN_ON);
	n = add_state(v, n, "d", DAY(0), DC_EN_ON);
	/* b1's meter: 0.11 kWh every 15 min; reset between 12:00 and 12:15
	 * on the 25th, reading 0.02 after it. */
	int kreset = 2 * 96 + 12 * 4 + 1;
	for (int k = 0; k <= 7 * 96; k++) {
		double kwh = k < kreset ? 500.0 + 0.11 * k : 0.02 + 0.11 * (k - kreset);
		v[n] = (struct input){ T0 + k * 900, T0 + k * 900, "b1", -1, kwh };
		n++;
	}
	qsort(v, n, sizeof *v, by_seen);
	return n;
}

static void feed(struct fx *f, const struct input *in)
{
	char err[256];
	if (in->state >= 0)
		assert_int_equal(dc_ledger_record_state(f->st, in->who, in->at, in->state, err,
							sizeof err), 1);
	else
		assert_int_equal(dc_ledger_record_reading(f->st, in->who, in->at, in->kwh, 1, err,
							  sizeof err), 1);
}

static const struct dc_ledger_row *row(const struct dc_ledger_row *r, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].key, key) == 0)
			return &r[i];
	fail_msg("no row %s", key);
	return NULL;
}

static void setup_week(struct fx *f)
{
	put(f, "a", DC_CAT_ADVERTISING, 200, NULL, 0);
	put(f, "b", DC_CAT_INFORMATION, 300, "b1", 1);
	put(f, "c", DC_CAT_INFORMATION, 100, "b1", 2);
	put(f, "d", DC_CAT_ADVERTISING, 100, NULL, 0);
	put(f, "e", DC_CAT_ADVERTISING, 200, NULL, 0);
	put(f, "f", DC_CAT_ADVERTISING, 200, NULL, 0);
	struct dc_screen d;
	assert_int_equal(dc_store_get_screen(f->st, "d", &d), 1);
	d.status = DC_STATUS_REMOVED;
	snprintf(d.removal_date, sizeof d.removal_date, "2026-11-25");
	assert_int_equal(dc_store_put_screen(f->st, &d, "test", NULL), 0);
}

/* Expected over the week (Wh):
 *  a: 15 h on a day x 200 W: actual 21 000, baseline 7 x 4800 = 33 600.
 *  b, c: metered 0.44 kWh/h shared 3:1 (both on): b 330 W, c 110 W; the
 *     reset quarter-hour is estimated at 300 / 100 W:
 *     b 7 x 7920 - 30 x 0.25 = 55 432.5; c 7 x 2640 - 10 x 0.25 = 18 477.5;
 *     baselines 7 x 7200 = 50 400 and 7 x 2400 = 16 800.
 *  d: on 2 days (100 W) then removed: actual 4800, baseline 16 800.
 *  e: as a, but 3 unknown night hours: actual 21 000, baseline 33 000.
 *  f: as a + on 22:00-01:30 one night (3.5 h): actual 21 700. */
static void incremental_equals_rebuild_and_hand_figures(void **state)
{
	struct fx *f = *state;
	static struct input in[2000];
	char err[256];
	setup_week(f);
	size_t n = week_inputs(in), next = 0;

	/* Simulated clock: every 20 min feed what the gateway learnt, every
	 * hour (at :40) update the ledger. */
	int64_t end = DAY(7);
	for (int64_t clock = T0; clock <= end; clock += 1200) {
		while (next < n && in[next].seen <= clock)
			feed(f, &in[next++]);
		if (clock % 3600 == 2400)
			assert_int_equal(dc_ledger_update(f->st, &f->cfg, clock, err, sizeof err), 0);
	}
	assert_int_equal(next, n);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, end, err, sizeof err), 0);
	char *inc = fx_snapshot(f);
	assert_int_equal(dc_ledger_rebuild(f->st, &f->cfg, end, err, sizeof err), 0);
	char *reb = fx_snapshot(f);
	assert_true(strlen(reb) > 1000);
	assert_string_equal(inc, reb);
	free(inc);
	free(reb);
	/* Updating again changes nothing. */
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, end + 1800, err, sizeof err), 0);

	struct dc_ledger_row *r;
	size_t nr;
	assert_int_equal(dc_ledger_report(f->st, "2026-11-23", "2026-11-29", DC_BY_SCREEN, &r, &nr,
					  err, sizeof err), 0);
	assert_int_equal(nr, 6);
	const struct dc_ledger_row *a = row(r, nr, "a"), *b = row(r, nr, "b"), *c = row(r, nr, "c"),
		*d = row(r, nr, "d"), *e = row(r, nr, "e"), *fs = row(r, nr, "f");
	assert_int_equal(a->t.actual_mwh, 21000 * WH);
	assert_int_equal(a->t.baseline_mwh, 33600 * WH);
	assert_int_equal(a->t.hours, 168);
	assert_int_equal(b->t.actual_mwh, 55432500);
	assert_int_equal(b->t.baseline_mwh, 50400 * WH);
	assert_int_equal(b->t.measured_hours, 167);
	assert_int_equal(c->t.actual_mwh, 18477500);
	assert_int_equal(d->t.actual_mwh, 4800 * WH);
	assert_int_equal(d->t.baseline_mwh, 16800 * WH);
	assert_int_equal(dc_en_total_saved(&d->t), 12000 * WH);
	assert_int_equal(e->t.actual_mwh, 21000 * WH);
	assert_int_equal(e->t.baseline_mwh, 33000 * WH);
	assert_int_equal(e->t.unknown_s, 3 * H);
	assert_int_equal(fs->t.actual_mwh, 21700 * WH);
	free(r);

	/* By day: the 26th of e alone shows the unknown hours not saved. */
	assert_int_equal(dc_ledger_report(f->st, "2026-11-26", "2026-11-26", DC_BY_CATEGORY, &r,
					  &nr, err, sizeof err), 0);
	assert_int_equal(nr, 2);
	/* advertising that day: a 1800 + d 2400 + e 1200 + f 1800 saved. */
	assert_int_equal(dc_en_total_saved(&row(r, nr, "advertising")->t), 7200 * WH);
	free(r);
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_MONTH, &r, &nr, err, sizeof err), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(r[0].key, "2026-11");
	assert_int_equal(r[0].t.hours, 6 * 168);
	free(r);

	/* Moving a to another category and site re-sums the groups at the
	 * next update, and a rebuild agrees. */
	struct dc_screen s;
	assert_int_equal(dc_store_get_screen(f->st, "a", &s), 1);
	s.category = DC_CAT_SCHOOL;
	snprintf(s.site, sizeof s.site, "École");
	assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, end + 3600, err, sizeof err), 0);
	assert_int_equal(dc_ledger_report(f->st, "2026-11-23", "2026-11-29", DC_BY_CATEGORY, &r, &nr,
					  err, sizeof err), 0);
	assert_int_equal(dc_en_total_saved(&row(r, nr, "school")->t), 12600 * WH);
	free(r);
	assert_int_equal(dc_ledger_report(f->st, "2026-11-23", "2026-11-29", DC_BY_SITE, &r, &nr,
					  err, sizeof err), 0);
	assert_int_equal(row(r, nr, "École")->t.actual_mwh, 21000 * WH);
	free(r);
	inc = fx_snapshot(f);
	assert_int_equal(dc_ledger_rebuild(f->st, &f->cfg, end + 3600, err, sizeof err), 0);
	reb = fx_snapshot(f);
	assert_string_equal(inc, reb);
	free(inc);
	free(reb);
}

struct nights {
	char id[8][DC_ID_MAX];
	struct dc_cpl_night n[8];
	int count;
};

static int collect(const struct dc_screen *s, const struct dc_cpl_night *n, void *arg)
{
	struct nights *v = arg;
	snprintf(v->id[v->count], DC_ID_MAX, "%s", s->id);
	v->n[v->count++] = *n;
	return 0;
}

static const struct dc_cpl_night *night_of(const struct nights *v, const char *id)
{
	for (int i = 0; i < v->count; i++)
		if (strcmp(v->id[i], id) == 0)
			return &v->n[i];
	return NULL;
}

/* Night of the 24th: f on until 01:30 = 30 min violation; night of the
 * 25th: e unknown 01:00-04:00.  b, c (information) are not under the rule;
 * d is on all night of the 23rd, then removed on the 25th (off after). */
static void compliance_from_the_log(void **state)
{
	struct fx *f = *state;
	static struct input in[2000];
	char err[256];
	struct nights v = { 0 };
	setup_week(f);
	size_t n = week_inputs(in);
	for (size_t i = 0; i < n; i++)
		feed(f, &in[i]);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2026-11-24", DAY(7), collect, &v,
					      err, sizeof err), 0);
	assert_int_equal(v.count, 4);
	assert_null(night_of(&v, "b"));
	assert_int_equal(night_of(&v, "f")->verdict, DC_CPL_VIOLATION);
	assert_int_equal(dc_cpl_minutes(night_of(&v, "f")->violation_s), 30);
	assert_int_equal(night_of(&v, "a")->verdict, DC_CPL_COMPLIANT);
	/* d was removed at midnight on the 25th, before this window. */
	assert_int_equal(night_of(&v, "d")->verdict, DC_CPL_COMPLIANT);
	memset(&v, 0, sizeof v);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2026-11-23", DAY(7), collect, &v,
					      err, sizeof err), 0);
	assert_int_equal(night_of(&v, "d")->verdict, DC_CPL_VIOLATION);	/* on all night */
	assert_int_equal(dc_cpl_minutes(night_of(&v, "d")->violation_s), 300);
	memset(&v, 0, sizeof v);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2026-11-25", DAY(7), collect, &v,
					      err, sizeof err), 0);
	assert_int_equal(night_of(&v, "e")->verdict, DC_CPL_UNKNOWN);
	assert_int_equal(night_of(&v, "e")->unknown_s, 3 * H);
	assert_int_equal(night_of(&v, "d")->verdict, DC_CPL_COMPLIANT);
	assert_int_equal(night_of(&v, "f")->verdict, DC_CPL_COMPLIANT);
	/* A night not over yet: what is after `now` is unknown. */
	memset(&v, 0, sizeof v);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2026-11-25", DAY(3) + 2 * H, collect,
					      &v, err, sizeof err), 0);
	assert_int_equal(night_of(&v, "a")->unknown_s, 4 * H);
	/* A derogation 01:00-01:30 on the 25th for f makes it lawful. */
	assert_int_equal(dc_ledger_record_derogation(f->st, "f", DAY(2) + H, DAY(2) + H + 1800,
						     "Fête", err, sizeof err), 0);
	memset(&v, 0, sizeof v);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2026-11-24", DAY(7), collect, &v,
					      err, sizeof err), 0);
	assert_int_equal(night_of(&v, "f")->verdict, DC_CPL_DEROGATION);
}

/* What the reports and the dashboard print: verdicts counted per night,
 * "last night" by the clock, the legal window across DST, a report's total. */
static void night_summary_last_night_and_totals(void **state)
{
	struct fx *f = *state;
	static struct input in[2000];
	char err[256], night[11];
	struct nights v = { 0 };
	struct dc_ledger_night_summary sum;
	setup_week(f);
	size_t n = week_inputs(in);
	for (size_t i = 0; i < n; i++)
		feed(f, &in[i]);
	/* The night of the 24th: a, d, e compliant, f in violation; the
	 * callback still sees each screen. */
	assert_int_equal(dc_ledger_night_summary(f->st, &f->cfg, NULL, "2026-11-24", DAY(7), collect,
						 &v, &sum, err, sizeof err), 0);
	assert_string_equal(sum.night, "2026-11-24");
	assert_int_equal(sum.window_s, 5 * H);
	assert_int_equal(sum.screens, 4);
	assert_int_equal(v.count, 4);
	assert_int_equal(sum.count[DC_CPL_COMPLIANT], 3);
	assert_int_equal(sum.count[DC_CPL_VIOLATION], 1);
	assert_int_equal(sum.count[DC_CPL_UNKNOWN], 0);
	/* The 25th: e unknown for three hours. */
	assert_int_equal(dc_ledger_night_summary(f->st, &f->cfg, NULL, "2026-11-25", DAY(7), NULL,
						 NULL, &sum, err, sizeof err), 0);
	assert_int_equal(sum.count[DC_CPL_UNKNOWN], 1);
	assert_int_equal(sum.count[DC_CPL_COMPLIANT], 3);
	assert_int_equal(dc_ledger_night_summary(f->st, &f->cfg, NULL, "2026-13-01", DAY(7), NULL,
						 NULL, &sum, err, sizeof err), -1);

	/* "Last night" turns at 06:00 local, when the window has ended. */
	assert_int_equal(dc_ledger_last_night(&f->cfg, DAY(2) + 5 * H + 3599, night), 0);
	assert_string_equal(night, "2026-11-23");
	assert_int_equal(dc_ledger_last_night(&f->cfg, DAY(2) + 6 * H, night), 0);
	assert_string_equal(night, "2026-11-24");
	assert_int_equal(dc_ledger_last_night(&f->cfg, DAY(2) + 23 * H, night), 0);
	assert_string_equal(night, "2026-11-24");

	/* 4 h on the spring-forward night, 6 h on the fall-back one. */
	int64_t ws, we;
	assert_int_equal(dc_ledger_night_window(&f->cfg, "2026-03-28", &ws, &we), 0);
	assert_int_equal(we - ws, 4 * H);
	assert_int_equal(dc_ledger_night_window(&f->cfg, "2026-10-24", &ws, &we), 0);
	assert_int_equal(we - ws, 6 * H);
	assert_int_equal(dc_ledger_night_window(&f->cfg, "2026-11-24", &ws, &we), 0);
	assert_int_equal(ws, DAY(2) + H);
	assert_int_equal(dc_ledger_night_window(&f->cfg, "24/11/2026", &ws, &we), -1);

	/* A report's total is the exact sum of its rows. */
	struct dc_ledger_row *r, *all;
	size_t nr, na;
	struct dc_en_total t;
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(7), err, sizeof err), 0);
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_DAY, &r, &nr, err, sizeof err), 0);
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_ALL, &all, &na, err, sizeof err), 0);
	assert_int_equal(nr, 7);
	assert_int_equal(na, 1);
	dc_ledger_rows_total(r, nr, &t);
	assert_memory_equal(&t, &all[0].t, sizeof t);
	dc_ledger_rows_total(r, 0, &t);
	assert_int_equal(t.hours, 0);
	free(r);
	free(all);
}

/* Transport furniture in service from 05:30: on from 05:30 is an exception
 * only when its images are fixed (R581-35); animated or undeclared images
 * lit at 05:30 are a violation, never an exception. */
static void transport_service_hours(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct nights v = { 0 };
	static const struct { const char *id; enum dc_display d; } abris[] = {
		{ "abri-anime", DC_DISPLAY_ANIMATED }, { "abri-fixe", DC_DISPLAY_FIXED },
		{ "abri-inconnu", DC_DISPLAY_UNKNOWN },
	};
	for (size_t i = 0; i < 3; i++) {
		struct dc_screen s;
		const char *id = abris[i].id;
		put(f, id, DC_CAT_TRANSPORT, 80, NULL, 0);
		assert_int_equal(dc_store_get_screen(f->st, id, &s), 1);
		s.flags |= DC_FLAG_TRANSPORT_FURNITURE;
		s.display = abris[i].d;
		snprintf(s.service_hours, sizeof s.service_hours, "05:30-00:30");
		assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
		assert_int_equal(dc_ledger_record_state(f->st, id, DAY(0), DC_EN_ON, err, sizeof err), 1);
		assert_int_equal(dc_ledger_record_state(f->st, id, DAY(1) + 30 * 60, DC_EN_OFF, err,
							sizeof err), 1);
		assert_int_equal(dc_ledger_record_state(f->st, id, DAY(1) + 5 * H + 1800, DC_EN_ON, err,
							sizeof err), 1);
	}
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2026-11-23", DAY(2), collect, &v,
					      err, sizeof err), 0);
	assert_int_equal(v.count, 3);
	const struct dc_cpl_night *fixe = night_of(&v, "abri-fixe");
	assert_int_equal(fixe->verdict, DC_CPL_EXCEPTION);
	assert_int_equal(fixe->exception_s, 1800);
	assert_int_equal(fixe->violation_s, 0);
	for (int i = 0; i < 2; i++) {
		const struct dc_cpl_night *n = night_of(&v, i ? "abri-inconnu" : "abri-anime");
		assert_int_equal(n->verdict, DC_CPL_VIOLATION);
		assert_int_equal(n->violation_s, 1800);
		assert_int_equal(n->exception_s, 0);
	}
}

/* Issue 13, finding 2: a night line served 05:40-02:10 on the fall-back
 * night 2027-10-30/31 whose relay followed the engine (on 01:00-02:10 CEST,
 * off, on again 02:00-02:10 CET when the hour repeats, off, on at 05:40):
 * 70 + 10 + 20 = 100 min of exception and no violation.  The report used to
 * keep one service interval per day and blamed the second 02:00-02:10. */
static void fall_back_night_repeats_the_service_hour(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct nights v = { 0 };
	struct dc_screen s;
	int64_t d = dc_days_from_civil(2027, 10, 31) * 86400;	/* UTC midnight */
	put(f, "nuit", DC_CAT_TRANSPORT, 80, NULL, 0);
	assert_int_equal(dc_store_get_screen(f->st, "nuit", &s), 1);
	s.flags |= DC_FLAG_TRANSPORT_FURNITURE;
	s.display = DC_DISPLAY_FIXED;
	snprintf(s.service_hours, sizeof s.service_hours, "05:40-02:10");
	assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
	const struct { int64_t at; enum dc_en_state st; } log[] = {
		{ d - 20 * H, DC_EN_ON },		/* 05:40 CEST on the 30th */
		{ d + 10 * 60, DC_EN_OFF },		/* 02:10 CEST */
		{ d + 1 * H, DC_EN_ON },		/* 02:00 CET, the hour again */
		{ d + 1 * H + 10 * 60, DC_EN_OFF },	/* 02:10 CET */
		{ d + 4 * H + 40 * 60, DC_EN_ON },	/* 05:40 CET */
	};
	for (size_t i = 0; i < sizeof log / sizeof *log; i++)
		assert_int_equal(dc_ledger_record_state(f->st, "nuit", log[i].at, log[i].st, err,
							sizeof err), 1);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, NULL, "2027-10-30", d + 86400, collect,
					      &v, err, sizeof err), 0);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.n[0].window_s, 6 * H);
	assert_int_equal(dc_cpl_minutes(v.n[0].exception_s), 100);
	assert_int_equal(v.n[0].violation_s, 0);
	assert_int_equal(v.n[0].off_s, 6 * H - 100 * 60);
	assert_int_equal(v.n[0].verdict, DC_CPL_EXCEPTION);
}

/* Rules read in another zone than the ledger's would judge another night:
 * refused, naming both zones. */
static void rules_in_another_zone_are_refused(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct nights v = { 0 };
	const char *json = "{\"zone\": \"America/Cayenne\", \"policies\": []}";
	struct dc_rules *r = dc_rules_parse(json, strlen(json), NULL, err, sizeof err);
	assert_non_null(r);
	put(f, "pub", DC_CAT_ADVERTISING, 100, NULL, 0);
	assert_int_equal(dc_ledger_compliance(f->st, &f->cfg, r, "2026-11-23", DAY(2), collect, &v, err,
					      sizeof err), -1);
	assert_string_equal(err, "the rules' zone (America/Cayenne) is not the ledger's (Europe/Paris): "
				 "the legal night would be wrong");
	assert_int_equal(v.count, 0);
	dc_rules_free(r);
}

static void bad_input_is_refused(void **state)
{
	struct fx *f = *state;
	char err[256];
	assert_int_equal(dc_ledger_record_state(f->st, "Bad Id", 0, DC_EN_ON, err, sizeof err), -1);
	assert_int_equal(dc_ledger_record_state(f->st, "a", 0, (enum dc_en_state)7, err, sizeof err), -1);
	assert_int_equal(dc_ledger_record_reading(f->st, "b1", 0, -1, 0, err, sizeof err), -1);
	assert_int_equal(dc_ledger_record_derogation(f->st, NULL, 10, 5, "", err, sizeof err), -1);
	assert_int_equal(dc_ledger_record(f->st, "a", 0, DC_EN_UNKNOWN, (enum dc_en_cause)3,
					  DC_LEDGER_APPEND, err, sizeof err), -1);
	/* The same report twice is one row; another state in the same second
	 * follows it (order of arrival), it does not contradict it. */
	assert_int_equal(dc_ledger_record_state(f->st, "a", T0, DC_EN_ON, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "a", T0, DC_EN_ON, err, sizeof err), 0);
	assert_int_equal(dc_ledger_record_state(f->st, "a", T0, DC_EN_OFF, err, sizeof err), 1);
	/* Nothing complete to account yet: update succeeds and writes nothing. */
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, T0, err, sizeof err), 0);
	struct dc_ledger_row *r;
	size_t n;
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_DAY, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 0);
	free(r);
	assert_int_equal(dc_ledger_by_parse("month"), DC_BY_MONTH);
	assert_int_equal(dc_ledger_by_parse("week"), -1);
}

/* A log loaded by other means (no watermark kept): the first update still
 * computes from its start, like a rebuild. */
static void first_update_starts_at_the_input(void **state)
{
	struct fx *f = *state;
	char err[256], sql[256];
	put(f, "a", DC_CAT_ADVERTISING, 200, NULL, 0);
	snprintf(sql, sizeof sql, "INSERT INTO ledger_states (screen_id, at, seq, state) VALUES "
		 "('a', %lld, 0, 2), ('a', %lld, 0, 1)", (long long)DAY(0), (long long)(DAY(0) + 10 * H));
	assert_int_equal(sqlite3_exec(dc_store_db(f->st), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(1), err, sizeof err), 0);
	assert_true(fx_rebuild_equals(f, DAY(1)));
	struct dc_ledger_row *r;
	size_t n;
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_ALL, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].t.actual_mwh, 2000 * WH);	/* 10 h x 200 W */
	assert_int_equal(r[0].t.baseline_mwh, 4800 * WH);
	free(r);
}

/* Hourly rows are pruned past the retention; daily rows stay whole, and a
 * rebuild prunes the same way. */
static void hourly_retention_keeps_days(void **state)
{
	struct fx *f = *state;
	char err[256];
	put(f, "a", DC_CAT_ADVERTISING, 200, NULL, 0);
	assert_int_equal(dc_ledger_record_state(f->st, "a", DAY(0), DC_EN_ON, err, sizeof err), 1);
	f->cfg.hourly_retention_days = 2;
	for (int d = 1; d <= 5; d++)
		assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(d), err, sizeof err), 0);
	char *inc = fx_snapshot(f);
	assert_int_equal(dc_ledger_rebuild(f->st, &f->cfg, DAY(5), err, sizeof err), 0);
	char *reb = fx_snapshot(f);
	assert_string_equal(inc, reb);
	free(inc);
	free(reb);
	char sql[128];
	sqlite3_stmt *q;
	snprintf(sql, sizeof sql, "SELECT min(hour), count(*), (SELECT count(*) FROM energy_day) "
		 "FROM energy_hour");
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(f->st), sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), DAY(3));
	assert_int_equal(sqlite3_column_int64(q, 1), 48);
	assert_int_equal(sqlite3_column_int64(q, 2), 5);
	sqlite3_finalize(q);
}

/* Finding 2 (issue 14): at a box's boot the gateway hears its boot "off"
 * and, in the same second, confirms the "on" it commanded.  The ledger used
 * to keep the first and refuse the second: a lit screen counted as saving.
 * Now the events keep their order, the "on" wins, nothing is saved while
 * the screen is lit, and the late copies the import brings change nothing. */
static void boot_off_then_confirmed_on_in_one_second(void **state)
{
	struct fx *f = *state;
	char err[256];
	const int64_t t = DAY(0) + 10 * H + 1234;
	put(f, "pub", DC_CAT_INFORMATION, 200, "b1", 1);
	/* Gateway start: unknown until confirmed; the boot state; the "on". */
	assert_int_equal(dc_ledger_record(f->st, "pub", t, DC_EN_UNKNOWN, DC_EN_UNCONFIRMED,
					  DC_LEDGER_APPEND, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "pub", t, DC_EN_OFF, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "pub", t, DC_EN_ON, err, sizeof err), 1);
	/* The import's copies of the journal ("off" at boot) and of the
	 * command's outcome ("on"): already there, in their place. */
	assert_int_equal(dc_ledger_record(f->st, "pub", t, DC_EN_OFF, 0, DC_LEDGER_IMPORTED, err,
					  sizeof err), 0);
	assert_int_equal(dc_ledger_record(f->st, "pub", t, DC_EN_ON, 0, DC_LEDGER_IMPORTED, err,
					  sizeof err), 0);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(1), err, sizeof err), 0);

	struct dc_en_total tot;
	struct dc_en_event ev[4];
	size_t n;
	int days;
	assert_int_equal(dc_ledger_screen(f->st, "pub", "2026-11-23", "2026-11-23", &tot, &days, ev,
					  4, &n, err, sizeof err), 0);
	/* Lit from t to the end of the day; the ledger starts at the hour of
	 * its first input, unconfirmed before t (a box is bound). */
	int64_t lit = DAY(1) - t;
	assert_int_equal(tot.on_s, lit);
	assert_int_equal(tot.known_s, lit);
	assert_int_equal(tot.unknown_s, 1234);
	assert_int_equal(tot.unknown_by[DC_EN_UNCONFIRMED], 1234);
	assert_int_equal(dc_en_total_saved(&tot), 0);	/* baseline 24 h: all used */
	assert_true(tot.actual_mwh > 0);
	/* The history, newest first: on, off, unknown, all in that second. */
	assert_int_equal(n, 3);
	assert_true(ev[0].at == t && ev[0].state == DC_EN_ON);
	assert_true(ev[1].at == t && ev[1].state == DC_EN_OFF);
	assert_true(ev[2].at == t && ev[2].state == DC_EN_UNKNOWN &&
		    ev[2].cause == DC_EN_UNCONFIRMED);

	/* "on" then "off" in one second: that second is on, never saved. */
	const int64_t u = DAY(1) + 3 * H;
	assert_int_equal(dc_ledger_record_state(f->st, "pub", u, DC_EN_OFF, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "pub", u, DC_EN_ON, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "pub", u, DC_EN_OFF, err, sizeof err), 1);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(2), err, sizeof err), 0);
	assert_int_equal(dc_ledger_screen(f->st, "pub", "2026-11-24", "2026-11-24", &tot, &days, ev,
					  4, &n, err, sizeof err), 0);
	assert_int_equal(tot.on_s, 3 * H + 1);
	assert_int_equal(tot.known_s, 24 * H);
	/* 21 h - 1 s off at 200 W saved; the rest was used. */
	assert_int_equal(dc_en_total_saved(&tot), (int64_t)((21 * H - 1) * 200 / 3.6 + 0.5));

	assert_true(fx_rebuild_equals(f, DAY(2)));
}

/* Unknown by cause in the ledger: offline, unconfirmed, and no box — before
 * a screen's first state when none is bound, and from the audited instant
 * its box was removed, whatever its last state. */
static void unknown_time_is_kept_by_cause(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct dc_clock clk;
	put(f, "pub", DC_CAT_ADVERTISING, 200, "b1", 1);
	put(f, "loose", DC_CAT_ADVERTISING, 100, NULL, 0);
	assert_int_equal(dc_ledger_record_state(f->st, "pub", DAY(0) + 2 * H, DC_EN_ON, err,
						sizeof err), 1);
	assert_int_equal(dc_ledger_record(f->st, "pub", DAY(0) + 3 * H, DC_EN_UNKNOWN, DC_EN_OFFLINE,
					  DC_LEDGER_APPEND, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "pub", DAY(0) + 4 * H, DC_EN_OFF, err,
						sizeof err), 1);
	/* Unbound at 20:00 local (19:00 UTC) by an audited edit. */
	assert_int_equal(dc_clock_init_spec(&clk, "2026-11-23T19:00:00Z,1", err, sizeof err), 0);
	dc_store_set_clock(f->st, &clk);
	struct dc_screen s;
	assert_int_equal(dc_store_get_screen(f->st, "pub", &s), 1);
	s.box[0] = '\0';
	s.channel = 0;
	assert_int_equal(dc_store_put_screen(f->st, &s, "test", NULL), 0);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(1), err, sizeof err), 0);

	struct dc_ledger_row *r;
	size_t n;
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_SCREEN, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	const struct dc_ledger_row *loose = row(r, n, "loose"), *pub = row(r, n, "pub");
	/* The ledger starts at its first input, 02:00.  loose: never bound,
	 * nothing logged: all "no box". */
	assert_int_equal(loose->t.unknown_by[DC_EN_NO_BOX], 22 * H);
	assert_int_equal(loose->t.known_s, 0);
	/* pub: 1 h on, 1 h offline, off from 04:00 to 20:00, no box after. */
	int64_t unbound = DAY(0) + 20 * H;
	assert_int_equal(pub->t.on_s, H);
	assert_int_equal(pub->t.unknown_by[DC_EN_OFFLINE], H);
	assert_int_equal(pub->t.unknown_by[DC_EN_UNCONFIRMED], 0);
	assert_int_equal(pub->t.unknown_by[DC_EN_NO_BOX], DAY(1) - unbound);
	assert_int_equal(pub->t.known_s, H + (unbound - (DAY(0) + 4 * H)));
	int64_t by = 0;
	for (int c = 0; c < DC_EN_CAUSES; c++)
		by += pub->t.unknown_by[c];
	assert_int_equal(by, pub->t.unknown_s);
	free(r);
	assert_true(fx_rebuild_equals(f, DAY(1)));
}

static void config_is_validated_with_paths(void **state)
{
	(void)state;
	struct dc_ledger_config c;
	char err[256];
	dc_ledger_config_default(&c);
	const char *good = "{\"zone\":\"Europe/Paris\",\"tariff_eur_per_kwh\":0.3,"
		"\"co2e_kg_per_kwh\":0.06,\"off_cuts_mains\":false,\"hourly_retention_days\":90,"
		"\"boxes\":{\"b1\":{\"off_cuts_mains\":true,\"meter_rollover_kwh\":100000}}}";
	assert_int_equal(dc_ledger_config_parse(good, strlen(good), &c, err, sizeof err), 0);
	assert_true(c.eur_per_kwh == 0.3);
	assert_false(c.off_cuts_mains);
	assert_int_equal(c.nboxes, 1);
	assert_int_equal(c.boxes[0].off_cuts_mains, 1);
	assert_true(c.boxes[0].meter_rollover_kwh == 100000);
	assert_int_equal(c.hourly_retention_days, 90);
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"tariff_eur_per_kwh\":\"cher\"}", "tariff_eur_per_kwh: number expected" },
		{ "{\"tariff_eur_per_kwh\":-1}", "tariff_eur_per_kwh: out of range" },
		{ "{\"boxes\":{\"b1\":{\"foo\":1}}}", "boxes.b1.foo: unknown field" },
		{ "{\"boxes\":{\"B 1\":{}}}", "boxes.B 1.: invalid box id" },
		{ "{\"zone\":\"../etc\"}", "zone: IANA zone expected" },
		{ "{\"hourly_retention_days\":1.5}", "hourly_retention_days: integer expected" },
		{ "{\"tarif\":1}", "tarif: unknown field" },
		{ "{\"zone\":", "invalid JSON at byte" },
		{ "{}{}", "invalid JSON at byte 2" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		assert_int_equal(dc_ledger_config_parse(bad[i].json, strlen(bad[i].json), &c, err,
							sizeof err), -1);
		if (!strstr(err, bad[i].msg))
			fail_msg("%s: got '%s', want '%s'", bad[i].json, err, bad[i].msg);
		assert_true(c.eur_per_kwh == 0.3);	/* untouched */
	}
	dc_ledger_config_free(&c);
}

/* An update with a "now" ahead of the truth (a clock set a month forward,
 * `decran energy update --now` mistyped), then one at the true time after
 * the input changed: what was computed beyond the true now is gone, and
 * the ledger equals a rebuild at that time.  It used to keep a month of
 * "off" computed from the state then, saved energy nobody can know. */
static void an_update_after_the_clock_went_back_drops_the_future(void **state)
{
	struct fx *f = *state;
	char err[256];
	put(f, "a", DC_CAT_ADVERTISING, 200, NULL, 0);
	assert_int_equal(dc_ledger_record_state(f->st, "a", DAY(0), DC_EN_OFF, err, sizeof err), 1);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(30), err, sizeof err), 0);
	assert_int_equal(dc_ledger_record(f->st, "a", DAY(0) + 2 * H, DC_EN_UNKNOWN,
					  DC_EN_UNCONFIRMED, DC_LEDGER_APPEND, err, sizeof err), 1);
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, DAY(1) + H, err, sizeof err), 0);
	struct dc_ledger_row *r;
	size_t n;
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_ALL, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].t.known_s, 2 * H);
	assert_int_equal(r[0].t.unknown_s, 23 * H);
	free(r);
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_DAY, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);	/* the 23rd and one hour of the 24th, not a month */
	free(r);
	assert_true(fx_rebuild_equals(f, DAY(1) + H));
}

/* A commune in the Marquesas (French Polynesia, UTC-9:30): local days
 * begin at half past an hour.  Each hour counts in the day it starts in,
 * the days add up to the whole, and an update equals a rebuild.  Every
 * update used to fail there ("inconsistent ledger data"). */
static void a_half_hour_zone_is_accounted(void **state)
{
	struct fx *f = *state;
	char err[256];
	snprintf(f->cfg.zone, sizeof f->cfg.zone, "Pacific/Marquesas");
	put(f, "a", DC_CAT_ADVERTISING, 200, NULL, 0);
	/* 23 November 2026 00:00 in the Marquesas is 09:30 UTC. */
	int64_t m0 = INT64_C(1795426200);
	assert_int_equal(dc_ledger_record_state(f->st, "a", m0 - 5 * H, DC_EN_ON, err, sizeof err), 1);
	assert_int_equal(dc_ledger_record_state(f->st, "a", m0 + 20 * H, DC_EN_OFF, err, sizeof err), 1);
	for (int d = 1; d <= 20; d++)
		assert_int_equal(dc_ledger_update(f->st, &f->cfg, m0 + d * 86400 + 7 * H, err, sizeof err),
				 0);
	struct dc_ledger_row *r, *all;
	size_t n, na;
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_DAY, &r, &n, err, sizeof err), 0);
	assert_int_equal(dc_ledger_report(f->st, NULL, NULL, DC_BY_ALL, &all, &na, err, sizeof err), 0);
	assert_int_equal(na, 1);
	int64_t actual = 0, known = 0;
	for (size_t i = 0; i < n; i++) {
		actual += r[i].t.actual_mwh;
		known += r[i].t.known_s;
	}
	assert_int_equal(actual, all[0].t.actual_mwh);
	assert_int_equal(known, all[0].t.known_s);
	assert_int_equal(all[0].t.actual_mwh, 25 * 200 * WH);	/* on 25 h, 200 W */
	free(r);
	free(all);
	assert_true(fx_rebuild_equals(f, m0 + 20 * 86400 + 7 * H));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(incremental_equals_rebuild_and_hand_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(compliance_from_the_log, setup, teardown),
		cmocka_unit_test_setup_teardown(night_summary_last_night_and_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(transport_service_hours, setup, teardown),
		cmocka_unit_test_setup_teardown(fall_back_night_repeats_the_service_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(rules_in_another_zone_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_input_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(first_update_starts_at_the_input, setup, teardown),
		cmocka_unit_test_setup_teardown(hourly_retention_keeps_days, setup, teardown),
		cmocka_unit_test_setup_teardown(boot_off_then_confirmed_on_in_one_second, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_time_is_kept_by_cause, setup, teardown),
		cmocka_unit_test_setup_teardown(an_update_after_the_clock_went_back_drops_the_future,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_half_hour_zone_is_accounted, setup, teardown),
		cmocka_unit_test(config_is_validated_with_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
