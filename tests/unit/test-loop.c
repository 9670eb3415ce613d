/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event loop: fd watches, one-shot timers on one timerfd, the dirty hook, signals. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "daemon.h"
#include "loop.h"

struct ctx {
	int order[4];     /* firing sequence number per timer, 1-based */
	int next;
	int posts;
	int reads;
	int sig;
	struct loop_watch *w;
	struct loop_timer *t[4];
	uint64_t fired_at[4];
};

struct timer_ref {
	struct ctx *c;
	int i;
};

static int on_timer(struct loop *l, uint64_t now, void *userdata)
{
	struct timer_ref *ref = userdata;
	struct ctx *c = ref->c;

	ck_assert_int_eq(c->order[ref->i], 0);
	c->order[ref->i] = ++c->next;
	c->fired_at[ref->i] = now;
	loop_mark_dirty(l);
	return 0;
}

static void on_post(struct loop *l, void *userdata)
{
	struct ctx *c = userdata;

	c->posts++;
	if (c->next == 3)
		loop_exit(l, 7);
}

START_TEST(test_timers_in_order)
{
	struct loop *l;
	struct ctx c = {};
	struct timer_ref refs[4];
	uint64_t start, at[3] = { 30000, 10000, 20000 };

	ck_assert_int_eq(loop_new(&l), 0);
	loop_set_post(l, on_post, &c);
	for (int i = 0; i < 4; i++) {
		refs[i] = (struct timer_ref) { &c, i };
		ck_assert_int_eq(loop_add_timer(l, "t", on_timer, &refs[i], &c.t[i]), 0);
	}
	start = loop_now_usec();
	for (int i = 0; i < 3; i++)
		loop_timer_set(c.t[i], start + at[i]);
	/* A removed timer never fires. */
	loop_timer_set(c.t[3], start + 5000);
	c.t[3] = loop_timer_remove(c.t[3]);
	ck_assert_int_eq(loop_run(l), 7);
	/* Earliest deadline first, also if a loaded machine wakes us late for several at once. */
	ck_assert_int_eq(c.order[1], 1);
	ck_assert_int_eq(c.order[2], 2);
	ck_assert_int_eq(c.order[0], 3);
	ck_assert_int_eq(c.order[3], 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_ge(c.fired_at[i], start + at[i]);
	/* At most one wake-up per timer: nothing periodic. */
	ck_assert_uint_le(loop_iterations(l), 3);
	ck_assert_int_ge(c.posts, 1);
	loop_free(l);
}
END_TEST

static int on_pipe(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct ctx *c = userdata;
	char b[16];

	c->reads++;
	(void) !read(fd, b, sizeof(b));
	/* Removing the watch from inside its own callback is allowed. */
	c->w = loop_watch_remove(c->w);
	loop_mark_dirty(l);
	return 0;
}

static void on_post_exit(struct loop *l, void *userdata)
{
	struct ctx *c = userdata;

	c->posts++;
	loop_exit(l, 0);
}

START_TEST(test_io_and_dirty_coalescing)
{
	struct loop *l;
	struct ctx c = {};
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(loop_new(&l), 0);
	ck_assert_int_eq(loop_add_io(l, "pipe", p[0], EPOLLIN, on_pipe, &c, &c.w), 0);
	loop_set_post(l, on_post_exit, &c);
	ck_assert_int_eq(write(p[1], "abc", 3), 3);
	loop_mark_dirty(l);
	loop_mark_dirty(l);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(c.reads, 1);
	/* Many marks in one iteration: one post. */
	ck_assert_int_eq(c.posts, 1);
	ck_assert_int_eq(loop_add_io(l, "bad", -1, EPOLLIN, on_pipe, &c, NULL), -EINVAL);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}
END_TEST

static int on_sig(struct loop *l, int signo, void *userdata)
{
	struct ctx *c = userdata;

	c->sig = signo;
	loop_exit(l, 3);
	return 0;
}

START_TEST(test_signal)
{
	static const int sigs[] = { SIGUSR1, 0 };
	struct loop *l;
	struct ctx c = {};

	ck_assert_int_eq(loop_new(&l), 0);
	ck_assert_int_eq(loop_set_signals(l, sigs, on_sig, &c), 0);
	ck_assert_int_eq(loop_set_signals(l, sigs, on_sig, &c), -EBUSY);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_int_eq(loop_run(l), 3);
	ck_assert_int_eq(c.sig, SIGUSR1);
	loop_free(l);
}
END_TEST

/* The READY=1 deadline: 20 s after the fork, at least 15 s after main(), at most 75 s after the fork. */
START_TEST(test_ready_deadline)
{
	const uint64_t s = 1000000ULL;

	/* a quick exec: the fork's 20 s */
	ck_assert_uint_eq(daemon_ready_deadline(100 * s, 1 * s), 119 * s);
	ck_assert_uint_eq(daemon_ready_deadline(100 * s, 0), 120 * s);
	/* 24.6 s from fork to main(): 15 s from main(), not 4.6 s before it */
	ck_assert_uint_eq(daemon_ready_deadline(100 * s, 24600000ULL), 115 * s);
	/* 70 s from fork to main(): capped 75 s after the fork */
	ck_assert_uint_eq(daemon_ready_deadline(100 * s, 70 * s), 105 * s);
	/* an age past the clock (cannot tell): counted from a fork at 0 */
	ck_assert_uint_eq(daemon_ready_deadline(10 * s, 50 * s), 25 * s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_timers_in_order);
	tcase_add_test(tc, test_io_and_dirty_coalescing);
	tcase_add_test(tc, test_signal);
	tcase_add_test(tc, test_ready_deadline);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
