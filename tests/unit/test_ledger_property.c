/* test_ledger_property.c — the ledger against a second-by-second model, over
 * random event sequences (seeded, bounded): several events in one second,
 * gateway restarts and box boots, offline gaps, a screen with no box and
 * one whose box is removed, late copies from the import, late events, and
 * updates at random cut points.
 *
 * For every screen and hour: the seconds on, known and unknown by cause
 * are the model's; consumption is exactly the on seconds at full power and
 * the baseline exactly the known seconds' (so no saving is ever counted for
 * a second the relay was confirmed on, and unknown time counts neither as
 * consumption nor as saving); and a rebuild gives the incremental rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>

#include "clock.h"
#include "i18n.h"
#include "ledger.h"
#include "store.h"
#include "fixture_ledger.h"

#define H 3600
#define RUNS 12
#define SPAN_S (2 * 86400)	/* each run: two days */
#define NSCREENS 3
#define MAXEV 400
/* Monday 23 November 2026 00:00 in Paris (UTC+1). */
#define T0 (INT64_C(1795392000) - H)

static const char *const ids[NSCREENS] = { "pub", "info", "loose" };
static const double power_on[NSCREENS] = { 200, 90, 50 };

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

static int64_t below(int64_t n)
{
	return (int64_t)(next() % (uint64_t)n);
}

/* The model: events in the order the ledger received them (APPEND). */
struct model {
	struct dc_en_event ev[NSCREENS][MAXEV];
	size_t n[NSCREENS];
	int64_t unbound;	/* when "info" lost its box; INT64_MAX: never */
};

static void feed(struct fx *f, struct model *m, int s, int64_t at, enum dc_en_state st,
		 enum dc_en_cause cause)
{
	char err[256];
	if (m->n[s] == MAXEV)
		return;
	int r = dc_ledger_record(f->st, ids[s], at, st, cause, DC_LEDGER_APPEND, err, sizeof err);
	assert_true(r >= 0);
	/* The model orders by second, then by arrival: a late event lands
	 * after the events of its own second already there. */
	if (st != DC_EN_UNKNOWN)
		cause = 0;
	size_t i = m->n[s];
	while (i > 0 && m->ev[s][i - 1].at > at)
		i--;
	bool same = i > 0 && m->ev[s][i - 1].at == at && m->ev[s][i - 1].state == st &&
		m->ev[s][i - 1].cause == cause;
	assert_int_equal(r, same ? 0 : 1);
	if (same)
		return;
	memmove(&m->ev[s][i + 1], &m->ev[s][i], (m->n[s] - i) * sizeof m->ev[s][0]);
	m->ev[s][i] = (struct dc_en_event){ at, st, cause };
	m->n[s]++;
}

/* A late copy of an event already fed (the import): never a new row. */
static void copy(struct fx *f, const struct model *m, int s)
{
	char err[256];
	if (!m->n[s])
		return;
	const struct dc_en_event *e = &m->ev[s][below((int64_t)m->n[s])];
	assert_int_equal(dc_ledger_record(f->st, ids[s], e->at, e->state, e->cause,
					  DC_LEDGER_IMPORTED, err, sizeof err), 0);
}

/* The state of every second of [from, to) by the rule of docs/energy.md:
 * a second with a confirmed "on" is on; else the last event of the second;
 * else the state after the previous second; before any event, the gap. */
static void model_seconds(const struct model *m, int s, int64_t from, int64_t to,
			  struct dc_en_span *sec)
{
	enum dc_en_state cur = DC_EN_UNKNOWN;
	bool no_box = s == 2 || (s == 1 && m->unbound != INT64_MAX);	/* today's inventory */
	enum dc_en_cause why = no_box ? DC_EN_NO_BOX : DC_EN_UNCONFIRMED;
	size_t k = 0;
	for (int64_t t = from; t < to; t++) {
		bool on = false;
		while (k < m->n[s] && m->ev[s][k].at <= t) {
			if (m->ev[s][k].at == t)
				on |= m->ev[s][k].state == DC_EN_ON;
			cur = m->ev[s][k].state;
			why = m->ev[s][k].cause;
			k++;
		}
		struct dc_en_span *x = &sec[t - from];
		*x = (struct dc_en_span){ t, t + 1, on ? DC_EN_ON : cur, on ? 0 : why };
		if (s == 1 && t >= m->unbound)
			*x = (struct dc_en_span){ t, t + 1, DC_EN_UNKNOWN, DC_EN_NO_BOX };
	}
}

