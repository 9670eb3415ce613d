/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pairing engine: a reconciler over a model of links.
 *
 * The model is one struct nic per ifindex, merged from rtnetlink
 * (FO_OBS_LINK) and udev (FO_OBS_DEVICE).  Each NIC derives a role and a
 * candidate key from its own facts; NICs with the same key form a pair.
 * On every feed the pairs whose inputs changed (or whose deadline passed)
 * compute their next step from (model, desired state): at most one
 * request is outstanding in the whole engine, so the executor never has
 * to guess what to do with the rest of a batch after a failure.
 *
 * The model holds what the observations said.  After a successful
 * request the pair waits until an observation shows its effect before it
 * plans again (confirm_check()), so stale RTM_NEWLINKs of earlier steps
 * never drive a decision; only when nothing about the device arrives in
 * FO_CONFIRM_TIMEOUT_USEC does the engine believe the result alone (an
 * "overlay", replaced by the next observation of that device).
 *
 * Each pair's build is a transaction in two phases with an undo log
 * (docs/design.md, "Pairing engine").
 *
 * Pure: no I/O, no clock, no logging.  Log lines are FO_EV_* actions.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pairing.h"
#include "util.h"

#define STANDBY_SUFFIX "nsby"
#define UNDO_MAX 8
#define UNDO_VANISHED_TRIES 3
/* Longest wait for the event of our own request while older events still arrive. */
#define CONFIRM_WAIT_MAX_USEC (5 * FO_CONFIRM_TIMEOUT_USEC)
/* How long a rescan waits for the dumps it announced before acting anyway. */
#define RESCAN_WAIT_MAX_USEC (10 * FO_USEC_PER_SEC)
#define FIGHTS_MAX 32
#define GATHER_MAX 4
#define KEY_TEXT_LEN 48

enum fail_class {
	FAIL_NONE,
	FAIL_TRANSIENT,
	FAIL_VANISHED,
	FAIL_PERMANENT,
};

enum hold_kind {
	HOLD_NONE,
	HOLD_BACKOFF,  /* after a failed transaction */
	HOLD_SUSPECT,  /* someone undid our work: wait before redoing it */
	HOLD_FIGHTING, /* fight_limit reached: no writes until the window passes */
};

/* Bits of struct expect.mask: link fields our own requests changed. */
enum {
	EXP_NAME = 1 << 0,
	EXP_UP = 1 << 1,
	EXP_MASTER = 1 << 2,
	EXP_MAC = 1 << 3,
	EXP_PRIMARY = 1 << 4,
	EXP_ACTIVE = 1 << 5,
	EXP_ADDR_GEN = 1 << 6,
};

/* Bits of struct pair.suspect: which piece of the pair someone else undid. */
enum {
	SUSPECT_STANDBY = 1 << 0,
	SUSPECT_PRIMARY = 1 << 1,
	SUSPECT_AGGREGATE = 1 << 2,
};

/* Fields of a link we believe changed although no observation showed it yet. */
struct expect {
	unsigned mask;
	struct fo_link_info want;
};

struct pair;

struct nic {
	int ifindex;
	bool have_link, have_dev;
	bool link_seen, dev_seen; /* confirmed by the running dump / enumeration */
	bool synthetic;           /* created from a CREATE result, no RTM_NEWLINK yet */
	struct fo_link_info raw;  /* as last observed */
	struct fo_link_info link; /* raw + expectations: what the engine believes */
	struct fo_device_info dev;
	struct expect exp;
	uint64_t ready_at;        /* when it became actionable, FO_TIME_NEVER = not yet */
	uint64_t link_at;         /* its first RTM_NEWLINK (kernel add), FO_TIME_NEVER = none */
	uint64_t n_obs;           /* RTM_NEWLINKs seen: did anything arrive after our request? */

	/* derived */
	enum fo_role role;
	bool key_valid;
	struct fo_key key;
	struct pair *pair;
	struct nic *pair_next;    /* the pair's members, by ifindex */
	bool unpaired;            /* a PCI NIC whose MAC no standby shares: not a primary */
	char reason[FO_TEXT_LEN];
};

struct undo {
	enum fo_action_type type; /* SET_UP, RENAME, DELETE, RELEASE, SET_MAC, SET_ADDR_GEN_MODE */
	int ifindex;
	int master_ifindex;       /* RELEASE: only while still in this master */
	char name[IFNAMSIZ];      /* RENAME: back to this */
	char set_name[IFNAMSIZ];  /* RENAME: only while it still has this */
	uint8_t mac[FO_MAC_LEN];  /* SET_MAC: back to this */
	uint8_t addr_gen_mode;    /* SET_ADDR_GEN_MODE: back to this */
	unsigned tries;           /* failed attempts so far */
};

struct pair {
	struct fo_key key;
	char key_text[KEY_TEXT_LEN];
	unsigned refs;            /* NICs whose key is this one */
	struct nic *members;      /* those NICs, by ifindex (a pair never scans the whole table) */
	bool dirty;
	bool waiting;             /* has a request to make once the slot is free */
	uint64_t deadline;        /* when this pair wants to be looked at again */

	enum fo_pair_state state;
	char reason[FO_TEXT_LEN];
	enum fo_pair_state reported_state;
	char reported_reason[FO_TEXT_LEN];

	/* transaction in progress */
	int phase;                /* 0 none, 1 aggregate + standby, 2 primary */
	struct undo undo[UNDO_MAX];
	size_t n_undo;
	size_t n_undone;
	bool compensating;
	enum fail_class fail_class;
	int fail_error;
	enum fo_action_type fail_action;
	bool want_agg_up;         /* the standby was up: bring the aggregate up */
	int owed_sby;             /* ... that standby, when it was one (pairing_owed_up()) */
	bool standby_was_up;      /* a rollback could not bring the standby up again */
	bool reassert_primary;    /* bonding forgot the primary (enslave, rename) */
	bool altname_retried;     /* this transaction's CREATE met our standby's altname once */
	bool await_create;

	/* our last successful request, until the observations show its effect */
	bool confirming;
	struct fo_action confirm;
	int confirm_new_ifindex;
	uint64_t confirm_until;
	uint64_t confirm_started;
	uint64_t confirm_obs;     /* n_obs of the target when the result came */
	uint64_t confirm_dumps;   /* netlink dumps started when the result came */
	int team_active_set;      /* the port we made active (if the adapter cannot report it) */

	/* holds */
	enum hold_kind hold;
	uint64_t hold_until;
	uint64_t backoff_usec;
	bool refused;             /* latched after a permanent error */
	bool rescanned;           /* the operator asked for a rescan while a transaction ran */
	uint64_t refused_fp;
	char refused_name[IFNAMSIZ]; /* EEXIST: the latch also lifts when this name is free */
	int created_ifindex;         /* the last aggregate a CREATE of this pair made */
	char refused_reason[FO_TEXT_LEN];
	unsigned suspect;
	/* a release by another actor already noted (not re-armed while we redo it) */
	int acked_sby, acked_pri;
	uint64_t fights[FIGHTS_MAX];
	size_t n_fights;

	/* what we built and saw confirmed */
	int agg_ifindex, sby_ifindex, pri_ifindex;
	bool agg_was_up;
	bool conflict;
	uint64_t conflict_cleared_at;
	bool found_reported, adopted_checked;

	/* metrics */
	int last_active;
	uint64_t failovers;
	uint64_t standby_since;
	uint64_t standby_total;
	uint64_t lost_at;
	uint64_t last_reenslave;
	uint64_t last_ready_to_enslaved;
	uint64_t errors_transient, errors_permanent;
	int last_error;
};

struct request {
	bool active;
	struct fo_action a;
	struct pair *pair;
	bool is_undo;
	bool has_undo;
	struct undo undo;
};

struct pairing {
	struct fo_config cfg;
	struct nic **nics;        /* sorted by ifindex */
	size_t n_nics, cap_nics;
	struct pair **pairs;
	size_t n_pairs, cap_pairs;
	size_t rr;                /* round-robin start for fairness between pairs */

	bool nl_synced, udev_synced, started;
	bool nl_syncing, udev_syncing;
	bool rescan_nl, rescan_udev; /* after FO_OBS_RESCAN: quiet until its dumps ended */
	uint64_t rescan_until;       /* ... or until then, if a dump never comes */
	uint64_t nl_dump_begins;      /* netlink dumps started */
	uint64_t nl_dump_complete;    /* the number (nl_dump_begins) of the last one that ended */

	uint64_t next_id;
	struct request req;
	uint64_t events_dropped;
	bool want_tick;           /* a pair could not emit for lack of room */
	/* FO_OBS_STANDBY_WAS_UP not taken by a pair yet (see take_hints()) */
	struct fo_owed_up hints[FO_OWED_UP_MAX];
	size_t n_hints;
};

/* ---------------------------------------------------------------- names */

static const char *const role_names[FO_ROLE_MAX] = {
	[FO_ROLE_NONE] = "none",
	[FO_ROLE_STANDBY] = "standby",
	[FO_ROLE_PRIMARY] = "primary",
	[FO_ROLE_AGGREGATE] = "aggregate",
};

static const char *const key_source_names[FO_KEY_MAX] = {
	[FO_KEY_NONE] = "none",
	[FO_KEY_GROUP_ID] = "group-id",
	[FO_KEY_MAC] = "mac",
};

static const char *const pair_state_names[FO_PAIR_STATE_MAX] = {
	[FO_PAIR_INCOMPLETE] = "incomplete",
	[FO_PAIR_SETTLING] = "settling",
	[FO_PAIR_BUILDING] = "building",
	[FO_PAIR_ACTIVE] = "active",
	[FO_PAIR_BACKOFF] = "backoff",
	[FO_PAIR_CONFLICT] = "conflict",
	[FO_PAIR_STOOD_DOWN] = "stood-down",
	[FO_PAIR_REFUSED] = "refused",
	[FO_PAIR_FIGHTING] = "fighting",
};

static const char *const action_names[FO_ACT_MAX] = {
	[FO_ACT_CREATE] = "create",
	[FO_ACT_DELETE] = "delete",
	[FO_ACT_SET_DOWN] = "set-down",
	[FO_ACT_SET_UP] = "set-up",
	[FO_ACT_RENAME] = "rename",
	[FO_ACT_SET_MAC] = "set-mac",
	[FO_ACT_SET_MTU] = "set-mtu",
	[FO_ACT_DEL_ALTNAME] = "del-altname",
	[FO_ACT_ENSLAVE] = "enslave",
	[FO_ACT_RELEASE] = "release",
	[FO_ACT_SET_PRIMARY] = "set-primary",
	[FO_ACT_SET_ACTIVE] = "set-active",
	[FO_ACT_EVENT] = "event",
	[FO_ACT_SET_ADDR_GEN_MODE] = "set-addr-gen-mode",
};

static const char *const event_names[FO_EV_MAX] = {
	[FO_EV_PAIR_FOUND] = "pair-found",
	[FO_EV_PAIRED] = "paired",
	[FO_EV_PRIMARY_LOST] = "primary-lost",
	[FO_EV_FAILOVER] = "failover",
	[FO_EV_STAND_DOWN] = "stand-down",
	[FO_EV_CONFLICT] = "conflict",
	[FO_EV_CONFLICT_CLEARED] = "conflict-cleared",
	[FO_EV_REFUSED] = "refused",
	[FO_EV_ACTION_FAILED] = "action-failed",
	[FO_EV_ROLLBACK] = "rollback",
	[FO_EV_FIGHTING] = "fighting",
	[FO_EV_ADOPTED] = "adopted",
	[FO_EV_RESYNC] = "resync",
	[FO_EV_STANDBY_LOST] = "standby-lost",
	[FO_EV_AGGREGATE_LOST] = "aggregate-lost",
};

const char *pairing_role_name(enum fo_role r)
{
	if (r < 0 || r >= FO_ROLE_MAX)
		return "invalid";
	return role_names[r];
}

const char *pairing_key_source_name(enum fo_key_source s)
{
	if (s < 0 || s >= FO_KEY_MAX)
		return "invalid";
	return key_source_names[s];
}

const char *pairing_pair_state_name(enum fo_pair_state s)
{
	if (s < 0 || s >= FO_PAIR_STATE_MAX)
		return "invalid";
	return pair_state_names[s];
}

const char *pairing_action_name(enum fo_action_type t)
{
	if (t < 0 || t >= FO_ACT_MAX)
		return "invalid";
	return action_names[t];
}

const char *pairing_event_name(enum fo_event_type e)
{
	if (e < 0 || e >= FO_EV_MAX)
		return "invalid";
	return event_names[e];
}

/* Symbolic errno names: the core does not call strerror() (locale, not reentrant). */
const char *pairing_errno_name(int error)
{
	switch (error < 0 ? -error : error) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case ENXIO: return "ENXIO";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOBUFS: return "ENOBUFS";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EPROTO: return "EPROTO";
	case ENOTCONN: return "ENOTCONN";
	default: return "error";
	}
}

/* ----------------------------------------------------------------- keys */

bool pairing_key_eq(const struct fo_key *a, const struct fo_key *b)
{
	if (a->source != b->source)
		return false;
	switch (a->source) {
	case FO_KEY_GROUP_ID:
		return a->group_id == b->group_id;
	case FO_KEY_MAC:
		return memcmp(a->mac, b->mac, FO_MAC_LEN) == 0;
	case FO_KEY_NONE:
	case FO_KEY_MAX:
	case FO_KEY_INVALID:
		break;
	}
	return false;
}

const char *pairing_key_format(const struct fo_key *k, char *buf, size_t len)
{
	if (!buf || len == 0)
		return "";
	switch (k ? k->source : FO_KEY_NONE) {
	case FO_KEY_GROUP_ID:
		(void) snprintf(buf, len, "group:0x%016" PRIx64, k->group_id);
		break;
	case FO_KEY_MAC:
		(void) snprintf(buf, len, "mac:%02x:%02x:%02x:%02x:%02x:%02x",
				k->mac[0], k->mac[1], k->mac[2], k->mac[3], k->mac[4], k->mac[5]);
		break;
	case FO_KEY_NONE:
	case FO_KEY_MAX:
	case FO_KEY_INVALID:
		(void) snprintf(buf, len, "%s", "none");
		break;
	}
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pairing_key_parse(const char *s, struct fo_key *ret)
{
	struct fo_key k = {};

	if (!s || !ret)
		return -EINVAL;
	if (strncmp(s, "group:0x", 8) == 0) {
		const char *h = s + 8;
		size_t n = strlen(h);

		if (n == 0 || n > 16)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			int v = hexval(h[i]);

			if (v < 0)
				return -EINVAL;
			k.group_id = k.group_id << 4 | (uint64_t) v;
		}
		if (k.group_id == 0 || k.group_id == UINT64_MAX)
			return -EINVAL;
		k.source = FO_KEY_GROUP_ID;
	} else if (strncmp(s, "mac:", 4) == 0) {
		const char *m = s + 4;

		if (strlen(m) != 17)
			return -EINVAL;
		for (size_t i = 0; i < FO_MAC_LEN; i++) {
			int hi = hexval(m[i * 3]), lo = hexval(m[i * 3 + 1]);

			if (hi < 0 || lo < 0 || (i < FO_MAC_LEN - 1 && m[i * 3 + 2] != ':'))
				return -EINVAL;
			k.mac[i] = (uint8_t) (hi << 4 | lo);
		}
		k.source = FO_KEY_MAC;
	} else
		return -EINVAL;
	*ret = k;
	return 0;
}

/* ---------------------------------------------------------------- config */

