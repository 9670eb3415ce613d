/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket: /run/failoverd/control, one JSON object per line.
 *
 *   request   {"verb":"status"} | {"verb":"rescan"} | {"verb":"reload"}
 *   response  {"ok":true,...}   | {"ok":false,"error":"...","code":"..."}
 *
 * One request per connection; the server answers and closes.  The socket
 * is a path socket (never abstract) in a root-owned directory that holds
 * the instance lock.  Authorization uses the kernel's view of the peer at
 * connect time (SO_PEERCRED, SO_PEERGROUPS): read-only verbs for root and
 * members of control_group, changing verbs for uid 0 only.  Every client
 * is bounded in request size, time and number, and all I/O is
 * non-blocking, so one slow or hostile client never delays another.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

#define CTL_RUNTIME_DIR_DEFAULT "/run/failoverd"
#define CTL_SOCKET_NAME "control"
#define CTL_LOCK_NAME "failoverd.lock"
#define CTL_REQUEST_MAX (64 * 1024)        /* bytes, including the newline */
#define CTL_CLIENT_TIMEOUT_USEC 2000000ULL /* whole exchange, connect to close */
#define CTL_CLIENTS_MAX 256
#define CTL_ERROR_MAX 160

/* Error codes in replies; failoverctl maps "permission" to exit code 4. */
#define CTL_CODE_INVALID "invalid-request"
#define CTL_CODE_PERMISSION "permission"
#define CTL_CODE_TOO_LARGE "too-large"
#define CTL_CODE_TIMEOUT "timeout"
#define CTL_CODE_BUSY "busy"
#define CTL_CODE_FAILED "failed"

enum ctl_verb {
	CTL_VERB_STATUS,
	CTL_VERB_RESCAN,
	CTL_VERB_RELOAD,
	CTL_VERB_MAX,
	CTL_VERB_INVALID = -1,
};

struct ctl_request {
	enum ctl_verb verb;
};

/*
 * Parse one request line (without its newline).  Pure: no I/O, no global
 * state.  Rejects invalid UTF-8, NUL bytes, anything but an object with a
 * string "verb" naming a known verb, and unknown members.  Returns 0 and
 * fills *ret, or -EINVAL with a reason in err (errlen bytes).
 */
int ctl_request_parse(const char *buf, size_t len, char *err, size_t errlen,
		      struct ctl_request *ret);

const char *ctl_verb_name(enum ctl_verb v);
/* Does the verb change anything (root only)? */
bool ctl_verb_mutates(enum ctl_verb v);

/* Reply helpers; NULL on OOM. */
json_t *ctl_reply_ok(void);
json_t *ctl_reply_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool may_read;   /* root or member of control_group */
	bool may_write;  /* root */
};

/* Decides on an authorized request; returns the reply object (owned by the caller) or NULL on OOM. */
typedef json_t *(*ctl_handler_t)(const struct ctl_request *req, const struct ctl_peer *peer,
				 void *userdata);

struct ctl_server;

/*
 * Take over runtime_dir: it is created 0755 if missing and must be a real
 * directory (not a symlink) owned by root and not writable by group or
 * others; the instance lock runtime_dir/failoverd.lock is taken with
 * flock(LOCK_EX|LOCK_NB) and held until ctl_server_free() (a second
 * instance gets -EBUSY); a stale socket is unlinked only under that lock
 * and only if it is a socket (anything else: -EEXIST).  Logs the reason
 * of every refusal.
 */
int ctl_server_new(struct loop *l, const char *runtime_dir, ctl_handler_t handler, void *userdata,
		   struct ctl_server **ret);
/* Unlinks the socket (still under the lock), closes every client, releases the lock. */
struct ctl_server *ctl_server_free(struct ctl_server *s);

/*
 * Who may read: group "" = root only (socket mode 0600), else the socket
 * gets that group and mode 0660.  Returns -ENOENT for an unknown group
 * (and keeps the previous setting).
 */
int ctl_server_set_group(struct ctl_server *s, const char *group);

size_t ctl_server_n_clients(const struct ctl_server *s);
const char *ctl_server_socket_path(const struct ctl_server *s);
