/* sdnotify.h — the systemd notification protocol, without libsystemd.
 *
 * sd_notify is one datagram to $NOTIFY_SOCKET; the watchdog period is
 * $WATCHDOG_USEC when $WATCHDOG_PID is ours.  Writing them here keeps
 * libsystemd (and the compression and crypto libraries it loads: about
 * 1.5 MB of resident pages) out of decran-relay, whose target is 4 MB RSS.
 */
#ifndef DECRAN_SDNOTIFY_H
#define DECRAN_SDNOTIFY_H

#include <stdint.h>

/* Send "READY=1", "WATCHDOG=1", "STATUS=...", ... to the service manager.
 * 1 sent, 0 not under a service manager, -1 with errno. */
int dc_sd_notify(const char *state);
/* The service watchdog period in µs for this process, 0 when none. */
uint64_t dc_sd_watchdog_usec(void);

#endif
