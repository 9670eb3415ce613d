/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "conffile.h"
#include "ctl.h"
#include "daemon.h"
#include "dryrun.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "nl_link.h"
#include "pairing.h"
#include "state_file.h"
#include "status.h"
#include "text.h"
#include "udev_watch.h"
#include "util.h"

/* Executor requests per loop iteration: the control socket stays responsive during long plans. */
#define DAEMON_ACTIONS_PER_ITERATION 16
/* --dry-run: bounds on the simulated plan (it assumes every request succeeds). */
#define DRY_RUN_ACTIONS_MAX 1000
#define DRY_RUN_TICKS_MAX 64
#define DRY_RUN_FAKE_IFINDEX 100000
/* A start-up slower than this before main() is worth a line in the log. */
#define DAEMON_SLOW_EXEC_USEC (5 * FO_USEC_PER_SEC)
/* One log line per decision, but at most this many per interval under storms. */
#define DAEMON_LOG_BURST 50
#define DAEMON_LOG_INTERVAL_USEC (5 * FO_USEC_PER_SEC)

struct queued_action {
	struct fo_action a;
	uint64_t batch;         /* actions of one pairing_feed() share a batch */
};

struct pair_history {
	struct fo_key key;
	struct snapshot_event ev[SNAPSHOT_PAIR_EVENTS];
	size_t n, head;         /* ring: head = oldest once full */
};

struct daemon {
	struct daemon_options opt;
	struct failoverd_config cfg;
	struct loop *loop;
	struct loop_timer *engine_timer;
	struct loop_timer *ready_timer;  /* the READY=1 deadline; disarmed once ready */
	struct loop_timer *resync_timer; /* retries a netlink resync that failed */
	struct ctl_server *ctl;
	struct udev_watch *udev;
	struct nl_link *nl;
	struct pairing *engine;
	struct fo_actions *acts;     /* scratch output of one feed (too big for the stack) */

	struct queued_action *queue;
	size_t q_len, q_cap;
	uint64_t batch_seq;

	bool udev_synced, nl_synced; /* initial enumeration / dump finished */
	/*
	 * ifindexes udev has told us about, or that we read from sysfs
	 * ourselves (with live rename, a link rtnetlink announces first).  A
	 * probed record is ours to retract: udev may never report a removal
	 * (a namespace udev does not watch), so it goes with the link.
	 */
	struct known_dev {
		int ifindex;
		bool probed;     /* read by us, udev has not reported it yet */
		bool confirmed;  /* seen in the running netlink dump */
	} *known;
	size_t n_known;
	bool probing;        /* inside udev_watch_probe(): its FO_OBS_DEVICE is ours */
	bool ready;
	unsigned startup_syncs;      /* SYNC_BEGINs that belong to the initial syncs */

	uint64_t start_realtime_usec, start_mono_usec;
	uint64_t ready_deadline_usec;    /* CLOCK_MONOTONIC: READY=1 at the latest then */
	uint64_t observations_total, actions_total, resyncs_total;
	uint64_t events_total[FO_EV_MAX];

	/*
	 * <runtime_dir>/state as last written (NULL: not yet).  Rewritten,
	 * atomically, whenever pairing_owed_up() changes, before the next
	 * request goes out (docs/design.md, "Restart mid-transaction").
	 */
	char *state_path;
	char *state_last;

	struct pair_history *hist;
	size_t n_hist;
	struct snapshot_event recent[SNAPSHOT_RECENT_EVENTS];
	size_t n_recent, recent_head;

	char *metrics_last;          /* text last written, to write only on change */
	bool metrics_dirty;
	char status_last[128];       /* last STATUS= sent */
	struct log_ratelimit rl;
	struct log_ratelimit resync_rl; /* resyncs come in bursts under event storms */
	char trace_last[8][FO_TEXT_LEN + 32]; /* trace_pairs(): last line per pair */

	/* --dry-run simulation */
	struct dryrun *dry;
	uint64_t fake_now;
	int fake_ifindex;
};

