/* holidays.c — French public holidays (see holidays.h). */
#include "holidays.h"

#include "tz.h"

void dc_easter(int year, int *month, int *day)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;

	*month = (h + l - 7 * m + 114) / 31;
	*day = (h + l - 7 * m + 114) % 31 + 1;
}

const char *dc_fr_holiday_name(int year, int month, int day)
{
	static const struct { int m, d; const char *name; } fixed[] = {
		{ 1, 1, "Jour de l'an" }, { 5, 1, "Fête du Travail" },
		{ 5, 8, "Victoire 1945" }, { 7, 14, "Fête nationale" },
		{ 8, 15, "Assomption" }, { 11, 1, "Toussaint" },
		{ 11, 11, "Armistice 1918" }, { 12, 25, "Noël" },
	};
	static const struct { int offset; const char *name; } movable[] = {
		{ 1, "Lundi de Pâques" }, { 39, "Ascension" }, { 50, "Lundi de Pentecôte" },
	};
	int em, ed;

	for (unsigned i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (fixed[i].m == month && fixed[i].d == day)
			return fixed[i].name;
	if (month < 3 || month > 6)
		return 0;
	dc_easter(year, &em, &ed);
	int64_t delta = dc_days_from_civil(year, month, day) - dc_days_from_civil(year, em, ed);
	for (unsigned i = 0; i < sizeof movable / sizeof *movable; i++)
		if (movable[i].offset == delta)
			return movable[i].name;
	return 0;
}
