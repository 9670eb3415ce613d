/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rtnetlink adapter (libmnl): link dump, link/address monitor and the
 * executor of the engine's requests.
 *
 * Two NETLINK_ROUTE sockets: a monitor socket subscribed to RTNLGRP_LINK,
 * RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR (its fd is the one the
 * daemon polls), and a request socket for dumps and ACKed requests, so
 * waiting for an ACK can never swallow a multicast event.  Datagrams not
 * sent by the kernel (sender nl_pid != 0) are dropped on both.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pairing.h"

struct nl_link;

/* Open both sockets.  Environment: FAILOVERD_TEST_RCVBUF=BYTES makes the
 * monitor's receive buffer tiny (tests provoke ENOBUFS with it);
 * FAILOVERD_NL_DEBUG=1 hexdumps every message at info level (log_level =
 * debug alone does not: it would flood the journal). */
int nl_link_new(struct nl_link **ret);
struct nl_link *nl_link_free(struct nl_link *l);
/* The monitor socket's fd (non-blocking; poll it for EPOLLIN). */
int nl_link_get_fd(struct nl_link *l);

/*
 * Callbacks (fo_obs_cb) may call nl_link_execute() but must not call
 * nl_link_dump() or nl_link_dispatch() again from inside.
 */

/*
 * Full dump of links and addresses: FO_OBS_SYNC_BEGIN{sync_udev=false},
 * one FO_OBS_LINK per link, FO_OBS_SYNC_END.  An interrupted dump
 * (NLM_F_DUMP_INTR) is retried whole, a bounded number of times; nothing
 * is emitted unless one complete, consistent view was read.
 */
int nl_link_dump(struct nl_link *l, fo_obs_cb cb, void *userdata);

/*
 * Drain the monitor socket: FO_OBS_LINK / FO_OBS_LINK_GONE per event.
 * After ENOBUFS (events were lost) it runs nl_link_dump() by itself.  If
 * that dump fails (-EAGAIN: interrupted too often) the resync stays
 * pending (nl_link_resync_pending()): every later dispatch retries it, and
 * the caller should call nl_link_dump() again after a short delay.
 */
int nl_link_dispatch(struct nl_link *l, fo_obs_cb cb, void *userdata);
bool nl_link_resync_pending(const struct nl_link *l);

/*
 * Perform one action as one ACKed request (two for a team create: the
 * link, then its mode).  Returns 0 or -errno (-ETIMEDOUT when no ACK came);
 * the kernel's extended-ACK text is logged with the interface name first.
 * For FO_ACT_CREATE *ret_new_ifindex is the new aggregate's ifindex
 * (ret_new_ifindex may be NULL otherwise).  cfg: the bond parameters for
 * FO_ACT_CREATE.
 */
int nl_link_execute(struct nl_link *l, const struct fo_action *a, const struct fo_config *cfg,
		    int *ret_new_ifindex);

/* The ifindex of the link called name, asked from the kernel (a read): 0 or -ENODEV/-errno. */
int nl_link_lookup(struct nl_link *l, const char *name, int *ret_ifindex);

/* Every write request ever sent (the "zero writes" proof). Dumps and reads are not counted here. */
uint64_t nl_link_requests_total(const struct nl_link *l);
/* Read-only requests: dumps, lookups, team option reads. */
uint64_t nl_link_reads_total(const struct nl_link *l);
/* Datagrams dropped because the sender was not the kernel. */
uint64_t nl_link_forged_total(const struct nl_link *l);
/* Full resyncs caused by lost events (ENOBUFS/truncation on the monitor). */
uint64_t nl_link_resyncs_total(const struct nl_link *l);
/* Extended-ACK text of the last failed request ("" if none), for status. */
const char *nl_link_last_error_text(const struct nl_link *l);
/* Port ids of the monitor and request sockets (tests address forged messages to them). */
uint32_t nl_link_monitor_portid(const struct nl_link *l);
uint32_t nl_link_request_portid(const struct nl_link *l);
/* Bound on the wait for each ACK (default 5000 ms). */
void nl_link_set_ack_timeout(struct nl_link *l, unsigned msec);

/*
 * For the backends (netlink_team.c): send one generic-netlink request
 * (nlmsg_seq is filled in) on a socket opened on first use, wait for its
 * ACK or NLMSG_DONE, hand every data message to fn.  write says whether it
 * counts as a write (nl_link_requests_total) or a read.  Returns 0/-errno.
 */
int nl_link_genl_transact(struct nl_link *l, void *req, size_t len, bool write, const char *ifname,
			  const char *what, int (*fn)(const void *msg, size_t len, void *userdata),
			  void *userdata);

/*
 * A generic-netlink write whose answer ok_error (a -errno) also means the
 * change was made (see team_set_option()).
 */
int nl_link_genl_set(struct nl_link *l, void *req, size_t len, const char *ifname,
		     const char *what, int ok_error);