static uint64_t realtime_usec(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static uint64_t daemon_now(struct daemon *d)
{
	return d->opt.mode == SNAPSHOT_MODE_DRY_RUN ? d->fake_now : loop_now_usec();
}

static bool daemon_synced(const struct daemon *d)
{
	return d->udev_synced && d->nl_synced;
}

/* ---- names and keys from the engine's model ---- */

static bool nic_by_ifindex(const struct daemon *d, int ifindex, struct fo_nic_view *ret)
{
	size_t n = pairing_n_nics(d->engine);

	if (ifindex <= 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct fo_nic_view v;

		if (pairing_nic(d->engine, i, &v) == 0 && v.ifindex == ifindex) {
			*ret = v;
			return true;
		}
	}
	return false;
}

static void ifname_of(const struct daemon *d, int ifindex, char buf[IFNAMSIZ])
{
	struct fo_nic_view v;

	buf[0] = '\0';
	if (nic_by_ifindex(d, ifindex, &v))
		strscpy(buf, IFNAMSIZ, v.name);
}

/* The pair an event is about: its device's key, or the pair whose aggregate it is. */
static bool event_key(const struct daemon *d, int ifindex, uint64_t now, struct fo_key *ret)
{
	struct fo_nic_view v;
	size_t n;

	if (nic_by_ifindex(d, ifindex, &v) && v.key.source != FO_KEY_NONE) {
		*ret = v.key;
		return true;
	}
	n = pairing_n_pairs(d->engine);
	for (size_t i = 0; i < n; i++) {
		struct fo_pair_view p;

		if (pairing_pair(d->engine, i, now, &p) < 0)
			continue;
		if (ifindex > 0 && (p.aggregate_ifindex == ifindex || p.standby_ifindex == ifindex ||
				    p.primary_ifindex == ifindex)) {
			*ret = p.key;
			return true;
		}
	}
	return false;
}

static struct pair_history *history_get(struct daemon *d, const struct fo_key *k, bool create)
{
	struct pair_history *h;

	for (size_t i = 0; i < d->n_hist; i++)
		if (pairing_key_eq(&d->hist[i].key, k))
			return &d->hist[i];
	if (!create)
		return NULL;
	h = realloc(d->hist, (d->n_hist + 1) * sizeof(*h));
	if (!h)
		return NULL;
	d->hist = h;
	h = &d->hist[d->n_hist++];
	memset(h, 0, sizeof(*h));
	h->key = *k;
	return h;
}

/* ---- events: logs, metrics, rings ---- */

static int event_level(const struct fo_action *a)
{
	switch (a->event) {
	case FO_EV_PAIR_FOUND:
	case FO_EV_PAIRED:
	case FO_EV_FAILOVER:
	case FO_EV_ADOPTED:
		return LOG_INFO;
	case FO_EV_PRIMARY_LOST:
	case FO_EV_STANDBY_LOST:
	case FO_EV_STAND_DOWN:
	case FO_EV_CONFLICT_CLEARED:
	case FO_EV_RESYNC:
		return LOG_NOTICE;
	case FO_EV_CONFLICT:
	case FO_EV_REFUSED:
	case FO_EV_ROLLBACK:
	case FO_EV_AGGREGATE_LOST:
		return LOG_WARNING;
	case FO_EV_ACTION_FAILED:
		return a->transient ? LOG_WARNING : LOG_ERR;
	case FO_EV_FIGHTING:
		return LOG_ERR;
	case FO_EV_MAX:
	case FO_EV_INVALID:
		break;
	}
	return LOG_NOTICE;
}

static void daemon_event(struct daemon *d, const struct fo_action *a)
{
	uint64_t now = daemon_now(d);
	struct snapshot_event e = {
		.realtime_usec = realtime_usec(),
		.type = a->event,
		.ifindex = a->ifindex,
		.error = a->error,
		.transient = a->transient,
	};
	struct pair_history *h = NULL;
	struct fo_key key;
	char text[FO_TEXT_LEN];

	strscpy(e.text, sizeof(e.text), a->text);
	if (a->event >= 0 && a->event < FO_EV_MAX)
		d->events_total[a->event]++;
	d->metrics_dirty = true;

	/* The engine names the pair; an event without one is looked up by its device. */
	if (a->key.source != FO_KEY_NONE)
		h = history_get(d, &a->key, true);
	else if (event_key(d, a->ifindex, now, &key))
		h = history_get(d, &key, true);
	if (h) {
		size_t slot = (h->head + h->n) % SNAPSHOT_PAIR_EVENTS;

		if (h->n == SNAPSHOT_PAIR_EVENTS) {
			slot = h->head;
			h->head = (h->head + 1) % SNAPSHOT_PAIR_EVENTS;
		} else
			h->n++;
		h->ev[slot] = e;
	}
	if (d->n_recent == SNAPSHOT_RECENT_EVENTS) {
		d->recent[d->recent_head] = e;
		d->recent_head = (d->recent_head + 1) % SNAPSHOT_RECENT_EVENTS;
	} else
		d->recent[(d->recent_head + d->n_recent++) % SNAPSHOT_RECENT_EVENTS] = e;

	if (d->opt.mode == SNAPSHOT_MODE_DRY_RUN) {
		printf("event: %s: %s\n", pairing_event_name(a->event),
		       text_sanitize(a->text, text, sizeof(text)));
		return;
	}
	/*
	 * The engine's text already starts with the ifname; metrics count even
	 * suppressed lines.  A storm of lost events means one resync after
	 * another: resyncs_total counts them, the log says it at most twice
	 * a minute (reliability-anchors L.10 X2, tests/netns/test-rel-storm).
	 */
	if (a->event == FO_EV_RESYNC && !log_ratelimit_ok(&d->resync_rl, loop_now_usec()))
		return;
	if (!log_ratelimit_ok(&d->rl, loop_now_usec()))
		return;
	(void) text_sanitize(a->text, text, sizeof(text));
	if (a->error)
		log_full_errno(event_level(a), a->error, "%s: %s (%s%m)", pairing_event_name(a->event),
			       text, a->event == FO_EV_ACTION_FAILED ?
					     (a->transient ? "transient, will retry: " : "permanent: ") : "");
	else
		log_full_errno(event_level(a), 0, "%s: %s", pairing_event_name(a->event), text);
}

/* "enslave ens5 (4) to master 7" — for debug logs and the dry-run plan. */
static void describe_action(const struct daemon *d, const struct fo_action *a, char *buf, size_t len)
{
	char n1[IFNAMSIZ], n2[IFNAMSIZ], safe[FO_ALIAS_LEN];
	char mac[18];

	ifname_of(d, a->ifindex, n1);
	(void) snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1],
			a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	switch (a->type) {
	case FO_ACT_CREATE:
		(void) snprintf(buf, len, "create %s %s mac %s mtu %u alias \"%s\"",
				a->backend == FO_BACKEND_TEAM ? "team" : "bond",
				text_sanitize(a->name, n2, sizeof(n2)), mac, a->mtu,
				text_sanitize(a->alias, safe, sizeof(safe)));
		return;
	case FO_ACT_RENAME:
		(void) snprintf(buf, len, "rename %s (%d) to %s", n1, a->ifindex,
				text_sanitize(a->name, n2, sizeof(n2)));
		return;
	case FO_ACT_DEL_ALTNAME:
		(void) snprintf(buf, len, "remove alternative name %s of %s (%d)",
				text_sanitize(a->name, n2, sizeof(n2)), n1, a->ifindex);
		return;
	case FO_ACT_SET_MAC:
		(void) snprintf(buf, len, "set mac of %s (%d) to %s", n1, a->ifindex, mac);
		return;
	case FO_ACT_SET_MTU:
		(void) snprintf(buf, len, "set mtu of %s (%d) to %u", n1, a->ifindex, a->mtu);
		return;
	case FO_ACT_SET_ADDR_GEN_MODE:
		(void) snprintf(buf, len, "set IPv6 address generation mode of %s (%d) to %u%s",
				n1, a->ifindex, a->addr_gen_mode,
				a->addr_gen_mode == FO_ADDR_GEN_MODE_NONE ? " (none)" : "");
		return;
	case FO_ACT_ENSLAVE:
		ifname_of(d, a->master_ifindex, n2);
		(void) snprintf(buf, len, "enslave %s (%d) to %s (%d)", n1, a->ifindex, n2,
				a->master_ifindex);
		return;
	case FO_ACT_SET_PRIMARY:
	case FO_ACT_SET_ACTIVE:
		ifname_of(d, a->arg_ifindex, n2);
		(void) snprintf(buf, len, "%s of %s (%d): %s (%d)",
				a->type == FO_ACT_SET_PRIMARY ? "set primary" : "set active port", n1,
				a->ifindex, n2, a->arg_ifindex);
		return;
	case FO_ACT_DELETE:
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
	case FO_ACT_RELEASE:
	case FO_ACT_EVENT:
		(void) snprintf(buf, len, "%s %s (%d)", pairing_action_name(a->type), n1, a->ifindex);
		return;
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	(void) snprintf(buf, len, "unknown action %d", (int) a->type);
}

/* ---- feeding the engine ---- */

static int queue_push(struct daemon *d, const struct fo_action *a, uint64_t batch)
{
	if (d->q_len == d->q_cap) {
		size_t cap = d->q_cap ? d->q_cap * 2 : 64;
		struct queued_action *q = realloc(d->queue, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		d->queue = q;
		d->q_cap = cap;
	}
	d->queue[d->q_len].a = *a;
	d->queue[d->q_len].batch = batch;
	d->q_len++;
	return 0;
}

static void queue_pop(struct daemon *d)
{
	memmove(d->queue, d->queue + 1, (d->q_len - 1) * sizeof(*d->queue));
	d->q_len--;
}

/*
 * The replug timeline at debug level (issue 11): one line per observation
 * that can move a pair forward and one per change of a pair's state, each
 * stamped with CLOCK_MONOTONIC (the clock of the kernel's log and of
 * `udevadm monitor`), so a journal shows where the time between a VF's
 * kernel add and its enslavement goes.  Off unless debugging.
 */
static bool trace_on(void)
{
	return log_get_max_level() >= LOG_DEBUG;
}

static double trace_mono(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void trace_obs(const struct fo_obs *obs, bool probed)
{
	switch (obs->type) {
	case FO_OBS_LINK:
		log_debug("trace %.6f: rtnl link %s (%d) %s%s master %d",
			  trace_mono(), obs->link.name, obs->link.ifindex,
			  obs->link.flags & IFF_UP ? "up" : "down",
			  obs->link.carrier ? ",carrier" : "", obs->link.master_ifindex);
		break;
	case FO_OBS_LINK_GONE:
		log_debug("trace %.6f: rtnl link %d gone", trace_mono(), obs->ifindex);
		break;
	case FO_OBS_DEVICE:
		log_debug("trace %.6f: %s device %s (%d) %s", trace_mono(),
			  probed ? "sysfs probe of" : "udev", obs->device.name, obs->device.ifindex,
			  obs->device.initialized ? "initialized" : "not initialized by udev yet");
		break;
	case FO_OBS_DEVICE_GONE:
		log_debug("trace %.6f: udev device %d gone", trace_mono(), obs->ifindex);
		break;
	case FO_OBS_RESULT:
		log_debug("trace %.6f: result of request %" PRIu64 ": %s", trace_mono(),
			  obs->result.action_id,
			  obs->result.error ? pairing_errno_name(obs->result.error) : "ok");
		break;
	case FO_OBS_TICK:
		log_debug("trace %.6f: deadline reached", trace_mono());
		break;
	case FO_OBS_SYNC_BEGIN:
	case FO_OBS_SYNC_END:
		log_debug("trace %.6f: %s %s", trace_mono(),
			  obs->sync_udev ? "udev enumeration" : "netlink dump",
			  obs->type == FO_OBS_SYNC_BEGIN ? "begins" : "ends");
		break;
	case FO_OBS_STANDBY_WAS_UP:
		log_debug("trace %.6f: state file: standby %d was up", trace_mono(),
			  obs->owed_up.ifindex);
		break;
	case FO_OBS_RESCAN:
	case FO_OBS_MAX:
	case FO_OBS_INVALID:
		break;
	}
}

/* One line when any pair's state or reason changed (what it now waits for). */
static void trace_pairs(struct daemon *d, uint64_t now)
{
	size_t n = pairing_n_pairs(d->engine);

	for (size_t i = 0; i < n && i < ELEMENTSOF(d->trace_last); i++) {
		struct fo_pair_view v;
		char line[sizeof(d->trace_last[0])];

		if (pairing_pair(d->engine, i, now, &v) < 0)
			continue;
		(void) snprintf(line, sizeof(line), "%s: %s", pairing_pair_state_name(v.state),
				v.reason);
		if (streq(line, d->trace_last[i]))
			continue;
		strscpy(d->trace_last[i], sizeof(d->trace_last[i]), line);
		log_debug("trace %.6f: pair %zu %s", trace_mono(), i, line);
	}
}

/* ---- the runtime state file ---- */

static void daemon_feed(struct daemon *d, const struct fo_obs *obs);

static void daemon_save_state(struct daemon *d)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60 * FO_USEC_PER_SEC, 2);
	struct state st = { 0 };
	char text[STATE_TEXT_MAX];
	size_t n, len;
	int r;

	if (!d->state_path)
		return;
	n = pairing_owed_up(d->engine, st.owed_up, FO_OWED_UP_MAX);
	if (n > FO_OWED_UP_MAX && log_ratelimit_ok(&rl, loop_now_usec()))
		log_warning("%s: %zu standbys are owed an aggregate up; keeping the first %d",
			    d->state_path, n, FO_OWED_UP_MAX);
	st.n_owed_up = n < FO_OWED_UP_MAX ? n : FO_OWED_UP_MAX;
	r = state_format(&st, text, sizeof(text), &len);
	if (r < 0) {
		if (log_ratelimit_ok(&rl, loop_now_usec()))
			log_warning_errno(r, "%s: cannot format the state: %m", d->state_path);
		return;
	}
	if (d->state_last && streq(d->state_last, text))
		return;
	r = metrics_write_file(d->state_path, text, len);
	if (r < 0) {
		/* tried again at the next change; a restart then finds the older file */
		if (log_ratelimit_ok(&rl, loop_now_usec()))
			log_warning_errno(r, "%s: cannot write the state file: %m", d->state_path);
		return;
	}
	free(d->state_last);
	d->state_last = strdup(text); /* NULL on OOM: written again next time */
	if (st.n_owed_up > 0)
		log_debug("%s: %zu standby(s) owed an aggregate up", d->state_path, st.n_owed_up);
}

/*
 * Read what an earlier process of this boot left (a restart after a kill
 * or crash; systemd keeps the directory across restarts, not across a
 * stop).  The file is trusted only when it is a regular file of ours,
 * not writable by others, small, and parses whole; anything else is
 * logged and ignored (the next write replaces it).  Called with the
 * instance lock held, before the first dump.
 */
static void daemon_load_state(struct daemon *d)
{
	_cleanup_close_ int fd = -1;
	char buf[STATE_FILE_MAX_BYTES + 1], reason[STATE_REASON_LEN];
	struct state st;
	struct stat sb;
	size_t len = 0;
	int r;

	fd = open(d->state_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warning_errno(-errno, "%s: ignoring the state file: cannot open it: %m",
					  d->state_path);
		return;
	}
	if (fstat(fd, &sb) < 0) {
		log_warning_errno(-errno, "%s: ignoring the state file: cannot stat it: %m",
				  d->state_path);
		return;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 0022)) {
		log_warning("%s: ignoring the state file: not a regular file owned by uid %u and "
			    "writable only by it", d->state_path, (unsigned) geteuid());
		return;
	}
	for (;;) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			log_warning_errno(-errno, "%s: ignoring the state file: cannot read it: %m",
					  d->state_path);
			return;
		}
		if (k == 0 || (len += (size_t) k) == sizeof(buf))
			break;
	}
	/* a file longer than the limit arrives here as limit + 1 bytes: refused */
	r = state_parse(buf, len, &st, reason, sizeof(reason));
	if (r < 0) {
		log_warning("%s: ignoring the state file: %s", d->state_path, reason);
		return;
	}
	for (size_t i = 0; i < st.n_owed_up; i++) {
		struct fo_obs obs = { .type = FO_OBS_STANDBY_WAS_UP, .owed_up = st.owed_up[i] };

		daemon_feed(d, &obs);
	}
	if (st.n_owed_up > 0)
		log_info("%s: an earlier failoverd took %zu standby(s) down while up; their "
			 "aggregate%s will be brought up", d->state_path, st.n_owed_up,
			 st.n_owed_up == 1 ? "" : "s");
}

