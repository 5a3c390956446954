/* tz.c — process time zone and UTC <-> local conversions (see tz.h). */
#include "tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char current[DC_ZONE_MAX];
static unsigned generation;
static bool fixed;

bool dc_tz_valid(const char *zone)
{
	char path[512];
	const char *dir = getenv("TZDIR");

	if (!zone || !*zone || strlen(zone) >= DC_ZONE_MAX || zone[0] == '/' ||
	    strstr(zone, ".."))
		return false;
	for (const char *p = zone; *p; p++)
		if (!(('A' <= *p && *p <= 'Z') || ('a' <= *p && *p <= 'z') ||
		      ('0' <= *p && *p <= '9') || strchr("/_+-", *p)))
			return false;
	if (strcmp(zone, "UTC") == 0)
		return true;
	/* glibc silently falls back to UTC for an unknown $TZ: check the file. */
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	return access(path, R_OK) == 0;
}

int dc_tz_use(const char *zone)
{
	if (strcmp(current, zone) == 0)
		return 0;
	if (!dc_tz_valid(zone))
		return -1;
	if (fixed) {
		errno = EBUSY;
		return -1;
	}
	if (setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	snprintf(current, sizeof current, "%s", zone);
	generation++;
	return 0;
}

int dc_tz_fix(const char *zone)
{
	if (dc_tz_use(zone) < 0)
		return -1;
	fixed = true;
	return 0;
}

bool dc_tz_fixed(void)
{
	return fixed;
}

unsigned dc_tz_generation(void)
{
	return generation;
}

const char *dc_tz_current(void)
{
	return current;
}

void dc_tz_local(int64_t t, struct dc_localtime *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	out->wday = tm.tm_wday;
	out->sod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	out->daynum = dc_days_from_civil(out->year, out->month, out->day);
	out->gmtoff = (int)tm.tm_gmtoff;
}

static int offset_at(int64_t t)
{
	struct dc_localtime l;

	dc_tz_local(t, &l);
	return l.gmtoff;
}

int dc_tz_to_utc(int year, int month, int day, int sod, int64_t out[2])
{
	/* The wall time read as if it were UTC, minus each offset in force
	 * around it; a candidate is real when its own offset is the one used.
	 * Zones change offset at most once within two days. */
	int64_t wall = dc_days_from_civil(year, month, day) * 86400 + sod;
	int offs[2] = { offset_at(wall - 86400), offset_at(wall + 86400) };
	int n = 0;

	for (int i = 0; i < 2; i++) {
		int64_t c = wall - offs[i];

		if (offset_at(c) != offs[i] || (n == 1 && out[0] == c))
			continue;
		out[n++] = c;
	}
	if (n == 2 && out[1] < out[0]) {
		int64_t x = out[0];
		out[0] = out[1];
		out[1] = x;
	}
	return n;
}

int64_t dc_tz_from_local(int year, int month, int day, int sod)
{
	int64_t c[2];
	int64_t lo, hi;

	if (dc_tz_to_utc(year, month, day, sod, c) > 0)
		return c[0];
	/* In a gap: the jump is between the instants of the wall time read with
	 * the offset before (too late) and after (too early); bisect for it. */
	int64_t wall = dc_days_from_civil(year, month, day) * 86400 + sod;
	int before = offset_at(wall - 86400), after = offset_at(wall + 86400);

	lo = wall - after;
	hi = wall - before;
	if (lo > hi) {
		int64_t x = lo;
		lo = hi;
		hi = x;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (offset_at(mid) == before)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t dc_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void dc_civil_from_days(int64_t z, int *year, int *month, int *day)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	*year = (int)(y + (m <= 2));
	*month = m;
	*day = d;
}

int dc_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;	/* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

bool dc_ymd_valid(int year, int month, int day)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > mdays[month - 1])
		return false;
	if (month == 2 && day == 29)
		return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return true;
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int dc_parse_date(const char *s, int *year, int *month, int *day)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

	if (y < 0 || m < 0 || d < 0 || !dc_ymd_valid(y, m, d))
		return -1;
	*year = y;
	*month = m;
	*day = d;
	return 0;
}

int dc_parse_hhmm(const char *s, bool allow_24)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	int h = digits(s, 2), m = digits(s + 3, 2);

	if (h < 0 || m < 0 || m > 59)
		return -1;
	if (h == 24 && m == 0 && allow_24)
		return 1440;
	if (h > 23)
		return -1;
	return h * 60 + m;
}
