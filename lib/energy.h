/* energy.h — the energy ledger's arithmetic (pure: no I/O, no clock).
 *
 * Input, per screen: a timeline of CONFIRMED states (on / off, or unknown
 * with its cause; an instant not covered is unknown for the screen's
 * `gap_cause`), built from ordered events by dc_en_spans(), its inventory
 * figures, whether "off" cuts the mains (0 W) or leaves it in standby, and
 * optionally the meter measuring its circuit (a kWh counter read at UTC
 * instants, possibly shared by several screens).
 *
 * Output, per screen and per UTC hour: actual and baseline energy in integer
 * milliwatt-hours (saved = baseline - actual, exactly), known and unknown
 * seconds, and whether the actual figure is measured or estimated.  Hours are
 * UTC so that a 23- or 25-hour local day is simply 23 or 25 rows; French
 * offsets are whole hours, so each UTC hour is one local hour too.
 *
 * Honesty rules (docs/energy.md):
 *  - unknown time counts neither as consumption nor as saving: its baseline
 *    is left out of the hour's baseline as well;
 *  - from its removal instant a screen draws 0 and avoids its whole baseline,
 *    whatever its timeline or meter say;
 *  - the baseline (baseline_hours per day) is spread evenly over the day's
 *    real hours: each hour weighs (P_on*h + P_standby*(24-h)) / 24.
 *    An hour's saving may thus be negative (screen on in the daytime); only
 *    day and longer totals are meaningful, and they are exact.
 *  - a meter delta is used only when it is trustworthy (same meter, no reset,
 *    plausible for the circuit, readings close enough): otherwise the time
 *    falls back to estimation from confirmed states.
 */
#ifndef DECRAN_ENERGY_H
#define DECRAN_ENERGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dc_en_state { DC_EN_UNKNOWN = 0, DC_EN_OFF = 1, DC_EN_ON = 2 };

/* Why a state is unknown: the box is online but has not confirmed it (a
 * start, a reconnection, a command in flight), the box is offline, or no
 * box is bound to the screen.  Reports keep them apart; none of them is
 * ever counted as consumption or saving. */
enum dc_en_cause { DC_EN_UNCONFIRMED = 0, DC_EN_OFFLINE = 1, DC_EN_NO_BOX = 2, DC_EN_CAUSES };

/* Confirmed state over [from, to) UTC seconds; `cause` says why when the
 * state is DC_EN_UNKNOWN (0 otherwise). */
struct dc_en_span {
	int64_t from, to;
	enum dc_en_state state;
	enum dc_en_cause cause;
};

/* One input event: the state from instant `at` on.  Several events may
 * share a second; they are passed in the order they happened. */
struct dc_en_event {
	int64_t at;
	enum dc_en_state state;
	enum dc_en_cause cause;
};

/* Spans over [from, to) from events sorted by instant, then by order of
 * arrival (the first may be before `from`: the state in force then).  The
 * last event of a second gives the state after it; a second in which the
 * relay was confirmed on counts as on, whatever followed within it (a
 * boot "off" and a confirmed "on" in one second is on; "on" then "off" is
 * one second on, then off): never a saving for time the relay was on.
 * Time before the first event is left uncovered.  out holds 2 * n spans;
 * returns the number written. */
size_t dc_en_spans(const struct dc_en_event *ev, size_t n, int64_t from, int64_t to,
		   struct dc_en_span *out);

const char *dc_en_cause_name(enum dc_en_cause c);	/* "unconfirmed", "offline", "no_box" */
const char *dc_en_cause_label(enum dc_en_cause c);	/* current language */
const char *dc_en_state_name(enum dc_en_state s);	/* "unknown", "off", "on" */
/* "allumé", "éteint", "inconnu (boîtier hors ligne)"... in the current
 * language, into buf. */
const char *dc_en_event_label(const struct dc_en_event *e, char *buf, size_t len);

/* One meter reading: the counter's value at instant t.  `meter_gen`
 * identifies the physical meter (serial number, or a number bumped when it
 * is replaced): readings of different meters are never subtracted. */
struct dc_en_reading {
	int64_t t;
	double kwh;
	uint32_t meter_gen;
};

struct dc_en_meter {
	const struct dc_en_reading *readings;	/* sorted by t */
	size_t nreadings;
	/* Counter modulus in kWh (e.g. 4294967.296 for a 32-bit Wh register,
	 * 100000 for a 5+2 digit display), 0 when the counter never wraps. */
	double rollover_kwh;
	/* Two readings further apart than this are not used (the energy
	 * between them cannot be placed in hours honestly); 0 = default. */
	int64_t max_gap_s;
};
#define DC_EN_MAX_GAP_DEFAULT 3600

