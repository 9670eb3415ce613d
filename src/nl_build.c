/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_team.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_build.h"
#include "util.h"

_Static_assert(FO_ADDR_GEN_MODE_EUI64 == IN6_ADDR_GEN_MODE_EUI64 &&
		       FO_ADDR_GEN_MODE_NONE == IN6_ADDR_GEN_MODE_NONE &&
		       FO_ADDR_GEN_MODE_MAX == IN6_ADDR_GEN_MODE_RANDOM,
	       "pairing.h's address generation modes are the kernel's");

/* IFF_LOWER_UP lives in <linux/if.h>, which clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* ---- a tiny message builder over a caller buffer ---- */

struct msgbuf {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool full;  /* something did not fit: the message is unusable */
};

/* Reserve n bytes (zeroed), padded to the netlink alignment. */
static void *reserve(struct msgbuf *m, size_t n)
{
	size_t aligned = NLMSG_ALIGN(n);
	void *p;

	if (m->full || aligned > m->cap || m->len > m->cap - aligned) {
		m->full = true;
		return NULL;
	}
	p = m->buf + m->len;
	memset(p, 0, aligned);
	m->len += aligned;
	return p;
}

static struct nlmsghdr *put_header(struct msgbuf *m, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *h = reserve(m, sizeof(*h));

	if (!h)
		return NULL;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = 0;
	return h;
}

static void put_attr(struct msgbuf *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;

	if (len > UINT16_MAX - NLA_HDRLEN) {
		m->full = true;
		return;
	}
	a = reserve(m, NLA_HDRLEN + len);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t) (NLA_HDRLEN + len);
	if (len > 0)
		memcpy((uint8_t *) a + NLA_HDRLEN, data, len);
}

static void put_u8(struct msgbuf *m, uint16_t type, uint8_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_u32(struct msgbuf *m, uint16_t type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_str(struct msgbuf *m, uint16_t type, const char *s)
{
	put_attr(m, type, s, strlen(s) + 1);
}

/* Open a nest; returns its offset for nest_end() (or SIZE_MAX when full). */
static size_t nest_start(struct msgbuf *m, uint16_t type)
{
	size_t off = m->len;

	put_attr(m, type, NULL, 0);
	return m->full ? SIZE_MAX : off;
}

static void nest_end(struct msgbuf *m, size_t off)
{
	struct nlattr *a;

	if (m->full || off == SIZE_MAX)
		return;
	if (m->len - off > UINT16_MAX) {
		m->full = true;
		return;
	}
	a = (struct nlattr *) (m->buf + off);
	a->nla_len = (uint16_t) (m->len - off);
}

static int finish(struct msgbuf *m, size_t *ret_len)
{
	struct nlmsghdr *h = (struct nlmsghdr *) m->buf;

	if (m->full)
		return -ENOBUFS;
	h->nlmsg_len = (uint32_t) m->len;
	*ret_len = m->len;
	return 0;
}

/* ---- names ---- */

static const char *const action_names[FO_ACT_MAX] = {
	[FO_ACT_CREATE] = "create",
	[FO_ACT_DELETE] = "delete",
	[FO_ACT_SET_DOWN] = "set_down",
	[FO_ACT_SET_UP] = "set_up",
	[FO_ACT_RENAME] = "rename",
	[FO_ACT_SET_MAC] = "set_mac",
	[FO_ACT_SET_MTU] = "set_mtu",
	[FO_ACT_ENSLAVE] = "enslave",
	[FO_ACT_RELEASE] = "release",
	[FO_ACT_SET_PRIMARY] = "set_primary",
	[FO_ACT_SET_ACTIVE] = "set_active",
	[FO_ACT_EVENT] = "event",
	[FO_ACT_SET_ADDR_GEN_MODE] = "set_addr_gen_mode",
	[FO_ACT_DEL_ALTNAME] = "del_altname",
};

const char *nlbuild_action_name(enum fo_action_type t)
{
	if ((int) t < 0 || t >= FO_ACT_MAX)
		return NULL;
	return action_names[t];
}

int nlbuild_action_from_name(const char *s, enum fo_action_type *ret)
{
	char norm[32];
	size_t i;

	if (!s || strlen(s) >= sizeof(norm))
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (c == '-')
			c = '_';
		else if (c >= 'A' && c <= 'Z')
			c = (char) (c - 'A' + 'a');
		norm[i] = c;
	}
	norm[i] = '\0';
	for (i = 0; i < FO_ACT_MAX; i++)
		if (action_names[i] && streq(action_names[i], norm)) {
			*ret = (enum fo_action_type) i;
			return 0;
		}
	return -EINVAL;
}

const char *nlbuild_backend_kind(enum fo_backend b)
{
	switch (b) {
	case FO_BACKEND_BOND:
		return "bond";
	case FO_BACKEND_TEAM:
		return "team";
	case FO_BACKEND_MAX:
	case FO_BACKEND_INVALID:
		break;
	}
	return NULL;
}

/* ---- rtnetlink requests ---- */

static bool name_valid(const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ);

	/* The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or space. */
	if (n == 0 || n >= IFNAMSIZ || streq(name, ".") || streq(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] == ' ' || name[i] == '\t' ||
		    name[i] == '\n')
			return false;
	return true;
}

static bool mac_is_zero(const uint8_t *mac)
{
	static const uint8_t zero[FO_MAC_LEN];

	return memcmp(mac, zero, FO_MAC_LEN) == 0;
}

static struct ifinfomsg *put_ifinfo(struct msgbuf *m, int ifindex)
{
	struct ifinfomsg *ifi = reserve(m, sizeof(*ifi));

	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = ifindex;
	}
	return ifi;
}

