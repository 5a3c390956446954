/* gwlog.h — the gateway's log lines on stderr (journald keeps them).
 *
 * One line per event, greppable:
 *   <level> <component>: <message> key=value key=value
 * e.g. "warn mqtt: malformed payload topic=stat/k3/POWER1 error=..." .
 * Levels: debug (only with -v), info, warn, err.
 */
#ifndef DECRAN_GW_LOG_H
#define DECRAN_GW_LOG_H

extern int gw_log_verbose;

void gw_log(const char *level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(c, ...) do { if (gw_log_verbose) gw_log("debug", c, __VA_ARGS__); } while (0)
#define log_info(c, ...) gw_log("info", c, __VA_ARGS__)
#define log_warn(c, ...) gw_log("warn", c, __VA_ARGS__)
#define log_err(c, ...) gw_log("err", c, __VA_ARGS__)

#endif
