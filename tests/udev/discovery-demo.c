/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery demo: a fake sysfs of a VM (umockdev) with
 *   enp1s0  virtio-net standby, group-ID capability on its PCI function
 *   enp2s0  e1000e "VF" below a QEMU root port that carries the same group
 *           ID (next to QEMU's resource-reserve capability), another MAC
 *   enp3s0  an unrelated e1000e below a root port without a group ID
 *   enp4s0  virtio-net standby whose config reads only 64 bytes (the view
 *           of a reader without CAP_SYS_ADMIN)
 * runs the real discovery code on it (udev_watch_enumerate() and the
 * failoverd-id helper) and prints, per NIC, its role and key or why it is
 * not paired, in the words failoverctl status uses.
 */
#include "config.h"

#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fake-vm.h"
#include "pci_cap_reader.h"
#include "udev_watch.h"
#include "util.h"

#define GID UINT64_C(0x0123456789abcdef)
#define NIC_MAX 16

struct nic {
	struct fo_device_info dev;
	char role[16];   /* from failoverd-id, "" = none */
	char source[16]; /* group-id | mac */
	char key[40];    /* group:0x... | mac:... */
};

static struct nic nics[NIC_MAX];
static size_t n_nics;
static const char *arg_id_path = FAILOVERD_ID_PATH;

static void collect(const struct fo_obs *o, void *userdata)
{
	if (o->type != FO_OBS_DEVICE || n_nics >= NIC_MAX)
		return;
	nics[n_nics++].dev = o->device;
}

static void build_vm(struct fake_vm *vm)
{
	uint8_t cfg[FAKE_CFG_SIZE], nic[FAKE_CFG_SIZE];
	char *rp, *fn, *vdev, *net;

	fake_cfg_nic(nic, 0x8086, 0x10d3);

	/* rp1 -> virtio-net standby with the group-ID capability. */
	fake_cfg_bridge(cfg, 0, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.0", cfg, sizeof(cfg), "pcieport");
	fake_cfg_virtio_net(cfg, GID);
	fn = fake_pci(vm, rp, "0000:01:00.0", cfg, sizeof(cfg), "virtio-pci");
	vdev = fake_virtio(vm, fn, "virtio0", false);
	net = fake_netdev(vm, vdev, "enp1s0", 92002, "52:54:00:12:34:56", true);
	g_free(rp), g_free(fn), g_free(vdev), g_free(net);

	/* rp2 (group ID + resource reserve) -> the VF, with a different MAC. */
	fake_cfg_bridge(cfg, GID, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.1", cfg, sizeof(cfg), "pcieport");
	fn = fake_pci(vm, rp, "0000:02:00.0", nic, sizeof(nic), "e1000e");
	net = fake_netdev(vm, fn, "enp2s0", 92003, "52:54:00:de:ad:01", true);
	g_free(rp), g_free(fn), g_free(net);

	/* rp3 (resource reserve only) -> an unrelated NIC. */
	fake_cfg_bridge(cfg, 0, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.2", cfg, sizeof(cfg), "pcieport");
	fn = fake_pci(vm, rp, "0000:03:00.0", nic, sizeof(nic), "e1000e");
	net = fake_netdev(vm, fn, "enp3s0", 92004, "52:54:00:77:77:77", true);
	g_free(rp), g_free(fn), g_free(net);

	/* rp4 -> a standby whose config is only the 64-byte header. */
	fake_cfg_bridge(cfg, 0, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.3", cfg, sizeof(cfg), "pcieport");
	fake_cfg_virtio_net(cfg, GID);
	fn = fake_pci(vm, rp, "0000:04:00.0", cfg, 64, "virtio-pci");
	vdev = fake_virtio(vm, fn, "virtio1", false);
	net = fake_netdev(vm, vdev, "enp4s0", 92005, "52:54:00:44:44:44", true);
	g_free(rp), g_free(fn), g_free(vdev), g_free(net);
}

/* Run failoverd-id on one NIC and keep what it printed. */
static void identify(struct fake_vm *vm, const char *conf, struct nic *n)
{
	char *argv[] = { (char *) arg_id_path, (char *) "--config", (char *) conf, n->dev.name,
			 NULL };
	char *out = NULL, *err = NULL, **lines;
	GError *error = NULL;
	int status;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
			  &error)) {
		fprintf(stderr, "cannot run %s: %s\n", arg_id_path, error->message);
		exit(EXIT_FAILURE);
	}
	lines = g_strsplit(out, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "FAILOVER_ROLE="))
			g_strlcpy(n->role, *l + strlen("FAILOVER_ROLE="), sizeof(n->role));
		else if (g_str_has_prefix(*l, "FAILOVER_KEY_SOURCE="))
			g_strlcpy(n->source, *l + strlen("FAILOVER_KEY_SOURCE="), sizeof(n->source));
		else if (g_str_has_prefix(*l, "FAILOVER_GROUP_ID="))
			g_snprintf(n->key, sizeof(n->key), "group:%s", *l + strlen("FAILOVER_GROUP_ID="));
	}
	if (streq(n->source, "mac")) {
		/* The key is the permanent MAC; on this fake sysfs, "address" is it. */
		char syspath[256], mac[32] = "";

		g_snprintf(syspath, sizeof(syspath), "/sys/class/net/%s", n->dev.name);
		(void) pcicap_read_attr(syspath, "address", mac, sizeof(mac));
		g_snprintf(n->key, sizeof(n->key), "mac:%s", mac);
	}
	g_strfreev(lines);
	g_free(out);
	g_free(err);
	(void) vm;
}

static const struct nic *partner(const struct nic *n)
{
	for (size_t i = 0; i < n_nics; i++)
		if (&nics[i] != n && nics[i].role[0] && !streq(nics[i].role, n->role) &&
		    streq(nics[i].key, n->key))
			return &nics[i];
	return NULL;
}

/* Why a NIC is not a candidate, from its observation. */
static void print_not_candidate(const struct nic *n)
{
	const struct fo_device_info *d = &n->dev;

	if (d->standby_feature)
		printf("    not paired: managed by kernel (net_failover)\n");
	else if (d->group.status == PCICAP_ABSENT || d->group.status == PCICAP_NOT_PCI)
		printf("    not paired: no group ID (%s) and no %s with the same permanent MAC\n",
		       d->group.reason, d->is_virtio ? "primary" : "virtio-net standby");
	else
		printf("    not paired: group ID %s: %s\n", pcicap_status_name(d->group.status),
		       d->group.reason);
}

static void report(void)
{
	printf("%-8s %-11s %-13s %-8s %-26s %s\n", "NIC", "DRIVER", "PCI", "ROLE", "KEY", "SOURCE");
	for (size_t i = 0; i < n_nics; i++) {
		const struct nic *n = &nics[i];

		printf("%-8s %-11s %-13s %-8s %-26s %s\n", n->dev.name, n->dev.driver,
		       n->dev.pci_addr[0] ? n->dev.pci_addr : "-", n->role[0] ? n->role : "-",
		       n->key[0] ? n->key : "-", n->source[0] ? n->source : "-");
	}
	printf("\n");
	for (size_t i = 0; i < n_nics; i++) {
		const struct nic *n = &nics[i], *p;

		printf("%s:\n", n->dev.name);
		if (!n->role[0]) {
			print_not_candidate(n);
			continue;
		}
		p = partner(n);
		if (p)
			printf("    %s, key %s (%s): pairs with %s %s\n", n->role, n->key, n->source,
			       p->role, p->dev.name);
		else
			printf("    %s, key %s (%s): not paired: no %s with this key yet\n", n->role,
			       n->key, n->source, streq(n->role, "standby") ? "primary" : "standby");
		if (n->dev.group.status == PCICAP_NO_PRIVILEGE)
			printf("    %s\n", n->dev.group.reason);
	}
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "failoverd-id", required_argument, NULL, 'i' },
		{}
	};
	struct udev_watch *w = NULL;
	struct fake_vm vm;
	char *conf;
	int c, r;

	fake_vm_reexec(argc, argv);
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		if (c != 'i') {
			fprintf(stderr, "usage: %s [--failoverd-id=PATH]\n", argv[0]);
			return 2;
		}
		arg_id_path = optarg;
	}

	fake_vm_init(&vm);
	build_vm(&vm);
	conf = fake_write_conf(&vm, "pair_by_group_id = yes\npair_by_mac = all\n");

	r = udev_watch_new(PCICAP_BRIDGE_GROUP_ID_TYPE_DEFAULT, &w);
	if (r < 0) {
		fprintf(stderr, "udev_watch_new: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}
	r = udev_watch_enumerate(w, collect, NULL);
	if (r < 0) {
		fprintf(stderr, "udev_watch_enumerate: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < n_nics; i++)
		identify(&vm, conf, &nics[i]);

	printf("failoverd discovery on a fake VM sysfs (umockdev), pair_by_mac = all\n\n");
	report();

	udev_watch_free(w);
	g_free(conf);
	fake_vm_done(&vm);
	return EXIT_SUCCESS;
}
