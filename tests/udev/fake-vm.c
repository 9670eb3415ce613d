/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-vm.h"

#ifndef UMOCKDEV_WRAPPER_PATH
#define UMOCKDEV_WRAPPER_PATH ""
#endif

void fake_vm_reexec(int argc, char *argv[])
{
	const char *wrapper = UMOCKDEV_WRAPPER_PATH[0] ? UMOCKDEV_WRAPPER_PATH : "umockdev-wrapper";
	char **args;

	const char *preload = getenv("LD_PRELOAD");

	/*
	 * Not umockdev_in_mock_environment(): it caches its answer, and it
	 * is only true once a testbed exists.
	 */
	if (preload && strstr(preload, "libumockdev-preload"))
		return;
	if (getenv("FAKE_VM_REEXEC")) {
		fprintf(stderr, "SKIP: umockdev preload not active even under %s\n", wrapper);
		exit(77);
	}
	(void) setenv("FAKE_VM_REEXEC", "1", 1);
	args = calloc((size_t) argc + 2, sizeof(char *));
	if (!args)
		exit(99);
	args[0] = (char *) wrapper;
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	execvp(wrapper, args);
	fprintf(stderr, "SKIP: cannot run %s: %s\n", wrapper, strerror(errno));
	exit(77);
}

void fake_vm_init(struct fake_vm *vm)
{
	char *pci_root;

	vm->tb = umockdev_testbed_new();
	g_assert_nonnull(vm->tb);
	vm->root = umockdev_testbed_get_root_dir(vm->tb);
	/* The host bridge directory: real sysfs has it, and it is no PCI device. */
	pci_root = g_build_filename(vm->root, "sys/devices/pci0000:00", NULL);
	g_assert_cmpint(g_mkdir_with_parents(pci_root, 0755), ==, 0);
	g_free(pci_root);
}

void fake_vm_done(struct fake_vm *vm)
{
	g_clear_object(&vm->tb);
	g_clear_pointer(&vm->root, g_free);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t) v);
	put16(p + 2, (uint16_t) (v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t) v);
	put32(p + 4, (uint32_t) (v >> 32));
}

static void header(uint8_t *cfg, uint16_t vendor, uint16_t device, uint8_t htype)
{
	memset(cfg, 0, FAKE_CFG_SIZE);
	put16(cfg, vendor);
	put16(cfg + 2, device);
	cfg[0x06] = 0x10; /* capability list */
	cfg[0x0e] = htype;
}

/* Append a capability to the end of the list. */
static uint8_t *cap(uint8_t *cfg, uint8_t pos, uint8_t id, uint8_t len)
{
	uint8_t *link = &cfg[0x34];

	while (*link)
		link = &cfg[*link + 1];
	*link = pos;
	cfg[pos] = id;
	cfg[pos + 1] = 0;
	cfg[pos + 2] = len;
	return cfg + pos;
}

static void vendor_cap(uint8_t *cfg, uint8_t pos, uint8_t type, uint8_t len, uint8_t bar,
		       uint32_t offset, uint32_t length)
{
	uint8_t *c = cap(cfg, pos, 0x09, len);

	c[3] = type;
	c[4] = bar;
	put32(c + 8, offset);
	put32(c + 12, length);
}

void fake_cfg_virtio_net(uint8_t cfg[FAKE_CFG_SIZE], uint64_t gid)
{
	/* What QEMU 7.2 gives a virtio-net-pci: MSI-X and the five virtio caps. */
	header(cfg, 0x1af4, 0x1041, 0);
	cap(cfg, 0x98, 0x11, 0);
	vendor_cap(cfg, 0x84, 5, 20, 0, 0, 0);       /* pci cfg access */
	vendor_cap(cfg, 0x70, 2, 20, 4, 0x3000, 0x1000); /* notify */
	vendor_cap(cfg, 0x60, 4, 16, 4, 0x2000, 0x1000); /* device */
	vendor_cap(cfg, 0x50, 3, 16, 4, 0x1000, 0x1000); /* ISR */
	vendor_cap(cfg, 0x40, 1, 16, 4, 0x0000, 0x1000); /* common */
	if (gid) {
		vendor_cap(cfg, 0xb0, 6, 24, 0, 0, 0);
		put64(cfg + 0xb0 + 16, gid);
	}
}

void fake_cfg_bridge_add_gid(uint8_t cfg[FAKE_CFG_SIZE], uint8_t pos, uint64_t gid, uint8_t type)
{
	vendor_cap(cfg, pos, type, 24, 0, 0, 0);
	put64(cfg + pos + 16, gid);
}

