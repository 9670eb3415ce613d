/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "util.h"

#define LOOP_NAME_LEN 32
#define LOOP_MAX_EVENTS 64

enum loop_kind {
	LOOP_KIND_IO,
	LOOP_KIND_SIGNAL,
	LOOP_KIND_TIMERFD,
};

struct loop_watch {
	struct loop *loop;
	enum loop_kind kind;
	char name[LOOP_NAME_LEN];
	int fd;
	uint32_t events;
	loop_io_cb cb;
	void *userdata;
	bool dead; /* removed; freed at the end of the iteration */
	struct loop_watch *next;
};

struct loop_timer {
	struct loop *loop;
	char name[LOOP_NAME_LEN];
	uint64_t deadline;
	loop_timer_cb cb;
	void *userdata;
	bool dead;
	struct loop_timer *next;
};

struct loop {
	int epfd;
	int timerfd;
	uint64_t armed; /* what the timerfd is set to, UINT64_MAX = disarmed */
	bool timers_changed;
	struct loop_watch *watches;
	struct loop_timer *timers;
	struct loop_watch timer_watch;
	struct loop_watch signal_watch;
	loop_signal_cb signal_cb;
	void *signal_userdata;
	loop_post_cb post_cb;
	void *post_userdata;
	bool dirty;
	bool exiting;
	int exit_code;
	bool garbage; /* some watch or timer is dead */
	uint64_t iterations;
};

uint64_t loop_now_usec(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int loop_new(struct loop **ret)
{
	struct loop *l;
	struct epoll_event ev = { .events = EPOLLIN };

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = -1;
	l->timerfd = -1;
	l->signal_watch.fd = -1;
	l->armed = UINT64_MAX;

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto fail;
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timerfd < 0)
		goto fail;

	l->timer_watch.loop = l;
	l->timer_watch.kind = LOOP_KIND_TIMERFD;
	l->timer_watch.fd = l->timerfd;
	strscpy(l->timer_watch.name, sizeof(l->timer_watch.name), "timer");
	ev.data.ptr = &l->timer_watch;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->timerfd, &ev) < 0)
		goto fail;

	*ret = l;
	return 0;

fail:;
	int r = -errno;

	loop_free(l);
	return r;
}

static void loop_collect(struct loop *l, bool all)
{
	struct loop_watch **pw = &l->watches;
	struct loop_timer **pt = &l->timers;

	while (*pw) {
		struct loop_watch *w = *pw;

		if (w->dead || all) {
			*pw = w->next;
			free(w);
		} else
			pw = &w->next;
	}
	while (*pt) {
		struct loop_timer *t = *pt;

		if (t->dead || all) {
			*pt = t->next;
			free(t);
		} else
			pt = &t->next;
	}
	l->garbage = false;
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	loop_collect(l, true);
	if (l->signal_watch.fd >= 0)
		(void) close(l->signal_watch.fd);
	if (l->timerfd >= 0)
		(void) close(l->timerfd);
	if (l->epfd >= 0)
		(void) close(l->epfd);
	free(l);
	return NULL;
}

int loop_add_io(struct loop *l, const char *name, int fd, uint32_t events, loop_io_cb cb,
		void *userdata, struct loop_watch **ret)
{
	struct loop_watch *w;
	struct epoll_event ev = { .events = events };

	if (fd < 0 || !cb)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->loop = l;
	w->kind = LOOP_KIND_IO;
	strscpy(w->name, sizeof(w->name), name);
	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->userdata = userdata;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(w);
		return r;
	}
	w->next = l->watches;
	l->watches = w;
	if (ret)
		*ret = w;
	return 0;
}

