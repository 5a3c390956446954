/* calendar_ics.h — day calendars (school holidays, closures) from iCalendar.
 *
 * The Ministry publishes school holidays as ICS files of all-day VEVENTs
 * (DTSTART;VALUE=DATE:20261017, DTEND;VALUE=DATE:20261102, DTEND exclusive
 * as RFC 5545 says).  We keep only the set of local dates they cover, as
 * sorted, merged [first, end) ranges of day numbers (tz.h), so a look-up is
 * one binary search.  Timed events, recurrences and malformed files are
 * refused with the line and the reason; the caller keeps its previous
 * calendar when loading fails.
 */
#ifndef DECRAN_CALENDAR_ICS_H
#define DECRAN_CALENDAR_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DC_ICS_MAX_BYTES (4 << 20)
#define DC_ICS_MAX_EVENTS 10000

struct dc_day_range {
	int64_t first, end;	/* day numbers, end exclusive */
};

struct dc_day_calendar {
	size_t n;
	struct dc_day_range *r;	/* sorted, non-overlapping, non-adjacent */
};

/* Parse ICS text; `label` (a file name) prefixes error messages
 * ("vacances.ics:12: ...").  On success fills *out (free with
 * dc_day_calendar_free) and returns 0; on error returns -1, writes err and
 * leaves *out untouched. */
int dc_ics_parse(const char *text, size_t len, const char *label,
		 struct dc_day_calendar *out, char *err, size_t errlen);
/* Read and parse a file (the only I/O of the schedule engine). */
int dc_ics_load(const char *path, struct dc_day_calendar *out, char *err, size_t errlen);
void dc_day_calendar_free(struct dc_day_calendar *c);
bool dc_day_calendar_has(const struct dc_day_calendar *c, int64_t day);

#endif
