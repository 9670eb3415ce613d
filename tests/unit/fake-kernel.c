/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated kernel + udev for the pairing engine's tests (see fake-kernel.h). */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-kernel.h"
#include "util.h"

static void fk_log(struct fk *fk, const char *fmt, ...) _printf_(2, 3);

static void fk_log(struct fk *fk, const char *fmt, ...)
{
	char *line = fk->log[fk->log_n % FK_LOG_LINES];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(line, sizeof(fk->log[0]), fmt, ap);
	va_end(ap);
	fk->log_n++;
	if (fk->verbose)
		fprintf(stderr, "  %s\n", line);
}

static void violation(struct fk *fk, const char *fmt, ...) _printf_(2, 3);

static void violation(struct fk *fk, const char *fmt, ...)
{
	va_list ap;

	if (fk->n_violations++ == 0) {
		va_start(ap, fmt);
		(void) vsnprintf(fk->violation, sizeof(fk->violation), fmt, ap);
		va_end(ap);
	}
	fk_log(fk, "VIOLATION %s", fk->violation);
}

void fk_mac(uint8_t mac[FO_MAC_LEN], unsigned n)
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t) (n >> 16);
	mac[4] = (uint8_t) (n >> 8);
	mac[5] = (uint8_t) n;
}

struct fk_dev *fk_dev(struct fk *fk, int ifindex)
{
	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		if (fk->dev[i].exists && fk->dev[i].ifindex == ifindex)
			return &fk->dev[i];
	return NULL;
}

struct fk_dev *fk_by_name(struct fk *fk, const char *name)
{
	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		if (fk->dev[i].exists && streq(fk->dev[i].name, name))
			return &fk->dev[i];
	return NULL;
}

bool fk_has_alt_name(const struct fk_dev *d, const char *name)
{
	for (size_t i = 0; i < d->n_alt_names; i++)
		if (streq(d->alt_names[i], name))
			return true;
	return false;
}

struct fk_dev *fk_name_holder(struct fk *fk, const char *name)
{
	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		if (fk->dev[i].exists &&
		    (streq(fk->dev[i].name, name) || fk_has_alt_name(&fk->dev[i], name)))
			return &fk->dev[i];
	return NULL;
}

static bool is_agg(const struct fk_dev *d)
{
	return streq(d->kind, "bond") || streq(d->kind, "team");
}

static bool is_ours(const struct fk_dev *d)
{
	return d && is_agg(d) && strncmp(d->alias, FO_ALIAS_PREFIX, strlen(FO_ALIAS_PREFIX)) == 0;
}

/*
 * Open or close d as the kernel does, addrconf included: NETDEV_UP makes
 * a link-local address unless the mode is NONE or d is a bond's slave
 * (IFF_SLAVE); a team's port has no such flag.  NETDEV_DOWN removes it.
 */
static void set_open(struct fk *fk, struct fk_dev *d, bool up)
{
	const struct fk_dev *m = NULL;

	for (size_t i = 0; i < FK_DEVS_MAX && d->master; i++)
		if (fk->dev[i].exists && fk->dev[i].ifindex == d->master)
			m = &fk->dev[i];
	if (!up)
		d->ll = false;
	else if (!d->up)
		d->ll = d->ipv6 && d->addr_gen_mode != FO_ADDR_GEN_MODE_NONE &&
			!(m && streq(m->kind, "bond"));
	d->up = up;
}

/* ---------------------------------------------------------- observations */

static void snapshot_link(const struct fk *fk, const struct fk_dev *d, struct fo_link_info *l)
{
	*l = (struct fo_link_info) {
		.ifindex = d->ifindex,
		.flags = d->up ? IFF_UP : 0,
		.carrier = d->up && d->carrier,
		.has_perm_mac = d->has_perm_mac,
		.master_ifindex = d->master,
		.mtu = d->mtu,
		.min_mtu = d->min_mtu,
		.max_mtu = d->max_mtu,
		.xdp_attached = d->xdp,
		.has_addresses = d->has_addresses,
		.active_ifindex = d->active,
		.has_addr_gen_mode = d->ipv6,
		.addr_gen_mode = d->ipv6 ? d->addr_gen_mode : 0,
	};
	strscpy(l->name, IFNAMSIZ, d->name);
	memcpy(l->mac, d->mac, FO_MAC_LEN);
	memcpy(l->perm_mac, d->perm_mac, FO_MAC_LEN);
	strscpy(l->kind, FO_KIND_LEN, d->kind);
	strscpy(l->alias, FO_ALIAS_LEN, d->alias);
	for (size_t i = 0; i < d->n_alt_names && i < FO_ALT_NAMES_MAX; i++)
		strscpy(l->alt_names[l->n_alt_names++], IFNAMSIZ, d->alt_names[i]);
	if (d->master) {
		const struct fk_dev *m = NULL;

		for (size_t i = 0; i < FK_DEVS_MAX; i++)
			if (fk->dev[i].exists && fk->dev[i].ifindex == d->master)
				m = &fk->dev[i];
		if (m)
			strscpy(l->slave_kind, FO_KIND_LEN, m->kind);
	}
	if (streq(d->kind, "bond") && d->primary_name[0])
		for (size_t i = 0; i < FK_DEVS_MAX; i++)
			if (fk->dev[i].exists && fk->dev[i].master == d->ifindex &&
			    streq(fk->dev[i].name, d->primary_name))
				l->bond_primary_ifindex = fk->dev[i].ifindex;
}

static void snapshot_dev(const struct fk_dev *d, struct fo_device_info *dv)
{
	*dv = (struct fo_device_info) {
		.ifindex = d->ifindex,
		.initialized = d->initialized,
		.is_virtio = d->virtio,
		.standby_feature = d->standby_feature,
	};
	strscpy(dv->name, IFNAMSIZ, d->name);
	strscpy(dv->driver, FO_DRIVER_LEN, d->driver);
	strscpy(dv->pci_addr, FO_PCI_ADDR_LEN, d->pci);
	strscpy(dv->phys_port_name, IFNAMSIZ, d->phys_port_name);
	if (d->group_id) {
		dv->group.status = PCICAP_FOUND;
		dv->group.group_id = d->group_id;
	} else if (d->pci[0]) {
		dv->group.status = PCICAP_ABSENT;
		(void) snprintf(dv->group.reason, PCICAP_REASON_LEN, "%s",
				"no group-ID capability");
	} else {
		dv->group.status = PCICAP_NOT_PCI;
		(void) snprintf(dv->group.reason, PCICAP_REASON_LEN, "%s", "not a PCI device");
	}
}

