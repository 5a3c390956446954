/* rules.h — the municipal schedule rules: a JSON file compiled once into an
 * immutable rule set (see docs/schedule.md for the file format and the
 * precedence the engine applies).
 *
 * Loading is the only step that touches files (the rules file and the ICS
 * calendars it names).  Every error names the exact field path, e.g.
 *   policies[3].windows[0].start: "25:00" is not a time HH:MM
 * and a failed load leaves the caller's current rule set in place: load the
 * new one, swap pointers only on success, then free the old one.
 */
#ifndef DECRAN_RULES_H
#define DECRAN_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar_ics.h"
#include "screen.h"
#include "tz.h"

#define DC_RULES_VERSION 1
#define DC_MAX_POLICIES 64	/* one bit each in per-instant bitsets */
#define DC_MAX_WINDOWS 32	/* per policy */
#define DC_MAX_CALENDARS 16
#define DC_MAX_DEROGATIONS 256
#define DC_DEROGATION_MAX_DAYS 31	/* a derogation is for an event, not a season */
#define DC_RULES_MAX_BYTES (1 << 20)
#define DC_CAL_PUBLIC_HOLIDAYS "fr-public-holidays"	/* built-in calendar */

/* Legal night rule (R581-35, décret 2022-1294): 01:00-06:00 local. */
#define DC_NIGHT_START (1 * 3600)
#define DC_NIGHT_END (6 * 3600)

/* A weekly window: on `days` (bit wday, 0 = Sunday), from start to end
 * minutes.  end < start crosses midnight: the part after midnight belongs to
 * the next day morning (a Friday 22:00-07:00 window covers Saturday 00:00-07:00). */
struct dc_window {
	unsigned days;
	int start, end;		/* minutes 0..1439; end 1..1440 */
};

struct dc_date_span {
	int64_t first, last;	/* local day numbers, inclusive */
};

struct dc_text {
	char *fr, *en;		/* en NULL when not given */
};

struct dc_policy {
	char id[DC_ID_MAX];
	/* Scope: an empty kind matches every screen; AND between kinds, OR within. */
	unsigned categories;	/* bit (1 << enum dc_category) */
	unsigned statuses;	/* bit (1 << enum dc_status) */
	unsigned flags;		/* DC_FLAG_*: the screen has any of them */
	char **sites, **screens;
	size_t nsites, nscreens;
	/* Time: all given conditions hold (none given = always). */
	struct dc_window *windows;
	size_t nwindows;
	struct dc_date_span *dates;
	size_t ndates;
	int when_cal, unless_cal;	/* calendar index, -1 when absent */
	bool on;		/* effect: true "may be on", false "must be off" */
	struct dc_text reason;
	char *reference;	/* council or legal reference, "" when none */
};

struct dc_calendar {
	char name[64];
	char source[256];	/* file as written, or DC_CAL_PUBLIC_HOLIDAYS */
	bool public_holidays;
	struct dc_ics_calendar events;	/* an ICS file's instants (calendar_ics.h) */
};

struct dc_derogation {
	char reference[128];	/* the order (arrêté) granting it: required */
	char **screens;
	size_t nscreens;
	int64_t from, until;	/* UTC seconds; until exclusive (automatic expiry) */
	struct dc_text reason;
};

struct dc_rules {
	char zone[DC_ZONE_MAX];
	int service_start, service_end;	/* default transport service hours, minutes; -1 none */
	unsigned grid_categories;	/* categories a grid alert turns off */
	struct dc_policy *policies;
	size_t npolicies;
	struct dc_calendar *calendars;
	size_t ncalendars;
	struct dc_derogation *derogations;
	size_t nderogations;
	/* Precomputed: every minute of day where some rule-set predicate may
	 * change (window edges, midnight, night rule, default service hours). */
	int *marks;
	size_t nmarks;
	/* Derogations by screen id, sorted, for a binary search per screen. */
	struct dc_derog_ref {
		const char *screen;
		size_t derogation;
	} *derog_index;
	size_t nderog_index;
};

/* Compile rules from JSON text; ICS paths are relative to base_dir (NULL =
 * current directory).  Returns NULL and writes "path: message" into err. */
struct dc_rules *dc_rules_parse(const char *json, size_t len, const char *base_dir,
				char *err, size_t errlen);
/* The same, reading each ICS calendar through read_ics(arg, path, ...)
 * (dc_ics_load's contract) instead of from files: the fuzzer serves them from
 * memory. */
typedef int dc_ics_reader(void *arg, const char *path, const char *zone,
			  struct dc_ics_calendar *out, char *err, size_t errlen);
struct dc_rules *dc_rules_parse_with(const char *json, size_t len, const char *base_dir,
				     dc_ics_reader *read_ics, void *arg, char *err, size_t errlen);
/* Read the file and compile it (calendars relative to the file's directory). */
struct dc_rules *dc_rules_load(const char *path, char *err, size_t errlen);
void dc_rules_free(struct dc_rules *r);

/* Parse "HH:MM-HH:MM" (service hours) into minutes; -1 when malformed. */
int dc_parse_hours(const char *s, int *start, int *end);
/* Parse local "YYYY-MM-DD HH:MM" in the process zone into UTC (tz.h rules
 * for gaps and overlaps); -1 when malformed. */
int dc_parse_local_datetime(const char *s, int64_t *out);
/* true when the calendar covers instant t, whose local day is `day`:
 * public holidays are whole local days, ICS calendars exact instants. */
bool dc_calendar_covers(const struct dc_calendar *c, int64_t t, int64_t day);
/* Index of calendar `name`, or -1. */
int dc_rules_calendar(const struct dc_rules *r, const char *name);

#endif
