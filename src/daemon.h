/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's wiring: config, instance lock and control socket, the two
 * discovery adapters (udev, rtnetlink), the engine, the executor, logs,
 * metrics and sd_notify, all on one epoll loop.  failoverd.c is only the
 * command line in front of daemon_run().
 */
#pragma once

#include <stdbool.h>

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
