/* fixture_schedule.h — what the schedule engine's tests share: local wall
 * time in a rule set's zone, and a bare screen of one category. */
#ifndef DECRAN_FIXTURE_SCHEDULE_H
#define DECRAN_FIXTURE_SCHEDULE_H

#include <stdint.h>
#include <stdio.h>

#include "schedule.h"
#include "tz.h"

/* Local wall time in the rules' zone (first occurrence) as UTC. */
static inline int64_t at(const struct dc_rules *r, int y, int mo, int d, int h, int mi)
{
	dc_tz_use(r->zone);
	return dc_tz_from_local(y, mo, d, (h * 60 + mi) * 60);
}

static inline struct dc_screen screen(const char *id, enum dc_category cat)
{
	struct dc_screen s;

	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "%s", id);
	s.category = cat;
	return s;
}

#endif
