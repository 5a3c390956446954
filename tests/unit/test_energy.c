/* test_energy.c — hand-computed energy ledger scenarios (lib/energy).
 *
 * Local times are Europe/Paris, converted here with the 2026 DST switches
 * written out (last Sunday of March and of October, 01:00 UTC) so the pure
 * core is tested without any time-zone code.  Expected figures are worked
 * out by hand in each test's comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "energy.h"

#define H 3600
#define WH 1000			/* mWh per Wh */

/* Days since 1970-01-01 (proleptic Gregorian), for fixtures only. */
static int64_t days(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTC instant of Paris wall time y-m-d hh:00 in 2026 (not 02:00 on the
 * switch days, which is absent or ambiguous). */
static int64_t paris(int y, int m, int d, int hh)
{
	int64_t wall = days(y, m, d) * 86400 + (int64_t)hh * H;
	int64_t dst_start = days(2026, 3, 29) * 86400 + 2 * H;	/* wall 02:00 CET */
	int64_t dst_end = days(2026, 10, 25) * 86400 + 3 * H;	/* wall 03:00 CEST */
	return wall - (wall >= dst_start && wall < dst_end ? 2 * H : H);
}

/* Off 22:00-07:00 local every night of `ndays` local days from y-m-d:
 * off [00,07), on [07,22), off [22,24) each day.  Returns the span count. */
static size_t night_off(struct dc_en_span *sp, int y, int m, int d, int ndays)
{
	size_t n = 0;
	for (int i = 0; i < ndays; i++) {
		int64_t day0 = paris(y, m, d + i, 0), day1 = paris(y, m, d + i + 1, 0);
		sp[n++] = (struct dc_en_span){ day0, paris(y, m, d + i, 7), DC_EN_OFF, 0 };
		sp[n++] = (struct dc_en_span){ paris(y, m, d + i, 7), paris(y, m, d + i, 22), DC_EN_ON, 0 };
		sp[n++] = (struct dc_en_span){ paris(y, m, d + i, 22), day1, DC_EN_OFF, 0 };
	}
	return n;
}

static struct dc_en_screen screen(double on, double standby, bool cuts)
{
	return (struct dc_en_screen){ .power_on_w = on, .power_standby_w = standby,
				      .baseline_hours = 24, .off_cuts_mains = cuts,
				      .removed_at = INT64_MAX, .meter = -1 };
}

/* Run one screen over [from, to) and return the totals. */
static struct dc_en_total run_one(const struct dc_en_screen *s, int64_t from, int64_t to,
				  struct dc_en_hour **hours_out)
{
	int n = (int)((to - from) / H);
	struct dc_en_hour *hr = calloc((size_t)n, sizeof *hr);
	struct dc_en_input in = { .screens = s, .nscreens = 1 };
	struct dc_en_total t = { 0 };
	assert_int_equal(dc_energy_hours(&in, from, n, hr), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(hr[i].known_s + hr[i].unknown_s, H);
		dc_en_total_add(&t, &hr[i]);
	}
	if (hours_out)
		*hours_out = hr;
	else
		free(hr);
	return t;
}

/* 200 W, relay cuts the mains, off 22:00-07:00 for the week of Mon 23 Nov
 * 2026: each day 15 h on = 3000 Wh, baseline 24 h x 200 W = 4800 Wh, saved
 * 1800 Wh; the week: 21 000 / 33 600 / 12 600 Wh. */
static void week_off_at_night_mains_cut(void **state)
{
	(void)state;
	struct dc_en_span sp[21];
	struct dc_en_screen s = screen(200, 4, true);
	struct dc_en_hour *hr;
	s.nspans = night_off(sp, 2026, 11, 23, 7);
	s.spans = sp;
	int64_t from = paris(2026, 11, 23, 0), to = paris(2026, 11, 30, 0);
	struct dc_en_total t = run_one(&s, from, to, &hr);
	assert_int_equal(t.hours, 168);
	assert_int_equal(t.actual_mwh, 21000 * WH);
	assert_int_equal(t.baseline_mwh, 33600 * WH);
	assert_int_equal(dc_en_total_saved(&t), 12600 * WH);
	assert_int_equal(t.unknown_s, 0);
	assert_int_equal(t.on_s, 7 * 15 * H);
	assert_int_equal(t.measured_hours, 0);
	/* Local 23:00 Monday (hour 23): off, full baseline saved. */
	assert_int_equal(hr[23].actual_mwh, 0);
	assert_int_equal(hr[23].baseline_mwh, 200 * WH);
	assert_int_equal(dc_en_saved_mwh(&hr[23]), 200 * WH);
	/* Local noon: on, nothing saved. */
	assert_int_equal(hr[12].actual_mwh, 200 * WH);
	assert_int_equal(dc_en_saved_mwh(&hr[12]), 0);
	free(hr);
}

/* Same week, but "off" leaves the screen in 4 W standby: 9 h x 4 W = 36 Wh
 * more each day: 3036 Wh actual, 1764 Wh saved; week 21 252 / 12 348. */
static void week_off_at_night_standby(void **state)
{
	(void)state;
	struct dc_en_span sp[21];
	struct dc_en_screen s = screen(200, 4, false);
	s.nspans = night_off(sp, 2026, 11, 23, 7);
	s.spans = sp;
	struct dc_en_total t = run_one(&s, paris(2026, 11, 23, 0), paris(2026, 11, 30, 0), NULL);
	assert_int_equal(t.actual_mwh, 21252 * WH);
	assert_int_equal(dc_en_total_saved(&t), 12348 * WH);
}

/* Baseline 18 h/day: (200*18 + 4*6)/24 = 151 W each hour, 3624 Wh a day;
 * mains cut: actual 3000, saved 624 Wh a day. */
static void baseline_hours_are_spread_evenly(void **state)
{
	(void)state;
	struct dc_en_span sp[3];
	struct dc_en_screen s = screen(200, 4, true);
	struct dc_en_hour *hr;
	s.baseline_hours = 18;
	s.nspans = night_off(sp, 2026, 11, 23, 1);
	s.spans = sp;
	assert_true(dc_energy_baseline_w(&s) == 151.0);
	struct dc_en_total t = run_one(&s, paris(2026, 11, 23, 0), paris(2026, 11, 24, 0), &hr);
	assert_int_equal(t.baseline_mwh, 3624 * WH);
	assert_int_equal(dc_en_total_saved(&t), 624 * WH);
	for (int i = 0; i < 24; i++)
		assert_int_equal(hr[i].baseline_mwh, 151 * WH);
	/* An hour on in the daytime "saves" 151 - 200 = -49 Wh: hourly figures
	 * are shares, only day totals are meaningful. */
	assert_int_equal(dc_en_saved_mwh(&hr[12]), -49 * WH);
	free(hr);
}

/* Week Mon 23 - Sun 29 March 2026: Sunday has 23 hours.  Night 28->29:
 * off 22:00 CET (21:00Z) - 07:00 CEST (05:00Z) = 8 h.  Sunday: off 00-07
 * local = 6 real hours + 22-24 = 2 h; on 15 h: 3000 Wh actual, baseline
 * 23 x 200 = 4600, saved 1600.  Week: actual 21 000, baseline
 * 6 x 4800 + 4600 = 33 400, saved 12 400 Wh. */
static void week_across_spring_forward(void **state)
{
	(void)state;
	struct dc_en_span sp[21];
	struct dc_en_screen s = screen(200, 4, true);
	s.nspans = night_off(sp, 2026, 3, 23, 7);
	s.spans = sp;
	assert_int_equal(paris(2026, 3, 30, 0) - paris(2026, 3, 29, 0), 23 * H);
	struct dc_en_total sun = run_one(&s, paris(2026, 3, 29, 0), paris(2026, 3, 30, 0), NULL);
	assert_int_equal(sun.hours, 23);
	assert_int_equal(sun.actual_mwh, 3000 * WH);
	assert_int_equal(sun.baseline_mwh, 4600 * WH);
	assert_int_equal(dc_en_total_saved(&sun), 1600 * WH);
	assert_int_equal(sun.on_s, 15 * H);
	struct dc_en_total wk = run_one(&s, paris(2026, 3, 23, 0), paris(2026, 3, 30, 0), NULL);
	assert_int_equal(wk.hours, 167);
	assert_int_equal(wk.actual_mwh, 21000 * WH);
	assert_int_equal(wk.baseline_mwh, 33400 * WH);
	assert_int_equal(dc_en_total_saved(&wk), 12400 * WH);
}

/* Week Mon 19 - Sun 25 October 2026: Sunday has 25 hours; off 00-07 local
 * is 8 real hours, + 22-24: 10 h off, 15 h on: actual 3000, baseline 5000,
 * saved 2000.  Week: 21 000 / 33 800 / 12 800 Wh. */
static void week_across_fall_back(void **state)
{
	(void)state;
	struct dc_en_span sp[21];
	struct dc_en_screen s = screen(200, 4, true);
	s.nspans = night_off(sp, 2026, 10, 19, 7);
	s.spans = sp;
	assert_int_equal(paris(2026, 10, 26, 0) - paris(2026, 10, 25, 0), 25 * H);
	struct dc_en_total sun = run_one(&s, paris(2026, 10, 25, 0), paris(2026, 10, 26, 0), NULL);
	assert_int_equal(sun.hours, 25);
	assert_int_equal(sun.actual_mwh, 3000 * WH);
	assert_int_equal(sun.baseline_mwh, 5000 * WH);
	assert_int_equal(dc_en_total_saved(&sun), 2000 * WH);
	struct dc_en_total wk = run_one(&s, paris(2026, 10, 19, 0), paris(2026, 10, 26, 0), NULL);
	assert_int_equal(wk.hours, 169);
	assert_int_equal(wk.actual_mwh, 21000 * WH);
	assert_int_equal(wk.baseline_mwh, 33800 * WH);
	assert_int_equal(dc_en_total_saved(&wk), 12800 * WH);
}

/* Box offline 01:00-04:00 local (3 h, inside the off period): those hours
 * are unknown, neither consumed nor saved.  Known 21 h: actual 15 x 200 =
 * 3000, baseline 21 x 200 = 4200, saved 1200 (not 1800). */
static void box_offline_three_hours_is_unknown(void **state)
{
	(void)state;
	struct dc_en_span sp[4] = {
		{ paris(2026, 11, 23, 0), paris(2026, 11, 23, 1), DC_EN_OFF, 0 },
		{ paris(2026, 11, 23, 4), paris(2026, 11, 23, 7), DC_EN_OFF, 0 },
		{ paris(2026, 11, 23, 7), paris(2026, 11, 23, 22), DC_EN_ON, 0 },
		{ paris(2026, 11, 23, 22), paris(2026, 11, 24, 0), DC_EN_OFF, 0 },
	};
	struct dc_en_screen s = screen(200, 4, true);
	struct dc_en_hour *hr;
	s.spans = sp;
	s.nspans = 4;
	struct dc_en_total t = run_one(&s, paris(2026, 11, 23, 0), paris(2026, 11, 24, 0), &hr);
	assert_int_equal(t.unknown_s, 3 * H);
	assert_int_equal(t.known_s, 21 * H);
	assert_int_equal(t.actual_mwh, 3000 * WH);
	assert_int_equal(t.baseline_mwh, 4200 * WH);
	assert_int_equal(dc_en_total_saved(&t), 1200 * WH);
	assert_int_equal(hr[2].unknown_s, H);
	assert_int_equal(hr[2].baseline_mwh, 0);
	assert_int_equal(dc_en_saved_mwh(&hr[2]), 0);
	free(hr);
}

/* A state change inside an hour: on until 21:30 UTC, then unknown 21:30-
 * 21:45, off after.  Hour 21: 1800 s x 200 W = 100 Wh; known 2700 s;
 * baseline 2700 s x 200 W = 150 Wh. */
static void partial_hours_are_exact(void **state)
{
	(void)state;
	int64_t t0 = days(2026, 11, 23) * 86400;
	struct dc_en_span sp[2] = {
		{ t0, t0 + 21 * H + 1800, DC_EN_ON, 0 },
		{ t0 + 21 * H + 2700, t0 + 24 * H, DC_EN_OFF, 0 },
	};
	struct dc_en_screen s = screen(200, 4, true);
	struct dc_en_hour *hr;
	s.spans = sp;
	s.nspans = 2;
	run_one(&s, t0, t0 + 24 * H, &hr);
	assert_int_equal(hr[21].actual_mwh, 100 * WH);
	assert_int_equal(hr[21].known_s, 2700);
	assert_int_equal(hr[21].unknown_s, 900);
	assert_int_equal(hr[21].on_s, 1800);
	assert_int_equal(hr[21].baseline_mwh, 150 * WH);
	free(hr);
}

/* Removed at local noon on 23 Nov: morning on 7-12 = 5 h x 200 = 1000 Wh
 * (off 0-7), after removal actual 0 and no timeline at all, yet known; the
 * day's baseline is whole: 4800, saved 3800.  The next day saves 4800. */
static void removed_screen_avoids_its_whole_baseline(void **state)
{
	(void)state;
	struct dc_en_span sp[2] = {
		{ paris(2026, 11, 23, 0), paris(2026, 11, 23, 7), DC_EN_OFF, 0 },
		{ paris(2026, 11, 23, 7), paris(2026, 11, 23, 12), DC_EN_ON, 0 },
	};
	struct dc_en_screen s = screen(200, 4, true);
	s.spans = sp;
	s.nspans = 2;
	s.removed_at = paris(2026, 11, 23, 12);
	struct dc_en_total d1 = run_one(&s, paris(2026, 11, 23, 0), paris(2026, 11, 24, 0), NULL);
	assert_int_equal(d1.actual_mwh, 1000 * WH);
	assert_int_equal(d1.baseline_mwh, 4800 * WH);
	assert_int_equal(d1.unknown_s, 0);
	assert_int_equal(dc_en_total_saved(&d1), 3800 * WH);
	struct dc_en_total d2 = run_one(&s, paris(2026, 11, 24, 0), paris(2026, 11, 25, 0), NULL);
	assert_int_equal(d2.actual_mwh, 0);
	assert_int_equal(dc_en_total_saved(&d2), 4800 * WH);
	assert_int_equal(d2.on_s, 0);
}

/* Hourly readings of a 100 W screen on all day; the meter reads 0.11 kWh an
 * hour (measured beats estimated).  The meter resets between 13:00 and
 * 14:00: that hour falls back to the estimate, 100 Wh.  Day: 23 x 110 + 100
 * = 2630 Wh, 23 measured hours; baseline 2400. */
static void meter_reset_mid_day(void **state)
{
	(void)state;
	int64_t t0 = days(2026, 11, 23) * 86400;
	struct dc_en_reading r[25];
	for (int i = 0; i <= 24; i++) {
		r[i].t = t0 + i * H;
		r[i].kwh = i <= 13 ? 1000.0 + 0.11 * i : 0.05 + 0.11 * (i - 14);
		r[i].meter_gen = 7;
	}
	struct dc_en_span sp = { t0, t0 + 24 * H, DC_EN_ON, 0 };
	struct dc_en_screen s = screen(100, 2, true);
	struct dc_en_meter m = { .readings = r, .nreadings = 25 };
	struct dc_en_hour hr[24];
	s.spans = &sp;
	s.nspans = 1;
	s.meter = 0;
	struct dc_en_input in = { &s, 1, &m, 1 };
	assert_int_equal(dc_energy_hours(&in, t0, 24, hr), 0);
	struct dc_en_total t = { 0 };
	for (int i = 0; i < 24; i++) {
		dc_en_total_add(&t, &hr[i]);
		assert_int_equal(hr[i].measured, i != 13);
		assert_int_equal(hr[i].actual_mwh, i == 13 ? 100 * WH : 110 * WH);
	}
	assert_int_equal(t.actual_mwh, 2630 * WH);
	assert_int_equal(t.measured_hours, 23);
	assert_int_equal(t.baseline_mwh, 2400 * WH);
	assert_int_equal(dc_en_total_saved(&t), -230 * WH);
}

/* Each pair of readings is classified; max_w = 250 W. */
static void meter_deltas_are_classified(void **state)
{
	(void)state;
	struct dc_en_reading r[] = {
		{ 0, 99999.90, 1 },
		{ 3600, 0.05, 1 },	/* wrap at 100 000: +0.15 kWh */
		{ 7200, 0.20, 1 },	/* ok: 0.15 */
		{ 10800, 0.01, 1 },	/* reset */
		{ 14400, 50.0, 1 },	/* 50 kWh in an hour from 250 W: glitch */
		{ 18000, 50.2, 2 },	/* another meter */
		{ 25200, 50.3, 2 },	/* two hours later: gap */
		{ 27000, 50.35, 2 },	/* ok, 30 min */
	};
	struct dc_en_meter m = { .readings = r, .nreadings = 8, .rollover_kwh = 100000 };
	struct dc_en_delta d[7];
	assert_int_equal(dc_energy_meter_deltas(&m, 250, d), 7);
	assert_int_equal(d[0].kind, DC_EN_DELTA_WRAP);
	assert_int_equal(llround(d[0].wh * 1000), 150000);
	assert_int_equal(d[1].kind, DC_EN_DELTA_OK);
	assert_int_equal(d[2].kind, DC_EN_DELTA_RESET);
	assert_int_equal(d[3].kind, DC_EN_DELTA_IMPLAUSIBLE);
	assert_int_equal(d[4].kind, DC_EN_DELTA_REPLACED);
	assert_int_equal(d[5].kind, DC_EN_DELTA_GAP);
	assert_int_equal(d[6].kind, DC_EN_DELTA_OK);
	assert_int_equal(llround(d[6].wh * 1000), 50000);
	/* Without a modulus the same drop is a reset. */
	m.rollover_kwh = 0;
	dc_energy_meter_deltas(&m, 250, d);
	assert_int_equal(d[0].kind, DC_EN_DELTA_RESET);
	/* A longer allowed gap makes pair 5 usable. */
	m.max_gap_s = 3 * H;
	dc_energy_meter_deltas(&m, 250, d);
	assert_int_equal(d[5].kind, DC_EN_DELTA_OK);
}

/* A 32-bit Wh register wrapping mid-hour is measured across the wrap. */
static void meter_wrap_is_measured(void **state)
{
	(void)state;
	int64_t t0 = days(2026, 11, 23) * 86400;
	const double mod = 4294967.296;
	struct dc_en_reading r[3] = {
		{ t0, mod - 0.06, 0 }, { t0 + 1800, 0.0, 0 }, { t0 + H, 0.06, 0 },
	};
	struct dc_en_span sp = { t0, t0 + H, DC_EN_ON, 0 };
	struct dc_en_screen s = screen(100, 2, true);
	struct dc_en_meter m = { .readings = r, .nreadings = 3, .rollover_kwh = mod };
	struct dc_en_hour hr;
	s.spans = &sp;
	s.nspans = 1;
	s.meter = 0;
	struct dc_en_input in = { &s, 1, &m, 1 };
	assert_int_equal(dc_energy_hours(&in, t0, 1, &hr), 0);
	assert_true(hr.measured);
	assert_int_equal(hr.actual_mwh, 120 * WH);
}

/* One meter for A (300 W) and B (100 W), mains cut.
 * Hour 0: both on, 0.5 kWh -> by drawing power 3:1: A 375, B 125 Wh.
 * Hour 1: A off, B on, 0.11 kWh -> all to B: A 0, B 110.
 * Hour 2: A unconfirmed, B on, 0.4 kWh -> by rated power: A 300, B 100;
 *         metered time is known time.
 * Hours 3-4: readings two hours apart (gap): A unknown, B estimated 100. */
static void shared_circuit_is_split(void **state)
{
	(void)state;
	int64_t t0 = days(2026, 11, 23) * 86400;
	struct dc_en_reading r[] = {
		{ t0, 10.0, 0 }, { t0 + H, 10.5, 0 }, { t0 + 2 * H, 10.61, 0 },
		{ t0 + 3 * H, 11.01, 0 }, { t0 + 5 * H, 11.3, 0 },
	};
	struct dc_en_span a_sp[2] = { { t0, t0 + H, DC_EN_ON, 0 }, { t0 + H, t0 + 2 * H, DC_EN_OFF, 0 } };
	struct dc_en_span b_sp = { t0, t0 + 5 * H, DC_EN_ON, 0 };
	struct dc_en_screen s[2] = { screen(300, 3, true), screen(100, 1, true) };
	struct dc_en_meter m = { .readings = r, .nreadings = 5 };
	struct dc_en_hour hr[10];
	s[0].spans = a_sp;
	s[0].nspans = 2;
	s[1].spans = &b_sp;
	s[1].nspans = 1;
	s[0].meter = s[1].meter = 0;
	struct dc_en_input in = { s, 2, &m, 1 };
	assert_int_equal(dc_energy_hours(&in, t0, 5, hr), 0);
	const struct dc_en_hour *a = &hr[0], *b = &hr[5];
	assert_int_equal(a[0].actual_mwh, 375 * WH);
	assert_int_equal(b[0].actual_mwh, 125 * WH);
	assert_int_equal(a[1].actual_mwh, 0);
	assert_int_equal(b[1].actual_mwh, 110 * WH);
	assert_int_equal(a[2].actual_mwh, 300 * WH);
	assert_int_equal(b[2].actual_mwh, 100 * WH);
	for (int i = 0; i < 3; i++) {
		assert_true(a[i].measured && b[i].measured);
		assert_int_equal(a[i].known_s, H);
	}
	for (int i = 3; i < 5; i++) {
		assert_int_equal(a[i].unknown_s, H);
		assert_int_equal(a[i].actual_mwh, 0);
		assert_false(b[i].measured);
		assert_int_equal(b[i].actual_mwh, 100 * WH);
	}
	/* The meter's energy is shared, never created: hours 0-2 sum to
	 * (11.01 - 10.0) kWh. */
	int64_t sum = 0;
	for (int i = 0; i < 3; i++)
		sum += a[i].actual_mwh + b[i].actual_mwh;
	assert_int_equal(sum, 1010 * WH);
}

/* A removed screen on a shared meter gets no share: all goes to the other. */
static void removed_screen_on_shared_meter_draws_nothing(void **state)
{
	(void)state;
	int64_t t0 = days(2026, 11, 23) * 86400;
	struct dc_en_reading r[] = { { t0, 1.0, 0 }, { t0 + H, 1.12, 0 } };
	struct dc_en_span sp = { t0, t0 + H, DC_EN_ON, 0 };
	struct dc_en_screen s[2] = { screen(300, 3, true), screen(100, 1, true) };
	struct dc_en_meter m = { .readings = r, .nreadings = 2 };
	struct dc_en_hour hr[2];
	s[0].removed_at = t0 - 86400;
	s[1].spans = &sp;
	s[1].nspans = 1;
	s[0].meter = s[1].meter = 0;
	struct dc_en_input in = { s, 2, &m, 1 };
	assert_int_equal(dc_energy_hours(&in, t0, 1, hr), 0);
	assert_int_equal(hr[0].actual_mwh, 0);
	assert_int_equal(hr[0].baseline_mwh, 300 * WH);
	assert_int_equal(hr[1].actual_mwh, 120 * WH);
	assert_true(hr[1].measured);
}

static void bad_input_is_refused(void **state)
{
	(void)state;
	struct dc_en_span sp[2] = { { 0, 7200, DC_EN_ON, 0 }, { 3600, 9000, DC_EN_OFF, 0 } };
	struct dc_en_screen s = screen(100, 1, true);
	struct dc_en_hour hr[2];
	struct dc_en_input in = { &s, 1, NULL, 0 };
	assert_int_equal(dc_energy_hours(&in, 1800, 1, hr), -1);	/* not an hour */
	assert_int_equal(dc_energy_hours(&in, 0, -1, hr), -1);
	s.spans = sp;
	s.nspans = 2;
	assert_int_equal(dc_energy_hours(&in, 0, 2, hr), -1);	/* overlap */
	s.nspans = 1;
	s.meter = 0;
	assert_int_equal(dc_energy_hours(&in, 0, 2, hr), -1);	/* no such meter */
	s.meter = -1;
	assert_int_equal(dc_energy_hours(&in, 0, 2, hr), 0);
	assert_int_equal(hr[1].actual_mwh, 100 * WH);
}

/* Events of one second, in order: the last gives the state after it, and
 * a second confirmed on is on whatever follows within it. */
static void events_of_one_second_keep_their_order(void **state)
{
	(void)state;
	const int64_t t = 1000;
	struct dc_en_span sp[8];
	/* Boot "off", then the confirmed "on", in one second: on from t. */
	struct dc_en_event boot[] = { { t, DC_EN_UNKNOWN, DC_EN_UNCONFIRMED }, { t, DC_EN_OFF, 0 },
				      { t, DC_EN_ON, 0 } };
	assert_int_equal(dc_en_spans(boot, 3, 0, 2000, sp), 1);
	assert_true(sp[0].from == t && sp[0].to == 2000 && sp[0].state == DC_EN_ON);
	/* "on" then "off" in one second: that second on, then off. */
	struct dc_en_event blink[] = { { t, DC_EN_ON, 0 }, { t, DC_EN_OFF, 0 }, { t + 5, DC_EN_UNKNOWN,
										   DC_EN_OFFLINE } };
	assert_int_equal(dc_en_spans(blink, 3, 0, 2000, sp), 3);
	assert_true(sp[0].from == t && sp[0].to == t + 1 && sp[0].state == DC_EN_ON);
	assert_true(sp[1].from == t + 1 && sp[1].to == t + 5 && sp[1].state == DC_EN_OFF);
	assert_true(sp[2].from == t + 5 && sp[2].to == 2000 && sp[2].state == DC_EN_UNKNOWN &&
		    sp[2].cause == DC_EN_OFFLINE);
	/* "on" then "off" in a second followed at once by another event. */
	struct dc_en_event tight[] = { { t, DC_EN_ON, 0 }, { t, DC_EN_OFF, 0 }, { t + 1, DC_EN_OFF, 0 } };
	assert_int_equal(dc_en_spans(tight, 3, 0, 2000, sp), 2);
	assert_true(sp[0].to == t + 1 && sp[0].state == DC_EN_ON && sp[1].from == t + 1);
	/* The state in force at `from` starts the list; a cause only when unknown;
	 * nothing before the first event. */
	struct dc_en_event late[] = { { t - 10, DC_EN_ON, 0 }, { t - 10, DC_EN_UNKNOWN, DC_EN_NO_BOX },
				      { t + 10, DC_EN_OFF, DC_EN_OFFLINE } };
	assert_int_equal(dc_en_spans(late, 3, t, 2000, sp), 2);
	assert_true(sp[0].from == t && sp[0].to == t + 10 && sp[0].state == DC_EN_UNKNOWN &&
		    sp[0].cause == DC_EN_NO_BOX);
	assert_true(sp[1].state == DC_EN_OFF && sp[1].cause == 0);
	assert_int_equal(dc_en_spans(late + 2, 1, 0, 2000, sp), 1);
	assert_int_equal(sp[0].from, t + 10);
	assert_int_equal(dc_en_spans(late, 3, t, t, sp), 0);
}

/* Unknown seconds by cause add up to the unknown seconds, and count
 * neither as consumption nor as saving. */
static void unknown_time_by_cause(void **state)
{
	(void)state;
	const int64_t h0 = 3600 * 100;
	struct dc_en_span sp[] = {
		{ h0 + 600, h0 + 1200, DC_EN_UNKNOWN, DC_EN_OFFLINE },
		{ h0 + 1200, h0 + 1800, DC_EN_OFF, 0 },
		{ h0 + 1800, h0 + 2400, DC_EN_UNKNOWN, DC_EN_UNCONFIRMED },
		{ h0 + 2400, h0 + 3000, DC_EN_ON, 0 },
	};
	struct dc_en_screen scr[2] = {
		{ .power_on_w = 360, .baseline_hours = 24, .off_cuts_mains = true,
		  .removed_at = INT64_MAX, .meter = -1, .spans = sp, .nspans = 4,
		  .gap_cause = DC_EN_NO_BOX },
		{ .power_on_w = 100, .baseline_hours = 24, .removed_at = INT64_MAX, .meter = -1 },
	};
	struct dc_en_input in = { scr, 2, NULL, 0 };
	struct dc_en_hour out[2];
	assert_int_equal(dc_energy_hours(&in, h0, 1, out), 0);
	/* [0,600) and [3000,3600) uncovered: no box; 600 s offline; 600 s
	 * unconfirmed; 600 s off (saved 60 Wh), 600 s on (60 Wh used). */
	assert_int_equal(out[0].unknown_by[DC_EN_NO_BOX], 1200);
	assert_int_equal(out[0].unknown_by[DC_EN_OFFLINE], 600);
	assert_int_equal(out[0].unknown_by[DC_EN_UNCONFIRMED], 600);
	assert_int_equal(out[0].unknown_s, 2400);
	assert_int_equal(out[0].known_s, 1200);
	assert_int_equal(out[0].actual_mwh, 60 * WH);
	assert_int_equal(dc_en_saved_mwh(&out[0]), 60 * WH);
	/* A screen with no span at all: its gap cause (the default, unconfirmed). */
	assert_int_equal(out[1].unknown_by[DC_EN_UNCONFIRMED], 3600);
	assert_int_equal(out[1].actual_mwh + out[1].baseline_mwh, 0);
	struct dc_en_total t = { 0 }, u = { 0 };
	dc_en_total_add(&t, &out[0]);
	dc_en_total_merge(&u, &t);
	dc_en_total_merge(&u, &t);
	assert_int_equal(u.unknown_by[DC_EN_NO_BOX], 2400);
	assert_int_equal(u.unknown_s, 4800);
	assert_string_equal(dc_en_cause_name(DC_EN_NO_BOX), "no_box");
	assert_string_equal(dc_en_cause_name(DC_EN_CAUSES), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_of_one_second_keep_their_order),
		cmocka_unit_test(unknown_time_by_cause),
		cmocka_unit_test(week_off_at_night_mains_cut),
		cmocka_unit_test(week_off_at_night_standby),
		cmocka_unit_test(baseline_hours_are_spread_evenly),
		cmocka_unit_test(week_across_spring_forward),
		cmocka_unit_test(week_across_fall_back),
		cmocka_unit_test(box_offline_three_hours_is_unknown),
		cmocka_unit_test(partial_hours_are_exact),
		cmocka_unit_test(removed_screen_avoids_its_whole_baseline),
		cmocka_unit_test(meter_reset_mid_day),
		cmocka_unit_test(meter_deltas_are_classified),
		cmocka_unit_test(meter_wrap_is_measured),
		cmocka_unit_test(shared_circuit_is_split),
		cmocka_unit_test(removed_screen_on_shared_meter_draws_nothing),
		cmocka_unit_test(bad_input_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
