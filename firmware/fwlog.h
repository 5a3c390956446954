/* fwlog.h — one-line logging to stderr (journald adds time and unit).
 * Under systemd (JOURNAL_STREAM set) lines carry the "<N>" priority prefix
 * journald understands; otherwise they are prefixed with the program name. */
#ifndef DECRAN_FW_LOG_H
#define DECRAN_FW_LOG_H

#include <syslog.h>

void fw_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