void pairing_config_defaults(struct fo_config *cfg)
{
	*cfg = (struct fo_config) {
		.backend = FO_BACKEND_BOND,
		.naming = FO_NAMING_TAKEOVER,
		.pair_by_group_id = true,
		.mac_pairing = FO_MAC_PAIRING_ALL,
		.bridge_cap_type = PCICAP_BRIDGE_GROUP_ID_TYPE_DEFAULT,
		/*
		 * 0.5 s: VFs assert carrier before they can transmit and a PF
		 * in reset hands out random MACs (reliability §C6); half a
		 * second covers the driver probe + udev rename we measured in
		 * the guest while costing little on a migration that already
		 * takes seconds.  The benchmarks tune it (settle_ms).
		 */
		.settle_usec = FO_USEC_PER_SEC / 2,
		.backoff_min_usec = FO_USEC_PER_SEC / 2,
		.backoff_max_usec = 30 * FO_USEC_PER_SEC,
		.fight_limit = 5,
		.fight_window_usec = 60 * FO_USEC_PER_SEC,
		.live_rename = false,
		.bond = {
			.miimon = 100,
			.updelay = 0,
			.downdelay = 0,
			.primary_reselect = 0,
			.fail_over_mac = 0,
			.num_peer_notif = 3,
			.peer_notif_delay = 200,
			.all_slaves_active = 1,
			.tx_queues = -1,
		},
	};
	(void) snprintf(cfg->name_prefix, sizeof(cfg->name_prefix), "%s", "fo");
}

int pairing_config_check(const struct fo_config *cfg, const char **ret_reason)
{
	const char *why = NULL;
	size_t plen;

	if (!cfg)
		why = "no configuration";
	else if (cfg->backend < 0 || cfg->backend >= FO_BACKEND_MAX)
		why = "backend must be bond or team";
	else if (cfg->naming < 0 || cfg->naming >= FO_NAMING_MAX)
		why = "naming must be takeover or named";
	else if (cfg->mac_pairing < 0 || cfg->mac_pairing >= FO_MAC_PAIRING_MAX)
		why = "pair_by_mac must be off, all or list";
	else if (cfg->n_mac_list > FO_MAC_LIST_MAX)
		why = "too many mac entries";
	else if ((plen = strnlen(cfg->name_prefix, IFNAMSIZ)) == 0 || plen > IFNAMSIZ - 1 - 3)
		why = "name_prefix must be 1 to 12 characters";
	else if (strncmp(cfg->name_prefix, "eth", 3) == 0)
		/* the kernel hands out ethN itself (systemd#29957): never use it */
		why = "name_prefix must not start with \"eth\"";
	else if (strpbrk(cfg->name_prefix, "/: \t\n%") || streq(cfg->name_prefix, ".") ||
		 streq(cfg->name_prefix, ".."))
		why = "name_prefix contains a character not allowed in interface names";
	else if (cfg->backoff_min_usec == 0 || cfg->backoff_max_usec < cfg->backoff_min_usec)
		why = "backoff_min must be > 0 and <= backoff_max";
	else if (cfg->fight_limit == 0 || cfg->fight_limit > FIGHTS_MAX)
		why = "fight_limit must be 1..32";
	else if (cfg->fight_window_usec == 0)
		why = "fight_window must be > 0";
	if (why) {
		if (ret_reason)
			*ret_reason = why;
		return -EINVAL;
	}
	return 0;
}

/* ----------------------------------------------------------- nic table */

