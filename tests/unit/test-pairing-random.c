/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random observation sequences against the fake kernel, with the
 * invariants of reliability-anchors §M asserted after every step:
 *
 *  - no write to a device failoverd does not own (kernel-managed, foreign
 *    master, a standby with addresses): checked on every request;
 *  - at most one request outstanding (so at most one per pair);
 *  - at quiescence every device a transaction touched is as it was found
 *    (the standby is never left down) unless it is in our aggregate;
 *  - the engine never reports an error for well-formed input and never
 *    asks for a deadline in the past;
 *  - at the end, with the disturbances over, the world converges to the
 *    plan (aggregate + standby + the single VF, primary/active right), and
 *    a restarted daemon adopts it with zero requests.
 *
 * Usage: test-pairing-random [SEQUENCES [FIRST_SEED]]; the environment
 * variables FO_RANDOM_SEQS and FO_RANDOM_SEED do the same.  A failure
 * prints the seed; "test-pairing-random 1 SEED" replays it with its log.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-kernel.h"
#include "pairing.h"
#include "util.h"

#define SEC FO_USEC_PER_SEC
#define N_KEYS 3
#define DEFAULT_SEQS 10000

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* xorshift64*: reproducible everywhere, no libc state */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned) (rnd(r) % n);
}

static bool chance(struct rng *r, unsigned percent)
{
	return pick(r, 100) < percent;
}

struct fault_plan {
	struct rng *r;
	unsigned percent;       /* chance that a request fails */
};

static const int fault_errors[] = { -EBUSY, -EAGAIN, -ENOBUFS, -ENOMEM, -ETIMEDOUT, -EINTR, -EPERM,
				    -EOPNOTSUPP, -EINVAL, -EEXIST, -ENODEV, -ENOENT };

static int random_fault(struct fk *fk, const struct fo_action *a, uint64_t n, void *ud)
{
	struct fault_plan *fp = ud;

	int e;

	if (fp->percent == 0 || !chance(fp->r, fp->percent))
		return 0;
	e = fault_errors[pick(fp->r, ELEMENTSOF(fault_errors))];
	/* the kernel says ENODEV for devices that are gone: removals do that for real */
	if ((e == -ENODEV || e == -ENOENT) && fk_dev(fk, a->ifindex))
		e = -EBUSY;
	return e;
}

static void key_mac(uint8_t mac[FO_MAC_LEN], unsigned k)
{
	fk_mac(mac, 0x100 + k);
}

/* Devices of the world that belong to key k, by role. */
static void count_key(struct fk *fk, unsigned k, struct fk_dev **ret_sby, unsigned *ret_n_sby,
		      struct fk_dev **ret_vf, unsigned *ret_n_vf, bool *ret_foreign)
{
	uint8_t mac[FO_MAC_LEN];

	key_mac(mac, k);
	*ret_n_sby = *ret_n_vf = 0;
	*ret_foreign = false;
	*ret_sby = *ret_vf = NULL;
	for (size_t i = 0; i < FK_DEVS_MAX; i++) {
		struct fk_dev *d = &fk->dev[i];
		struct fk_dev *m;

		if (!d->exists || d->kind[0] || memcmp(d->perm_mac, mac, FO_MAC_LEN) != 0)
			continue;
		m = d->master ? fk_dev(fk, d->master) : NULL;
		if (m && strncmp(m->alias, FO_ALIAS_PREFIX, strlen(FO_ALIAS_PREFIX)) != 0)
			*ret_foreign = true;
		if (d->virtio) {
			(*ret_n_sby)++;
			*ret_sby = d;
			if (d->up && d->has_addresses && !d->master)
				*ret_foreign = true; /* refused by design: not ours to take down */
		} else {
			(*ret_n_vf)++;
			*ret_vf = d;
		}
	}
}

