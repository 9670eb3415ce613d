/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery on a fake sysfs: failoverd-id's output and udev_watch's
 * observations (enumeration, probe, and uevents through the monitor).
 * Runs itself under umockdev-wrapper.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <libudev.h>
#include <poll.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-vm.h"
#include "udev_watch-private.h"
#include "udev_watch.h"

#define GID UINT64_C(0x0123456789abcdef)
#define GID2 UINT64_C(0x00000000cafef00d)
#define GID_S "0x0123456789abcdef"
#define MAC_SBY "52:54:00:12:34:56"
#define MAC_OTHER "52:54:00:aa:bb:cc"

#define VIRTIO_FN "0000:00:02.0"
#define BRIDGE "0000:00:1c.0"
#define VF "0000:01:00.0"

static struct fake_vm vm;

/*
 * Whether libudev sees our fake udev database: umockdev >= 0.17.18
 * redirects /run/udev/data, older ones read the host's.  Devices found by
 * enumeration are "initialized" only when it does; the monitor's always
 * are (they come from udevd's side of the socket).
 */
static bool db_faked(void)
{
	return access("/run/udev/data/n91001", F_OK) == 0;
}

#define assert_initialized_from_db(d) \
	ck_assert_msg((d)->initialized == db_faked(), "%s: initialized %d, udev db visible %d", \
		      (d)->name, (d)->initialized, db_faked())

static void setup(void)
{
	fake_vm_init(&vm);
}

static void teardown(void)
{
	fake_vm_done(&vm);
}

/* ---- failoverd-id ---- */

struct id_run {
	char *out;
	char *err;
	int status;
};

static struct id_run run_id_conf(const char *ifname, const char *conf_text)
{
	char *conf = fake_write_conf(&vm, conf_text);
	char *argv[] = { (char *) FAILOVERD_ID_PATH, (char *) "--config", conf, (char *) ifname,
			 NULL };
	struct id_run r = {};
	GError *error = NULL;

	ck_assert_msg(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
				   &r.status, &error),
		      "spawn %s: %s", argv[0], error ? error->message : "?");
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
		      "failoverd-id %s: status 0x%x, stderr: %s", ifname, r.status, r.err);
	g_free(conf);
	return r;
}

static struct id_run run_id(const char *ifname)
{
	return run_id_conf(ifname, "# defaults\n");
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void id_done(struct id_run *r)
{
	g_free(r->out);
	g_free(r->err);
}

#define assert_id_out(r, expected) \
	ck_assert_msg(strcmp((r).out, (expected)) == 0, "stdout:\n%s\nexpected:\n%s\nstderr: %s", \
		      (r).out, (expected), (r).err)
#define assert_one_log_line(r, text) do { \
	ck_assert_msg(count_lines((r).err) == 1, "want one stderr line, got: %s", (r).err); \
	ck_assert_msg(strstr((r).err, (text)), "stderr \"%s\" lacks \"%s\"", (r).err, (text)); \
} while (0)

/* ---- observations ---- */

#define OBS_MAX 64
static struct fo_obs obs[OBS_MAX];
static size_t n_obs;

static void collect(const struct fo_obs *o, void *userdata)
{
	ck_assert_ptr_eq(userdata, &n_obs);
	ck_assert_uint_lt(n_obs, OBS_MAX);
	obs[n_obs++] = *o;
}

/* The latest FO_OBS_DEVICE for name. */
static const struct fo_device_info *find_dev(const char *name)
{
	for (size_t i = n_obs; i-- > 0;)
		if (obs[i].type == FO_OBS_DEVICE && strcmp(obs[i].device.name, name) == 0)
			return &obs[i].device;
	ck_abort_msg("no FO_OBS_DEVICE for %s among %zu observations", name, n_obs);
	return NULL;
}

static struct udev_watch *enumerate(void)
{
	struct udev_watch *w = NULL;

	ck_assert_int_eq(udev_watch_new(6, &w), 0);
	n_obs = 0;
	ck_assert_int_eq(udev_watch_enumerate(w, collect, &n_obs), 0);
	ck_assert_uint_ge(n_obs, 2);
	ck_assert_int_eq(obs[0].type, FO_OBS_SYNC_BEGIN);
	ck_assert(obs[0].sync_udev);
	ck_assert_int_eq(obs[n_obs - 1].type, FO_OBS_SYNC_END);
	ck_assert(obs[n_obs - 1].sync_udev);
	for (size_t i = 1; i + 1 < n_obs; i++)
		ck_assert_int_eq(obs[i].type, FO_OBS_DEVICE);
	return w;
}

