/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's wiring: config, instance lock and control socket, the two
 * discovery adapters (udev, rtnetlink), the engine, the executor, logs,
 * metrics and sd_notify, all on one epoll loop.  failoverd.c is only the
 * command line in front of daemon_run().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

struct daemon_options {
	const char *config_file;
	bool config_explicit;   /* given with --config: it must exist */
	const char *runtime_dir;
	enum snapshot_mode mode;
	int log_level;          /* from --log-level, -1 = take the config's */
};

/* Runs the daemon (or the one-shot --dry-run); returns the process exit code. */
int daemon_run(const struct daemon_options *o);

/*
 * READY=1 is sent when the initial plan is done, and at the latest at the
 * deadline computed here, even if the plan is still running: the unit orders
 * all networking after us, and a pair that cannot be built must not hold the
 * whole boot.  STATUS= says so.
 *
 * The deadline is 20 s after the fork (the process's start time, where
 * systemd's TimeoutStartSec counts from), but never sooner than 15 s after
 * main(): on a loaded guest the exec alone took 11-30 s (16 NICs in coldplug,
 * docs/design.md "Daemon start at boot with 8 pairs"; 24.6 s with one pair
 * and three guests on two host cores), and a deadline counted from the fork
 * alone then fired before the first dump, so the network manager's
 * `ifup@enp1s0` ran on the standby while it was being renamed, and the
 * aggregate that took its name was never configured.  Never later than 75 s
 * after the fork either, which keeps clear of the unit's TimeoutStartSec=90s.
 * MAIN_USEC is CLOCK_MONOTONIC at main(), AGE_USEC how long before that the
 * process was created (at most MAIN_USEC).
 */
#define DAEMON_READY_MAX_USEC (20 * 1000000ULL)
#define DAEMON_READY_MIN_RUN_USEC (15 * 1000000ULL)
#define DAEMON_READY_CAP_USEC (75 * 1000000ULL)

static inline uint64_t daemon_ready_deadline(uint64_t main_usec, uint64_t age_usec)
{
	uint64_t fork_usec = main_usec - (age_usec < main_usec ? age_usec : main_usec);
	uint64_t at = fork_usec + DAEMON_READY_MAX_USEC;

	if (at < main_usec + DAEMON_READY_MIN_RUN_USEC)
		at = main_usec + DAEMON_READY_MIN_RUN_USEC;
	if (at > fork_usec + DAEMON_READY_CAP_USEC)
		at = fork_usec + DAEMON_READY_CAP_USEC;
	return at;
}