static void daemon_feed(struct daemon *d, const struct fo_obs *obs)
{
	uint64_t batch;
	int r;

	d->observations_total++;
	memset(d->acts, 0, offsetof(struct fo_actions, a));
	r = pairing_feed(d->engine, obs, daemon_now(d), d->acts);
	if (r < 0) {
		log_warning_errno(r, "engine rejected observation type %d: %m, ignoring", (int) obs->type);
		return;
	}
	/* before any request of this feed is executed (daemon_post() runs them) */
	daemon_save_state(d);
	if (trace_on()) {
		trace_obs(obs, d->probing);
		trace_pairs(d, daemon_now(d));
	}
	batch = ++d->batch_seq;
	for (size_t i = 0; i < d->acts->n && i < FO_ACTIONS_MAX; i++)
		if (queue_push(d, &d->acts->a[i], batch) < 0) {
			/* Dropping a request would wedge its pair; a resync later rebuilds the plan. */
			log_err("out of memory queueing the engine's actions; dropping %zu of them",
				d->acts->n - i);
			break;
		}
	if (d->engine_timer)
		loop_timer_set(d->engine_timer, d->acts->next_deadline_usec);
	d->metrics_dirty = true;
	if (d->loop)
		loop_mark_dirty(d->loop);
}

/* Observations the dry-run world model made up: fed, never mirrored back into it. */
static void daemon_obs_simulated(const struct fo_obs *obs, void *userdata)
{
	daemon_feed(userdata, obs);
}

