/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated kernel + udev for driving the pairing engine in tests.
 *
 * The fake keeps a small world of netdevs (virtio standbys, VFs, bonds,
 * teams), applies the engine's requests to it with the kernel's rules
 * (enslave needs the slave down, bonding keeps "primary" as a name, a
 * released slave is closed, team has no active port until one is set...)
 * and queues the observations a real kernel and udev would send: one
 * rtnetlink queue and one udev queue, each in order, the two unordered
 * with respect to each other.  Observations are snapshots taken when the
 * change happened, so delivering them late gives the stale events of the
 * real world.
 *
 * It also checks the engine's invariants (reliability-anchors §M) on
 * every request and at quiescence, and records violations as text.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pairing.h"
#include "state_file.h"

#define FK_DEVS_MAX 64
#define FK_QUEUE_MAX 1024
#define FK_LOG_LINES 256
#define FK_IFINDEX_MAX 4096
#define FK_VIOLATION_LEN 512

struct fk_dev {
	bool exists;
	int ifindex;
	char name[IFNAMSIZ];
	bool up, carrier;
	uint8_t mac[FO_MAC_LEN];
	bool has_perm_mac;
	uint8_t perm_mac[FO_MAC_LEN];
	uint8_t mac_before_enslave[FO_MAC_LEN];
	int master;
	char kind[FO_KIND_LEN];      /* "bond", "team" or "" */
	/* alternative names: they share the namespace of names (a CREATE or RENAME to one fails) */
	char alt_names[FO_ALT_NAMES_MAX][IFNAMSIZ];
	size_t n_alt_names;
	char path_name[IFNAMSIZ];    /* the name udev's path policy gives it (its first name) */
	char alias[FO_ALIAS_LEN];
	unsigned mtu, min_mtu, max_mtu;
	bool xdp, has_addresses;
	char primary_name[IFNAMSIZ]; /* bond: params.primary */
	int active;                  /* bond active slave / team activeport */
	/*
	 * team peer notification: notify_peers_count as the adapter sets it at
	 * creation (from cfg.bond.num_peer_notif); the driver notifies only
	 * from team_port_enable(), so a bare activeport change announces
	 * nothing.  announces counts NETDEV_NOTIFY_PEERS sent, announced_port
	 * is the port the last of them left by.
	 */
	unsigned notify_peers_count;
	unsigned announces;
	int announced_port;
	/*
	 * IPv6 (addrconf): a device with ipv6 reports its addr_gen_mode and
	 * gets a link-local address (ll) when it opens, unless the mode is
	 * NONE or it is a bond's slave (IFF_SLAVE); closing it drops the ll.
	 */
	bool ipv6;
	uint8_t addr_gen_mode;
	bool ll;

	/* udev */
	bool udev_known, initialized;
	char driver[FO_DRIVER_LEN];
	char pci[FO_PCI_ADDR_LEN];
	bool virtio, standby_feature;
	char phys_port_name[IFNAMSIZ];
	uint64_t group_id;           /* 0 = no group-ID capability */

	/* invariant bookkeeping: the device as the engine found it */
	bool found_valid, found_up;
	bool found_has_agm;          /* what the engine was told of its addr_gen_mode */
	uint8_t found_agm;
	char found_name[IFNAMSIZ];
	bool refused_write;          /* the kernel (fault) refused a write for good: no judging */
	/* what the engine was told last (it cannot know better): ownership is judged on this */
	int told_master;
	bool told_master_ours;
	bool told_up;
	char told_name[IFNAMSIZ];
	bool ext_touched;            /* another actor changed it since the engine found it */
	bool told_has_addresses;
	bool told_has_agm;
	uint8_t told_agm;
};

struct fk;
/*
 * Return 0 to let the request run, -errno to fail it without effect, or
 * FK_FAULT_NOACK to run it and lose the answer (the executor's ETIMEDOUT).
 */
#define FK_FAULT_NOACK 1
typedef int (*fk_fault_fn)(struct fk *fk, const struct fo_action *a, uint64_t n, void *userdata);

struct fk {
	struct fo_config cfg;
	bool live_rename;            /* kernel >= 6.2: renaming an UP device works */
	struct fk_dev dev[FK_DEVS_MAX];
	int next_ifindex;
	bool created[FK_IFINDEX_MAX]; /* ifindexes of aggregates the engine created */

	struct pairing *eng;         /* NULL while the daemon is not running */
	uint64_t now;
	uint64_t deadline;

	size_t nl_head, nl_n, ud_head, ud_n;

