/* gwlog.c — the gateway's log lines on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gwlog.h"

int gw_log_verbose;

/* The loop thread's lines of one loop turn, written together before it
 * sleeps: a burst logs a "switch" and a "confirmed" line per channel, and
 * a write per line was a fifth of the gateway's system calls.  Only the
 * thread that called gw_log_batch(true) ever touches this buffer. */
static _Thread_local bool batching;
static char pending[1 << 16];
static size_t npending;

void gw_log_flush(void)
{
	size_t done = 0;
	if (!batching)
		return;
	while (done < npending) {
		ssize_t n = write(STDERR_FILENO, pending + done, npending - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* no log to write to: lines are dropped, as with stderr */
		done += (size_t)n;
	}
	npending = 0;
}

void gw_log_batch(bool on)
{
	gw_log_flush();
	batching = on;
}

void gw_log(const char *level, const char *component, const char *fmt, ...)
{
	char msg[1024], line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int n = snprintf(line, sizeof line, "%s %s: %s\n", level, component, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (!batching) {
		/* One write per line so lines from the Modbus workers never
		 * interleave. */
		fwrite(line, 1, (size_t)n, stderr);
		return;
	}
	if (npending + (size_t)n > sizeof pending)
		gw_log_flush();
	memcpy(pending + npending, line, (size_t)n);
	npending += (size_t)n;
}