#define assert_group(d, s) \
	ck_assert_msg((d)->group.status == (s), "%s: group %s (%s), expected %s", (d)->name, \
		      pcicap_status_name((d)->group.status), (d)->group.reason, \
		      pcicap_status_name(s))

/* ---- fixtures: pieces of a VM ---- */

static char *add_virtio_nic(const char *fn_addr, const char *virtio, const char *ifname,
			    int ifindex, const char *mac, const uint8_t *cfg, size_t cfg_len,
			    bool standby_bit)
{
	char *fn = fake_pci(&vm, NULL, fn_addr, cfg, cfg_len, "virtio-pci");
	char *vdev = fake_virtio(&vm, fn, virtio, standby_bit);
	char *net = fake_netdev(&vm, vdev, ifname, ifindex, mac, true);

	g_free(fn);
	g_free(vdev);
	return net;
}

static char *add_standby(uint64_t gid)
{
	uint8_t cfg[FAKE_CFG_SIZE];

	fake_cfg_virtio_net(cfg, gid);
	return add_virtio_nic(VIRTIO_FN, "virtio0", "fop0", 91001, MAC_SBY, cfg, sizeof(cfg), false);
}

/* A bridge (cfg given) with an e1000e VF below it; returns the bridge syspath. */
static char *add_bridge_vf(const uint8_t *bridge_cfg, size_t len, const char *mac)
{
	uint8_t nic[FAKE_CFG_SIZE];
	char *br, *vf, *net;

	fake_cfg_nic(nic, 0x8086, 0x10d3);
	br = fake_pci(&vm, NULL, BRIDGE, bridge_cfg, len, "pcieport");
	vf = fake_pci(&vm, br, VF, nic, sizeof(nic), "e1000e");
	net = fake_netdev(&vm, vf, "fop1", 91002, mac, true);
	g_free(vf);
	g_free(net);
	return br;
}

/* ---- tests ---- */

START_TEST(test_virtio_with_cap)
{
	struct udev_watch *w;
	const struct fo_device_info *d;
	struct id_run r;

	g_free(add_standby(GID));

	r = run_id("fop0");
	assert_id_out(r, "FAILOVER_GROUP_ID=" GID_S "\nFAILOVER_ROLE=standby\n"
			 "FAILOVER_KEY_SOURCE=group-id\n");
	ck_assert_str_eq(r.err, "");
	id_done(&r);

	w = enumerate();
	ck_assert_uint_eq(n_obs, 3);
	d = find_dev("fop0");
	ck_assert_int_eq(d->ifindex, 91001);
	assert_initialized_from_db(d);
	ck_assert(d->is_virtio);
	ck_assert(!d->standby_feature);
	ck_assert_str_eq(d->driver, "virtio_net");
	ck_assert_str_eq(d->pci_addr, VIRTIO_FN);
	assert_group(d, PCICAP_FOUND);
	ck_assert_uint_eq(d->group.group_id, GID);
	udev_watch_free(w);
}
END_TEST

START_TEST(test_bridge_and_vf)
{
	uint8_t br[FAKE_CFG_SIZE];
	const struct fo_device_info *d;
	struct udev_watch *w;
	struct id_run r;

	/* The bridge carries QEMU's resource-reserve cap and the group cap. */
	fake_cfg_bridge(br, GID, 6, true);
	g_free(add_bridge_vf(br, sizeof(br), MAC_OTHER));
	g_free(add_standby(GID));

	r = run_id("fop1");
	assert_id_out(r, "FAILOVER_GROUP_ID=" GID_S "\nFAILOVER_ROLE=primary\n"
			 "FAILOVER_KEY_SOURCE=group-id\n");
	id_done(&r);

	w = enumerate();
	ck_assert_uint_eq(n_obs, 4);
	d = find_dev("fop1");
	ck_assert_int_eq(d->ifindex, 91002);
	ck_assert(!d->is_virtio);
	ck_assert_str_eq(d->driver, "e1000e");
	ck_assert_str_eq(d->pci_addr, VF);
	assert_group(d, PCICAP_FOUND);
	ck_assert_uint_eq(d->group.group_id, GID);
	ck_assert_uint_eq(find_dev("fop0")->group.group_id, GID);
	udev_watch_free(w);
}
END_TEST

