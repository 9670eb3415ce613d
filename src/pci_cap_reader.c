/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr_parse.h"
#include "pci_cap_reader.h"
#include "util.h"

static int open_dir(const char *syspath)
{
	int fd;

	/* O_PATH: we only need a handle to resolve "config" and "vendor" against. */
	fd = open(syspath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int read_all_at(int dfd, const char *name, uint8_t *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	size_t n = 0;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* sysfs may hand out less than asked for; stop at EOF or at size. */
	while (n < size) {
		ssize_t k = pread(fd, buf + n, size - n, (off_t) n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t) k;
	}
	*ret_len = n;
	return 0;
}

int pcicap_read_config(const char *syspath, uint8_t *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int dfd = -1;
	size_t n;
	int r;

	if (!syspath || !buf || !ret_len)
		return -EINVAL;
	dfd = open_dir(syspath);
	if (dfd < 0)
		return dfd;
	r = read_all_at(dfd, "config", buf, size, &n);
	if (r < 0)
		return r;
	*ret_len = n;
	return 0;
}

int pcicap_read_attr(const char *syspath, const char *attr, char *buf, size_t size)
{
	_cleanup_close_ int dfd = -1;
	size_t n;
	int r;

	if (!syspath || !attr || !buf || size == 0)
		return -EINVAL;
	dfd = open_dir(syspath);
	if (dfd < 0)
		return dfd;
	r = read_all_at(dfd, attr, (uint8_t *) buf, size - 1, &n);
	if (r < 0)
		return r;
	buf[n] = '\0';
	/* Attributes are one line; anything after the first newline is not ours. */
	buf[strcspn(buf, "\n")] = '\0';
	return (int) strlen(buf);
}

static void set_io_status(struct pcicap_result *ret, int error, const char *what)
{
	switch (-error) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		/* The device went away between lookup and read: an event, not a failure. */
		pcicap_result_set(ret, PCICAP_GONE, "%s vanished: %s", what, strerror(-error));
		break;
	case EACCES:
	case EPERM:
		pcicap_result_set(ret, PCICAP_NO_PRIVILEGE, "%s not readable: %s", what,
				  strerror(-error));
		break;
	default:
		pcicap_result_set(ret, PCICAP_IO_ERROR, "reading %s: %s", what, strerror(-error));
		break;
	}
}

int pcicap_read_function(const char *syspath, enum pcicap_kind kind, uint8_t bridge_type,
			 struct pcicap_result *ret)
{
	uint8_t buf[PCICAP_CFG_STD_SIZE];
	_cleanup_close_ int dfd = -1;
	struct pcicap_result res;
	char vendor_attr[16];
	size_t n = 0, vn;
	uint16_t vendor;
	int r;

	if (!syspath || !ret || kind < 0 || kind >= PCICAP_KIND_MAX)
		return -EINVAL;

	dfd = open_dir(syspath);
	if (dfd < 0) {
		set_io_status(ret, dfd, "PCI function");
		return 0;
	}
	/* Only the standard space: the group-ID caps live there (see pcicap_parse.c). */
	r = read_all_at(dfd, "config", buf, sizeof(buf), &n);
	if (r < 0) {
		set_io_status(ret, r, "config");
		return 0;
	}
	r = pcicap_parse(buf, n, kind, bridge_type, &res);
	if (r < 0)
		return r;
	if (res.status == PCICAP_GONE || n < 2) {
		*ret = res;
		return 0;
	}

	/*
	 * Re-validate: if the function was removed (and maybe another one
	 * plugged at the same address) while we read, its attributes are gone
	 * or differ from the bytes we hold.
	 */
	r = read_all_at(dfd, "vendor", (uint8_t *) vendor_attr, sizeof(vendor_attr) - 1, &vn);
	if (r < 0) {
		set_io_status(ret, r, "vendor attribute after reading config");
		return 0;
	}
	vendor_attr[vn] = '\0';
	vendor_attr[strcspn(vendor_attr, "\n")] = '\0';
	if (attr_parse_pci_id(vendor_attr, &vendor) < 0 || vendor != (buf[0] | buf[1] << 8)) {
		pcicap_result_set(ret, PCICAP_IO_ERROR,
				  "config changed while read (vendor attribute %.8s, config 0x%04x)",
				  vendor_attr, buf[0] | buf[1] << 8);
		return 0;
	}
	*ret = res;
	return 0;
}

static const char *subsystem_of(struct udev_device *d)
{
	const char *s = d ? udev_device_get_subsystem(d) : NULL;

	return s ? s : "";
}

/* virtio-net: the PCI function above virtioN, bound to virtio-pci, holds the ID. */
static int netdev_virtio(struct udev_device *vdev, uint8_t bridge_type, struct pcicap_netdev *nd)
{
	struct udev_device *fn = udev_device_get_parent(vdev);
	const char *drv;

	nd->is_virtio = true;
	if (!fn || !streq(subsystem_of(fn), "pci")) {
		pcicap_result_set(&nd->group, PCICAP_NOT_PCI, "virtio device %s is not on PCI",
				  udev_device_get_sysname(vdev));
		return 0;
	}
	strscpy(nd->pci_addr, sizeof(nd->pci_addr), udev_device_get_sysname(fn));
	drv = udev_device_get_driver(fn);
	if (!drv || !streq(drv, "virtio-pci")) {
		pcicap_result_set(&nd->group, PCICAP_NOT_PCI,
				  "PCI function %s is bound to %s, not virtio-pci", nd->pci_addr,
				  drv ? drv : "no driver");
		return 0;
	}
	strscpy(nd->cap_addr, sizeof(nd->cap_addr), nd->pci_addr);
	return pcicap_read_function(udev_device_get_syspath(fn), PCICAP_VIRTIO, bridge_type,
				    &nd->group);
}

/* Any other PCI NIC (the VF): the bridge directly above it holds the ID. */
static int netdev_pci(struct udev_device *fn, uint8_t bridge_type, struct pcicap_netdev *nd)
{
	struct udev_device *bridge = udev_device_get_parent(fn);

	strscpy(nd->pci_addr, sizeof(nd->pci_addr), udev_device_get_sysname(fn));
	/* Nothing further up counts: the key belongs to this VF's slot only. */
	if (!bridge || !streq(subsystem_of(bridge), "pci")) {
		pcicap_result_set(&nd->group, PCICAP_NOT_PCI, "no PCI bridge directly above %s",
				  nd->pci_addr);
		return 0;
	}
	strscpy(nd->cap_addr, sizeof(nd->cap_addr), udev_device_get_sysname(bridge));
	return pcicap_read_function(udev_device_get_syspath(bridge), PCICAP_BRIDGE, bridge_type,
				    &nd->group);
}

int pcicap_read_netdev(struct udev_device *net, uint8_t bridge_type, struct pcicap_netdev *ret)
{
	struct pcicap_netdev nd = {};
	struct udev_device *dev;
	const char *drv;
	int r = 0;

	if (!net || !ret)
		return -EINVAL;

	/* udev parents skip the "net" directory: this is <netdev>/device. */
	dev = udev_device_get_parent(net);
	if (!dev) {
		pcicap_result_set(&nd.group, PCICAP_NOT_PCI, "no device link (virtual netdev)");
	} else {
		drv = udev_device_get_driver(dev);
		strscpy(nd.driver, sizeof(nd.driver), drv ? drv : "");
		if (streq(subsystem_of(dev), "virtio"))
			r = netdev_virtio(dev, bridge_type, &nd);
		else if (streq(subsystem_of(dev), "pci"))
			r = netdev_pci(dev, bridge_type, &nd);
		else
			pcicap_result_set(&nd.group, PCICAP_NOT_PCI,
					  "device is on bus \"%s\", not PCI", subsystem_of(dev));
	}
	if (r < 0)
		return r;
	*ret = nd;
	return 0;
}
