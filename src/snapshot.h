/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A point-in-time copy of everything status and metrics report: the
 * engine's read-only views (names resolved), the daemon's counters and
 * the recent-event rings.  The daemon fills it; status.c (JSON, table)
 * and metrics.c (Prometheus text) render it as pure functions, so the
 * renderers are tested with hand-made snapshots.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pairing.h"

#define SNAPSHOT_KEY_LEN 48     /* "group:0x0123456789abcdef" / "mac:..." */
#define SNAPSHOT_PAIR_EVENTS 8  /* "last events" kept per pair */
#define SNAPSHOT_RECENT_EVENTS 32

struct snapshot_event {
	uint64_t realtime_usec;        /* wall clock, for humans */
	enum fo_event_type type;
	int ifindex;
	int error;                     /* -errno or 0 */
	bool transient;
	char text[FO_TEXT_LEN];
};

struct snapshot_nic {
	struct fo_nic_view view;
	char key[SNAPSHOT_KEY_LEN];    /* "" when view.key.source == FO_KEY_NONE */
	ssize_t pair;                  /* index into snapshot.pairs, -1 = none */
};

struct snapshot_pair {
	struct fo_pair_view view;
	char key[SNAPSHOT_KEY_LEN];
	char standby_name[IFNAMSIZ];   /* "" when unknown */
	char primary_name[IFNAMSIZ];
	char active_name[IFNAMSIZ];
	const struct snapshot_event *events; /* oldest first */
	size_t n_events;
};

enum snapshot_mode {
	SNAPSHOT_MODE_NORMAL,   /* executes the engine's plan */
	SNAPSHOT_MODE_OBSERVE,  /* --observe: a daemon that never writes */
	SNAPSHOT_MODE_DRY_RUN,  /* --dry-run: one pass, then exit */
	SNAPSHOT_MODE_MAX,
	SNAPSHOT_MODE_INVALID = -1,
};

struct snapshot {
	const char *version;
	int pid;
	enum snapshot_mode mode;
	uint64_t start_realtime_usec;
	uint64_t now_realtime_usec;
	uint64_t uptime_usec;
	bool synced;                   /* both initial syncs (udev, netlink) done */
	bool ready;                    /* initial plan applied, READY=1 sent */
	uint64_t netlink_requests_total;
	uint64_t resyncs_total;
	uint64_t observations_total;
	uint64_t actions_total;        /* requests the executor performed or would perform */
	uint64_t engine_events_dropped; /* events the engine could not report (full buffer) */
	uint64_t events_total[FO_EV_MAX];
	const struct snapshot_nic *nics;
	size_t n_nics;
	const struct snapshot_pair *pairs;
	size_t n_pairs;
	const struct snapshot_event *recent; /* oldest first */
	size_t n_recent;
};

const char *snapshot_mode_name(enum snapshot_mode m);
