/* evloop.c — file and timer events over epoll (see evloop.h). */
#include "evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"

#define MAX_READY 64

struct fev {
	dc_file_fn fn;	/* NULL: not watched */
	void *ud;
	unsigned events;
};

struct tev {
	dc_timer_fn fn;	/* NULL: free slot */
	void *ud;
	int64_t at;
};

struct dc_loop {
	int epfd;
	bool stop;
	struct fev *fds;	/* indexed by fd: a daemon has few, small fds */
	size_t nfds;
	struct tev *timers;	/* a handful per daemon: scanned, not sorted */
	size_t ntimers;
	dc_hook_fn before_sleep;
	void *before_ud;
	uint64_t timer_wakeups;	/* sleeps ended by a timer and nothing else */
};

struct dc_loop *dc_loop_new(void)
{
	struct dc_loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void dc_loop_free(struct dc_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->fds);
	free(l->timers);
	free(l);
}

static uint32_t to_epoll(unsigned events)
{
	return ((events & DC_READABLE) ? EPOLLIN : 0) | ((events & DC_WRITABLE) ? EPOLLOUT : 0);
}

static unsigned from_epoll(uint32_t e)
{
	return ((e & EPOLLIN) ? DC_READABLE : 0) | ((e & EPOLLOUT) ? DC_WRITABLE : 0) |
	       ((e & (EPOLLERR | EPOLLHUP)) ? DC_ERROR : 0);
}

int dc_loop_add_fd(struct dc_loop *l, int fd, unsigned events, dc_file_fn fn, void *ud)
{
	if (fd < 0 || !fn) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 16;
		while (n <= (size_t)fd)
			n *= 2;
		struct fev *v = realloc(l->fds, n * sizeof *v);
		if (!v)
			return -1;
		memset(v + l->nfds, 0, (n - l->nfds) * sizeof *v);
		l->fds = v;
		l->nfds = n;
	}
	if (l->fds[fd].fn) {
		errno = EEXIST;
		return -1;
	}
	struct epoll_event ev = { .events = to_epoll(events), .data.fd = fd };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->fds[fd] = (struct fev){ fn, ud, events };
	return 0;
}

int dc_loop_mod_fd(struct dc_loop *l, int fd, unsigned events)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn) {
		errno = ENOENT;
		return -1;
	}
	if (l->fds[fd].events == events)
		return 0;
	struct epoll_event ev = { .events = to_epoll(events), .data.fd = fd };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	l->fds[fd].events = events;
	return 0;
}

void dc_loop_del_fd(struct dc_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn)
		return;
	/* Fails harmlessly when the fd was closed first (the kernel dropped
	 * it from the set already). */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd] = (struct fev){ 0 };
}

unsigned dc_loop_fd_events(const struct dc_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn)
		return 0;
	return l->fds[fd].events;
}

int dc_loop_timer_new(struct dc_loop *l, dc_timer_fn fn, void *ud)
{
	size_t i;
	if (!fn)
		return -1;
	for (i = 0; i < l->ntimers && l->timers[i].fn; i++)
		;
	if (i == l->ntimers) {
		struct tev *v = realloc(l->timers, (l->ntimers + 1) * sizeof *v);
		if (!v)
			return -1;
		l->timers = v;
		l->ntimers++;
	}
	l->timers[i] = (struct tev){ fn, ud, DC_NEVER };
	return (int)i;
}

static struct tev *timer(const struct dc_loop *l, int id)
{
	if (id < 0 || (size_t)id >= l->ntimers || !l->timers[id].fn)
		return NULL;
	return &l->timers[id];
}

void dc_loop_timer_set(struct dc_loop *l, int id, int64_t at_ms)
{
	struct tev *t = timer(l, id);
	if (t)
		t->at = at_ms;
}

int64_t dc_loop_timer_at(const struct dc_loop *l, int id)
{
	const struct tev *t = timer(l, id);
	return t ? t->at : DC_NEVER;
}

void dc_loop_timer_del(struct dc_loop *l, int id)
{
	struct tev *t = timer(l, id);
	if (t)
		*t = (struct tev){ 0 };
}

void dc_loop_set_before_sleep(struct dc_loop *l, dc_hook_fn fn, void *ud)
{
	l->before_sleep = fn;
	l->before_ud = ud;
}

int dc_loop_timeout_ms(int64_t earliest, int64_t now, int64_t max_wait_ms)
{
	int64_t d;
	if (earliest == DC_NEVER)
		d = -1;
	else
		d = earliest > now ? earliest - now : 0;
	if (max_wait_ms >= 0 && (d < 0 || d > max_wait_ms))
		d = max_wait_ms;
	/* epoll_wait takes an int: a deadline weeks away is slept in parts. */
	if (d > 86400000)
		d = 86400000;
	return (int)d;
}

static int64_t earliest(const struct dc_loop *l)
{
	int64_t e = DC_NEVER;
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].fn && l->timers[i].at < e)
			e = l->timers[i].at;
	return e;
}

/* Timers due at `now`, each at most once per pass. */
static int run_timers(struct dc_loop *l, int64_t now)
{
	int ran = 0;
	for (size_t i = 0; i < l->ntimers; i++) {
		struct tev *t = &l->timers[i];
		if (!t->fn || t->at > now)
			continue;
		t->at = DC_NEVER;
		t->fn(l, (int)i, t->ud);
		ran++;
	}
	return ran;
}

int dc_loop_run_once(struct dc_loop *l, int64_t max_wait_ms)
{
	struct epoll_event evs[MAX_READY];
	if (l->before_sleep)
		l->before_sleep(l, l->before_ud);
	if (l->stop)
		return 0;
	int timeout = dc_loop_timeout_ms(earliest(l), dc_mono_ms(), max_wait_ms);
	int n = epoll_wait(l->epfd, evs, MAX_READY, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	int ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		/* Looked up again: an earlier handler may have removed it. */
		if ((size_t)fd >= l->nfds || !l->fds[fd].fn)
			continue;
		struct fev *f = &l->fds[fd];
		f->fn(l, fd, from_epoll(evs[i].events), f->ud);
		ran++;
	}
	int timers = run_timers(l, dc_mono_ms());
	if (n == 0 && timers > 0)
		l->timer_wakeups++;
	return ran + timers;
}

uint64_t dc_loop_timer_wakeups(const struct dc_loop *l)
{
	return l->timer_wakeups;
}

int dc_loop_run(struct dc_loop *l)
{
	int rc = 0;
	while (!l->stop && rc == 0)
		if (dc_loop_run_once(l, -1) < 0)
			rc = -1;
	l->stop = false;	/* runnable again */
	return rc;
}

void dc_loop_stop(struct dc_loop *l)
{
	l->stop = true;
}

int dc_signalfd_open(int extra)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (extra > 0)
		sigaddset(&mask, extra);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}