static size_t nic_lower_bound(const struct pairing *p, int ifindex)
{
	size_t lo = 0, hi = p->n_nics;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->nics[mid]->ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct nic *nic_find(const struct pairing *p, int ifindex)
{
	size_t i;

	if (ifindex <= 0)
		return NULL;
	i = nic_lower_bound(p, ifindex);
	if (i < p->n_nics && p->nics[i]->ifindex == ifindex)
		return p->nics[i];
	return NULL;
}

static struct nic *link_find(const struct pairing *p, int ifindex)
{
	struct nic *n = nic_find(p, ifindex);

	return n && n->have_link ? n : NULL;
}

static int nic_get(struct pairing *p, int ifindex, struct nic **ret)
{
	size_t i = nic_lower_bound(p, ifindex);
	struct nic *n;

	if (i < p->n_nics && p->nics[i]->ifindex == ifindex) {
		*ret = p->nics[i];
		return 0;
	}
	if (p->n_nics == p->cap_nics) {
		size_t cap = p->cap_nics ? p->cap_nics * 2 : 16;
		struct nic **v = realloc(p->nics, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->nics = v;
		p->cap_nics = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->ifindex = ifindex;
	n->ready_at = FO_TIME_NEVER;
	n->link_at = FO_TIME_NEVER;
	memmove(p->nics + i + 1, p->nics + i, (p->n_nics - i) * sizeof(*p->nics));
	p->nics[i] = n;
	p->n_nics++;
	*ret = n;
	return 0;
}

static void pair_unref(struct pair *pr)
{
	if (pr && pr->refs > 0)
		pr->refs--;
}

static void nic_set_pair(struct nic *n, struct pair *pr)
{
	struct nic **pp;

	if (n->pair == pr)
		return;
	if (n->pair) {
		n->pair->dirty = true;
		for (pp = &n->pair->members; *pp; pp = &(*pp)->pair_next)
			if (*pp == n) {
				*pp = n->pair_next;
				break;
			}
		n->pair_next = NULL;
	}
	pair_unref(n->pair);
	n->pair = pr;
	if (pr) {
		pr->refs++;
		pr->dirty = true;
		for (pp = &pr->members; *pp && (*pp)->ifindex < n->ifindex; pp = &(*pp)->pair_next)
			;
		n->pair_next = *pp;
		*pp = n;
	}
}

static void nic_remove(struct pairing *p, struct nic *n)
{
	size_t i = nic_lower_bound(p, n->ifindex);

	nic_set_pair(n, NULL);
	if (i < p->n_nics && p->nics[i] == n) {
		memmove(p->nics + i, p->nics + i + 1, (p->n_nics - i - 1) * sizeof(*p->nics));
		p->n_nics--;
	}
	free(n);
}

static bool nic_up(const struct nic *n)
{
	return n->link.flags & IFF_UP;
}

static const char *nic_name(const struct nic *n)
{
	if (n->have_link && n->link.name[0])
		return n->link.name;
	if (n->have_dev && n->dev.name[0])
		return n->dev.name;
	return "?";
}

/* ----------------------------------------------------------- pair table */

static struct pair *pair_find(const struct pairing *p, const struct fo_key *k)
{
	for (size_t i = 0; i < p->n_pairs; i++)
		if (pairing_key_eq(&p->pairs[i]->key, k))
			return p->pairs[i];
	return NULL;
}

static int pair_get(struct pairing *p, const struct fo_key *k, struct pair **ret)
{
	struct pair *pr = pair_find(p, k);

	if (pr) {
		*ret = pr;
		return 0;
	}
	if (p->n_pairs == p->cap_pairs) {
		size_t cap = p->cap_pairs ? p->cap_pairs * 2 : 16;
		struct pair **v = realloc(p->pairs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->pairs = v;
		p->cap_pairs = cap;
	}
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	pr->key = *k;
	(void) pairing_key_format(k, pr->key_text, sizeof(pr->key_text));
	pr->standby_since = FO_TIME_NEVER;
	pr->deadline = FO_TIME_NEVER;
	pr->reported_state = FO_PAIR_INCOMPLETE;
	pr->dirty = true;
	p->pairs[p->n_pairs++] = pr;
	*ret = pr;
	return 0;
}

static bool pair_busy(const struct pairing *p, const struct pair *pr)
{
	return (p->req.active && p->req.pair == pr) || pr->n_undo > 0 || pr->compensating;
}

/* Drop pairs nothing refers to any more (their NICs and aggregate are gone). */
static void pairs_gc(struct pairing *p)
{
	size_t j = 0;

	for (size_t i = 0; i < p->n_pairs; i++) {
		struct pair *pr = p->pairs[i];

		if (pr->refs == 0 && !pair_busy(p, pr)) {
			free(pr);
			continue;
		}
		p->pairs[j++] = pr;
	}
	p->n_pairs = j;
	if (p->rr >= p->n_pairs)
		p->rr = 0;
}

/* ---------------------------------------------------------- output */

/* PR: the pair the event is about (its key goes with it: status keeps each pair's last events), or NULL. */
static void emit_event(struct pairing *p, struct fo_actions *ret, const struct pair *pr,
		       enum fo_event_type ev, int error, bool transient, const char *fmt, ...)
	_printf_(7, 8);

static void emit_event(struct pairing *p, struct fo_actions *ret, const struct pair *pr,
		       enum fo_event_type ev, int error, bool transient, const char *fmt, ...)
{
	struct fo_action *a;
	va_list ap;

	/* the last slot is kept for a request: events never push one out */
	if (ret->n >= FO_ACTIONS_MAX - 1) {
		p->events_dropped++;
		return;
	}
	a = &ret->a[ret->n++];
	*a = (struct fo_action) {
		.type = FO_ACT_EVENT,
		.id = ++p->next_id,
		.event = ev,
		.error = error,
		.transient = transient,
	};
	if (pr)
		a->key = pr->key;
	va_start(ap, fmt);
	(void) vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------- expectations */

static void exp_apply(struct nic *n)
{
	const struct expect *e = &n->exp;

	n->link = n->raw;
	if (e->mask & EXP_NAME)
		memcpy(n->link.name, e->want.name, IFNAMSIZ);
	if (e->mask & EXP_UP)
		n->link.flags = (n->link.flags & ~IFF_UP) | (e->want.flags & IFF_UP);
	if (e->mask & EXP_MASTER)
		n->link.master_ifindex = e->want.master_ifindex;
	if (e->mask & EXP_MAC)
		memcpy(n->link.mac, e->want.mac, FO_MAC_LEN);
	if (e->mask & EXP_PRIMARY)
		n->link.bond_primary_ifindex = e->want.bond_primary_ifindex;
	if (e->mask & EXP_ACTIVE)
		n->link.active_ifindex = e->want.active_ifindex;
	if (e->mask & EXP_ADDR_GEN) {
		n->link.has_addr_gen_mode = true;
		n->link.addr_gen_mode = e->want.addr_gen_mode;
	}
}

/*
 * An overlay (see confirm_check()) lasts until the kernel says anything
 * about the device: a fresh observation is the truth.
 */
static void exp_observe(struct nic *n)
{
	/*
	 * Except the IPv6 address generation mode: the kernel announces
	 * its change for an UP device only and we set it on down ones, so
	 * an event that still shows the old mode may have been queued
	 * before our request (the daemon feeds queued events before a lost
	 * ACK's failure).  That overlay lasts until an event shows the mode
	 * we set, or a full dump ends (on_sync_end()).
	 */
	unsigned keep = n->exp.mask & EXP_ADDR_GEN;

	if (keep && n->raw.has_addr_gen_mode && n->raw.addr_gen_mode == n->exp.want.addr_gen_mode)
		keep = 0;
	n->exp.mask = keep;
	exp_apply(n);
}

/* Believe that our request changed a field of n (no observation said so in time). */
static void exp_set(struct pairing *p, struct nic *n, unsigned bit, const struct fo_link_info *want)
{
	struct expect *e = &n->exp;

	switch (bit) {
	case EXP_NAME: memcpy(e->want.name, want->name, IFNAMSIZ); break;
	case EXP_UP: e->want.flags = want->flags; break;
	case EXP_MASTER: e->want.master_ifindex = want->master_ifindex; break;
	case EXP_MAC: memcpy(e->want.mac, want->mac, FO_MAC_LEN); break;
	case EXP_PRIMARY: e->want.bond_primary_ifindex = want->bond_primary_ifindex; break;
	case EXP_ACTIVE: e->want.active_ifindex = want->active_ifindex; break;
	case EXP_ADDR_GEN: e->want.addr_gen_mode = want->addr_gen_mode; break;
	default: break;
	}
	e->mask |= bit;
	if (p->nl_syncing)
		n->link_seen = true;
	exp_apply(n);
}

/* ---------------------------------------------------------- derivation */

static bool mac_listed(const struct fo_config *cfg, const uint8_t *mac)
{
	for (size_t i = 0; i < cfg->n_mac_list && i < FO_MAC_LIST_MAX; i++)
		if (memcmp(cfg->mac_list[i], mac, FO_MAC_LEN) == 0)
			return true;
	return false;
}

static bool is_virtio(const struct nic *n)
{
	return n->dev.is_virtio || streq(n->dev.driver, "virtio_net");
}

static bool is_bond_or_team(const char *kind)
{
	return streq(kind, "bond") || streq(kind, "team");
}

/* Our aggregate: a bond/team carrying the marker.  Sets *ret_key when the key parses. */
static bool link_is_ours(const struct fo_link_info *l, struct fo_key *ret_key)
{
	struct fo_key k;

	if (!is_bond_or_team(l->kind))
		return false;
	if (strncmp(l->alias, FO_ALIAS_PREFIX, strlen(FO_ALIAS_PREFIX)) != 0)
		return false;
	if (pairing_key_parse(l->alias + strlen(FO_ALIAS_PREFIX), &k) < 0)
		return false;
	if (ret_key)
		*ret_key = k;
	return true;
}

static bool nic_ready(const struct pairing *p, const struct nic *n)
{
	if (!n->have_link || !n->have_dev)
		return false;
	if (n->dev.initialized)
		return true;
	/* kernels >= 6.2 rename UP devices, so a primary need not wait for udev (issue 11) */
	return p->cfg.live_rename && n->role == FO_ROLE_PRIMARY;
}

/* Role and candidate key from the NIC's own facts (and its master's marker). */
static int nic_derive(struct pairing *p, struct nic *n, uint64_t now)
{
	struct pair *pr = NULL;
	struct fo_key k = {};
	bool have_key = false;
	int r;

	n->role = FO_ROLE_NONE;
	n->key_valid = false;
	n->unpaired = false;
	n->reason[0] = '\0';

	if (!n->have_link) {
		(void) snprintf(n->reason, sizeof(n->reason), "%s: no rtnetlink link yet",
				nic_name(n));
	} else if (link_is_ours(&n->link, &k)) {
		n->role = FO_ROLE_AGGREGATE;
		have_key = true;
	} else if (!n->have_dev) {
		(void) snprintf(n->reason, sizeof(n->reason), "%s: no udev device", nic_name(n));
	} else {
		struct nic *m = link_find(p, n->link.master_ifindex);

		if (is_virtio(n))
			n->role = FO_ROLE_STANDBY;
		else if (n->dev.pci_addr[0] && !n->link.kind[0])
			n->role = FO_ROLE_PRIMARY;
		else
			(void) snprintf(n->reason, sizeof(n->reason),
					"%s: neither virtio-net nor a PCI NIC", nic_name(n));

		if (n->role != FO_ROLE_NONE) {
			if (m && m->role == FO_ROLE_AGGREGATE && m->key_valid) {
				/* a member of our aggregate keeps its key across reloads */
				k = m->key;
				have_key = true;
			} else if (p->cfg.pair_by_group_id && n->dev.group.status == PCICAP_FOUND) {
				k.source = FO_KEY_GROUP_ID;
				k.group_id = n->dev.group.group_id;
				have_key = true;
			} else if (n->link.has_perm_mac &&
				   (p->cfg.mac_pairing == FO_MAC_PAIRING_ALL ||
				    (p->cfg.mac_pairing == FO_MAC_PAIRING_LIST &&
				     mac_listed(&p->cfg, n->link.perm_mac)))) {
				k.source = FO_KEY_MAC;
				memcpy(k.mac, n->link.perm_mac, FO_MAC_LEN);
				have_key = true;
			} else {
				const char *g = n->dev.group.reason[0] ? n->dev.group.reason :
					pcicap_status_name(n->dev.group.status);

				if (n->dev.group.status == PCICAP_FOUND)
					g = "group ID not used";

				(void) snprintf(n->reason, sizeof(n->reason),
						"%s: no pairing key (%s; %s)", nic_name(n), g,
						!n->link.has_perm_mac ? "no permanent MAC"
						: p->cfg.mac_pairing == FO_MAC_PAIRING_OFF
							? "MAC pairing off"
							: "MAC not listed");
			}
		}
	}

	if (have_key) {
		n->key = k;
		n->key_valid = true;
		r = pair_get(p, &k, &pr);
		if (r < 0)
			return r;
	}
	nic_set_pair(n, pr);

	if (nic_ready(p, n)) {
		if (n->ready_at == FO_TIME_NEVER)
			n->ready_at = now;
	} else
		n->ready_at = FO_TIME_NEVER;
	return 0;
}

/*
 * Re-derive n and, when what its members depend on may have changed (its
 * kind, marker, driver, existence: their key and stand-down), every NIC it
 * is master of.  A plain carrier or flags change does not scan the table.
 */
static int nic_changed_full(struct pairing *p, struct nic *n, uint64_t now, bool cascade)
{
	int r;

	if (n->pair)
		n->pair->dirty = true;
	r = nic_derive(p, n, now);
	if (r < 0)
		return r;
	if (!cascade)
		return 0;
	for (size_t i = 0; i < p->n_nics; i++) {
		struct nic *m = p->nics[i];

		if (m != n && m->have_link && m->link.master_ifindex == n->ifindex) {
			r = nic_derive(p, m, now);
			if (r < 0)
				return r;
			if (m->pair)
				m->pair->dirty = true;
		}
	}
	return 0;
}

static int nic_changed(struct pairing *p, struct nic *n, uint64_t now)
{
	return nic_changed_full(p, n, now, true);
}

/* ---------------------------------------------------------- gather */

struct gather {
	struct nic *sby[GATHER_MAX], *pri[GATHER_MAX], *agg[GATHER_MAX];
	size_t n_sby, n_pri, n_agg;
	bool stood_down;
	char reason[FO_TEXT_LEN];
};

/* Why n belongs to someone else, or NULL when failoverd may touch it. */
static const char *standdown_reason(const struct pairing *p, const struct pair *pr,
				    const struct nic *n, char *buf, size_t len)
{
	const struct nic *m;

	if (n->role == FO_ROLE_STANDBY && n->dev.standby_feature)
		(void) snprintf(
			buf, len,
			"%s: VIRTIO_NET_F_STANDBY negotiated, managed by kernel (net_failover)",
			nic_name(n));
	else if (streq(n->dev.phys_port_name, "sby"))
		(void) snprintf(buf, len,
				"%s: phys_port_name is \"sby\", managed by kernel (net_failover)",
				nic_name(n));
	else if (streq(n->dev.driver, "hv_netvsc"))
		(void) snprintf(buf, len, "%s: driver hv_netvsc, managed by kernel (netvsc)",
				nic_name(n));
	else if (n->link.master_ifindex == 0)
		return NULL;
	else if (!(m = link_find(p, n->link.master_ifindex)))
		(void) snprintf(buf, len, "%s: enslaved to ifindex %d, not known yet",
				nic_name(n), n->link.master_ifindex);
	else if (m->role == FO_ROLE_AGGREGATE) {
		if (pairing_key_eq(&m->key, &pr->key))
			return NULL;
		(void) snprintf(buf, len,
				"%s: enslaved to %s, a failoverd aggregate of another key",
				nic_name(n), nic_name(m));
	} else if (!m->link.kind[0] && m->have_dev && streq(m->dev.driver, "virtio_net"))
		(void) snprintf(buf, len, "%s: enslaved to %s, managed by kernel (net_failover)",
				nic_name(n), nic_name(m));
	else if (m->have_dev && streq(m->dev.driver, "hv_netvsc"))
		(void) snprintf(buf, len, "%s: held by %s, managed by kernel (netvsc)",
				nic_name(n), nic_name(m));
	else
		(void) snprintf(buf, len, "%s: enslaved to %s (%s), which failoverd did not create",
				nic_name(n), nic_name(m),
				m->link.kind[0] ? m->link.kind : "no kind");
	return buf;
}

static void gather(const struct pairing *p, struct pair *pr, struct gather *g)
{
	bool has_standby = false, has_agg = false;

	*g = (struct gather) {};
	/* first pass: is there anything a MAC-keyed VF could pair with? */
	for (const struct nic *n = pr->members; n; n = n->pair_next) {
		if (n->role == FO_ROLE_STANDBY)
			has_standby = true;
		else if (n->role == FO_ROLE_AGGREGATE)
			has_agg = true;
	}
	for (struct nic *n = pr->members; n; n = n->pair_next) {
		char buf[FO_TEXT_LEN];

		switch (n->role) {
		case FO_ROLE_AGGREGATE:
			if (g->n_agg < GATHER_MAX)
				g->agg[g->n_agg] = n;
			g->n_agg++;
			continue;
		case FO_ROLE_STANDBY:
			if (g->n_sby < GATHER_MAX)
				g->sby[g->n_sby] = n;
			g->n_sby++;
			break;
		case FO_ROLE_PRIMARY:
			n->unpaired = pr->key.source == FO_KEY_MAC && !has_standby && !has_agg;
			if (n->unpaired) {
				/* a PCI NIC is a primary by MAC only when a standby shares its MAC */
				(void) snprintf(n->reason, sizeof(n->reason),
						"%s: no standby with permanent MAC %s", nic_name(n),
						pr->key_text + 4);
				continue;
			}
			if (g->n_pri < GATHER_MAX)
				g->pri[g->n_pri] = n;
			g->n_pri++;
			break;
		case FO_ROLE_NONE:
		case FO_ROLE_MAX:
		case FO_ROLE_INVALID:
			continue;
		}
		n->reason[0] = '\0';
		if (standdown_reason(p, pr, n, buf, sizeof(buf))) {
			strscpy(n->reason, sizeof(n->reason), buf);
			if (!g->stood_down)
				strscpy(g->reason, sizeof(g->reason), buf);
			g->stood_down = true;
		}
	}
}

/* ---------------------------------------------------------- planning */

enum plan_kind {
	PLAN_IDLE,    /* nothing to do */
	PLAN_WAIT,    /* waiting (for udev, settle, a hold, an event) */
	PLAN_BLOCKED, /* cannot proceed: a running transaction is abandoned */
	PLAN_STEP,    /* a request */
};

struct plan {
	enum plan_kind kind;
	enum fo_pair_state state;
	char reason[FO_TEXT_LEN];
	uint64_t deadline;
	int phase;                 /* of the step */
	struct fo_action a;
	bool has_undo;
	struct undo undo;
	bool maintenance;          /* primary/active upkeep: no transaction */
};

static void plan_set(struct plan *pl, enum plan_kind kind, enum fo_pair_state st, const char *fmt,
		     ...) _printf_(4, 5);

static void plan_set(struct plan *pl, enum plan_kind kind, enum fo_pair_state st, const char *fmt,
		     ...)
{
	va_list ap;

	pl->kind = kind;
	pl->state = st;
	va_start(ap, fmt);
	(void) vsnprintf(pl->reason, sizeof(pl->reason), fmt, ap);
	va_end(ap);
}

static void plan_step(struct plan *pl, int phase, enum fo_action_type t, int ifindex)
{
	pl->kind = PLAN_STEP;
	pl->state = FO_PAIR_BUILDING;
	pl->phase = phase;
	pl->a = (struct fo_action) { .type = t, .ifindex = ifindex };
	pl->has_undo = false;
}

static void plan_undo(struct plan *pl, enum fo_action_type t, int ifindex)
{
	pl->has_undo = true;
	pl->undo = (struct undo) { .type = t, .ifindex = ifindex };
}

/* "<base>nsby", the base cut so that the whole fits IFNAMSIZ - 1. */
static void standby_name(const char *base, char *buf)
{
	size_t room = IFNAMSIZ - 1 - strlen(STANDBY_SUFFIX);
	size_t n = strnlen(base, room);

	memcpy(buf, base, n);
	memcpy(buf + n, STANDBY_SUFFIX, sizeof(STANDBY_SUFFIX));
}

static bool has_standby_suffix(const char *name)
{
	size_t n = strlen(name), s = strlen(STANDBY_SUFFIX);

	return n > s && streq(name + n - s, STANDBY_SUFFIX);
}

static bool nic_has_altname(const struct nic *n, const char *name)
{
	for (size_t i = 0; i < n->link.n_alt_names && i < FO_ALT_NAMES_MAX; i++)
		if (streq(n->link.alt_names[i], name))
			return true;
	return false;
}

/* The link holding `name` as an alternative name, as far as the model knows. */
static struct nic *altname_holder(const struct pairing *p, const char *name)
{
	for (size_t i = 0; i < p->n_nics; i++)
		if (p->nics[i]->have_link && nic_has_altname(p->nics[i], name))
			return p->nics[i];
	return NULL;
}

static bool name_taken(const struct pairing *p, const char *name)
{
	for (size_t i = 0; i < p->n_nics; i++)
		if (p->nics[i]->have_link && streq(p->nics[i]->link.name, name))
			return true;
	/* interface names and alternative names share one namespace */
	if (altname_holder(p, name))
		return true;
	/* names our requests gave that no observation showed yet */
	if (p->req.active && (p->req.a.type == FO_ACT_CREATE || p->req.a.type == FO_ACT_RENAME) &&
	    streq(p->req.a.name, name))
		return true;
	for (size_t i = 0; i < p->n_pairs; i++) {
		const struct pair *pr = p->pairs[i];

		if (pr->confirming &&
		    (pr->confirm.type == FO_ACT_CREATE || pr->confirm.type == FO_ACT_RENAME) &&
		    streq(pr->confirm.name, name))
			return true;
	}
	return false;
}

static int aggregate_name(const struct pairing *p, const struct nic *s, char *buf)
{
	if (p->cfg.naming == FO_NAMING_TAKEOVER) {
		size_t n = strlen(s->link.name) - strlen(STANDBY_SUFFIX);

		/* the standby was renamed "<base>nsby" first: the aggregate takes "<base>" */
		memcpy(buf, s->link.name, n);
		buf[n] = '\0';
		return 0;
	}
	for (unsigned i = 0; i < 1000; i++) {
		char name[IFNAMSIZ + 8];

		(void) snprintf(name, sizeof(name), "%.*s%u", IFNAMSIZ - 1, p->cfg.name_prefix, i);
		if (strlen(name) > IFNAMSIZ - 1)
			return -ENAMETOOLONG;
		if (!name_taken(p, name)) {
			memcpy(buf, name, IFNAMSIZ);
			return 0;
		}
	}
	return -ENOSPC;
}

static const char *agg_name(const struct nic *a, const struct pair *pr)
{
	return a ? nic_name(a) : pr->key_text;
}

/*
 * A team port is not IFF_SLAVE, so addrconf gives it a link-local address
 * when the team opens it (bonding's slaves are exempt): the port would then
 * answer IPv6 neighbour discovery with the aggregate's MAC beside the
 * aggregate itself.  Before a member joins a team it is told to generate
 * none; it is down by then (SET_DOWN came first, and took away any
 * link-local address it had), and the undo restores the mode it had.
 * Unknown mode (no IPv6): nothing to do.
 */
static bool plan_addr_gen(const struct nic *a, const struct nic *m, int phase, struct plan *pl)
{
	if (!streq(a->link.kind, "team") || !m->link.has_addr_gen_mode ||
	    m->link.addr_gen_mode == FO_ADDR_GEN_MODE_NONE)
		return false;
	plan_step(pl, phase, FO_ACT_SET_ADDR_GEN_MODE, m->ifindex);
	pl->a.addr_gen_mode = FO_ADDR_GEN_MODE_NONE;
	plan_undo(pl, FO_ACT_SET_ADDR_GEN_MODE, m->ifindex);
	pl->undo.addr_gen_mode = m->link.addr_gen_mode;
	return true;
}

/* Team has no in-kernel reselection: failoverd is its link watcher. */
static int team_choose_active(const struct nic *a, const struct nic *s, const struct nic *pn,
			      int cur)
{
	bool s_in = s && s->link.master_ifindex == a->ifindex;
	bool p_in = pn && pn->link.master_ifindex == a->ifindex;

	if (p_in && pn->link.carrier)
		return pn->ifindex;
	if (s_in && s->link.carrier)
		return s->ifindex;
	/* neither has carrier: keep the current port so we do not flap */
	if ((s_in && cur == s->ifindex) || (p_in && cur == pn->ifindex))
		return cur;
	if (s_in)
		return s->ifindex;
	if (p_in)
		return pn->ifindex;
	return cur;
}

/*
 * When a primary has settled: settle_usec after its kernel add (its first
 * RTM_NEWLINK), not after udev's verdict.  Settle is about the VF's own
 * first moments (carrier before it can send, a PF in reset), and on a 6.1
 * kernel udev alone takes longer than that (issue 11).  A cleared conflict
 * starts it again.
 */
static uint64_t settle_end(const struct pairing *p, const struct pair *pr, const struct nic *pn)
{
	uint64_t from = pn->link_at != FO_TIME_NEVER && pn->link_at < pn->ready_at ? pn->link_at
										 : pn->ready_at;

	if (from == FO_TIME_NEVER)
		return FO_TIME_NEVER;
	if (pr->conflict_cleared_at != 0 && pr->conflict_cleared_at > from)
		from = pr->conflict_cleared_at;
	return from + p->cfg.settle_usec;
}

/*
 * Maintenance of an aggregate's members: bond primary, team active port.
 * An enslaved primary is preferred only once it has settled: until then it
 * is a backup member, open and receiving (with all_slaves_active), while
 * the standby carries the traffic.
 */
static bool plan_upkeep(const struct pairing *p, struct pair *pr, struct nic *a,
			struct nic *s, struct nic *pn, uint64_t now, struct plan *pl)
{
	uint64_t settled = pn ? settle_end(p, pr, pn) : FO_TIME_NEVER;
	bool settling = settled != FO_TIME_NEVER && now < settled;

	if (!a)
		return false;
	if (streq(a->link.kind, "team")) {
		/* an adapter that cannot report activeport leaves 0: trust what we set */
		int cur = a->link.active_ifindex;

		if (!cur && pr->team_active_set) {
			const struct nic *c = link_find(p, pr->team_active_set);

			if (c && c->link.master_ifindex == a->ifindex)
				cur = c->ifindex;
		}
		int want = team_choose_active(a, s, pn, cur);

		if (settling && pn && want == pn->ifindex && cur != pn->ifindex) {
			/* not yet: the port the team would use without it */
			want = team_choose_active(a, s, NULL, cur);
			if (want <= 0 || want == cur) {
				plan_set(pl, PLAN_WAIT, FO_PAIR_BUILDING,
					 "%s: enslaved, settling before it is preferred", nic_name(pn));
				if (settled < pl->deadline)
					pl->deadline = settled;
				return true;
			}
		}
		if (want > 0 && want != cur) {
			plan_step(pl, 0, FO_ACT_SET_ACTIVE, a->ifindex);
			pl->a.arg_ifindex = want;
			pl->a.backend = FO_BACKEND_TEAM;
			/*
			 * A learning bridge keeps sending to the old port until
			 * the guest speaks from the new one: announce it, as the
			 * bond does (num_peer_notif), unless peer notification is off.
			 */
			pl->a.announce = p->cfg.bond.num_peer_notif != 0;
			pl->maintenance = true;
			return true;
		}
		return false;
	}
	if (pn && pn->link.master_ifindex == a->ifindex &&
	    (pr->reassert_primary || a->link.bond_primary_ifindex != pn->ifindex)) {
		if (settling) {
			/* building, not settling: the running phase must not read it as "gone away" */
			plan_set(pl, PLAN_WAIT, FO_PAIR_BUILDING,
				 "%s: enslaved, settling before it is preferred", nic_name(pn));
			if (settled < pl->deadline)
				pl->deadline = settled;
			return true;
		}
		/* bonding stores primary as a name: re-assert it after every enslave and rename */
		plan_step(pl, 0, FO_ACT_SET_PRIMARY, a->ifindex);
		pl->a.arg_ifindex = pn->ifindex;
		pl->a.backend = FO_BACKEND_BOND;
		pl->maintenance = true;
		return true;
	}
	return false;
}

static bool pair_hold_active(const struct pair *pr, uint64_t now)
{
	return pr->hold != HOLD_NONE && now < pr->hold_until;
}

static enum fo_pair_state hold_state(const struct pair *pr)
{
	return pr->hold == HOLD_FIGHTING ? FO_PAIR_FIGHTING : FO_PAIR_BACKOFF;
}

/* The next step for a pair, computed from the model alone. */
static void plan_pair(struct pairing *p, struct pair *pr, const struct gather *g,
		      struct nic *a, uint64_t now, struct plan *pl)
{
	struct nic *s = NULL, *pn = NULL, *holder;
	bool sby_conflict = g->n_sby > 1, pri_conflict = g->n_pri > 1;
	bool hold = pair_hold_active(pr, now);
	/* upkeep of what is enslaved goes on while we wait to redo another actor's undo */
	bool upkeep_ok = !hold || pr->hold == HOLD_SUSPECT;
	const struct fo_config *cfg = &p->cfg;

	*pl = (struct plan) {
		.kind = PLAN_IDLE,
		.state = FO_PAIR_ACTIVE,
		.deadline = FO_TIME_NEVER,
	};
	if (hold)
		pl->deadline = pr->hold_until;

	if (g->stood_down) {
		plan_set(pl, PLAN_BLOCKED, FO_PAIR_STOOD_DOWN, "%s", g->reason);
		return;
	}

	/* conflicts: keep whichever one is already enslaved, pair nothing new */
	for (size_t i = 0; i < g->n_sby && i < GATHER_MAX; i++)
		if (!sby_conflict || (a && g->sby[i]->link.master_ifindex == a->ifindex))
			s = g->sby[i];
	for (size_t i = 0; i < g->n_pri && i < GATHER_MAX; i++)
		if (!pri_conflict || (a && g->pri[i]->link.master_ifindex == a->ifindex))
			pn = g->pri[i];

	if (pr->refused) {
		plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED, "%s", pr->refused_reason);
		return;
	}

	/* ---- phase 1: the aggregate with the standby in it */
	if (!s) {
		if (sby_conflict)
			plan_set(pl, PLAN_BLOCKED, FO_PAIR_CONFLICT,
				 "%s: %zu standbys share key %s; pairing none",
				 nic_name(g->sby[0]), g->n_sby, pr->key_text);
		else if (!a)
			plan_set(pl, PLAN_WAIT, FO_PAIR_INCOMPLETE,
				 "%s: no standby (virtio-net) for this key",
				 g->n_pri ? nic_name(g->pri[0]) : pr->key_text);
		else
			plan_set(pl, PLAN_WAIT, FO_PAIR_INCOMPLETE, "%s: standby missing",
				 nic_name(a));
		/* an aggregate that lost its standby keeps its primary right */
		if (a && upkeep_ok && plan_upkeep(p, pr, a, NULL, pn, now, pl))
			return;
		if (!a || sby_conflict)
			return;
		/* the aggregate exists: a (replugged) VF may still join it */
	} else if (!a || s->link.master_ifindex != a->ifindex) {
		if (!nic_ready(p, s)) {
			plan_set(pl, PLAN_WAIT, FO_PAIR_INCOMPLETE,
				 "%s: waiting for udev to finish with it", nic_name(s));
			return;
		}
		if (nic_up(s) && s->link.has_addresses) {
			plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
				 "%s: standby is up with addresses; not taking it down (needs a "
				 "handover)",
				 nic_name(s));
			return;
		}
		if (s->link.xdp_attached) {
			plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
				 "%s: standby has an XDP program attached", nic_name(s));
			return;
		}
		if (hold) {
			plan_set(pl, PLAN_WAIT, hold_state(pr), "%s: %s", nic_name(s),
				 pr->hold == HOLD_FIGHTING
					 ? "another actor keeps undoing our changes; not fighting"
					 : "waiting before retrying");
			return;
		}
		if (pr->await_create) {
			plan_set(pl, PLAN_WAIT, FO_PAIR_BUILDING,
				 "%s: waiting for the new aggregate to appear", nic_name(s));
			return;
		}
		if (nic_up(s)) {
			plan_step(pl, 1, FO_ACT_SET_DOWN, s->ifindex);
			plan_undo(pl, FO_ACT_SET_UP, s->ifindex);
			return;
		}
		if (!a) {
			char name[IFNAMSIZ];

			if (cfg->naming == FO_NAMING_TAKEOVER &&
			    !has_standby_suffix(s->link.name)) {
				plan_step(pl, 1, FO_ACT_RENAME, s->ifindex);
				standby_name(s->link.name, pl->a.name);
				plan_undo(pl, FO_ACT_RENAME, s->ifindex);
				strscpy(pl->undo.name, IFNAMSIZ, s->link.name);
				strscpy(pl->undo.set_name, IFNAMSIZ, pl->a.name);
				return;
			}
			/*
			 * udev must have finished with our rename before the
			 * aggregate takes the standby's old name: systemd follows
			 * udev's events, and a "move" it handles after the
			 * aggregate's "add" takes the name's device unit away
			 * from the aggregate, stopping what is bound to it
			 * (Debian's ifup@enp1s0 ran ifdown on the new aggregate
			 * in a CI run of the guest tier).
			 */
			if (cfg->naming == FO_NAMING_TAKEOVER && s->have_dev &&
			    !streq(s->dev.name, s->link.name)) {
				plan_set(pl, PLAN_WAIT, FO_PAIR_BUILDING,
					 "%s: waiting for udev to finish its rename", nic_name(s));
				return;
			}
			if (aggregate_name(p, s, name) < 0) {
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED, "%s: no free name %sN",
					 nic_name(s), cfg->name_prefix);
				return;
			}
			holder = altname_holder(p, name);
			if (holder == s) {
				/*
				 * udev answers our rename's "move" event by giving the
				 * standby its path name, the one we freed for the
				 * aggregate, as an alternative name (unless
				 * 70-failoverd-members.link is installed).  It is the
				 * standby's own former name and the standby is ours:
				 * remove it.  No undo: a rename back needs it free too.
				 */
				plan_step(pl, 1, FO_ACT_DEL_ALTNAME, s->ifindex);
				strscpy(pl->a.name, IFNAMSIZ, name);
				return;
			}
			if (holder) {
				/* never someone else's: that one is not ours to change */
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
					 "%s: %s is an alternative name of %s; not creating the "
					 "aggregate under it", nic_name(s), name, nic_name(holder));
				return;
			}
			plan_step(pl, 1, FO_ACT_CREATE, 0);
			strscpy(pl->a.name, IFNAMSIZ, name);
			memcpy(pl->a.mac, s->link.has_perm_mac ? s->link.perm_mac : s->link.mac,
			       FO_MAC_LEN);
			pl->a.mtu = s->link.mtu;
			pl->a.backend = cfg->backend;
			(void) snprintf(pl->a.alias, sizeof(pl->a.alias), "%s%s", FO_ALIAS_PREFIX,
					pr->key_text);
			plan_undo(pl, FO_ACT_DELETE, 0);
			return;
		}
		if (plan_addr_gen(a, s, 1, pl))
			return;
		plan_step(pl, 1, FO_ACT_ENSLAVE, s->ifindex);
		pl->a.master_ifindex = a->ifindex;
		plan_undo(pl, FO_ACT_RELEASE, s->ifindex);
		pl->undo.master_ifindex = a->ifindex;
		return;
	}

	if (s && pr->want_agg_up && !nic_up(a)) {
		if (hold) {
			plan_set(pl, PLAN_WAIT, hold_state(pr), "%s: waiting before retrying",
				 nic_name(a));
			return;
		}
		plan_step(pl, 1, FO_ACT_SET_UP, a->ifindex);
		return;
	}

	/* ---- phase 2: the primary */
	if (pn && pn->link.master_ifindex != a->ifindex) {
		if (pri_conflict) {
			plan_set(pl, PLAN_BLOCKED, FO_PAIR_CONFLICT,
				 "%s: %zu primaries share key %s; pairing none",
				 nic_name(g->pri[0]), g->n_pri, pr->key_text);
		} else if (!nic_ready(p, pn)) {
			plan_set(pl, PLAN_WAIT, FO_PAIR_SETTLING,
				 "%s: waiting for udev to finish with it", nic_name(pn));
		} else if (pn->link.master_ifindex != 0) {
			/* enslaved elsewhere, yet not stood down: only possible while the master is unknown */
			plan_set(pl, PLAN_WAIT, FO_PAIR_INCOMPLETE, "%s: enslaved to ifindex %d",
				 nic_name(pn), pn->link.master_ifindex);
		} else {
			/*
			 * No settle before enslaving: frames an SR-IOV eswitch
			 * already steers to the VF are delivered only once it is
			 * open.  It is preferred after settle (plan_upkeep()).
			 */
			if (pn->link.min_mtu && a->link.mtu && a->link.mtu < pn->link.min_mtu) {
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
					 "%s: aggregate MTU %u below the VF's minimum %u",
					 nic_name(pn), a->link.mtu, pn->link.min_mtu);
			} else if (pn->link.max_mtu && a->link.mtu > pn->link.max_mtu) {
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
					 "%s: aggregate MTU %u above the VF's maximum %u",
					 nic_name(pn), a->link.mtu, pn->link.max_mtu);
			} else if (a->link.xdp_attached) {
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
					 "%s: %s has an XDP program attached; not enslaving the VF",
					 nic_name(pn), nic_name(a));
			} else if (pn->link.xdp_attached) {
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
					 "%s: VF has an XDP program attached", nic_name(pn));
			} else if (nic_up(pn) && pn->link.has_addresses) {
				plan_set(pl, PLAN_BLOCKED, FO_PAIR_REFUSED,
					 "%s: VF is up with addresses; not taking it down",
					 nic_name(pn));
			} else if (hold) {
				plan_set(pl, PLAN_WAIT, hold_state(pr), "%s: %s", nic_name(pn),
					 pr->hold == HOLD_FIGHTING ?
					 "another actor keeps undoing our changes; not fighting" :
					 "waiting before retrying");
			} else if (nic_up(pn)) {
				plan_step(pl, 2, FO_ACT_SET_DOWN, pn->ifindex);
				plan_undo(pl, FO_ACT_SET_UP, pn->ifindex);
			} else if (memcmp(pn->link.mac, a->link.mac, FO_MAC_LEN) != 0) {
				plan_step(pl, 2, FO_ACT_SET_MAC, pn->ifindex);
				memcpy(pl->a.mac, a->link.mac, FO_MAC_LEN);
				plan_undo(pl, FO_ACT_SET_MAC, pn->ifindex);
				memcpy(pl->undo.mac, pn->link.mac, FO_MAC_LEN);
			} else if (!plan_addr_gen(a, pn, 2, pl)) {
				plan_step(pl, 2, FO_ACT_ENSLAVE, pn->ifindex);
				pl->a.master_ifindex = a->ifindex;
				plan_undo(pl, FO_ACT_RELEASE, pn->ifindex);
				pl->undo.master_ifindex = a->ifindex;
			}
			if (pl->kind == PLAN_STEP)
				return;
		}
		/* not (yet) enslaving the VF: keep the aggregate's members right meanwhile */
		if (upkeep_ok) {
			struct plan up = *pl;

			if (plan_upkeep(p, pr, a, s, NULL, now, &up))
				*pl = up;
		}
		return;
	}

	if (!upkeep_ok) {
		plan_set(pl, PLAN_WAIT, hold_state(pr), "%s: %s", agg_name(a, pr),
			 pr->hold == HOLD_FIGHTING
				 ? "another actor keeps undoing our changes; not fighting"
				 : "waiting before retrying");
		return;
	}
	if (plan_upkeep(p, pr, a, s, pn, now, pl))
		return;
	if (sby_conflict || pri_conflict)
		plan_set(pl, PLAN_IDLE, FO_PAIR_CONFLICT,
			 "%s: more than one %s shares key %s; keeping the enslaved one",
			 agg_name(a, pr), sby_conflict ? "standby" : "primary", pr->key_text);
	else if (!s)
		plan_set(pl, PLAN_IDLE, FO_PAIR_INCOMPLETE, "%s: standby missing", agg_name(a, pr));
	else {
		pl->kind = PLAN_IDLE;
		pl->state = FO_PAIR_ACTIVE;
		pl->reason[0] = '\0';
		if (!pn)
			(void) snprintf(pl->reason, sizeof(pl->reason),
					"%s: on standby, no primary", agg_name(a, pr));
	}
}

