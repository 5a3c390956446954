/* holidays.h — French public holidays (jours fériés), computed (pure).
 *
 * The eleven national holidays of the Code du travail (L3133-1): eight on
 * fixed dates and three that follow Easter (Lundi de Pâques, Ascension,
 * Lundi de Pentecôte).  Local holidays (Alsace-Moselle's Good Friday and
 * 26 December, overseas abolition days) are not national: a municipality that
 * needs them lists them in an ICS calendar.
 */
#ifndef DECRAN_HOLIDAYS_H
#define DECRAN_HOLIDAYS_H

#include <stdbool.h>
#include <stdint.h>

/* Gregorian Easter Sunday of `year` (anonymous Gregorian algorithm, Meeus). */
void dc_easter(int year, int *month, int *day);
/* The holiday's French name ("Lundi de Pâques"), or NULL on other days. */
const char *dc_fr_holiday_name(int year, int month, int day);
static inline bool dc_fr_is_holiday(int year, int month, int day)
{
	return dc_fr_holiday_name(year, month, day) != 0;
}

#endif