static int check_final(struct fk *fk, char *why, size_t len)
{
	for (unsigned k = 0; k < N_KEYS; k++) {
		struct fk_dev *s, *v, *a;
		unsigned ns, nv, n_agg = 0;
		bool foreign;
		char want_alias[FO_ALIAS_LEN], keytext[48];
		struct fo_key key = { .source = FO_KEY_MAC };

		count_key(fk, k, &s, &ns, &v, &nv, &foreign);
		key_mac(key.mac, k);
		(void) snprintf(want_alias, sizeof(want_alias), "%s%s", FO_ALIAS_PREFIX,
				pairing_key_format(&key, keytext, sizeof(keytext)));
		a = NULL;
		for (size_t i = 0; i < FK_DEVS_MAX; i++)
			if (fk->dev[i].exists && streq(fk->dev[i].alias, want_alias)) {
				n_agg++;
				a = &fk->dev[i];
			}
		if (n_agg > 1) {
			(void) snprintf(why, len, "key %u: %u aggregates", k, n_agg);
			return -1;
		}
		if (foreign || ns != 1)
			continue;
		if (!a || s->master != a->ifindex) {
			(void) snprintf(why, len, "key %u: standby %s not in an aggregate", k,
					s->name);
			return -1;
		}
		if (nv == 1 && v->initialized) {
			if (v->master != a->ifindex) {
				(void) snprintf(why, len, "key %u: VF %s not enslaved", k, v->name);
				return -1;
			}
			if (streq(a->kind, "bond") && !streq(a->primary_name, v->name)) {
				(void) snprintf(why, len, "key %u: bond primary \"%s\", VF %s", k,
						a->primary_name, v->name);
				return -1;
			}
			if (streq(a->kind, "team") && v->carrier && a->active != v->ifindex) {
				(void) snprintf(why, len, "key %u: team active %d, VF %d", k,
						a->active, v->ifindex);
				return -1;
			}
		}
		if (nv > 1) {
			unsigned enslaved = 0;

			for (size_t i = 0; i < FK_DEVS_MAX; i++)
				if (fk->dev[i].exists && !fk->dev[i].virtio &&
				    fk->dev[i].master == a->ifindex)
					enslaved++;
			if (enslaved > 1) {
				(void) snprintf(why, len, "key %u: %u VFs enslaved", k, enslaved);
				return -1;
			}
		}
		if (streq(a->kind, "team") && a->active == 0 && s->carrier) {
			(void) snprintf(why, len, "key %u: team without an active port", k);
			return -1;
		}
	}
	return 0;
}

static int pick_dev(struct fk *fk, struct rng *r, bool (*want)(const struct fk_dev *d))
{
	int c[FK_DEVS_MAX];
	unsigned n = 0;

	for (size_t i = 0; i < FK_DEVS_MAX; i++)
		if (fk->dev[i].exists && want(&fk->dev[i]))
			c[n++] = fk->dev[i].ifindex;
	return n ? c[pick(r, n)] : 0;
}

static bool is_vf(const struct fk_dev *d)
{
	return !d->virtio && !d->kind[0] && d->pci[0];
}

static bool is_vf_uninit(const struct fk_dev *d)
{
	return is_vf(d) && !d->initialized;
}

static bool is_nic(const struct fk_dev *d)
{
	return !d->kind[0] && d->pci[0];
}

static bool is_member(const struct fk_dev *d)
{
	return d->master != 0;
}

static bool is_our_agg(const struct fk_dev *d)
{
	return d->kind[0] && strncmp(d->alias, FO_ALIAS_PREFIX, strlen(FO_ALIAS_PREFIX)) == 0;
}

static bool is_free_nic(const struct fk_dev *d)
{
	return is_nic(d) && !d->master;
}

