/* web_data.h — the figures the dashboard shows, computed from the
 * inventory with no I/O (unit-tested in tests/unit/test_web_data.c).
 *
 * Honesty rule: the only energy figures here are ESTIMATES from the
 * inventory (declared power × pre-plan hours per day × 365).  Measured
 * energy comes from the energy ledger, which this module does not invent.
 */
#ifndef DECRAN_WEB_DATA_H
#define DECRAN_WEB_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "screen.h"
#include "store.h"
#include "tz.h"
#include "web_buf.h"

/* Calendar arithmetic comes from lib/tz.h (dc_days_from_civil...). */
/* Parses "YYYY-MM-DD" (a real calendar date) into days; false otherwise. */
bool dc_date_days(const char *s, long *days);

/* Yearly energy of a screen before the plan, kWh: power_on × baseline h × 365. */
double dc_screen_yearly_kwh(const struct dc_screen *s);

struct dc_target_view {
	bool set;
	char date[DC_DATE_LEN];
	int removed;
};

struct dc_progress_row {
	long by_status[DC_STATUS__COUNT];
	long total;
	double removed_kwh;	/* estimate: yearly energy no longer used */
	double slated_kwh;	/* estimate: what the slated removals will save */
	struct dc_target_view next;	/* first target on or after today */
	struct dc_target_view last;	/* the plan's final target */
};

struct dc_point { long day; long value; };

struct dc_progress {
	struct dc_progress_row cat[DC_CAT__COUNT], all;
	long removed_undated;	/* removed screens without a removal date */
	long *removal_days;	/* sorted removal dates (days), malloc'd */
	size_t nremoval, capremoval;
	struct dc_point *trajectory;	/* all-category cumulative targets, by date */
	size_t ntraj;
	bool oom;
};

void dc_progress_init(struct dc_progress *p);
void dc_progress_add(struct dc_progress *p, const struct dc_screen *s);
/* After every screen: targets (any order) and today (days). */
void dc_progress_finish(struct dc_progress *p, const struct dc_plan_target *t, size_t nt,
			long today);
void dc_progress_free(struct dc_progress *p);
/* Removed screens with a removal date on or before `day`. */
long dc_progress_removed_by(const struct dc_progress *p, long day);

/* Inline SVG of cumulative removals (step line, up to today) against the
 * target trajectory.  `labels` are already in the page's language. */
void dc_chart_svg(struct dc_buf *b, const struct dc_progress *p, long today,
		  const char *title, const char *desc, const char *actual_label,
		  const char *target_label, int lang);

#endif