/*
 * The bond's IFLA_INFO_DATA at creation.  The kernel applies these in its
 * own fixed order (bond_changelink()), not message order, but we emit them
 * in enum order anyway, like iproute2.  Mode and fail_over_mac may only
 * change while the bond has no slaves, which is why they are sent here, at
 * creation, and never later.  updelay/downdelay/peer_notif_delay are
 * rounded down by the kernel to multiples of miimon.
 */
static void put_bond_create_data(struct msgbuf *m, const struct fo_bond_params *p)
{
	put_u8(m, IFLA_BOND_MODE, 1 /* BOND_MODE_ACTIVEBACKUP */);
	if (p->miimon >= 0)
		put_u32(m, IFLA_BOND_MIIMON, (uint32_t) p->miimon);
	if (p->updelay >= 0)
		put_u32(m, IFLA_BOND_UPDELAY, (uint32_t) p->updelay);
	if (p->downdelay >= 0)
		put_u32(m, IFLA_BOND_DOWNDELAY, (uint32_t) p->downdelay);
	if (p->primary_reselect >= 0)
		put_u8(m, IFLA_BOND_PRIMARY_RESELECT, (uint8_t) p->primary_reselect);
	if (p->fail_over_mac >= 0)
		put_u8(m, IFLA_BOND_FAIL_OVER_MAC, (uint8_t) p->fail_over_mac);
	if (p->num_peer_notif >= 0)
		put_u8(m, IFLA_BOND_NUM_PEER_NOTIF, (uint8_t) p->num_peer_notif);
	if (p->all_slaves_active >= 0)
		put_u8(m, IFLA_BOND_ALL_SLAVES_ACTIVE, (uint8_t) p->all_slaves_active);
	if (p->peer_notif_delay >= 0)
		put_u32(m, IFLA_BOND_PEER_NOTIF_DELAY, (uint32_t) p->peer_notif_delay);
}

static int check_bond_params(const struct fo_bond_params *p, const char **why)
{
	if (p->miimon < -1 || p->updelay < -1 || p->downdelay < -1 || p->peer_notif_delay < -1) {
		*why = "negative bond interval";
		return -EINVAL;
	}
	if (p->primary_reselect < -1 || p->primary_reselect > 2) {
		*why = "bond primary_reselect out of range (0..2)";
		return -EINVAL;
	}
	if (p->fail_over_mac < -1 || p->fail_over_mac > 2) {
		*why = "bond fail_over_mac out of range (0..2)";
		return -EINVAL;
	}
	if (p->num_peer_notif < -1 || p->num_peer_notif > 255) {
		*why = "bond num_peer_notif out of range (0..255)";
		return -EINVAL;
	}
	if (p->all_slaves_active < -1 || p->all_slaves_active > 1) {
		*why = "bond all_slaves_active out of range (0/1)";
		return -EINVAL;
	}
	if (p->tx_queues == 0 || p->tx_queues < -1 || p->tx_queues > 4096) {
		*why = "bond tx_queues out of range (1..4096)";
		return -EINVAL;
	}
	return 0;
}

