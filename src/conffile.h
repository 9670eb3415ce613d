/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /etc/failoverd.conf: "key = value" lines, whole-line "#" comments and
 * blank lines (docs/failoverd.conf.5).  The parser works on a buffer and
 * does no I/O, so it can be fuzzed; config_load_file() is the thin reader.
 * Any unknown key or bad value is an error "FILE:LINE: reason": the daemon
 * refuses to start with it, and keeps its old configuration on reload.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "pairing.h"

/* SYSCONFDIR comes from configure (-DSYSCONFDIR in Makefile.am), so the
 * daemon reads the file where "make install" put it. */
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONFIG_FILE_DEFAULT SYSCONFDIR "/failoverd.conf"
#define CONFIG_FILE_MAX (64 * 1024)  /* larger files are refused, not truncated */
#define CONFIG_LINE_MAX 1024
#define CONFIG_GROUP_MAX 33          /* 32 characters, like useradd's limit */
#define CONFIG_PATH_MAX 256
#define CONFIG_METRICS_DEFAULT "/run/failoverd/metrics.prom"

enum config_live_rename {
	CONFIG_LIVE_RENAME_AUTO, /* decided at start from the running kernel */
	CONFIG_LIVE_RENAME_YES,
	CONFIG_LIVE_RENAME_NO,
	CONFIG_LIVE_RENAME_MAX,
	CONFIG_LIVE_RENAME_INVALID = -1,
};

struct failoverd_config {
	struct fo_config engine;          /* handed to pairing_new()/pairing_set_config() */
	enum config_live_rename live_rename;
	char control_group[CONFIG_GROUP_MAX];  /* "" = root only (socket mode 0600) */
	char metrics_file[CONFIG_PATH_MAX];    /* "" = no textfile */
	int log_level;                         /* LOG_ERR .. LOG_DEBUG */
};

struct config_error {
	char text[CONFIG_PATH_MAX + 256];      /* "FILE:LINE: reason" */
};

/* The documented defaults: pairing_config_defaults() plus the daemon's own. */
void config_init(struct failoverd_config *c);

/*
 * Parse buf (len bytes, need not be NUL-terminated) on top of *base
 * (normally config_init()'s result).  filename only labels errors.
 * Returns 0 and fills *ret, or -EINVAL and fills err->text; *ret is
 * untouched on failure.
 */
int config_parse_buffer(const char *buf, size_t len, const char *filename,
			const struct failoverd_config *base, struct config_error *err,
			struct failoverd_config *ret);

/*
 * Read and parse path (at most CONFIG_FILE_MAX bytes, a regular file).
 * A missing file is fine when missing_ok (defaults apply).  Returns 0 or
 * -errno with err->text set.
 */
int config_load_file(const char *path, bool missing_ok, struct config_error *err,
		     struct failoverd_config *ret);

/*
 * live_rename = auto: may the kernel whose release string (uname -r) is
 * given rename an UP interface?  Linux 6.2 is the first that may
 * (bd039b5ea2a9); there is no probe short of renaming one.  A release that
 * does not start with "MAJOR.MINOR" counts as older (the safe side: wait
 * for udev).  config_resolve_live_rename() applies it to c->engine when
 * c->live_rename is auto; yes/no were resolved by the parser.
 */
bool config_kernel_renames_live(const char *release);
void config_resolve_live_rename(struct failoverd_config *c, const char *release);

/* "err", "warning", ... <-> LOG_*; -1 when unknown / "?" when out of range. */
int config_log_level_from_string(const char *s);
const char *config_log_level_to_string(int level);
