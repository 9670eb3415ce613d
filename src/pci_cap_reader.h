/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The thin sysfs reader around pcicap_parse(): finds the PCI function whose
 * config space carries a netdev's group ID and reads it.
 *
 *   virtio-net:  <netdev>/device = virtioN, whose parent is the PCI
 *                function bound to virtio-pci: read that function.
 *   other PCI:   the NIC's PCI function (the VF); read the PCI-to-PCI
 *                bridge directly above it.
 *
 * All paths are relative to a device's syspath (libudev gives us those),
 * so a fake sysfs (umockdev) replaces the whole tree.  No function here
 * logs: every failure ends up in a struct pcicap_result with a reason.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pairing.h"
#include "pcicap.h"

struct udev_device;

/* Where a netdev's group ID comes from, and what it is. */
struct pcicap_netdev {
	bool is_virtio;                 /* its device is a virtio device (virtio_net) */
	char driver[FO_DRIVER_LEN];     /* driver of its device: virtio_net, e1000e ... */
	char pci_addr[FO_PCI_ADDR_LEN]; /* its PCI function (virtio: the virtio-pci parent) */
	char cap_addr[FO_PCI_ADDR_LEN]; /* the function whose config was read (bridge for a VF) */
	struct pcicap_result group;     /* group ID, or why there is none */
};

/*
 * Read at most size bytes of <syspath>/config with open()+pread(): no
 * more than asked for, because some chips misbehave when undefined
 * config space is read.  Returns 0 and *ret_len, or -errno.
 */
int pcicap_read_config(const char *syspath, uint8_t *buf, size_t size, size_t *ret_len);

/*
 * Read and parse the standard config space of the PCI function at
 * syspath, then re-check the vendor attribute so that a device replaced
 * mid-read is not believed.  I/O failures become statuses (GONE for
 * ENOENT/ENODEV/ENXIO, NO_PRIVILEGE for EACCES/EPERM, IO_ERROR otherwise).
 * Returns 0, or -EINVAL for bad arguments.
 */
int pcicap_read_function(const char *syspath, enum pcicap_kind kind, uint8_t bridge_type,
			 struct pcicap_result *ret);

/* From a udev net device to its group ID (see the top of this file). Returns 0 or -EINVAL. */
int pcicap_read_netdev(struct udev_device *net, uint8_t bridge_type, struct pcicap_netdev *ret);

/*
 * Read a sysfs attribute of the device at syspath into buf (at most
 * size - 1 bytes, NUL-terminated, trailing newline removed).  Returns the
 * length or -errno.
 */
int pcicap_read_attr(const char *syspath, const char *attr, char *buf, size_t size);