	struct fo_action reqq[FO_ACTIONS_MAX];
	size_t n_reqq;
	bool outstanding;
	uint64_t outstanding_id;

	fk_fault_fn fault;
	void *fault_userdata;
	/*
	 * udev without 70-failoverd-members.link: the "move" event of a
	 * renamed virtio NIC gives it its path name as an alternative name
	 * (systemd 252's AlternativeNamesPolicy); the kernel announces that
	 * only for an UP device.
	 */
	bool udev_altnames;

	/* counters */
	uint64_t requests;           /* all requests the engine ever emitted */
	uint64_t requests_since_start;
	uint64_t requests_failed;
	uint64_t events[FO_EV_MAX];
	struct fo_key event_key[FO_EV_MAX];     /* the pair key of the last event of each kind */

	size_t log_n;
	bool verbose;

	/* fk_stop() keeps the engine's pairing_owed_up() as the daemon's state file, fk_start() feeds it */
	bool keep_state;
	char state_text[STATE_TEXT_MAX];

	size_t n_violations;
	char violation[FK_VIOLATION_LEN];

	/* big buffers last: fk_init() does not clear them */
	struct fo_obs nlq[FK_QUEUE_MAX], udq[FK_QUEUE_MAX];
	char log[FK_LOG_LINES][FO_TEXT_LEN + 48];
};

void fk_init(struct fk *fk, const struct fo_config *cfg);
void fk_done(struct fk *fk);

/* World changes (queued as observations when the daemon runs). */
int fk_add_standby(struct fk *fk, const char *name, const uint8_t mac[FO_MAC_LEN], uint64_t group_id,
		   bool up);
int fk_add_vf(struct fk *fk, const char *name, const uint8_t mac[FO_MAC_LEN], uint64_t group_id,
	      bool initialized);
int fk_add_dev(struct fk *fk, const struct fk_dev *tmpl);
void fk_udev_init(struct fk *fk, int ifindex, const char *new_name);
void fk_remove(struct fk *fk, int ifindex);
void fk_set_carrier(struct fk *fk, int ifindex, bool carrier);
void fk_set_addresses(struct fk *fk, int ifindex, bool has);
void fk_admin_set_up(struct fk *fk, int ifindex, bool up);
void fk_admin_release(struct fk *fk, int ifindex);
void fk_admin_delete(struct fk *fk, int ifindex);
int fk_admin_foreign_bond(struct fk *fk, const char *name, int slave_ifindex);
void fk_admin_set_alias(struct fk *fk, int ifindex, const char *alias);
void fk_admin_set_addr_gen_mode(struct fk *fk, int ifindex, uint8_t mode);
void fk_touch(struct fk *fk, int ifindex); /* re-announce a device (RTM_NEWLINK + udev change) */

/* The daemon. */
void fk_start(struct fk *fk);   /* new engine, netlink dump, udev enumeration */
void fk_stop(struct fk *fk);
void fk_resync(struct fk *fk, bool udev);
void fk_rescan(struct fk *fk);

/* Delivery.  Each returns false when there was nothing to deliver. */
bool fk_deliver_nl(struct fk *fk);
bool fk_deliver_udev(struct fk *fk);
void fk_tick(struct fk *fk);     /* jump to the engine's deadline and TICK */
void fk_advance(struct fk *fk, uint64_t usec);
/* Deliver everything and follow deadlines up to now + horizon; false if it did not settle. */
bool fk_run(struct fk *fk, uint64_t horizon_usec);
bool fk_quiescent(const struct fk *fk);

/* Inspection. */
struct fk_dev *fk_dev(struct fk *fk, int ifindex);
struct fk_dev *fk_by_name(struct fk *fk, const char *name);
/* The device holding name as its name or as an alternative name. */
struct fk_dev *fk_name_holder(struct fk *fk, const char *name);
bool fk_has_alt_name(const struct fk_dev *d, const char *name);
void fk_admin_add_alt_name(struct fk *fk, int ifindex, const char *name);
/* A canonical text of the world: names, kinds, masters, MACs, up state, primary, active. */
void fk_canon(const struct fk *fk, char *buf, size_t len);
void fk_check_quiescent(struct fk *fk);
void fk_dump_log(const struct fk *fk);
/* Find the pair view for the key of a device; -ENOENT if none. */
int fk_pair_of(struct fk *fk, int ifindex, struct fo_pair_view *ret);

void fk_mac(uint8_t mac[FO_MAC_LEN], unsigned n);
