/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* failoverctl: talk to failoverd over its control socket. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "status.h"
#include "text.h"
#include "util.h"

#define EXIT_DAEMON_ERROR 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_PERMISSION 4

/* Replies are ours, but bound them anyway: a status of thousands of NICs is far below this. */
#define REPLY_MAX (32 * 1024 * 1024)
#define TIMEOUT_S_DEFAULT 10
#define TIMEOUT_S_MAX 3600

static const char *arg_socket;
static bool arg_json;
static unsigned arg_timeout_s = TIMEOUT_S_DEFAULT;

static void help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND\n\n"
	       "Query and control failoverd.\n\n"
	       "Commands:\n"
	       "  status        show every candidate NIC and pair (table)\n"
	       "  rescan        re-enumerate devices and links (root only)\n"
	       "  reload        re-read the configuration file (root only)\n\n"
	       "Options:\n"
	       "  -j --json            status: print the daemon's JSON (docs/status.schema.json)\n"
	       "  -s --socket PATH     control socket (default %s/%s,\n"
	       "                       or $FAILOVERD_RUNTIME_DIR/%s)\n"
	       "  -t --timeout SECONDS how long to wait for the answer (default %d)\n"
	       "  -h --help            show this help\n"
	       "  -V --version         show the version\n\n"
	       "Exit status:\n"
	       "  0  success\n"
	       "  1  the daemon answered with an error\n"
	       "  2  usage error\n"
	       "  3  cannot reach the daemon (not running, no socket, timeout, bad reply)\n"
	       "  4  permission denied (socket not accessible, or the daemon refused:\n"
	       "     status needs root or control_group, rescan/reload need root)\n",
	       program_invocation_short_name, CTL_RUNTIME_DIR_DEFAULT, CTL_SOCKET_NAME,
	       CTL_SOCKET_NAME, TIMEOUT_S_DEFAULT);
}

static int remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	(void) clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long) (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int) ms;
}