static void check_against_model(struct fx *f, const struct model *m, int64_t start, int64_t end,
				uint64_t seed)
{
	struct dc_en_span *sec = malloc((size_t)(end - start) * sizeof *sec);
	sqlite3_stmt *q;
	assert_non_null(sec);
	assert_int_equal(sqlite3_prepare_v2(dc_store_db(f->st),
					    "SELECT hour, actual_mwh, baseline_mwh, known_s, unknown_s, on_s,"
					    " unconfirmed_s, offline_s, no_box_s FROM energy_hour WHERE"
					    " screen_id = ?1 ORDER BY hour", -1, &q, NULL), SQLITE_OK);
	for (int s = 0; s < NSCREENS; s++) {
		model_seconds(m, s, start, end, sec);
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, ids[s], -1, SQLITE_STATIC);
		int64_t hour = start;
		while (sqlite3_step(q) == SQLITE_ROW) {
			int64_t want[6] = { 0 };	/* on, off, unconfirmed, offline, no box */
			assert_int_equal(sqlite3_column_int64(q, 0), hour);
			for (int64_t t = hour; t < hour + H; t++) {
				const struct dc_en_span *x = &sec[t - start];
				if (x->state == DC_EN_ON)
					want[0]++;
				else if (x->state == DC_EN_OFF)
					want[1]++;
				else
					want[2 + x->cause]++;
			}
			int64_t actual = sqlite3_column_int64(q, 1), base = sqlite3_column_int64(q, 2);
			int64_t known = sqlite3_column_int64(q, 3), unknown = sqlite3_column_int64(q, 4);
			int64_t on = sqlite3_column_int64(q, 5);
			if (on != want[0] || known != want[0] + want[1] ||
			    sqlite3_column_int64(q, 6) != want[2] || sqlite3_column_int64(q, 7) != want[3] ||
			    sqlite3_column_int64(q, 8) != want[4] || unknown != want[2] + want[3] + want[4])
				fail_msg("seed %llu, %s, hour %lld: on %lld known %lld unknown %lld "
					 "(%lld/%lld/%lld); model on %lld off %lld unknown %lld/%lld/%lld",
					 (unsigned long long)seed, ids[s], (long long)hour, (long long)on,
					 (long long)known, (long long)unknown,
					 (long long)sqlite3_column_int64(q, 6),
					 (long long)sqlite3_column_int64(q, 7),
					 (long long)sqlite3_column_int64(q, 8), (long long)want[0],
					 (long long)want[1], (long long)want[2], (long long)want[3],
					 (long long)want[4]);
			/* Relays cut the mains, baseline 24 h a day: consumption is the
			 * on seconds at full power, the baseline the known seconds'. */
			assert_int_equal(actual, llround((double)on * power_on[s] / 3.6));
			assert_int_equal(base, llround((double)known * power_on[s] / 3.6));
			hour += H;
		}
		assert_int_equal(hour, end);
	}
	sqlite3_finalize(q);
	free(sec);
}

static void put(struct fx *f, int s, bool bound)
{
	struct dc_screen sc;
	dc_screen_init(&sc);
	snprintf(sc.id, sizeof sc.id, "%s", ids[s]);
	snprintf(sc.name, sizeof sc.name, "Écran %s", ids[s]);
	sc.category = DC_CAT_ADVERTISING;
	sc.power_on_w = power_on[s];
	sc.power_standby_w = 1;
	sc.baseline_hours = 24;
	if (bound) {
		snprintf(sc.box, sizeof sc.box, "b1");
		sc.channel = s + 1;
	}
	assert_int_equal(dc_store_put_screen(f->st, &sc, "test", NULL), 0);
}

