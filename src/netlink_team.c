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

static int team_set_option(struct nl_link *l, int team_ifindex, const char *ifname,
			   const char *option, enum nlbuild_team_type type, const void *data,
			   size_t data_len)
{
	uint8_t req[NLBUILD_REQ_MAX];
	char what[64];
	uint16_t family;
	size_t len;
	int r;

	r = team_family(ifname, &family);
	if (r < 0)
		return r;
	r = nlbuild_team_set_option(family, 0, team_ifindex, option, type, data, data_len, req,
				    sizeof(req), &len);
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
static int team_post_create(struct nl_link *l, int ifindex, const char *ifname)
{
	static const char mode[] = "activebackup";

	return team_set_option(l, ifindex, ifname, "mode", NLBUILD_TEAM_STRING, mode, sizeof(mode));
}

static int team_set_active(struct nl_link *l, int master_ifindex, int port_ifindex,
			   const char *ifname)
{
	uint32_t port;

	if (port_ifindex < 0)
		return -EINVAL;
	port = (uint32_t) port_ifindex;
	return team_set_option(l, master_ifindex, ifname, "activeport", NLBUILD_TEAM_U32, &port,
			       sizeof(port));
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