static void nl_push(struct fk *fk, const struct fo_obs *o)
{
	if (!fk->eng)
		return;
	if (fk->nl_n == FK_QUEUE_MAX) {
		violation(fk, "netlink queue overflow in the harness");
		return;
	}
	fk->nlq[(fk->nl_head + fk->nl_n++) % FK_QUEUE_MAX] = *o;
}

static void ud_push(struct fk *fk, const struct fo_obs *o)
{
	if (!fk->eng)
		return;
	if (fk->ud_n == FK_QUEUE_MAX) {
		violation(fk, "udev queue overflow in the harness");
		return;
	}
	fk->udq[(fk->ud_head + fk->ud_n++) % FK_QUEUE_MAX] = *o;
}

static void q_link(struct fk *fk, const struct fk_dev *d)
{
	struct fo_obs o = { .type = FO_OBS_LINK };

	snapshot_link(fk, d, &o.link);
	nl_push(fk, &o);
}

static void q_udev(struct fk *fk, const struct fk_dev *d)
{
	struct fo_obs o = { .type = FO_OBS_DEVICE };

	snapshot_dev(d, &o.device);
	ud_push(fk, &o);
}

static void q_gone(struct fk *fk, const struct fk_dev *d)
{
	struct fo_obs o = { .type = FO_OBS_LINK_GONE, .ifindex = d->ifindex };

	nl_push(fk, &o);
	if (d->udev_known) {
		o.type = FO_OBS_DEVICE_GONE;
		ud_push(fk, &o);
	}
}

/* ---------------------------------------------------------- kernel rules */

/* Bonding active-backup with primary_reselect=always; team never selects. */
static void reselect(struct fk *fk, struct fk_dev *agg)
{
	struct fk_dev *prim = NULL, *cur = NULL, *first = NULL, *first_carrier = NULL;
	int old = agg->active;

	if (!streq(agg->kind, "bond")) {
		if (agg->active &&
		    (!(cur = fk_dev(fk, agg->active)) || cur->master != agg->ifindex))
			agg->active = 0;
		if (old != agg->active)
			q_link(fk, agg);
		return;
	}
	for (size_t i = 0; i < FK_DEVS_MAX; i++) {
		struct fk_dev *s = &fk->dev[i];

		if (!s->exists || s->master != agg->ifindex)
			continue;
		if (!first)
			first = s;
		if (s->carrier && !first_carrier)
			first_carrier = s;
		if (agg->primary_name[0] && streq(s->name, agg->primary_name))
			prim = s;
		if (s->ifindex == agg->active)
			cur = s;
	}
	if (prim && prim->carrier)
		agg->active = prim->ifindex;
	else if (cur && cur->carrier)
		agg->active = cur->ifindex;
	else if (first_carrier)
		agg->active = first_carrier->ifindex;
	else if (cur)
		agg->active = cur->ifindex;
	else
		agg->active = first ? first->ifindex : 0;
	if (old != agg->active)
		q_link(fk, agg);
}

static void release(struct fk *fk, struct fk_dev *d, bool closing)
{
	struct fk_dev *m = fk_dev(fk, d->master);

	d->master = 0;
	/* bonding and team close a released port and give its MAC back */
	set_open(fk, d, false);
	if (!closing)
		memcpy(d->mac, d->mac_before_enslave, FO_MAC_LEN);
	q_link(fk, d);
	if (m) {
		if (m->active == d->ifindex)
			m->active = streq(m->kind, "team") ? 0 : m->active;
		reselect(fk, m);
		q_link(fk, m);
	}
}

static int fk_new_ifindex(struct fk *fk, struct fk_dev **ret)
{
	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		if (!fk->dev[i].exists) {
			fk->dev[i] =
				(struct fk_dev) { .exists = true, .ifindex = fk->next_ifindex++ };
			*ret = &fk->dev[i];
			return fk->dev[i].ifindex;
		}
	return -ENOSPC;
}

static void remove_dev(struct fk *fk, struct fk_dev *d)
{
	if (d->master)
		release(fk, d, true);
	if (is_agg(d))
		for (size_t i = 0; i < FK_DEVS_MAX; i++)
			if (fk->dev[i].exists && fk->dev[i].master == d->ifindex)
				release(fk, &fk->dev[i], false);
	q_gone(fk, d);
	d->exists = false;
}

/* The first write to a free device records how the engine found it. */
static void note_found(struct fk *fk, struct fk_dev *d)
{
	struct fo_pair_view v;

	if (d->found_valid)
		return;
	if (d->ext_touched) {
		/* only a transaction that starts now (nothing to undo yet) finds it anew */
		if (!fk->eng || fk_pair_of(fk, d->ifindex, &v) < 0 || v.transaction_phase != 0 ||
		    v.rolling_back)
			return;
		/*
		 * Nor before the engine has heard of the change: "as found" is
		 * what it was told, and that is still the state before the
		 * change (a first write that does not care, e.g. the address
		 * generation mode, comes before the news).
		 */
		if (d->told_up != d->up || !streq(d->told_name, d->name))
			return;
		d->ext_touched = false;
	}
	/* as the engine found it: what it had been told (it cannot know better) */
	d->found_valid = true;
	d->refused_write = false;
	d->found_up = d->told_up;
	strscpy(d->found_name, IFNAMSIZ, d->told_name);
	d->found_has_agm = d->told_has_agm;
	d->found_agm = d->told_agm;
}

/*
 * Another actor changed d: "as found" no longer says anything, and the
 * writes of a transaction that was already running (its rollback included)
 * must not record a new "found".  The next fresh transaction does.
 */
static void external_change(struct fk *fk, struct fk_dev *d)
{
	d->found_valid = false;
	d->ext_touched = true;
}

