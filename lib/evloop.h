/* evloop.h — one event loop for both daemons: file events and timer events
 * over epoll, in the spirit of Redis' ae.c.
 *
 *   struct dc_loop *l = dc_loop_new();
 *   dc_loop_add_fd(l, fd, DC_READABLE, on_read, ud);
 *   int t = dc_loop_timer_new(l, on_timer, ud);
 *   dc_loop_timer_set(l, t, dc_mono_ms() + 500);
 *   dc_loop_set_before_sleep(l, step, ud);
 *   dc_loop_run(l);                     (until dc_loop_stop)
 *
 * One iteration: the before-sleep hook (decide, re-arm timers), then
 * epoll_wait for exactly as long as the earliest armed timer allows (forever
 * when none is armed: no tick, no busy wait), then the ready file events,
 * then the timers now due.  Timers are one-shot: a timer is disarmed before
 * its callback runs, which re-arms it if it wants to run again.  Times are
 * CLOCK_MONOTONIC milliseconds (dc_mono_ms()).
 *
 * Callbacks may add, change or remove any file or timer event, their own
 * included; a file event removed during an iteration is not dispatched
 * afterwards in that iteration.  Single-threaded: other threads hand work
 * back through an fd (eventfd) they make readable.
 */
#ifndef DECRAN_EVLOOP_H
#define DECRAN_EVLOOP_H

#include <stdint.h>

#define DC_READABLE 1u
#define DC_WRITABLE 2u
#define DC_ERROR 4u	/* error or hang-up: always reported, never asked for */

#define DC_NEVER INT64_MAX	/* a timer deadline that disarms it */

struct dc_loop;
typedef void (*dc_file_fn)(struct dc_loop *l, int fd, unsigned events, void *ud);
typedef void (*dc_timer_fn)(struct dc_loop *l, int id, void *ud);
typedef void (*dc_hook_fn)(struct dc_loop *l, void *ud);

struct dc_loop *dc_loop_new(void);
/* Closes the epoll fd, not the fds watched (their owners close them). */
void dc_loop_free(struct dc_loop *l);

/* Watch fd for `events` (DC_READABLE | DC_WRITABLE); one handler per fd.
 * -1 with errno (EEXIST: already watched). */
int dc_loop_add_fd(struct dc_loop *l, int fd, unsigned events, dc_file_fn fn, void *ud);
/* Change what fd is watched for. */
int dc_loop_mod_fd(struct dc_loop *l, int fd, unsigned events);
/* Stop watching fd (before closing it); harmless when not watched. */
void dc_loop_del_fd(struct dc_loop *l, int fd);
/* Events fd is watched for, or 0 when not watched. */
unsigned dc_loop_fd_events(const struct dc_loop *l, int fd);

/* A timer, disarmed: its id (>= 0), or -1. */
int dc_loop_timer_new(struct dc_loop *l, dc_timer_fn fn, void *ud);
/* Run the timer's callback at monotonic `at_ms` (DC_NEVER: disarm). */
void dc_loop_timer_set(struct dc_loop *l, int id, int64_t at_ms);
int64_t dc_loop_timer_at(const struct dc_loop *l, int id);
void dc_loop_timer_del(struct dc_loop *l, int id);

/* Called at the start of every iteration, before the loop sleeps. */
void dc_loop_set_before_sleep(struct dc_loop *l, dc_hook_fn fn, void *ud);

/* One iteration, sleeping at most max_wait_ms (-1: as long as the timers
 * allow).  Returns the number of file and timer events run, -1 with errno
 * when epoll_wait failed (not EINTR). */
int dc_loop_run_once(struct dc_loop *l, int64_t max_wait_ms);
/* Iterate until dc_loop_stop; 0, or -1 when epoll_wait failed. */
int dc_loop_run(struct dc_loop *l);
void dc_loop_stop(struct dc_loop *l);
/* Sleeps a timer ended with no file event: what an idle daemon costs
 * (bench and tests count needless wake-ups with it). */
uint64_t dc_loop_timer_wakeups(const struct dc_loop *l);

/* The daemons' signals as a descriptor for the loop: SIGTERM, SIGINT, SIGHUP
 * (and `extra` when > 0) blocked and read from a non-blocking signalfd, so a
 * signal is handled between events, never inside one; SIGPIPE ignored (a peer
 * gone mid-write is an error return, not the daemon's death).  Call before
 * starting threads, which inherit the mask.  -1 with errno. */
int dc_signalfd_open(int extra);

/* Pure: how long to sleep (ms) until `earliest` seen at `now`: -1 forever
 * for DC_NEVER, 0 when due, capped by max_wait_ms when that is >= 0. */
int dc_loop_timeout_ms(int64_t earliest, int64_t now, int64_t max_wait_ms);

#endif
