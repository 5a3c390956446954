/* watchdog.h — the board's hardware watchdog, fed from the event loop.
 *
 * The box's promise is "dark when it fails" (hw/watchdog.md): if the loop
 * hangs, nobody feeds the timer and the board reboots, which releases the
 * GPIO lines to their reset state (coils de-energised: NO screens off, NC
 * screens on).  The feed is a write of one byte, which every Linux
 * watchdog driver takes as a keepalive; the same write on a regular file or
 * a FIFO lets tests watch the feeding stop.
 */
#ifndef DECRAN_FW_WATCHDOG_H
#define DECRAN_FW_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct fw_watchdog {
	int fd;			/* -1: not configured */
	int64_t period_ms;	/* feed interval: timeout / 3 */
	int64_t next_ms;	/* monotonic */
	bool magic_close;
};

/* Open and arm the device (WDIOC_SETTIMEOUT when the device takes ioctls).
 * A disabled configuration leaves w->fd at -1 and returns 0. */
int fw_watchdog_open(struct fw_watchdog *w, const struct fw_watchdog_cfg *cfg, char *err,
		     size_t errlen);
/* Feed when due; returns the next monotonic ms it is due (INT64_MAX none). */
int64_t fw_watchdog_feed(struct fw_watchdog *w, int64_t mono_ms);
/* Close.  clean: a deliberate stop, which disarms the timer with the magic
 * 'V' only when the configuration asks for it; otherwise the timer keeps
 * running and the board reboots unless a new process feeds it in time. */
void fw_watchdog_close(struct fw_watchdog *w, bool clean);

#endif