static struct known_dev *known_find(struct daemon *d, int ifindex)
{
	for (size_t i = 0; i < d->n_known; i++)
		if (d->known[i].ifindex == ifindex)
			return &d->known[i];
	return NULL;
}

/* Returns the record (new or old), or NULL on OOM; *ret_new says which. */
static struct known_dev *known_add(struct daemon *d, int ifindex, bool *ret_new)
{
	struct known_dev *k = known_find(d, ifindex);

	*ret_new = false;
	if (k)
		return k;
	k = realloc(d->known, (d->n_known + 1) * sizeof(*k));
	if (!k)
		return NULL;
	d->known = k;
	k = &d->known[d->n_known++];
	*k = (struct known_dev) { .ifindex = ifindex, .confirmed = true };
	*ret_new = true;
	return k;
}

static void known_drop(struct daemon *d, int ifindex)
{
	struct known_dev *k = known_find(d, ifindex);

	if (k)
		*k = d->known[--d->n_known];
}

static void daemon_obs(const struct fo_obs *obs, void *userdata);

/*
 * Kernels that rename UP netdevs (>= 6.2) let us take a new VF as soon as
 * rtnetlink announces it, before udev has renamed it (udev's rename still
 * succeeds afterwards): read its device from sysfs now.  The engine acts
 * on an uninitialized device only for a primary, and only with
 * live_rename; everything else still waits for udev.
 */
static void daemon_probe_new_link(struct daemon *d, int ifindex)
{
	struct known_dev *k;
	bool is_new;
	int r;

	if (!d->cfg.engine.live_rename || d->dry || !d->udev_synced || !d->udev)
		return;
	k = known_add(d, ifindex, &is_new);
	if (!k || !is_new)
		return;
	k->probed = true;
	d->probing = true;
	r = udev_watch_probe(d->udev, ifindex, daemon_obs, d);
	d->probing = false;
	if (r < 0 && r != -ENODEV && r != -ENOENT)
		log_debug_errno(r, "ifindex %d: reading the new link from sysfs failed: %m", ifindex);
}

/* The link of a record we probed is gone: so is the record (udev may never say). */
static void daemon_retract_probed(struct daemon *d, int ifindex)
{
	struct known_dev *k = known_find(d, ifindex);
	struct fo_obs gone = { .type = FO_OBS_DEVICE_GONE, .ifindex = ifindex };

	if (!k)
		return;
	if (k->probed)
		daemon_feed(d, &gone);
	known_drop(d, ifindex);
}

static void daemon_obs(const struct fo_obs *obs, void *userdata)
{
	struct daemon *d = userdata;

	if (d->dry && dryrun_observe(d->dry, obs) < 0)
		log_warning("dry run: out of memory mirroring the links; the plan may stop early");
	switch (obs->type) {
	case FO_OBS_SYNC_BEGIN:
		/* The first udev enumeration and the first netlink dump are the start, not resyncs. */
		if ((obs->sync_udev && d->udev_synced) || (!obs->sync_udev && d->nl_synced))
			d->resyncs_total++;
		break;
	case FO_OBS_SYNC_END:
		if (obs->sync_udev)
			d->udev_synced = true;
		else
			d->nl_synced = true;
		break;
	case FO_OBS_DEVICE: {
		bool is_new;
		struct known_dev *k = known_add(d, obs->device.ifindex, &is_new);

		/* udev reporting it (probe or not) makes it udev's to remove */
		if (k && !d->probing)
			k->probed = false;
		else if (!k)
			log_warning("out of memory tracking udev devices, ignoring");
		break;
	}
	case FO_OBS_DEVICE_GONE:
		known_drop(d, obs->ifindex);
		break;
	case FO_OBS_LINK: {
		struct known_dev *k = known_find(d, obs->link.ifindex);

		if (k)
			k->confirmed = true;
		break;
	}
	case FO_OBS_LINK_GONE:
	case FO_OBS_RESULT:
	case FO_OBS_TICK:
	case FO_OBS_RESCAN:
	case FO_OBS_STANDBY_WAS_UP:
	case FO_OBS_MAX:
	case FO_OBS_INVALID:
		break;
	}
	daemon_feed(d, obs);
	if (obs->type == FO_OBS_LINK)
		daemon_probe_new_link(d, obs->link.ifindex);
	else if (obs->type == FO_OBS_LINK_GONE)
		daemon_retract_probed(d, obs->ifindex);
	else if (obs->type == FO_OBS_SYNC_BEGIN && !obs->sync_udev)
		for (size_t i = 0; i < d->n_known; i++)
			d->known[i].confirmed = false;
	else if (obs->type == FO_OBS_SYNC_END && !obs->sync_udev)
		/* links a resync did not find are gone, with the records we probed for them */
		for (size_t i = d->n_known; i > 0; i--)
			if (!d->known[i - 1].confirmed)
				daemon_retract_probed(d, d->known[i - 1].ifindex);
}

static void feed_result(struct daemon *d, uint64_t id, int error, int new_ifindex)
{
	struct fo_obs obs = { .type = FO_OBS_RESULT };

	obs.result.action_id = id;
	obs.result.error = error;
	obs.result.new_ifindex = new_ifindex;
	daemon_feed(d, &obs);
}

/*
 * Execute one request.  In --observe mode nothing is sent and no result is
 * fed back (that pair waits, which is the point: no writes at all).
 */
