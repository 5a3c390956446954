/* energy.c — per-screen, per-hour energy accounting (see energy.h). */
#include "energy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

double dc_energy_baseline_w(const struct dc_en_screen *s)
{
	double h = s->baseline_hours;
	if (h < 0)
		h = 0;
	if (h > 24)
		h = 24;
	return (s->power_on_w * h + s->power_standby_w * (24.0 - h)) / 24.0;
}

/* ---- Meter deltas ------------------------------------------------------ */

size_t dc_energy_meter_deltas(const struct dc_en_meter *m, double max_w, struct dc_en_delta *out)
{
	int64_t max_gap = m->max_gap_s > 0 ? m->max_gap_s : DC_EN_MAX_GAP_DEFAULT;
	size_t n = 0;

	for (size_t i = 1; i < m->nreadings; i++) {
		const struct dc_en_reading *a = &m->readings[i - 1], *b = &m->readings[i];
		struct dc_en_delta *d = &out[n++];
		int64_t dt = b->t - a->t;
		double kwh = b->kwh - a->kwh;
		/* Rounding slack: a counter with 0.01 kWh steps may read one
		 * step more than the circuit's steady power allows. */
		double max_kwh = max_w * (double)dt / 3.6e6 + 0.01;

		d->from = a->t;
		d->to = b->t;
		d->wh = 0;
		if (dt <= 0 || !isfinite(a->kwh) || !isfinite(b->kwh) || a->kwh < 0 || b->kwh < 0)
			d->kind = DC_EN_DELTA_IMPLAUSIBLE;
		else if (a->meter_gen != b->meter_gen)
			d->kind = DC_EN_DELTA_REPLACED;
		else if (dt > max_gap)
			d->kind = DC_EN_DELTA_GAP;
		else if (kwh < 0) {
			/* Back to a small value: a wrap if the counter has a
			 * modulus and the wrapped delta fits the circuit, else a
			 * reset whose lost part is unknowable. */
			double wrapped = kwh + m->rollover_kwh;
			if (m->rollover_kwh > 0 && wrapped >= 0 && wrapped <= max_kwh) {
				d->kind = DC_EN_DELTA_WRAP;
				d->wh = wrapped * 1000.0;
			} else {
				d->kind = DC_EN_DELTA_RESET;
			}
		} else if (kwh > max_kwh) {
			d->kind = DC_EN_DELTA_IMPLAUSIBLE;
		} else {
			d->kind = DC_EN_DELTA_OK;
			d->wh = kwh * 1000.0;
		}
	}
	return n;
}

/* ---- Per-hour accounting ------------------------------------------------ */

static bool spans_valid(const struct dc_en_screen *s)
{
	for (size_t i = 0; i < s->nspans; i++) {
		if (s->spans[i].to <= s->spans[i].from)
			return false;
		if (i > 0 && s->spans[i].from < s->spans[i - 1].to)
			return false;
	}
	return true;
}

/* The span covering instant t (spans are [from, to)), NULL when none. */
static const struct dc_en_span *span_at(const struct dc_en_screen *s, int64_t t)
{
	size_t lo = 0, hi = s->nspans;
	while (lo < hi) {	/* first span with to > t */
		size_t mid = lo + (hi - lo) / 2;
		if (s->spans[mid].to <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nspans && s->spans[lo].from <= t)
		return &s->spans[lo];
	return NULL;
}

static const struct dc_en_delta *delta_at(const struct dc_en_delta *d, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d[mid].to <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && d[lo].from <= t && dc_en_delta_usable(d[lo].kind))
		return &d[lo];
	return NULL;
}

/* Growable list of instants that cut an hour into pieces. */
struct cuts {
	int64_t *t;
	size_t n, cap;
};

static int cut_push(struct cuts *c, int64_t t)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		int64_t *p = realloc(c->t, cap * sizeof *p);
		if (!p)
			return -1;
		c->t = p;
		c->cap = cap;
	}
	c->t[c->n++] = t;
	return 0;
}

