/* gwlog.h — the gateway's log lines on stderr (journald keeps them).
 *
 * One line per event, greppable:
 *   <level> <component>: <message> key=value key=value
 * e.g. "warn mqtt: malformed payload topic=stat/k3/POWER1 error=..." .
 * Levels: debug (only with -v), info, warn, err.
 */
#ifndef DECRAN_GW_LOG_H
#define DECRAN_GW_LOG_H

#include <stdbool.h>

extern int gw_log_verbose;

void gw_log(const char *level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* From gw_log_batch(true) on, the calling thread's lines wait in a buffer
 * until gw_log_flush (the loop calls it before every sleep: a loop turn's
 * lines leave in one write; a crash loses at most that turn's).  Other
 * threads' lines are written at once.  gw_log_batch(false) flushes. */
void gw_log_batch(bool on);
void gw_log_flush(void);

#define log_debug(c, ...) do { if (gw_log_verbose) gw_log("debug", c, __VA_ARGS__); } while (0)
#define log_info(c, ...) gw_log("info", c, __VA_ARGS__)
#define log_warn(c, ...) gw_log("warn", c, __VA_ARGS__)
#define log_err(c, ...) gw_log("err", c, __VA_ARGS__)

#endif
