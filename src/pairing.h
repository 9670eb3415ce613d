/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pairing engine: a pure state machine.
 *
 * Adapters (udev, rtnetlink, the executor, timers, the control socket)
 * turn the world into struct fo_obs and feed them in with pairing_feed();
 * the engine answers with struct fo_action items and the next deadline.
 * It does no I/O, reads no clock and never logs: "now" is an argument and
 * log lines are FO_ACT_EVENT actions the shell prints.
 *
 * Contract with the executor: actions of kind FO_ACT_* other than
 * FO_ACT_EVENT are requests.  The executor performs them in order, one at
 * a time, and reports each outcome with an FO_OBS_RESULT carrying the
 * action's id (0 or -errno).  After a failure it stops executing the rest
 * of that batch and reports FO_OBS_RESULT for the failed one only; the
 * engine decides what happens next (compensation, back-off).
 *
 * In practice a batch holds at most one request: the engine has at most
 * ONE request outstanding in total (so at most one per pair), and emits
 * the next one when the result of the previous one is fed back.  Every
 * request must therefore be answered with an FO_OBS_RESULT, also in a dry
 * run (answer 0 and a made-up new_ifindex for CREATE to see the whole
 * plan); an unanswered request stalls the engine.  After a successful
 * result the pair also waits for an observation showing the change (the
 * RTM_NEWLINK it causes), at most FO_CONFIRM_TIMEOUT_USEC: a dry run that
 * feeds simulated observations plans at full speed.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcicap.h"

#define FO_MAC_LEN 6
#define FO_KIND_LEN 16
#define FO_DRIVER_LEN 32
#define FO_PCI_ADDR_LEN 16
#define FO_ALIAS_LEN 64
#define FO_TEXT_LEN 160
#define FO_ALT_NAMES_MAX 4
#define FO_USEC_PER_SEC 1000000ULL
#define FO_TIME_NEVER UINT64_MAX
/*
 * After a successful request the engine waits for an observation showing
 * its effect before the pair's next step; past this it believes the
 * result alone (an adapter that cannot report the field, a lost event).
 */
#define FO_CONFIRM_TIMEOUT_USEC (2 * FO_USEC_PER_SEC)

/*
 * Values of IFLA_INET6_ADDR_GEN_MODE (enum in6_addr_gen_mode in
 * <linux/if_link.h>), here so the pure engine needs no kernel header.
 * NONE: the kernel generates no link-local address when the device opens.
 */
#define FO_ADDR_GEN_MODE_EUI64 0
#define FO_ADDR_GEN_MODE_NONE 1
#define FO_ADDR_GEN_MODE_MAX 3 /* STABLE_PRIVACY = 2, RANDOM = 3 */

/* The marker failoverd writes into IFLA_IFALIAS of an aggregate it made. */
#define FO_ALIAS_PREFIX "failoverd:"

enum fo_role {
	FO_ROLE_NONE,      /* not a failover candidate */
	FO_ROLE_STANDBY,   /* virtio-net */
	FO_ROLE_PRIMARY,   /* the passthrough VF */
	FO_ROLE_AGGREGATE, /* a bond/team failoverd made (marker in ifalias) */
	FO_ROLE_MAX,
	FO_ROLE_INVALID = -1,
};

enum fo_key_source {
	FO_KEY_NONE,
	FO_KEY_GROUP_ID, /* from PCI config space */
	FO_KEY_MAC,      /* permanent MAC (IFLA_PERM_ADDRESS) */
	FO_KEY_MAX,
	FO_KEY_INVALID = -1,
};

struct fo_key {
	enum fo_key_source source;
	uint64_t group_id;        /* FO_KEY_GROUP_ID */
	uint8_t mac[FO_MAC_LEN];  /* FO_KEY_MAC */
};

enum fo_backend {
	FO_BACKEND_BOND,
	FO_BACKEND_TEAM,
	FO_BACKEND_MAX,
	FO_BACKEND_INVALID = -1,
};

enum fo_naming {
	FO_NAMING_TAKEOVER, /* aggregate takes the standby's name, standby -> <name>nsby */
	FO_NAMING_NAMED,    /* aggregate gets cfg.name_prefix + index */
	FO_NAMING_MAX,
	FO_NAMING_INVALID = -1,
};

enum fo_mac_pairing {
	FO_MAC_PAIRING_OFF,
	FO_MAC_PAIRING_ALL,  /* every virtio-net NIC may pair by permanent MAC */
	FO_MAC_PAIRING_LIST, /* only the MACs listed in cfg.mac_list */
	FO_MAC_PAIRING_MAX,
	FO_MAC_PAIRING_INVALID = -1,
};

