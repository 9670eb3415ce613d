/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How fast the pairing engine decides.  A minimal in-process "kernel"
 * answers every request at once and sends the RTM_NEWLINK it causes, so
 * the figure is the engine's own cost (plus this loop), not the kernel's.
 *
 * Workload, per run: start-up (netlink dump + udev enumeration of all
 * NICs, every pair built), then churn until OBS observations were fed:
 * VF carrier flaps, VF unplug + replug (a new ifindex, udev, settle,
 * enslave, primary), standby carrier flaps and periodic full resyncs.
 *
 *   engine-bench [OBS [NICS]]  default 10000; prints ms and ns/observation
 *                              for 8, 64, 128, 256 and 1024 NICs (4 .. 512 pairs),
 *                              or only for NICS.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pairing.h"
#include "util.h"

#define MAX_IFINDEX 8192
#define SEC FO_USEC_PER_SEC

struct dev {
	bool exists, udev;
	struct fo_link_info l;
	struct fo_device_info d;
};

struct bench {
	struct pairing *p;
	struct dev dev[MAX_IFINDEX];
	int next_ifindex;
	uint64_t now, deadline;
	uint64_t obs, requests;
	uint64_t rnd;
};

static uint64_t rnd(struct bench *b)
{
	b->rnd ^= b->rnd >> 12;
	b->rnd ^= b->rnd << 25;
	b->rnd ^= b->rnd >> 27;
	return b->rnd * 2685821657736338717ULL;
}

static void feed(struct bench *b, const struct fo_obs *o);

static void send_link(struct bench *b, int ifindex)
{
	struct fo_obs o = { .type = FO_OBS_LINK, .link = b->dev[ifindex].l };

	feed(b, &o);
}

