/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "util.h"

#define CTL_BACKLOG 128
#define CTL_REQUEST_INITIAL 1024
#define CTL_GROUPS_INITIAL 64
#define CTL_GROUPS_MAX 65536 /* NGROUPS_MAX */
#define CTL_SUN_PATH_LEN sizeof(((struct sockaddr_un *) 0)->sun_path)

struct ctl_client {
	struct ctl_server *server;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *timer;
	struct ctl_peer peer;
	char *in;            /* request bytes so far, grown up to CTL_REQUEST_MAX + 1 */
	size_t in_len, in_cap;
	char *out;           /* the reply, once decided */
	size_t out_len, out_pos;
	struct ctl_client *prev, *next;
};

struct ctl_server {
	struct loop *loop;
	char path[CTL_SUN_PATH_LEN];
	int lock_fd;
	int fd;
	struct loop_watch *watch;
	bool accept_paused;  /* out of fds: resumed when a client closes */
	bool have_group;
	gid_t group;
	ctl_handler_t handler;
	void *userdata;
	struct ctl_client *clients;
	size_t n_clients;
	bool peergroups_warned;
};

static void ctl_client_free(struct ctl_client *c)
{
	struct ctl_server *s = c->server;

	(void) loop_watch_remove(c->watch);
	(void) loop_timer_remove(c->timer);
	(void) close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
	free(c->in);
	free(c->out);
	free(c);
	if (s->accept_paused && loop_watch_set_events(s->watch, EPOLLIN) == 0)
		s->accept_paused = false;
}

/*
 * Queue reply (consumed) and switch the client to writing.  On failure
 * (NULL reply = OOM) the client is closed and freed: returns < 0.
 */
static int ctl_client_reply(struct ctl_client *c, json_t *reply)
{
	char *text;
	size_t n;

	if (!reply) {
		ctl_client_free(c);
		return -ENOMEM;
	}
	/* 15 digits: microsecond figures print as 0.660525, not 0.66052500000000003. */
	text = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(reply);
	if (!text) {
		ctl_client_free(c);
		return -ENOMEM;
	}
	n = strlen(text);
	/* json_dumps() allocates exactly: make room for the newline that frames the reply. */
	c->out = realloc(text, n + 2);
	if (!c->out) {
		free(text);
		ctl_client_free(c);
		return -ENOMEM;
	}
	c->out[n] = '\n';
	c->out[n + 1] = '\0';
	c->out_len = n + 1;
	c->out_pos = 0;
	/* Stop reading: one request per connection, anything further is ignored. */
	if (loop_watch_set_events(c->watch, EPOLLOUT) < 0) {
		ctl_client_free(c);
		return -EIO;
	}
	return 0;
}

static int ctl_client_write(struct ctl_client *c)
{
	while (c->out_pos < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			/* The client went away (EPIPE/ECONNRESET): nothing to tell it. */
			ctl_client_free(c);
			return 0;
		}
		c->out_pos += (size_t) n;
	}
	(void) shutdown(c->fd, SHUT_WR);
	ctl_client_free(c);
	return 0;
}

static int ctl_client_write(struct ctl_client *c);

/* Most replies fit the socket buffer: try at once instead of waiting for EPOLLOUT. */
static void ctl_client_answer(struct ctl_client *c, json_t *reply)
{
	if (ctl_client_reply(c, reply) == 0)
		(void) ctl_client_write(c);
}

static void ctl_client_handle(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_server *s = c->server;
	struct ctl_request req;
	char err[CTL_ERROR_MAX];
	json_t *reply;

	/* Authorization comes first: an unauthorized peer learns nothing, not even parse errors. */
	if (!c->peer.may_read) {
		log_notice("control: pid %d uid %u: not root and not in the control group, refused",
			   (int) c->peer.pid, (unsigned) c->peer.uid);
		ctl_client_answer(c, ctl_reply_error(CTL_CODE_PERMISSION,
							   "permission denied: status needs root or the control group"));
		return;
	}
	if (ctl_request_parse(line, len, err, sizeof(err), &req) < 0) {
		log_debug("control: pid %d: bad request: %s", (int) c->peer.pid, err);
		ctl_client_answer(c, ctl_reply_error(CTL_CODE_INVALID, "%s", err));
		return;
	}
	if (ctl_verb_mutates(req.verb) && !c->peer.may_write) {
		log_notice("control: pid %d uid %u: '%s' needs root, refused", (int) c->peer.pid,
			   (unsigned) c->peer.uid, ctl_verb_name(req.verb));
		ctl_client_answer(c, ctl_reply_error(CTL_CODE_PERMISSION,
							   "permission denied: %s needs root",
							   ctl_verb_name(req.verb)));
		return;
	}
	reply = s->handler(&req, &c->peer, s->userdata);
	ctl_client_answer(c, reply);
}