int nlbuild_link_request(const struct fo_action *a, const struct fo_config *cfg, uint32_t seq,
			 void *buf, size_t cap, size_t *ret_len, const char **ret_why)
{
	struct msgbuf m = { .buf = buf, .cap = cap };
	const char *why = NULL, *kind;
	uint16_t type = RTM_NEWLINK, flags = NLM_F_REQUEST | NLM_F_ACK;
	struct ifinfomsg *ifi;
	size_t linkinfo, data, afspec, inet6;
	int r;

	if (!a) {
		why = "no action";
		goto invalid;
	}
	if ((int) a->type < 0 || a->type >= FO_ACT_MAX) {
		why = "unknown action type";
		goto invalid;
	}
	if (a->type != FO_ACT_CREATE && a->ifindex <= 0) {
		why = "action without a valid ifindex";
		goto invalid;
	}

	switch (a->type) {
	case FO_ACT_CREATE:
		flags |= NLM_F_CREATE | NLM_F_EXCL;
		break;
	case FO_ACT_DELETE:
		type = RTM_DELLINK;
		break;
	case FO_ACT_DEL_ALTNAME:
		type = RTM_DELLINKPROP;
		break;
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
	case FO_ACT_RENAME:
	case FO_ACT_SET_MAC:
	case FO_ACT_SET_MTU:
	case FO_ACT_ENSLAVE:
	case FO_ACT_RELEASE:
	case FO_ACT_SET_PRIMARY:
	case FO_ACT_SET_ADDR_GEN_MODE:
		break;
	case FO_ACT_SET_ACTIVE:
		if (a->backend != FO_BACKEND_BOND) {
			*ret_why = "team activeport is a generic-netlink request";
			return -EOPNOTSUPP;
		}
		break;
	case FO_ACT_EVENT:
		why = "an event is not a request";
		goto invalid;
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		why = "unknown action type";
		goto invalid;
	}

	if (!put_header(&m, type, flags, seq))
		return -ENOBUFS;
	ifi = put_ifinfo(&m, a->type == FO_ACT_CREATE ? 0 : a->ifindex);
	if (!ifi)
		return -ENOBUFS;

	switch (a->type) {
	case FO_ACT_CREATE:
		kind = nlbuild_backend_kind(a->backend);
		if (!kind) {
			why = "unknown backend";
			goto invalid;
		}
		if (!name_valid(a->name)) {
			why = "invalid interface name";
			goto invalid;
		}
		if (a->backend == FO_BACKEND_BOND) {
			if (!cfg) {
				why = "bond creation needs the configuration";
				goto invalid;
			}
			r = check_bond_params(&cfg->bond, &why);
			if (r < 0)
				goto invalid;
		}
		put_str(&m, IFLA_IFNAME, a->name);
		/*
		 * The MAC is part of the creation: a bond created without one
		 * gets a generated MAC from udev (MACAddressPolicy=persistent)
		 * and bonding then rewrites its slaves to it.
		 */
		if (!mac_is_zero(a->mac))
			put_attr(&m, IFLA_ADDRESS, a->mac, FO_MAC_LEN);
		if (a->mtu > 0)
			put_u32(&m, IFLA_MTU, a->mtu);
		/* Queues can only be chosen at creation (bonding's default is 16). */
		if (a->backend == FO_BACKEND_BOND && cfg->bond.tx_queues > 0)
			put_u32(&m, IFLA_NUM_TX_QUEUES, (uint32_t) cfg->bond.tx_queues);
		/*
		 * No IFLA_IFALIAS here: rtnl_create_link() ignores it (checked on
		 * 6.1 and 6.18), so the marker is a second request, see
		 * nlbuild_set_alias().  The group is honoured at creation: it
		 * marks the link as ours until then (NLBUILD_CREATE_GROUP).
		 */
		put_u32(&m, IFLA_GROUP, NLBUILD_CREATE_GROUP);
		linkinfo = nest_start(&m, IFLA_LINKINFO);
		put_str(&m, IFLA_INFO_KIND, kind);
		if (a->backend == FO_BACKEND_BOND) {
			data = nest_start(&m, IFLA_INFO_DATA);
			put_bond_create_data(&m, &cfg->bond);
			nest_end(&m, data);
		}
		nest_end(&m, linkinfo);
		break;
	case FO_ACT_DELETE:
		break;
	case FO_ACT_SET_DOWN:
		ifi->ifi_change = IFF_UP;
		break;
	case FO_ACT_SET_UP:
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		break;
	case FO_ACT_RENAME:
		if (!name_valid(a->name)) {
			why = "invalid interface name";
			goto invalid;
		}
		put_str(&m, IFLA_IFNAME, a->name);
		break;
	case FO_ACT_SET_MAC:
		if (mac_is_zero(a->mac) || (a->mac[0] & 1)) {
			why = "MAC is zero or multicast";
			goto invalid;
		}
		put_attr(&m, IFLA_ADDRESS, a->mac, FO_MAC_LEN);
		break;
	case FO_ACT_SET_MTU:
		if (a->mtu == 0) {
			why = "MTU 0";
			goto invalid;
		}
		put_u32(&m, IFLA_MTU, a->mtu);
		break;
	case FO_ACT_ENSLAVE:
		if (a->master_ifindex <= 0) {
			why = "enslave without a master ifindex";
			goto invalid;
		}
		put_u32(&m, IFLA_MASTER, (uint32_t) a->master_ifindex);
		break;
	case FO_ACT_RELEASE:
		put_u32(&m, IFLA_MASTER, 0);
		break;
	case FO_ACT_DEL_ALTNAME:
		if (!name_valid(a->name)) {
			why = "invalid alternative name";
			goto invalid;
		}
		/* rtnl_linkprop(): every IFLA_ALT_IFNAME inside IFLA_PROP_LIST */
		afspec = nest_start(&m, IFLA_PROP_LIST | NLA_F_NESTED);
		put_str(&m, IFLA_ALT_IFNAME, a->name);
		nest_end(&m, afspec);
		break;
	case FO_ACT_SET_ADDR_GEN_MODE:
		if (a->addr_gen_mode > FO_ADDR_GEN_MODE_MAX) {
			why = "IPv6 address generation mode out of range (0..3)";
			goto invalid;
		}
		/*
		 * Alone in its request: do_setlink() handles IFLA_MASTER before
		 * IFLA_AF_SPEC, and a team opens its new port inside
		 * do_set_master(), which is when addrconf makes the link-local
		 * address, so the mode must be set by an earlier request.  Over
		 * netlink the kernel only stores the mode (unlike the sysctl, it
		 * makes no address), so it is set while the device is down.
		 */
		afspec = nest_start(&m, IFLA_AF_SPEC);
		inet6 = nest_start(&m, AF_INET6);
		put_u8(&m, IFLA_INET6_ADDR_GEN_MODE, a->addr_gen_mode);
		nest_end(&m, inet6);
		nest_end(&m, afspec);
		break;
	case FO_ACT_SET_PRIMARY:
	case FO_ACT_SET_ACTIVE:
		if (a->arg_ifindex < 0) {
			why = "negative member ifindex";
			goto invalid;
		}
		/*
		 * By ifindex: the kernel looks the name up itself (bonding
		 * stores the primary as a name), 0 clears it.  The kind must
		 * match the device's or the kernel refuses the request.
		 */
		linkinfo = nest_start(&m, IFLA_LINKINFO);
		put_str(&m, IFLA_INFO_KIND, "bond");
		data = nest_start(&m, IFLA_INFO_DATA);
		put_u32(&m, a->type == FO_ACT_SET_PRIMARY ? IFLA_BOND_PRIMARY : IFLA_BOND_ACTIVE_SLAVE,
			(uint32_t) a->arg_ifindex);
		nest_end(&m, data);
		nest_end(&m, linkinfo);
		break;
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		why = "unknown action type";
		goto invalid;
	}
	return finish(&m, ret_len);

invalid:
	*ret_why = why;
	return -EINVAL;
}

static int build_dump(uint16_t type, size_t hdr_size, uint32_t seq, void *buf, size_t cap,
		      size_t *ret_len)
{
	struct msgbuf m = { .buf = buf, .cap = cap };

	if (!put_header(&m, type, NLM_F_REQUEST | NLM_F_DUMP, seq))
		return -ENOBUFS;
	/* All-zero family header: strict checking rejects stray filter values. */
	(void) reserve(&m, hdr_size);
	return finish(&m, ret_len);
}