static bool owned(const struct fk *fk, const struct fk_dev *d, char *why, size_t len)
{
	const struct fk_dev *m = NULL;

	if (is_ours(d))
		return true;
	if (d->standby_feature || streq(d->phys_port_name, "sby") ||
	    streq(d->driver, "hv_netvsc")) {
		(void) snprintf(why, len, "%s is kernel-managed", d->name);
		return false;
	}
	if (d->told_master) {
		for (size_t i = 0; i < FK_DEVS_MAX; i++)
			if (fk->dev[i].exists && fk->dev[i].ifindex == d->told_master)
				m = &fk->dev[i];
		if (m && !is_ours(m)) {
			(void) snprintf(why, len, "%s is enslaved to foreign %s", d->name,
					m ? m->name : "?");
			return false;
		}
	}
	if (!d->virtio && !d->pci[0]) {
		(void) snprintf(why, len, "%s is neither a standby nor a VF", d->name);
		return false;
	}
	return true;
}

static void check_request(struct fk *fk, const struct fo_action *a)
{
	struct fk_dev *d = fk_dev(fk, a->ifindex);
	char why[128];

	if (a->type == FO_ACT_CREATE) {
		if (strncmp(a->alias, FO_ALIAS_PREFIX, strlen(FO_ALIAS_PREFIX)) != 0)
			violation(fk, "CREATE %s without the ownership marker", a->name);
		if (strncmp(a->name, "eth", 3) == 0 || !a->name[0])
			violation(fk, "CREATE with name \"%s\"", a->name);
		return;
	}
	if (!d)
		return; /* vanished: the kernel answers ENODEV */
	if (!owned(fk, d, why, sizeof(why)))
		violation(fk, "%s %s: write to a device failoverd does not own: %s",
			  pairing_action_name(a->type), d->name, why);
	if (a->type == FO_ACT_DEL_ALTNAME && (!d->virtio || !fk_has_alt_name(d, a->name)))
		violation(fk, "DEL_ALTNAME %s on %s: not one of its alternative names, or not a "
			  "standby", a->name, d->name);
	if (a->type == FO_ACT_SET_DOWN && d->told_has_addresses)
		violation(fk, "SET_DOWN %s: it has addresses", d->name);
	if ((a->type == FO_ACT_DELETE || a->type == FO_ACT_SET_PRIMARY ||
	     a->type == FO_ACT_SET_ACTIVE) &&
	    !is_ours(d))
		violation(fk, "%s on %s, not our aggregate", pairing_action_name(a->type), d->name);
	if (a->type == FO_ACT_ENSLAVE) {
		struct fk_dev *m = fk_dev(fk, a->master_ifindex);

		if (m && !is_ours(m))
			violation(fk, "ENSLAVE %s into %s, not our aggregate", d->name, m->name);
	}
}

static int execute_req(struct fk *fk, const struct fo_action *a, int *ret_new);

/* Apply one request with the kernel's rules; returns 0 or -errno. */
static int execute(struct fk *fk, const struct fo_action *a, int *ret_new)
{
	int r = 0;

	*ret_new = 0;
	check_request(fk, a);
	if (fk->fault) {
		/* 0-based number of this request since the harness started */
		r = fk->fault(fk, a, fk->requests - 1, fk->fault_userdata);
		if (r < 0)
			return r;
	}
	if (r == FK_FAULT_NOACK) {
		/* done, but the answer is lost: the executor reports a timeout */
		r = execute_req(fk, a, ret_new);
		*ret_new = 0;
		return r < 0 ? r : -ETIMEDOUT;
	}
	return execute_req(fk, a, ret_new);
}

