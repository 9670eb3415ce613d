/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static int max_level = LOG_INFO;
static bool prefix_priority;

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

void log_set_prefix_priority(bool on)
{
	prefix_priority = on;
}

int log_internal(int level, int error, const char *func, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int saved = errno;

	if (level > max_level)
		return error;

	/* "%m" in fmt means the error passed in, not whatever errno holds. */
	errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (prefix_priority)
		(void) fprintf(stderr, "<%d>%s\n", level, buf);
	else
		(void) fprintf(stderr, "%s: %s\n", program_invocation_short_name, buf);
	(void) func;
	errno = saved;
	return error;
}

bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_usec)
{
	if (rl->begin_usec == 0 || now_usec - rl->begin_usec >= rl->interval_usec) {
		if (rl->suppressed > 0)
			log_warning("%u log lines suppressed by rate limit", rl->suppressed);
		rl->begin_usec = now_usec ? now_usec : 1;
		rl->n = 0;
		rl->suppressed = 0;
	}
	if (rl->n < rl->burst) {
		rl->n++;
		return true;
	}
	rl->suppressed++;
	return false;
}
