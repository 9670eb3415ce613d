/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <linux/if_team.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <string.h>

#include "log.h"
#include "netlink_team.h"
#include "nl_build.h"
#include "nl_link.h"
#include "util.h"

/*
 * The team family's id is assigned when the team module registers it, and
 * changes if the module is reloaded, so it is resolved for every
 * operation (one small read) instead of cached.  libnl-genl does the
 * resolution; the requests themselves are built by nl_build.c (so their
 * bytes are unit-tested) and sent by nl_link.c (so they get the same ACK,
 * extack, sender and counting rules as every other request).
 */
static int team_family(const char *ifname, uint16_t *ret)
{
	struct nl_sock *sk;
	int id, r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = genl_connect(sk);
	if (r < 0) {
		log_err("%s: cannot connect to generic netlink: %s", ifname, nl_geterror(r));
		nl_socket_free(sk);
		return -EIO;
	}
	id = genl_ctrl_resolve(sk, TEAM_GENL_NAME);
	nl_socket_free(sk);
	if (id == -NLE_OBJ_NOTFOUND)
		return log_warning_errno(-EOPNOTSUPP,
					 "%s: the kernel has no \"team\" generic-netlink family (team module not loaded)",
					 ifname);
	if (id < 0) {
		log_warning("%s: cannot resolve the \"team\" generic-netlink family: %s", ifname,
			    nl_geterror(id));
		return -EIO;
	}
	if (id > UINT16_MAX)
		return -EIO;
	*ret = (uint16_t) id;
	return 0;
}

/* port_ifindex 0: an option of the team itself; > 0: a per-port option of that port. */
static int team_set_option(struct nl_link *l, int team_ifindex, int port_ifindex,
			   const char *ifname, const char *option, enum nlbuild_team_type type,
			   const void *data, size_t data_len)
{
	uint8_t req[NLBUILD_REQ_MAX];
	char what[64];
	uint16_t family;
	size_t len;
	int r;

	r = team_family(ifname, &family);
	if (r < 0)
		return r;
	if (port_ifindex > 0)
		r = nlbuild_team_set_port_option(family, 0, team_ifindex, port_ifindex, option, type,
						 data, data_len, req, sizeof(req), &len);
	else
		r = nlbuild_team_set_option(family, 0, team_ifindex, option, type, data, data_len,
					    req, sizeof(req), &len);
	if (r < 0)
		return log_err_errno(r, "%s: cannot build the team option request '%s'", ifname,
				     option);
	(void) snprintf(what, sizeof(what), "team option %s", option);
	/*
	 * The team driver applies the option, then multicasts the change to
	 * its "change_event" group and returns that send's result: -ESRCH when
	 * nobody listens (teamd does, we do not).  Seen in the guest tier:
	 * "Mode changed to activebackup" in the kernel log and ESRCH here.
	 */
	return nl_link_genl_set(l, req, len, ifname, what, -ESRCH);
}

/*
 * activebackup must be chosen before any port is added; teamd's default
 * "roundrobin" would transmit on both members.
 */
static int team_post_create(struct nl_link *l, int ifindex, const struct fo_config *cfg,
			    const char *ifname)
{
	static const char mode[] = "activebackup";
	uint32_t count, interval;
	int r;

	r = team_set_option(l, ifindex, 0, ifname, "mode", NLBUILD_TEAM_STRING, mode, sizeof(mode));
	if (r < 0 || !cfg || cfg->bond.num_peer_notif == 0)
		return r;
	/*
	 * The team's peer notification is off by default (count 0).  The
	 * bond's settings say how the guest is announced after a switch;
	 * "kernel default" (-1) means the bond's default, one of each.
	 */
	count = cfg->bond.num_peer_notif < 0 ? 1 : (uint32_t) cfg->bond.num_peer_notif;
	r = team_set_option(l, ifindex, 0, ifname, "notify_peers_count", NLBUILD_TEAM_U32, &count,
			    sizeof(count));
	if (r < 0 || cfg->bond.peer_notif_delay <= 0)
		return r;
	interval = (uint32_t) cfg->bond.peer_notif_delay;
	return team_set_option(l, ifindex, 0, ifname, "notify_peers_interval", NLBUILD_TEAM_U32,
			       &interval, sizeof(interval));
}