static int execute_req(struct fk *fk, const struct fo_action *a, int *ret_new)
{
	struct fk_dev *d = fk_dev(fk, a->ifindex), *m, *o;
	int r;

	switch (a->type) {
	case FO_ACT_CREATE:
		if (!a->name[0] || strlen(a->name) >= IFNAMSIZ)
			return -EINVAL;
		if (fk_name_holder(fk, a->name))
			return -EEXIST;
		r = fk_new_ifindex(fk, &d);
		if (r < 0)
			return r;
		strscpy(d->name, IFNAMSIZ, a->name);
		(void) snprintf(d->kind, FO_KIND_LEN, "%s",
				a->backend == FO_BACKEND_TEAM ? "team" : "bond");
		strscpy(d->alias, FO_ALIAS_LEN, a->alias);
		memcpy(d->mac, a->mac, FO_MAC_LEN);
		d->mtu = a->mtu ? a->mtu : 1500;
		d->max_mtu = 65535;
		d->min_mtu = 68;
		d->carrier = true;
		d->udev_known = true;
		d->initialized = true;
		/* as netlink_team.c's post_create: the team's peer notification count */
		if (a->backend == FO_BACKEND_TEAM)
			d->notify_peers_count = fk->cfg.bond.num_peer_notif < 0 ?
							1 : (unsigned) fk->cfg.bond.num_peer_notif;
		/*
		 * As the real executor: the kernel announces the new link, then
		 * the marker arrives with a second request (rtnl_create_link()
		 * ignores IFLA_IFALIAS).
		 */
		d->alias[0] = '\0';
		q_link(fk, d);
		strscpy(d->alias, FO_ALIAS_LEN, a->alias);
		q_link(fk, d);
		q_udev(fk, d);
		*ret_new = d->ifindex;
		if (d->ifindex < FK_IFINDEX_MAX)
			fk->created[d->ifindex] = true;
		return 0;
	case FO_ACT_DELETE:
		if (!d)
			return -ENODEV;
		if (!is_agg(d))
			return -EOPNOTSUPP;
		remove_dev(fk, d);
		return 0;
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
		if (!d)
			return -ENODEV;
		if (!is_agg(d) && !d->master)
			note_found(fk, d);
		set_open(fk, d, a->type == FO_ACT_SET_UP);
		q_link(fk, d);
		if ((m = fk_dev(fk, d->master)))
			reselect(fk, m);
		return 0;
	case FO_ACT_RENAME:
		if (!d)
			return -ENODEV;
		if (!a->name[0] || strlen(a->name) >= IFNAMSIZ)
			return -EINVAL;
		/* its own alternative name too: dev_change_name() finds the name in use */
		if ((o = fk_name_holder(fk, a->name)) && (o != d || fk_has_alt_name(d, a->name)))
			return -EEXIST;
		if (d->up && !fk->live_rename)
			return -EBUSY;
		if (!is_agg(d) && !d->master)
			note_found(fk, d);
		strscpy(d->name, IFNAMSIZ, a->name);
		q_link(fk, d);
		q_udev(fk, d);
		if (fk->udev_altnames && d->virtio && d->path_name[0] &&
		    !streq(d->name, d->path_name) && !fk_name_holder(fk, d->path_name) &&
		    d->n_alt_names < FO_ALT_NAMES_MAX) {
			/* udev's move event; a down device's change is announced by nothing */
			strscpy(d->alt_names[d->n_alt_names++], IFNAMSIZ, d->path_name);
			if (d->up)
				q_link(fk, d);
		}
		if ((m = fk_dev(fk, d->master)))
			q_link(fk, m); /* the primary may have changed with the name */
		return 0;
	case FO_ACT_SET_MAC:
		if (!d)
			return -ENODEV;
		if (d->virtio && d->standby_feature)
			return -EOPNOTSUPP;
		if (!is_agg(d) && !d->master)
			note_found(fk, d);
		memcpy(d->mac, a->mac, FO_MAC_LEN);
		q_link(fk, d);
		return 0;
	case FO_ACT_SET_MTU:
		if (!d)
			return -ENODEV;
		d->mtu = a->mtu;
		q_link(fk, d);
		return 0;
	case FO_ACT_ENSLAVE:
		m = fk_dev(fk, a->master_ifindex);
		if (!d || !m)
			return -ENODEV;
		if (!is_agg(m))
			return -EOPNOTSUPP;
		if (d->master)
			return -EBUSY;
		if (d->up)
			return streq(m->kind, "team") ? -EBUSY : -EPERM;
		if (d->xdp)
			return -EOPNOTSUPP;
		if ((d->max_mtu && m->mtu > d->max_mtu) || (d->min_mtu && m->mtu < d->min_mtu))
			return -EINVAL;
		if (!d->master)
			note_found(fk, d);
		memcpy(d->mac_before_enslave, d->mac, FO_MAC_LEN);
		d->master = m->ifindex;
		memcpy(d->mac, m->mac, FO_MAC_LEN);
		d->mtu = m->mtu;
		set_open(fk, d, true); /* the master opens it: addrconf runs here */
		q_link(fk, d);
		reselect(fk, m);
		q_link(fk, m);
		return 0;
	case FO_ACT_RELEASE:
		if (!d)
			return -ENODEV;
		if (!d->master)
			return -EINVAL;
		release(fk, d, false);
		return 0;
	case FO_ACT_SET_PRIMARY:
		if (!d)
			return -ENODEV;
		if (!streq(d->kind, "bond"))
			return -EOPNOTSUPP;
		/* bond_changelink(): an ifindex that names no device sets the name "" */
		if (a->arg_ifindex == 0 || !(o = fk_dev(fk, a->arg_ifindex)))
			d->primary_name[0] = '\0';
		else
			strscpy(d->primary_name, IFNAMSIZ, o->name);
		reselect(fk, d);
		q_link(fk, d);
		return 0;
	case FO_ACT_SET_ACTIVE:
		if (!d)
			return -ENODEV;
		if (!streq(d->kind, "team"))
			return -EOPNOTSUPP;
		if (!(o = fk_dev(fk, a->arg_ifindex)) || o->master != d->ifindex)
			return -ENOENT;
		d->active = o->ifindex;
		/*
		 * announce: the adapter disables the port, switches, enables it;
		 * team_port_enable() then queues notify_peers_count notifications,
		 * sent by the port now active.
		 */
		if (a->announce && d->notify_peers_count) {
			d->announces += d->notify_peers_count;
			d->announced_port = o->ifindex;
		}
		q_link(fk, d);
		return 0;
	case FO_ACT_DEL_ALTNAME:
		if (!d)
			return -ENODEV;
		for (size_t i = 0; i < d->n_alt_names; i++)
			if (streq(d->alt_names[i], a->name)) {
				memmove(d->alt_names[i], d->alt_names[i + 1],
					(d->n_alt_names - i - 1) * IFNAMSIZ);
				d->n_alt_names--;
				if (d->up)
					q_link(fk, d); /* netdev_state_change(): UP devices only */
				return 0;
			}
		return fk_by_name(fk, a->name) ? -EINVAL : -ENOENT;
	case FO_ACT_SET_ADDR_GEN_MODE:
		if (!d)
			return -ENODEV;
		if (!d->ipv6)
			return -EAFNOSUPPORT;
		if (a->addr_gen_mode > FO_ADDR_GEN_MODE_MAX)
			return -EINVAL;
		if (!is_agg(d) && !d->master)
			note_found(fk, d);
		/* over netlink the kernel only stores the mode: no address comes or goes */
		d->addr_gen_mode = a->addr_gen_mode;
		/* and announces it through netdev_state_change(): only for a device that is up */
		if (d->up)
			q_link(fk, d);
		return 0;
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	return -EINVAL;
}

/* ---------------------------------------------------------- engine I/O */

/*
 * A device in our aggregate whose transaction phase completed has nothing
 * to restore any more: forget how it was found.
 */
static void note_committed(struct fk *fk)
{
	for (size_t i = 0; i < FK_DEVS_MAX; i++) {
		struct fk_dev *d = &fk->dev[i];
		struct fo_pair_view v;

		/* judged on what the engine was told: it commits on observations */
		if (!d->exists || !d->found_valid || !d->told_master_ours)
			continue;
		if (fk_pair_of(fk, d->ifindex, &v) < 0)
			continue;
		if (v.rolling_back || v.transaction_phase == (d->virtio ? 1 : 2))
			continue;
		d->found_valid = false;
		d->refused_write = false;
	}
}

static void feed(struct fk *fk, const struct fo_obs *o)
{
	struct fo_actions out = { .n = 0 };
	size_t n_req = 0;
	int r;

	if (!fk->eng)
		return;
	if (o->type == FO_OBS_LINK) {
		struct fk_dev *d = fk_dev(fk, o->link.ifindex);

		if (d) {
			d->told_master = o->link.master_ifindex;
			d->told_up = o->link.flags & IFF_UP;
			strscpy(d->told_name, IFNAMSIZ, o->link.name);
			d->told_master_ours = d->told_master > 0 &&
					      d->told_master < FK_IFINDEX_MAX &&
					      fk->created[d->told_master];
			d->told_has_addresses = o->link.has_addresses;
			d->told_has_agm = o->link.has_addr_gen_mode;
			d->told_agm = o->link.addr_gen_mode;
		}
	}
	r = pairing_feed(fk->eng, o, fk->now, &out);
	if (r < 0)
		violation(fk, "pairing_feed(type %d) = %d", o->type, r);
	fk->deadline = out.next_deadline_usec;
	if (fk->deadline != FO_TIME_NEVER && fk->deadline < fk->now)
		violation(fk, "deadline %llu in the past (now %llu)",
			  (unsigned long long) fk->deadline, (unsigned long long) fk->now);
	for (size_t i = 0; i < out.n; i++) {
		const struct fo_action *a = &out.a[i];

		if (a->type == FO_ACT_EVENT) {
			if (a->event >= 0 && a->event < FO_EV_MAX)
				fk->events[a->event]++;
			fk_log(fk, "%8.3f event %s: %s", (double) fk->now / 1e6,
			       pairing_event_name(a->event), a->text);
			if (!a->text[0])
				violation(fk, "event %s without text",
					  pairing_event_name(a->event));
			/* status keeps each pair's last events by this key: only a resync is about none */
			if ((a->key.source == FO_KEY_NONE) != (a->event == FO_EV_RESYNC))
				violation(fk, "event %s %s a pair's key: %s", pairing_event_name(a->event),
					  a->key.source == FO_KEY_NONE ? "without" : "with", a->text);
			if (a->event >= 0 && a->event < FO_EV_MAX)
				fk->event_key[a->event] = a->key;
			continue;
		}
		n_req++;
		if (fk->outstanding || n_req > 1)
			violation(fk, "a second request (%s) while one is outstanding",
				  pairing_action_name(a->type));
		fk->outstanding = true;
		fk->outstanding_id = a->id;
		fk->requests++;
		fk->requests_since_start++;
		if (fk->n_reqq < FO_ACTIONS_MAX)
			fk->reqq[fk->n_reqq++] = *a;
	}
	note_committed(fk);
}

/* The executor: run queued requests one at a time, feeding each result back. */
static void pump(struct fk *fk)
{
	unsigned burst = 0;

	while (fk->n_reqq > 0 && fk->eng) {
		if (++burst > 1000) {
			/* a request storm without any observation in between: a livelock */
			violation(fk, "more than 1000 requests without an observation");
			fk->n_reqq = 0;
			fk->outstanding = false;
			return;
		}
		struct fo_action a = fk->reqq[0];
		struct fo_obs o = { .type = FO_OBS_RESULT };
		struct fk_dev *d;
		char name[IFNAMSIZ];
		int new_ifindex = 0, r;

		memmove(fk->reqq, fk->reqq + 1, (fk->n_reqq - 1) * sizeof(*fk->reqq));
		fk->n_reqq--;
		d = fk_dev(fk, a.ifindex);
		strscpy(name, sizeof(name), d ? d->name : a.type == FO_ACT_CREATE ? "" : "(gone)");
		r = execute(fk, &a, &new_ifindex);
		fk_log(fk, "%8.3f %s %s%s%s arg=%d master=%d -> %s", (double) fk->now / 1e6,
		       pairing_action_name(a.type), name,
		       a.name[0] ? " name=" : "", a.name, a.arg_ifindex, a.master_ifindex,
		       pairing_errno_name(r));
		if (r < 0)
			fk->requests_failed++;
		if ((d = fk_dev(fk, a.ifindex))) {
			/* a write the kernel refused for good may leave it changed: not the engine's fault */
			bool transient = r == -EBUSY || r == -EAGAIN || r == -ENOBUFS ||
					 r == -ENOMEM || r == -ETIMEDOUT || r == -EINTR;

			if (r < 0 && !transient) {
				struct fo_pair_view v;

				d->refused_write = true;
				/*
				 * A rollback the kernel refused for good may leave the other
				 * devices of that transaction changed too (a standby cannot
				 * get its name back from an aggregate that cannot be deleted).
				 */
				if (fk_pair_of(fk, d->ifindex, &v) == 0 && v.rolling_back) {
					int ids[] = { v.standby_ifindex, v.primary_ifindex };

					for (size_t k = 0; k < ELEMENTSOF(ids); k++) {
						struct fk_dev *m = fk_dev(fk, ids[k]);

						if (m)
							m->refused_write = true;
					}
				}
			}
		}
		if ((a.type == FO_ACT_CREATE && r == -EEXIST) || r == -ETIMEDOUT) {
			/*
			 * As the executor (nl_link.c execute_create(), daemon.c):
			 * the queued events, then (EEXIST) the name's holder read
			 * again (its alternative names are announced by nothing
			 * while it is down), then the result.
			 */
			struct fk_dev *h = r == -EEXIST ? fk_name_holder(fk, a.name) : NULL;

			while (fk->nl_n > 0) {
				struct fo_obs q = fk->nlq[fk->nl_head];

				fk->nl_head = (fk->nl_head + 1) % FK_QUEUE_MAX;
				fk->nl_n--;
				feed(fk, &q);
			}
			if (h) {
				struct fo_obs lo = { .type = FO_OBS_LINK };

				snapshot_link(fk, h, &lo.link);
				feed(fk, &lo);
			}
		}
		fk->outstanding = false;
		o.result.action_id = a.id;
		o.result.error = r;
		o.result.new_ifindex = new_ifindex;
		feed(fk, &o);
	}
}

static void feed_pump(struct fk *fk, const struct fo_obs *o)
{
	feed(fk, o);
	pump(fk);
}

bool fk_deliver_nl(struct fk *fk)
{
	struct fo_obs o;

	if (!fk->nl_n)
		return false;
	o = fk->nlq[fk->nl_head];
	fk->nl_head = (fk->nl_head + 1) % FK_QUEUE_MAX;
	fk->nl_n--;
	feed_pump(fk, &o);
	return true;
}

bool fk_deliver_udev(struct fk *fk)
{
	struct fo_obs o;

	if (!fk->ud_n)
		return false;
	o = fk->udq[fk->ud_head];
	fk->ud_head = (fk->ud_head + 1) % FK_QUEUE_MAX;
	fk->ud_n--;
	feed_pump(fk, &o);
	return true;
}

void fk_tick(struct fk *fk)
{
	struct fo_obs o = { .type = FO_OBS_TICK };

	if (!fk->eng || fk->deadline == FO_TIME_NEVER)
		return;
	if (fk->deadline > fk->now)
		fk->now = fk->deadline;
	feed_pump(fk, &o);
}

void fk_advance(struct fk *fk, uint64_t usec)
{
	fk->now += usec;
	if (fk->eng && fk->deadline != FO_TIME_NEVER && fk->deadline <= fk->now) {
		struct fo_obs o = { .type = FO_OBS_TICK };

		feed_pump(fk, &o);
	}
}

bool fk_quiescent(const struct fk *fk)
{
	return !fk->nl_n && !fk->ud_n && !fk->n_reqq && !fk->outstanding;
}

bool fk_run(struct fk *fk, uint64_t horizon_usec)
{
	uint64_t end = fk->now + horizon_usec;

	for (unsigned i = 0; i < 100000; i++) {
		if (fk_deliver_nl(fk) || fk_deliver_udev(fk))
			continue;
		if (!fk->eng || fk->deadline == FO_TIME_NEVER || fk->deadline > end) {
			fk_check_quiescent(fk);
			return true;
		}
		fk_tick(fk);
	}
	violation(fk, "did not settle within 100000 steps");
	return false;
}

/* ---------------------------------------------------------- world */

void fk_init(struct fk *fk, const struct fo_config *cfg)
{
	/* the queues and the log need no clearing: cheap enough for 100,000 runs */
	memset(fk, 0, offsetof(struct fk, nlq));
	fk->cfg = *cfg;
	fk->next_ifindex = 2;
	fk->deadline = FO_TIME_NEVER;
	fk->now = 1000 * FO_USEC_PER_SEC;
	fk->verbose = getenv("FK_VERBOSE") != NULL;
}

void fk_done(struct fk *fk)
{
	fk->eng = pairing_free(fk->eng);
}

int fk_add_dev(struct fk *fk, const struct fk_dev *tmpl)
{
	struct fk_dev *d;
	int ifindex = fk_new_ifindex(fk, &d);

	if (ifindex < 0)
		return ifindex;
	*d = *tmpl;
	d->exists = true;
	d->ifindex = ifindex;
	d->exists = false;
	if (fk_by_name(fk, d->name))
		/* like the kernel's own "ethN" for a name that is taken */
		(void) snprintf(d->name, IFNAMSIZ, "dev%d", ifindex);
	d->exists = true;
	q_link(fk, d);
	if (d->udev_known && d->initialized)
		q_udev(fk, d);
	return ifindex;
}

int fk_add_standby(struct fk *fk, const char *name, const uint8_t mac[FO_MAC_LEN],
		   uint64_t group_id, bool up)
{
	struct fk_dev t = {
		.up = up,
		.carrier = true,
		.has_perm_mac = true,
		.mtu = 1500,
		.min_mtu = 68,
		.max_mtu = 65535,
		.udev_known = true,
		.initialized = true,
		.virtio = true,
		.group_id = group_id,
		.ipv6 = true,
		.addr_gen_mode = FO_ADDR_GEN_MODE_EUI64,
		.ll = up,
	};

	strscpy(t.name, IFNAMSIZ, name);
	strscpy(t.path_name, IFNAMSIZ, name);
	memcpy(t.mac, mac, FO_MAC_LEN);
	memcpy(t.perm_mac, mac, FO_MAC_LEN);
	(void) snprintf(t.driver, FO_DRIVER_LEN, "%s", "virtio_net");
	(void) snprintf(t.pci, FO_PCI_ADDR_LEN, "%s", "0000:00:03.0");
	return fk_add_dev(fk, &t);
}

int fk_add_vf(struct fk *fk, const char *name, const uint8_t mac[FO_MAC_LEN], uint64_t group_id,
	      bool initialized)
{
	struct fk_dev t = {
		.carrier = true, .has_perm_mac = true, .mtu = 1500, .min_mtu = 68, .max_mtu = 9710,
		.udev_known = true, .initialized = initialized, .group_id = group_id,
		.ipv6 = true, .addr_gen_mode = FO_ADDR_GEN_MODE_EUI64,
	};

	strscpy(t.name, IFNAMSIZ, name);
	memcpy(t.mac, mac, FO_MAC_LEN);
	memcpy(t.perm_mac, mac, FO_MAC_LEN);
	(void) snprintf(t.driver, FO_DRIVER_LEN, "%s", "e1000e");
	(void) snprintf(t.pci, FO_PCI_ADDR_LEN, "0000:%02x:00.0",
			(unsigned) fk->next_ifindex & 0xff);
	return fk_add_dev(fk, &t);
}

/* udev has processed the device: optional rename, then "initialized". */
void fk_udev_init(struct fk *fk, int ifindex, const char *new_name)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d)
		return;
	/* kernels < 6.2 refuse to rename an UP device: udev keeps the kernel name */
	if (new_name && !fk_by_name(fk, new_name) && (!d->up || fk->live_rename)) {
		strscpy(d->name, IFNAMSIZ, new_name);
		q_link(fk, d);
		if (d->master) {
			struct fk_dev *m = fk_dev(fk, d->master);

			if (m) {
				reselect(fk, m);
				q_link(fk, m);
			}
		}
	}
	d->udev_known = true;
	d->initialized = true;
	q_udev(fk, d);
}

