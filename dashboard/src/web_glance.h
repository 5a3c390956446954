/* web_glance.h — the elected official's one glance (top of the home page),
 * the energy charts by day, month and year with the previous period beside
 * each (/energy), and the one-page monthly report (/report, web_report.c).
 *
 * Figures come from the ledger's report functions (the ones `decran report`
 * uses), the plan's from lib/plan (`decran plan show`), last night's
 * verdict from dc_ledger_night_summary (`decran report compliance`).
 * Unknown stays unknown: a period without ledger rows is "—", a period
 * with no known second is "inconnu", never 0.  Loading and rendering are
 * apart so both are unit-tested (tests/unit/test_web_glance.c).
 */
#ifndef DECRAN_WEB_GLANCE_H
#define DECRAN_WEB_GLANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "i18n.h"
#include "ledger.h"
#include "period.h"
#include "plan.h"
#include "web_buf.h"
#include "web_energy.h"

/* One period's ledger total: rows = false when the ledger has no day in
 * it (or `from` is ""). */
struct dc_web_span {
	bool rows;
	struct dc_en_total t;
};
int dc_web_span_load(struct dc_store *st, const char *from, const char *to,
		     struct dc_web_span *out, char *err, size_t errlen);
/* Saved kWh of a span, false when unknown (no row, or no known second). */
bool dc_web_span_saved(const struct dc_web_span *s, double *kwh);

struct dc_glance_target {
	struct dc_plan_target t;
	struct dc_plan_progress p;
};

struct dc_glance {
	struct dc_period month;		/* this month so far, and the same span a year before */
	struct dc_web_span cur, prev;
	struct dc_glance_target *targets;	/* the plan's, by date; malloc'd */
	size_t ntargets;
	long alarms, critical;		/* active alarms; -1 = gateway not connected */
};

/* Everything but the alarms (the page asks the gateway for those). */
int dc_glance_load(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		   struct dc_glance *g, char *err, size_t errlen);
void dc_glance_free(struct dc_glance *g);

/* Last night's verdict in one word, from the compliance summary. */
enum dc_glance_verdict {
	DC_VERDICT_NONE,	/* no screen under the rule */
	DC_VERDICT_BREACH,	/* at least one screen on without a right to be */
	DC_VERDICT_UNKNOWN,	/* no confirmed state at all */
	DC_VERDICT_PARTIAL,	/* no breach seen, some screens unknown */
	DC_VERDICT_COMPLIANT,
};
enum dc_glance_verdict dc_glance_verdict(const struct dc_ledger_night_summary *n);
const char *dc_glance_verdict_name(enum dc_glance_verdict v);	/* "breach"... */

/* The "at a glance" section (current language, numbers in `lang`). */
void dc_glance_html(struct dc_buf *b, const struct dc_glance *g, const struct dc_web_energy *e,
		    const struct dc_web_factors *f, enum dc_lang lang);
/* The plan's targets with met / on track / late (glance and report). */
void dc_glance_targets_html(struct dc_buf *b, const struct dc_glance *g, enum dc_lang lang);

/* A bar chart of periods, each beside its previous period: `cur` and `prev`
 * hold saved kWh, NaN when unknown.  role="img", the table that follows is
 * its text alternative.  `id` prefixes the title and description ids. */
void dc_web_pairs_svg(struct dc_buf *b, const char *id, const char *title, const char *desc,
		      int n, const char *const *labels, const double *cur, const double *prev,
		      enum dc_lang lang);

#endif