/* ---------------------------------------------------------- transaction */

/* Exponential back-off between cfg.backoff_min and cfg.backoff_max. */
static void backoff_grow(const struct pairing *p, struct pair *pr)
{
	if (pr->backoff_usec == 0)
		pr->backoff_usec = p->cfg.backoff_min_usec;
	else if (pr->backoff_usec >= p->cfg.backoff_max_usec / 2)
		pr->backoff_usec = p->cfg.backoff_max_usec;
	else
		pr->backoff_usec *= 2;
}

static void undo_push(struct pair *pr, const struct undo *u)
{
	if (pr->n_undo < UNDO_MAX)
		pr->undo[pr->n_undo++] = *u;
}

static bool undo_target_ours(const struct pairing *p, const struct pair *pr, const struct nic *n)
{
	char buf[FO_TEXT_LEN];

	if (!n || !n->have_link)
		return false;
	if (n->role == FO_ROLE_AGGREGATE)
		return pairing_key_eq(&n->key, &pr->key);
	if (n->pair != pr)
		return false;
	return !standdown_reason(p, pr, n, buf, sizeof(buf));
}

/* Turn the top undo record into a request, or skip it when it no longer applies. */
static bool undo_next(struct pairing *p, struct pair *pr, struct fo_action *ret_a,
		      struct undo *ret_u)
{
	while (pr->n_undo > 0) {
		struct undo u = pr->undo[--pr->n_undo];
		struct nic *n;

		if (u.type == FO_ACT_DELETE && u.ifindex == 0) {
			/* created without a known ifindex: find it by marker */
			for (size_t i = 0; i < p->n_nics; i++)
				if (p->nics[i]->have_link &&
				    p->nics[i]->role == FO_ROLE_AGGREGATE &&
				    pairing_key_eq(&p->nics[i]->key, &pr->key))
					u.ifindex = p->nics[i]->ifindex;
		}
		n = link_find(p, u.ifindex);
		if (!undo_target_ours(p, pr, n))
			continue;
		*ret_a = (struct fo_action) { .type = u.type, .ifindex = u.ifindex };
		switch (u.type) {
		case FO_ACT_SET_UP:
			/* an enslaved device is opened by its master; only restore a free one */
			if (nic_up(n) || n->link.master_ifindex != 0)
				continue;
			break;
		case FO_ACT_RENAME:
			if (!streq(n->link.name, u.set_name))
				continue;
			if (nic_has_altname(n, u.name)) {
				/*
				 * udev gave the renamed standby its old name as an
				 * alternative name (see plan_pair()): it blocks the
				 * rename back (EEXIST).  Remove it first, then rename.
				 */
				struct undo del = { .type = FO_ACT_DEL_ALTNAME, .ifindex = n->ifindex };

				strscpy(del.name, IFNAMSIZ, u.name);
				undo_push(pr, &u);
				undo_push(pr, &del);
				continue;
			}
			if (name_taken(p, u.name)) {
				/*
				 * Usually our own aggregate, whose deletion is not observed yet:
				 * try again after a back-off, a few times.
				 */
				if (u.tries++ < UNDO_VANISHED_TRIES) {
					undo_push(pr, &u);
					return false;
				}
				continue;
			}
			strscpy(ret_a->name, IFNAMSIZ, u.name);
			break;
		case FO_ACT_DELETE:
			break;
		case FO_ACT_RELEASE:
			if (n->link.master_ifindex != u.master_ifindex)
				continue;
			break;
		case FO_ACT_SET_MAC:
			if (memcmp(n->link.mac, u.mac, FO_MAC_LEN) == 0 ||
			    n->link.master_ifindex != 0)
				continue;
			memcpy(ret_a->mac, u.mac, FO_MAC_LEN);
			break;
		case FO_ACT_DEL_ALTNAME:
			if (!nic_has_altname(n, u.name))
				continue;
			strscpy(ret_a->name, IFNAMSIZ, u.name);
			break;
		case FO_ACT_SET_ADDR_GEN_MODE:
			/* only on a free member: the team it is still in would not want a link-local */
			if (!n->link.has_addr_gen_mode || n->link.addr_gen_mode == u.addr_gen_mode ||
			    n->link.master_ifindex != 0)
				continue;
			ret_a->addr_gen_mode = u.addr_gen_mode;
			break;
		case FO_ACT_CREATE:
		case FO_ACT_SET_DOWN:
		case FO_ACT_SET_MTU:
		case FO_ACT_ENSLAVE:
		case FO_ACT_SET_PRIMARY:
		case FO_ACT_SET_ACTIVE:
		case FO_ACT_EVENT:
		case FO_ACT_MAX:
		case FO_ACT_INVALID:
			continue;
		}
		*ret_u = u;
		return true;
	}
	return false;
}