void fk_remove(struct fk *fk, int ifindex)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (d)
		remove_dev(fk, d);
}

void fk_set_carrier(struct fk *fk, int ifindex, bool carrier)
{
	struct fk_dev *d = fk_dev(fk, ifindex), *m;

	if (!d)
		return;
	d->carrier = carrier;
	q_link(fk, d);
	if ((m = fk_dev(fk, d->master)))
		reselect(fk, m);
}

void fk_admin_set_up(struct fk *fk, int ifindex, bool up)
{
	struct fk_dev *d = fk_dev(fk, ifindex), *m;

	if (!d)
		return;
	set_open(fk, d, up);
	external_change(fk, d);
	q_link(fk, d);
	if ((m = fk_dev(fk, d->master)))
		reselect(fk, m);
}

void fk_admin_set_addr_gen_mode(struct fk *fk, int ifindex, uint8_t mode)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d || !d->ipv6)
		return;
	d->addr_gen_mode = mode;
	external_change(fk, d);
	q_link(fk, d);
}

void fk_set_addresses(struct fk *fk, int ifindex, bool has)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d)
		return;
	d->has_addresses = has;
	q_link(fk, d);
}

void fk_admin_release(struct fk *fk, int ifindex)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d || !d->master)
		return;
	release(fk, d, false);
	external_change(fk, d);
}

