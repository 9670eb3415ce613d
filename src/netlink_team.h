/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Aggregate backends: what differs between a bond and a team.
 *
 * Both are created, enslaved to, renamed and deleted with the same
 * rtnetlink requests (nl_build.c); only the kind and a few steps differ.
 * The bond is configured entirely through IFLA_INFO_DATA and fails over in
 * the kernel; the team is configured over the generic-netlink "team"
 * family, and in activebackup mode without teamd nothing picks its active
 * port, so failoverd is its link watcher and sets "activeport" itself.
 * A NULL callback means "nothing extra to do" (the rtnetlink path covers it).
 */
#pragma once

#include "pairing.h"

struct nl_link;

struct nlteam_ops {
	const char *name;          /* config name and IFLA_INFO_KIND: "bond", "team" */
	enum fo_backend backend;
	/* Right after the aggregate's RTM_NEWLINK was ACKed (team: mode activebackup). */
	/* (team: mode activebackup, notify_peers_count/interval from cfg->bond's peer settings) */
	int (*post_create)(struct nl_link *l, int ifindex, const struct fo_config *cfg,
			   const char *ifname);
	/*
	 * FO_ACT_SET_ACTIVE when it is not an rtnetlink request (team:
	 * activeport; with announce, the new port is re-enabled around it so
	 * the team notifies peers).
	 */
	int (*set_active)(struct nl_link *l, int master_ifindex, int port_ifindex, bool announce,
			  const char *ifname);
	/* The active member when the link message does not carry it (team); a read. */
	int (*read_active)(struct nl_link *l, int master_ifindex, const char *ifname,
			   int *ret_port_ifindex);
};

/* NULL for an invalid backend. */
const struct nlteam_ops *nlteam_ops_get(enum fo_backend b);
/* The backend whose aggregate has this IFLA_INFO_KIND, or NULL. */
const struct nlteam_ops *nlteam_ops_by_kind(const char *kind);
