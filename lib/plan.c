/* plan.c — where the inventory stands against one target of the plan. */
#include "plan.h"

#include <string.h>

#include "i18n.h"

struct dc_plan_progress dc_plan_measure(const struct dc_screen *v, size_t n,
					const struct dc_plan_target *t)
{
	struct dc_plan_progress p = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (t->category >= 0 && (int)v[i].category != t->category)
			continue;
		p.in_scope++;
		/* A removed screen whose date was never recorded is gone all the
		 * same: "" sorts before every date. */
		if (v[i].status == DC_STATUS_REMOVED && strcmp(v[i].removal_date, t->date) <= 0)
			p.removed++;
		else if (v[i].status == DC_STATUS_SLATED && v[i].removal_target[0] &&
			 strcmp(v[i].removal_target, t->date) <= 0)
			p.slated++;
	}
	long missing = t->removed - p.removed - p.slated;
	p.missing = missing > 0 ? missing : 0;
	p.state = p.removed >= t->removed ? DC_PLAN_MET : missing <= 0 ? DC_PLAN_ON_TRACK : DC_PLAN_LATE;
	return p;
}

const char *dc_plan_state_name(enum dc_plan_state s)
{
	return s == DC_PLAN_MET ? "met" : s == DC_PLAN_ON_TRACK ? "on_track" : "late";
}

const char *dc_plan_state_label(enum dc_plan_state s)
{
	return s == DC_PLAN_MET ? TR("atteint", "met")
	       : s == DC_PLAN_ON_TRACK ? TR("en bonne voie", "on track") : TR("en retard", "behind");
}