struct dc_en_screen {
	double power_on_w, power_standby_w;	/* inventory, W */
	double baseline_hours;	/* hours/day on before the plan, 0..24 */
	bool off_cuts_mains;	/* the relay cuts the supply: off = 0 W */
	int64_t removed_at;	/* UTC instant of removal; INT64_MAX when in place */
	int meter;		/* index in dc_en_input.meters, or -1 */
	const struct dc_en_span *spans;	/* sorted, non-overlapping */
	size_t nspans;
	enum dc_en_cause gap_cause;	/* of time no span covers */
};

struct dc_en_input {
	const struct dc_en_screen *screens;
	size_t nscreens;
	const struct dc_en_meter *meters;
	size_t nmeters;
};

struct dc_en_hour {
	int64_t actual_mwh;	/* consumption over the known seconds */
	int64_t baseline_mwh;	/* baseline over the known seconds */
	int32_t known_s;	/* confirmed, metered, or after removal */
	int32_t unknown_s;	/* known_s + unknown_s = 3600 */
	int32_t unknown_by[DC_EN_CAUSES];	/* unknown_s by cause (sum = unknown_s) */
	int32_t on_s;		/* confirmed on (removed: 0) */
	bool measured;		/* every known second of a screen in place was metered */
};

/* Fill out[s * nhours + h] for each screen s and each hour h starting at
 * `from` (a multiple of 3600).  Returns 0, or -1 when `from` is not an hour,
 * nhours < 0, a span list is unsorted/overlapping, or a meter index is bad. */
int dc_energy_hours(const struct dc_en_input *in, int64_t from, int nhours,
		    struct dc_en_hour *out);

static inline int64_t dc_en_saved_mwh(const struct dc_en_hour *h)
{
	return h->baseline_mwh - h->actual_mwh;
}

/* Baseline power of a screen, W: (P_on*h + P_standby*(24-h)) / 24. */
double dc_energy_baseline_w(const struct dc_en_screen *s);

/* ---- Meter deltas (exposed for tests and diagnostics) ---- */
enum dc_en_delta_kind {
	DC_EN_DELTA_OK,		/* counter advanced normally */
	DC_EN_DELTA_WRAP,	/* counter rolled over its modulus: used */
	DC_EN_DELTA_RESET,	/* counter went back (meter reset): not used */
	DC_EN_DELTA_REPLACED,	/* a different meter: not used */
	DC_EN_DELTA_IMPLAUSIBLE,	/* more than the circuit can draw: not used */
	DC_EN_DELTA_GAP,	/* readings too far apart: not used */
};
struct dc_en_delta {
	int64_t from, to;
	double wh;		/* energy over [from, to) when usable */
	enum dc_en_delta_kind kind;
};
static inline bool dc_en_delta_usable(enum dc_en_delta_kind k)
{
	return k == DC_EN_DELTA_OK || k == DC_EN_DELTA_WRAP;
}
/* Classify the n-1 consecutive pairs of m's readings into out (n-1 slots).
 * max_w is the most the circuit can plausibly draw (W).  Returns the count. */
size_t dc_energy_meter_deltas(const struct dc_en_meter *m, double max_w, struct dc_en_delta *out);

/* ---- Roll-ups and conversions ---- */
struct dc_en_total {
	int64_t actual_mwh, baseline_mwh;
	int64_t known_s, unknown_s, on_s;
	int64_t hours, measured_hours;
	int64_t unknown_by[DC_EN_CAUSES];	/* unknown_s by cause */
};
void dc_en_total_add(struct dc_en_total *t, const struct dc_en_hour *h);
void dc_en_total_merge(struct dc_en_total *t, const struct dc_en_total *x);	/* t += x */
static inline int64_t dc_en_total_saved(const struct dc_en_total *t)
{
	return t->baseline_mwh - t->actual_mwh;
}

/* Default conversion factors; sources in docs/energy.md and
 * gateway/energy.example.json. */
/* EDF "Tarif Bleu" regulated tariff, option Base, all taxes included, in
 * force from 1 February 2024: 0.2516 EUR/kWh.  A placeholder until the
 * council configures the price of its own supply contract. */
#define DC_EN_DEFAULT_EUR_PER_KWH 0.2516
/* ADEME Base Empreinte, French electricity, average mix, consumption
 * (life-cycle, mainland France): about 0.052 kgCO2e/kWh. */
#define DC_EN_DEFAULT_KGCO2E_PER_KWH 0.052

struct dc_en_factors {
	double eur_per_kwh;
	double kgco2e_per_kwh;
};
static inline double dc_en_kwh(int64_t mwh)
{
	return (double)mwh / 1e6;
}

#endif