static int one_sequence(uint64_t seed, bool verbose, char *why, size_t len)
{
	struct rng r = { .s = seed * 0x9E3779B97F4A7C15ULL + 1 };
	struct fault_plan fp = { .r = &r };
	struct fo_config cfg;
	static struct fk fk; /* big: keep it off the stack */
	unsigned steps = 10 + pick(&r, 40), vf_names = 0, sby_names = 0;
	int rc = 0;

	pairing_config_defaults(&cfg);
	cfg.backend = chance(&r, 30) ? FO_BACKEND_TEAM : FO_BACKEND_BOND;
	cfg.naming = chance(&r, 30) ? FO_NAMING_NAMED : FO_NAMING_TAKEOVER;
	cfg.live_rename = chance(&r, 30);
	cfg.settle_usec = pick(&r, 3) * SEC / 2;
	fk_init(&fk, &cfg);
	fk.live_rename = cfg.live_rename || chance(&r, 20);
	fk.verbose = verbose;
	fk.fault = random_fault;
	fk.fault_userdata = &fp;

	for (unsigned i = 0; i < steps && !fk.n_violations; i++) {
		unsigned op = pick(&r, 100), k = pick(&r, N_KEYS);
		uint8_t mac[FO_MAC_LEN];
		char name[IFNAMSIZ];
		int d;

		key_mac(mac, k);
		fp.percent = chance(&r, 25) ? 10 + pick(&r, 40) : 0;
		if (op < 12) {
			/* unique: a taken name makes "rename back" impossible, a separate case */
			(void) snprintf(name, sizeof(name), "vs%un%u", k, sby_names++);
			d = fk_add_standby(&fk, name, mac, 0, chance(&r, 40));
			if (d > 0 && chance(&r, 5))
				fk_set_addresses(&fk, d, fk_dev(&fk, d)->up);
		} else if (op < 26) {
			(void) snprintf(name, sizeof(name), "eth%u", vf_names++);
			d = fk_add_vf(&fk, name, mac, 0, chance(&r, 40));
			if (d > 0 && chance(&r, 20))
				fk_admin_set_up(&fk, d, true);
		} else if (op < 36) {
			d = pick_dev(&fk, &r, is_vf_uninit);
			(void) snprintf(name, sizeof(name), "enp%us%u", k, pick(&r, 9));
			if (d)
				fk_udev_init(&fk, d, name);
		} else if (op < 44) {
			d = pick_dev(&fk, &r, is_nic);
			if (d)
				fk_remove(&fk, d);
		} else if (op < 52) {
			d = pick_dev(&fk, &r, is_nic);
			if (d)
				fk_set_carrier(&fk, d, chance(&r, 50));
		} else if (op < 55) {
			d = pick_dev(&fk, &r, is_member);
			if (d)
				fk_admin_release(&fk, d);
		} else if (op < 57) {
			d = pick_dev(&fk, &r, is_our_agg);
			if (d)
				fk_admin_delete(&fk, d);
		} else if (op < 58) {
			d = pick_dev(&fk, &r, is_free_nic);
			(void) snprintf(name, sizeof(name), "bond%u", pick(&r, 100));
			if (d && !fk_by_name(&fk, name))
				(void) fk_admin_foreign_bond(&fk, name, d);
		} else if (op < 66) {
			if (!fk.eng)
				fk_start(&fk);
			else if (chance(&r, 30)) {
				fk_stop(&fk);
				fk_start(&fk);
			}
		} else if (op < 70) {
			/* ENOBUFS: the queue is lost, a full resync follows */
			bool udev = chance(&r, 50);

			if (udev)
				fk.ud_n = 0;
			else
				fk.nl_n = 0;
			fk_resync(&fk, udev);
		} else if (op < 85) {
			unsigned n = 1 + pick(&r, 6);

			while (n--)
				(void) (chance(&r, 50) ? fk_deliver_nl(&fk) : fk_deliver_udev(&fk));
		} else if (op < 93) {
			fk_advance(&fk, pick(&r, 4) * SEC / 4 + pick(&r, 1000));
		} else if (op < 97) {
			(void) fk_run(&fk, pick(&r, 20) * SEC);
		} else {
			fk_rescan(&fk);
		}
		if (fk.eng && fk.deadline != FO_TIME_NEVER && fk.deadline < fk.now &&
		    fk_quiescent(&fk))
			fk_tick(&fk);
	}

	/* the disturbances stop: converge and check the plan */
	if (!fk.n_violations) {
		fp.percent = 0;
		if (!fk.eng)
			fk_start(&fk);
		fk_rescan(&fk);
		if (!fk_run(&fk, 3600 * SEC))
			(void) snprintf(why, len, "did not converge");
		else if (check_final(&fk, why, len) < 0)
			rc = -1;
	}
	if (!fk.n_violations && rc == 0) {
		uint64_t before;

		/* restart = adopt: zero requests */
		fk_stop(&fk);
		fk_start(&fk);
		(void) fk_run(&fk, 3600 * SEC);
		before = fk.requests_since_start;
		if (before != 0) {
			(void) snprintf(why, len, "restart sent %" PRIu64 " request(s)", before);
			rc = -1;
		}
	}
	if (fk.n_violations) {
		strscpy(why, len, fk.violation);
		rc = -1;
	}
	if (rc < 0 && verbose) {
		char canon[4096];

		fk_canon(&fk, canon, sizeof(canon));
		fprintf(stderr, "final world:\n%s", canon);
	}
	fk_done(&fk);
	return rc;
}

int main(int argc, char **argv)
{
	const char *e_seqs = getenv("FO_RANDOM_SEQS"), *e_seed = getenv("FO_RANDOM_SEED");
	uint64_t n = e_seqs ? strtoull(e_seqs, NULL, 0) : DEFAULT_SEQS;
	uint64_t first = e_seed ? strtoull(e_seed, NULL, 0) : 1;
	uint64_t failed = 0;

	if (argc > 1)
		n = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		first = strtoull(argv[2], NULL, 0);
	for (uint64_t i = 0; i < n; i++) {
		char why[FK_VIOLATION_LEN] = "";

		if (one_sequence(first + i, false, why, sizeof(why)) < 0) {
			fprintf(stderr, "FAIL seed %" PRIu64 ": %s\n", first + i, why);
			if (failed++ == 0) {
				fprintf(stderr, "replay (%s 1 %" PRIu64 "):\n", argv[0], first + i);
				(void) one_sequence(first + i, true, why, sizeof(why));
			}
			if (failed >= 5)
				break;
		}
	}
	printf("%" PRIu64 " random sequences from seed %" PRIu64 ": %" PRIu64 " failed\n", n, first,
	       failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
