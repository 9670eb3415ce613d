/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "dryrun.h"
#include "util.h"

struct dryrun_dev {
	int ifindex;
	bool has_link, has_device;
	struct fo_link_info link;
	struct fo_device_info device;
};

struct dryrun {
	struct dryrun_dev *dev;
	size_t n, cap;
};

struct dryrun *dryrun_new(void)
{
	return calloc(1, sizeof(struct dryrun));
}

struct dryrun *dryrun_free(struct dryrun *w)
{
	if (w) {
		free(w->dev);
		free(w);
	}
	return NULL;
}

static struct dryrun_dev *dev_find(struct dryrun *w, int ifindex)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->dev[i].ifindex == ifindex)
			return &w->dev[i];
	return NULL;
}

static struct dryrun_dev *dev_get(struct dryrun *w, int ifindex)
{
	struct dryrun_dev *d = dev_find(w, ifindex);

	if (d)
		return d;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct dryrun_dev *n = realloc(w->dev, cap * sizeof(*n));

		if (!n)
			return NULL;
		w->dev = n;
		w->cap = cap;
	}
	d = &w->dev[w->n++];
	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	return d;
}

static void dev_drop(struct dryrun *w, int ifindex)
{
	struct dryrun_dev *d = dev_find(w, ifindex);

	if (d)
		*d = w->dev[--w->n];
}

int dryrun_observe(struct dryrun *w, const struct fo_obs *obs)
{
	struct dryrun_dev *d;

	switch (obs->type) {
	case FO_OBS_LINK:
		d = dev_get(w, obs->link.ifindex);
		if (!d)
			return -ENOMEM;
		d->link = obs->link;
		d->has_link = true;
		return 0;
	case FO_OBS_DEVICE:
		d = dev_get(w, obs->device.ifindex);
		if (!d)
			return -ENOMEM;
		d->device = obs->device;
		d->has_device = true;
		return 0;
	case FO_OBS_LINK_GONE:
	case FO_OBS_DEVICE_GONE:
		dev_drop(w, obs->ifindex);
		return 0;
	case FO_OBS_SYNC_BEGIN:
	case FO_OBS_SYNC_END:
	case FO_OBS_RESULT:
	case FO_OBS_TICK:
	case FO_OBS_RESCAN:
	case FO_OBS_STANDBY_WAS_UP:
	case FO_OBS_MAX:
	case FO_OBS_INVALID:
		break;
	}
	return 0;
}

static void emit_link(const struct dryrun_dev *d, fo_obs_cb cb, void *userdata)
{
	struct fo_obs o = { .type = FO_OBS_LINK };

	o.link = d->link;
	cb(&o, userdata);
}

static void emit_device(const struct dryrun_dev *d, fo_obs_cb cb, void *userdata)
{
	struct fo_obs o = { .type = FO_OBS_DEVICE };

	if (!d->has_device)
		return;
	o.device = d->device;
	cb(&o, userdata);
}

/* The aggregate whose active member or primary changes, and that member. */
static void set_active(struct dryrun *w, struct dryrun_dev *agg)
{
	struct dryrun_dev *p = agg->link.bond_primary_ifindex ?
				       dev_find(w, agg->link.bond_primary_ifindex) : NULL;

	/* active-backup: the primary if it is up with carrier, else keep the current one. */
	if (p && p->link.master_ifindex == agg->ifindex && (p->link.flags & IFF_UP) && p->link.carrier)
		agg->link.active_ifindex = p->ifindex;
}