static int ctl_client_read(struct ctl_client *c)
{
	for (;;) {
		size_t room;
		char *nl;
		ssize_t n;

		/* Grow on demand: a typical request is 18 bytes, a hostile one may not cost 64 KiB. */
		if (c->in_len == c->in_cap && c->in_cap < CTL_REQUEST_MAX + 1) {
			size_t cap = c->in_cap ? c->in_cap * 4 : CTL_REQUEST_INITIAL;
			char *b;

			if (cap > CTL_REQUEST_MAX + 1)
				cap = CTL_REQUEST_MAX + 1;
			b = realloc(c->in, cap);
			if (!b) {
				ctl_client_free(c);
				return -ENOMEM;
			}
			c->in = b;
			c->in_cap = cap;
		}
		room = c->in_cap - c->in_len;
		if (room == 0) {
			/* No newline within the limit: refuse instead of buffering more. */
			ctl_client_answer(c, ctl_reply_error(CTL_CODE_TOO_LARGE,
							     "request larger than %d bytes",
							     CTL_REQUEST_MAX));
			return 0;
		}
		/* MSG_CMSG_CLOEXEC is moot: no control buffer, so passed fds are discarded by the kernel. */
		n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			ctl_client_free(c);
			return 0;
		}
		if (n == 0) {
			/* EOF: a request without its final newline is still a request. */
			if (c->in_len == 0) {
				ctl_client_free(c);
				return 0;
			}
			ctl_client_handle(c, c->in, c->in_len);
			return 0;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t) n);
		c->in_len += (size_t) n;
		if (nl) {
			size_t len = (size_t) (nl - c->in);

			if (len > 0 && c->in[len - 1] == '\r')
				len--;
			ctl_client_handle(c, c->in, len);
			return 0;
		}
	}
}

static int ctl_client_io(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct ctl_client *c = userdata;

	if (c->out)
		return ctl_client_write(c);
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		return ctl_client_read(c);
	return 0;
}

static int ctl_client_timeout(struct loop *l, uint64_t now_usec, void *userdata)
{
	struct ctl_client *c = userdata;

	log_debug("control: pid %d: no complete exchange within %llu ms, closing", (int) c->peer.pid,
		  (unsigned long long) (CTL_CLIENT_TIMEOUT_USEC / 1000));
	if (!c->out) {
		/* Best effort: tell a half-sent client why, without waiting for it to read. */
		char msg[] = "{\"ok\":false,\"error\":\"request timed out\",\"code\":\"" CTL_CODE_TIMEOUT "\"}\n";

		(void) !send(c->fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	ctl_client_free(c);
	return 0;
}

static bool gid_in(gid_t g, const gid_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == g)
			return true;
	return false;
}

/*
 * Credentials as the kernel recorded them at connect(): SO_PEERCRED for
 * uid/gid/pid and SO_PEERGROUPS (Linux >= 4.13) for the supplementary
 * groups.  Neither /proc/PID/status (the pid may be reused, and it shows
 * today's groups, not the connecting ones) nor getgrouplist() (the group
 * database, not the process; NSS may block this single-threaded loop) is
 * as robust.  Without SO_PEERGROUPS only the primary group counts.
 */
static void ctl_peer_identify(struct ctl_server *s, int fd, struct ctl_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	_cleanup_free_ gid_t *groups = NULL;
	size_t n_groups = 0;

	*p = (struct ctl_peer) {};
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		log_warning_errno(-errno, "control: SO_PEERCRED failed: %m, treating the peer as unprivileged");
		p->uid = (uid_t) -1;
		p->gid = (gid_t) -1;
		return;
	}
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->may_write = cred.uid == 0;
	p->may_read = cred.uid == 0;
	if (p->may_read || !s->have_group)
		return;
	if (cred.gid == s->group) {
		p->may_read = true;
		return;
	}

	for (size_t cap = CTL_GROUPS_INITIAL; cap <= CTL_GROUPS_MAX; cap *= 4) {
		gid_t *g = realloc(groups, cap * sizeof(gid_t));

		if (!g)
			return;
		groups = g;
		len = (socklen_t) (cap * sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
			n_groups = len / sizeof(gid_t);
			break;
		}
		if (errno == ERANGE)
			continue;
		if (!s->peergroups_warned) {
			log_warning_errno(-errno,
					  "control: SO_PEERGROUPS failed: %m; only primary groups grant access");
			s->peergroups_warned = true;
		}
		return;
	}
	p->may_read = gid_in(s->group, groups, n_groups);
}