/* Bond parameters; a value of -1 means "kernel default, do not send". */
struct fo_bond_params {
	int miimon;            /* ms */
	int updelay;           /* ms */
	int downdelay;         /* ms */
	int primary_reselect;  /* 0 always, 1 better, 2 failure */
	int fail_over_mac;     /* 0 none, 1 active, 2 follow */
	int num_peer_notif;    /* num_grat_arp / num_unsol_na */
	int peer_notif_delay;  /* ms */
	int all_slaves_active; /* 0/1 */
	int tx_queues;
};

#define FO_MAC_LIST_MAX 64

struct fo_config {
	enum fo_backend backend;
	enum fo_naming naming;
	char name_prefix[IFNAMSIZ];   /* named mode: "fo" -> fo0, fo1 ... */
	bool pair_by_group_id;
	enum fo_mac_pairing mac_pairing;
	size_t n_mac_list;
	uint8_t mac_list[FO_MAC_LIST_MAX][FO_MAC_LEN];
	uint8_t bridge_cap_type;      /* type byte of the bridge group-ID cap */
	uint64_t settle_usec;         /* wait after a new VF before enslaving it */
	uint64_t backoff_min_usec;    /* first retry delay after a transient failure */
	uint64_t backoff_max_usec;    /* cap of the exponential back-off */
	unsigned fight_limit;         /* undo-by-others repeats before "fighting" */
	uint64_t fight_window_usec;
	bool live_rename;             /* kernel can rename an UP netdev (>= 6.2 behaviour) */
	struct fo_bond_params bond;
};

/* Fill in the documented defaults (docs/failoverd.conf.5). */
void pairing_config_defaults(struct fo_config *cfg);

/*
 * 0 if the engine accepts cfg, else -EINVAL with a static human reason in
 * *ret_reason (may be NULL).  pairing_new() and pairing_set_config() use it.
 */
int pairing_config_check(const struct fo_config *cfg, const char **ret_reason);

/*
 * Everything known about one netdev.  rtnetlink fills the link part,
 * udev the device part; the engine merges both by ifindex.
 */
struct fo_link_info { /* from rtnetlink (RTM_NEWLINK) */
	int ifindex;
	char name[IFNAMSIZ];
	unsigned flags;                 /* IFF_* */
	bool carrier;                   /* IFF_LOWER_UP / IFLA_CARRIER */
	uint8_t mac[FO_MAC_LEN];
	bool has_perm_mac;
	uint8_t perm_mac[FO_MAC_LEN];   /* IFLA_PERM_ADDRESS */
	int master_ifindex;             /* IFLA_MASTER, 0 = none */
	char kind[FO_KIND_LEN];         /* IFLA_INFO_KIND: "bond", "team", "" */
	char slave_kind[FO_KIND_LEN];   /* IFLA_INFO_SLAVE_KIND */
	char alias[FO_ALIAS_LEN];       /* IFLA_IFALIAS */
	unsigned mtu, min_mtu, max_mtu; /* 0 = unknown */
	bool xdp_attached;
	bool has_addresses;             /* any IPv4/IPv6 address other than link-local */
	int bond_primary_ifindex;       /* aggregates: IFLA_BOND_PRIMARY, 0 = none */
	int active_ifindex;             /* aggregates: active slave / team activeport */
	bool vlan_challenged;
	/*
	 * IFLA_AF_SPEC/AF_INET6/IFLA_INET6_ADDR_GEN_MODE: how the kernel makes
	 * the link's IPv6 link-local address (FO_ADDR_GEN_MODE_*).  Unknown
	 * (has_ = false) when the link has no IPv6 or an adapter cannot tell:
	 * the engine then leaves the mode alone.
	 */
	bool has_addr_gen_mode;
	uint8_t addr_gen_mode;
	uint32_t group;                 /* IFLA_GROUP (netdev group), 0 = default */
	/*
	 * IFLA_PROP_LIST/IFLA_ALT_IFNAME: the alternative names short enough
	 * to be an interface name (only those can block a CREATE or RENAME),
	 * the first FO_ALT_NAMES_MAX of them.  The kernel announces a change
	 * of them only for an UP device; a dump always has them.
	 */
	size_t n_alt_names;
	char alt_names[FO_ALT_NAMES_MAX][IFNAMSIZ];
};