/* Stable facts about a pair's NICs (not the ones our requests change). */
static uint64_t pair_fingerprint(const struct pairing *p, const struct pair *pr)
{
	uint64_t h = 1469598103934665603ULL;

#define MIX(v) do { h ^= (uint64_t) (v); h *= 1099511628211ULL; } while (0)
	for (const struct nic *n = pr->members; n; n = n->pair_next) {
		if (n->role == FO_ROLE_AGGREGATE || n->role == FO_ROLE_NONE)
			continue;
		MIX(n->ifindex);
		MIX(n->role);
		MIX(n->have_link);
		MIX(n->have_dev);
		MIX(n->dev.initialized);
		MIX(n->link.mtu);
		MIX(n->link.min_mtu);
		MIX(n->link.max_mtu);
		MIX(n->link.xdp_attached);
		MIX(n->link.has_addresses);
		MIX(n->dev.standby_feature);
		for (size_t j = 0; n->dev.driver[j]; j++)
			MIX(n->dev.driver[j]);
	}
	if (pr->agg_ifindex) {
		const struct nic *a = link_find(p, pr->agg_ifindex);

		MIX(a ? a->link.mtu : 0);
		MIX(a ? a->link.xdp_attached : 0);
	}
#undef MIX
	return h;
}

static void finish_compensation(struct pairing *p, struct pair *pr, uint64_t now,
				struct fo_actions *ret, const char *who)
{
	pr->compensating = false;
	pr->n_undo = 0;
	pr->phase = 0;
	pr->altname_retried = false;
	/* if the standby could not be brought up again, the next build brings its aggregate up */
	pr->want_agg_up = pr->standby_was_up;
	pr->standby_was_up = false;
	pr->await_create = false;
	if (pr->n_undone > 0 && pr->fail_class == FAIL_NONE)
		emit_event(p, ret, pr, FO_EV_ROLLBACK, 0, true, "%s: rolled back %zu step(s): %s", who,
			   pr->n_undone, pr->refused_reason);
	else if (pr->n_undone > 0)
		emit_event(p, ret, pr, FO_EV_ROLLBACK, pr->fail_error, pr->fail_class != FAIL_PERMANENT,
			   "%s: rolled back %zu step(s) after %s failed with %s", who, pr->n_undone,
			   pairing_action_name(pr->fail_action),
			   pairing_errno_name(pr->fail_error));
	pr->n_undone = 0;
	if (pr->rescanned && pr->fail_class == FAIL_PERMANENT)
		pr->fail_class = FAIL_TRANSIENT; /* the rescan came after the failure: try again */
	pr->rescanned = false;
	switch (pr->fail_class) {
	case FAIL_PERMANENT:
		pr->refused = true;
		pr->refused_fp = pair_fingerprint(p, pr);
		if (pr->fail_error != -EEXIST)
			pr->refused_name[0] = '\0';
		if (pr->refused_name[0] && altname_holder(p, pr->refused_name))
			(void) snprintf(pr->refused_reason, sizeof(pr->refused_reason),
					"%s: %s failed with EEXIST: %s is an alternative name of %s",
					who, pairing_action_name(pr->fail_action), pr->refused_name,
					nic_name(altname_holder(p, pr->refused_name)));
		else if (pr->refused_name[0] && !name_taken(p, pr->refused_name))
			/*
			 * No interface is called that: an alternative name holds it
			 * (udev gives the renamed standby its path name as one on
			 * the "move" event, unless 70-failoverd-members.link is
			 * installed).  The kernel announces none for a down device,
			 * so this is all the engine can tell.
			 */
			(void) snprintf(pr->refused_reason, sizeof(pr->refused_reason),
					"%s: %s failed with EEXIST: no interface is called %s, an "
					"alternative name holds it", who,
					pairing_action_name(pr->fail_action), pr->refused_name);
		else
			(void) snprintf(
				pr->refused_reason, sizeof(pr->refused_reason),
				"%s: %s failed with %s; waiting for a change of the NICs or a rescan",
				who, pairing_action_name(pr->fail_action),
				pairing_errno_name(pr->fail_error));
		break;
	case FAIL_TRANSIENT:
	case FAIL_VANISHED:
		backoff_grow(p, pr);
		pr->hold = HOLD_BACKOFF;
		pr->hold_until = now + pr->backoff_usec;
		break;
	case FAIL_NONE:
		break;
	}
	pr->fail_class = FAIL_NONE;
}

static void commit(struct pair *pr)
{
	pr->n_undo = 0;
	pr->phase = 0;
	pr->altname_retried = false;
}

/* ---------------------------------------------------------- reconcile */

static void report_state(struct pairing *p, struct pair *pr, struct fo_actions *ret,
			 const char *who)
{
	enum fo_event_type ev = FO_EV_MAX;

	if (pr->state == pr->reported_state && streq(pr->reason, pr->reported_reason))
		return;
	switch (pr->state) {
	case FO_PAIR_STOOD_DOWN: ev = FO_EV_STAND_DOWN; break;
	case FO_PAIR_CONFLICT: ev = FO_EV_CONFLICT; break;
	case FO_PAIR_REFUSED: ev = FO_EV_REFUSED; break;
	case FO_PAIR_FIGHTING: ev = FO_EV_FIGHTING; break;
	case FO_PAIR_INCOMPLETE:
	case FO_PAIR_SETTLING:
	case FO_PAIR_BUILDING:
	case FO_PAIR_ACTIVE:
	case FO_PAIR_BACKOFF:
	case FO_PAIR_STATE_MAX:
	case FO_PAIR_STATE_INVALID:
		ev = FO_EV_MAX;
		break;
	}
	if (pr->reported_state == FO_PAIR_CONFLICT && pr->state != FO_PAIR_CONFLICT)
		emit_event(p, ret, pr, FO_EV_CONFLICT_CLEARED, 0, false,
			   "%s: conflict cleared for key %s", who, pr->key_text);
	if (ev != FO_EV_MAX && pr->reason[0] &&
	    (pr->state != pr->reported_state || !streq(pr->reason, pr->reported_reason)))
		emit_event(p, ret, pr, ev, 0, false, "%s", pr->reason);
	pr->reported_state = pr->state;
	strscpy(pr->reported_reason, sizeof(pr->reported_reason), pr->reason);
}

static void on_primary_account(struct pair *pr, bool on_primary, uint64_t now)
{
	if (on_primary && pr->standby_since != FO_TIME_NEVER) {
		pr->standby_total += now - pr->standby_since;
		pr->standby_since = FO_TIME_NEVER;
	} else if (!on_primary && pr->standby_since == FO_TIME_NEVER)
		pr->standby_since = now;
}

/* Watch what happened to what we built: unplugs, failovers, other actors. */
static void observe_pair(struct pairing *p, struct pair *pr, const struct gather *g, struct nic *a,
			 uint64_t now, struct fo_actions *ret)
{
	struct nic *s = pr->sby_ifindex ? link_find(p, pr->sby_ifindex) : NULL;
	struct nic *pn = pr->pri_ifindex ? link_find(p, pr->pri_ifindex) : NULL;
	struct nic *old_a = pr->agg_ifindex ? link_find(p, pr->agg_ifindex) : NULL;
	unsigned before = pr->suspect;

	if (pr->agg_ifindex && !old_a) {
		/* our aggregate is gone while we did not delete it */
		if (s || g->n_sby > 0) {
			pr->suspect |= SUSPECT_AGGREGATE;
			pr->want_agg_up = pr->want_agg_up || pr->agg_was_up;
		}
		emit_event(p, ret, pr, FO_EV_AGGREGATE_LOST, 0, false,
			   "%s: aggregate (ifindex %d) was deleted by someone else",
			   s ? nic_name(s) : pr->key_text, pr->agg_ifindex);
		pr->agg_ifindex = 0;
		pr->last_active = 0;
		pr->sby_ifindex = 0;
		if (pr->pri_ifindex) {
			pr->pri_ifindex = 0;
			pr->lost_at = now;
		}
		s = NULL;
		pn = NULL;
	}
	if (old_a)
		pr->agg_was_up = nic_up(old_a);

	if (pr->sby_ifindex && !s) {
		emit_event(p, ret, pr, FO_EV_STANDBY_LOST, 0, false,
			   "%s: standby (ifindex %d) went away", agg_name(a, pr), pr->sby_ifindex);
		pr->sby_ifindex = 0;
		pr->suspect &= ~(unsigned) SUSPECT_STANDBY;
	} else if (s && old_a && s->link.master_ifindex != old_a->ifindex &&
		   pr->acked_sby != s->ifindex) {
		/* released from the aggregate we built, and not by us */
		pr->suspect |= SUSPECT_STANDBY;
		pr->acked_sby = s->ifindex;
	} else if (s && old_a && s->link.master_ifindex == old_a->ifindex) {
		pr->suspect &= ~(unsigned) SUSPECT_STANDBY;
		pr->acked_sby = 0;
	}

	if (pr->pri_ifindex && !pn) {
		emit_event(
			p, ret, pr, FO_EV_PRIMARY_LOST, 0, false,
			"%s: primary (ifindex %d) went away; the kernel fails over to the standby",
			agg_name(a, pr), pr->pri_ifindex);
		pr->pri_ifindex = 0;
		pr->lost_at = now;
		pr->suspect &= ~(unsigned) SUSPECT_PRIMARY;
	} else if (pn && old_a && pn->link.master_ifindex != old_a->ifindex &&
		   pr->acked_pri != pn->ifindex) {
		pr->suspect |= SUSPECT_PRIMARY;
		pr->acked_pri = pn->ifindex;
	} else if (pn && old_a && pn->link.master_ifindex == old_a->ifindex) {
		pr->suspect &= ~(unsigned) SUSPECT_PRIMARY;
		pr->acked_pri = 0;
	}

	if (pr->suspect && !before && pr->hold != HOLD_FIGHTING) {
		/* wait a back-off before redoing: an unplug shows "released" before "gone" */
		uint64_t d = pr->backoff_usec ? pr->backoff_usec : p->cfg.backoff_min_usec;

		pr->hold = HOLD_SUSPECT;
		pr->hold_until = now + d;
	}
	if (!pr->suspect && pr->hold == HOLD_SUSPECT)
		pr->hold = HOLD_NONE;

	/* failovers from the aggregate's active member */
	if (a && a->link.active_ifindex > 0 && a->link.active_ifindex != pr->last_active) {
		if (pr->last_active > 0) {
			struct nic *from = link_find(p, pr->last_active),
				   *to = link_find(p, a->link.active_ifindex);

			pr->failovers++;
			emit_event(p, ret, pr, FO_EV_FAILOVER, 0, false, "%s: active member %s -> %s",
				   nic_name(a), from ? nic_name(from) : "(gone)",
				   to ? nic_name(to) : "?");
		}
		pr->last_active = a->link.active_ifindex;
	}
}

/* Count a fight when we are about to redo something another actor undid. */
static bool fight_check(struct pairing *p, struct pair *pr, uint64_t now, const char *who,
			struct fo_actions *ret)
{
	size_t j = 0;

	if (!pr->suspect)
		return false;
	pr->suspect = 0;
	for (size_t i = 0; i < pr->n_fights; i++)
		if (pr->fights[i] + p->cfg.fight_window_usec > now)
			pr->fights[j++] = pr->fights[i];
	pr->n_fights = j;
	if (pr->n_fights < FIGHTS_MAX)
		pr->fights[pr->n_fights++] = now;
	if (pr->n_fights >= p->cfg.fight_limit) {
		pr->hold = HOLD_FIGHTING;
		pr->hold_until = now + p->cfg.fight_window_usec;
		pr->n_fights = 0;
		emit_event(p, ret, pr, FO_EV_FIGHTING, 0, false,
			   "%s: another actor undid our changes %u times within %" PRIu64
			   " s; not fighting",
			   who, p->cfg.fight_limit,
			   (uint64_t) (p->cfg.fight_window_usec / FO_USEC_PER_SEC));
		return true;
	}
	backoff_grow(p, pr);
	return false;
}

static void emit_request(struct pairing *p, struct pair *pr, const struct fo_action *a,
			 bool is_undo, const struct undo *u, struct fo_actions *ret)
{
	struct fo_action *out = &ret->a[ret->n++];

	if (!is_undo && a->type == FO_ACT_SET_DOWN) {
		const struct nic *n = link_find(p, a->ifindex);

		/*
		 * Owed from the moment the request exists, not from its result:
		 * the daemon persists pairing_owed_up() before it sends the
		 * request, so a process that dies between the kernel's ACK and
		 * the result still leaves the fact behind.  A failed SET_DOWN is
		 * rolled back, and finish_compensation() resets this.
		 */
		if (n && n->role == FO_ROLE_STANDBY && nic_up(n)) {
			pr->want_agg_up = true;
			pr->owed_sby = n->ifindex;
		}
	}

	*out = *a;
	out->id = ++p->next_id;
	p->req = (struct request) {
		.active = true,
		.a = *out,
		.pair = pr,
		.is_undo = is_undo,
		.has_undo = u != NULL,
	};
	if (u)
		p->req.undo = *u;
}

static int confirm_check(struct pairing *p, struct pair *pr, uint64_t now);

static void hint_remove(struct pairing *p, size_t i)
{
	memmove(&p->hints[i], &p->hints[i + 1], (p->n_hints - i - 1) * sizeof(p->hints[0]));
	p->n_hints--;
}

/*
 * A hint from an earlier process (FO_OBS_STANDBY_WAS_UP) is taken once,
 * by the pair that has the standby it names: the aggregate is owed "up"
 * while the standby is still down, or while it is enslaved to a down
 * aggregate (bonding opens its slaves, so then only the aggregate's flag
 * tells).  A free standby that is up again owes nothing; should the
 * transaction take it down again, that records the fact anew.
 */
static void take_hints(struct pairing *p, struct pair *pr, const struct gather *g,
		       const struct nic *a)
{
	for (size_t i = 0; i < p->n_hints;) {
		const struct fo_owed_up *h = &p->hints[i];
		const struct nic *s = NULL;

		for (size_t j = 0; j < g->n_sby && j < GATHER_MAX; j++)
			if (g->sby[j]->ifindex == h->ifindex)
				s = g->sby[j];
		if (!s) {
			i++;
			continue;
		}
		/* a hint with another key than the standby's own is not about this pair: dropped */
		if (pairing_key_eq(&h->key, &pr->key) &&
		    (a && s->link.master_ifindex == a->ifindex ? !nic_up(a) : !nic_up(s))) {
			pr->want_agg_up = true;
			pr->owed_sby = s->ifindex;
		}
		hint_remove(p, i);
	}
}