static int kernel(struct bench *b, const struct fo_action *a, int *ret_new)
{
	struct dev *d = a->ifindex > 0 && a->ifindex < MAX_IFINDEX ? &b->dev[a->ifindex] : NULL;
	struct dev *m;

	if (a->type != FO_ACT_CREATE && (!d || !d->exists))
		return -ENODEV;
	switch (a->type) {
	case FO_ACT_CREATE:
		if (b->next_ifindex >= MAX_IFINDEX)
			return -ENOSPC;
		*ret_new = b->next_ifindex++;
		d = &b->dev[*ret_new];
		*d = (struct dev) { .exists = true };
		d->l = (struct fo_link_info) { .ifindex = *ret_new, .mtu = a->mtu, .carrier = true };
		strscpy(d->l.name, IFNAMSIZ, a->name);
		strscpy(d->l.kind, FO_KIND_LEN, a->backend == FO_BACKEND_TEAM ? "team" : "bond");
		strscpy(d->l.alias, FO_ALIAS_LEN, a->alias);
		memcpy(d->l.mac, a->mac, FO_MAC_LEN);
		return 0;
	case FO_ACT_DELETE:
		d->exists = false;
		return 0;
	case FO_ACT_SET_DOWN:
		d->l.flags &= ~(unsigned) IFF_UP;
		return 0;
	case FO_ACT_SET_UP:
		d->l.flags |= IFF_UP;
		return 0;
	case FO_ACT_RENAME:
		strscpy(d->l.name, IFNAMSIZ, a->name);
		return 0;
	case FO_ACT_SET_MAC:
		memcpy(d->l.mac, a->mac, FO_MAC_LEN);
		return 0;
	case FO_ACT_SET_MTU:
		d->l.mtu = a->mtu;
		return 0;
	case FO_ACT_SET_ADDR_GEN_MODE:
		d->l.has_addr_gen_mode = true;
		d->l.addr_gen_mode = a->addr_gen_mode;
		return 0;
	case FO_ACT_ENSLAVE:
		m = &b->dev[a->master_ifindex];
		d->l.master_ifindex = a->master_ifindex;
		d->l.flags |= IFF_UP;
		memcpy(d->l.mac, m->l.mac, FO_MAC_LEN);
		if (!m->l.active_ifindex)
			m->l.active_ifindex = a->ifindex;
		return 0;
	case FO_ACT_RELEASE:
		d->l.master_ifindex = 0;
		d->l.flags &= ~(unsigned) IFF_UP;
		return 0;
	case FO_ACT_SET_PRIMARY:
		d->l.bond_primary_ifindex = a->arg_ifindex;
		d->l.active_ifindex = a->arg_ifindex;
		return 0;
	case FO_ACT_SET_ACTIVE:
		d->l.active_ifindex = a->arg_ifindex;
		return 0;
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	return -EINVAL;
}

/* A FIFO, not recursion: one start-up builds hundreds of pairs in a chain. */
#define QUEUE_MAX 4096
static struct fo_obs queue[QUEUE_MAX];
static size_t q_head, q_n;

static void push(const struct fo_obs *o)
{
	if (q_n == QUEUE_MAX) {
		fprintf(stderr, "queue overflow\n");
		exit(EXIT_FAILURE);
	}
	queue[(q_head + q_n++) % QUEUE_MAX] = *o;
}

static void feed_one(struct bench *b, const struct fo_obs *o)
{
	static struct fo_actions out;
	int r;

	out.n = 0;
	b->obs++;
	r = pairing_feed(b->p, o, b->now, &out);
	if (r < 0) {
		fprintf(stderr, "pairing_feed: %d\n", r);
		exit(EXIT_FAILURE);
	}
	b->deadline = out.next_deadline_usec;
	for (size_t i = 0; i < out.n; i++) {
		struct fo_obs res = { .type = FO_OBS_RESULT };
		const struct fo_action *a = &out.a[i];
		int new_ifindex = 0;

		if (a->type == FO_ACT_EVENT)
			continue;
		b->requests++;
		res.result.action_id = a->id;
		res.result.error = kernel(b, a, &new_ifindex);
		res.result.new_ifindex = new_ifindex;
		push(&res);
		/* the RTM_NEWLINK(s) the request caused */
		if (res.result.error == 0) {
			int target = a->type == FO_ACT_CREATE ? new_ifindex : a->ifindex;
			struct fo_obs l = { .type = FO_OBS_LINK };

			if (a->type == FO_ACT_DELETE) {
				l = (struct fo_obs) { .type = FO_OBS_LINK_GONE, .ifindex = target };
				push(&l);
			} else {
				l.link = b->dev[target].l;
				push(&l);
			}
			if (a->type == FO_ACT_ENSLAVE) {
				l = (struct fo_obs) { .type = FO_OBS_LINK,
						     .link = b->dev[a->master_ifindex].l };
				push(&l);
			}
		}
	}
}

static void feed(struct bench *b, const struct fo_obs *o)
{
	push(o);
	while (q_n > 0) {
		struct fo_obs x = queue[q_head];

		q_head = (q_head + 1) % QUEUE_MAX;
		q_n--;
		feed_one(b, &x);
	}
}

static int add_nic(struct bench *b, bool virtio, unsigned pair)
{
	int i = b->next_ifindex++;
	struct dev *d = &b->dev[i];

	*d = (struct dev) { .exists = true, .udev = true };
	d->l = (struct fo_link_info) { .ifindex = i,
				      .carrier = true,
				      .has_perm_mac = true,
				      .mtu = 1500,
				      .min_mtu = 68,
				      .max_mtu = 9000 };
	(void) snprintf(d->l.name, IFNAMSIZ, "%s%u", virtio ? "ens" : "enp", (unsigned) i);
	d->l.perm_mac[0] = 0x52;
	d->l.perm_mac[1] = 0x54;
	d->l.perm_mac[4] = (uint8_t) (pair >> 8);
	d->l.perm_mac[5] = (uint8_t) pair;
	memcpy(d->l.mac, d->l.perm_mac, FO_MAC_LEN);
	d->d = (struct fo_device_info) { .ifindex = i, .initialized = true, .is_virtio = virtio };
	strscpy(d->d.name, IFNAMSIZ, d->l.name);
	(void) snprintf(d->d.driver, FO_DRIVER_LEN, "%s", virtio ? "virtio_net" : "iavf");
	(void) snprintf(d->d.pci_addr, FO_PCI_ADDR_LEN, "0000:%02x:%02x.0",
			(unsigned) (i >> 8) & 0xff, (unsigned) i & 0xff);
	d->d.group.status = PCICAP_ABSENT;
	return i;
}

static void announce(struct bench *b, int i)
{
	struct fo_obs o = { .type = FO_OBS_LINK, .link = b->dev[i].l };

	feed(b, &o);
	o = (struct fo_obs) { .type = FO_OBS_DEVICE, .device = b->dev[i].d };
	strscpy(o.device.name, IFNAMSIZ, b->dev[i].l.name);
	feed(b, &o);
}

static void dump(struct bench *b, bool udev)
{
	struct fo_obs o = { .type = FO_OBS_SYNC_BEGIN, .sync_udev = udev };

	feed(b, &o);
	for (int i = 1; i < b->next_ifindex; i++) {
		if (!b->dev[i].exists || (udev && !b->dev[i].udev))
			continue;
		if (udev) {
			o = (struct fo_obs) { .type = FO_OBS_DEVICE, .device = b->dev[i].d };
			strscpy(o.device.name, IFNAMSIZ, b->dev[i].l.name);
		} else
			o = (struct fo_obs) { .type = FO_OBS_LINK, .link = b->dev[i].l };
		feed(b, &o);
	}
	o = (struct fo_obs) { .type = FO_OBS_SYNC_END, .sync_udev = udev };
	feed(b, &o);
}

static void settle(struct bench *b)
{
	for (unsigned i = 0; i < 64 && b->deadline != FO_TIME_NEVER; i++) {
		struct fo_obs t = { .type = FO_OBS_TICK };

		if (b->deadline > b->now)
			b->now = b->deadline;
		feed(b, &t);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* One run: returns the milliseconds spent feeding n_obs observations. */
static double run(unsigned n_nics, uint64_t n_obs, uint64_t *ret_requests, size_t *ret_pairs)
{
	static struct bench b;
	unsigned n_pairs = n_nics / 2;
	int vf[1024];
	struct fo_config cfg;
	double t0, t1;

	memset(&b, 0, sizeof(b));
	b.next_ifindex = 2;
	b.now = 1000 * SEC;
	b.rnd = 0x123456789abcdefULL + n_nics;
	pairing_config_defaults(&cfg);
	b.p = pairing_new(&cfg);
	if (!b.p) {
		fprintf(stderr, "pairing_new failed\n");
		exit(EXIT_FAILURE);
	}
	for (unsigned i = 0; i < n_pairs; i++) {
		(void) add_nic(&b, true, i);
		vf[i] = add_nic(&b, false, i);
	}

	t0 = now_ms();
	dump(&b, false);
	dump(&b, true);
	settle(&b);
	while (b.obs < n_obs) {
		unsigned k = (unsigned) (rnd(&b) % n_pairs), op = (unsigned) (rnd(&b) % 10);
		struct dev *d = &b.dev[vf[k]];

		b.now += 10000;
		if (op < 5) {
			/* VF carrier flap */
			d->l.carrier = !d->l.carrier;
			send_link(&b, vf[k]);
		} else if (op < 8) {
			/* migration: unplug, replug with a new ifindex */
			struct fo_obs g = { .type = FO_OBS_LINK_GONE, .ifindex = vf[k] };

			d->exists = false;
			feed(&b, &g);
			g.type = FO_OBS_DEVICE_GONE;
			feed(&b, &g);
			if (b.next_ifindex >= MAX_IFINDEX - 4)
				break;
			vf[k] = add_nic(&b, false, k);
			announce(&b, vf[k]);
			b.now += 10000;
			settle(&b);
		} else if (op < 9) {
			/* standby carrier flap: an RTM_NEWLINK the engine only has to look at */
			int s = vf[k] - 1;

			if (s > 0 && b.dev[s].exists) {
				b.dev[s].l.carrier = !b.dev[s].l.carrier;
				send_link(&b, s);
			}
		} else if (rnd(&b) % 20 == 0) {
			/* the odd full resync (ENOBUFS) */
			dump(&b, false);
		} else {
			struct fo_obs t = { .type = FO_OBS_TICK };

			feed(&b, &t);
		}
	}
	t1 = now_ms();
	*ret_requests = b.requests;
	*ret_pairs = pairing_n_pairs(b.p);
	b.p = pairing_free(b.p);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = { 8, 64, 128, 256, 1024 };
	uint64_t n_obs = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000;
	unsigned only = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 0) : 0;

	printf("pairing engine: %" PRIu64
	       " observations per run (start-up + churn), fake kernel in-process\n",
	       n_obs);
	printf("%6s %6s %10s %12s %10s\n", "NICs", "pairs", "ms", "ns/obs", "requests");
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		uint64_t req = 0;
		size_t pairs = 0;

		if (only && sizes[i] != only)
			continue;
		double best = 1e30;

		/* best of 3: the machine is shared */
		for (int rep = 0; rep < 3; rep++) {
			double ms = run(sizes[i], n_obs, &req, &pairs);

			if (ms < best)
				best = ms;
		}
		printf("%6u %6zu %10.2f %12.0f %10" PRIu64 "%s\n", sizes[i], pairs, best,
		       best * 1e6 / (double) n_obs, req,
		       sizes[i] == 128 ? "   <- 64 pairs: target < 50 ms" : "");
	}
	return EXIT_SUCCESS;
}