/* Accept and close at once, with a reason the client can read. */
static void ctl_refuse(int fd, const char *code, const char *why)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"%s\",\"code\":\"%s\"}\n", why, code);

	if (n > 0)
		(void) !send(fd, msg, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void) close(fd);
}

static int ctl_accept(struct loop *l, int lfd, uint32_t revents, void *userdata)
{
	struct ctl_server *s = userdata;

	/* Bounded per wake-up so a connect storm cannot starve the other fds. */
	for (int i = 0; i < 64; i++) {
		struct ctl_client *c;
		int fd, r;

		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Level-triggered EPOLLIN would spin: pause until a client goes away. */
				log_warning_errno(-errno, "control: accept failed: %m; pausing until a client closes");
				if (s->n_clients > 0 && loop_watch_set_events(s->watch, 0) == 0)
					s->accept_paused = true;
				return 0;
			}
			return log_warning_errno(-errno, "control: accept failed: %m");
		}
		if (s->n_clients >= CTL_CLIENTS_MAX) {
			ctl_refuse(fd, CTL_CODE_BUSY, "too many clients, try again");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			ctl_refuse(fd, CTL_CODE_BUSY, "out of memory");
			continue;
		}
		c->server = s;
		c->fd = fd;
		ctl_peer_identify(s, fd, &c->peer);
		r = loop_add_io(s->loop, "control-client", fd, EPOLLIN, ctl_client_io, c, &c->watch);
		if (r >= 0)
			r = loop_add_timer(s->loop, "control-client", ctl_client_timeout, c, &c->timer);
		if (r < 0) {
			(void) loop_watch_remove(c->watch);
			free(c);
			ctl_refuse(fd, CTL_CODE_BUSY, "out of resources");
			continue;
		}
		loop_timer_set(c->timer, loop_now_usec() + CTL_CLIENT_TIMEOUT_USEC);
		c->next = s->clients;
		if (s->clients)
			s->clients->prev = c;
		s->clients = c;
		s->n_clients++;
	}
	return 0;
}

static int ctl_runtime_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_err_errno(-errno, "%s: cannot create runtime directory: %m", dir);
	if (lstat(dir, &st) < 0)
		return log_err_errno(-errno, "%s: %m", dir);
	if (S_ISLNK(st.st_mode))
		return log_err_errno(-ELOOP, "%s: is a symlink, refusing to use it as runtime directory",
				     dir);
	if (!S_ISDIR(st.st_mode))
		return log_err_errno(-ENOTDIR, "%s: not a directory", dir);
	if (st.st_uid != 0)
		return log_err_errno(-EPERM, "%s: owned by uid %u, not root; refusing to use it", dir,
				     (unsigned) st.st_uid);
	if (st.st_mode & 022)
		return log_err_errno(-EPERM,
				     "%s: writable by group or others (mode %04o); refusing to use it",
				     dir, (unsigned) (st.st_mode & 07777));
	return 0;
}

