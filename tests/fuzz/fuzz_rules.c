/* fuzz_rules.c — the rules file (lib/rules: policies, derogations,
 * calendars, transport hours, grid alerts).  Calendars named in it are
 * served from memory (one small ICS text), never read from disk. */
#include "fuzz.h"

#include "rules.h"

static const char ics[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//fuzz//FR\r\n"
	"BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261017\r\n"
	"DTEND;VALUE=DATE:20261102\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static int read_ics(void *arg, const char *path, const char *zone, struct dc_ics_calendar *out,
		    char *err, size_t errlen)
{
	(void)arg;
	return dc_ics_parse(ics, sizeof ics - 1, path, zone, out, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct dc_rules *r = dc_rules_parse_with((const char *)data, size, "/fuzz", read_ics, NULL,
						 err, sizeof err);
	if (!r)
		FUZZ_ERR_SET(-1, err);
	dc_rules_free(r);
	return 0;
}