int nlbuild_link_dump(uint32_t seq, void *buf, size_t cap, size_t *ret_len)
{
	return build_dump(RTM_GETLINK, sizeof(struct ifinfomsg), seq, buf, cap, ret_len);
}

int nlbuild_addr_dump(uint32_t seq, void *buf, size_t cap, size_t *ret_len)
{
	return build_dump(RTM_GETADDR, sizeof(struct ifaddrmsg), seq, buf, cap, ret_len);
}

int nlbuild_link_get_by_name(uint32_t seq, const char *name, void *buf, size_t cap,
			     size_t *ret_len)
{
	struct msgbuf m = { .buf = buf, .cap = cap };

	if (!name || !name_valid(name))
		return -EINVAL;
	if (!put_header(&m, RTM_GETLINK, NLM_F_REQUEST, seq) || !put_ifinfo(&m, 0))
		return -ENOBUFS;
	put_str(&m, IFLA_IFNAME, name);
	return finish(&m, ret_len);
}

int nlbuild_link_get(uint32_t seq, int ifindex, void *buf, size_t cap, size_t *ret_len)
{
	struct msgbuf m = { .buf = buf, .cap = cap };

	if (ifindex <= 0)
		return -EINVAL;
	if (!put_header(&m, RTM_GETLINK, NLM_F_REQUEST, seq) || !put_ifinfo(&m, ifindex))
		return -ENOBUFS;
	return finish(&m, ret_len);
}

int nlbuild_set_alias(uint32_t seq, int ifindex, const char *alias, void *buf, size_t cap,
		      size_t *ret_len)
{
	struct msgbuf m = { .buf = buf, .cap = cap };

	if (ifindex <= 0 || !alias)
		return -EINVAL;
	if (!put_header(&m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq) || !put_ifinfo(&m, ifindex))
		return -ENOBUFS;
	put_attr(&m, IFLA_IFALIAS, alias, strnlen(alias, FO_ALIAS_LEN - 1));
	put_u32(&m, IFLA_GROUP, 0);
	return finish(&m, ret_len);
}

/* ---- generic netlink: team ---- */

static int put_genl(struct msgbuf *m, uint16_t family, uint16_t flags, uint32_t seq, uint8_t cmd,
		    uint8_t version)
{
	struct genlmsghdr *g;

	if (!put_header(m, family, flags, seq))
		return -ENOBUFS;
	g = reserve(m, sizeof(*g));
	if (!g)
		return -ENOBUFS;
	g->cmd = cmd;
	g->version = version;
	return 0;
}

static int team_set_option(uint16_t family, uint32_t seq, int team_ifindex, int port_ifindex,
			   const char *option, enum nlbuild_team_type type, const void *data,
			   size_t data_len, void *buf, size_t cap, size_t *ret_len)
{
	struct msgbuf m = { .buf = buf, .cap = cap };
	size_t list, item;
	bool put_data = true;

	if (family < NLMSG_MIN_TYPE || team_ifindex <= 0 || port_ifindex < 0 || !option ||
	    !option[0] || strlen(option) >= TEAM_STRING_MAX_LEN)
		return -EINVAL;
	/* The type is a kernel NLA_* number, so any value can arrive: no switch. */
	if (type == NLBUILD_TEAM_U8) {
		if (data_len != 1)
			return -EINVAL;
	} else if (type == NLBUILD_TEAM_U32 || type == NLBUILD_TEAM_S32) {
		if (data_len != 4)
			return -EINVAL;
	} else if (type == NLBUILD_TEAM_STRING) {
		/* The kernel takes at most TEAM_STRING_MAX_LEN bytes including the NUL. */
		if (!data || data_len == 0 || data_len > TEAM_STRING_MAX_LEN ||
		    ((const char *) data)[data_len - 1] != '\0')
			return -EINVAL;
	} else if (type == NLBUILD_TEAM_FLAG) {
		/*
		 * A bool option is true when DATA is present and false when it
		 * is absent (kernel team_nl_cmd_options_set()): one byte 0/1 in.
		 */
		if (data_len != 1 || !data || *(const uint8_t *) data > 1)
			return -EINVAL;
		put_data = *(const uint8_t *) data == 1;
		data_len = 0;
	} else if (type != NLBUILD_TEAM_BINARY) {
		return -EINVAL;
	}
	if (data_len > 0 && !data)
		return -EINVAL;

	if (put_genl(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq, TEAM_CMD_OPTIONS_SET,
		     TEAM_GENL_VERSION) < 0)
		return -ENOBUFS;
	put_u32(&m, TEAM_ATTR_TEAM_IFINDEX, (uint32_t) team_ifindex);
	/*
	 * The team family validates leniently today (GENL_DONT_VALIDATE_STRICT),
	 * but marking nests as such costs nothing and survives a stricter kernel.
	 */
	list = nest_start(&m, TEAM_ATTR_LIST_OPTION | NLA_F_NESTED);
	item = nest_start(&m, TEAM_ATTR_ITEM_OPTION | NLA_F_NESTED);
	put_str(&m, TEAM_ATTR_OPTION_NAME, option);
	put_u8(&m, TEAM_ATTR_OPTION_TYPE, (uint8_t) type);
	if (put_data)
		put_attr(&m, TEAM_ATTR_OPTION_DATA, data, data_len);
	/* A per-port option ("enabled") names its port; without it the kernel picks the team's. */
	if (port_ifindex > 0)
		put_u32(&m, TEAM_ATTR_OPTION_PORT_IFINDEX, (uint32_t) port_ifindex);
	nest_end(&m, item);
	nest_end(&m, list);
	return finish(&m, ret_len);
}

int nlbuild_team_set_option(uint16_t family, uint32_t seq, int team_ifindex, const char *option,
			    enum nlbuild_team_type type, const void *data, size_t data_len,
			    void *buf, size_t cap, size_t *ret_len)
{
	return team_set_option(family, seq, team_ifindex, 0, option, type, data, data_len, buf, cap,
			       ret_len);
}

