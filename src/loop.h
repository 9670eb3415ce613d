/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small single-threaded event loop: epoll over named fd watches, one
 * signalfd, one timerfd (CLOCK_MONOTONIC, absolute) armed to the earliest
 * pending timer only, and a deferred "dirty" hook that runs once per
 * iteration after all ready fds were dispatched.
 *
 * There are no periodic timers: with no timer pending the timerfd is
 * disarmed and epoll_wait() blocks forever, so an idle daemon never wakes.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_watch;
struct loop_timer;

/* Callbacks return 0 or -errno; a negative return is logged with the watch's name. */
typedef int (*loop_io_cb)(struct loop *l, int fd, uint32_t revents, void *userdata);
typedef int (*loop_signal_cb)(struct loop *l, int signo, void *userdata);
typedef int (*loop_timer_cb)(struct loop *l, uint64_t now_usec, void *userdata);
typedef void (*loop_post_cb)(struct loop *l, void *userdata);

int loop_new(struct loop **ret);
/* Frees the loop and every watch and timer still registered (fds are not closed). */
struct loop *loop_free(struct loop *l);

/* CLOCK_MONOTONIC in microseconds; the only clock the daemon feeds the engine. */
uint64_t loop_now_usec(void);

/* Watch fd for events (EPOLLIN/EPOLLOUT...).  name is copied (for logs). */
int loop_add_io(struct loop *l, const char *name, int fd, uint32_t events, loop_io_cb cb,
		void *userdata, struct loop_watch **ret);
int loop_watch_set_events(struct loop_watch *w, uint32_t events);
/* Unregisters and frees the watch; safe from inside its own callback.  Returns NULL. */
struct loop_watch *loop_watch_remove(struct loop_watch *w);

/* Block sigs (ending with 0) and deliver them through one signalfd. */
int loop_set_signals(struct loop *l, const int *sigs, loop_signal_cb cb, void *userdata);

/*
 * A one-shot timer at an absolute CLOCK_MONOTONIC time (UINT64_MAX =
 * disarmed).  All timers share the single timerfd, armed to the earliest.
 */
int loop_add_timer(struct loop *l, const char *name, loop_timer_cb cb, void *userdata,
		   struct loop_timer **ret);
void loop_timer_set(struct loop_timer *t, uint64_t deadline_usec);
uint64_t loop_timer_get(const struct loop_timer *t);
struct loop_timer *loop_timer_remove(struct loop_timer *t);

/* The deferred hook: loop_mark_dirty() makes it run once at the end of this iteration. */
void loop_set_post(struct loop *l, loop_post_cb cb, void *userdata);
void loop_mark_dirty(struct loop *l);

/* Run until loop_exit(); returns the exit code given there, or -errno on a loop failure. */
int loop_run(struct loop *l);
void loop_exit(struct loop *l, int code);

/* Counters for tests and status: iterations (wake-ups) since loop_new(). */
uint64_t loop_iterations(const struct loop *l);
