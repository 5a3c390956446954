/* period.h — the periods of an energy chart and the one compared with each
 * (pure: civil dates only, no zone, no I/O).
 *
 *   by day:   the days of this month up to today, each beside the same day
 *             of the previous month;
 *   by month: the months of this year up to this one, each beside the same
 *             month of the previous year;
 *   by year:  the last `years` years up to this one, each beside the year
 *             before.
 * The period holding today is cut at today, and so is its previous period
 * ("so far" against the same span), so partial figures never meet whole ones.
 */
#ifndef DECRAN_PERIOD_H
#define DECRAN_PERIOD_H

enum dc_period_by { DC_PERIOD_DAY, DC_PERIOD_MONTH, DC_PERIOD_YEAR };

#define DC_PERIODS_MAX 31
#define DC_PERIOD_YEARS_MAX 10

struct dc_period {
	char key[11];		/* "2026-11-03", "2026-11" or "2026" */
	char from[11], to[11];	/* first and last day, inclusive */
	/* The period compared: "" when it has no such day (31 May has no
	 * 31 April). */
	char prev_key[11], prev_from[11], prev_to[11];
	int partial;		/* cut at today */
};

/* Fills out[] for the view ending on y-m-d; returns the number of periods
 * (1..DC_PERIODS_MAX), or -1 for an invalid date or `years` outside
 * 1..DC_PERIOD_YEARS_MAX (only read by year). */
int dc_periods(enum dc_period_by by, int y, int m, int d, int years,
	       struct dc_period out[DC_PERIODS_MAX]);
/* Days in month m (1..12) of year y. */
int dc_days_in_month(int y, int m);
/* "day", "month", "year" and back (-1 when unknown). */
const char *dc_period_by_name(enum dc_period_by by);
int dc_period_by_parse(const char *s);

#endif