int dryrun_apply(struct dryrun *w, const struct fo_action *a, int new_ifindex, fo_obs_cb cb,
		 void *userdata)
{
	struct dryrun_dev *d, *m;

	if (a->type == FO_ACT_EVENT || a->type < 0 || a->type >= FO_ACT_MAX)
		return -EINVAL;
	if (a->type == FO_ACT_CREATE) {
		if (new_ifindex <= 0 || dev_find(w, new_ifindex))
			return -EINVAL;
		d = dev_get(w, new_ifindex);
		if (!d)
			return -ENOMEM;
		d->has_link = d->has_device = true;
		d->link.ifindex = d->device.ifindex = new_ifindex;
		strscpy(d->link.name, sizeof(d->link.name), a->name);
		strscpy(d->device.name, sizeof(d->device.name), a->name);
		memcpy(d->link.mac, a->mac, FO_MAC_LEN);
		strscpy(d->link.kind, sizeof(d->link.kind), a->backend == FO_BACKEND_TEAM ? "team" : "bond");
		strscpy(d->link.alias, sizeof(d->link.alias), a->alias);
		d->link.mtu = a->mtu ? a->mtu : 1500;
		d->link.min_mtu = 68;
		d->link.max_mtu = 65535;
		/* udev processes a virtual device at once: initialized, no PCI parent. */
		d->device.initialized = true;
		strscpy(d->device.driver, sizeof(d->device.driver), "");
		emit_link(d, cb, userdata);
		emit_device(d, cb, userdata);
		return 0;
	}

	d = dev_find(w, a->ifindex);
	if (!d || !d->has_link)
		return -ENODEV;
	switch (a->type) {
	case FO_ACT_DELETE: {
		struct fo_obs o = { .type = FO_OBS_LINK_GONE, .ifindex = a->ifindex };

		/* Members are released by the kernel first. */
		for (size_t i = 0; i < w->n; i++)
			if (w->dev[i].link.master_ifindex == a->ifindex) {
				w->dev[i].link.master_ifindex = 0;
				w->dev[i].link.slave_kind[0] = '\0';
				emit_link(&w->dev[i], cb, userdata);
			}
		dev_drop(w, a->ifindex);
		cb(&o, userdata);
		o.type = FO_OBS_DEVICE_GONE;
		cb(&o, userdata);
		return 0;
	}
	case FO_ACT_SET_DOWN:
		d->link.flags &= ~(unsigned) IFF_UP;
		d->link.carrier = false;
		break;
	case FO_ACT_SET_UP:
		d->link.flags |= IFF_UP;
		/* A member or a NIC gets carrier on up; an aggregate when a member has it. */
		d->link.carrier = d->link.kind[0] == '\0';
		for (size_t i = 0; i < w->n && !d->link.carrier; i++)
			if (w->dev[i].link.master_ifindex == d->ifindex && w->dev[i].link.carrier)
				d->link.carrier = true;
		break;
	case FO_ACT_RENAME:
		strscpy(d->link.name, sizeof(d->link.name), a->name);
		strscpy(d->device.name, sizeof(d->device.name), a->name);
		emit_link(d, cb, userdata);
		emit_device(d, cb, userdata);
		return 0;
	case FO_ACT_SET_MAC:
		memcpy(d->link.mac, a->mac, FO_MAC_LEN);
		break;
	case FO_ACT_SET_MTU:
		d->link.mtu = a->mtu;
		break;
	case FO_ACT_SET_ADDR_GEN_MODE:
		d->link.has_addr_gen_mode = true;
		d->link.addr_gen_mode = a->addr_gen_mode;
		break;
	case FO_ACT_DEL_ALTNAME:
		for (size_t i = 0; i < d->link.n_alt_names && i < FO_ALT_NAMES_MAX; i++)
			if (streq(d->link.alt_names[i], a->name)) {
				memmove(d->link.alt_names[i], d->link.alt_names[i + 1],
					(d->link.n_alt_names - i - 1) * IFNAMSIZ);
				d->link.n_alt_names--;
				break;
			}
		break;
	case FO_ACT_ENSLAVE:
		m = dev_find(w, a->master_ifindex);
		if (!m)
			return -ENODEV;
		d->link.master_ifindex = a->master_ifindex;
		strscpy(d->link.slave_kind, sizeof(d->link.slave_kind), m->link.kind);
		/* Bonding opens the slave: it comes up; carrier follows (virtual world: always). */
		d->link.flags |= IFF_UP;
		d->link.carrier = true;
		if (!m->link.active_ifindex)
			m->link.active_ifindex = d->ifindex;
		set_active(w, m);
		if ((m->link.flags & IFF_UP) && !m->link.carrier)
			m->link.carrier = true;
		emit_link(d, cb, userdata);
		emit_link(m, cb, userdata);
		return 0;
	case FO_ACT_RELEASE:
		m = dev_find(w, d->link.master_ifindex);
		d->link.master_ifindex = 0;
		d->link.slave_kind[0] = '\0';
		emit_link(d, cb, userdata);
		if (m) {
			if (m->link.active_ifindex == d->ifindex)
				m->link.active_ifindex = 0;
			if (m->link.bond_primary_ifindex == d->ifindex)
				m->link.bond_primary_ifindex = 0;
			emit_link(m, cb, userdata);
		}
		return 0;
	case FO_ACT_SET_PRIMARY:
		d->link.bond_primary_ifindex = a->arg_ifindex;
		set_active(w, d);
		break;
	case FO_ACT_SET_ACTIVE:
		d->link.active_ifindex = a->arg_ifindex;
		break;
	case FO_ACT_CREATE:
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		return -EINVAL;
	}
	emit_link(d, cb, userdata);
	return 0;
}
