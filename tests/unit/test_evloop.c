/* test_evloop.c — lib/evloop: file events, one-shot timers, the before-sleep
 * hook, removal during dispatch, hand-off from a thread, sleep computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "evloop.h"

struct seen {
	int calls, fd;
	unsigned events;
	int64_t at;		/* mono ms when called */
	struct dc_loop *l;
	int order[8], norder;
};

static void on_fd(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct seen *s = ud;
	(void)l;
	s->calls++;
	s->fd = fd;
	s->events = events;
}

static void sleep_is_until_the_earliest_deadline(void **state)
{
	(void)state;
	assert_int_equal(dc_loop_timeout_ms(DC_NEVER, 1000, -1), -1);
	assert_int_equal(dc_loop_timeout_ms(DC_NEVER, 1000, 250), 250);
	assert_int_equal(dc_loop_timeout_ms(1000, 1000, -1), 0);
	assert_int_equal(dc_loop_timeout_ms(900, 1000, -1), 0);
	assert_int_equal(dc_loop_timeout_ms(1750, 1000, -1), 750);
	assert_int_equal(dc_loop_timeout_ms(1750, 1000, 100), 100);
	assert_int_equal(dc_loop_timeout_ms(1750, 1000, 0), 0);
	/* Far deadlines fit epoll_wait's int; the loop sleeps again after. */
	assert_int_equal(dc_loop_timeout_ms(INT64_MAX - 1, 0, -1), 86400000);
}