/* Add t when it falls strictly inside the hour (hs, he). */
static int cut_add(struct cuts *c, int64_t t, int64_t hs, int64_t he)
{
	return t <= hs || t >= he ? 0 : cut_push(c, t);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Cut points of the span list inside (hs, he). */
static int cut_spans(struct cuts *c, const struct dc_en_screen *s, int64_t hs, int64_t he)
{
	size_t lo = 0, hi = s->nspans;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->spans[mid].to <= hs)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->nspans && s->spans[i].from < he; i++)
		if (cut_add(c, s->spans[i].from, hs, he) < 0 || cut_add(c, s->spans[i].to, hs, he) < 0)
			return -1;
	return 0;
}

static int cut_deltas(struct cuts *c, const struct dc_en_delta *d, size_t n, int64_t hs, int64_t he)
{
	for (size_t i = 0; i < n; i++) {	/* few deltas per hour: callers pass a window */
		if (d[i].to <= hs)
			continue;
		if (d[i].from >= he)
			break;
		if (cut_add(c, d[i].from, hs, he) < 0 || cut_add(c, d[i].to, hs, he) < 0)
			return -1;
	}
	return 0;
}

/* Accumulators of one member of a circuit for the current hour (W·s). */
struct acc {
	double actual_ws, baseline_ws;
	int32_t known_s, unknown_s, on_s, measured_s, in_place_known_s;
	int32_t unknown_by[DC_EN_CAUSES];
	enum dc_en_cause why;	/* of the current piece, when unknown */
};

static int64_t ws_to_mwh(double ws)
{
	return llround(ws / 3.6);	/* 1 mWh = 3.6 W·s */
}

/* One circuit: the screens `mem` (indexes into in->screens) behind one
 * meter (deltas may be NULL when unmetered). */
static int do_circuit(const struct dc_en_input *in, const size_t *mem, size_t k,
		      const struct dc_en_delta *deltas, size_t nd, int64_t from, int nhours,
		      struct dc_en_hour *out, struct cuts *cuts, struct acc *acc, double *w)
{
	size_t dfirst = 0;	/* first delta that may reach the current hour */

