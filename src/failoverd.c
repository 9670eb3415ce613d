/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* failoverd: userspace network failover (VF + virtio-net) over bond/team. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "conffile.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "util.h"

static const char *arg_config = CONFIG_FILE_DEFAULT;
static bool arg_config_explicit;
static const char *arg_runtime_dir;
static enum snapshot_mode arg_mode = SNAPSHOT_MODE_NORMAL;
static int arg_log_level = -1;

static void help(void)
{
	printf("Usage: %s [OPTIONS]\n\n"
	       "Pair SR-IOV VFs with their virtio-net standby into active-backup bonds.\n\n"
	       "  -c --config FILE       configuration file (default %s)\n"
	       "  -n --dry-run           discover, print the requests it would send and the\n"
	       "                         status table, then exit; sends no write request\n"
	       "     --observe           run as a daemon but never send a write request\n"
	       "  -f --foreground        stay in the foreground (always: failoverd never forks;\n"
	       "                         accepted for scripts and unit files)\n"
	       "     --runtime-dir DIR   control socket and lock directory (default %s,\n"
	       "                         or $FAILOVERD_RUNTIME_DIR)\n"
	       "     --log-level LEVEL   err, warning, notice, info or debug (overrides the file)\n"
	       "  -h --help              show this help\n"
	       "  -V --version           show the version\n\n"
	       "Exit status: 0 success (--dry-run: no write was sent), 1 failure (bad\n"
	       "configuration, another instance running, setup error), 2 usage error.\n",
	       program_invocation_short_name, CONFIG_FILE_DEFAULT, CTL_RUNTIME_DIR_DEFAULT);
}

static int parse_argv(int argc, char *argv[])
{
	enum { ARG_LOG_LEVEL = 0x100, ARG_RUNTIME_DIR, ARG_OBSERVE };
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "observe", no_argument, NULL, ARG_OBSERVE },
		{ "foreground", no_argument, NULL, 'f' },
		{ "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:nfhV", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			arg_config = optarg;
			arg_config_explicit = true;
			break;
		case 'n':
			arg_mode = SNAPSHOT_MODE_DRY_RUN;
			break;
		case ARG_OBSERVE:
			arg_mode = SNAPSHOT_MODE_OBSERVE;
			break;
		case 'f':
			break;
		case ARG_RUNTIME_DIR:
			arg_runtime_dir = optarg;
			break;
		case ARG_LOG_LEVEL:
			arg_log_level = config_log_level_from_string(optarg);
			if (arg_log_level < 0) {
				log_err("--log-level: '%s' is not one of err, warning, notice, info, debug",
					optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			printf("failoverd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

int main(int argc, char *argv[])
{
	struct daemon_options o;
	int r;

	/* Under systemd, stderr is the journal: tag lines with their priority. */
	log_set_prefix_priority(getenv("JOURNAL_STREAM") != NULL);
	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (!arg_runtime_dir)
		arg_runtime_dir = getenv("FAILOVERD_RUNTIME_DIR");
	o = (struct daemon_options) {
		.config_file = arg_config,
		.config_explicit = arg_config_explicit,
		.runtime_dir = arg_runtime_dir && *arg_runtime_dir ? arg_runtime_dir :
								   CTL_RUNTIME_DIR_DEFAULT,
		.mode = arg_mode,
		.log_level = arg_log_level,
	};
	return daemon_run(&o);
}