void fk_admin_delete(struct fk *fk, int ifindex)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d || !is_agg(d))
		return;
	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		if (fk->dev[i].exists && fk->dev[i].master == ifindex)
			external_change(fk, &fk->dev[i]);
	remove_dev(fk, d);
}

int fk_admin_foreign_bond(struct fk *fk, const char *name, int slave_ifindex)
{
	struct fk_dev t = { .mtu = 1500, .min_mtu = 68, .max_mtu = 65535, .udev_known = true,
			    .initialized = true, .carrier = true };
	struct fk_dev *s, *b;
	int ifindex;

	strscpy(t.name, IFNAMSIZ, name);
	(void) snprintf(t.kind, FO_KIND_LEN, "%s", "bond");
	fk_mac(t.mac, 0xbb0000u + (unsigned) fk->next_ifindex);
	ifindex = fk_add_dev(fk, &t);
	if (ifindex < 0)
		return ifindex;
	s = fk_dev(fk, slave_ifindex);
	b = fk_dev(fk, ifindex);
	if (s && !s->master) {
		memcpy(s->mac_before_enslave, s->mac, FO_MAC_LEN);
		s->master = ifindex;
		set_open(fk, s, true);
		external_change(fk, s);
		q_link(fk, s);
		reselect(fk, b);
	}
	return ifindex;
}

