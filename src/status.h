/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Status as JSON (docs/status.schema.json) and as the human table of
 * `failoverctl status`.  status_build() is a pure function of a snapshot;
 * status_print_table() renders such JSON (as received by failoverctl, or
 * built locally by `failoverd --dry-run`).
 */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "snapshot.h"

/* The status object (without "ok"); NULL on OOM. */
json_t *status_build(const struct snapshot *s);

/*
 * Print the table for a status object.  Only fields the schema requires
 * are relied on; strings are printed with control characters replaced.
 * Returns 0, or -EINVAL when the object lacks the "nics"/"pairs" arrays.
 */
int status_print_table(const json_t *status, FILE *f);

/* json_string() of text made valid UTF-8 first (jansson rejects invalid UTF-8). */
json_t *status_json_string(const char *s);