static void daemon_execute(struct daemon *d, const struct queued_action *q)
{
	const struct fo_action *a = &q->a;
	char what[256];
	int new_ifindex = 0, r;

	describe_action(d, a, what, sizeof(what));
	d->actions_total++;
	d->metrics_dirty = true;

	switch (d->opt.mode) {
	case SNAPSHOT_MODE_OBSERVE:
		log_info("would %s (observe mode, not sent)", what);
		return;
	case SNAPSHOT_MODE_DRY_RUN:
		printf("would: %s\n", what);
		if (a->type == FO_ACT_CREATE)
			new_ifindex = ++d->fake_ifindex;
		feed_result(d, a->id, 0, new_ifindex);
		/* Then what the kernel and udev would report, so the engine plans the next step. */
		r = dryrun_apply(d->dry, a, new_ifindex, daemon_obs_simulated, d);
		if (r < 0)
			printf("# (its effect cannot be simulated: %s)\n", strerror(-r));
		return;
	case SNAPSHOT_MODE_NORMAL:
	case SNAPSHOT_MODE_MAX:
	case SNAPSHOT_MODE_INVALID:
		break;
	}

	if (trace_on())
		log_debug("trace %.6f: sending request %" PRIu64 ": %s", trace_mono(), a->id, what);
	r = nl_link_execute(d->nl, a, &d->cfg.engine, &new_ifindex);
	if (r < 0) {
		uint64_t batch = q->batch;

		log_debug_errno(r, "%s: %m", what);
		/*
		 * The executor contract (pairing.h): after a failure the rest of
		 * that batch's requests are not executed; events stay.
		 */
		for (size_t i = 1; i < d->q_len;) {
			if (d->queue[i].batch == batch && d->queue[i].a.type != FO_ACT_EVENT) {
				memmove(&d->queue[i], &d->queue[i + 1],
					(d->q_len - i - 1) * sizeof(*d->queue));
				d->q_len--;
			} else
				i++;
		}
	} else
		log_debug("%s: done", what);
	if ((a->type == FO_ACT_CREATE && r == -EEXIST) || r == -ETIMEDOUT)
		/*
		 * Before the engine hears of the failure it sees what the
		 * kernel said meanwhile: after a CREATE's EEXIST, nl_link
		 * read the name's holder again (its alternative names are
		 * announced by nothing while it is down); after a lost ACK,
		 * the request may have been done, and its events tell.
		 */
		(void) nl_link_dispatch(d->nl, daemon_obs, d);
	feed_result(d, a->id, r, a->type == FO_ACT_CREATE && r == 0 ? new_ifindex : 0);
	/*
	 * A created aggregate is read again by nl_link's next dispatch (its
	 * marker, set while it is down, is announced by nothing).  A fresh
	 * create's RTM_NEWLINK wakes that dispatch; taking over an unmarked
	 * one (nl_link.c, execute_create()) sends no event at all, so run it
	 * now: events already queued first, then the re-read.
	 */
	if (a->type == FO_ACT_CREATE && r == 0)
		(void) nl_link_dispatch(d->nl, daemon_obs, d);
}

/* Process queued actions in order; returns true when the queue was emptied. */
static int on_ready_timeout(struct loop *l, uint64_t now_usec, void *userdata);

static bool daemon_run_queue(struct daemon *d, size_t budget)
{
	while (d->q_len > 0) {
		/*
		 * Each request blocks until the kernel has done it (a bond's
		 * first create loads the module; an e1000e enslave resets the
		 * NIC): the READY=1 deadline is also checked between them, not
		 * only when the loop gets back to its timers.
		 */
		if (!d->ready && d->ready_timer && loop_now_usec() >= d->ready_deadline_usec)
			(void) on_ready_timeout(d->loop, loop_now_usec(), d);
		struct queued_action q = d->queue[0];

		if (q.a.type == FO_ACT_EVENT) {
			queue_pop(d);
			daemon_event(d, &q.a);
			continue;
		}
		/* No write before both initial syncs are complete: the engine's view is partial. */
		if (!daemon_synced(d))
			return false;
		if (budget == 0)
			return false;
		budget--;
		queue_pop(d);
		daemon_execute(d, &q);
	}
	return true;
}

/* ---- snapshot for status and metrics ---- */

struct snapshot_buf {
	struct snapshot s;
	struct snapshot_nic *nics;
	struct snapshot_pair *pairs;
	struct snapshot_event *events;  /* per pair, SNAPSHOT_PAIR_EVENTS each */
	struct snapshot_event recent[SNAPSHOT_RECENT_EVENTS];
};

static void snapshot_buf_done(struct snapshot_buf *b)
{
	free(b->nics);
	free(b->pairs);
	free(b->events);
}

static int daemon_snapshot(struct daemon *d, struct snapshot_buf *b)
{
	size_t n_nics = pairing_n_nics(d->engine), n_pairs = pairing_n_pairs(d->engine), k = 0;
	uint64_t now = daemon_now(d);

	memset(b, 0, sizeof(*b));
	b->nics = calloc(n_nics ? n_nics : 1, sizeof(*b->nics));
	b->pairs = calloc(n_pairs ? n_pairs : 1, sizeof(*b->pairs));
	b->events = calloc((n_pairs ? n_pairs : 1) * SNAPSHOT_PAIR_EVENTS, sizeof(*b->events));
	if (!b->nics || !b->pairs || !b->events) {
		snapshot_buf_done(b);
		return -ENOMEM;
	}

	for (size_t i = 0; i < n_pairs; i++) {
		struct snapshot_pair *p = &b->pairs[k];
		struct pair_history *h;

		if (pairing_pair(d->engine, i, now, &p->view) < 0)
			continue;
		(void) pairing_key_format(&p->view.key, p->key, sizeof(p->key));
		ifname_of(d, p->view.standby_ifindex, p->standby_name);
		ifname_of(d, p->view.primary_ifindex, p->primary_name);
		ifname_of(d, p->view.active_ifindex, p->active_name);
		h = history_get(d, &p->view.key, false);
		if (h) {
			struct snapshot_event *ev = &b->events[k * SNAPSHOT_PAIR_EVENTS];

			for (size_t j = 0; j < h->n; j++)
				ev[j] = h->ev[(h->head + j) % SNAPSHOT_PAIR_EVENTS];
			p->events = ev;
			p->n_events = h->n;
		}
		k++;
	}
	b->s.pairs = b->pairs;
	b->s.n_pairs = k;

	k = 0;
	for (size_t i = 0; i < n_nics; i++) {
		struct snapshot_nic *n = &b->nics[k];

		if (pairing_nic(d->engine, i, &n->view) < 0)
			continue;
		n->pair = -1;
		if (n->view.key.source != FO_KEY_NONE) {
			(void) pairing_key_format(&n->view.key, n->key, sizeof(n->key));
			for (size_t j = 0; j < b->s.n_pairs; j++)
				if (pairing_key_eq(&b->pairs[j].view.key, &n->view.key))
					n->pair = (ssize_t) j;
		}
		k++;
	}
	b->s.nics = b->nics;
	b->s.n_nics = k;

	for (size_t j = 0; j < d->n_recent; j++)
		b->recent[j] = d->recent[(d->recent_head + j) % SNAPSHOT_RECENT_EVENTS];
	b->s.recent = b->recent;
	b->s.n_recent = d->n_recent;

	b->s.version = PACKAGE_VERSION;
	b->s.pid = (int) getpid();
	b->s.mode = d->opt.mode;
	b->s.start_realtime_usec = d->start_realtime_usec;
	b->s.now_realtime_usec = realtime_usec();
	b->s.uptime_usec = loop_now_usec() - d->start_mono_usec;
	b->s.synced = daemon_synced(d);
	b->s.ready = d->ready;
	b->s.netlink_requests_total = d->nl ? nl_link_requests_total(d->nl) : 0;
	b->s.resyncs_total = d->resyncs_total;
	b->s.observations_total = d->observations_total;
	b->s.actions_total = d->actions_total;
	b->s.engine_events_dropped = pairing_events_dropped(d->engine);
	memcpy(b->s.events_total, d->events_total, sizeof(b->s.events_total));
	return 0;
}