void fk_admin_set_alias(struct fk *fk, int ifindex, const char *alias)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d)
		return;
	strscpy(d->alias, FO_ALIAS_LEN, alias);
	q_link(fk, d);
}

/* `ip link property add dev X altname NAME` (an admin, or udev): announced only when UP. */
void fk_admin_add_alt_name(struct fk *fk, int ifindex, const char *name)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d || fk_name_holder(fk, name) || d->n_alt_names >= FO_ALT_NAMES_MAX)
		return;
	strscpy(d->alt_names[d->n_alt_names++], IFNAMSIZ, name);
	if (d->up)
		q_link(fk, d);
}

void fk_touch(struct fk *fk, int ifindex)
{
	struct fk_dev *d = fk_dev(fk, ifindex);

	if (!d)
		return;
	q_link(fk, d);
	if (d->udev_known && d->initialized)
		q_udev(fk, d);
}

/* ---------------------------------------------------------- daemon */

static void dump(struct fk *fk, bool udev)
{
	struct fo_obs o = { .type = FO_OBS_SYNC_BEGIN, .sync_udev = udev };

	/*
	 * The daemon reads what its monitor socket holds before it dumps (an
	 * event older than a dump fed after it would undo the dump's truth).
	 */
	while (udev ? fk_deliver_udev(fk) : fk_deliver_nl(fk))
		;

	feed_pump(fk, &o);
	for (size_t i = 0; i < FK_DEVS_MAX; i++) {
		const struct fk_dev *d = &fk->dev[i];

		if (!d->exists)
			continue;
		if (udev) {
			if (!d->udev_known)
				continue;
			o.type = FO_OBS_DEVICE;
			snapshot_dev(d, &o.device);
		} else {
			o.type = FO_OBS_LINK;
			snapshot_link(fk, d, &o.link);
		}
		feed_pump(fk, &o);
	}
	o = (struct fo_obs) { .type = FO_OBS_SYNC_END, .sync_udev = udev };
	feed_pump(fk, &o);
}

void fk_start(struct fk *fk)
{
	fk->eng = pairing_new(&fk->cfg);
	if (!fk->eng) {
		violation(fk, "pairing_new failed");
		return;
	}
	fk->nl_n = fk->ud_n = 0;
	fk->n_reqq = 0;
	fk->outstanding = false;
	fk->deadline = FO_TIME_NEVER;
	fk->requests_since_start = 0;
	fk_log(fk, "%8.3f daemon start", (double) fk->now / 1e6);
	if (fk->keep_state && fk->state_text[0]) {
		struct state st;
		char reason[STATE_REASON_LEN];

		if (state_parse(fk->state_text, strlen(fk->state_text), &st, reason,
				sizeof(reason)) < 0)
			violation(fk, "state file: %s", reason);
		else
			for (size_t i = 0; i < st.n_owed_up; i++)
				feed(fk, &(struct fo_obs) { .type = FO_OBS_STANDBY_WAS_UP,
							    .owed_up = st.owed_up[i] });
	}
	dump(fk, false);
	dump(fk, true);
}