	for (int h = 0; h < nhours; h++) {
		int64_t hs = from + (int64_t)h * 3600, he = hs + 3600;

		cuts->n = 0;
		for (size_t j = 0; j < k; j++) {
			const struct dc_en_screen *s = &in->screens[mem[j]];
			if (cut_spans(cuts, s, hs, he) < 0 || cut_add(cuts, s->removed_at, hs, he) < 0)
				return -1;
		}
		while (dfirst < nd && deltas[dfirst].to <= hs)
			dfirst++;
		if (cut_deltas(cuts, deltas + dfirst, nd - dfirst, hs, he) < 0 ||
		    cut_push(cuts, hs) < 0 || cut_push(cuts, he) < 0)
			return -1;
		qsort(cuts->t, cuts->n, sizeof *cuts->t, cmp_i64);
		memset(acc, 0, k * sizeof *acc);

		for (size_t p = 0; p + 1 < cuts->n; p++) {
			int64_t a = cuts->t[p], b = cuts->t[p + 1];
			if (b == a)
				continue;
			int32_t d = (int32_t)(b - a);
			const struct dc_en_delta *md = deltas ? delta_at(deltas + dfirst, nd - dfirst, a) : NULL;
			double est_sum = 0, rated_sum = 0;
			size_t active = 0;
			bool all_known = true;

			/* Estimated power of each screen in place; NAN when unknown. */
			for (size_t j = 0; j < k; j++) {
				const struct dc_en_screen *s = &in->screens[mem[j]];
				if (a >= s->removed_at) {
					w[j] = NAN;
					continue;
				}
				active++;
				rated_sum += s->power_on_w;
				const struct dc_en_span *sp = span_at(s, a);
				acc[j].why = sp ? sp->cause : s->gap_cause;
				switch (sp ? sp->state : DC_EN_UNKNOWN) {
				case DC_EN_ON:
					w[j] = s->power_on_w;
					acc[j].on_s += d;
					break;
				case DC_EN_OFF:
					w[j] = s->off_cuts_mains ? 0 : s->power_standby_w;
					break;
				default:
					w[j] = -1;
					all_known = false;
					break;
				}
				if (w[j] >= 0)
					est_sum += w[j];
			}

			for (size_t j = 0; j < k; j++) {
				const struct dc_en_screen *s = &in->screens[mem[j]];
				double base_ws = dc_energy_baseline_w(s) * d;
				if (a >= s->removed_at) {
					/* Gone: draws nothing, avoids its whole baseline. */
					acc[j].baseline_ws += base_ws;
					acc[j].known_s += d;
					continue;
				}
				if (md) {
					/* The circuit's measured energy, shared by what
					 * each screen was drawing; by rated power when a
					 * state is unknown or all drew nothing. */
					double e = md->wh * 3600.0 * d / (double)(md->to - md->from), share;
					if (all_known && est_sum > 0)
						share = w[j] / est_sum;
					else if (rated_sum > 0)
						share = s->power_on_w / rated_sum;
					else
						share = 1.0 / (double)active;
					acc[j].actual_ws += e * share;
					acc[j].measured_s += d;
				} else if (w[j] >= 0) {
					acc[j].actual_ws += w[j] * d;
				} else {
					acc[j].unknown_s += d;
					acc[j].unknown_by[(unsigned)acc[j].why < DC_EN_CAUSES
								  ? acc[j].why : DC_EN_UNCONFIRMED] += d;
					continue;
				}
				acc[j].baseline_ws += base_ws;
				acc[j].known_s += d;
				acc[j].in_place_known_s += d;
			}
		}

		for (size_t j = 0; j < k; j++) {
			struct dc_en_hour *o = &out[mem[j] * (size_t)nhours + (size_t)h];
			o->actual_mwh = ws_to_mwh(acc[j].actual_ws);
			o->baseline_mwh = ws_to_mwh(acc[j].baseline_ws);
			o->known_s = acc[j].known_s;
			o->unknown_s = acc[j].unknown_s;
			memcpy(o->unknown_by, acc[j].unknown_by, sizeof o->unknown_by);
			o->on_s = acc[j].on_s;
			o->measured = acc[j].in_place_known_s > 0 &&
				acc[j].measured_s == acc[j].in_place_known_s;
		}
	}
	return 0;
}

int dc_energy_hours(const struct dc_en_input *in, int64_t from, int nhours,
		    struct dc_en_hour *out)
{
	if (nhours < 0 || from % 3600 != 0)
		return -1;
	for (size_t i = 0; i < in->nscreens; i++) {
		const struct dc_en_screen *s = &in->screens[i];
		if (!spans_valid(s) || s->meter < -1 || (s->meter >= 0 && (size_t)s->meter >= in->nmeters))
			return -1;
	}
	if (nhours == 0 || in->nscreens == 0)
		return 0;

	int rc = -1;
	struct cuts cuts = { 0 };
	size_t *mem = malloc(in->nscreens * sizeof *mem);
	struct acc *acc = malloc(in->nscreens * sizeof *acc);
	double *w = malloc(in->nscreens * sizeof *w);
	struct dc_en_delta *deltas = NULL;
	if (!mem || !acc || !w)
		goto out;

	/* Unmetered screens: a circuit of one. */
	for (size_t i = 0; i < in->nscreens; i++) {
		if (in->screens[i].meter >= 0)
			continue;
		mem[0] = i;
		if (do_circuit(in, mem, 1, NULL, 0, from, nhours, out, &cuts, acc, w) < 0)
			goto out;
	}
	for (size_t m = 0; m < in->nmeters; m++) {
		const struct dc_en_meter *mt = &in->meters[m];
		size_t k = 0;
		double rated = 0;
		for (size_t i = 0; i < in->nscreens; i++)
			if (in->screens[i].meter == (int)m) {
				mem[k++] = i;
				rated += in->screens[i].power_on_w;
			}
		if (k == 0)
			continue;
		size_t nd = 0;
		free(deltas);
		deltas = NULL;
		if (mt->nreadings > 1) {
			deltas = malloc((mt->nreadings - 1) * sizeof *deltas);
			if (!deltas)
				goto out;
			/* Twice the rated power plus the box itself: more than
			 * that is a glitch, not consumption. */
			nd = dc_energy_meter_deltas(mt, 2.0 * rated + 50.0, deltas);
		}
		if (do_circuit(in, mem, k, deltas, nd, from, nhours, out, &cuts, acc, w) < 0)
			goto out;
	}
	rc = 0;
out:
	free(cuts.t);
	free(mem);
	free(acc);
	free(w);
	free(deltas);
	return rc;
}

