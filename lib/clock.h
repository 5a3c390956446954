/* clock.h — wall clock that tests can start anywhere and run fast.
 *
 * Daemons never call time() directly: they ask a struct dc_clock.  In
 * production it is the real clock.  A test clock ("--clock START,SPEED" or
 * DECRAN_CLOCK="2026-11-23T20:59:00Z,600") starts at START and runs SPEED
 * times faster than the monotonic clock:
 *     virtual = start + (monotonic - monotonic_at_start) * speed
 * Timers are computed in virtual time and turned into real delays with
 * dc_clock_real_delay_ms(), so an hour of schedule can pass in seconds.
 *
 * The "is the clock trustworthy" question (kernel NTP sync) lives here too,
 * behind dc_clock_synced(), so tests can answer it through the environment.
 */
#ifndef DECRAN_CLOCK_H
#define DECRAN_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dc_clock {
	bool virtual_time;	/* false: real clock, the fields below are unused */
	int64_t start_ms;	/* virtual UTC milliseconds at mono0_ns */
	int64_t mono0_ns;	/* CLOCK_MONOTONIC when the virtual clock started */
	double speed;		/* virtual seconds per real second, > 0 */
};

/* The real clock. */
void dc_clock_init_real(struct dc_clock *c);
/* Parse "YYYY-MM-DDTHH:MM:SSZ,SPEED" (SPEED optional, default 1, 0 < SPEED
 * <= 100000) and start a virtual clock now.  Returns -1 with a message. */
int dc_clock_init_spec(struct dc_clock *c, const char *spec, char *err, size_t errlen);
/* --clock option if given, else $DECRAN_CLOCK if set, else the real clock. */
int dc_clock_init(struct dc_clock *c, const char *opt, char *err, size_t errlen);

/* Current UTC time in milliseconds / seconds. */
int64_t dc_clock_now_ms(const struct dc_clock *c);
int64_t dc_clock_now(const struct dc_clock *c);
/* Monotonic milliseconds (real, for keepalives and I/O timeouts). */
int64_t dc_mono_ms(void);

/* Pure conversions, exposed for tests. */
int64_t dc_clock_virtual_at(const struct dc_clock *c, int64_t mono_ns);
/* Real milliseconds to wait until virtual instant `deadline_ms` (UTC ms)
 * starting from virtual `now_ms`: rounded up, 0 if already due. */
int64_t dc_clock_real_delay_ms(const struct dc_clock *c, int64_t now_ms, int64_t deadline_ms);

/* Parse "YYYY-MM-DDTHH:MM:SSZ" to UTC seconds; -1 on error. */
int dc_parse_utc(const char *s, int64_t *out);
/* Format UTC seconds as "YYYY-MM-DDTHH:MM:SSZ" (buf >= 21 bytes). */
char *dc_format_utc(char *buf, size_t len, int64_t t);

/* Is the system clock trustworthy?  $DECRAN_CLOCK_SYNCED=1|0 answers for
 * tests; otherwise the kernel: adjtimex() without STA_UNSYNC and not
 * TIME_ERROR means an NTP client (chrony, timesyncd) disciplines it. */
bool dc_clock_synced(void);
/* Replace the sync check (unit tests); NULL restores the default. */
void dc_clock_set_sync_check(bool (*fn)(void));

#endif