/* Connect, send one request line, read the reply until EOF.  Returns an exit code. */
static int exchange(const char *path, const char *verb, char **ret_reply, size_t *ret_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char req[64];
	struct timespec deadline;
	size_t len = 0, cap = 0, off = 0;
	int n;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long\n", path);
		return EXIT_USAGE;
	}
	strscpy(sa.sun_path, sizeof(sa.sun_path), path);
	(void) clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += arg_timeout_s;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return EXIT_UNREACHABLE;
	}
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "cannot connect to failoverd at %s: %s\n", path, strerror(e));
		return e == EACCES || e == EPERM ? EXIT_PERMISSION : EXIT_UNREACHABLE;
	}
	n = snprintf(req, sizeof(req), "{\"verb\":\"%s\"}\n", verb);
	while (off < (size_t) n) {
		ssize_t w = send(fd, req + off, (size_t) n - off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "cannot send to failoverd: %s\n", strerror(errno));
			return EXIT_UNREACHABLE;
		}
		off += (size_t) w;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t rd;
		int r;

		r = poll(&p, 1, remaining_ms(&deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "no answer from failoverd within %u s\n", arg_timeout_s);
			return EXIT_UNREACHABLE;
		}
		if (cap - len < 4096) {
			char *b;

			cap = cap ? cap * 2 : 65536;
			if (cap > REPLY_MAX + 1)
				cap = REPLY_MAX + 1;
			if (cap - len == 0) {
				fprintf(stderr, "reply from failoverd larger than %d bytes\n", REPLY_MAX);
				return EXIT_UNREACHABLE;
			}
			b = realloc(buf, cap);
			if (!b) {
				fprintf(stderr, "out of memory\n");
				return EXIT_DAEMON_ERROR;
			}
			buf = b;
		}
		rd = recv(fd, buf + len, cap - len - 1, 0);
		if (rd < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "cannot read from failoverd: %s\n", strerror(errno));
			return EXIT_UNREACHABLE;
		}
		if (rd == 0)
			break;
		len += (size_t) rd;
	}
	if (len == 0) {
		fprintf(stderr, "failoverd closed the connection without an answer\n");
		return EXIT_UNREACHABLE;
	}
	buf[len] = '\0';
	*ret_reply = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	_cleanup_free_ char *reply = NULL, *default_path = NULL;
	const char *verb, *runtime_dir;
	json_error_t jerr;
	json_t *root, *ok;
	size_t len = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "js:t:hV", options, NULL)) >= 0) {
		switch (c) {
		case 'j':
			arg_json = true;
			break;
		case 's':
			arg_socket = optarg;
			break;
		case 't': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v == 0 ||
			    v > TIMEOUT_S_MAX) {
				fprintf(stderr, "%s: --timeout wants whole seconds, 1 to %d: '%s'\n",
					program_invocation_short_name, TIMEOUT_S_MAX, optarg);
				return EXIT_USAGE;
			}
			arg_timeout_s = (unsigned) v;
			break;
		}
		case 'h':
			help();
			return 0;
		case 'V':
			printf("failoverctl %s\n", PACKAGE_VERSION);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "%s: expected one command (status, rescan, reload); see --help\n",
			program_invocation_short_name);
		return EXIT_USAGE;
	}
	verb = argv[optind];
	if (!streq(verb, "status") && !streq(verb, "rescan") && !streq(verb, "reload")) {
		fprintf(stderr, "%s: unknown command '%s'; see --help\n", program_invocation_short_name,
			verb);
		return EXIT_USAGE;
	}
	if (arg_json && !streq(verb, "status")) {
		fprintf(stderr, "%s: --json applies to status only\n", program_invocation_short_name);
		return EXIT_USAGE;
	}
	if (!arg_socket) {
		runtime_dir = getenv("FAILOVERD_RUNTIME_DIR");
		if (!runtime_dir || !*runtime_dir)
			runtime_dir = CTL_RUNTIME_DIR_DEFAULT;
		if (asprintf(&default_path, "%s/%s", runtime_dir, CTL_SOCKET_NAME) < 0) {
			default_path = NULL;
			fprintf(stderr, "out of memory\n");
			return EXIT_DAEMON_ERROR;
		}
		arg_socket = default_path;
	}

	rc = exchange(arg_socket, verb, &reply, &len);
	if (rc != 0)
		return rc;
	root = json_loadb(reply, len, JSON_DISABLE_EOF_CHECK, &jerr);
	if (!json_is_object(root)) {
		fprintf(stderr, "failoverd sent an unreadable reply: %s\n", jerr.text);
		json_decref(root);
		return EXIT_UNREACHABLE;
	}
	ok = json_object_get(root, "ok");
	if (!json_is_true(ok)) {
		const char *err = json_string_value(json_object_get(root, "error"));
		const char *code = json_string_value(json_object_get(root, "code"));
		char clean[512];

		fprintf(stderr, "failoverd: %s\n", text_sanitize(err ? err : "unspecified error", clean,
								 sizeof(clean)));
		rc = code && streq(code, CTL_CODE_PERMISSION) ? EXIT_PERMISSION : EXIT_DAEMON_ERROR;
	} else if (streq(verb, "status")) {
		if (arg_json) {
			/* The daemon's JSON as sent (one line), so tools see exactly the schema'd object. */
			fwrite(reply, 1, len, stdout);
			if (reply[len - 1] != '\n')
				putchar('\n');
		} else if (status_print_table(root, stdout) < 0) {
			fprintf(stderr, "failoverd sent a status without nics/pairs\n");
			rc = EXIT_UNREACHABLE;
		}
	} else
		printf("%s: done\n", verb);
	json_decref(root);
	if (fflush(stdout) != 0)
		rc = rc ? rc : EXIT_DAEMON_ERROR;
	return rc;
}