void dc_en_total_add(struct dc_en_total *t, const struct dc_en_hour *h)
{
	t->actual_mwh += h->actual_mwh;
	t->baseline_mwh += h->baseline_mwh;
	t->known_s += h->known_s;
	t->unknown_s += h->unknown_s;
	t->on_s += h->on_s;
	t->hours++;
	t->measured_hours += h->measured;
	for (int c = 0; c < DC_EN_CAUSES; c++)
		t->unknown_by[c] += h->unknown_by[c];
}

void dc_en_total_merge(struct dc_en_total *t, const struct dc_en_total *x)
{
	t->actual_mwh += x->actual_mwh;
	t->baseline_mwh += x->baseline_mwh;
	t->known_s += x->known_s;
	t->unknown_s += x->unknown_s;
	t->on_s += x->on_s;
	t->hours += x->hours;
	t->measured_hours += x->measured_hours;
	for (int c = 0; c < DC_EN_CAUSES; c++)
		t->unknown_by[c] += x->unknown_by[c];
}

/* ---- Events to spans ---------------------------------------------------- */

static size_t emit(struct dc_en_span *out, size_t n, int64_t a, int64_t b, int64_t from,
		   int64_t to, enum dc_en_state state, enum dc_en_cause cause)
{
	if (a < from)
		a = from;
	if (b > to)
		b = to;
	if (b <= a)
		return n;
	out[n] = (struct dc_en_span){ a, b, state, state == DC_EN_UNKNOWN ? cause : 0 };
	return n + 1;
}

size_t dc_en_spans(const struct dc_en_event *ev, size_t n, int64_t from, int64_t to,
		   struct dc_en_span *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		int64_t sec = ev[i].at;
		bool on = false;
		size_t j = i;
		for (; j < n && ev[j].at == sec; j++)
			on |= ev[j].state == DC_EN_ON;
		const struct dc_en_event *last = &ev[j - 1];
		int64_t next = j < n ? ev[j].at : to;
		int64_t after = sec;
		if (on && last->state != DC_EN_ON) {
			/* Confirmed on within this second: it is not saved time. */
			after = sec + 1 < next ? sec + 1 : next;
			k = emit(out, k, sec, after, from, to, DC_EN_ON, 0);
		}
		k = emit(out, k, after, next, from, to, last->state, last->cause);
		i = j;
	}
	return k;
}

const char *dc_en_cause_name(enum dc_en_cause c)
{
	static const char *const names[DC_EN_CAUSES] = { "unconfirmed", "offline", "no_box" };
	return (unsigned)c < DC_EN_CAUSES ? names[c] : "?";
}

const char *dc_en_cause_label(enum dc_en_cause c)
{
	static const char *const fr[DC_EN_CAUSES] = {
		"état non confirmé", "boîtier hors ligne", "aucun boîtier",
	};
	static const char *const en[DC_EN_CAUSES] = {
		"state unconfirmed", "box offline", "no box",
	};
	return (unsigned)c < DC_EN_CAUSES ? TR(fr[c], en[c]) : "?";
}

const char *dc_en_state_name(enum dc_en_state s)
{
	static const char *const names[] = { "unknown", "off", "on" };
	return (unsigned)s <= DC_EN_ON ? names[s] : "?";
}

const char *dc_en_event_label(const struct dc_en_event *e, char *buf, size_t len)
{
	if (e->state == DC_EN_ON)
		snprintf(buf, len, "%s", TR("allumé", "on"));
	else if (e->state == DC_EN_OFF)
		snprintf(buf, len, "%s", TR("éteint", "off"));
	else
		snprintf(buf, len, "%s (%s)", TR("inconnu", "unknown"), dc_en_cause_label(e->cause));
	return buf;
}