static int team_set_enabled(struct nl_link *l, int master_ifindex, int port_ifindex,
			    const char *ifname, bool on)
{
	uint8_t v = on;

	return team_set_option(l, master_ifindex, port_ifindex, ifname, "enabled",
			       NLBUILD_TEAM_FLAG, &v, sizeof(v));
}

/*
 * The team driver announces the guest (NETDEV_NOTIFY_PEERS: gratuitous
 * ARP, unsolicited NA, notify_peers_count times) only from
 * team_port_enable(), which does nothing for a port already enabled, and
 * never when activeport changes.  So, with announce: disable the new port
 * (it is not the active one yet, so in activebackup mode this changes no
 * traffic: its frames already stay off the team), switch, enable it.  The
 * notification is queued after the switch, so it leaves by the new port.
 * Between the last two requests frames arriving on the new port are not
 * delivered to the team: microseconds, against seconds of a learning
 * bridge sending to the old port.
 */
static int team_set_active(struct nl_link *l, int master_ifindex, int port_ifindex, bool announce,
			   const char *ifname)
{
	uint32_t port;
	int r;

	if (port_ifindex < 0)
		return -EINVAL;
	port = (uint32_t) port_ifindex;
	/* activeport 0 (no port) has nobody to announce */
	announce = announce && port_ifindex > 0;
	if (announce) {
		r = team_set_enabled(l, master_ifindex, port_ifindex, ifname, false);
		if (r < 0)
			return r;
	}
	r = team_set_option(l, master_ifindex, 0, ifname, "activeport", NLBUILD_TEAM_U32, &port,
			    sizeof(port));
	if (announce) {
		/* enable again even when the switch failed: a disabled port would stay deaf */
		int k = team_set_enabled(l, master_ifindex, port_ifindex, ifname, true);

		if (r >= 0)
			r = k;
	}
	return r;
}

struct options_reply {
	struct nlbuild_team_options opts;
	const char *why;
	bool bad;
};

static int options_reply(const void *msg, size_t len, void *userdata)
{
	struct options_reply *o = userdata;

	if (nlbuild_parse_team_options(msg, len, &o->opts, &o->why) < 0)
		o->bad = true;
	return 0;
}

/*
 * Reading activeport back is what lets a restarted daemon adopt a team
 * without writing to it.
 */
static int team_read_active(struct nl_link *l, int master_ifindex, const char *ifname,
			    int *ret_port_ifindex)
{
	uint8_t req[NLBUILD_REQ_MAX];
	struct options_reply o = {};
	uint16_t family;
	size_t len;
	int r;

	r = team_family(ifname, &family);
	if (r < 0)
		return r;
	r = nlbuild_team_get_options(family, 0, master_ifindex, req, sizeof(req), &len);
	if (r < 0)
		return r;
	r = nl_link_genl_transact(l, req, len, false, ifname, "team options read", options_reply, &o);
	if (r < 0)
		return r;
	if (o.bad)
		return log_warning_errno(-EBADMSG, "%s: malformed team options reply: %s", ifname,
					 o.why);
	if (!o.opts.has_activeport) {
		/* Not in activebackup mode: there is no active port to report. */
		log_debug("%s: team has no activeport option (mode '%s')", ifname, o.opts.mode);
		*ret_port_ifindex = 0;
		return 0;
	}
	if (o.opts.activeport > INT32_MAX)
		return -EBADMSG;
	*ret_port_ifindex = (int) o.opts.activeport;
	return 0;
}

static const struct nlteam_ops bond_ops = {
	/* Everything (mode, primary, active slave) goes through IFLA_INFO_DATA. */
	.name = "bond",
	.backend = FO_BACKEND_BOND,
};

static const struct nlteam_ops team_ops = {
	.name = "team",
	.backend = FO_BACKEND_TEAM,
	.post_create = team_post_create,
	.set_active = team_set_active,
	.read_active = team_read_active,
};

const struct nlteam_ops *nlteam_ops_get(enum fo_backend b)
{
	switch (b) {
	case FO_BACKEND_BOND:
		return &bond_ops;
	case FO_BACKEND_TEAM:
		return &team_ops;
	case FO_BACKEND_MAX:
	case FO_BACKEND_INVALID:
		break;
	}
	return NULL;
}

const struct nlteam_ops *nlteam_ops_by_kind(const char *kind)
{
	if (!kind)
		return NULL;
	if (streq(kind, bond_ops.name))
		return &bond_ops;
	if (streq(kind, team_ops.name))
		return &team_ops;
	return NULL;
}
