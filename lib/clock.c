/* clock.c — real or virtual wall clock, and the clock-trust check. */
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t dc_mono_ms(void)
{
	return mono_ns() / 1000000;
}

void dc_clock_init_real(struct dc_clock *c)
{
	memset(c, 0, sizeof *c);
	c->speed = 1.0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * algorithm): timegm() would consult TZ state we do not need. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int dc_parse_utc(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, se, n = 0;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 20)
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || se > 59 || h < 0 || mi < 0 || se < 0)
		return -1;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

char *dc_format_utc(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

int dc_clock_init_spec(struct dc_clock *c, const char *spec, char *err, size_t errlen)
{
	char when[32];
	const char *comma = strchr(spec, ',');
	size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
	int64_t start;
	double speed = 1.0;

	if (n >= sizeof when)
		return fail(err, errlen, "clock: start must be YYYY-MM-DDTHH:MM:SSZ");
	memcpy(when, spec, n);
	when[n] = '\0';
	if (dc_parse_utc(when, &start))
		return fail(err, errlen, "clock: start must be YYYY-MM-DDTHH:MM:SSZ");
	if (comma) {
		char *end;
		errno = 0;
		speed = strtod(comma + 1, &end);
		if (errno || end == comma + 1 || *end || !isfinite(speed) || speed <= 0 ||
		    speed > 100000)
			return fail(err, errlen, "clock: speed must be a number in (0, 100000]");
	}
	c->virtual_time = true;
	c->start_ms = start * 1000;
	c->mono0_ns = mono_ns();
	c->speed = speed;
	return 0;
}

int dc_clock_init(struct dc_clock *c, const char *opt, char *err, size_t errlen)
{
	const char *env = getenv("DECRAN_CLOCK");
	if (opt && *opt)
		return dc_clock_init_spec(c, opt, err, errlen);
	if (env && *env)
		return dc_clock_init_spec(c, env, err, errlen);
	dc_clock_init_real(c);
	return 0;
}

int64_t dc_clock_virtual_at(const struct dc_clock *c, int64_t mono)
{
	double elapsed_ms = (double)(mono - c->mono0_ns) / 1e6 * c->speed;
	/* floor() without libm: decran-relay links no libm (its pages are
	 * 300 KB of the box's resident memory for this one call). */
	int64_t ms = (int64_t)elapsed_ms;
	if ((double)ms > elapsed_ms)
		ms--;
	return c->start_ms + ms;
}

int64_t dc_clock_now_ms(const struct dc_clock *c)
{
	if (c->virtual_time)
		return dc_clock_virtual_at(c, mono_ns());
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t dc_clock_now(const struct dc_clock *c)
{
	int64_t ms = dc_clock_now_ms(c);
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int64_t dc_clock_real_delay_ms(const struct dc_clock *c, int64_t now_ms, int64_t deadline_ms)
{
	if (deadline_ms <= now_ms)
		return 0;
	double speed = c->virtual_time ? c->speed : 1.0;
	double real = ceil((double)(deadline_ms - now_ms) / speed);
	if (real > 9.0e15)
		return INT64_C(9000000000000000);
	return real < 1 ? 1 : (int64_t)real;
}

static bool kernel_synced(void)
{
	struct timex tx;
	memset(&tx, 0, sizeof tx);	/* modes 0: read only, no privilege needed */
	int state = adjtimex(&tx);
	return state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static bool (*sync_check)(void);

void dc_clock_set_sync_check(bool (*fn)(void))
{
	sync_check = fn;
}

bool dc_clock_synced(void)
{
	const char *env = getenv("DECRAN_CLOCK_SYNCED");
	if (sync_check)
		return sync_check();
	if (env && (*env == '0' || *env == '1') && env[1] == '\0')
		return *env == '1';
	return kernel_synced();
}
