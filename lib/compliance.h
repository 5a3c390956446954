/* compliance.h — the legal night rule, screen by screen (pure: no I/O).
 *
 * Code de l'environnement R581-35: luminous advertising is switched off
 * between 01:00 and 06:00 local time.  It applies here to screens of the
 * advertising category or flagged transport street furniture, except on
 * airport premises.  Transport furniture showing fixed images may stay on
 * while the transport service runs (its service hours): an EXCEPTION; the
 * caller passes service intervals only when dc_transport_exemption_applies.  A prefectoral or
 * municipal DEROGATION (event, emergency) makes on-time lawful too.  On-time
 * covered by neither is a VIOLATION.  Time whose state is not confirmed is
 * UNKNOWN: never counted as compliant nor as a violation.
 *
 * The window is given as UTC instants by the caller, who converts local
 * 01:00 and 06:00 of the night's morning with the zone rules: 4 h on the
 * spring-forward night, 6 h on the fall-back night (docs/energy.md).
 *
 * What is lawful is not decided here: the caller passes the intervals in
 * which the engine's night rule allows on-time and why
 * (dc_schedule_night_allowances, the same evaluation as the relays obey),
 * plus any derogation recorded outside the rules file.
 */
#ifndef DECRAN_COMPLIANCE_H
#define DECRAN_COMPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy.h"
#include "i18n.h"
#include "schedule.h"
#include "screen.h"

#define DC_NIGHT_START_SOD (1 * 3600)	/* 01:00 local */
#define DC_NIGHT_END_SOD (6 * 3600)	/* 06:00 local */

struct dc_cpl_input {
	const struct dc_en_span *spans;	/* confirmed states, sorted */
	size_t nspans;
	/* Where on-time is lawful, and why (schedule.h): any order, may
	 * overlap; the reasons of overlapping intervals add up. */
	const struct dc_night_allow *allow;
	size_t nallow;
	int64_t removed_at;	/* INT64_MAX when in place; removed = off */
	enum dc_en_cause gap_cause;	/* why time no span covers is unknown */
};

enum dc_cpl_verdict {
	DC_CPL_COMPLIANT,	/* off all night */
	DC_CPL_DEROGATION,	/* on only under a derogation (and/or exception) */
	DC_CPL_EXCEPTION,	/* on only within transport service hours */
	DC_CPL_UNKNOWN,		/* no violation seen, but some time unconfirmed */
	DC_CPL_VIOLATION,	/* on outside any derogation or exception */
	DC_CPL__COUNT
};

struct dc_cpl_night {
	int64_t window_s;	/* length of the legal window (4, 5 or 6 h) */
	int64_t off_s;		/* confirmed off, or removed */
	int64_t derogation_s;	/* on, under a derogation */
	int64_t exception_s;	/* on, the rule not binding (service hours), no derogation */
	int64_t violation_s;	/* on, with no cause */
	int64_t unknown_s;	/* state not confirmed */
	int64_t unknown_by[DC_EN_CAUSES];	/* unknown_s by cause */
	enum dc_cpl_verdict verdict;
};

/* The cause of most of a night's unknown time (ties: the lower cause). */
enum dc_en_cause dc_cpl_unknown_cause(const struct dc_cpl_night *n);

/* true when the night rule applies to a screen of this category/flags. */
bool dc_cpl_applies(enum dc_category category, unsigned flags);

/* Account [ws, we) for one screen.  Returns 0, -1 when we < ws. */
int dc_cpl_night(const struct dc_cpl_input *in, int64_t ws, int64_t we, struct dc_cpl_night *out);

/* Minutes, rounded up (30 s on is "1 min", never "0"). */
static inline int64_t dc_cpl_minutes(int64_t s)
{
	return (s + 59) / 60;
}

/* The night in one sentence of `lang`: minutes on without cause, under a
 * derogation, in transport service hours, unconfirmed (and why), off.
 * Always NUL-terminated; DC_CPL_EXPLAIN_MAX is always enough. */
#define DC_CPL_EXPLAIN_MAX 512
void dc_cpl_explain(const struct dc_cpl_night *n, enum dc_lang lang, char *buf, size_t len);

const char *dc_cpl_verdict_name(enum dc_cpl_verdict v);	/* "violation"... */
const char *dc_cpl_verdict_label(enum dc_cpl_verdict v);	/* current language */

#endif
