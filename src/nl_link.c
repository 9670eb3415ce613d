/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "netlink_team.h"
#include "nl_build.h"
#include "nl_link.h"
#include "util.h"

/* A dump datagram is at most 32 KiB (kernel netlink_dump()); leave headroom. */
#define RXBUF_SIZE (64 * 1024)
/* NLM_F_DUMP_INTR: retry the whole dump this many times before giving up. */
#define DUMP_TRIES 5
/*
 * Monitor receive buffer: a burst of link events (a hotplug storm, a
 * container runtime) must not overflow it in normal operation.  It is an
 * upper bound on queued memory, not an allocation.
 */
#define MON_RCVBUF (4 * 1024 * 1024)
#define ACK_TIMEOUT_MS 5000
/* Upper bound of datagrams handled per dispatch call, so a storm cannot starve the loop. */
#define DRAIN_MAX 16384
/* links read again at the next dispatch (one per CREATE in between: a handful) */
#define REFRESH_MAX 8

struct link_vec {
	struct fo_link_info *v;
	size_t n, cap;
};

struct addr_vec {
	struct nlbuild_addr *v;
	size_t n, cap;
};

#ifdef FAILOVERD_FAULT_INJECTION
#define FAULTS_MAX 16
/*
 * A request inside an action that can be faulted on its own: the marker a
 * create sets after the kernel made the aggregate.  A crash between the two
 * leaves an aggregate nobody has marked, the case restart must survive.
 */
#define FAULT_SET_ALIAS FO_ACT_MAX
#define FAULT_SET_ALIAS_NAME "set_alias"
struct fault {
	enum fo_action_type type;   /* or FAULT_SET_ALIAS */
	unsigned nth;       /* 0 = every request of this kind */
	bool kill;
	bool noack;         /* send without NLM_F_ACK: the answer never comes (ACK lost) */
	int error;          /* -errno when neither */
};
#endif

struct nl_link {
	struct mnl_socket *mon;
	struct mnl_socket *req;
	struct mnl_socket *genl;   /* opened on first use (team backend only) */
	uint32_t seq;
	int debug_level;   /* hexdump every message at this level; -1 = off */
	unsigned ack_timeout_ms;
	/*
	 * One buffer per use: handling a monitor event can issue a request
	 * (reading a team's active port) while the event's datagram is still
	 * being walked.
	 */
	uint8_t *mon_buf;
	uint8_t *req_buf;

	/* What the kernel last told us, to answer address events and name logs. */
	struct link_vec links;
	struct addr_vec addrs;

	uint64_t requests_total;
	uint64_t reads_total;
	uint64_t forged_total;
	uint64_t resyncs_total;
	bool resync_pending;       /* events were lost and no dump has succeeded since */
	struct log_ratelimit forged_rl;
	struct log_ratelimit bad_rl;
	struct log_ratelimit lost_rl;  /* "events lost" and "giving up": storms repeat them */
	char last_error[FO_TEXT_LEN];
	int ok_error;            /* -errno the next request treats as success (0 = none) */
	/*
	 * Links we changed in a way the kernel does not announce: it sends no
	 * RTM_NEWLINK for an alias set on a device that is down
	 * (netdev_state_change() only notifies for IFF_UP), so the marker of
	 * a new aggregate would stay unseen until something else changes it.
	 * The next dispatch reads them (RTM_GETLINK) and emits what it finds.
	 */
	int refresh[REFRESH_MAX];
	size_t n_refresh;

#ifdef FAILOVERD_FAULT_INJECTION
	struct fault faults[FAULTS_MAX];
	size_t n_faults;
	unsigned executed[FO_ACT_MAX + 1];   /* + FAULT_SET_ALIAS */
#endif
};

typedef int (*reply_fn)(const void *msg, size_t len, void *userdata);

static uint64_t now_usec(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * FO_USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void hexdump(const struct nl_link *l, const char *dir, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	char line[16 * 3 + 1];

	if (l->debug_level < 0)
		return;
	log_full_errno(l->debug_level, 0, "netlink %s %zu bytes", dir, len);
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		for (size_t i = 0; i < n; i++)
			(void) snprintf(line + i * 3, 4, " %02x", p[off + i]);
		log_full_errno(l->debug_level, 0, "  %04zx:%s", off, line);
	}
}

/* ---- small vectors ---- */

static struct fo_link_info *links_find(struct link_vec *lv, int ifindex)
{
	for (size_t i = 0; i < lv->n; i++)
		if (lv->v[i].ifindex == ifindex)
			return &lv->v[i];
	return NULL;
}