START_TEST(test_bridge_type_from_config)
{
	uint8_t br[FAKE_CFG_SIZE];
	struct id_run r;

	fake_cfg_bridge(br, GID, 0x42, true);
	g_free(add_bridge_vf(br, sizeof(br), MAC_OTHER));

	/* Default type 6: the 0x42 cap is not ours, and no standby has this MAC. */
	r = run_id("fop1");
	assert_id_out(r, "");
	id_done(&r);

	/* The config file takes decimal, as the daemon does: 66 = 0x42. */
	r = run_id_conf("fop1", "pair_by_mac = off\nbridge_cap_type = 66\n");
	assert_id_out(r, "FAILOVER_GROUP_ID=" GID_S "\nFAILOVER_ROLE=primary\n"
			 "FAILOVER_KEY_SOURCE=group-id\n");
	id_done(&r);
}
END_TEST

START_TEST(test_mac_pairing)
{
	uint8_t br[FAKE_CFG_SIZE], nic[FAKE_CFG_SIZE];
	const struct fo_device_info *d;
	struct udev_watch *w;
	struct id_run r;
	char *fn, *net;

	/* Reserve cap only: no group ID anywhere; the VF has the standby's MAC. */
	fake_cfg_bridge(br, 0, 6, true);
	g_free(add_bridge_vf(br, sizeof(br), MAC_SBY));
	g_free(add_standby(0));
	/* An unrelated NIC on the root bus. */
	fake_cfg_nic(nic, 0x8086, 0x10d3);
	fn = fake_pci(&vm, NULL, "0000:00:05.0", nic, sizeof(nic), "e1000e");
	net = fake_netdev(&vm, fn, "fop2", 91003, MAC_OTHER, true);

	r = run_id("fop0");
	assert_id_out(r, "FAILOVER_ROLE=standby\nFAILOVER_KEY_SOURCE=mac\n");
	id_done(&r);
	r = run_id("fop1");
	assert_id_out(r, "FAILOVER_ROLE=primary\nFAILOVER_KEY_SOURCE=mac\n");
	id_done(&r);
	r = run_id("fop2");
	assert_id_out(r, "");
	ck_assert_str_eq(r.err, "");
	id_done(&r);

	r = run_id_conf("fop1", "pair_by_mac = off\n");
	assert_id_out(r, "");
	id_done(&r);
	r = run_id_conf("fop0", "pair_by_mac = list\nmac = " MAC_SBY "\n");
	assert_id_out(r, "FAILOVER_ROLE=standby\nFAILOVER_KEY_SOURCE=mac\n");
	id_done(&r);
	r = run_id_conf("fop1", "pair_by_mac = list\nmac = " MAC_OTHER "\n");
	assert_id_out(r, "");
	id_done(&r);
	/* Group IDs switched off: a found ID is not used, MAC pairing still is. */
	r = run_id_conf("fop0", "pair_by_group_id = no\n");
	assert_id_out(r, "FAILOVER_ROLE=standby\nFAILOVER_KEY_SOURCE=mac\n");
	id_done(&r);

	w = enumerate();
	d = find_dev("fop1");
	assert_group(d, PCICAP_ABSENT);
	ck_assert_msg(strstr(d->group.reason, "resource-reserve"), "%s", d->group.reason);
	d = find_dev("fop2");
	assert_group(d, PCICAP_NOT_PCI);
	ck_assert_str_eq(d->pci_addr, "0000:00:05.0");
	udev_watch_free(w);
	g_free(fn);
	g_free(net);
}
END_TEST

START_TEST(test_unprivileged_view)
{
	uint8_t cfg[FAKE_CFG_SIZE];
	const struct fo_device_info *d;
	struct udev_watch *w;
	struct id_run r;

	fake_cfg_virtio_net(cfg, GID);
	g_free(add_virtio_nic(VIRTIO_FN, "virtio0", "fop0", 91001, MAC_SBY, cfg, 64, false));

	r = run_id_conf("fop0", "pair_by_mac = off\n");
	assert_id_out(r, "");
	assert_one_log_line(r, "only 64 bytes");
	id_done(&r);

	/* Unknown is not absent: with MAC pairing allowed, it may still pair by MAC. */
	r = run_id("fop0");
	assert_id_out(r, "FAILOVER_ROLE=standby\nFAILOVER_KEY_SOURCE=mac\n");
	id_done(&r);

	w = enumerate();
	d = find_dev("fop0");
	assert_group(d, PCICAP_NO_PRIVILEGE);
	udev_watch_free(w);
}
END_TEST