static json_t *daemon_status_json(struct daemon *d)
{
	struct snapshot_buf b;
	json_t *o;

	if (daemon_snapshot(d, &b) < 0)
		return NULL;
	o = status_build(&b.s);
	snapshot_buf_done(&b);
	return o;
}

static void daemon_write_metrics(struct daemon *d)
{
	struct snapshot_buf b;
	char *text;
	size_t len;
	int r;

	if (!d->metrics_dirty || !d->cfg.metrics_file[0])
		return;
	d->metrics_dirty = false;
	if (daemon_snapshot(d, &b) < 0)
		return;
	r = metrics_render(&b.s, &text, &len);
	snapshot_buf_done(&b);
	if (r < 0)
		return;
	if (d->metrics_last && streq(d->metrics_last, text)) {
		free(text);
		return;
	}
	r = metrics_write_file(d->cfg.metrics_file, text, len);
	if (r < 0) {
		static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60 * FO_USEC_PER_SEC, 1);

		if (log_ratelimit_ok(&rl, loop_now_usec()))
			log_warning_errno(r, "%s: cannot write metrics: %m, ignoring", d->cfg.metrics_file);
		free(text);
		return;
	}
	free(d->metrics_last);
	d->metrics_last = text;
}

static void daemon_notify(struct daemon *d, bool plan_done)
{
	char status[128];
	size_t n_pairs = pairing_n_pairs(d->engine), active = 0;

	for (size_t i = 0; i < n_pairs; i++) {
		struct fo_pair_view p;

		if (pairing_pair(d->engine, i, loop_now_usec(), &p) == 0 && p.state == FO_PAIR_ACTIVE)
			active++;
	}
	(void) snprintf(status, sizeof(status), "%zu pair%s, %zu active%s%s", n_pairs,
			n_pairs == 1 ? "" : "s", active,
			plan_done ? "" : ", initial plan still running",
			d->opt.mode == SNAPSHOT_MODE_OBSERVE ? " (observe mode: no writes)" : "");
	if (d->ready && streq(status, d->status_last))
		return;
#ifdef HAVE_LIBSYSTEMD
	(void) sd_notifyf(0, "%sSTATUS=%s", d->ready ? "" : "READY=1\n", status);
#endif
	if (!d->ready)
		log_info("ready: %s, %s", plan_done ? "initial plan applied" : "reporting ready anyway",
			 status);
	d->ready = true;
	if (d->ready_timer)
		loop_timer_set(d->ready_timer, FO_TIME_NEVER);
	strscpy(d->status_last, sizeof(d->status_last), status);
}

/* The deferred "dirty" hook: once per loop iteration after all fds were read. */
static void daemon_post(struct loop *l, void *userdata)
{
	struct daemon *d = userdata;
	bool drained = daemon_run_queue(d, DAEMON_ACTIONS_PER_ITERATION);

	if (!drained && daemon_synced(d))
		/* More work: come back after one non-blocking look at the fds. */
		loop_mark_dirty(l);
	/*
	 * Applied = nothing queued, no request outstanding (the engine
	 * confirms each step by observation) and no standby still waiting for
	 * udev: at boot failoverd often starts while udev's coldplug is still
	 * running, and a READY=1 then let ifup@enp1s0 run on the standby while
	 * failoverd renamed it (it failed, and the aggregate stayed down).  In
	 * observe mode requests are never answered, so "nothing queued" is all
	 * there is.  The ready deadline bounds the wait.
	 */
	if (drained && daemon_synced(d) &&
	    (d->opt.mode != SNAPSHOT_MODE_NORMAL ||
	     (!pairing_busy(d->engine) && !pairing_standby_pending(d->engine))))
		daemon_notify(d, true);
	daemon_write_metrics(d);
}

/* ---- config ---- */

static void resolve_live_rename(struct failoverd_config *c)
{
	struct utsname u;

	/* The rule and its test: config_kernel_renames_live(), test-config. */
	config_resolve_live_rename(c, uname(&u) == 0 ? u.release : NULL);
}

static int daemon_load_config(struct daemon *d, struct failoverd_config *ret)
{
	struct config_error err = {};
	struct failoverd_config c;
	int r;

	r = config_load_file(d->opt.config_file, !d->opt.config_explicit, &err, &c);
	if (r < 0)
		return log_err_errno(r, "%s", err.text);
	resolve_live_rename(&c);
	*ret = c;
	return 0;
}

static void daemon_apply_log_level(struct daemon *d)
{
	log_set_max_level(d->opt.log_level >= 0 ? d->opt.log_level : d->cfg.log_level);
}

static int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct config_error ce = {};
	struct failoverd_config c;
	int r;

	r = config_load_file(d->opt.config_file, !d->opt.config_explicit, &ce, &c);
	if (r < 0) {
		log_err("reload: %s; keeping the old configuration", ce.text);
		strscpy(err, errlen, ce.text);
		return r;
	}
	resolve_live_rename(&c);
	if (d->ctl) {
		r = ctl_server_set_group(d->ctl, c.control_group);
		if (r < 0) {
			(void) snprintf(err, errlen, "control_group '%s': no such group", c.control_group);
			log_err("reload: %s; keeping the old configuration", err);
			return r;
		}
	}
	r = pairing_set_config(d->engine, &c.engine);
	if (r < 0) {
		const char *why = NULL;

		(void) pairing_config_check(&c.engine, &why);
		(void) snprintf(err, errlen, "%s: the engine refused the configuration: %s",
				d->opt.config_file, why ? why : strerror(-r));
		log_err("reload: %s; keeping the old configuration", err);
		if (d->ctl)
			(void) ctl_server_set_group(d->ctl, d->cfg.control_group);
		return r;
	}
	if (d->udev)
		udev_watch_set_bridge_cap_type(d->udev, c.engine.bridge_cap_type);
	if (!streq(c.metrics_file, d->cfg.metrics_file)) {
		/* The old textfile would go stale and be collected for ever: it was ours, remove it. */
		if (d->metrics_last && d->cfg.metrics_file[0])
			(void) unlink(d->cfg.metrics_file);
		free(d->metrics_last);
		d->metrics_last = NULL;
	}
	d->cfg = c;
	daemon_apply_log_level(d);
	/* Now, not in the post hook: when "reload: done" is printed the textfile is in place. */
	d->metrics_dirty = true;
	daemon_write_metrics(d);
	log_info("reloaded %s", d->opt.config_file);
	return 0;
}

