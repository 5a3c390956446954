/* plan.h — the municipal removal plan's targets and where the inventory
 * stands against each (pure: no I/O).
 *
 * One definition for `decran plan show`, `decran report progress` and the
 * dashboard's "at a glance": a target is met when enough screens are
 * removed by its date, on track when the removed and the slated (with a
 * target date on or before it) would meet it, late otherwise.
 */
#ifndef DECRAN_PLAN_H
#define DECRAN_PLAN_H

#include <stddef.h>

#include "screen.h"

/* "By `date`, `removed` screens of `category` are gone." */
struct dc_plan_target {
	int category;		/* enum dc_category, or -1 for all categories */
	char date[DC_DATE_LEN];	/* YYYY-MM-DD */
	int removed;		/* cumulative number of screens removed by then */
};

enum dc_plan_state { DC_PLAN_MET, DC_PLAN_ON_TRACK, DC_PLAN_LATE };

struct dc_plan_progress {
	long removed;		/* removed on or before the date (or undated: removed all the same) */
	long slated;		/* slated with a target on or before the date */
	long in_scope;		/* screens of the category, any status */
	long missing;		/* target - removed - slated, 0 when none */
	enum dc_plan_state state;
};

struct dc_plan_progress dc_plan_measure(const struct dc_screen *v, size_t n,
					const struct dc_plan_target *t);
/* "met", "on_track", "late" (JSON, CSS classes). */
const char *dc_plan_state_name(enum dc_plan_state s);
/* "atteint" / "met", "en bonne voie" / "on track", "en retard" / "behind". */
const char *dc_plan_state_label(enum dc_plan_state s);

#endif
