/* gwlog.c — the gateway's log lines on stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "gwlog.h"

int gw_log_verbose;

void gw_log(const char *level, const char *component, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* One fprintf per line so lines from the Modbus workers never interleave. */
	fprintf(stderr, "%s %s: %s\n", level, component, line);
}