struct fo_device_info { /* from udev + sysfs */
	int ifindex;
	bool initialized;               /* udev_device_get_is_initialized() */
	char name[IFNAMSIZ];
	char driver[FO_DRIVER_LEN];     /* device/driver basename: virtio_net, e1000e ... */
	char pci_addr[FO_PCI_ADDR_LEN]; /* PCI function (for virtio: the virtio-pci parent), "" = not PCI */
	bool is_virtio;
	bool standby_feature;           /* device/features bit 62 */
	char phys_port_name[IFNAMSIZ];
	struct pcicap_result group;     /* group ID or why it is unknown */
};

enum fo_obs_type {
	FO_OBS_LINK,        /* rtnetlink: link appeared or changed (upsert) */
	FO_OBS_LINK_GONE,   /* rtnetlink: RTM_DELLINK */
	FO_OBS_DEVICE,      /* udev: net device added/changed/moved (upsert) */
	FO_OBS_DEVICE_GONE, /* udev: net device removed */
	FO_OBS_SYNC_BEGIN,  /* a full dump/enumeration starts: everything is "unconfirmed".
			     * Feed what the monitor socket already holds BEFORE starting
			     * a dump: an event older than a dump, fed after it, undoes
			     * the dump's truth until the next change of that link */
	FO_OBS_SYNC_END,    /* ... ends: unconfirmed entries are gone; startup done on first */
	FO_OBS_RESULT,      /* outcome of an earlier action */
	FO_OBS_TICK,        /* the deadline the engine asked for has passed */
	FO_OBS_RESCAN,      /* operator "rescan": forget refusals, back-off and fight holds.
			     * The daemon MUST follow it with a full netlink dump and udev
			     * enumeration (SYNC_BEGIN..SYNC_END each): the engine sends no
			     * request until both have ended (at most 10 s) */
	FO_OBS_STANDBY_WAS_UP, /* from the state file an earlier failoverd process of this boot
				* wrote: it took this standby down while it was up, and its
				* aggregate has not been brought up since (owed_up).  Feed these
				* before the first dump; the engine trusts one only while that
				* ifindex is still a standby of that key */
	FO_OBS_MAX,
	FO_OBS_INVALID = -1,
};

/*
 * A standby failoverd set down while it was administratively up, whose
 * aggregate it has not brought up yet: "up" is owed to the aggregate.
 * Only the running process knows it, so the daemon persists the list
 * (pairing_owed_up()) and a restarted one feeds it back.
 */
struct fo_owed_up {
	int ifindex;              /* the standby (ifindexes are not reused within a boot) */
	struct fo_key key;        /* its pair's key */
};
#define FO_OWED_UP_MAX 64

struct fo_obs {
	enum fo_obs_type type;
	union {
		struct fo_link_info link;     /* FO_OBS_LINK */
		struct fo_device_info device; /* FO_OBS_DEVICE */
		int ifindex;                  /* FO_OBS_LINK_GONE, FO_OBS_DEVICE_GONE */
		struct {
			uint64_t action_id;
			int error;            /* 0 or -errno */
			int new_ifindex;      /* FO_ACT_CREATE: ifindex of the new aggregate */
		} result;                     /* FO_OBS_RESULT */
		bool sync_udev;               /* SYNC_*: true = udev enumeration, false = netlink dump */
		struct fo_owed_up owed_up;    /* FO_OBS_STANDBY_WAS_UP */
	};
};

/* How adapters hand observations to whoever feeds the engine. */
typedef void (*fo_obs_cb)(const struct fo_obs *obs, void *userdata);

enum fo_action_type {
	FO_ACT_CREATE,        /* create aggregate: name, mac, alias, backend (+cfg.bond) */
	FO_ACT_DELETE,        /* delete an aggregate failoverd made (only when asked) */
	FO_ACT_SET_DOWN,      /* ifindex */
	FO_ACT_SET_UP,        /* ifindex */
	FO_ACT_RENAME,        /* ifindex -> name */
	FO_ACT_SET_MAC,       /* ifindex -> mac */
	FO_ACT_SET_MTU,       /* ifindex -> mtu */
	FO_ACT_ENSLAVE,       /* ifindex -> master */
	FO_ACT_RELEASE,       /* ifindex (nomaster) */
	FO_ACT_SET_PRIMARY,   /* bond master: primary = ifindex (0 clears) */
	FO_ACT_SET_ACTIVE,    /* team master: activeport = ifindex */
	FO_ACT_EVENT,         /* for logs and metrics only; no request */
	FO_ACT_SET_ADDR_GEN_MODE, /* ifindex -> addr_gen_mode (IPv6 link-local generation) */
	FO_ACT_DEL_ALTNAME,   /* ifindex: remove the alternative name `name` (our standby only) */
	FO_ACT_MAX,
	FO_ACT_INVALID = -1,
};