START_TEST(test_all_ones)
{
	uint8_t cfg[FAKE_CFG_SIZE], br[FAKE_CFG_SIZE];
	const struct fo_device_info *d;
	struct udev_watch *w;
	struct id_run r;

	memset(cfg, 0xff, sizeof(cfg));
	g_free(add_virtio_nic(VIRTIO_FN, "virtio0", "fop0", 91001, MAC_SBY, cfg, sizeof(cfg),
			      false));
	memset(br, 0xff, sizeof(br));
	g_free(add_bridge_vf(br, sizeof(br), MAC_SBY));

	r = run_id("fop0");
	assert_id_out(r, "");
	assert_one_log_line(r, "gone");
	id_done(&r);
	r = run_id("fop1");
	assert_id_out(r, "");
	assert_one_log_line(r, "the bridge above it");
	id_done(&r);

	w = enumerate();
	d = find_dev("fop0");
	assert_group(d, PCICAP_GONE);
	assert_group(find_dev("fop1"), PCICAP_GONE);
	udev_watch_free(w);
}
END_TEST

START_TEST(test_conflict)
{
	uint8_t br[FAKE_CFG_SIZE];
	struct udev_watch *w;
	struct id_run r;

	fake_cfg_bridge(br, GID, 6, true);
	fake_cfg_bridge_add_gid(br, 0x90, GID2, 6);
	g_free(add_bridge_vf(br, sizeof(br), MAC_OTHER));

	r = run_id("fop1");
	assert_id_out(r, "");
	assert_one_log_line(r, "conflict");
	id_done(&r);

	w = enumerate();
	assert_group(find_dev("fop1"), PCICAP_CONFLICT);
	udev_watch_free(w);
}
END_TEST

START_TEST(test_netdev_without_device)
{
	const struct fo_device_info *d;
	struct udev_watch *w;
	struct id_run r;
	char *net;

	net = fake_netdev(&vm, NULL, "fop9", 91009, MAC_SBY, true);

	r = run_id("fop9");
	assert_id_out(r, "");
	ck_assert_str_eq(r.err, "");
	id_done(&r);

	w = enumerate();
	d = find_dev("fop9");
	assert_group(d, PCICAP_NOT_PCI);
	ck_assert_str_eq(d->pci_addr, "");
	ck_assert_str_eq(d->driver, "");
	ck_assert(!d->is_virtio);
	udev_watch_free(w);
	g_free(net);
}
END_TEST

/* P9: virtio-net over virtio-mmio is not a standby (not on PCI). */
START_TEST(test_virtio_not_on_pci)
{
	const struct fo_device_info *d;
	struct udev_watch *w;
	struct id_run r;
	char *plat, *vdev, *net;

	plat = umockdev_testbed_add_device(vm.tb, "platform", "a000000.virtio_mmio", NULL, NULL,
					   NULL);
	vdev = fake_virtio(&vm, plat, "virtio5", false);
	net = fake_netdev(&vm, vdev, "fop5", 91005, MAC_SBY, true);

	r = run_id("fop5");
	assert_id_out(r, "");
	ck_assert_str_eq(r.err, "");
	id_done(&r);

	w = enumerate();
	d = find_dev("fop5");
	ck_assert(d->is_virtio);
	ck_assert_str_eq(d->driver, "virtio_net");
	ck_assert_str_eq(d->pci_addr, "");
	assert_group(d, PCICAP_NOT_PCI);
	ck_assert_msg(strstr(d->group.reason, "virtio5 is not on PCI"), "%s", d->group.reason);
	udev_watch_free(w);
	g_free(plat);
	g_free(vdev);
	g_free(net);
}
END_TEST

START_TEST(test_kernel_failover_standby)
{
	uint8_t cfg[FAKE_CFG_SIZE];
	struct udev_watch *w;
	struct id_run r;

	fake_cfg_virtio_net(cfg, GID);
	g_free(add_virtio_nic(VIRTIO_FN, "virtio0", "fop0", 91001, MAC_SBY, cfg, sizeof(cfg), true));

	/* STANDBY negotiated: net_failover owns it, failoverd-id says nothing. */
	r = run_id("fop0");
	assert_id_out(r, "");
	id_done(&r);

	w = enumerate();
	ck_assert(find_dev("fop0")->standby_feature);
	udev_watch_free(w);
}
END_TEST