static int links_upsert(struct link_vec *lv, const struct fo_link_info *li)
{
	struct fo_link_info *e = links_find(lv, li->ifindex);

	if (e) {
		*e = *li;
		return 0;
	}
	if (lv->n == lv->cap) {
		size_t cap = lv->cap ? lv->cap * 2 : 32;
		struct fo_link_info *v = reallocarray(lv->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		lv->v = v;
		lv->cap = cap;
	}
	lv->v[lv->n++] = *li;
	return 0;
}

static void links_remove(struct link_vec *lv, int ifindex)
{
	struct fo_link_info *e = links_find(lv, ifindex);

	if (e)
		*e = lv->v[--lv->n];
}

static bool addr_same(const struct nlbuild_addr *a, const struct nlbuild_addr *b)
{
	return a->ifindex == b->ifindex && a->family == b->family &&
	       a->prefixlen == b->prefixlen && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int addrs_add(struct addr_vec *av, const struct nlbuild_addr *a)
{
	for (size_t i = 0; i < av->n; i++)
		if (addr_same(&av->v[i], a)) {
			av->v[i] = *a;
			return 0;
		}
	if (av->n == av->cap) {
		size_t cap = av->cap ? av->cap * 2 : 32;
		struct nlbuild_addr *v = reallocarray(av->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		av->v = v;
		av->cap = cap;
	}
	av->v[av->n++] = *a;
	return 0;
}

static void addrs_remove(struct addr_vec *av, const struct nlbuild_addr *a)
{
	for (size_t i = 0; i < av->n; i++)
		if (addr_same(&av->v[i], a)) {
			av->v[i] = av->v[--av->n];
			return;
		}
}

static void addrs_remove_ifindex(struct addr_vec *av, int ifindex)
{
	for (size_t i = 0; i < av->n;)
		if (av->v[i].ifindex == ifindex)
			av->v[i] = av->v[--av->n];
		else
			i++;
}

static bool addrs_has_global(const struct addr_vec *av, int ifindex)
{
	for (size_t i = 0; i < av->n; i++)
		if (av->v[i].ifindex == ifindex && av->v[i].global)
			return true;
	return false;
}

/* ---- sockets ---- */

/*
 * An interface name for a log line.  The kernel forbids '/', ':' and
 * white space in names but not control bytes, so anything unprintable is
 * shown as '?' rather than written to the journal raw.
 */
static const char *log_name(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = (unsigned char) name[i] < 0x20 || (unsigned char) name[i] >= 0x7f ? '?' : name[i];
	buf[i] = '\0';
	return buf;
}

static const char *ifname_of(struct nl_link *l, int ifindex, char *buf, size_t len)
{
	const struct fo_link_info *li = links_find(&l->links, ifindex);

	if (li)
		return log_name(li->name, buf, len);
	(void) snprintf(buf, len, "ifindex %d", ifindex);
	return buf;
}

static int sock_open(int bus, struct mnl_socket **ret)
{
	struct mnl_socket *nl;
	int one = 1, r;

	nl = mnl_socket_open2(bus, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		(void) mnl_socket_close(nl);
		return r;
	}
	/*
	 * Extended ACKs carry the kernel's reason text; capped ACKs do not
	 * echo our request back.  Both are best effort (old kernels lack them).
	 */
	(void) mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void) mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	*ret = nl;
	return 0;
}

static int mon_setup(struct mnl_socket *nl)
{
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR };
	const char *e = getenv("FAILOVERD_TEST_RCVBUF");
	int fd = mnl_socket_get_fd(nl), size = MON_RCVBUF;

	if (e && *e) {
		char *end;
		long v = strtol(e, &end, 10);

		if (*end || v <= 0 || v > MON_RCVBUF)
			return log_err_errno(-EINVAL, "FAILOVERD_TEST_RCVBUF=%s: not a size in 1..%d",
					     e, MON_RCVBUF);
		size = (int) v;
		log_notice("netlink monitor: receive buffer %d bytes (FAILOVERD_TEST_RCVBUF)", size);
	}
	/* FORCE passes net.core.rmem_max when we have CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_warning_errno(-errno, "netlink monitor: cannot size the receive buffer: %m, ignoring");

	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, (void *) &groups[i],
					  sizeof(groups[i])) < 0)
			return log_err_errno(-errno, "netlink monitor: cannot join group %u: %m",
					     groups[i]);
	return 0;
}

#ifdef FAILOVERD_FAULT_INJECTION
static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR }, { "EIO", EIO },
	{ "ENXIO", ENXIO }, { "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM }, { "EACCES", EACCES },
	{ "EBUSY", EBUSY }, { "EEXIST", EEXIST }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
	{ "ENOSPC", ENOSPC }, { "ERANGE", ERANGE }, { "EMSGSIZE", EMSGSIZE },
	{ "EPROTO", EPROTO }, { "EOPNOTSUPP", EOPNOTSUPP }, { "EADDRNOTAVAIL", EADDRNOTAVAIL },
	{ "ENETDOWN", ENETDOWN }, { "ENOBUFS", ENOBUFS }, { "ETIMEDOUT", ETIMEDOUT },
};

static int fault_parse_one(const char *s, struct fault *ret)
{
	char name[32];
	const char *colon = strchr(s, ':'), *hash, *v;
	struct fault f = {};
	size_t n;

	if (!colon)
		return -EINVAL;
	hash = memchr(s, '#', (size_t) (colon - s));
	n = (size_t) ((hash ? hash : colon) - s);
	if (n == 0 || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, s, n);
	name[n] = '\0';
	if (streq(name, FAULT_SET_ALIAS_NAME))
		f.type = FAULT_SET_ALIAS;
	else if (nlbuild_action_from_name(name, &f.type) < 0 || f.type == FO_ACT_EVENT)
		return -EINVAL;
	if (hash) {
		char *end;
		unsigned long nth = strtoul(hash + 1, &end, 10);

		if (end != colon || nth == 0 || nth > 1000000)
			return -EINVAL;
		f.nth = (unsigned) nth;
	}
	v = colon + 1;
	if (streq(v, "kill")) {
		f.kill = true;
	} else if (streq(v, "noack")) {
		f.noack = true;
	} else if (strncmp(v, "fail=-", 6) == 0) {
		const char *e = v + 6;
		char *end;
		long num = strtol(e, &end, 10);

		if (*e >= '0' && *e <= '9') {
			if (*end || num <= 0 || num > 4095)
				return -EINVAL;
			f.error = (int) -num;
		} else {
			for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
				if (streq(errno_names[i].name, e))
					f.error = -errno_names[i].value;
			if (f.error == 0)
				return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	*ret = f;
	return 0;
}

/* FAILOVERD_FAULT=<action|set_alias>[#N]:<fail=-ERRNO|kill|noack>[,...] */
static int fault_setup(struct nl_link *l)
{
	const char *e = getenv("FAILOVERD_FAULT");
	_cleanup_free_ char *copy = NULL;
	char *tok, *save = NULL;

	if (!e || !*e)
		return 0;
	copy = strdup(e);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (l->n_faults == FAULTS_MAX)
			return log_err_errno(-E2BIG, "FAILOVERD_FAULT: more than %d entries",
					     FAULTS_MAX);
		if (fault_parse_one(tok, &l->faults[l->n_faults]) < 0)
			return log_err_errno(-EINVAL,
					     "FAILOVERD_FAULT: '%s' is not <action>[#N]:<fail=-ERRNO|kill|noack>",
					     tok);
		l->n_faults++;
	}
	log_warning("fault injection armed: FAILOVERD_FAULT=%s", e);
	return 0;
}

/* Called once per executed action, before anything is sent: -errno, 1 = no ACK, 0. */
static int fault_check(struct nl_link *l, enum fo_action_type t, const char *ifname)
{
	unsigned count = ++l->executed[t];
	const char *what = t == FAULT_SET_ALIAS ? FAULT_SET_ALIAS_NAME : nlbuild_action_name(t);

	for (size_t i = 0; i < l->n_faults; i++) {
		const struct fault *f = &l->faults[i];

		if (f->type != t || (f->nth != 0 && f->nth != count))
			continue;
		if (f->kill) {
			log_warning("%s: fault injection: killing the process before %s #%u",
				    ifname, what, count);
			(void) raise(SIGKILL);
		}
		if (f->noack) {
			log_warning("%s: fault injection: %s #%u sent without asking for an ACK",
				    ifname, what, count);
			return 1;
		}
		log_warning("%s: fault injection: failing %s #%u with %d", ifname,
			    what, count, f->error);
		return f->error;
	}
	return 0;
}
#endif

int nl_link_new(struct nl_link **ret)
{
	struct nl_link *l;
	const char *dbg = getenv("FAILOVERD_NL_DEBUG");
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ack_timeout_ms = ACK_TIMEOUT_MS;
	l->forged_rl = (struct log_ratelimit) LOG_RATELIMIT_INIT(10 * FO_USEC_PER_SEC, 5);
	l->bad_rl = (struct log_ratelimit) LOG_RATELIMIT_INIT(10 * FO_USEC_PER_SEC, 5);
	/* One loss per minute is news; the rest are counted in resyncs_total. */
	l->lost_rl = (struct log_ratelimit) LOG_RATELIMIT_INIT(60 * FO_USEC_PER_SEC, 2);
	/*
	 * Only when asked for explicitly, shown at info level.  Not implied by
	 * log_level = debug: a replug hexdumps hundreds of lines, which floods
	 * the journal and, under a slow guest, delays the very timeline debug
	 * logging is there to show (issue 11).
	 */
	l->debug_level = dbg && streq(dbg, "1") ? LOG_INFO : -1;
	/* Any start value works; a time-derived one keeps replies of a previous run apart. */
	l->seq = (uint32_t) time(NULL);

	l->mon_buf = malloc(RXBUF_SIZE);
	l->req_buf = malloc(RXBUF_SIZE);
	if (!l->mon_buf || !l->req_buf) {
		r = -ENOMEM;
		goto fail;
	}
	r = sock_open(NETLINK_ROUTE, &l->mon);
	if (r < 0) {
		log_err_errno(r, "netlink: cannot open the monitor socket: %m");
		goto fail;
	}
	r = mon_setup(l->mon);
	if (r < 0)
		goto fail;
	r = sock_open(NETLINK_ROUTE, &l->req);
	if (r < 0) {
		log_err_errno(r, "netlink: cannot open the request socket: %m");
		goto fail;
	}
	{
		int one = 1;

		/* Strict checking: the kernel refuses malformed dump requests instead of guessing. */
		(void) mnl_socket_setsockopt(l->req, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	}
#ifdef FAILOVERD_FAULT_INJECTION
	r = fault_setup(l);
	if (r < 0)
		goto fail;
#endif
	*ret = l;
	return 0;

fail:
	nl_link_free(l);
	return r;
}

struct nl_link *nl_link_free(struct nl_link *l)
{
	if (!l)
		return NULL;
	if (l->mon)
		(void) mnl_socket_close(l->mon);
	if (l->req)
		(void) mnl_socket_close(l->req);
	if (l->genl)
		(void) mnl_socket_close(l->genl);
	free(l->links.v);
	free(l->addrs.v);
	free(l->mon_buf);
	free(l->req_buf);
	free(l);
	return NULL;
}

int nl_link_get_fd(struct nl_link *l)
{
	return mnl_socket_get_fd(l->mon);
}

uint64_t nl_link_requests_total(const struct nl_link *l)
{
	return l->requests_total;
}

uint64_t nl_link_reads_total(const struct nl_link *l)
{
	return l->reads_total;
}

uint64_t nl_link_forged_total(const struct nl_link *l)
{
	return l->forged_total;
}

uint64_t nl_link_resyncs_total(const struct nl_link *l)
{
	return l->resyncs_total;
}

const char *nl_link_last_error_text(const struct nl_link *l)
{
	return l->last_error;
}

uint32_t nl_link_monitor_portid(const struct nl_link *l)
{
	return mnl_socket_get_portid(l->mon);
}

uint32_t nl_link_request_portid(const struct nl_link *l)
{
	return mnl_socket_get_portid(l->req);
}

void nl_link_set_ack_timeout(struct nl_link *l, unsigned msec)
{
	l->ack_timeout_ms = msec ? msec : ACK_TIMEOUT_MS;
}

/*
 * Receive one datagram that the kernel sent.  Anything else is dropped:
 * any process with CAP_NET_ADMIN can unicast to our port id, and the
 * header's nlmsg_pid says nothing about the sender (CVE-2012-3520), only
 * the socket address does.  Returns the length, -EAGAIN when nothing is
 * queued, -ENOBUFS when the kernel dropped messages, -EMSGSIZE on a
 * truncated datagram (also a loss), or another -errno.
 */
static ssize_t recv_kernel(struct nl_link *l, struct mnl_socket *nl, uint8_t *buf,
			   const char *which)
{
	for (;;) {
		struct sockaddr_nl sa = {};
		struct iovec iov = { .iov_base = buf, .iov_len = RXBUF_SIZE };
		struct msghdr mh = {
			.msg_name = &sa,
			.msg_namelen = sizeof(sa),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n;

		n = recvmsg(mnl_socket_get_fd(nl), &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (mh.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0) {
			l->forged_total++;
			if (log_ratelimit_ok(&l->forged_rl, now_usec()))
				log_warning("netlink %s: dropped a %zd-byte message from port id %u (not the kernel), ignoring",
					    which, n, (unsigned) sa.nl_pid);
			continue;
		}
		hexdump(l, which, buf, (size_t) n);
		return n;
	}
}

/*
 * Send one request on nl and wait (bounded) for its answer: the ACK, the
 * end of a dump or, for a plain GET, the reply.  Data messages go to fn.
 * Messages whose port id or sequence number do not match (a late answer to
 * a request that timed out) are skipped.  Returns 0, -errno from the
 * kernel, -ETIMEDOUT, or -EINTR when a dump was interrupted
 * (NLM_F_DUMP_INTR: the caller retries the whole dump).
 */
static int transact(struct nl_link *l, struct mnl_socket *nl, void *req, size_t len, bool write,
		    const char *ifname, const char *what, reply_fn fn, void *ud)
{
	struct nlmsghdr *h = req;
	uint32_t seq = ++l->seq, portid = mnl_socket_get_portid(nl);
	bool want_ack = h->nlmsg_flags & NLM_F_ACK, dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool interrupted = false;
	uint64_t deadline;
	int r;

	h->nlmsg_seq = seq;
	h->nlmsg_pid = 0;
	hexdump(l, "tx", req, len);
	if (mnl_socket_sendto(nl, req, len) < 0) {
		r = -errno;
		return log_warning_errno(r, "%s: %s: cannot send the request: %m", ifname, what);
	}
	if (write)
		l->requests_total++;
	else
		l->reads_total++;

	deadline = now_usec() + (uint64_t) l->ack_timeout_ms * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		uint64_t now = now_usec();
		size_t off = 0, mlen;
		const void *m;
		const char *why = NULL;
		ssize_t n;

		if (now >= deadline) {
			/* The request may or may not have taken effect: only an observation can tell. */
			if (write)
				(void) snprintf(l->last_error, sizeof(l->last_error),
						"no answer from the kernel within %u ms", l->ack_timeout_ms);
			return log_warning_errno(-ETIMEDOUT, "%s: %s: no answer from the kernel within %u ms",
						 ifname, what, l->ack_timeout_ms);
		}
		r = poll(&pfd, 1, (int) ((deadline - now + 999) / 1000));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return log_warning_errno(-errno, "%s: %s: poll: %m", ifname, what);
		}
		if (r == 0)
			continue;
		n = recv_kernel(l, nl, l->req_buf, "rx");
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return log_warning_errno((int) n, "%s: %s: receiving the answer: %m", ifname, what);

		while ((r = nlbuild_next_msg(l->req_buf, (size_t) n, &off, &m, &mlen, &why)) > 0) {
			struct nlmsghdr mh;

			memcpy(&mh, m, sizeof(mh));
			if (mh.nlmsg_pid != portid || mh.nlmsg_seq != seq)
				continue;
			if (mh.nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
			if (mh.nlmsg_type == NLMSG_ERROR) {
				char text[FO_TEXT_LEN];
				uint32_t eseq;
				int err;

				if (nlbuild_parse_error(m, mlen, &err, &eseq, text, sizeof(text), &why) < 0)
					return log_warning_errno(-EBADMSG, "%s: %s: malformed error message: %s",
								 ifname, what, why);
				if (err != 0 && err == l->ok_error) {
					log_debug_errno(err, "%s: %s: %m, which means success here", ifname,
							what);
					err = 0;
				}
				if (err == 0) {
					/* A success can carry a warning (e.g. a value the kernel adjusted). */
					if (text[0])
						log_notice("%s: %s: the kernel says: %s", ifname, what, text);
					return interrupted ? -EINTR : 0;
				}
				if (write) {
					strscpy(l->last_error, sizeof(l->last_error), text);
					log_warning_errno(err, "%s: %s failed: %m%s%s%s", ifname, what,
							  text[0] ? " (kernel: " : "", text,
							  text[0] ? ")" : "");
				} else {
					log_debug_errno(err, "%s: %s: %m%s%s", ifname, what,
							text[0] ? ": " : "", text);
				}
				return err;
			}
			if (mh.nlmsg_type == NLMSG_DONE) {
				int32_t derr = 0;

				/* A failing dump ends with DONE carrying -errno. */
				if (mlen >= NLMSG_HDRLEN + sizeof(derr))
					memcpy(&derr, (const uint8_t *) m + NLMSG_HDRLEN, sizeof(derr));
				if (derr < 0)
					return log_warning_errno(derr, "%s: %s: dump failed: %m", ifname,
								 what);
				return interrupted ? -EINTR : 0;
			}
			if (mh.nlmsg_type == NLMSG_NOOP || mh.nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (fn) {
				r = fn(m, mlen, ud);
				if (r < 0)
					return r;
			}
			if (!want_ack && !dump && !(mh.nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
		if (r < 0)
			return log_warning_errno(-EBADMSG, "%s: %s: malformed answer: %s", ifname, what,
						 why);
	}
}

int nl_link_genl_transact(struct nl_link *l, void *req, size_t len, bool write, const char *ifname,
			  const char *what, int (*fn)(const void *msg, size_t len, void *userdata),
			  void *userdata)
{
	int r;

	if (!l->genl) {
		r = sock_open(NETLINK_GENERIC, &l->genl);
		if (r < 0)
			return log_err_errno(r, "netlink: cannot open a generic-netlink socket: %m");
	}
	return transact(l, l->genl, req, len, write, ifname, what, fn, userdata);
}

int nl_link_genl_set(struct nl_link *l, void *req, size_t len, const char *ifname,
		     const char *what, int ok_error)
{
	int r;

	l->ok_error = ok_error;
	r = nl_link_genl_transact(l, req, len, true, ifname, what, NULL, NULL);
	l->ok_error = 0;
	return r;
}

/* ---- dump ---- */

struct collect {
	struct nl_link *l;
	struct link_vec links;
	struct addr_vec addrs;
};

static void bad_message(struct nl_link *l, const char *why)
{
	if (log_ratelimit_ok(&l->bad_rl, now_usec()))
		log_warning("netlink: malformed message from the kernel: %s, ignoring", why);
}

/* nlbuild_parse_link(), a malformed message logged (rate-limited) and taken as "no link". */
static bool parse_link(struct nl_link *l, const void *msg, size_t len, struct fo_link_info *ret,
		       bool *ret_gone)
{
	const char *why = NULL;
	int r;

	r = nlbuild_parse_link(msg, len, ret, ret_gone, &why);
	if (r < 0)
		bad_message(l, why);
	return r > 0;
}

static int collect_link(const void *msg, size_t len, void *ud)
{
	struct collect *c = ud;
	struct fo_link_info li;
	bool gone;

	if (!parse_link(c->l, msg, len, &li, &gone) || gone)
		return 0;
	return links_upsert(&c->links, &li);
}

static int collect_addr(const void *msg, size_t len, void *ud)
{
	struct collect *c = ud;
	struct nlbuild_addr a;
	const char *why = NULL;
	bool gone;
	int r;

	r = nlbuild_parse_addr(msg, len, &a, &gone, &why);
	if (r < 0) {
		bad_message(c->l, why);
		return 0;
	}
	if (r == 0 || gone)
		return 0;
	return addrs_add(&c->addrs, &a);
}

/* Fill in what the link message does not say (team active port). A read. */
static void complete_link(struct nl_link *l, struct fo_link_info *li, const struct addr_vec *av)
{
	const struct nlteam_ops *ops = nlteam_ops_by_kind(li->kind);
	char name[IFNAMSIZ];
	int port;

	li->has_addresses = addrs_has_global(av, li->ifindex);
	if (ops && ops->read_active &&
	    ops->read_active(l, li->ifindex, log_name(li->name, name, sizeof(name)), &port) >= 0)
		li->active_ifindex = port;
}

static int dump_once(struct nl_link *l, struct collect *c)
{
	uint8_t req[NLBUILD_REQ_MAX];
	size_t len;
	int r;

	c->links.n = 0;
	c->addrs.n = 0;
	r = nlbuild_link_dump(0, req, sizeof(req), &len);
	if (r < 0)
		return r;
	r = transact(l, l->req, req, len, false, "netlink", "link dump", collect_link, c);
	if (r < 0)
		return r;
	r = nlbuild_addr_dump(0, req, sizeof(req), &len);
	if (r < 0)
		return r;
	return transact(l, l->req, req, len, false, "netlink", "address dump", collect_addr, c);
}

int nl_link_dump(struct nl_link *l, fo_obs_cb cb, void *userdata)
{
	struct collect c = { .l = l };
	struct fo_obs obs = {};
	int r = -EINTR;

	/* a dump reads everything: nothing left to read again */
	l->n_refresh = 0;

	for (unsigned try = 1; try <= DUMP_TRIES; try++) {
		r = dump_once(l, &c);
		if (r != -EINTR)
			break;
		/* Normal under churn: only the final "giving up" is worth a warning. */
		log_debug("netlink: dump interrupted by a concurrent change (try %u of %d), retrying",
			  try, DUMP_TRIES);
		/*
		 * Back off a little, with jitter, so a burst of changes (a storm
		 * of hotplug events) can settle instead of interrupting every
		 * retry: 1..4 ms, then 2..8, 4..16 ms ...
		 */
		if (try < DUMP_TRIES) {
			long ms = (1L << (try - 1)) * (1 + (long) (now_usec() % 4));
			struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

			(void) nanosleep(&ts, NULL);
		}
	}
	if (r == -EINTR) {
		r = -EAGAIN;
		if (log_ratelimit_ok(&l->lost_rl, now_usec()))
			log_warning("netlink: dump interrupted %d times in a row, giving up for now",
				    DUMP_TRIES);
	}
	if (r < 0)
		goto out;

	for (size_t i = 0; i < c.links.n; i++)
		complete_link(l, &c.links.v[i], &c.addrs);

	l->resync_pending = false;
	/* Replace the cache only with a complete view. */
	free(l->links.v);
	free(l->addrs.v);
	l->links = c.links;
	l->addrs = c.addrs;
	c.links = (struct link_vec) {};
	c.addrs = (struct addr_vec) {};

	obs.type = FO_OBS_SYNC_BEGIN;
	obs.sync_udev = false;
	cb(&obs, userdata);
	for (size_t i = 0; i < l->links.n; i++) {
		obs = (struct fo_obs) { .type = FO_OBS_LINK, .link = l->links.v[i] };
		cb(&obs, userdata);
	}
	obs = (struct fo_obs) { .type = FO_OBS_SYNC_END, .sync_udev = false };
	cb(&obs, userdata);
	r = 0;
out:
	free(c.links.v);
	free(c.addrs.v);
	return r;
}

/* ---- monitor ---- */

static void emit_link(struct nl_link *l, const struct fo_link_info *li, fo_obs_cb cb, void *ud)
{
	struct fo_obs obs = { .type = FO_OBS_LINK, .link = *li };

	(void) l;
	cb(&obs, ud);
}

struct refresh_ctx {
	struct nl_link *l;
	fo_obs_cb cb;
	void *ud;
	int r;
};

static int refresh_reply(const void *msg, size_t len, void *ud)
{
	struct refresh_ctx *c = ud;
	struct fo_link_info li;
	bool gone;

	if (!parse_link(c->l, msg, len, &li, &gone) || gone)
		return 0;
	complete_link(c->l, &li, &c->l->addrs);
	c->r = links_upsert(&c->l->links, &li);
	if (c->r >= 0)
		emit_link(c->l, &li, c->cb, c->ud);
	return 0;
}

/* Read the links queued in l->refresh again and emit them (reads, not writes). */
static int refresh_links(struct nl_link *l, fo_obs_cb cb, void *ud)
{
	while (l->n_refresh > 0) {
		int ifindex = l->refresh[--l->n_refresh];
		struct refresh_ctx c = { .l = l, .cb = cb, .ud = ud };
		uint8_t req[NLBUILD_REQ_MAX];
		char name[32];
		size_t len;
		int r;

		r = nlbuild_link_get(0, ifindex, req, sizeof(req), &len);
		if (r < 0)
			return r;
		(void) snprintf(name, sizeof(name), "ifindex %d", ifindex);
		r = transact(l, l->req, req, len, false, name, "refresh", refresh_reply, &c);
		/* gone meanwhile: its RTM_DELLINK says so */
		if (r < 0 && r != -ENODEV)
			log_warning_errno(r, "netlink: cannot read %s again: %m", name);
		if (c.r < 0)
			return c.r;
	}
	return 0;
}

/* A team's active port can change when one of its ports changes: read it again. */
static void refresh_master(struct nl_link *l, int master, fo_obs_cb cb, void *ud)
{
	struct fo_link_info *m = links_find(&l->links, master);
	const struct nlteam_ops *ops;
	char name[IFNAMSIZ];
	int port;

	if (!m)
		return;
	ops = nlteam_ops_by_kind(m->kind);
	if (!ops || !ops->read_active ||
	    ops->read_active(l, master, log_name(m->name, name, sizeof(name)), &port) < 0)
		return;
	if (port != m->active_ifindex) {
		m->active_ifindex = port;
		emit_link(l, m, cb, ud);
	}
}

static int handle_link(struct nl_link *l, const void *msg, size_t len, fo_obs_cb cb, void *ud)
{
	struct fo_link_info li, *old;
	int old_master = 0, r;
	bool gone;

	if (!parse_link(l, msg, len, &li, &gone))
		return 0;
	old = links_find(&l->links, li.ifindex);
	if (old)
		old_master = old->master_ifindex;
	if (gone) {
		struct fo_obs obs = { .type = FO_OBS_LINK_GONE, .ifindex = li.ifindex };

		links_remove(&l->links, li.ifindex);
		addrs_remove_ifindex(&l->addrs, li.ifindex);
		cb(&obs, ud);
	} else {
		complete_link(l, &li, &l->addrs);
		r = links_upsert(&l->links, &li);
		if (r < 0)
			return r;
		emit_link(l, &li, cb, ud);
	}
	if (old_master > 0)
		refresh_master(l, old_master, cb, ud);
	if (!gone && li.master_ifindex > 0 && li.master_ifindex != old_master)
		refresh_master(l, li.master_ifindex, cb, ud);
	return 0;
}

static int handle_addr(struct nl_link *l, const void *msg, size_t len, fo_obs_cb cb, void *ud)
{
	struct fo_link_info *li;
	struct nlbuild_addr a;
	const char *why = NULL;
	bool gone, had;
	int r;

	r = nlbuild_parse_addr(msg, len, &a, &gone, &why);
	if (r < 0) {
		bad_message(l, why);
		return 0;
	}
	if (r == 0)
		return 0;
	had = addrs_has_global(&l->addrs, a.ifindex);
	if (gone)
		addrs_remove(&l->addrs, &a);
	else {
		r = addrs_add(&l->addrs, &a);
		if (r < 0)
			return r;
	}
	li = links_find(&l->links, a.ifindex);
	if (li && had != addrs_has_global(&l->addrs, a.ifindex)) {
		li->has_addresses = !had;
		emit_link(l, li, cb, ud);
	}
	return 0;
}

int nl_link_dispatch(struct nl_link *l, fo_obs_cb cb, void *userdata)
{
	bool lost = l->resync_pending;
	int r;

	for (unsigned i = 0; i < DRAIN_MAX; i++) {
		size_t off = 0, mlen;
		const void *m;
		const char *why = NULL;
		ssize_t n;

		n = recv_kernel(l, l->mon, l->mon_buf, "monitor");
		if (n == -EAGAIN)
			break;
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			/* Events were lost: what is still queued is superseded by the dump below. */
			if (!lost && log_ratelimit_ok(&l->lost_rl, now_usec()))
				log_warning_errno((int) n, "netlink monitor: events lost (%m), resynchronizing");
			lost = true;
			continue;
		}
		if (n < 0)
			return log_err_errno((int) n, "netlink monitor: receive failed: %m");
		if (lost)
			continue;

		while ((r = nlbuild_next_msg(l->mon_buf, (size_t) n, &off, &m, &mlen, &why)) > 0) {
			struct nlmsghdr h;

			memcpy(&h, m, sizeof(h));
			switch (h.nlmsg_type) {
			case RTM_NEWLINK:
			case RTM_DELLINK:
				r = handle_link(l, m, mlen, cb, userdata);
				break;
			case RTM_NEWADDR:
			case RTM_DELADDR:
				r = handle_addr(l, m, mlen, cb, userdata);
				break;
			default:
				r = 0;
				break;
			}
			if (r < 0) {
				/* The rest of this datagram is dropped: treat it as lost events. */
				l->resync_pending = true;
				return log_err_errno(r, "netlink monitor: %m, resynchronizing later");
			}
		}
		if (r < 0)
			bad_message(l, why);
	}
	if (!lost)
		/* after the queued events, which are older than what this reads */
		return refresh_links(l, cb, userdata);
	if (!l->resync_pending)
		l->resyncs_total++;
	/* Until a dump succeeds, every dispatch tries again; the caller also retries on -EAGAIN. */
	l->resync_pending = true;
	r = nl_link_dump(l, cb, userdata);
	if (r < 0)
		return r;
	return 0;
}

bool nl_link_resync_pending(const struct nl_link *l)
{
	return l->resync_pending;
}

/* ---- execute ---- */

struct lookup {
	int ifindex;
	char kind[FO_KIND_LEN];
	uint32_t group;
	bool has_alias;
	int master_ifindex;
};

static int lookup_reply(const void *msg, size_t len, void *ud)
{
	struct lookup *lk = ud;
	struct fo_link_info li;
	const char *why = NULL;
	bool gone;

	if (nlbuild_parse_link(msg, len, &li, &gone, &why) > 0 && !gone) {
		lk->ifindex = li.ifindex;
		strscpy(lk->kind, sizeof(lk->kind), li.kind);
		lk->group = li.group;
		lk->has_alias = li.alias[0] != '\0';
		lk->master_ifindex = li.master_ifindex;
	}
	return 0;
}

static int lookup_by_name(struct nl_link *l, const char *name, struct lookup *ret)
{
	uint8_t req[NLBUILD_REQ_MAX];
	struct lookup lk = {};
	size_t len;
	int r;

	r = nlbuild_link_get_by_name(0, name, req, sizeof(req), &len);
	if (r < 0)
		return r;
	r = transact(l, l->req, req, len, false, name, "lookup", lookup_reply, &lk);
	if (r < 0)
		return r;
	if (lk.ifindex <= 0)
		return -ENODEV;
	*ret = lk;
	return 0;
}

int nl_link_lookup(struct nl_link *l, const char *name, int *ret_ifindex)
{
	struct lookup lk;
	int r;

	r = lookup_by_name(l, name, &lk);
	if (r < 0)
		return r;
	*ret_ifindex = lk.ifindex;
	return 0;
}

static int send_link_request(struct nl_link *l, const struct fo_action *a,
			     const struct fo_config *cfg, const char *ifname, bool noack)
{
	uint8_t req[NLBUILD_REQ_MAX];
	const char *why = NULL;
	size_t len;
	int r;

	r = nlbuild_link_request(a, cfg, 0, req, sizeof(req), &len, &why);
	if (r < 0)
		return log_err_errno(r, "%s: cannot build the %s request: %s", ifname,
				     nlbuild_action_name(a->type), why ? why : "message too large");
	if (noack)
		((struct nlmsghdr *) (void *) req)->nlmsg_flags &= (uint16_t) ~NLM_F_ACK;
	return transact(l, l->req, req, len, true, ifname, nlbuild_action_name(a->type), NULL, NULL);
}

/*
 * The marker that makes an aggregate ours (and adoptable after a restart)
 * is its ifalias; a create request cannot carry it.
 */
static int set_marker(struct nl_link *l, int ifindex, const char *alias, const char *ifname)
{
	uint8_t req[NLBUILD_REQ_MAX];
	bool noack = false;
	size_t len;
	int r;

	if (!alias[0])
		return 0;
#ifdef FAILOVERD_FAULT_INJECTION
	r = fault_check(l, FAULT_SET_ALIAS, ifname);
	if (r < 0)
		return r;
	noack = r > 0;
#endif
	r = nlbuild_set_alias(0, ifindex, alias, req, sizeof(req), &len);
	if (r < 0)
		return log_err_errno(r, "%s: cannot build the alias request: %m", ifname);
	if (noack)
		((struct nlmsghdr *) (void *) req)->nlmsg_flags &= (uint16_t) ~NLM_F_ACK;
	return transact(l, l->req, req, len, true, ifname, "set alias", NULL, NULL);
}

static int execute_create(struct nl_link *l, const struct fo_action *a, const struct fo_config *cfg,
			  const char *ifname, bool noack, int *ret_new_ifindex)
{
	const struct nlteam_ops *ops = nlteam_ops_get(a->backend);
	struct lookup lk;
	int r;

	if (!ops)
		return log_err_errno(-EINVAL, "%s: create: unknown backend %d", ifname, a->backend);
	r = send_link_request(l, a, cfg, ifname, noack);
	if (r == -EEXIST) {
		int k = lookup_by_name(l, a->name, &lk);

		/*
		 * Whoever holds the name is read again at the next dispatch,
		 * which the daemon runs before it reports this failure: the
		 * name may be an alternative name (udev gives the renamed
		 * standby one), and the kernel announces those for UP devices
		 * only.  The lookup finds alternative names too.
		 */
		if (k >= 0 && l->n_refresh < REFRESH_MAX)
			l->refresh[l->n_refresh++] = lk.ifindex;
		/*
		 * One case of EEXIST is ours to finish: an aggregate a killed
		 * failoverd created (still in NLBUILD_CREATE_GROUP) but did
		 * not mark.  Nobody else creates links in that group; an
		 * enslaved or marked link is never taken.
		 */
		if (k < 0 || !streq(lk.kind, ops->name) ||
		    lk.group != NLBUILD_CREATE_GROUP || lk.has_alias || lk.master_ifindex > 0)
			return r;
		log_notice("%s: taking over the %s a previous failoverd created but did not mark "
			   "(ifindex %d, group 0x%x)", ifname, ops->name, lk.ifindex, lk.group);
	} else if (r < 0)
		return r;
	else {
		/* NLM_F_ECHO on RTM_NEWLINK is not honoured by every kernel: look the name up. */
		r = lookup_by_name(l, a->name, &lk);
		if (r < 0)
			return log_err_errno(r, "%s: created, but cannot find it again: %m", ifname);
		if (!streq(lk.kind, ops->name))
			return log_err_errno(-EEXIST,
					     "%s: created, but the name now belongs to a '%s' link",
					     ifname, lk.kind);
	}
	r = set_marker(l, lk.ifindex, a->alias, ifname);
	if (r >= 0 && ops->post_create)
		r = ops->post_create(l, lk.ifindex, cfg, ifname);
	if (r < 0) {
		/*
		 * Leave the world as it was: an unconfigured aggregate, or one
		 * without our marker (which nobody could adopt), is worse than none.
		 */
		struct fo_action del = { .type = FO_ACT_DELETE, .ifindex = lk.ifindex };
		int k = send_link_request(l, &del, cfg, ifname, false);

		if (k < 0)
			log_err_errno(k, "%s: cannot delete the half-configured %s: %m", ifname,
				      ops->name);
		return r;
	}
	if (l->n_refresh < REFRESH_MAX)
		l->refresh[l->n_refresh++] = lk.ifindex;
	if (ret_new_ifindex)
		*ret_new_ifindex = lk.ifindex;
	return 0;
}

int nl_link_execute(struct nl_link *l, const struct fo_action *a, const struct fo_config *cfg,
		    int *ret_new_ifindex)
{
	char buf[32];
	const char *ifname;
	bool noack = false;

	_Static_assert(sizeof(buf) >= IFNAMSIZ, "buf holds a name");

	if (!a || (int) a->type < 0 || a->type >= FO_ACT_MAX || a->type == FO_ACT_EVENT)
		return log_err_errno(-EINVAL, "netlink: asked to execute something that is not a request");
	ifname = a->type == FO_ACT_CREATE ? log_name(a->name, buf, sizeof(buf)) :
					     ifname_of(l, a->ifindex, buf, sizeof(buf));
	l->last_error[0] = '\0';

#ifdef FAILOVERD_FAULT_INJECTION
	{
		int r = fault_check(l, a->type, ifname);

		if (r < 0)
			return r;
		noack = r > 0;
	}
#endif

	switch (a->type) {
	case FO_ACT_CREATE:
		return execute_create(l, a, cfg, ifname, noack, ret_new_ifindex);
	case FO_ACT_SET_ACTIVE: {
		const struct nlteam_ops *ops = nlteam_ops_get(a->backend);

		if (!ops)
			return log_err_errno(-EINVAL, "%s: set_active: unknown backend %d", ifname,
					     a->backend);
		if (ops->set_active)
			return ops->set_active(l, a->ifindex, a->arg_ifindex, a->announce, ifname);
		return send_link_request(l, a, cfg, ifname, noack);
	}
	case FO_ACT_DELETE:
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
	case FO_ACT_RENAME:
	case FO_ACT_SET_MAC:
	case FO_ACT_SET_MTU:
	case FO_ACT_ENSLAVE:
	case FO_ACT_RELEASE:
	case FO_ACT_SET_PRIMARY:
	case FO_ACT_SET_ADDR_GEN_MODE:
	case FO_ACT_DEL_ALTNAME:
		return send_link_request(l, a, cfg, ifname, noack);
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	return -EINVAL;
}