enum fo_event_type {
	FO_EV_PAIR_FOUND,       /* standby + key known */
	FO_EV_PAIRED,           /* a primary has been enslaved with primary set */
	FO_EV_PRIMARY_LOST,     /* the primary went away (unplug) */
	FO_EV_FAILOVER,         /* the active member changed */
	FO_EV_STAND_DOWN,       /* a NIC is owned by someone else: text says who */
	FO_EV_CONFLICT,         /* two candidates for one role of one key */
	FO_EV_CONFLICT_CLEARED,
	FO_EV_REFUSED,          /* a precondition failed: text says which */
	FO_EV_ACTION_FAILED,    /* a request failed: error + transient/permanent */
	FO_EV_ROLLBACK,         /* a transaction was undone */
	FO_EV_FIGHTING,         /* another actor keeps undoing our changes */
	FO_EV_ADOPTED,          /* an existing aggregate of ours was adopted */
	FO_EV_RESYNC,
	FO_EV_STANDBY_LOST,     /* the standby of an aggregate went away */
	FO_EV_AGGREGATE_LOST,   /* our aggregate was deleted by someone else */
	FO_EV_MAX,
	FO_EV_INVALID = -1,
};

struct fo_action {
	enum fo_action_type type;
	uint64_t id;                    /* unique, echoed back in FO_OBS_RESULT */
	int ifindex;                    /* the device acted on (0 for CREATE) */
	int master_ifindex;             /* ENSLAVE */
	int arg_ifindex;                /* SET_PRIMARY / SET_ACTIVE */
	enum fo_backend backend;        /* CREATE, SET_ACTIVE */
	char name[IFNAMSIZ];            /* CREATE, RENAME, DEL_ALTNAME */
	uint8_t mac[FO_MAC_LEN];        /* CREATE, SET_MAC */
	unsigned mtu;                   /* CREATE (0 = default), SET_MTU */
	char alias[FO_ALIAS_LEN];       /* CREATE: the ownership marker */
	uint8_t addr_gen_mode;          /* SET_ADDR_GEN_MODE: FO_ADDR_GEN_MODE_* */
	/*
	 * SET_ACTIVE (team): announce the guest on the new port.  The team
	 * driver notifies peers (gratuitous ARP, unsolicited NA) only when a
	 * port is enabled, never when activeport changes, so the adapter
	 * disables the new port, sets activeport, and enables it again.
	 */
	bool announce;
	/* FO_ACT_EVENT */
	enum fo_event_type event;
	struct fo_key key;              /* the pair it is about; source FO_KEY_NONE: none */
	int error;                      /* FO_EV_ACTION_FAILED: -errno */
	bool transient;
	char text[FO_TEXT_LEN];         /* human words, starts with the ifname */
};

struct pairing;

/* A bounded output buffer for one feed. */
#define FO_ACTIONS_MAX 64
struct fo_actions {
	size_t n;
	struct fo_action a[FO_ACTIONS_MAX];
	uint64_t next_deadline_usec;    /* FO_TIME_NEVER when nothing is pending */
};

/* NULL on OOM or on a configuration pairing_config_check() rejects (errno EINVAL). */
struct pairing *pairing_new(const struct fo_config *cfg);
struct pairing *pairing_free(struct pairing *p);

/* Replace the configuration (SIGHUP).  Existing pairs are kept. */
int pairing_set_config(struct pairing *p, const struct fo_config *cfg);

/*
 * Feed one observation at time now_usec (CLOCK_MONOTONIC).  Appends the
 * resulting actions to ret (which the caller clears) and sets
 * ret->next_deadline_usec.  Returns 0 or -errno (-EINVAL for a malformed
 * observation, -ENOMEM).
 */
int pairing_feed(struct pairing *p, const struct fo_obs *obs, uint64_t now_usec,
		 struct fo_actions *ret);

/* ---- read-only model for status, metrics and tests ---- */

enum fo_pair_state {
	FO_PAIR_INCOMPLETE,   /* key known, standby or primary missing */
	FO_PAIR_SETTLING,     /* new primary waiting for the settle time */
	FO_PAIR_BUILDING,     /* a transaction is running */
	FO_PAIR_ACTIVE,       /* aggregate with standby (and primary if present) right */
	FO_PAIR_BACKOFF,      /* waiting after a failure */
	FO_PAIR_CONFLICT,
	FO_PAIR_STOOD_DOWN,   /* kernel or another agent owns it */
	FO_PAIR_REFUSED,      /* a precondition failed; waiting for a change */
	FO_PAIR_FIGHTING,
	FO_PAIR_STATE_MAX,
	FO_PAIR_STATE_INVALID = -1,
};