/* ---- sync: udev enumeration + netlink dump ---- */

static int daemon_sync(struct daemon *d)
{
	int r;

	/*
	 * Whatever the monitors already hold is older than the dump: feed it
	 * first, or a stale event would be taken as news after the snapshot.
	 */
	(void) udev_watch_dispatch(d->udev, daemon_obs, d);
	(void) nl_link_dispatch(d->nl, daemon_obs, d);
	r = udev_watch_enumerate(d->udev, daemon_obs, d);
	if (r < 0)
		return log_err_errno(r, "udev enumeration failed: %m");
	r = nl_link_dump(d->nl, daemon_obs, d);
	if (r < 0)
		return log_err_errno(r, "rtnetlink dump failed: %m");
	return 0;
}

/* ---- loop callbacks ---- */

/*
 * Adapters resync by themselves after lost events (ENOBUFS); any other
 * failure is logged here, rate-limited, because a socket stuck in an error
 * state would otherwise log on every wake-up.
 */
static int dispatch_failed(struct daemon *d, const char *what, int r)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60 * FO_USEC_PER_SEC, 5);

	if (log_ratelimit_ok(&rl, loop_now_usec()))
		log_warning_errno(r, "%s: reading events failed: %m, continuing", what);
	return 0;
}

static int on_udev(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	int r = udev_watch_dispatch(d->udev, daemon_obs, d);

	return r < 0 ? dispatch_failed(d, "udev monitor", r) : 0;
}

/*
 * A resync that failed (out of memory, a dump interrupted too often) stays
 * pending in nl_link; without a timer it would only be retried at the next
 * link event, which on a quiet guest may never come.
 */
#define DAEMON_RESYNC_RETRY_USEC (1 * FO_USEC_PER_SEC)

static void daemon_arm_resync(struct daemon *d)
{
	if (d->resync_timer && nl_link_resync_pending(d->nl) &&
	    loop_timer_get(d->resync_timer) == FO_TIME_NEVER)
		loop_timer_set(d->resync_timer, loop_now_usec() + DAEMON_RESYNC_RETRY_USEC);
}

static int on_netlink(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	int r = nl_link_dispatch(d->nl, daemon_obs, d);

	daemon_arm_resync(d);
	return r < 0 ? dispatch_failed(d, "rtnetlink monitor", r) : 0;
}

static int on_resync_timer(struct loop *l, uint64_t now_usec, void *userdata)
{
	struct daemon *d = userdata;
	int r;

	loop_timer_set(d->resync_timer, FO_TIME_NEVER);
	r = nl_link_dump(d->nl, daemon_obs, d);
	if (r < 0)
		(void) dispatch_failed(d, "rtnetlink resync", r);
	daemon_arm_resync(d);
	return 0;
}

static int on_engine_timer(struct loop *l, uint64_t now_usec, void *userdata)
{
	struct daemon *d = userdata;
	struct fo_obs obs = { .type = FO_OBS_TICK };

	daemon_feed(d, &obs);
	return 0;
}

static int on_ready_timeout(struct loop *l, uint64_t now_usec, void *userdata)
{
	struct daemon *d = userdata;

	if (d->ready)
		return 0;
	log_warning("the initial plan is not done %.1f s after main(); reporting ready anyway",
		    (double) (now_usec - d->start_mono_usec) / 1e6);
	daemon_notify(d, false);
	return 0;
}

static int on_signal(struct loop *l, int signo, void *userdata)
{
	struct daemon *d = userdata;
	char err[sizeof(struct config_error)];

	switch (signo) {
	case SIGHUP:
		(void) daemon_reload(d, err, sizeof(err));
		return 0;
	case SIGTERM:
	case SIGINT:
		/* Aggregates stay: the kernel keeps failing over without us. */
		log_info("%s: exiting, aggregates stay in place", strsignal(signo));
		loop_exit(l, 0);
		return 0;
	default:
		return 0;
	}
}

static json_t *on_control(const struct ctl_request *req, const struct ctl_peer *peer,
			  void *userdata)
{
	struct daemon *d = userdata;
	char err[sizeof(struct config_error)];
	json_t *o;

	switch (req->verb) {
	case CTL_VERB_STATUS:
		o = daemon_status_json(d);
		if (!o)
			return ctl_reply_error(CTL_CODE_FAILED, "out of memory");
		if (json_object_set_new(o, "ok", json_true()) < 0) {
			json_decref(o);
			return NULL;
		}
		return o;
	case CTL_VERB_RESCAN: {
		struct fo_obs rescan = { .type = FO_OBS_RESCAN };

		log_info("rescan requested by pid %d", (int) peer->pid);
		/* The engine forgets refusals, back-off and fight holds, then sees everything anew. */
		daemon_feed(d, &rescan);
		if (daemon_sync(d) < 0)
			return ctl_reply_error(CTL_CODE_FAILED, "rescan failed, see the daemon's log");
		return ctl_reply_ok();
	}
	case CTL_VERB_RELOAD:
		log_info("reload requested by pid %d", (int) peer->pid);
		if (daemon_reload(d, err, sizeof(err)) < 0)
			return ctl_reply_error(CTL_CODE_FAILED, "%s", err);
		return ctl_reply_ok();
	case CTL_VERB_MAX:
	case CTL_VERB_INVALID:
		break;
	}
	return ctl_reply_error(CTL_CODE_INVALID, "unknown verb");
}

/* ---- --dry-run ---- */

static int daemon_dry_run(struct daemon *d)
{
	size_t ticks = 0;
	json_t *status;
	int r;

	d->fake_now = loop_now_usec();
	d->fake_ifindex = DRY_RUN_FAKE_IFINDEX;
	d->dry = dryrun_new();
	if (!d->dry)
		return log_err_errno(-ENOMEM, "out of memory"), 1;
	r = daemon_sync(d);
	if (r < 0)
		return 1;
	printf("# failoverd --dry-run: the requests it would send, each assumed to succeed\n"
	       "# (and answered with the link changes the kernel would report)\n");
	for (;;) {
		uint64_t deadline;

		(void) daemon_run_queue(d, DRY_RUN_ACTIONS_MAX);
		if (d->actions_total >= DRY_RUN_ACTIONS_MAX) {
			printf("# stopped after %d requests\n", DRY_RUN_ACTIONS_MAX);
			break;
		}
		deadline = d->acts->next_deadline_usec;
		if (deadline == FO_TIME_NEVER || ticks++ >= DRY_RUN_TICKS_MAX)
			break;
		/* Let simulated time pass to the engine's next deadline (settle, back-off). */
		if (deadline > d->fake_now) {
			printf("# after %" PRIu64 " ms:\n", (deadline - d->fake_now) / 1000);
			d->fake_now = deadline;
		}
		on_engine_timer(NULL, d->fake_now, d);
	}
	if (d->actions_total == 0)
		printf("# nothing to do\n");
	/* The simulated plan is complete: the table reads "ready", as a live daemon's would. */
	d->ready = true;
	printf("# netlink write requests sent: %" PRIu64 "\n\n", nl_link_requests_total(d->nl));
	status = daemon_status_json(d);
	if (!status)
		return log_err_errno(-ENOMEM, "out of memory"), 1;
	(void) status_print_table(status, stdout);
	json_decref(status);
	return nl_link_requests_total(d->nl) == 0 ? 0 : 1;
}