static void start_abort(struct pair *pr, const char *why)
{
	pr->compensating = true;
	pr->fail_class = FAIL_NONE;
	pr->fail_error = 0;
	pr->fail_action = FO_ACT_EVENT;
	strscpy(pr->refused_reason, sizeof(pr->refused_reason), why);
}

/*
 * The request slot is taken: remember to come back.  Only waiting pairs
 * are looked at when it frees, one after the other until one of them
 * takes it, so that a start-up with hundreds of pairs stays linear.
 */
static void wait_for_slot(struct pairing *p, struct pair *pr)
{
	if (p->req.active)
		pr->waiting = true;
	else {
		/* the output buffer is full: a TICK right away gives a fresh one */
		pr->dirty = true;
		p->want_tick = true;
	}
}

static void reconcile(struct pairing *p, struct pair *pr, uint64_t now, struct fo_actions *ret)
{
	struct nic *a = NULL, *s_in = NULL, *p_in = NULL;
	bool conflict_now, p1_done, p2_done;
	struct gather g;
	struct plan pl;
	const char *who;

	pr->dirty = false;
	/* first: did the observations show our last request's effect (or is it time to believe it)? */
	if (!(p->req.active && p->req.pair == pr) && confirm_check(p, pr, now) < 0) {
		/* out of memory applying the overlay: try again on the next tick */
		pr->dirty = true;
		pr->deadline = FO_TIME_NEVER;
		p->want_tick = true;
		return;
	}
	gather(p, pr, &g);

	/* the aggregate: the one holding the standby, else the committed one, else the lowest */
	for (size_t i = 0; i < g.n_agg && i < GATHER_MAX; i++) {
		struct nic *c = g.agg[i];

		if (!a || c->ifindex == pr->agg_ifindex)
			a = c;
		for (size_t j = 0; j < g.n_sby && j < GATHER_MAX; j++)
			if (g.sby[j]->link.master_ifindex == c->ifindex) {
				a = c;
				goto found;
			}
	}
found:
	if (a) {
		pr->await_create = false;
		for (size_t i = 0; i < g.n_sby && i < GATHER_MAX; i++)
			if (g.sby[i]->link.master_ifindex == a->ifindex)
				s_in = g.sby[i];
		for (size_t i = 0; i < g.n_pri && i < GATHER_MAX; i++)
			if (g.pri[i]->link.master_ifindex == a->ifindex)
				p_in = g.pri[i];
	}
	who = g.n_sby	? nic_name(g.sby[0])
	      : a	? nic_name(a)
	      : g.n_pri ? nic_name(g.pri[0])
			: pr->key_text;

	if (p->n_hints > 0)
		take_hints(p, pr, &g, a);
	observe_pair(p, pr, &g, a, now, ret);

	if (!pr->found_reported && g.n_sby > 0) {
		pr->found_reported = true;
		emit_event(p, ret, pr, FO_EV_PAIR_FOUND, 0, false, "%s: standby for key %s",
			   nic_name(g.sby[0]), pr->key_text);
	}

	/* a latched refusal lifts when something about the NICs changes */
	if (pr->refused && (pair_fingerprint(p, pr) != pr->refused_fp ||
			    (pr->refused_name[0] && !name_taken(p, pr->refused_name))))
		pr->refused = false;
	if (pr->hold != HOLD_NONE && now >= pr->hold_until)
		pr->hold = HOLD_NONE;

	/* a cleared conflict restarts the settle time of the remaining primary */
	conflict_now = !g.stood_down && (g.n_sby > 1 || g.n_pri > 1);
	if (pr->conflict && !conflict_now)
		pr->conflict_cleared_at = now;
	pr->conflict = conflict_now;

	if (p->req.active && p->req.pair == pr) {
		pr->deadline = FO_TIME_NEVER;
		return;
	}
	if (pr->confirming) {
		pr->state = FO_PAIR_BUILDING;
		pr->deadline = pr->confirm_until;
		return;
	}

	/* compensation runs to its end before anything else */
	if (pr->compensating) {
		struct fo_action act;
		struct undo u;

		if (p->req.active || ret->n >= FO_ACTIONS_MAX) {
			/* looked at again when the outstanding request is answered */
			pr->deadline = FO_TIME_NEVER;
			wait_for_slot(p, pr);
			return;
		}
		if (pair_hold_active(pr, now)) {
			/* a rollback step failed transiently: retry it after the back-off */
			pr->state = FO_PAIR_BACKOFF;
			pr->deadline = pr->hold_until;
			return;
		}
		if (undo_next(p, pr, &act, &u)) {
			pr->n_undone++;
			emit_request(p, pr, &act, true, &u, ret);
			pr->state = FO_PAIR_BUILDING;
			return;
		}
		if (pr->n_undo > 0) {
			/* a step must wait (its name is still taken): back off, then again */
			backoff_grow(p, pr);
			pr->hold = HOLD_BACKOFF;
			pr->hold_until = now + pr->backoff_usec;
			pr->state = FO_PAIR_BACKOFF;
			pr->deadline = pr->hold_until;
			return;
		}
		finish_compensation(p, pr, now, ret, who);
	}

	plan_pair(p, pr, &g, a, now, &pl);

	/* phase boundaries: the undo log only ever covers the running phase */
	p1_done = s_in && !(pr->want_agg_up && !nic_up(a));
	p2_done =
		p_in && (streq(a->link.kind, "team") ||
			 (a->link.bond_primary_ifindex == p_in->ifindex && !pr->reassert_primary));
	if (pr->n_undo > 0) {
		if ((pr->phase == 1 && p1_done) || (pr->phase == 2 && p2_done))
			commit(pr);
		else if ((pl.kind != PLAN_STEP && !pr->await_create &&
			  !(pl.kind == PLAN_WAIT && pl.state == FO_PAIR_BUILDING)) ||
			 (pl.kind == PLAN_STEP && !pl.maintenance && pl.phase != pr->phase)) {
			/* its preconditions went away: undo the running transaction */
			start_abort(pr, pl.reason[0] ? pl.reason : "the NICs changed");
			pr->dirty = true;
			reconcile(p, pr, now, ret);
			return;
		}
	}

	/* remember what is built, for adoption, unplug and fight detection */
	if (!pr->adopted_checked) {
		pr->adopted_checked = true;
		if (s_in && pr->n_undo == 0 && pl.kind != PLAN_STEP)
			emit_event(p, ret, pr, FO_EV_ADOPTED, 0, false, "%s: adopted (standby %s%s%s)",
				   nic_name(a), nic_name(s_in), p_in ? ", primary " : "",
				   p_in ? nic_name(p_in) : "");
	}
	if (s_in && pr->n_undo == 0) {
		pr->agg_ifindex = a->ifindex;
		pr->sby_ifindex = s_in->ifindex;
		pr->agg_was_up = nic_up(a);
		pr->suspect &= ~(unsigned) (SUSPECT_AGGREGATE | SUSPECT_STANDBY);
		if (nic_up(a))
			pr->want_agg_up = false;
	} else if (a && !s_in && pr->n_undo == 0 && g.n_sby == 0 && pr->agg_ifindex == 0)
		pr->agg_ifindex = a->ifindex; /* an aggregate whose standby is away */
	if (p2_done && pr->n_undo == 0 && pr->pri_ifindex != p_in->ifindex) {
		pr->pri_ifindex = p_in->ifindex;
		pr->suspect &= ~(unsigned) SUSPECT_PRIMARY;
		pr->backoff_usec = 0;
		if (pr->lost_at) {
			pr->last_reenslave = now - pr->lost_at;
			pr->lost_at = 0;
		}
		if (p_in->ready_at != FO_TIME_NEVER && now >= p_in->ready_at)
			pr->last_ready_to_enslaved = now - p_in->ready_at;
		emit_event(p, ret, pr, FO_EV_PAIRED, 0, false, "%s: primary %s enslaved and preferred",
			   nic_name(a), nic_name(p_in));
	}
	if (a)
		on_primary_account(
			pr,
			p_in && pr->pri_ifindex == p_in->ifindex &&
				(streq(a->link.kind, "team")
					 ? a->link.active_ifindex == p_in->ifindex
					 : a->link.bond_primary_ifindex == p_in->ifindex),
			now);

	/* redoing what another actor undid counts as a fight */
	if (pl.kind == PLAN_STEP && pr->suspect && !pl.maintenance &&
	    fight_check(p, pr, now, who, ret)) {
		plan_set(&pl, PLAN_WAIT, FO_PAIR_FIGHTING,
			 "%s: another actor keeps undoing our changes; not fighting", who);
		pl.deadline = pr->hold_until;
		/* we told them once in fight_check() */
		pr->reported_state = FO_PAIR_FIGHTING;
		strscpy(pr->reported_reason, sizeof(pr->reported_reason), pl.reason);
	}

	pr->state = pl.state;
	strscpy(pr->reason, sizeof(pr->reason), pl.reason);
	pr->deadline = pl.deadline;
	if (pr->hold != HOLD_NONE && pr->hold_until > now && pr->hold_until < pr->deadline)
		pr->deadline = pr->hold_until;
	report_state(p, pr, ret, who);

	if (pl.kind != PLAN_STEP)
		return;
	if (p->req.active || ret->n >= FO_ACTIONS_MAX) {
		/* one request in flight at a time: come back when it is answered */
		wait_for_slot(p, pr);
		return;
	}
	if (!pl.maintenance)
		pr->phase = pl.phase;
	emit_request(p, pr, &pl.a, false, pl.has_undo ? &pl.undo : NULL, ret);
}

static void run(struct pairing *p, uint64_t now, struct fo_actions *ret)
{
	uint64_t next = FO_TIME_NEVER;
	size_t n;

	ret->next_deadline_usec = FO_TIME_NEVER;
	if ((p->rescan_nl || p->rescan_udev) && now >= p->rescan_until) {
		/* the dumps a rescan promised never came (a failed dump): do not stay mute */
		p->rescan_nl = p->rescan_udev = false;
		for (size_t i = 0; i < p->n_pairs; i++)
			p->pairs[i]->dirty = true;
	}
	if (!p->started)
		return;
	if (p->rescan_nl || p->rescan_udev) {
		ret->next_deadline_usec = p->rescan_until;
		return; /* never act on a partial view */
	}
	p->want_tick = false;
	n = p->n_pairs;
	for (size_t k = 0; k < n; k++) {
		size_t i = (p->rr + k) % n;
		struct pair *pr = p->pairs[i];
		bool had = p->req.active;

		if (pr->dirty || (pr->deadline != FO_TIME_NEVER && pr->deadline <= now))
			reconcile(p, pr, now, ret);
		if (!had && p->req.active)
			p->rr = (i + 1) % n;
	}
	/* the slot is free: the pairs that wait for it, in turn, until one takes it */
	for (size_t k = 0; k < n && !p->req.active; k++) {
		size_t i = (p->rr + k) % n;
		struct pair *pr = p->pairs[i];

		if (!pr->waiting)
			continue;
		pr->waiting = false;
		reconcile(p, pr, now, ret);
		if (p->req.active)
			p->rr = (i + 1) % n;
	}
	for (size_t i = 0; i < p->n_pairs; i++) {
		struct pair *pr = p->pairs[i];

		if (pr->deadline == FO_TIME_NEVER)
			continue;
		if (pr->deadline <= now) {
			/* due but waiting for the request slot: the result wakes it */
			if (p->req.active)
				continue;
			next = now;
		} else if (pr->deadline < next)
			next = pr->deadline;
	}
	pairs_gc(p);
	if (p->want_tick && !p->req.active)
		next = now;
	ret->next_deadline_usec = next;
}

/* ---------------------------------------------------------- observations */

/* A name was given up: pairs refused for wanting it look again. */
static void name_freed(struct pairing *p, const char *name)
{
	for (size_t i = 0; i < p->n_pairs; i++)
		if (p->pairs[i]->refused && streq(p->pairs[i]->refused_name, name))
			p->pairs[i]->dirty = true;
}

static bool str_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static int on_link(struct pairing *p, const struct fo_link_info *l, uint64_t now)
{
	struct nic *n;
	bool renamed, ident;
	int r;

	if (l->ifindex <= 0 || !str_ok(l->name, sizeof(l->name)) || !l->name[0] ||
	    !str_ok(l->kind, sizeof(l->kind)) || !str_ok(l->slave_kind, sizeof(l->slave_kind)) ||
	    !str_ok(l->alias, sizeof(l->alias)) || l->master_ifindex < 0 ||
	    l->master_ifindex == l->ifindex || l->bond_primary_ifindex < 0 || l->active_ifindex < 0)
		return -EINVAL;
	r = nic_get(p, l->ifindex, &n);
	if (r < 0)
		return r;
	renamed = n->have_link && !streq(n->link.name, l->name);
	if (renamed)
		name_freed(p, n->link.name);
	ident = !n->have_link || !streq(n->raw.kind, l->kind) || !streq(n->raw.alias, l->alias);
	n->raw = *l;
	n->n_obs++;
	if (!n->have_link)
		n->link_at = now;
	n->have_link = true;
	n->synthetic = false;
	if (p->nl_syncing)
		n->link_seen = true;
	exp_observe(n);
	r = nic_changed_full(p, n, now, ident);
	if (r < 0)
		return r;
	if (renamed && n->pair && n->link.master_ifindex > 0)
		n->pair->reassert_primary =
			n->pair->reassert_primary || n->ifindex == n->pair->pri_ifindex;
	return 0;
}

static int on_link_gone(struct pairing *p, int ifindex, uint64_t now)
{
	struct nic *n = nic_find(p, ifindex);
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	for (size_t i = 0; i < p->n_hints;)
		if (p->hints[i].ifindex == ifindex)
			hint_remove(p, i);
		else
			i++;
	if (!n || !n->have_link)
		return 0;
	name_freed(p, n->link.name);
	n->have_link = false;
	n->synthetic = false;
	n->exp.mask = 0;
	if (n->pair)
		n->pair->dirty = true;
	/* members of a vanished master are released by the kernel */
	for (size_t i = 0; i < p->n_nics; i++) {
		struct nic *m = p->nics[i];

		if (m->have_link && m->link.master_ifindex == ifindex) {
			m->raw.master_ifindex = 0;
			m->exp.mask &= ~(unsigned) EXP_MASTER;
			exp_apply(m);
		}
	}
	r = nic_changed(p, n, now);
	if (r < 0)
		return r;
	if (!n->have_dev)
		nic_remove(p, n);
	return 0;
}

static int on_device(struct pairing *p, const struct fo_device_info *d, uint64_t now)
{
	struct nic *n;
	int r;

	if (d->ifindex <= 0 || !str_ok(d->name, sizeof(d->name)) ||
	    !str_ok(d->driver, sizeof(d->driver)) || !str_ok(d->pci_addr, sizeof(d->pci_addr)) ||
	    !str_ok(d->phys_port_name, sizeof(d->phys_port_name)) || d->group.status < 0 ||
	    d->group.status >= PCICAP_STATUS_MAX ||
	    !str_ok(d->group.reason, sizeof(d->group.reason)))
		return -EINVAL;
	r = nic_get(p, d->ifindex, &n);
	if (r < 0)
		return r;
	n->dev = *d;
	n->have_dev = true;
	if (p->udev_syncing)
		n->dev_seen = true;
	return nic_changed(p, n, now);
}

static int on_device_gone(struct pairing *p, int ifindex, uint64_t now)
{
	struct nic *n = nic_find(p, ifindex);
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	if (!n || !n->have_dev)
		return 0;
	n->have_dev = false;
	r = nic_changed(p, n, now);
	if (r < 0)
		return r;
	if (!n->have_link)
		nic_remove(p, n);
	return 0;
}

static void on_sync_begin(struct pairing *p, bool udev)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		if (udev)
			p->nics[i]->dev_seen = false;
		else
			p->nics[i]->link_seen = false;
	}
	if (udev)
		p->udev_syncing = true;
	else {
		p->nl_syncing = true;
		p->nl_dump_begins++;
	}
}

