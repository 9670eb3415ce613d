/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /run/failoverd/state: what a failoverd process knows that the kernel
 * does not show, for the next process of the same boot (a restart after
 * a crash or a kill).  Today that is one fact: which standbys failoverd
 * set down while they were up and whose aggregate it has not brought up
 * yet (struct fo_owed_up, pairing_owed_up()).
 *
 *   # comment
 *   failoverd-state 1
 *   standby-was-up IFINDEX KEY
 *
 * KEY as pairing_key_format() prints it.  The daemon writes the file
 * atomically (rename), so a file it wrote always ends with a newline.
 * The parser trusts nothing: any line it does not understand, a missing
 * version line, a truncated last line, a NUL byte, a duplicate ifindex or
 * more entries than FO_OWED_UP_MAX reject the whole file with a reason
 * ("line N: ..."); the daemon logs it and starts without the file.
 * Pure functions (core), no allocation.
 */
#pragma once

#include <stddef.h>

#include "pairing.h"

#define STATE_VERSION 1
/* Larger files are refused unread; a valid one is a few KiB at most. */
#define STATE_FILE_MAX_BYTES 65536
/* Enough for FO_OWED_UP_MAX entries and the header. */
#define STATE_TEXT_MAX 8192
#define STATE_REASON_LEN 160

struct state {
	size_t n_owed_up;
	struct fo_owed_up owed_up[FO_OWED_UP_MAX];
};

/*
 * Parse len bytes of a state file.  0 and *ret filled, or -EINVAL with a
 * human reason in reason[reason_len] (*ret untouched).
 */
int state_parse(const char *buf, size_t len, struct state *ret, char *reason, size_t reason_len);

/*
 * The file's text for st into buf[len] (NUL-terminated), its length
 * without the NUL in *ret_len.  -EINVAL for an entry state_parse() would
 * refuse, -ENOBUFS when len is too small.
 */
int state_format(const struct state *st, char *buf, size_t len, size_t *ret_len);