int nlbuild_team_set_port_option(uint16_t family, uint32_t seq, int team_ifindex, int port_ifindex,
				 const char *option, enum nlbuild_team_type type, const void *data,
				 size_t data_len, void *buf, size_t cap, size_t *ret_len)
{
	if (port_ifindex <= 0)
		return -EINVAL;
	return team_set_option(family, seq, team_ifindex, port_ifindex, option, type, data,
			       data_len, buf, cap, ret_len);
}

int nlbuild_team_get_options(uint16_t family, uint32_t seq, int team_ifindex, void *buf, size_t cap,
			     size_t *ret_len)
{
	struct msgbuf m = { .buf = buf, .cap = cap };

	if (family < NLMSG_MIN_TYPE || team_ifindex <= 0)
		return -EINVAL;
	if (put_genl(&m, family, NLM_F_REQUEST, seq, TEAM_CMD_OPTIONS_GET, TEAM_GENL_VERSION) < 0)
		return -ENOBUFS;
	put_u32(&m, TEAM_ATTR_TEAM_IFINDEX, (uint32_t) team_ifindex);
	return finish(&m, ret_len);
}

/* ---- parsing ---- */

struct attr_iter {
	const uint8_t *p;
	size_t left;
};

static void iter_init(struct attr_iter *it, const void *p, size_t len)
{
	it->p = p;
	it->left = len;
}

/* Returns 1 with the next attribute, 0 at the end, -EBADMSG if truncated. */
static int iter_next(struct attr_iter *it, uint16_t *ret_type, const uint8_t **ret_data,
		     size_t *ret_len)
{
	struct nlattr a;
	size_t step;

	/* Trailing padding shorter than a header is tolerated, like the kernel does. */
	if (it->left < NLA_HDRLEN)
		return 0;
	memcpy(&a, it->p, sizeof(a));
	if (a.nla_len < NLA_HDRLEN || a.nla_len > it->left)
		return -EBADMSG;
	*ret_type = a.nla_type & NLA_TYPE_MASK;
	*ret_data = it->p + NLA_HDRLEN;
	*ret_len = a.nla_len - NLA_HDRLEN;
	step = NLA_ALIGN(a.nla_len);
	if (step > it->left)
		step = it->left;
	it->p += step;
	it->left -= step;
	return 1;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Copy a netlink string attribute: it must hold a NUL within its payload. */
static int get_str(const uint8_t *data, size_t len, char *dst, size_t dst_len, bool truncate_ok)
{
	size_t n = strnlen((const char *) data, len);

	if (n == len)
		return -EBADMSG;
	if (n >= dst_len) {
		if (!truncate_ok)
			return -EBADMSG;
		n = dst_len - 1;
	}
	memcpy(dst, data, n);
	dst[n] = '\0';
	return 0;
}

int nlbuild_next_msg(const void *buf, size_t len, size_t *off, const void **ret_msg,
		     size_t *ret_msg_len, const char **ret_why)
{
	struct nlmsghdr h;
	size_t left, step;

	if (*off >= len)
		return 0;
	left = len - *off;
	if (left < sizeof(h)) {
		*ret_why = "truncated netlink header";
		return -EBADMSG;
	}
	memcpy(&h, (const uint8_t *) buf + *off, sizeof(h));
	if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > left) {
		*ret_why = "netlink message length out of bounds";
		return -EBADMSG;
	}
	*ret_msg = (const uint8_t *) buf + *off;
	*ret_msg_len = h.nlmsg_len;
	step = NLMSG_ALIGN(h.nlmsg_len);
	*off += step > left ? left : step;
	return 1;
}

static int bad(const char **ret_why, const char *why)
{
	*ret_why = why;
	return -EBADMSG;
}

/*
 * The header every parser starts with: complete, and a length within what
 * was received.  On success *msg_len is the message's own length.
 */
static int msg_header(const void *msg, size_t *msg_len, struct nlmsghdr *ret,
		      const char **ret_why)
{
	if (*msg_len < NLMSG_HDRLEN)
		return bad(ret_why, "truncated netlink header");
	memcpy(ret, msg, sizeof(*ret));
	if (ret->nlmsg_len > *msg_len || ret->nlmsg_len < NLMSG_HDRLEN)
		return bad(ret_why, "netlink message length out of bounds");
	*msg_len = ret->nlmsg_len;
	return 0;
}

static int parse_bond_data(const uint8_t *p, size_t len, struct fo_link_info *l,
			   const char **ret_why)
{
	struct attr_iter it;
	const uint8_t *d;
	uint16_t type;
	size_t n;
	int r;

	iter_init(&it, p, len);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		switch (type) {
		case IFLA_BOND_ACTIVE_SLAVE:
			if (n != 4)
				return bad(ret_why, "IFLA_BOND_ACTIVE_SLAVE length");
			l->active_ifindex = (int) get_u32(d);
			break;
		case IFLA_BOND_PRIMARY:
			if (n != 4)
				return bad(ret_why, "IFLA_BOND_PRIMARY length");
			l->bond_primary_ifindex = (int) get_u32(d);
			break;
		default:
			break;
		}
	}
	return r < 0 ? bad(ret_why, "truncated attribute in IFLA_INFO_DATA") : 0;
}