START_TEST(test_missing_interface)
{
	struct id_run r = run_id("fop404");

	assert_id_out(r, "");
	assert_one_log_line(r, "no such network interface");
	id_done(&r);
}
END_TEST

/* P5: config vanishes, or another device answers, between lookup and read. */
START_TEST(test_config_vanished)
{
	uint8_t cfg[FAKE_CFG_SIZE];
	struct udev_watch *w;
	char *net, *file;

	net = add_standby(GID);
	file = g_build_filename(vm.root, "sys/devices/pci0000:00", VIRTIO_FN, "config", NULL);
	ck_assert_int_eq(unlink(file), 0);
	w = enumerate();
	assert_group(find_dev("fop0"), PCICAP_GONE);
	ck_assert_msg(strstr(find_dev("fop0")->group.reason, "vanished"), "%s",
		      find_dev("fop0")->group.reason);
	udev_watch_free(w);

	/* The vendor attribute no longer matches the bytes read: not believed. */
	fake_cfg_virtio_net(cfg, GID);
	g_assert_true(g_file_set_contents(file, (const char *) cfg, sizeof(cfg), NULL));
	umockdev_testbed_set_attribute(vm.tb, "/sys/devices/pci0000:00/" VIRTIO_FN, "vendor",
				       "0x8086");
	w = enumerate();
	assert_group(find_dev("fop0"), PCICAP_IO_ERROR);
	ck_assert_str_eq(find_dev("fop0")->group.reason,
			 "config changed while read (vendor attribute 0x8086, config 0x1af4)");
	udev_watch_free(w);
	g_free(file);
	g_free(net);
}
END_TEST

static void wait_readable(struct udev_watch *w)
{
	struct pollfd p = { .fd = udev_watch_get_fd(w), .events = POLLIN };

	ck_assert_int_ge(p.fd, 0);
	ck_assert_msg(poll(&p, 1, 5000) == 1, "no uevent reached the monitor within 5 s");
}

START_TEST(test_monitor)
{
	uint8_t br[FAKE_CFG_SIZE];
	const struct fo_device_info *d;
	struct udev_watch *w = NULL;
	char *bridge, *net;

	fake_cfg_bridge(br, GID, 6, true);
	bridge = add_bridge_vf(br, sizeof(br), MAC_OTHER);

	ck_assert_int_eq(udev_watch_new(6, &w), 0);
	n_obs = 0;
	ck_assert_int_eq(udev_watch_dispatch(w, collect, &n_obs), 0);
	ck_assert_uint_eq(n_obs, 0);

	/* A standby appears: add_device sends "add" for each of its three devices. */
	net = add_standby(GID);
	wait_readable(w);
	ck_assert_int_eq(udev_watch_dispatch(w, collect, &n_obs), 0);
	d = find_dev("fop0");
	ck_assert_int_eq(d->ifindex, 91001);
	assert_group(d, PCICAP_FOUND);
	ck_assert(d->initialized);

	/* The host changes the bridge's group ID and the bridge says "change". */
	fake_cfg_bridge(br, GID2, 6, true);
	fake_set_config(&vm, bridge, br, sizeof(br));
	n_obs = 0;
	umockdev_testbed_uevent(vm.tb, bridge, "change");
	wait_readable(w);
	ck_assert_int_eq(udev_watch_dispatch(w, collect, &n_obs), 0);
	ck_assert_uint_eq(n_obs, 1);
	d = find_dev("fop1");
	assert_group(d, PCICAP_FOUND);
	ck_assert_uint_eq(d->group.group_id, GID2);

	/* The standby goes away. */
	n_obs = 0;
	umockdev_testbed_uevent(vm.tb, net, "remove");
	wait_readable(w);
	ck_assert_int_eq(udev_watch_dispatch(w, collect, &n_obs), 0);
	ck_assert_uint_eq(n_obs, 1);
	ck_assert_int_eq(obs[0].type, FO_OBS_DEVICE_GONE);
	ck_assert_int_eq(obs[0].ifindex, 91001);

	udev_watch_free(w);
	g_free(bridge);
	g_free(net);
}
END_TEST

