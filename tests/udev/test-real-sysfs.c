/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader against the real kernel (reliability-anchors H1 / L.1 P1): on
 * a machine with a virtio-net NIC on PCI, reading its function's config
 * with CAP_SYS_ADMIN gives the full standard space, and without it the
 * kernel gives 64 bytes, which must come out as "no-privilege", not as
 * "absent".  Skips (77) when not root or when there is no such NIC.
 */
#include "config.h"

#include <errno.h>
#include <libudev.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pci_cap_reader.h"
#include "util.h"

static int fail(const char *what, const struct pcicap_result *r)
{
	printf("FAIL: %s: status %s (%s)\n", what, pcicap_status_name(r->status), r->reason);
	return EXIT_FAILURE;
}

/* Clear CAP_SYS_ADMIN from the effective set: files opened after this get the 64-byte view. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

/* The syspath of the first virtio-pci function that has a virtio_net netdev. */
static int find_virtio_net_function(struct udev *udev, char *ret, size_t len)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *entry;
	int r = -ENOENT;

	if (!e)
		return -ENOMEM;
	if (udev_enumerate_add_match_subsystem(e, "net") < 0 || udev_enumerate_scan_devices(e) < 0) {
		(void) udev_enumerate_unref(e);
		return -EIO;
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *net, *vdev, *fn;
		const char *s, *drv;

		net = udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
		if (!net)
			continue;
		vdev = udev_device_get_parent(net);
		fn = vdev ? udev_device_get_parent(vdev) : NULL;
		s = vdev ? udev_device_get_subsystem(vdev) : NULL;
		drv = fn ? udev_device_get_driver(fn) : NULL;
		if (s && streq(s, "virtio") && drv && streq(drv, "virtio-pci")) {
			strscpy(ret, len, udev_device_get_syspath(fn));
			r = 0;
		}
		(void) udev_device_unref(net);
		if (r == 0)
			break;
	}
	(void) udev_enumerate_unref(e);
	return r;
}

int main(void)
{
	struct pcicap_result priv, unpriv;
	struct udev *udev;
	char fn[512];
	uint8_t buf[PCICAP_CFG_STD_SIZE];
	size_t n;
	int r;

	if (geteuid() != 0) {
		printf("SKIP: real-sysfs: not root\n");
		return 77;
	}
	udev = udev_new();
	if (!udev)
		return EXIT_FAILURE;
	r = find_virtio_net_function(udev, fn, sizeof(fn));
	(void) udev_unref(udev);
	if (r < 0) {
		printf("SKIP: real-sysfs: no virtio-net NIC on virtio-pci here\n");
		return 77;
	}
	printf("reading %s/config\n", fn);

	r = pcicap_read_config(fn, buf, sizeof(buf), &n);
	if (r < 0 || n != sizeof(buf)) {
		printf("FAIL: privileged read: r=%d, %zu bytes, expected 0 and %zu\n", r, n,
		       sizeof(buf));
		return EXIT_FAILURE;
	}
	if (pcicap_read_function(fn, PCICAP_VIRTIO, 6, &priv) < 0)
		return EXIT_FAILURE;
	/* Whatever the host put there, a privileged read of a live device is a real answer. */
	if (priv.status != PCICAP_FOUND && priv.status != PCICAP_ABSENT)
		return fail("privileged read", &priv);
	printf("with CAP_SYS_ADMIN: %s %s\n", pcicap_status_name(priv.status), priv.reason);

	r = drop_sys_admin();
	if (r < 0) {
		printf("SKIP: real-sysfs: cannot drop CAP_SYS_ADMIN: %s\n", strerror(-r));
		return 77;
	}
	r = pcicap_read_config(fn, buf, sizeof(buf), &n);
	if (r < 0 || n != PCICAP_CFG_UNPRIV_SIZE) {
		printf("FAIL: unprivileged read: r=%d, %zu bytes, expected 0 and 64\n", r, n);
		return EXIT_FAILURE;
	}
	if (pcicap_read_function(fn, PCICAP_VIRTIO, 6, &unpriv) < 0)
		return EXIT_FAILURE;
	if (unpriv.status != PCICAP_NO_PRIVILEGE)
		return fail("unprivileged read", &unpriv);
	printf("without CAP_SYS_ADMIN: %s %s\n", pcicap_status_name(unpriv.status), unpriv.reason);
	printf("PASS: real-sysfs\n");
	return EXIT_SUCCESS;
}
