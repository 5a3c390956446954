/* fwlog.c — stderr logging with journald priorities. */
#include "fwlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void fw_log(int prio, const char *fmt, ...)
{
	static int journal = -1;
	char msg[512];
	va_list ap;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "<%d>%s\n", prio, msg);
	else
		fprintf(stderr, "decran-relay: %s\n", msg);
}