void fk_stop(struct fk *fk)
{
	if (fk->keep_state && fk->eng) {
		/* what the daemon writes into /run/failoverd/state, through the real format */
		struct state st = { 0 };
		size_t n = pairing_owed_up(fk->eng, st.owed_up, FO_OWED_UP_MAX), len;

		st.n_owed_up = n < FO_OWED_UP_MAX ? n : FO_OWED_UP_MAX;
		if (state_format(&st, fk->state_text, sizeof(fk->state_text), &len) < 0)
			violation(fk, "state_format failed");
		fk_log(fk, "%8.3f daemon stop, %zu owed up in the state file", (double) fk->now / 1e6,
		       st.n_owed_up);
	}
	/*
	 * A new daemon knows only what the kernel shows: "how the standby was
	 * found" dies with the old one (docs/design.md, restart mid-transaction).
	 */
	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		fk->dev[i].found_valid = false;
	fk->eng = pairing_free(fk->eng);
	fk->nl_n = fk->ud_n = 0;
	fk->n_reqq = 0;
	fk->outstanding = false;
	fk->deadline = FO_TIME_NEVER;
	fk_log(fk, "%8.3f daemon stop", (double) fk->now / 1e6);
}

void fk_resync(struct fk *fk, bool udev)
{
	if (fk->eng)
		dump(fk, udev);
}

void fk_rescan(struct fk *fk)
{
	struct fo_obs o = { .type = FO_OBS_RESCAN };

	if (!fk->eng)
		return;
	feed_pump(fk, &o);
	dump(fk, false);
	dump(fk, true);
}

/* ---------------------------------------------------------- checks */

void fk_check_quiescent(struct fk *fk)
{
	if (!fk->eng || !fk_quiescent(fk))
		return;
	for (size_t i = 0; i < pairing_n_pairs(fk->eng); i++) {
		struct fo_pair_view v;

		/* a transaction (or its rollback) still running is not done yet */
		if (pairing_pair(fk->eng, i, fk->now, &v) == 0 &&
		    (v.rolling_back || v.in_transaction))
			return;
	}
	{
		/* what a restart would be told is true: the standby is down, or in a down aggregate */
		struct fo_owed_up owed[FO_OWED_UP_MAX];
		size_t n = pairing_owed_up(fk->eng, owed, FO_OWED_UP_MAX);

		for (size_t i = 0; i < n && i < FO_OWED_UP_MAX; i++) {
			struct fk_dev *d = fk_dev(fk, owed[i].ifindex), *m;

			if (!d)
				violation(fk, "owed up: ifindex %d does not exist", owed[i].ifindex);
			else if ((m = fk_dev(fk, d->master)) ? m->up : d->up)
				violation(fk, "owed up: %s, but %s is up", d->name,
					  m ? m->name : d->name);
		}
	}
	for (size_t i = 0; i < FK_DEVS_MAX; i++) {
		struct fk_dev *d = &fk->dev[i];
		struct fk_dev *m;

		/* a member of our aggregate carries no IPv6 address of its own */
		if (d->exists && d->ll && (m = fk_dev(fk, d->master)) && is_ours(m))
			violation(fk, "%s in %s has an IPv6 link-local address", d->name,
				  m->name);
		if (!d->exists || !d->found_valid || d->refused_write)
			continue;
		m = fk_dev(fk, d->master);
		if (m && is_ours(m)) {
			/* the transaction completed: nothing to restore any more */
			d->found_valid = false;
			d->refused_write = false;
			continue;
		}
		if (d->master)
			continue; /* someone else took it: not ours to judge */
		if (d->up != d->found_up)
			violation(fk, "%s left %s (found %s)", d->name, d->up ? "up" : "down",
				  d->found_up ? "up" : "down");
		else if (d->found_has_agm && d->ipv6 && d->addr_gen_mode != d->found_agm)
			violation(fk, "%s left with IPv6 address generation mode %u (found %u)",
				  d->name, d->addr_gen_mode, d->found_agm);
		/* the engine renames standbys only; VFs are renamed by udev */
		else if (d->virtio && !streq(d->name, d->found_name) &&
			 !fk_name_holder(fk, d->found_name))
			violation(fk, "%s left renamed (found as %s)", d->name, d->found_name);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

void fk_canon(const struct fk *fk, char *buf, size_t len)
{
	char lines[FK_DEVS_MAX][160];
	const char *ptr[FK_DEVS_MAX];
	size_t n = 0, off = 0;

	for (size_t i = 0; i < FK_DEVS_MAX; i++) {
		const struct fk_dev *d = &fk->dev[i];
		const char *master = "-", *active = "-";
		struct fo_link_info l;

		if (!d->exists)
			continue;
		snapshot_link(fk, d, &l);
		for (size_t j = 0; j < FK_DEVS_MAX; j++) {
			if (!fk->dev[j].exists)
				continue;
			if (fk->dev[j].ifindex == d->master)
				master = fk->dev[j].name;
			if (d->active && fk->dev[j].ifindex == d->active)
				active = fk->dev[j].name;
		}
		(void) snprintf(
			lines[n], sizeof(lines[n]),
			"%s%s%s %s master=%s mac=%02x%02x%02x primary=%s active=%s alias=%s",
			d->name, d->kind[0] ? "/" : "", d->kind, d->up ? "UP" : "down", master,
			d->mac[3], d->mac[4], d->mac[5], d->primary_name[0] ? d->primary_name : "-",
			active, d->alias[0] ? d->alias : "-");
		ptr[n] = lines[n];
		n++;
	}
	qsort(ptr, n, sizeof(*ptr), cmp_str);
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s\n", ptr[i]);

		if (w < 0)
			break;
		off += (size_t) w;
	}
}

void fk_dump_log(const struct fk *fk)
{
	size_t start = fk->log_n > FK_LOG_LINES ? fk->log_n - FK_LOG_LINES : 0;

	for (size_t i = start; i < fk->log_n; i++)
		fprintf(stderr, "  %s\n", fk->log[i % FK_LOG_LINES]);
}

int fk_pair_of(struct fk *fk, int ifindex, struct fo_pair_view *ret)
{
	if (!fk->eng)
		return -ENOENT;
	for (size_t i = 0; i < pairing_n_pairs(fk->eng); i++) {
		struct fo_pair_view v;

		if (pairing_pair(fk->eng, i, fk->now, &v) < 0)
			continue;
		if (v.standby_ifindex == ifindex || v.primary_ifindex == ifindex ||
		    v.aggregate_ifindex == ifindex) {
			*ret = v;
			return 0;
		}
	}
	return -ENOENT;
}