static void one_run(struct fx *f, uint64_t seed)
{
	static struct model m;
	char err[256];
	struct dc_clock clk;
	memset(&m, 0, sizeof m);
	m.unbound = INT64_MAX;
	rng = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
	put(f, 0, true);
	put(f, 1, true);
	put(f, 2, false);
	/* "info" loses its box at a random instant in half the runs. */
	int64_t unbind = below(2) ? T0 + 3600 + below(SPAN_S - 7200) : INT64_MAX;

	int64_t now = T0 + below(600), first = now;
	while (now < T0 + SPAN_S) {
		int kind = (int)below(100);
		if (kind < 8) {
			/* Gateway start or box boot: unconfirmed, then often the boot
			 * "off" and the "on" confirmed in that very second. */
			for (int s = 0; s < 2; s++) {
				feed(f, &m, s, now, DC_EN_UNKNOWN, DC_EN_UNCONFIRMED);
				if (below(2))
					feed(f, &m, s, now, DC_EN_OFF, 0);
				if (below(2))
					feed(f, &m, s, now, DC_EN_ON, 0);
			}
		} else if (kind < 14) {
			feed(f, &m, (int)below(2), now, DC_EN_UNKNOWN, DC_EN_OFFLINE);
		} else if (kind < 20) {
			/* A state logged by hand for the screen with no box. */
			feed(f, &m, 2, now, (enum dc_en_state)below(3), DC_EN_UNCONFIRMED);
		} else if (kind < 25) {
			/* A late event, a little in the past (gateway records imported). */
			int s = (int)below(2);
			int64_t at = now - below(4 * H);
			feed(f, &m, s, at < first ? first : at, (enum dc_en_state)below(3),
			     (enum dc_en_cause)below(2));
		} else if (kind < 35) {
			copy(f, &m, (int)below(3));
		} else {
			/* A state or a few in the same second (relay test: off, on, off). */
			int s = (int)below(2), k = 1 + (below(4) == 0 ? (int)below(3) : 0);
			for (int i = 0; i < k; i++)
				feed(f, &m, s, now, (enum dc_en_state)(1 + below(2)), 0);
		}
		if (unbind != INT64_MAX && now >= unbind && m.unbound == INT64_MAX) {
			char spec[40], at[32];
			snprintf(spec, sizeof spec, "%s,1", dc_format_utc(at, sizeof at, unbind));
			assert_int_equal(dc_clock_init_spec(&clk, spec, err, sizeof err), 0);
			dc_store_set_clock(f->st, &clk);
			put(f, 1, false);
			dc_store_set_clock(f->st, NULL);
			m.unbound = unbind;
		}
		if (below(6) == 0)
			assert_int_equal(dc_ledger_update(f->st, &f->cfg, now, err, sizeof err), 0);
		/* The next event: often the same second, else seconds to hours. */
		now += below(3) == 0 ? 0 : below(3) == 0 ? 1 + below(5) : 1 + below(2 * H);
	}
	int64_t end = T0 + SPAN_S;
	assert_int_equal(dc_ledger_update(f->st, &f->cfg, end, err, sizeof err), 0);
	int64_t start = first - first % H;
	check_against_model(f, &m, start, end, seed);
	if (!fx_rebuild_equals(f, end))
		fail_msg("seed %llu: rebuild differs from the incremental ledger",
			 (unsigned long long)seed);
}

static void ledger_follows_the_model(void **state)
{
	for (uint64_t seed = 1; seed <= RUNS; seed++) {
		void *p = NULL;
		assert_int_equal(fx_setup(&p, DC_LANG_EN), 0);
		one_run(p, seed);
		assert_int_equal(teardown(&p), 0);
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ledger_follows_the_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