void fake_cfg_bridge(uint8_t cfg[FAKE_CFG_SIZE], uint64_t gid, uint8_t type, bool reserve)
{
	header(cfg, 0x1b36, 0x000c, 1);
	cap(cfg, 0x40, 0x10, 0); /* PCI Express */
	if (reserve) {
		uint8_t *c = cap(cfg, 0x48, 0x09, 32);

		c[3] = 1;            /* QEMU resource reserve */
		put32(c + 4, 1);     /* bus_res */
		put64(c + 8, 0x1000); /* io */
		put32(c + 16, 0x200000);
	}
	cap(cfg, 0x68, 0x05, 0); /* MSI */
	if (gid)
		fake_cfg_bridge_add_gid(cfg, 0x70, gid, type);
}

void fake_cfg_nic(uint8_t cfg[FAKE_CFG_SIZE], uint16_t vendor, uint16_t device)
{
	header(cfg, vendor, device, 0);
	cap(cfg, 0xc8, 0x01, 0); /* power management */
	cap(cfg, 0xd0, 0x05, 0); /* MSI */
	cap(cfg, 0xe0, 0x10, 0); /* PCI Express */
}

char *fake_pci(struct fake_vm *vm, const char *parent, const char *addr, const uint8_t *cfg,
	       size_t cfg_len, const char *driver)
{
	char vendor[8], device[8];
	char *path;

	g_assert(cfg_len >= 4);
	(void) snprintf(vendor, sizeof(vendor), "0x%02x%02x", cfg[1], cfg[0]);
	(void) snprintf(device, sizeof(device), "0x%02x%02x", cfg[3], cfg[2]);
	path = umockdev_testbed_add_device(vm->tb, "pci", addr,
					   parent ? parent : "/sys/devices/pci0000:00",
					   "vendor", vendor, "device", device, NULL,
					   "PCI_SLOT_NAME", addr, NULL);
	g_assert_nonnull(path);
	umockdev_testbed_set_attribute_binary(vm->tb, path, "config", (guint8 *) cfg,
					      (gint) cfg_len);
	if (driver) {
		char *link = g_strdup_printf("../../../bus/pci/drivers/%s", driver);

		umockdev_testbed_set_attribute_link(vm->tb, path, "driver", link);
		g_free(link);
	}
	return path;
}

char *fake_virtio(struct fake_vm *vm, const char *fn, const char *name, bool standby_bit)
{
	char features[65];
	char *path;

	/* One '0'/'1' per feature bit: VERSION_1 (32), and STANDBY (62) if asked. */
	memset(features, '0', 64);
	features[64] = '\0';
	features[0] = features[5] = features[16] = features[32] = '1';
	if (standby_bit)
		features[62] = '1';
	path = umockdev_testbed_add_device(vm->tb, "virtio", name, fn, "features", features,
					   "device", "0x0001", "vendor", "0x1af4", NULL, NULL);
	g_assert_nonnull(path);
	umockdev_testbed_set_attribute_link(vm->tb, path, "driver",
					    "../../../../bus/virtio/drivers/virtio_net");
	return path;
}

char *fake_netdev(struct fake_vm *vm, const char *parent, const char *name, int ifindex,
		  const char *mac, bool initialized)
{
	char ifindex_s[16], *rel, *path, *virtual = NULL;

	(void) snprintf(ifindex_s, sizeof(ifindex_s), "%d", ifindex);
	if (initialized) {
		/* libudev reads "initialized" from the udev database (redirected by umockdev). */
		char *dir = g_build_filename(vm->root, "run/udev/data", NULL);
		char *db = g_strdup_printf("%s/n%d", dir, ifindex);

		g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
		g_assert_true(g_file_set_contents(db, "I:1000000\nE:ID_NET_DRIVER=fake\n", -1, NULL));
		g_free(db);
		g_free(dir);
	}
	if (!parent) {
		virtual = g_build_filename(vm->root, "sys/devices/virtual", NULL);
		g_assert_cmpint(g_mkdir_with_parents(virtual, 0755), ==, 0);
		g_free(virtual);
		parent = "/sys/devices/virtual";
	}
	rel = g_strdup_printf("net/%s", name);
	path = umockdev_testbed_add_device(vm->tb, "net", rel, parent,
					   "ifindex", ifindex_s, "address", mac,
					   "addr_assign_type", "0", "mtu", "1500", NULL,
					   "INTERFACE", name, "IFINDEX", ifindex_s, NULL);
	g_assert_nonnull(path);
	g_free(rel);
	if (!g_str_has_prefix(parent, "/sys/devices/virtual"))
		umockdev_testbed_set_attribute_link(vm->tb, path, "device", "../..");
	return path;
}

void fake_set_config(struct fake_vm *vm, const char *syspath, const uint8_t *cfg, size_t len)
{
	umockdev_testbed_set_attribute_binary(vm->tb, syspath, "config", (guint8 *) cfg, (gint) len);
}

char *fake_write_conf(struct fake_vm *vm, const char *text)
{
	char *path = g_build_filename(vm->root, "failoverd.conf", NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}