static int parse_linkinfo(const uint8_t *p, size_t len, struct fo_link_info *l,
			  const char **ret_why)
{
	const uint8_t *d, *info_data = NULL;
	size_t n, info_data_len = 0;
	struct attr_iter it;
	uint16_t type;
	int r;

	iter_init(&it, p, len);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		switch (type) {
		case IFLA_INFO_KIND:
			if (get_str(d, n, l->kind, sizeof(l->kind), false) < 0)
				return bad(ret_why, "IFLA_INFO_KIND not a string of < 16 bytes");
			break;
		case IFLA_INFO_SLAVE_KIND:
			if (get_str(d, n, l->slave_kind, sizeof(l->slave_kind), false) < 0)
				return bad(ret_why, "IFLA_INFO_SLAVE_KIND not a string of < 16 bytes");
			break;
		case IFLA_INFO_DATA:
			/* Its meaning depends on the kind, which may come after it. */
			info_data = d;
			info_data_len = n;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return bad(ret_why, "truncated attribute in IFLA_LINKINFO");
	if (info_data && streq(l->kind, "bond"))
		return parse_bond_data(info_data, info_data_len, l, ret_why);
	return 0;
}

/* IFLA_AF_SPEC: only AF_INET6's IFLA_INET6_ADDR_GEN_MODE matters here. */
static int parse_af_spec(const uint8_t *p, size_t len, struct fo_link_info *l,
			 const char **ret_why)
{
	struct attr_iter it, in;
	const uint8_t *d, *d6;
	uint16_t type, type6;
	size_t n, n6;
	int r, r6;

	iter_init(&it, p, len);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		if (type != AF_INET6)
			continue;
		iter_init(&in, d, n);
		while ((r6 = iter_next(&in, &type6, &d6, &n6)) > 0) {
			if (type6 != IFLA_INET6_ADDR_GEN_MODE)
				continue;
			if (n6 != 1)
				return bad(ret_why, "IFLA_INET6_ADDR_GEN_MODE length");
			l->has_addr_gen_mode = true;
			l->addr_gen_mode = d6[0];
		}
		if (r6 < 0)
			return bad(ret_why, "truncated attribute in IFLA_AF_SPEC/AF_INET6");
	}
	return r < 0 ? bad(ret_why, "truncated attribute in IFLA_AF_SPEC") : 0;
}

static int parse_xdp(const uint8_t *p, size_t len, struct fo_link_info *l, const char **ret_why)
{
	struct attr_iter it;
	const uint8_t *d;
	uint16_t type;
	size_t n;
	int r;

	iter_init(&it, p, len);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		switch (type) {
		case IFLA_XDP_ATTACHED:
			if (n != 1)
				return bad(ret_why, "IFLA_XDP_ATTACHED length");
			if (d[0] != XDP_ATTACHED_NONE)
				l->xdp_attached = true;
			break;
		case IFLA_XDP_PROG_ID:
			if (n != 4)
				return bad(ret_why, "IFLA_XDP_PROG_ID length");
			if (get_u32(d) != 0)
				l->xdp_attached = true;
			break;
		default:
			break;
		}
	}
	return r < 0 ? bad(ret_why, "truncated attribute in IFLA_XDP") : 0;
}

/* IFLA_PROP_LIST: the alternative names that could collide with an interface name. */
static int parse_prop_list(const uint8_t *data, size_t len, struct fo_link_info *l,
			   const char **ret_why)
{
	struct attr_iter it;
	const uint8_t *d;
	uint16_t type;
	size_t n;
	int r;

	iter_init(&it, data, len);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		char name[IFNAMSIZ];

		if (type != IFLA_ALT_IFNAME)
			continue;
		/* up to ALTIFNAMSIZ (128) bytes; one of IFNAMSIZ or more names no interface */
		if (n == 0 || d[n - 1] != '\0' || memchr(d, '\0', n) != d + n - 1)
			return bad(ret_why, "IFLA_ALT_IFNAME not one NUL-terminated string");
		if (n > IFNAMSIZ || n == 1 || l->n_alt_names >= FO_ALT_NAMES_MAX)
			continue;
		memcpy(name, d, n);
		strscpy(l->alt_names[l->n_alt_names++], IFNAMSIZ, name);
	}
	return r < 0 ? bad(ret_why, "truncated attribute in IFLA_PROP_LIST") : 0;
}