static int ctl_lock(const char *dir, int *ret_fd)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, CTL_LOCK_NAME) >= sizeof(path))
		return log_err_errno(-ENAMETOOLONG, "%s: path too long", dir);
	/* O_NOFOLLOW: a symlink planted at the lock path must not redirect our open. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return log_err_errno(-errno, "%s: cannot open lock file: %m", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return log_err_errno(-EBUSY,
					     "another failoverd instance is running (%s is locked), refusing to start",
					     path);
		return log_err_errno(-errno, "%s: flock failed: %m", path);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int ctl_server_new(struct loop *l, const char *runtime_dir, ctl_handler_t handler, void *userdata,
		   struct ctl_server **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	struct stat st;
	mode_t old_umask;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return log_err_errno(-ENOMEM, "out of memory");
	s->loop = l;
	s->lock_fd = -1;
	s->fd = -1;
	s->handler = handler;
	s->userdata = userdata;

	if ((size_t) snprintf(s->path, sizeof(s->path), "%s/%s", runtime_dir, CTL_SOCKET_NAME) >=
	    sizeof(s->path)) {
		r = log_err_errno(-ENAMETOOLONG, "%s: too long for a socket path", runtime_dir);
		goto free_server;
	}
	r = ctl_runtime_dir(runtime_dir);
	if (r < 0)
		goto free_server;
	r = ctl_lock(runtime_dir, &s->lock_fd);
	if (r < 0)
		goto free_server;

	/* We hold the lock, so no live instance owns whatever is at the path. */
	if (lstat(s->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			r = log_err_errno(-EEXIST,
					  "%s: exists and is not a socket (%s), refusing to remove it",
					  s->path, S_ISLNK(st.st_mode) ? "a symlink" :
						   S_ISREG(st.st_mode) ? "a regular file" : "another file type");
			goto free_server;
		}
		if (unlink(s->path) < 0) {
			r = log_err_errno(-errno, "%s: cannot remove stale socket: %m", s->path);
			goto free_server;
		}
		log_info("%s: removed stale socket of an earlier instance", s->path);
	} else if (errno != ENOENT) {
		r = log_err_errno(-errno, "%s: %m", s->path);
		goto free_server;
	}

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = log_err_errno(-errno, "control socket: %m");
		goto free_server;
	}
	/* A path socket, never abstract (sun_path[0] != 0): abstract names cross netns/containers. */
	strscpy(sa.sun_path, sizeof(sa.sun_path), s->path);
	/* Created 0600 so there is no moment in which it is more open than configured. */
	old_umask = umask(0177);
	r = bind(s->fd, (struct sockaddr *) &sa, sizeof(sa));
	(void) umask(old_umask);
	if (r < 0) {
		r = log_err_errno(-errno, "%s: bind failed: %m", s->path);
		goto free_server;
	}
	if (listen(s->fd, CTL_BACKLOG) < 0) {
		r = log_err_errno(-errno, "%s: listen failed: %m", s->path);
		goto unlink_socket;
	}
	r = loop_add_io(l, "control", s->fd, EPOLLIN, ctl_accept, s, &s->watch);
	if (r < 0) {
		log_err_errno(r, "control: cannot watch the socket: %m");
		goto unlink_socket;
	}
	*ret = s;
	return 0;

unlink_socket:
	(void) unlink(s->path);
free_server:
	if (s->fd >= 0)
		(void) close(s->fd);
	if (s->lock_fd >= 0)
		(void) close(s->lock_fd);
	free(s);
	return r;
}

struct ctl_server *ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return NULL;
	while (s->clients)
		ctl_client_free(s->clients);
	(void) loop_watch_remove(s->watch);
	if (s->fd >= 0) {
		(void) close(s->fd);
		/* Still under the lock: nobody else can have bound a new socket here. */
		(void) unlink(s->path);
	}
	if (s->lock_fd >= 0)
		(void) close(s->lock_fd);
	free(s);
	return NULL;
}

int ctl_server_set_group(struct ctl_server *s, const char *group)
{
	struct group *gr;
	gid_t gid = 0;

	if (group && *group) {
		errno = 0;
		gr = getgrnam(group);
		if (!gr)
			return log_err_errno(errno ? -errno : -ENOENT, "control_group '%s': no such group",
					     group);
		gid = gr->gr_gid;
	}
	/* Group first, then widen the mode; narrowing goes the other way round. */
	if (group && *group) {
		if (chown(s->path, 0, gid) < 0 || chmod(s->path, 0660) < 0)
			return log_err_errno(-errno, "%s: cannot set group/mode: %m", s->path);
		s->have_group = true;
		s->group = gid;
	} else {
		if (chmod(s->path, 0600) < 0 || chown(s->path, 0, 0) < 0)
			return log_err_errno(-errno, "%s: cannot set mode: %m", s->path);
		s->have_group = false;
	}
	return 0;
}

size_t ctl_server_n_clients(const struct ctl_server *s)
{
	return s->n_clients;
}

const char *ctl_server_socket_path(const struct ctl_server *s)
{
	return s->path;
}