struct fo_nic_view {
	int ifindex;
	char name[IFNAMSIZ];
	enum fo_role role;
	struct fo_key key;
	char reason[FO_TEXT_LEN];  /* why not paired / stood down / key unknown; "" if fine */
	int master_ifindex;
	bool carrier;
	bool initialized;
	/*
	 * What the daemon's own read of config space found (PCICAP_UNKNOWN
	 * before udev's data arrived).  Shown by status so that a sandbox
	 * which cuts config reads to 64 bytes is visible ("no-privilege")
	 * even when the NIC pairs by MAC.
	 */
	enum pcicap_status group_status;
	char group_reason[PCICAP_REASON_LEN];
};

struct fo_pair_view {
	struct fo_key key;
	enum fo_pair_state state;
	int aggregate_ifindex;
	char aggregate_name[IFNAMSIZ];
	int standby_ifindex;
	int primary_ifindex;       /* 0 = none */
	int active_ifindex;        /* 0 = none known */
	char reason[FO_TEXT_LEN];
	/* metrics */
	uint64_t failovers;
	uint64_t standby_since_usec;      /* FO_TIME_NEVER when on the primary */
	uint64_t standby_total_usec;
	uint64_t last_reenslave_usec;     /* unplug -> re-enslave latency, 0 = none yet */
	uint64_t last_ready_to_enslaved_usec; /* udev-initialized VF -> enslaved+primary */
	uint64_t errors_transient;        /* failed requests, retried after back-off */
	uint64_t errors_permanent;        /* failed requests, reported and not retried */
	int last_error;                   /* -errno of the last failure, 0 = none */
	bool rolling_back;                /* a failed transaction is being undone */
	bool in_transaction;              /* steps done but not complete: devices may be mid-change */
	int transaction_phase;            /* 1 = aggregate + standby, 2 = primary, 0 = none */
};

size_t pairing_n_nics(const struct pairing *p);
int pairing_nic(const struct pairing *p, size_t i, struct fo_nic_view *ret);
size_t pairing_n_pairs(const struct pairing *p);
int pairing_pair(const struct pairing *p, size_t i, uint64_t now_usec, struct fo_pair_view *ret);

/*
 * What a restarted daemon must be told (FO_OBS_STANDBY_WAS_UP): the pairs
 * that owe their aggregate "up", then the hints fed in that no pair has
 * taken yet.  Fills at most max entries and returns how many there are
 * (like snprintf: more than max means the rest did not fit).
 */
size_t pairing_owed_up(const struct pairing *p, struct fo_owed_up *ret, size_t max);

/* Names for status and logs; never NULL. */
const char *pairing_role_name(enum fo_role r);
const char *pairing_key_source_name(enum fo_key_source s);
const char *pairing_pair_state_name(enum fo_pair_state s);
const char *pairing_action_name(enum fo_action_type t);
const char *pairing_event_name(enum fo_event_type e);
/* Same source and the same group ID or MAC. */
bool pairing_key_eq(const struct fo_key *a, const struct fo_key *b);
/* "group:0x0123456789abcdef" or "mac:52:54:00:12:34:56" into buf. */
const char *pairing_key_format(const struct fo_key *k, char *buf, size_t len);
/* The inverse of pairing_key_format() (the text after FO_ALIAS_PREFIX); 0 or -EINVAL. */
int pairing_key_parse(const char *s, struct fo_key *ret);
/* "EBUSY", "EPERM" ... for -errno or errno values; never NULL. */
const char *pairing_errno_name(int error);

/*
 * True while a request is outstanding or a transaction is between two of
 * its steps (waiting to confirm one, or with steps done and more to go).
 */
bool pairing_busy(const struct pairing *p);
/*
 * True while a standby failoverd is going to take is known but udev has not
 * finished with it, so its pair's plan has not started.  The daemon's
 * READY=1 waits for this too: the network managers are ordered after it
 * and would otherwise configure the standby under the name its aggregate
 * is about to take.
 */
bool pairing_standby_pending(const struct pairing *p);
/* Events dropped because an output buffer was full (requests never are). */
uint64_t pairing_events_dropped(const struct pairing *p);
