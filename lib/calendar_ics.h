/* calendar_ics.h — calendars (school holidays, closures) from iCalendar.
 *
 * A calendar is the set of instants its events span, kept as sorted, merged
 * [from, until) intervals of UTC seconds, so a look-up is one binary search
 * and the schedule engine can cut its timeline at every edge.
 *
 * What an event covers (RFC 5545, docs/schedule.md "Calendars"):
 *   - all-day (DTSTART;VALUE=DATE): every instant whose local date, in the
 *     rules' zone, lies in [DTSTART, DTEND) — DTEND exclusive, one day when
 *     absent, DURATION in days or weeks;
 *   - timed: exactly [DTSTART, DTEND), or DTSTART + DURATION (days and weeks
 *     nominal: same wall time n days later; hours and less exact).  Times with
 *     TZID use the VTIMEZONE of the file or the tz database, UTC times ("Z")
 *     are absolute, floating times are wall times of the rules' zone.  Without
 *     DTEND or DURATION a timed event is an instant and covers nothing;
 *   - RRULE/RDATE occurrences (expanded with libical, those starting before
 *     DC_ICS_EXPAND_UNTIL), minus EXDATE, minus those replaced by a VEVENT
 *     with the same UID and a RECURRENCE-ID; STATUS:CANCELLED covers nothing.
 * Malformed files are refused with the line and the property.
 */
#ifndef DECRAN_CALENDAR_ICS_H
#define DECRAN_CALENDAR_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DC_ICS_MAX_BYTES (4 << 20)
#define DC_ICS_MAX_EVENTS 10000
#define DC_ICS_MAX_OCCURRENCES 200000	/* per file, after expansion */
#define DC_ICS_EXPAND_UNTIL INT64_C(4102444800)	/* 2100-01-01T00:00:00Z */

struct dc_interval {
	int64_t from, until;	/* UTC seconds, until exclusive */
};

struct dc_ics_calendar {
	size_t n;
	struct dc_interval *v;	/* sorted, non-overlapping, non-adjacent */
};

/* Parse ICS text; all-day and floating times are read in `zone` (a tz
 * database name, made the process zone as tz.h does).  `label` (a file name)
 * prefixes error messages ("vacances.ics:14: DTSTART: ...").  On success fills
 * *out (free with dc_ics_calendar_free) and returns 0; on error returns -1,
 * writes err and leaves *out untouched. */
int dc_ics_parse(const char *text, size_t len, const char *label, const char *zone,
		 struct dc_ics_calendar *out, char *err, size_t errlen);
/* Read and parse a file (the only I/O of the schedule engine). */
int dc_ics_load(const char *path, const char *zone, struct dc_ics_calendar *out, char *err,
		size_t errlen);
void dc_ics_calendar_free(struct dc_ics_calendar *c);
/* Expand recurrences as if libical stopped them after 2037 (a libical built
 * with a 32-bit time_t, found by itself at the first expansion): for tests
 * of that path on any machine. */
void dc_ics_assume_libical_stops_2037(bool yes);
/* Expand only occurrences starting before `until` (UTC seconds) and at most
 * max_occ per file, instead of DC_ICS_EXPAND_UNTIL and DC_ICS_MAX_OCCURRENCES:
 * the fuzz target's shorter horizon (same code, milliseconds per input less). */
void dc_ics_set_limits(int64_t until, long max_occ);
/* true when some event covers instant t. */
bool dc_ics_covers(const struct dc_ics_calendar *c, int64_t t);

#endif