int nlbuild_parse_link(const void *msg, size_t msg_len, struct fo_link_info *ret, bool *ret_gone,
		       const char **ret_why)
{
	struct fo_link_info l = {};
	struct nlmsghdr h;
	struct ifinfomsg ifi;
	struct attr_iter it;
	const uint8_t *d;
	bool has_carrier_attr = false, carrier_attr = false, has_name = false;
	uint16_t type;
	size_t n;
	int r;

	r = msg_header(msg, &msg_len, &h, ret_why);
	if (r < 0)
		return r;
	if (h.nlmsg_type != RTM_NEWLINK && h.nlmsg_type != RTM_DELLINK)
		return bad(ret_why, "not an RTM_NEWLINK/RTM_DELLINK message");
	if (msg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifi)))
		return bad(ret_why, "truncated ifinfomsg");
	memcpy(&ifi, (const uint8_t *) msg + NLMSG_HDRLEN, sizeof(ifi));
	/* Bridge port notifications (AF_BRIDGE) share the message types. */
	if (ifi.ifi_family != AF_UNSPEC)
		return 0;
	if (ifi.ifi_index <= 0)
		return bad(ret_why, "ifindex not positive");
	l.ifindex = ifi.ifi_index;
	l.flags = ifi.ifi_flags;

	iter_init(&it, (const uint8_t *) msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifi)),
		  msg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(ifi)));
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		switch (type) {
		case IFLA_IFNAME:
			if (get_str(d, n, l.name, sizeof(l.name), false) < 0 || !l.name[0])
				return bad(ret_why, "IFLA_IFNAME not a name of 1..15 bytes");
			has_name = true;
			break;
		case IFLA_ADDRESS:
			/* Only Ethernet-sized addresses matter here; others (tunnels) are skipped. */
			if (n == FO_MAC_LEN)
				memcpy(l.mac, d, FO_MAC_LEN);
			break;
		case IFLA_PERM_ADDRESS:
			if (n == FO_MAC_LEN) {
				memcpy(l.perm_mac, d, FO_MAC_LEN);
				l.has_perm_mac = true;
			}
			break;
		case IFLA_MASTER:
			if (n != 4)
				return bad(ret_why, "IFLA_MASTER length");
			l.master_ifindex = (int) get_u32(d);
			if (l.master_ifindex < 0)
				return bad(ret_why, "IFLA_MASTER out of range");
			break;
		case IFLA_CARRIER:
			if (n != 1)
				return bad(ret_why, "IFLA_CARRIER length");
			has_carrier_attr = true;
			carrier_attr = d[0] != 0;
			break;
		case IFLA_MTU:
			if (n != 4)
				return bad(ret_why, "IFLA_MTU length");
			l.mtu = get_u32(d);
			break;
		case IFLA_MIN_MTU:
			if (n != 4)
				return bad(ret_why, "IFLA_MIN_MTU length");
			l.min_mtu = get_u32(d);
			break;
		case IFLA_MAX_MTU:
			if (n != 4)
				return bad(ret_why, "IFLA_MAX_MTU length");
			l.max_mtu = get_u32(d);
			break;
		case IFLA_GROUP:
			if (n != 4)
				return bad(ret_why, "IFLA_GROUP length");
			l.group = get_u32(d);
			break;
		case IFLA_IFALIAS:
			/* Arbitrary bytes up to 256: keep what fits, the marker is a prefix. */
			if (get_str(d, n, l.alias, sizeof(l.alias), true) < 0)
				return bad(ret_why, "IFLA_IFALIAS not NUL-terminated");
			break;
		case IFLA_LINKINFO:
			if (parse_linkinfo(d, n, &l, ret_why) < 0)
				return -EBADMSG;
			break;
		case IFLA_XDP:
			if (parse_xdp(d, n, &l, ret_why) < 0)
				return -EBADMSG;
			break;
		case IFLA_AF_SPEC:
			if (parse_af_spec(d, n, &l, ret_why) < 0)
				return -EBADMSG;
			break;
		case IFLA_PROP_LIST:
			if (parse_prop_list(d, n, &l, ret_why) < 0)
				return -EBADMSG;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return bad(ret_why, "truncated link attribute");
	if (h.nlmsg_type == RTM_NEWLINK && !has_name)
		return bad(ret_why, "RTM_NEWLINK without IFLA_IFNAME");

	/*
	 * A running device reports its carrier in IFF_LOWER_UP; a device that
	 * is down always has IFF_LOWER_UP clear, so there IFLA_CARRIER (the
	 * physical state) is the better answer.
	 */
	if (l.flags & IFF_UP)
		l.carrier = (l.flags & IFF_LOWER_UP) != 0;
	else
		l.carrier = has_carrier_attr && carrier_attr;

	*ret = l;
	*ret_gone = h.nlmsg_type == RTM_DELLINK;
	return 1;
}

int nlbuild_parse_addr(const void *msg, size_t msg_len, struct nlbuild_addr *ret, bool *ret_gone,
		       const char **ret_why)
{
	struct nlbuild_addr a = {};
	struct nlmsghdr h;
	struct ifaddrmsg ifa;
	struct attr_iter it;
	const uint8_t *d, *local = NULL, *address = NULL;
	size_t n, alen;
	uint16_t type;
	int r;

	r = msg_header(msg, &msg_len, &h, ret_why);
	if (r < 0)
		return r;
	if (h.nlmsg_type != RTM_NEWADDR && h.nlmsg_type != RTM_DELADDR)
		return bad(ret_why, "not an RTM_NEWADDR/RTM_DELADDR message");
	if (msg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifa)))
		return bad(ret_why, "truncated ifaddrmsg");
	memcpy(&ifa, (const uint8_t *) msg + NLMSG_HDRLEN, sizeof(ifa));
	if (ifa.ifa_family == AF_INET)
		alen = 4;
	else if (ifa.ifa_family == AF_INET6)
		alen = 16;
	else
		return 0;
	if (ifa.ifa_index == 0 || ifa.ifa_index > INT32_MAX)
		return bad(ret_why, "address without a valid ifindex");
	if (ifa.ifa_prefixlen > alen * 8)
		return bad(ret_why, "prefix length longer than the address");

	iter_init(&it, (const uint8_t *) msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifa)),
		  msg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(ifa)));
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		switch (type) {
		case IFA_LOCAL:
			if (n != alen)
				return bad(ret_why, "IFA_LOCAL length");
			local = d;
			break;
		case IFA_ADDRESS:
			if (n != alen)
				return bad(ret_why, "IFA_ADDRESS length");
			address = d;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return bad(ret_why, "truncated address attribute");
	/* On point-to-point IPv4 links IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	if (local && ifa.ifa_family == AF_INET)
		address = local;
	if (!address)
		address = local;
	if (!address)
		return bad(ret_why, "address message without IFA_ADDRESS/IFA_LOCAL");

	a.ifindex = (int) ifa.ifa_index;
	a.family = ifa.ifa_family;
	a.prefixlen = ifa.ifa_prefixlen;
	memcpy(a.addr, address, alen);
	/*
	 * "Has addresses" means something a network manager configured:
	 * link-local (fe80::/10, 169.254/16) and host scope come by
	 * themselves and do not count.
	 */
	a.global = ifa.ifa_scope < RT_SCOPE_LINK;
	if (a.family == AF_INET6 && a.addr[0] == 0xfe && (a.addr[1] & 0xc0) == 0x80)
		a.global = false;
	if (a.family == AF_INET && a.addr[0] == 169 && a.addr[1] == 254)
		a.global = false;

	*ret = a;
	*ret_gone = h.nlmsg_type == RTM_DELADDR;
	return 1;
}