int loop_watch_set_events(struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->dead)
		return -ESTALE;
	if (w->events == events)
		return 0;
	if (epoll_ctl(w->loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

struct loop_watch *loop_watch_remove(struct loop_watch *w)
{
	if (!w || w->dead)
		return NULL;
	/* The fd may already be closed by the owner: ignore EBADF/ENOENT. */
	(void) epoll_ctl(w->loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	w->loop->garbage = true;
	return NULL;
}

int loop_set_signals(struct loop *l, const int *sigs, loop_signal_cb cb, void *userdata)
{
	sigset_t mask;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	if (l->signal_watch.fd >= 0)
		return -EBUSY;
	(void) sigemptyset(&mask);
	for (const int *s = sigs; *s; s++)
		(void) sigaddset(&mask, *s);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	l->signal_watch.loop = l;
	l->signal_watch.kind = LOOP_KIND_SIGNAL;
	l->signal_watch.fd = fd;
	strscpy(l->signal_watch.name, sizeof(l->signal_watch.name), "signal");
	ev.data.ptr = &l->signal_watch;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		(void) close(fd);
		l->signal_watch.fd = -1;
		return r;
	}
	l->signal_cb = cb;
	l->signal_userdata = userdata;
	return 0;
}

int loop_add_timer(struct loop *l, const char *name, loop_timer_cb cb, void *userdata,
		   struct loop_timer **ret)
{
	struct loop_timer *t;

	if (!cb)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = l;
	strscpy(t->name, sizeof(t->name), name);
	t->deadline = UINT64_MAX;
	t->cb = cb;
	t->userdata = userdata;
	t->next = l->timers;
	l->timers = t;
	*ret = t;
	return 0;
}

void loop_timer_set(struct loop_timer *t, uint64_t deadline_usec)
{
	if (t->dead || t->deadline == deadline_usec)
		return;
	t->deadline = deadline_usec;
	t->loop->timers_changed = true;
}

uint64_t loop_timer_get(const struct loop_timer *t)
{
	return t->deadline;
}

struct loop_timer *loop_timer_remove(struct loop_timer *t)
{
	if (!t || t->dead)
		return NULL;
	t->dead = true;
	t->deadline = UINT64_MAX;
	t->loop->timers_changed = true;
	t->loop->garbage = true;
	return NULL;
}

void loop_set_post(struct loop *l, loop_post_cb cb, void *userdata)
{
	l->post_cb = cb;
	l->post_userdata = userdata;
}

void loop_mark_dirty(struct loop *l)
{
	l->dirty = true;
}

void loop_exit(struct loop *l, int code)
{
	l->exiting = true;
	l->exit_code = code;
}

uint64_t loop_iterations(const struct loop *l)
{
	return l->iterations;
}

/* Arm the single timerfd to the earliest live timer, only if that changed. */
static int loop_arm(struct loop *l)
{
	struct itimerspec its = {};
	uint64_t min = UINT64_MAX;

	if (!l->timers_changed)
		return 0;
	l->timers_changed = false;
	for (struct loop_timer *t = l->timers; t; t = t->next)
		if (!t->dead && t->deadline < min)
			min = t->deadline;
	if (min == l->armed)
		return 0;
	if (min != UINT64_MAX) {
		/* An all-zero it_value disarms: a deadline of 0 means "now", so use 1 us. */
		uint64_t at = min ? min : 1;

		its.it_value.tv_sec = (time_t) (at / 1000000ULL);
		its.it_value.tv_nsec = (long) (at % 1000000ULL) * 1000L;
	}
	if (timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return log_err_errno(-errno, "timerfd_settime failed: %m");
	l->armed = min;
	return 0;
}

static void loop_dispatch_timers(struct loop *l)
{
	uint64_t expirations, now;

	/* Drain the timerfd; EAGAIN just means a re-arm raced with the wake-up. */
	(void) !read(l->timerfd, &expirations, sizeof(expirations));
	l->armed = UINT64_MAX;
	l->timers_changed = true;
	now = loop_now_usec();
	/*
	 * Fire every expired timer, earliest deadline first, also when a late
	 * wake-up finds several expired at once.  Quadratic in the expired
	 * ones, which are few (the engine's, and clients past their limit).
	 */
	for (;;) {
		struct loop_timer *first = NULL;
		int r;

		for (struct loop_timer *t = l->timers; t; t = t->next)
			if (!t->dead && t->deadline <= now && (!first || t->deadline < first->deadline))
				first = t;
		if (!first)
			break;
		/* One-shot: the callback re-arms if it wants more. */
		first->deadline = UINT64_MAX;
		r = first->cb(l, now, first->userdata);
		if (r < 0)
			log_warning_errno(r, "timer %s failed: %m, ignoring", first->name);
	}
}

static void loop_dispatch_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(l->signal_watch.fd, &si, sizeof(si));
		int r;

		if (n != (ssize_t) sizeof(si))
			return;
		if (!l->signal_cb)
			continue;
		r = l->signal_cb(l, (int) si.ssi_signo, l->signal_userdata);
		if (r < 0)
			log_warning_errno(r, "signal %u handler failed: %m, ignoring", si.ssi_signo);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];

	while (!l->exiting) {
		int n, r;

		r = loop_arm(l);
		if (r < 0)
			return r;
		/* Block without a timeout: only fds, signals and the timerfd wake us. */
		n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, l->dirty ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return log_err_errno(-errno, "epoll_wait failed: %m");
		}
		l->iterations++;
		for (int i = 0; i < n && !l->exiting; i++) {
			struct loop_watch *w = evs[i].data.ptr;

			switch (w->kind) {
			case LOOP_KIND_TIMERFD:
				loop_dispatch_timers(l);
				break;
			case LOOP_KIND_SIGNAL:
				loop_dispatch_signals(l);
				break;
			case LOOP_KIND_IO:
				if (w->dead)
					break;
				r = w->cb(l, w->fd, evs[i].events, w->userdata);
				if (r < 0)
					log_warning_errno(r, "%s: event handler failed: %m", w->name);
				break;
			}
		}
		if (l->dirty && !l->exiting) {
			l->dirty = false;
			if (l->post_cb)
				l->post_cb(l, l->post_userdata);
		}
		if (l->garbage)
			loop_collect(l, false);
	}
	return l->exit_code;
}
