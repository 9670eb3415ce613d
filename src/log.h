/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for the adapters and the daemon (never for the pure core).
 * Lines go to stderr; under systemd, stderr is the journal and the
 * "<N>" prefix (sd-daemon(3)) carries the priority.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "util.h"

void log_set_max_level(int level);
int log_get_max_level(void);
/* Prefix lines with "<prio>" for the journal (set when JOURNAL_STREAM is set). */
void log_set_prefix_priority(bool on);

/* Logs at level; "%m" prints strerror(-error). Returns error (so callers can "return log_..."). */
int log_internal(int level, int error, const char *func, const char *fmt, ...) _printf_(4, 5);

#define log_full_errno(level, error, ...) log_internal((level), (error), __func__, __VA_ARGS__)
#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_err(...)     log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_err_errno(e, ...)     log_full_errno(LOG_ERR, (e), __VA_ARGS__)

/*
 * Rate limit: at most `burst` lines per `interval_usec`; the first line
 * after a suppressed stretch says how many were dropped.
 */
struct log_ratelimit {
	uint64_t interval_usec;
	unsigned burst;
	uint64_t begin_usec;
	unsigned n;
	unsigned suppressed;
};
#define LOG_RATELIMIT_INIT(i, b) { .interval_usec = (i), .burst = (b) }
bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_usec);