int nlbuild_parse_error(const void *msg, size_t msg_len, int *ret_error, uint32_t *ret_seq,
			char *text, size_t text_len, const char **ret_why)
{
	struct nlmsghdr h, orig;
	struct nlmsgerr e;
	struct attr_iter it;
	const uint8_t *d;
	size_t tlv_off, n;
	uint16_t type;
	int r;

	if (text_len > 0)
		text[0] = '\0';
	r = msg_header(msg, &msg_len, &h, ret_why);
	if (r < 0)
		return r;
	if (h.nlmsg_type != NLMSG_ERROR)
		return bad(ret_why, "not an NLMSG_ERROR message");
	if (msg_len < NLMSG_HDRLEN + sizeof(e))
		return bad(ret_why, "truncated nlmsgerr");
	memcpy(&e, (const uint8_t *) msg + NLMSG_HDRLEN, sizeof(e));
	if (e.error > 0 || e.error < -4095)
		return bad(ret_why, "nlmsgerr.error is not 0 or -errno");
	orig = e.msg;

	if (h.nlmsg_flags & NLM_F_ACK_TLVS) {
		/* Without NLM_F_CAPPED the whole request is echoed before the TLVs. */
		tlv_off = NLMSG_HDRLEN + sizeof(e);
		if (!(h.nlmsg_flags & NLM_F_CAPPED)) {
			if (orig.nlmsg_len < NLMSG_HDRLEN)
				return bad(ret_why, "echoed request length too small");
			tlv_off += NLMSG_ALIGN(orig.nlmsg_len) - NLMSG_HDRLEN;
		}
		if (tlv_off > msg_len)
			return bad(ret_why, "extended ACK beyond the message");
		iter_init(&it, (const uint8_t *) msg + tlv_off, msg_len - tlv_off);
		while ((r = iter_next(&it, &type, &d, &n)) > 0)
			if (type == NLMSGERR_ATTR_MSG && text_len > 0 &&
			    get_str(d, n, text, text_len, true) < 0)
				return bad(ret_why, "NLMSGERR_ATTR_MSG not NUL-terminated");
		if (r < 0)
			return bad(ret_why, "truncated extended-ACK attribute");
	}
	*ret_error = e.error;
	*ret_seq = orig.nlmsg_seq;
	return 0;
}

static int parse_team_item(const uint8_t *p, size_t len, struct nlbuild_team_options *o,
			   const char **ret_why)
{
	char name[TEAM_STRING_MAX_LEN] = "";
	const uint8_t *d, *data = NULL;
	size_t n, data_len = 0;
	struct attr_iter it;
	bool has_type = false, has_port = false;
	uint8_t opt_type = 0;
	uint16_t type;
	int r;

	iter_init(&it, p, len);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		switch (type) {
		case TEAM_ATTR_OPTION_NAME:
			if (get_str(d, n, name, sizeof(name), false) < 0)
				return bad(ret_why, "TEAM_ATTR_OPTION_NAME not a short string");
			break;
		case TEAM_ATTR_OPTION_TYPE:
			if (n != 1)
				return bad(ret_why, "TEAM_ATTR_OPTION_TYPE length");
			opt_type = d[0];
			has_type = true;
			break;
		case TEAM_ATTR_OPTION_DATA:
			data = d;
			data_len = n;
			break;
		case TEAM_ATTR_OPTION_PORT_IFINDEX:
			has_port = true;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return bad(ret_why, "truncated attribute in a team option");
	/* Per-port options share names with nothing we read, but stay safe. */
	if (has_port || !has_type)
		return 0;
	if (streq(name, "activeport") && opt_type == NLBUILD_TEAM_U32) {
		/* DATA is absent when the option has no value. */
		if (data && data_len != 4)
			return bad(ret_why, "activeport data length");
		o->has_activeport = true;
		o->activeport = data ? get_u32(data) : 0;
	} else if (streq(name, "mode") && opt_type == NLBUILD_TEAM_STRING) {
		o->has_mode = true;
		o->mode[0] = '\0';
		if (data && get_str(data, data_len, o->mode, sizeof(o->mode), false) < 0)
			return bad(ret_why, "mode data not a short string");
	}
	return 0;
}

int nlbuild_parse_team_options(const void *msg, size_t msg_len, struct nlbuild_team_options *opts,
			       const char **ret_why)
{
	struct nlbuild_team_options o = *opts;
	struct nlmsghdr h;
	struct attr_iter it, lit;
	const uint8_t *d, *ld;
	size_t n, ln, hdr = NLMSG_HDRLEN + NLMSG_ALIGN(GENL_HDRLEN);
	uint16_t type, ltype;
	int r, lr;

	r = msg_header(msg, &msg_len, &h, ret_why);
	if (r < 0)
		return r;
	if (h.nlmsg_type < NLMSG_MIN_TYPE)
		return bad(ret_why, "not a generic-netlink message");
	if (msg_len < hdr)
		return bad(ret_why, "truncated genlmsghdr");

	iter_init(&it, (const uint8_t *) msg + hdr, msg_len - hdr);
	while ((r = iter_next(&it, &type, &d, &n)) > 0) {
		if (type != TEAM_ATTR_LIST_OPTION)
			continue;
		iter_init(&lit, d, n);
		while ((lr = iter_next(&lit, &ltype, &ld, &ln)) > 0)
			if (ltype == TEAM_ATTR_ITEM_OPTION && parse_team_item(ld, ln, &o, ret_why) < 0)
				return -EBADMSG;
		if (lr < 0)
			return bad(ret_why, "truncated item in TEAM_ATTR_LIST_OPTION");
	}
	if (r < 0)
		return bad(ret_why, "truncated team attribute");
	*opts = o;
	return 0;
}
