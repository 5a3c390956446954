/* fuzz_ics.c — iCalendar files (lib/calendar_ics: events, all-day and timed,
 * recurrences expanded to UTC intervals).  What comes back must be sorted,
 * non-overlapping and non-empty intervals, as calendar_ics.h promises. */
#include "fuzz.h"

#include "calendar_ics.h"

#include <libical/ical.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Recurrences expanded to 2030 and at most 2 000 occurrences a file, not to
 * 2100 and 200 000: the same code (the horizon and the cap are reached
 * all the same), thousands of times faster on an endless weekly rule. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dc_ics_set_limits(INT64_C(1893456000), 2000);
	return 0;
}

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
	/* libical keeps its temporary strings in a ring until their slot comes
	 * round again: memory kept from one input to the next, which libFuzzer
	 * takes for a possible leak and checks with a scan of the whole heap,
	 * ten times the cost of the input.  (The zones it caches are not
	 * freed: reloading them costs more than the rare scan they cause.) */
	icalmemory_free_ring();
	return 0;
}