static void readable_fd_is_dispatched_with_its_data(void **state)
{
	(void)state;
	int p[2];
	struct seen s = { 0 };
	struct dc_loop *l = dc_loop_new();
	assert_non_null(l);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dc_loop_add_fd(l, p[0], DC_READABLE, on_fd, &s), 0);
	assert_int_equal(dc_loop_fd_events(l, p[0]), DC_READABLE);
	/* Nothing ready: nothing runs. */
	assert_int_equal(dc_loop_run_once(l, 0), 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(dc_loop_run_once(l, -1), 1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.fd, p[0]);
	assert_true(s.events & DC_READABLE);
	/* A second handler for the same fd is refused. */
	assert_int_equal(dc_loop_add_fd(l, p[0], DC_READABLE, on_fd, &s), -1);
	assert_int_equal(errno, EEXIST);
	/* Removed: no longer dispatched although still readable. */
	dc_loop_del_fd(l, p[0]);
	assert_int_equal(dc_loop_fd_events(l, p[0]), 0);
	assert_int_equal(dc_loop_run_once(l, 0), 0);
	assert_int_equal(s.calls, 1);
	dc_loop_del_fd(l, p[0]);	/* twice: harmless */
	dc_loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void interest_can_change_to_writable(void **state)
{
	(void)state;
	int sv[2];
	struct seen s = { 0 };
	struct dc_loop *l = dc_loop_new();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(dc_loop_add_fd(l, sv[0], DC_READABLE, on_fd, &s), 0);
	assert_int_equal(dc_loop_run_once(l, 0), 0);
	assert_int_equal(dc_loop_mod_fd(l, sv[0], DC_READABLE | DC_WRITABLE), 0);
	assert_int_equal(dc_loop_run_once(l, -1), 1);
	assert_int_equal(s.events, DC_WRITABLE);
	assert_int_equal(dc_loop_mod_fd(l, 999, DC_READABLE), -1);
	/* The peer hangs up: reported as an error with the read side. */
	assert_int_equal(dc_loop_mod_fd(l, sv[0], DC_READABLE), 0);
	close(sv[1]);
	assert_int_equal(dc_loop_run_once(l, -1), 1);
	assert_true(s.events & DC_ERROR);
	assert_true(s.events & DC_READABLE);
	dc_loop_free(l);
	close(sv[0]);
}

struct pair {
	int a, b, calls;
};

/* Each handler removes the other fd. */
static void on_fd_remove_other(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct pair *p = ud;
	(void)events;
	p->calls++;
	dc_loop_del_fd(l, fd == p->a ? p->b : p->a);
}

static void fd_removed_by_an_earlier_handler_is_not_dispatched(void **state)
{
	(void)state;
	int a[2], b[2];
	struct dc_loop *l = dc_loop_new();
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	struct pair p = { a[0], b[0], 0 };
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(dc_loop_add_fd(l, a[0], DC_READABLE, on_fd_remove_other, &p), 0);
	assert_int_equal(dc_loop_add_fd(l, b[0], DC_READABLE, on_fd_remove_other, &p), 0);
	/* Both ready in one batch: whichever runs first removes the other. */
	assert_int_equal(dc_loop_run_once(l, -1), 1);
	assert_int_equal(p.calls, 1);
	assert_int_equal(!!dc_loop_fd_events(l, a[0]) + !!dc_loop_fd_events(l, b[0]), 1);
	dc_loop_free(l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void on_timer(struct dc_loop *l, int id, void *ud)
{
	struct seen *s = ud;
	(void)l;
	s->at = dc_mono_ms();
	s->order[s->norder++] = id;
	s->calls++;
}

static void timers_fire_once_in_deadline_order_never_early(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct dc_loop *l = dc_loop_new();
	int late = dc_loop_timer_new(l, on_timer, &s);
	int soon = dc_loop_timer_new(l, on_timer, &s);
	int never = dc_loop_timer_new(l, on_timer, &s);
	assert_true(late >= 0 && soon >= 0 && never >= 0);
	assert_int_equal(dc_loop_timer_at(l, never), DC_NEVER);
	int64_t t0 = dc_mono_ms();
	dc_loop_timer_set(l, late, t0 + 40);
	dc_loop_timer_set(l, soon, t0 + 15);
	/* No fd at all: the loop sleeps until the earliest timer. */
	while (s.calls < 1)
		assert_true(dc_loop_run_once(l, -1) >= 0);
	assert_int_equal(s.order[0], soon);
	assert_true(s.at >= t0 + 15);
	assert_int_equal(dc_loop_timer_at(l, soon), DC_NEVER);	/* one-shot */
	while (s.calls < 2)
		assert_true(dc_loop_run_once(l, -1) >= 0);
	assert_int_equal(s.order[1], late);
	assert_true(s.at >= t0 + 40);
	/* Disarmed after firing: nothing more. */
	assert_int_equal(dc_loop_run_once(l, 0), 0);
	assert_int_equal(s.calls, 2);
	/* A deleted timer never fires; its slot is reused. */
	dc_loop_timer_set(l, never, t0);
	dc_loop_timer_del(l, never);
	assert_int_equal(dc_loop_run_once(l, 0), 0);
	assert_int_equal(dc_loop_timer_new(l, on_timer, &s), never);
	dc_loop_free(l);
}

struct counting {
	int hooks, fires;
};

static void rearm_then_stop(struct dc_loop *l, int id, void *ud)
{
	struct counting *c = ud;
	if (++c->fires == 3)
		dc_loop_stop(l);
	else
		dc_loop_timer_set(l, id, dc_mono_ms() + 1);
}

static void count_hook(struct dc_loop *l, void *ud)
{
	(void)l;
	((struct counting *)ud)->hooks++;
}

static void before_sleep_runs_every_iteration_and_stop_ends_run(void **state)
{
	(void)state;
	struct counting c = { 0 };
	struct dc_loop *l = dc_loop_new();
	int t = dc_loop_timer_new(l, rearm_then_stop, &c);
	dc_loop_timer_set(l, t, dc_mono_ms() + 1);
	dc_loop_set_before_sleep(l, count_hook, &c);
	assert_int_equal(dc_loop_run(l), 0);
	assert_int_equal(c.fires, 3);
	/* At least one hook per firing, and no spinning while waiting: a few
	 * iterations, not thousands. */
	assert_true(c.hooks >= 3);
	assert_true(c.hooks < 50);
	dc_loop_free(l);
}

static void *poke(void *arg)
{
	uint64_t one = 1;
	usleep(20000);
	if (write(*(int *)arg, &one, sizeof one) != sizeof one)
		return NULL;
	return arg;
}

static void another_thread_wakes_the_loop_through_an_eventfd(void **state)
{
	(void)state;
	struct seen s = { 0 };
	pthread_t th;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct dc_loop *l = dc_loop_new();
	assert_int_equal(dc_loop_add_fd(l, efd, DC_READABLE, on_fd, &s), 0);
	assert_int_equal(pthread_create(&th, NULL, poke, &efd), 0);
	/* Sleeps with no timer at all until the thread writes. */
	while (s.calls == 0)
		assert_true(dc_loop_run_once(l, -1) >= 0);
	void *ret;
	pthread_join(th, &ret);
	assert_non_null(ret);
	assert_int_equal(s.fd, efd);
	dc_loop_free(l);
	close(efd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sleep_is_until_the_earliest_deadline),
		cmocka_unit_test(readable_fd_is_dispatched_with_its_data),
		cmocka_unit_test(interest_can_change_to_writable),
		cmocka_unit_test(fd_removed_by_an_earlier_handler_is_not_dispatched),
		cmocka_unit_test(timers_fire_once_in_deadline_order_never_early),
		cmocka_unit_test(before_sleep_runs_every_iteration_and_stop_ends_run),
		cmocka_unit_test(another_thread_wakes_the_loop_through_an_eventfd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
