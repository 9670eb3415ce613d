/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole daemon on a fake VM: `failoverd --dry-run` with the real udev
 * adapter on a umockdev sysfs (a virtio-net standby with the group-ID
 * capability, a VF below a root port with the same group ID, an unrelated
 * NIC) and the real rtnetlink adapter in a fresh network namespace where
 * veth links stand in for the three netdevs (same names and ifindexes).
 * It must find the standby by its group ID through both adapters, print
 * its plan and the table, and send no write request.  Needs root.
 *
 * Not a full pairing: a veth link reports IFLA_INFO_KIND "veth", so the
 * engine rightly takes the "VF" for a virtual NIC, and umockdev < 0.17.18
 * does not redirect the udev database, so enumerated devices are not
 * "initialized".  The whole plan against a simulated kernel is the
 * engine's unit tier (fake-kernel); against real bonds, the vm tier.
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-vm.h"

#define GID UINT64_C(0x0123456789abcdef)

static void build_vm(struct fake_vm *vm)
{
	uint8_t cfg[FAKE_CFG_SIZE], nic[FAKE_CFG_SIZE];
	char *rp, *fn, *vdev, *net;

	fake_cfg_nic(nic, 0x8086, 0x10d3);
	fake_cfg_bridge(cfg, 0, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.0", cfg, sizeof(cfg), "pcieport");
	fake_cfg_virtio_net(cfg, GID);
	fn = fake_pci(vm, rp, "0000:01:00.0", cfg, sizeof(cfg), "virtio-pci");
	vdev = fake_virtio(vm, fn, "virtio0", false);
	net = fake_netdev(vm, vdev, "enp1s0", 92002, "52:54:00:12:34:56", true);
	g_free(rp), g_free(fn), g_free(vdev), g_free(net);

	fake_cfg_bridge(cfg, GID, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.1", cfg, sizeof(cfg), "pcieport");
	fn = fake_pci(vm, rp, "0000:02:00.0", nic, sizeof(nic), "e1000e");
	net = fake_netdev(vm, fn, "enp2s0", 92003, "52:54:00:de:ad:01", true);
	g_free(rp), g_free(fn), g_free(net);

	fake_cfg_bridge(cfg, 0, 6, true);
	rp = fake_pci(vm, NULL, "0000:00:02.2", cfg, sizeof(cfg), "pcieport");
	fn = fake_pci(vm, rp, "0000:03:00.0", nic, sizeof(nic), "e1000e");
	net = fake_netdev(vm, fn, "enp3s0", 92004, "52:54:00:77:77:77", true);
	g_free(rp), g_free(fn), g_free(net);
}

static int expect(const char *out, const char *what)
{
	if (strstr(out, what))
		return 0;
	fprintf(stderr, "FAIL: the dry run's output lacks \"%s\"\n", what);
	return 1;
}

int main(int argc, char *argv[])
{
	struct fake_vm vm;
	char *conf, *cmd, *out = NULL, *err = NULL;
	GError *error = NULL;
	int status, fails = 0;

	if (getuid() != 0) {
		printf("SKIP: needs root for a network namespace\n");
		return 77;
	}
	fake_vm_reexec(argc, argv);
	fake_vm_init(&vm);
	build_vm(&vm);
	conf = fake_write_conf(&vm, "settle_ms = 500\n");
	cmd = g_strdup_printf(
		"ip link add enp1s0 index 92002 address 52:54:00:12:34:56 type veth peer name fod-p1 && "
		"ip link add enp2s0 index 92003 address 52:54:00:de:ad:01 type veth peer name fod-p2 && "
		"ip link add enp3s0 index 92004 address 52:54:00:77:77:77 type veth peer name fod-p3 && "
		"exec %s --dry-run --config %s", FAILOVERD_PATH, conf);
	{
		char *args[] = { (char *) "unshare", (char *) "-n", (char *) "sh", (char *) "-c", cmd, NULL };

		if (!g_spawn_sync(NULL, args, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
				  &error)) {
			printf("SKIP: cannot run unshare: %s\n", error->message);
			return 77;
		}
	}
	printf("%s", out);
	if (err && *err)
		printf("stderr:\n%s", err);
	if (!g_spawn_check_wait_status(status, NULL)) {
		fprintf(stderr, "FAIL: failoverd --dry-run exited with status %d\n", status);
		fails++;
	}
	fails += expect(out, "# netlink write requests sent: 0\n");
	fails += expect(out, "event: pair-found: enp1s0: standby for key group:0x0123456789abcdef");
	fails += expect(out, "92002   enp1s0          standby   group:0x0123456789abcdef   group-id");
	fails += expect(out, "92003   enp2s0 ");
	fails += expect(out, "Pairs (1)\ngroup:0x0123456789abcdef (group-id): ");
	g_free(cmd);
	g_free(conf);
	g_free(out);
	g_free(err);
	fake_vm_done(&vm);
	return fails ? EXIT_FAILURE : EXIT_SUCCESS;
}
