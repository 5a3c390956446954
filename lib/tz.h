/* tz.h — one IANA time zone per process, and UTC <-> local wall time.
 *
 * Decisions follow the wall clock of the municipality's zone, read from the
 * system tz database (tzdata) through localtime_r(3).  glibc keeps one zone
 * per process in $TZ, so dc_tz_use() sets it once and only touches it again
 * when asked for a different zone.  Changing $TZ is not thread-safe (any
 * thread may read the environment: getaddrinfo, localtime_r): a process
 * with threads fixes its zone with dc_tz_fix() before starting them, after
 * which nothing here writes the environment again.
 *
 * All instants are int64_t UTC seconds (Y2038-safe even on 32-bit Pis).
 */
#ifndef DECRAN_TZ_H
#define DECRAN_TZ_H

#include <stdbool.h>
#include <stdint.h>

#define DC_ZONE_MAX 64
#define DC_DEFAULT_ZONE "Europe/Paris"

/* Local wall-clock fields of an instant. */
struct dc_localtime {
	int year, month, day;	/* civil date, month 1..12 */
	int wday;		/* 0 = Sunday .. 6 = Saturday */
	int sod;		/* second of the local day, 0..86399 */
	int64_t daynum;		/* days since 1970-01-01 of the local date */
	int gmtoff;		/* seconds east of UTC in effect */
};

/* true when `zone` names a file of the tz database ("UTC" included). */
bool dc_tz_valid(const char *zone);
/* Make `zone` the process zone (setenv TZ + tzset) unless it already is.
 * Returns -1 when the zone is not in the tz database. */
int dc_tz_use(const char *zone);
/* dc_tz_use(zone), then the zone is fixed for the life of the process:
 * dc_tz_use() of another zone fails (errno EBUSY) without touching $TZ. */
int dc_tz_fix(const char *zone);
bool dc_tz_fixed(void);
/* Incremented each time dc_tz_use changes the zone (lets caches skip the check). */
unsigned dc_tz_generation(void);
/* The zone last set by dc_tz_use ("" before the first call). */
const char *dc_tz_current(void);

/* Local fields of UTC instant t in the process zone. */
void dc_tz_local(int64_t t, struct dc_localtime *out);
/* UTC instants whose local wall time is (y, m, d, sod): 0 in a spring-forward
 * gap, 2 in a fall-back overlap (earliest first), else 1.  Returns the count. */
int dc_tz_to_utc(int year, int month, int day, int sod, int64_t out[2]);
/* The first instant at which the wall clock reads (y, m, d, sod) or later on
 * that day: in a gap, the instant the clock jumps over it; in an overlap, the
 * first occurrence. */
int64_t dc_tz_from_local(int year, int month, int day, int sod);

/* Proleptic Gregorian calendar arithmetic (pure). */
int64_t dc_days_from_civil(int year, int month, int day);
void dc_civil_from_days(int64_t days, int *year, int *month, int *day);
/* 0 = Sunday .. 6 = Saturday. */
int dc_weekday(int64_t days);
bool dc_ymd_valid(int year, int month, int day);
/* Parse "YYYY-MM-DD"; -1 when malformed or not a real date. */
int dc_parse_date(const char *s, int *year, int *month, int *day);
/* Parse "HH:MM" into minutes 0..1439 (or 1440 for "24:00" when allow_24). */
int dc_parse_hhmm(const char *s, bool allow_24);

#endif
