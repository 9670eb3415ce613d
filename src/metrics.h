/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prometheus text exposition (node_exporter textfile collector format).
 * metrics_render() is a pure function of a snapshot; metrics_write_file()
 * replaces the textfile atomically (temporary file in the same directory,
 * fsync, rename).  The daemon writes only when the rendered text changed,
 * never on a timer.
 */
#pragma once

#include <stddef.h>

#include "snapshot.h"

/* Render s into a malloc'ed NUL-terminated text.  Returns 0 or -ENOMEM. */
int metrics_render(const struct snapshot *s, char **ret_text, size_t *ret_len);

/* Atomically replace path with text (mode 0644).  Returns 0 or -errno. */
int metrics_write_file(const char *path, const char *text, size_t len);

/* Escape a label value (\\, \", \n) after UTF-8 sanitizing, into buf. */
const char *metrics_escape_label(const char *value, char *buf, size_t len);