static int on_sync_end(struct pairing *p, bool udev, uint64_t now, struct fo_actions *ret)
{
	size_t gone = 0;
	int r;

	if (udev ? !p->udev_syncing : !p->nl_syncing)
		return 0;
	/* entries the full dump did not confirm are gone */
	for (size_t i = 0; i < p->n_nics;) {
		struct nic *n = p->nics[i];
		int ifindex = n->ifindex;

		if (udev ? (n->have_dev && !n->dev_seen) : (n->have_link && !n->link_seen)) {
			gone++;
			r = udev ? on_device_gone(p, ifindex, now) : on_link_gone(p, ifindex, now);
			if (r < 0)
				return r;
			/* the entry may have been freed: restart from the same position */
			if (i < p->n_nics && p->nics[i]->ifindex == ifindex)
				i++;
			continue;
		}
		if (!udev && n->have_link && n->exp.mask) {
			/* the dump started after our change: it is the truth */
			n->exp.mask = 0;
			exp_apply(n);
			r = nic_changed(p, n, now);
			if (r < 0)
				return r;
		}
		i++;
	}
	if (p->rescan_nl || p->rescan_udev) {
		if (udev)
			p->rescan_udev = false;
		else
			p->rescan_nl = false;
		if (!p->rescan_nl && !p->rescan_udev)
			for (size_t i = 0; i < p->n_pairs; i++)
				p->pairs[i]->dirty = true;
	}
	if (udev) {
		p->udev_syncing = false;
		p->udev_synced = true;
	} else {
		p->nl_syncing = false;
		p->nl_synced = true;
		p->nl_dump_complete = p->nl_dump_begins;
	}
	if (p->started)
		emit_event(p, ret, NULL, FO_EV_RESYNC, 0, false,
			   "failoverd: %s resync done, %zu entries gone", udev ? "udev" : "netlink",
			   gone);
	else if (p->nl_synced && p->udev_synced) {
		p->started = true;
		/* a hint naming no link of the first full view is stale */
		for (size_t i = 0; i < p->n_hints;)
			if (!link_find(p, p->hints[i].ifindex))
				hint_remove(p, i);
			else
				i++;
		for (size_t i = 0; i < p->n_pairs; i++)
			p->pairs[i]->dirty = true;
	}
	return 0;
}

static enum fail_class classify(int error)
{
	switch (-error) {
	case EBUSY:
	case EAGAIN:
	case ENOBUFS:
	case ENOMEM:
	case ETIMEDOUT:
	case EINTR:
		return FAIL_TRANSIENT;
	case ENODEV:
	case ENOENT:
	case ENXIO:
		return FAIL_VANISHED;
	default:
		return FAIL_PERMANENT;
	}
}

/*
 * No observation confirmed a successful request in time (an adapter that
 * cannot report a field, a lost event): believe the request did what it
 * said, until an observation shows a third value or a fresh dump.
 */
static int apply_overlay(struct pairing *p, const struct fo_action *a, int new_ifindex,
			 uint64_t now)
{
	struct nic *n = link_find(p, a->ifindex);
	struct fo_link_info want = {};
	int r;

	switch (a->type) {
	case FO_ACT_CREATE:
		if (new_ifindex <= 0)
			return 0;
		r = nic_get(p, new_ifindex, &n);
		if (r < 0)
			return r;
		if (!n->have_link) {
			n->raw = (struct fo_link_info) { .ifindex = new_ifindex, .mtu = a->mtu };
			strscpy(n->raw.name, IFNAMSIZ, a->name);
			memcpy(n->raw.mac, a->mac, FO_MAC_LEN);
			(void) snprintf(n->raw.kind, FO_KIND_LEN, "%s",
					a->backend == FO_BACKEND_TEAM ? "team" : "bond");
			strscpy(n->raw.alias, FO_ALIAS_LEN, a->alias);
			n->have_link = true;
			n->synthetic = true;
			n->link_seen = true;
			exp_apply(n);
		}
		return nic_changed(p, n, now);
	case FO_ACT_DELETE:
		if (n)
			return on_link_gone(p, n->ifindex, now);
		return 0;
	case FO_ACT_EVENT:
	case FO_ACT_SET_MTU:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		return 0;
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
	case FO_ACT_RENAME:
	case FO_ACT_SET_MAC:
	case FO_ACT_ENSLAVE:
	case FO_ACT_RELEASE:
	case FO_ACT_SET_PRIMARY:
	case FO_ACT_SET_ACTIVE:
	case FO_ACT_SET_ADDR_GEN_MODE:
	case FO_ACT_DEL_ALTNAME:
		break;
	}
	if (!n)
		return 0;
	switch (a->type) {
	case FO_ACT_SET_DOWN:
		want.flags = 0;
		exp_set(p, n, EXP_UP, &want);
		break;
	case FO_ACT_SET_UP:
		want.flags = IFF_UP;
		exp_set(p, n, EXP_UP, &want);
		break;
	case FO_ACT_RENAME:
		strscpy(want.name, IFNAMSIZ, a->name);
		exp_set(p, n, EXP_NAME, &want);
		break;
	case FO_ACT_SET_MAC:
		memcpy(want.mac, a->mac, FO_MAC_LEN);
		exp_set(p, n, EXP_MAC, &want);
		break;
	case FO_ACT_ENSLAVE: {
		struct nic *m = link_find(p, a->master_ifindex);

		/* the master opens its new member and gives it its MAC */
		want.master_ifindex = a->master_ifindex;
		want.flags = IFF_UP;
		exp_set(p, n, EXP_MASTER, &want);
		exp_set(p, n, EXP_UP, &want);
		if (m) {
			memcpy(want.mac, m->link.mac, FO_MAC_LEN);
			exp_set(p, n, EXP_MAC, &want);
		}
		break;
	}
	case FO_ACT_RELEASE:
		/* a released member is closed by its old master */
		want.master_ifindex = 0;
		want.flags = 0;
		exp_set(p, n, EXP_MASTER, &want);
		exp_set(p, n, EXP_UP, &want);
		break;
	case FO_ACT_SET_PRIMARY:
		want.bond_primary_ifindex = a->arg_ifindex;
		exp_set(p, n, EXP_PRIMARY, &want);
		break;
	case FO_ACT_SET_ACTIVE:
		want.active_ifindex = a->arg_ifindex;
		exp_set(p, n, EXP_ACTIVE, &want);
		break;
	case FO_ACT_SET_ADDR_GEN_MODE:
		want.addr_gen_mode = a->addr_gen_mode;
		exp_set(p, n, EXP_ADDR_GEN, &want);
		break;
	case FO_ACT_DEL_ALTNAME:
		/*
		 * The kernel's own answer (the ACK) is the truth here: it
		 * announces the change only for an UP device, and no later
		 * event of a down one would show it.
		 */
		for (size_t i = 0; i < n->raw.n_alt_names && i < FO_ALT_NAMES_MAX; i++)
			if (streq(n->raw.alt_names[i], a->name)) {
				memmove(n->raw.alt_names[i], n->raw.alt_names[i + 1],
					(n->raw.n_alt_names - i - 1) * IFNAMSIZ);
				n->raw.n_alt_names--;
				break;
			}
		exp_apply(n);
		break;
	case FO_ACT_CREATE:
	case FO_ACT_DELETE:
	case FO_ACT_SET_MTU:
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	return nic_changed(p, n, now);
}

/* Has the observation stream shown the effect of our request yet? */
static bool effect_seen(const struct pairing *p, const struct pair *pr)
{
	const struct fo_action *a = &pr->confirm;
	const struct nic *n = link_find(p, a->ifindex);

	switch (a->type) {
	case FO_ACT_CREATE:
		if (pr->confirm_new_ifindex > 0) {
			n = link_find(p, pr->confirm_new_ifindex);
			/*
			 * Ours only once it carries the marker: the kernel announces
			 * the new link before the executor's second request sets its
			 * alias, and a link without it looks like someone else's.
			 */
			return n && !n->synthetic && n->role == FO_ROLE_AGGREGATE;
		}
		for (size_t i = 0; i < p->n_nics; i++)
			if (p->nics[i]->have_link && p->nics[i]->role == FO_ROLE_AGGREGATE &&
			    pairing_key_eq(&p->nics[i]->key, &pr->key))
				return true;
		return false;
	case FO_ACT_DELETE:
		return !n;
	case FO_ACT_DEL_ALTNAME: /* on_result() applied the ACK; nothing announces it */
	case FO_ACT_SET_ADDR_GEN_MODE:
		/*
		 * The kernel announces it only for a device that is up
		 * (netdev_state_change()), and we set it on a down one: the
		 * result is all there is; on_result() applied it already.
		 */
		return true;
	case FO_ACT_EVENT:
	case FO_ACT_SET_MTU:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		return true;
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
	case FO_ACT_RENAME:
	case FO_ACT_SET_MAC:
	case FO_ACT_ENSLAVE:
	case FO_ACT_RELEASE:
	case FO_ACT_SET_PRIMARY:
	case FO_ACT_SET_ACTIVE:
		break;
	}
	if (!n)
		return true; /* vanished: nothing left to wait for */
	if (a->type == FO_ACT_SET_PRIMARY || a->type == FO_ACT_SET_ACTIVE) {
		const struct nic *m = link_find(p, a->arg_ifindex);

		/*
		 * The member it names has left the aggregate or is gone (a VF
		 * unplugged while the request was on its way: bonding accepts
		 * the name, then reports no primary): the effect can never show.
		 * Waiting for it held up the next VF's enslavement by up to
		 * CONFIRM_WAIT_MAX_USEC (issue 11).
		 */
		if (a->arg_ifindex > 0 && (!m || m->link.master_ifindex != n->ifindex))
			return true;
	}
	if (n->n_obs == pr->confirm_obs)
		return false; /* nothing heard since the result: what we hold may be stale */
	switch (a->type) {
	case FO_ACT_SET_DOWN:
		return !(n->raw.flags & IFF_UP);
	case FO_ACT_SET_UP:
		return n->raw.flags & IFF_UP;
	case FO_ACT_RENAME:
		return streq(n->raw.name, a->name);
	case FO_ACT_SET_MAC:
		return memcmp(n->raw.mac, a->mac, FO_MAC_LEN) == 0;
	case FO_ACT_ENSLAVE:
		return n->raw.master_ifindex == a->master_ifindex ||
		       !link_find(p, a->master_ifindex);
	case FO_ACT_RELEASE:
		return n->raw.master_ifindex == 0;
	case FO_ACT_SET_PRIMARY:
		return n->raw.bond_primary_ifindex == a->arg_ifindex;
	case FO_ACT_SET_ACTIVE:
		return n->raw.active_ifindex == a->arg_ifindex;
	case FO_ACT_SET_ADDR_GEN_MODE:
	case FO_ACT_DEL_ALTNAME:
	case FO_ACT_CREATE:
	case FO_ACT_DELETE:
	case FO_ACT_EVENT:
	case FO_ACT_SET_MTU:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	return true;
}

/*
 * The barrier after every successful request: the pair plans its next
 * step only once the observations show what the last one did.  Without
 * it, the RTM_NEWLINKs of earlier steps that are still queued (a rollback
 * runs several requests before the monitor socket is read) replay
 * intermediate states, e.g. an aggregate we already deleted.
 */
static int confirm_check(struct pairing *p, struct pair *pr, uint64_t now)
{
	struct nic *n;
	int r;

	if (!pr->confirming)
		return 0;
	if (effect_seen(p, pr)) {
		pr->confirming = false;
		return 0;
	}
	if (now < pr->confirm_until)
		return 0;
	if (p->nl_dump_complete > pr->confirm_dumps) {
		/* a full dump that started after the result did not show it: it is the truth */
		pr->confirming = false;
		return 0;
	}
	/* a CREATE's device is the new one: its first RTM_NEWLINK comes before the marker */
	n = link_find(p, pr->confirm.type == FO_ACT_CREATE ? pr->confirm_new_ifindex
							  : pr->confirm.ifindex);
	if (n && n->n_obs != pr->confirm_obs && pr->confirm.type != FO_ACT_SET_ACTIVE &&
	    now < pr->confirm_started + CONFIRM_WAIT_MAX_USEC) {
		/*
		 * Events about the device arrived but not ours yet: they were queued
		 * before our request (a busy daemon).  Ours follows them in order.
		 */
		pr->confirm_until = now + FO_CONFIRM_TIMEOUT_USEC;
		return 0;
	}
	/* silence (or an adapter that cannot report the field, e.g. team activeport) */
	pr->confirming = false;
	r = apply_overlay(p, &pr->confirm, pr->confirm_new_ifindex, now);
	if (r < 0)
		return r;
	return 0;
}

static int on_result(struct pairing *p, const struct fo_obs *o, uint64_t now,
		     struct fo_actions *ret)
{
	struct request rq = p->req;
	struct pair *pr = rq.pair;
	int err = o->result.error;
	char who[IFNAMSIZ > KEY_TEXT_LEN ? IFNAMSIZ : KEY_TEXT_LEN];
	struct nic *n;

	if (err > 0 || o->result.new_ifindex < 0)
		return -EINVAL;
	if (!rq.active || o->result.action_id != rq.a.id)
		return 0; /* not ours (any more): nothing to do */
	p->req.active = false;
	pr->dirty = true;
	n = link_find(p, rq.a.ifindex);
	strscpy(who, sizeof(who), n ? nic_name(n) : rq.a.name[0] ? rq.a.name : pr->key_text);
	/* the alternative name is not there (any more): what the request wanted */
	if (rq.a.type == FO_ACT_DEL_ALTNAME && err == -ENOENT)
		err = 0;

	if (err == 0) {
		switch (rq.a.type) {
		case FO_ACT_CREATE:
			/* the executor did not learn the ifindex: wait for the marker to show up */
			pr->await_create = o->result.new_ifindex == 0;
			break;
		case FO_ACT_ENSLAVE:
			if (!rq.is_undo && n && n->role == FO_ROLE_PRIMARY)
				pr->reassert_primary = true;
			/* a team port that left lost its active role: it is not active again by joining */
			if (pr->team_active_set == rq.a.ifindex)
				pr->team_active_set = 0;
			break;
		case FO_ACT_SET_PRIMARY:
			pr->reassert_primary = false;
			break;
		case FO_ACT_SET_ACTIVE:
			pr->team_active_set = rq.a.arg_ifindex;
			break;
		case FO_ACT_DELETE:
		case FO_ACT_SET_DOWN:
		case FO_ACT_SET_UP:
		case FO_ACT_RENAME:
		case FO_ACT_SET_MAC:
		case FO_ACT_SET_MTU:
		case FO_ACT_RELEASE:
			if (pr->team_active_set == rq.a.ifindex)
				pr->team_active_set = 0;
			break;
		case FO_ACT_SET_ADDR_GEN_MODE: /* a member not in the team yet */
		case FO_ACT_DEL_ALTNAME:
		case FO_ACT_EVENT:
		case FO_ACT_MAX:
		case FO_ACT_INVALID:
			break;
		}
		pr->confirming = true;
		pr->confirm = rq.a;
		pr->confirm_new_ifindex = o->result.new_ifindex;
		if (rq.a.type == FO_ACT_CREATE)
			pr->created_ifindex = o->result.new_ifindex;
		pr->confirm_until = now + FO_CONFIRM_TIMEOUT_USEC;
		pr->confirm_started = now;
		pr->confirm_obs = n ? n->n_obs : 0;
		pr->confirm_dumps = p->nl_dump_begins;
		if (rq.has_undo) {
			struct undo u = rq.undo;

			if (u.type == FO_ACT_DELETE)
				u.ifindex = o->result.new_ifindex;
			undo_push(pr, &u);
		}
		if (rq.a.type == FO_ACT_SET_ADDR_GEN_MODE || rq.a.type == FO_ACT_DEL_ALTNAME) {
			/* no event will show it (see effect_seen()): believe it until one says otherwise */
			int r = apply_overlay(p, &rq.a, 0, now);

			if (r < 0)
				return r;
		}
		if (rq.a.type == FO_ACT_SET_UP && !rq.is_undo && n && n->role == FO_ROLE_AGGREGATE)
			pr->want_agg_up = false;
		/* a retried rollback step brought the standby up after all: nothing is owed */
		if (rq.a.type == FO_ACT_SET_UP && rq.is_undo && n && n->role == FO_ROLE_STANDBY)
			pr->standby_was_up = false;
		if (rq.a.type == FO_ACT_SET_DOWN && !rq.is_undo && n && n->role == FO_ROLE_STANDBY) {
			pr->want_agg_up = true;
			pr->owed_sby = n->ifindex;
		}
		return 0;
	}

	{
		enum fail_class c = classify(err);

		/*
		 * The name a CREATE wants can be held by the aggregate an earlier
		 * CREATE of ours made, whose marker (a second request) this model
		 * has not seen yet: the guest tier saw EEXIST on every few boots.
		 * Try again after the back-off; the next look adopts it if it is
		 * ours.
		 */
		if (rq.a.type == FO_ACT_CREATE && err == -EEXIST && !rq.is_undo &&
		    pr->created_ifindex > 0) {
			const struct nic *holder = link_find(p, pr->created_ifindex);

			if (holder && streq(holder->link.name, rq.a.name))
				c = FAIL_TRANSIENT;
		}
		/*
		 * The name is an alternative name of the standby this
		 * transaction renamed (udev added it after the rename; the
		 * executor read the holder again before this result, since
		 * the kernel announces nothing for a down device).  Not a
		 * failure of the transaction: plan_pair() removes it next and
		 * creates again.  Once per transaction, so that whatever keeps
		 * adding it cannot make us loop.
		 */
		if (rq.a.type == FO_ACT_CREATE && err == -EEXIST && !rq.is_undo &&
		    !pr->compensating && !pr->altname_retried) {
			const struct nic *holder = altname_holder(p, rq.a.name);

			if (holder && holder->role == FO_ROLE_STANDBY && holder->pair == pr) {
				pr->altname_retried = true;
				pr->errors_transient++;
				pr->last_error = err;
				emit_event(p, ret, pr, FO_EV_ACTION_FAILED, err, true,
					   "%s: create failed with EEXIST: %s is an alternative name "
					   "of our standby %s; removing it", who, rq.a.name,
					   nic_name(holder));
				return 0;
			}
		}
		emit_event(p, ret, pr, FO_EV_ACTION_FAILED, err, c != FAIL_PERMANENT,
			   "%s: %s%s failed with %s (%s)", who, rq.is_undo ? "rollback " : "",
			   pairing_action_name(rq.a.type), pairing_errno_name(err),
			   c == FAIL_TRANSIENT	? "transient, will retry"
			   : c == FAIL_VANISHED ? "device vanished"
						: "permanent");
		pr->last_error = err;
		if (c == FAIL_VANISHED) {
			/* what we only believed about the devices involved is void */
			int ids[] = { rq.a.ifindex, rq.a.master_ifindex, rq.a.arg_ifindex };

			for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
				struct nic *v = link_find(p, ids[i]);
				int r;

				if (!v)
					continue;
				if (v->synthetic) {
					r = on_link_gone(p, v->ifindex, now);
					if (r < 0)
						return r;
				} else if (v->exp.mask) {
					v->exp.mask = 0;
					exp_apply(v);
					r = nic_changed(p, v, now);
					if (r < 0)
						return r;
				}
			}
			n = link_find(p, rq.a.ifindex);
		}
		if (c == FAIL_TRANSIENT)
			pr->errors_transient++;
		else if (c == FAIL_PERMANENT)
			pr->errors_permanent++;
		if (rq.is_undo) {
			if (rq.a.type == FO_ACT_SET_UP && n && n->role == FO_ROLE_STANDBY)
				pr->standby_was_up = true;
			/*
			 * Never give up restoring a device on a transient error: the same
			 * step again, later.  "Vanished" for a device we still see (the
			 * RTM_DELLINK may follow) is retried a few times, then dropped.
			 */
			if (rq.has_undo && (c == FAIL_TRANSIENT ||
					    (c == FAIL_VANISHED && link_find(p, rq.a.ifindex) &&
					     rq.undo.tries < UNDO_VANISHED_TRIES))) {
				struct undo u = rq.undo;

				u.tries++;
				undo_push(pr, &u);
				pr->n_undone--;
				backoff_grow(p, pr);
				pr->hold = HOLD_BACKOFF;
				pr->hold_until = now + pr->backoff_usec;
			}
			return 0; /* otherwise compensation goes on with the next step */
		}
		if (!pr->compensating || c > pr->fail_class) {
			pr->fail_class = c;
			pr->fail_error = err;
			pr->fail_action = rq.a.type;
			strscpy(pr->refused_name, IFNAMSIZ,
				rq.a.type == FO_ACT_CREATE || rq.a.type == FO_ACT_RENAME ? rq.a.name : "");
		}
		/*
		 * A lost ACK (ETIMEDOUT) says nothing about the request: the
		 * kernel may have done it (the guest tier's `noack` faults: a
		 * standby set down, a VF enslaved, with no answer).  Undo it as
		 * if it had been done; every undo step is skipped when it does
		 * not apply (the daemon feeds what the kernel announced before
		 * the failure).  Otherwise the rollback set the enslaved VF's
		 * MAC back, or forgot that the standby had been up.
		 */
		if (err == -ETIMEDOUT && rq.has_undo) {
			struct undo u = rq.undo;

			if (u.type == FO_ACT_DELETE)
				u.ifindex = o->result.new_ifindex; /* 0: found by its marker */
			undo_push(pr, &u);
		}
		pr->compensating = true;
		if (rq.a.type == FO_ACT_SET_UP || rq.a.type == FO_ACT_SET_PRIMARY ||
		    rq.a.type == FO_ACT_SET_ACTIVE) {
			/* upkeep outside a transaction has nothing to undo */
			if (pr->n_undo == 0 && c != FAIL_PERMANENT)
				pr->fail_class = c;
		}
	}
	return 0;
}

static int on_standby_was_up(struct pairing *p, const struct fo_owed_up *h)
{
	struct nic *n;
	size_t i;

	if (h->ifindex <= 0 || (h->key.source != FO_KEY_GROUP_ID && h->key.source != FO_KEY_MAC))
		return -EINVAL;
	for (i = 0; i < p->n_hints; i++)
		if (p->hints[i].ifindex == h->ifindex)
			break;
	if (i == p->n_hints) {
		if (p->n_hints >= FO_OWED_UP_MAX)
			return -E2BIG;
		p->n_hints++;
	}
	p->hints[i] = *h;
	n = link_find(p, h->ifindex);
	if (n && n->pair)
		n->pair->dirty = true;
	return 0;
}

static void on_rescan(struct pairing *p, uint64_t now)
{
	/* the daemon follows with a full dump and enumeration: wait for both */
	p->rescan_nl = p->rescan_udev = true;
	p->rescan_until = now + RESCAN_WAIT_MAX_USEC;
	for (size_t i = 0; i < p->n_pairs; i++) {
		struct pair *pr = p->pairs[i];

		pr->refused = false;
		pr->rescanned = pr->compensating || (p->req.active && p->req.pair == pr);
		if (pr->hold == HOLD_FIGHTING || pr->hold == HOLD_BACKOFF)
			pr->hold = HOLD_NONE;
		pr->n_fights = 0;
		pr->backoff_usec = 0;
		pr->dirty = true;
	}
}

int pairing_feed(struct pairing *p, const struct fo_obs *obs, uint64_t now_usec,
		 struct fo_actions *ret)
{
	int r = 0;

	if (!p || !obs || !ret)
		return -EINVAL;
	if (ret->n > FO_ACTIONS_MAX)
		return -EINVAL;
	switch (obs->type) {
	case FO_OBS_LINK:
		r = on_link(p, &obs->link, now_usec);
		break;
	case FO_OBS_LINK_GONE:
		r = on_link_gone(p, obs->ifindex, now_usec);
		break;
	case FO_OBS_DEVICE:
		r = on_device(p, &obs->device, now_usec);
		break;
	case FO_OBS_DEVICE_GONE:
		r = on_device_gone(p, obs->ifindex, now_usec);
		break;
	case FO_OBS_SYNC_BEGIN:
		on_sync_begin(p, obs->sync_udev);
		break;
	case FO_OBS_SYNC_END:
		r = on_sync_end(p, obs->sync_udev, now_usec, ret);
		break;
	case FO_OBS_RESULT:
		r = on_result(p, obs, now_usec, ret);
		break;
	case FO_OBS_TICK:
		break;
	case FO_OBS_RESCAN:
		on_rescan(p, now_usec);
		break;
	case FO_OBS_STANDBY_WAS_UP:
		r = on_standby_was_up(p, &obs->owed_up);
		break;
	case FO_OBS_MAX:
	case FO_OBS_INVALID:
	default: /* the type comes from an adapter: any value can arrive */
		r = -EINVAL;
		break;
	}
	if (r < 0 && r != -EINVAL)
		return r;
	run(p, now_usec, ret);
	return r;
}

/* ---------------------------------------------------------- lifecycle */

struct pairing *pairing_new(const struct fo_config *cfg)
{
	struct pairing *p;

	if (pairing_config_check(cfg, NULL) < 0) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	return p;
}

struct pairing *pairing_free(struct pairing *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_nics; i++)
		free(p->nics[i]);
	for (size_t i = 0; i < p->n_pairs; i++)
		free(p->pairs[i]);
	free(p->nics);
	free(p->pairs);
	free(p);
	return NULL;
}