/* ---- main ---- */

/*
 * How long ago the kernel created this process, i.e. systemd forked it:
 * /proc/self/stat's starttime (clock ticks of CLOCK_BOOTTIME).  0 when it
 * cannot tell.
 */
static uint64_t process_age_usec(void)
{
	_cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	char buf[1024], *p;
	unsigned long long start_ticks;
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t start, now;
	ssize_t n;

	if (fd < 0 || hz <= 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* field 3 (state) comes first, starttime is field 22: skip 19 fields */
	if (sscanf(p + 1, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			  "%*s %*s %llu", &start_ticks) != 1)
		return 0;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	start = (uint64_t) start_ticks * FO_USEC_PER_SEC / (uint64_t) hz;
	now = (uint64_t) ts.tv_sec * FO_USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
	return now > start ? now - start : 0;
}

static void daemon_done(struct daemon *d)
{
	if (d->ctl)
		d->ctl = ctl_server_free(d->ctl);
	if (d->opt.mode != SNAPSHOT_MODE_DRY_RUN && d->metrics_last && d->cfg.metrics_file[0])
		/* No stale "up 1": an absent file is what node_exporter reports for a stopped daemon. */
		(void) unlink(d->cfg.metrics_file);
	udev_watch_free(d->udev);
	nl_link_free(d->nl);
	pairing_free(d->engine);
	dryrun_free(d->dry);
	loop_free(d->loop);
	free(d->acts);
	free(d->queue);
	free(d->hist);
	free(d->known);
	free(d->metrics_last);
	free(d->state_path);
	free(d->state_last);
}

int daemon_run(const struct daemon_options *o)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, 0 };
	struct daemon d = {
		.opt = *o,
		.rl = LOG_RATELIMIT_INIT(DAEMON_LOG_INTERVAL_USEC, DAEMON_LOG_BURST),
		.resync_rl = LOG_RATELIMIT_INIT(60 * FO_USEC_PER_SEC, 2),
	};
	int r, rc = 1;

	uint64_t age;

	d.start_realtime_usec = realtime_usec();
	d.start_mono_usec = loop_now_usec();
	age = process_age_usec();
	if (age > d.start_mono_usec)
		age = d.start_mono_usec;
	d.ready_deadline_usec = daemon_ready_deadline(d.start_mono_usec, age);
	if (daemon_load_config(&d, &d.cfg) < 0)
		return 1;
	daemon_apply_log_level(&d);
	log_debug("trace %.6f: main() %.3f s after the fork", trace_mono(), (double) age / 1e6);
	if (age >= DAEMON_SLOW_EXEC_USEC && o->mode != SNAPSHOT_MODE_DRY_RUN)
		log_notice("%.1f s passed between the fork and main() (a loaded system); READY=1 is "
			   "due at the latest %.1f s after main()",
			   (double) age / 1e6, (double) (d.ready_deadline_usec - d.start_mono_usec) / 1e6);

	d.acts = calloc(1, sizeof(*d.acts));
	if (!d.acts) {
		log_err("out of memory");
		return 1;
	}
	d.engine = pairing_new(&d.cfg.engine);
	if (!d.engine) {
		const char *why = NULL;

		if (pairing_config_check(&d.cfg.engine, &why) < 0)
			log_err("%s: the engine refused the configuration: %s", d.opt.config_file, why);
		else
			log_err("cannot create the pairing engine: out of memory");
		goto done;
	}

	if (d.opt.mode != SNAPSHOT_MODE_DRY_RUN) {
		/* A dead client must not kill us with SIGPIPE (sends use MSG_NOSIGNAL too). */
		(void) signal(SIGPIPE, SIG_IGN);
		r = loop_new(&d.loop);
		if (r < 0) {
			log_err_errno(r, "cannot create the event loop: %m");
			goto done;
		}
		r = loop_set_signals(d.loop, sigs, on_signal, &d);
		if (r < 0) {
			log_err_errno(r, "cannot set up signals: %m");
			goto done;
		}
		/* Lock, then socket: a second instance stops here with a clear error. */
		r = ctl_server_new(d.loop, d.opt.runtime_dir, on_control, &d, &d.ctl);
		if (r < 0)
			goto done;
		r = ctl_server_set_group(d.ctl, d.cfg.control_group);
		if (r < 0)
			goto done;
		r = loop_add_timer(d.loop, "engine", on_engine_timer, &d, &d.engine_timer);
		if (r >= 0)
			r = loop_add_timer(d.loop, "ready", on_ready_timeout, &d, &d.ready_timer);
		if (r >= 0)
			r = loop_add_timer(d.loop, "resync", on_resync_timer, &d, &d.resync_timer);
		if (r < 0) {
			log_err_errno(r, "cannot create timers: %m");
			goto done;
		}
		loop_timer_set(d.ready_timer, d.ready_deadline_usec);
		loop_set_post(d.loop, daemon_post, &d);
	}

	r = udev_watch_new(d.cfg.engine.bridge_cap_type, &d.udev);
	if (r < 0) {
		log_err_errno(r, "cannot open the udev monitor: %m");
		goto done;
	}
	r = nl_link_new(&d.nl);
	if (r < 0) {
		log_err_errno(r, "cannot open rtnetlink: %m");
		goto done;
	}

	if (d.opt.mode == SNAPSHOT_MODE_DRY_RUN) {
		rc = daemon_dry_run(&d);
		goto done;
	}

	r = loop_add_io(d.loop, "udev", udev_watch_get_fd(d.udev), EPOLLIN, on_udev, &d, NULL);
	if (r >= 0)
		r = loop_add_io(d.loop, "rtnetlink", nl_link_get_fd(d.nl), EPOLLIN, on_netlink, &d, NULL);
	if (r < 0) {
		log_err_errno(r, "cannot watch the discovery sockets: %m");
		goto done;
	}
	if (d.opt.mode == SNAPSHOT_MODE_NORMAL) {
		if (asprintf(&d.state_path, "%s/state", d.opt.runtime_dir) < 0) {
			d.state_path = NULL;
			log_err("out of memory");
			goto done;
		}
		daemon_load_state(&d);
	}
	/* Monitors are open before the initial sync, so nothing between the two is lost. */
	if (daemon_sync(&d) < 0)
		goto done;
	log_info("failoverd %s started (%s mode), control socket %s", PACKAGE_VERSION,
		 snapshot_mode_name(d.opt.mode), ctl_server_socket_path(d.ctl));
	loop_mark_dirty(d.loop);
	r = loop_run(d.loop);
	rc = r < 0 ? 1 : r;

done:
	daemon_done(&d);
	return rc;
}
