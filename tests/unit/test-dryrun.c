/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dry-run world model: each simulated request yields the observations a kernel would send. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "dryrun.h"
#include "util.h"

#define MAX_OBS 16
static struct fo_obs seen[MAX_OBS];
static size_t n_seen;

static void collect(const struct fo_obs *obs, void *userdata)
{
	ck_assert_uint_lt(n_seen, MAX_OBS);
	seen[n_seen++] = *obs;
}

static void link_obs(struct dryrun *w, int ifindex, const char *name, bool up)
{
	struct fo_obs o = { .type = FO_OBS_LINK };

	o.link.ifindex = ifindex;
	strscpy(o.link.name, sizeof(o.link.name), name);
	o.link.flags = up ? IFF_UP : 0;
	o.link.carrier = up;
	ck_assert_int_eq(dryrun_observe(w, &o), 0);
}

static const struct fo_link_info *last_link(int ifindex)
{
	for (size_t i = n_seen; i > 0; i--)
		if (seen[i - 1].type == FO_OBS_LINK && seen[i - 1].link.ifindex == ifindex)
			return &seen[i - 1].link;
	ck_abort_msg("no FO_OBS_LINK for ifindex %d", ifindex);
	return NULL;
}

static void apply(struct dryrun *w, const struct fo_action *a, int new_ifindex)
{
	n_seen = 0;
	ck_assert_int_eq(dryrun_apply(w, a, new_ifindex, collect, NULL), 0);
	ck_assert_uint_gt(n_seen, 0);
}

START_TEST(test_build_a_pair)
{
	struct dryrun *w = dryrun_new();
	struct fo_action a = {};
	struct fo_obs dev = { .type = FO_OBS_DEVICE };

	ck_assert_ptr_nonnull(w);
	link_obs(w, 3, "eth0", false);
	link_obs(w, 4, "enp1s0", false);
	dev.device.ifindex = 3;
	dev.device.initialized = true;
	strscpy(dev.device.name, IFNAMSIZ, "eth0");
	ck_assert_int_eq(dryrun_observe(w, &dev), 0);

	a = (struct fo_action) { .type = FO_ACT_RENAME, .ifindex = 3 };
	strscpy(a.name, IFNAMSIZ, "eth0nsby");
	apply(w, &a, 0);
	ck_assert_str_eq(last_link(3)->name, "eth0nsby");
	/* udev reports the rename too ("move"). */
	ck_assert_int_eq(seen[n_seen - 1].type, FO_OBS_DEVICE);
	ck_assert_str_eq(seen[n_seen - 1].device.name, "eth0nsby");

	a = (struct fo_action) { .type = FO_ACT_CREATE, .backend = FO_BACKEND_BOND, .mac = { 2, 0, 0, 0, 0, 1 } };
	strscpy(a.name, IFNAMSIZ, "eth0");
	strscpy(a.alias, FO_ALIAS_LEN, "failoverd:mac:02:00:00:00:00:01");
	apply(w, &a, 100001);
	ck_assert_str_eq(last_link(100001)->kind, "bond");
	ck_assert_str_eq(last_link(100001)->alias, "failoverd:mac:02:00:00:00:00:01");
	ck_assert(seen[1].type == FO_OBS_DEVICE && seen[1].device.initialized);
	/* The same ifindex twice is refused. */
	ck_assert_int_eq(dryrun_apply(w, &a, 100001, collect, NULL), -EINVAL);

	a = (struct fo_action) { .type = FO_ACT_ENSLAVE, .ifindex = 3, .master_ifindex = 100001 };
	apply(w, &a, 0);
	ck_assert_int_eq(last_link(3)->master_ifindex, 100001);
	ck_assert_str_eq(last_link(3)->slave_kind, "bond");
	ck_assert(last_link(3)->flags & IFF_UP);
	ck_assert_int_eq(last_link(100001)->active_ifindex, 3);

	a = (struct fo_action) { .type = FO_ACT_ENSLAVE, .ifindex = 4, .master_ifindex = 100001 };
	apply(w, &a, 0);
	a = (struct fo_action) { .type = FO_ACT_SET_PRIMARY, .ifindex = 100001, .arg_ifindex = 4 };
	apply(w, &a, 0);
	ck_assert_int_eq(last_link(100001)->bond_primary_ifindex, 4);
	ck_assert_int_eq(last_link(100001)->active_ifindex, 4);

	a = (struct fo_action) { .type = FO_ACT_SET_UP, .ifindex = 100001 };
	apply(w, &a, 0);
	ck_assert(last_link(100001)->flags & IFF_UP);
	ck_assert(last_link(100001)->carrier);

	a = (struct fo_action) { .type = FO_ACT_RELEASE, .ifindex = 4 };
	apply(w, &a, 0);
	ck_assert_int_eq(last_link(4)->master_ifindex, 0);
	ck_assert_int_eq(last_link(100001)->bond_primary_ifindex, 0);

	a = (struct fo_action) { .type = FO_ACT_DELETE, .ifindex = 100001 };
	apply(w, &a, 0);
	ck_assert_int_eq(last_link(3)->master_ifindex, 0);
	ck_assert_int_eq(seen[n_seen - 2].type, FO_OBS_LINK_GONE);
	ck_assert_int_eq(seen[n_seen - 1].type, FO_OBS_DEVICE_GONE);

	/* Unknown devices and events emit nothing. */
	n_seen = 0;
	a = (struct fo_action) { .type = FO_ACT_SET_DOWN, .ifindex = 100001 };
	ck_assert_int_eq(dryrun_apply(w, &a, 0, collect, NULL), -ENODEV);
	a = (struct fo_action) { .type = FO_ACT_EVENT, .ifindex = 3 };
	ck_assert_int_eq(dryrun_apply(w, &a, 0, collect, NULL), -EINVAL);
	ck_assert_uint_eq(n_seen, 0);
	dryrun_free(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dryrun");
	TCase *tc = tcase_create("model");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_build_a_pair);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
