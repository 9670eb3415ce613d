/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fake sysfs trees of a VM's NICs for the udev tier and the discovery
 * demo, built with umockdev's testbed API.  Must run under
 * umockdev-wrapper (fake_vm_reexec() arranges that).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <umockdev.h>

#define FAKE_CFG_SIZE 256

struct fake_vm {
	UMockdevTestbed *tb;
	char *root; /* the testbed's root directory (real path) */
};

/* Re-execute argv under umockdev-wrapper unless already inside it; exits 77 if impossible. */
void fake_vm_reexec(int argc, char *argv[]);

void fake_vm_init(struct fake_vm *vm);
void fake_vm_done(struct fake_vm *vm);

/* Config-space images. gid 0 = no group-ID capability. */
void fake_cfg_virtio_net(uint8_t cfg[FAKE_CFG_SIZE], uint64_t gid);
/* A QEMU pcie-root-port (1b36:000c, header type 1); reserve = add the resource-reserve cap. */
void fake_cfg_bridge(uint8_t cfg[FAKE_CFG_SIZE], uint64_t gid, uint8_t type, bool reserve);
/* Add a second bridge group-ID cap (for conflicts). */
void fake_cfg_bridge_add_gid(uint8_t cfg[FAKE_CFG_SIZE], uint8_t pos, uint64_t gid, uint8_t type);
/* A plain NIC function (e.g. 8086:10d3 e1000e) with a PCIe and an MSI cap. */
void fake_cfg_nic(uint8_t cfg[FAKE_CFG_SIZE], uint16_t vendor, uint16_t device);

/*
 * A PCI function at parent (NULL: on the root bus pci0000:00) with the
 * first cfg_len bytes of cfg as its "config", bound to driver (NULL: none).
 * Returns its syspath (g_free it).
 */
char *fake_pci(struct fake_vm *vm, const char *parent, const char *addr, const uint8_t *cfg,
	       size_t cfg_len, const char *driver);

/* virtioN below a PCI function, bound to virtio_net, with a 64-char features string. */
char *fake_virtio(struct fake_vm *vm, const char *fn, const char *name, bool standby_bit);

/*
 * A net device below parent (NULL: /sys/devices/virtual/net), with ifindex,
 * a permanent MAC ("address" + addr_assign_type 0), and a udev database
 * entry when initialized.  Returns its syspath.
 */
char *fake_netdev(struct fake_vm *vm, const char *parent, const char *name, int ifindex,
		  const char *mac, bool initialized);

/* Replace a device's "config" (then send a uevent to announce it). */
void fake_set_config(struct fake_vm *vm, const char *syspath, const uint8_t *cfg, size_t len);

/* Write a failoverd.conf with the given text into the testbed dir; returns its path. */
char *fake_write_conf(struct fake_vm *vm, const char *text);