int pairing_set_config(struct pairing *p, const struct fo_config *cfg)
{
	int r;

	if (!p)
		return -EINVAL;
	r = pairing_config_check(cfg, NULL);
	if (r < 0)
		return r;
	p->cfg = *cfg;
	/* keys and readiness depend on the configuration: derive everything again */
	for (size_t i = 0; i < p->n_nics; i++) {
		r = nic_derive(p, p->nics[i], 0);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_pairs; i++)
		p->pairs[i]->dirty = true;
	return 0;
}

/* ---------------------------------------------------------- views */

size_t pairing_n_nics(const struct pairing *p)
{
	return p ? p->n_nics : 0;
}

int pairing_nic(const struct pairing *p, size_t i, struct fo_nic_view *ret)
{
	const struct nic *n;

	if (!p || !ret || i >= p->n_nics)
		return -EINVAL;
	n = p->nics[i];
	*ret = (struct fo_nic_view) {
		.ifindex = n->ifindex,
		.role = n->unpaired ? FO_ROLE_NONE : n->role,
		.master_ifindex = n->have_link ? n->link.master_ifindex : 0,
		.carrier = n->have_link && n->link.carrier,
		.initialized = n->have_dev && n->dev.initialized,
	};
	strscpy(ret->name, sizeof(ret->name), nic_name(n));
	if (n->key_valid && !n->unpaired)
		ret->key = n->key;
	strscpy(ret->reason, sizeof(ret->reason), n->reason);
	if (n->have_dev) {
		ret->group_status = n->dev.group.status;
		strscpy(ret->group_reason, sizeof(ret->group_reason), n->dev.group.reason);
	}
	return 0;
}

size_t pairing_n_pairs(const struct pairing *p)
{
	return p ? p->n_pairs : 0;
}

int pairing_pair(const struct pairing *p, size_t i, uint64_t now_usec, struct fo_pair_view *ret)
{
	const struct pair *pr;
	const struct nic *a = NULL;
	int sby = 0, pri = 0;

	if (!p || !ret || i >= p->n_pairs)
		return -EINVAL;
	pr = p->pairs[i];
	for (const struct nic *n = pr->members; n; n = n->pair_next) {
		if (!n->have_link)
			continue;
		if (n->role == FO_ROLE_AGGREGATE && (!a || n->ifindex == pr->agg_ifindex))
			a = n;
	}
	for (const struct nic *n = pr->members; n; n = n->pair_next) {
		if (!n->have_link)
			continue;
		if (n->role == FO_ROLE_STANDBY &&
		    (!sby || (a && n->link.master_ifindex == a->ifindex)))
			sby = n->ifindex;
		else if (n->role == FO_ROLE_PRIMARY &&
			 (!pri || (a && n->link.master_ifindex == a->ifindex)))
			pri = n->ifindex;
	}
	*ret = (struct fo_pair_view) {
		.key = pr->key,
		.state = pr->state,
		.aggregate_ifindex = a ? a->ifindex : 0,
		.standby_ifindex = sby,
		.primary_ifindex = pri,
		.active_ifindex = a ? a->link.active_ifindex : 0,
		.failovers = pr->failovers,
		.standby_since_usec = pr->standby_since,
		.standby_total_usec = pr->standby_total +
			(pr->standby_since != FO_TIME_NEVER && now_usec > pr->standby_since ?
			 now_usec - pr->standby_since : 0),
		.last_reenslave_usec = pr->last_reenslave,
		.last_ready_to_enslaved_usec = pr->last_ready_to_enslaved,
		.errors_transient = pr->errors_transient,
		.errors_permanent = pr->errors_permanent,
		.last_error = pr->last_error,
		.rolling_back = pr->compensating,
		.in_transaction = pr->compensating || pr->n_undo > 0 || pr->confirming ||
			(p->req.active && p->req.pair == pr),
		.transaction_phase = pr->n_undo > 0 || pr->compensating ? pr->phase : 0,
	};
	if (a)
		strscpy(ret->aggregate_name, sizeof(ret->aggregate_name), a->link.name);
	strscpy(ret->reason, sizeof(ret->reason), pr->reason);
	return 0;
}

size_t pairing_owed_up(const struct pairing *p, struct fo_owed_up *ret, size_t max)
{
	size_t n = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < p->n_pairs; i++) {
		const struct pair *pr = p->pairs[i];
		const struct nic *s = pr->want_agg_up ? link_find(p, pr->owed_sby) : NULL;

		const struct nic *m;

		/* the standby it was about, still a standby of this pair (not one that replaced it) */
		if (!s || s->role != FO_ROLE_STANDBY || s->pair != pr)
			continue;
		/* as take_hints() reads it: a free standby that is up owes nothing after a restart */
		m = s->link.master_ifindex ? link_find(p, s->link.master_ifindex) : NULL;
		if (m ? nic_up(m) : nic_up(s))
			continue;
		if (n < max && ret)
			ret[n] = (struct fo_owed_up) { .ifindex = s->ifindex, .key = pr->key };
		n++;
	}
	for (size_t i = 0; i < p->n_hints; i++) {
		if (n < max && ret)
			ret[n] = p->hints[i];
		n++;
	}
	return n;
}

bool pairing_busy(const struct pairing *p)
{
	if (!p)
		return false;
	if (p->req.active)
		return true;
	/*
	 * Between two steps of a transaction nothing is outstanding, but the
	 * plan is not applied: the aggregate may not exist yet while the
	 * standby already carries its new name.
	 */
	for (size_t i = 0; i < p->n_pairs; i++)
		if (pair_busy(p, p->pairs[i]) || p->pairs[i]->confirming)
			return true;
	return false;
}

bool pairing_standby_pending(const struct pairing *p)
{
	if (!p)
		return false;
	for (size_t i = 0; i < p->n_nics; i++) {
		const struct nic *n = p->nics[i];

		if (n->role != FO_ROLE_STANDBY || !n->pair || nic_ready(p, n) ||
		    n->link.master_ifindex > 0)
			continue;
		if (n->pair->state == FO_PAIR_STOOD_DOWN || n->pair->state == FO_PAIR_REFUSED ||
		    n->pair->state == FO_PAIR_CONFLICT)
			continue;
		return true;
	}
	return false;
}

uint64_t pairing_events_dropped(const struct pairing *p)
{
	return p ? p->events_dropped : 0;
}
