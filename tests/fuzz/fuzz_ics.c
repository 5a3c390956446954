/* fuzz_ics.c — iCalendar files (lib/calendar_ics: events, all-day and timed,
 * recurrences expanded to UTC intervals).  What comes back must be sorted,
 * non-overlapping and non-empty intervals, as calendar_ics.h promises. */
#include "fuzz.h"

#include "calendar_ics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_ics_calendar cal = { 0 };
	char err[512] = "";
	int rc = dc_ics_parse((const char *)data, size, "fuzz.ics", "Europe/Paris", &cal, err,
			      sizeof err);
	FUZZ_ERR_SET(rc, err);
	if (rc == 0) {
		for (size_t i = 0; i < cal.n; i++) {
			FUZZ_ASSERT(cal.v[i].from < cal.v[i].until);
			FUZZ_ASSERT(i == 0 || cal.v[i - 1].until < cal.v[i].from);
		}
		if (cal.n)
			FUZZ_ASSERT(dc_ics_covers(&cal, cal.v[0].from));
		dc_ics_calendar_free(&cal);
	}
	return 0;
}
