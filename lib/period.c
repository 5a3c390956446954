/* period.c — chart periods and the previous period beside each. */
#include "period.h"

#include <stdio.h>
#include <string.h>

#include "tz.h"

int dc_days_in_month(int y, int m)
{
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	return (int)(dc_days_from_civil(ny, nm, 1) - dc_days_from_civil(y, m, 1));
}

static void ymd(char out[11], int y, int m, int d)
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

/* The span [first day, day `upto` or the month's end] of month y-m. */
static void month_span(int y, int m, int upto, char *key, char *from,
		       char *to)
{
	int last = dc_days_in_month(y, m);
	snprintf(key, 11, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
	ymd(from, y, m, 1);
	ymd(to, y, m, upto < last ? upto : last);
}

int dc_periods(enum dc_period_by by, int y, int m, int d, int years,
	       struct dc_period out[DC_PERIODS_MAX])
{
	if (!dc_ymd_valid(y, m, d) || y < 2 || y > 9999)
		return -1;
	memset(out, 0, sizeof *out * DC_PERIODS_MAX);
	int n = 0;
	if (by == DC_PERIOD_DAY) {
		int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;
		for (int k = 1; k <= d; k++, n++) {
			struct dc_period *p = &out[n];
			ymd(p->key, y, m, k);
			memcpy(p->from, p->key, 11);
			memcpy(p->to, p->key, 11);
			if (k <= dc_days_in_month(py, pm)) {
				ymd(p->prev_key, py, pm, k);
				memcpy(p->prev_from, p->prev_key, 11);
				memcpy(p->prev_to, p->prev_key, 11);
			}
		}
		/* Today is still running: its figures are "so far". */
		out[n - 1].partial = 1;
		return n;
	}
	if (by == DC_PERIOD_MONTH) {
		for (int k = 1; k <= m; k++, n++) {
			struct dc_period *p = &out[n];
			int upto = k == m ? d : 31;
			month_span(y, k, upto, p->key, p->from, p->to);
			month_span(y - 1, k, upto, p->prev_key, p->prev_from, p->prev_to);
			p->partial = k == m;
		}
		return n;
	}
	if (by != DC_PERIOD_YEAR || years < 1 || years > DC_PERIOD_YEARS_MAX || y - years < 1)
		return -1;
	for (int k = y - years + 1; k <= y; k++, n++) {
		struct dc_period *p = &out[n];
		int em = k == y ? m : 12, ed = k == y ? d : 31;
		snprintf(p->key, sizeof p->key, "%04d", k);
		snprintf(p->prev_key, sizeof p->prev_key, "%04d", k - 1);
		ymd(p->from, k, 1, 1);
		ymd(p->prev_from, k - 1, 1, 1);
		ymd(p->to, k, em, ed);
		/* 29 February against a year without one: up to the 28th. */
		int pd = ed <= dc_days_in_month(k - 1, em) ? ed : dc_days_in_month(k - 1, em);
		ymd(p->prev_to, k - 1, em, pd);
		p->partial = k == y;
	}
	return n;
}

const char *dc_period_by_name(enum dc_period_by by)
{
	return by == DC_PERIOD_DAY ? "day" : by == DC_PERIOD_MONTH ? "month" : "year";
}

int dc_period_by_parse(const char *s)
{
	for (int b = DC_PERIOD_DAY; b <= DC_PERIOD_YEAR; b++)
		if (s && strcmp(s, dc_period_by_name((enum dc_period_by)b)) == 0)
			return b;
	return -1;
}