START_TEST(test_probe)
{
	struct udev_watch *w = NULL;
	char *net;

	g_free(add_standby(GID));
	net = fake_netdev(&vm, NULL, "fop7", 91007, MAC_OTHER, false);

	ck_assert_int_eq(udev_watch_new(6, &w), 0);
	n_obs = 0;
	ck_assert_int_eq(udev_watch_probe(w, 91001, collect, &n_obs), 0);
	ck_assert_uint_eq(n_obs, 1);
	ck_assert_int_eq(obs[0].type, FO_OBS_DEVICE);
	ck_assert_str_eq(obs[0].device.name, "fop0");
	assert_initialized_from_db(&obs[0].device);
	assert_group(&obs[0].device, PCICAP_FOUND);

	/* Not processed by udev yet (no database entry): initialized tells the truth. */
	ck_assert_int_eq(udev_watch_probe(w, 91007, collect, &n_obs), 0);
	ck_assert_uint_eq(n_obs, 2);
	ck_assert_str_eq(obs[1].device.name, "fop7");
	ck_assert(!obs[1].device.initialized);

	ck_assert_int_eq(udev_watch_probe(w, 4242, collect, &n_obs), -ENODEV);
	ck_assert_int_eq(udev_watch_probe(w, 0, collect, &n_obs), -EINVAL);
	ck_assert_uint_eq(n_obs, 2);
	udev_watch_free(w);
	g_free(net);
}
END_TEST

/* The first read reports ENOBUFS (events lost), later ones are real. */
static unsigned n_receive;

static struct udev_device *receive_enobufs_once(struct udev_monitor *m)
{
	if (n_receive++ == 0) {
		errno = ENOBUFS;
		return NULL;
	}
	return udev_monitor_receive_device(m);
}

START_TEST(test_enobufs_resyncs)
{
	uint8_t br[FAKE_CFG_SIZE];
	struct udev_watch *w = NULL;

	fake_cfg_bridge(br, GID, 6, true);
	g_free(add_bridge_vf(br, sizeof(br), MAC_OTHER));
	ck_assert_int_eq(udev_watch_new(6, &w), 0);
	g_free(add_standby(GID));
	wait_readable(w);

	/* Lost events: drain what is queued, then a full enumeration. */
	udev_watch_set_receive(w, receive_enobufs_once);
	n_obs = 0;
	ck_assert_int_eq(udev_watch_dispatch(w, collect, &n_obs), 0);
	ck_assert_uint_gt(n_receive, 1);
	ck_assert_uint_ge(n_obs, 4);
	ck_assert_int_eq(obs[n_obs - 4].type, FO_OBS_SYNC_BEGIN);
	ck_assert(obs[n_obs - 4].sync_udev);
	ck_assert_int_eq(obs[n_obs - 1].type, FO_OBS_SYNC_END);
	assert_group(find_dev("fop0"), PCICAP_FOUND);
	assert_group(find_dev("fop1"), PCICAP_FOUND);

	/* Without loss there is no enumeration. */
	udev_watch_set_receive(w, NULL);
	n_obs = 0;
	ck_assert_int_eq(udev_watch_dispatch(w, collect, &n_obs), 0);
	ck_assert_uint_eq(n_obs, 0);
	udev_watch_free(w);
}
END_TEST

static Suite *discovery_suite(void)
{
	Suite *s = suite_create("udev-discovery");
	TCase *tc = tcase_create("fake-sysfs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_virtio_with_cap);
	tcase_add_test(tc, test_bridge_and_vf);
	tcase_add_test(tc, test_bridge_type_from_config);
	tcase_add_test(tc, test_mac_pairing);
	tcase_add_test(tc, test_unprivileged_view);
	tcase_add_test(tc, test_all_ones);
	tcase_add_test(tc, test_conflict);
	tcase_add_test(tc, test_netdev_without_device);
	tcase_add_test(tc, test_kernel_failover_standby);
	tcase_add_test(tc, test_virtio_not_on_pci);
	tcase_add_test(tc, test_missing_interface);
	tcase_add_test(tc, test_config_vanished);
	tcase_add_test(tc, test_monitor);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_enobufs_resyncs);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char *argv[])
{
	SRunner *sr;
	int failed;

	fake_vm_reexec(argc, argv);
	sr = srunner_create(discovery_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
