/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <libudev.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_parse.h"
#include "log.h"
#include "pci_cap_reader.h"
#include "udev_watch-private.h"
#include "udev_watch.h"
#include "util.h"

/*
 * A burst of hotplug (or a coldplug "udevadm trigger") must not overflow
 * the monitor socket; systemd uses the same size for its own monitors.
 * Without CAP_NET_ADMIN the kernel caps it at rmem_max, and ENOBUFS then
 * makes us re-enumerate.
 */
#define UDEV_WATCH_RCVBUF (128 * 1024 * 1024)

/* Bounded reads of the short text attributes we use. */
#define ATTR_MAX 256

struct udev_watch {
	struct udev *udev;
	struct udev_monitor *monitor;
	uint8_t bridge_cap_type;
	udev_watch_receive_fn receive; /* udev_monitor_receive_device, or a test's */
};

static void udev_unrefp(struct udev **u)
{
	if (*u)
		(void) udev_unref(*u);
}

static void udev_monitor_unrefp(struct udev_monitor **m)
{
	if (*m)
		(void) udev_monitor_unref(*m);
}

static void udev_enumerate_unrefp(struct udev_enumerate **e)
{
	if (*e)
		(void) udev_enumerate_unref(*e);
}

static void udev_device_unrefp(struct udev_device **d)
{
	if (*d)
		(void) udev_device_unref(*d);
}

int udev_watch_new(uint8_t bridge_cap_type, struct udev_watch **ret)
{
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	_cleanup_(udev_monitor_unrefp) struct udev_monitor *mon = NULL;
	struct udev_watch *w;
	int r;

	if (!ret)
		return -EINVAL;
	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon)
		return errno > 0 ? -errno : -ENOMEM;
	r = udev_monitor_filter_add_match_subsystem_devtype(mon, "net", NULL);
	if (r < 0)
		return r;
	r = udev_monitor_filter_add_match_subsystem_devtype(mon, "pci", NULL);
	if (r < 0)
		return r;
	r = udev_monitor_set_receive_buffer_size(mon, UDEV_WATCH_RCVBUF);
	if (r < 0)
		(void) log_debug_errno(r, "udev: cannot enlarge the monitor buffer: %m, ignoring");
	r = udev_monitor_enable_receiving(mon);
	if (r < 0)
		return r;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->udev = TAKE_PTR(udev);
	w->monitor = TAKE_PTR(mon);
	w->bridge_cap_type = bridge_cap_type;
	w->receive = udev_monitor_receive_device;
	*ret = w;
	return 0;
}

struct udev_watch *udev_watch_free(struct udev_watch *w)
{
	if (!w)
		return NULL;
	(void) udev_monitor_unref(w->monitor);
	(void) udev_unref(w->udev);
	free(w);
	return NULL;
}

int udev_watch_get_fd(struct udev_watch *w)
{
	if (!w)
		return -EINVAL;
	return udev_monitor_get_fd(w->monitor);
}

void udev_watch_set_receive(struct udev_watch *w, udev_watch_receive_fn fn)
{
	if (w)
		w->receive = fn ? fn : udev_monitor_receive_device;
}

void udev_watch_set_bridge_cap_type(struct udev_watch *w, uint8_t bridge_cap_type)
{
	if (w)
		w->bridge_cap_type = bridge_cap_type;
}

/* The ifindex property/attribute, or -EINVAL if absent or malformed. */
static int parse_ifindex(const char *s)
{
	int ifindex;

	return attr_parse_ifindex(s, &ifindex) < 0 ? -EINVAL : ifindex;
}

/* The ifindex from the event (IFINDEX) or, failing that, from sysfs. */
static int device_ifindex(struct udev_device *dev)
{
	char buf[32];
	int ifindex;

	ifindex = parse_ifindex(udev_device_get_property_value(dev, "IFINDEX"));
	if (ifindex > 0)
		return ifindex;
	if (pcicap_read_attr(udev_device_get_syspath(dev), "ifindex", buf, sizeof(buf)) < 0)
		return -ENODEV;
	ifindex = parse_ifindex(buf);
	return ifindex > 0 ? ifindex : -ENODEV;
}

int udev_watch_read_device(struct udev_device *dev, uint8_t bridge_cap_type,
			   struct fo_device_info *ret)
{
	struct fo_device_info info = {};
	struct pcicap_netdev nd;
	struct udev_device *parent;
	char buf[ATTR_MAX];
	const char *s;
	int r;

	if (!dev || !ret)
		return -EINVAL;
	s = udev_device_get_subsystem(dev);
	if (!s || !streq(s, "net"))
		return -EINVAL;

	info.ifindex = device_ifindex(dev);
	if (info.ifindex < 0)
		return info.ifindex;
	/* Set by udev once its rules ran (rename done, properties imported). */
	info.initialized = udev_device_get_is_initialized(dev) > 0;
	strscpy(info.name, sizeof(info.name), udev_device_get_sysname(dev));

	/* Not every driver has one; EOPNOTSUPP on read means "none". */
	if (pcicap_read_attr(udev_device_get_syspath(dev), "phys_port_name", buf, sizeof(buf)) > 0)
		strscpy(info.phys_port_name, sizeof(info.phys_port_name), buf);

	r = pcicap_read_netdev(dev, bridge_cap_type, &nd);
	if (r < 0)
		return r;
	info.is_virtio = nd.is_virtio;
	strscpy(info.driver, sizeof(info.driver), nd.driver);
	strscpy(info.pci_addr, sizeof(info.pci_addr), nd.pci_addr);
	info.group = nd.group;

	/*
	 * VIRTIO_NET_F_STANDBY (bit 62) negotiated means the kernel's
	 * net_failover owns this NIC.  "features" is one '0'/'1' per bit.
	 */
	parent = udev_device_get_parent(dev);
	if (nd.is_virtio && parent &&
	    pcicap_read_attr(udev_device_get_syspath(parent), "features", buf, sizeof(buf)) > 0)
		(void) attr_parse_feature_bit(buf, 62, &info.standby_feature);

	*ret = info;
	return 0;
}

static void emit_device(struct udev_watch *w, struct udev_device *dev, fo_obs_cb cb, void *ud)
{
	struct fo_obs obs = { .type = FO_OBS_DEVICE };
	int r;

	r = udev_watch_read_device(dev, w->bridge_cap_type, &obs.device);
	if (r < 0) {
		/* It vanished between the event and the read: its remove event follows. */
		(void) log_debug_errno(r, "%s: cannot read net device: %m, ignoring",
				       udev_device_get_sysname(dev));
		return;
	}
	if (pcicap_status_is_error(obs.device.group.status))
		(void) log_debug("%s: group ID %s: %s", obs.device.name,
				 pcicap_status_name(obs.device.group.status), obs.device.group.reason);
	cb(&obs, ud);
}

/* Emit FO_OBS_DEVICE for every net device (below parent, if given). */
static int emit_net_devices(struct udev_watch *w, struct udev_device *parent, bool sync,
			    fo_obs_cb cb, void *ud)
{
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
	struct udev_list_entry *entry;
	int r;

	e = udev_enumerate_new(w->udev);
	if (!e)
		return -ENOMEM;
	r = udev_enumerate_add_match_subsystem(e, "net");
	if (r < 0)
		return r;
	if (parent) {
		r = udev_enumerate_add_match_parent(e, parent);
		if (r < 0)
			return r;
	}
	/* Scan before SYNC_BEGIN: a failed scan must not look like "every NIC is gone". */
	r = udev_enumerate_scan_devices(e);
	if (r < 0)
		return r;

	if (sync) {
		struct fo_obs begin = { .type = FO_OBS_SYNC_BEGIN, .sync_udev = true };

		cb(&begin, ud);
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;

		dev = udev_device_new_from_syspath(w->udev, udev_list_entry_get_name(entry));
		if (!dev)
			continue; /* removed since the scan */
		emit_device(w, dev, cb, ud);
	}
	if (sync) {
		struct fo_obs end = { .type = FO_OBS_SYNC_END, .sync_udev = true };

		cb(&end, ud);
	}
	return 0;
}

int udev_watch_enumerate(struct udev_watch *w, fo_obs_cb cb, void *userdata)
{
	if (!w || !cb)
		return -EINVAL;
	return emit_net_devices(w, NULL, true, cb, userdata);
}

static int handle_event(struct udev_watch *w, struct udev_device *dev, fo_obs_cb cb, void *ud)
{
	const char *subsystem = udev_device_get_subsystem(dev);
	const char *action = udev_device_get_action(dev);

	if (!subsystem || !action)
		return 0;

	if (streq(subsystem, "net")) {
		if (streq(action, "remove")) {
			struct fo_obs obs = { .type = FO_OBS_DEVICE_GONE };

			obs.ifindex = parse_ifindex(udev_device_get_property_value(dev, "IFINDEX"));
			if (obs.ifindex <= 0) {
				(void) log_debug("%s: remove event without IFINDEX, ignoring",
						 udev_device_get_sysname(dev));
				return 0;
			}
			cb(&obs, ud);
			return 0;
		}
		/* add, change, move (rename), bind, online ...: re-read it. */
		emit_device(w, dev, cb, ud);
		return 0;
	}

	if (streq(subsystem, "pci") &&
	    (streq(action, "add") || streq(action, "change") || streq(action, "bind"))) {
		/*
		 * A bridge or function (re)appeared or changed: the group IDs
		 * of the net devices below it may have changed with it.
		 */
		return emit_net_devices(w, dev, false, cb, ud);
	}
	/* pci remove/unbind: the net devices below send their own remove. */
	return 0;
}

int udev_watch_dispatch(struct udev_watch *w, fo_obs_cb cb, void *userdata)
{
	bool lost = false;
	int r;

	if (!w || !cb)
		return -EINVAL;

	for (;;) {
		_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;

		errno = 0;
		dev = w->receive(w->monitor);
		if (!dev) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Events were dropped; keep draining, then resynchronise. */
				lost = true;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == 0)
				break;
			r = -errno;
			if (lost)
				break;
			return r;
		}
		r = handle_event(w, dev, cb, userdata);
		if (r < 0)
			(void) log_warning_errno(r, "%s: cannot re-read net devices below it: %m, ignoring",
						 udev_device_get_sysname(dev));
	}

	if (lost) {
		(void) log_warning("udev: monitor overflowed (ENOBUFS), re-enumerating devices");
		return udev_watch_enumerate(w, cb, userdata);
	}
	return 0;
}

static int find_by_ifindex(struct udev_watch *w, int ifindex, struct udev_device **ret)
{
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
	struct udev_list_entry *entry;
	char id[16];
	int r;

	/* The fast path: the kernel maps ifindex -> name, sysfs has the rest. */
	(void) snprintf(id, sizeof(id), "n%d", ifindex);
	{
		struct udev_device *dev = udev_device_new_from_device_id(w->udev, id);

		if (dev && device_ifindex(dev) == ifindex) {
			*ret = dev;
			return 0;
		}
		if (dev)
			(void) udev_device_unref(dev);
	}

	/* Otherwise look at every net device (also what works on a fake sysfs). */
	e = udev_enumerate_new(w->udev);
	if (!e)
		return -ENOMEM;
	r = udev_enumerate_add_match_subsystem(e, "net");
	if (r < 0)
		return r;
	r = udev_enumerate_scan_devices(e);
	if (r < 0)
		return r;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *dev;

		dev = udev_device_new_from_syspath(w->udev, udev_list_entry_get_name(entry));
		if (!dev)
			continue;
		if (device_ifindex(dev) == ifindex) {
			*ret = dev;
			return 0;
		}
		(void) udev_device_unref(dev);
	}
	return -ENODEV;
}

int udev_watch_probe(struct udev_watch *w, int ifindex, fo_obs_cb cb, void *userdata)
{
	_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
	struct fo_obs obs = { .type = FO_OBS_DEVICE };
	int r;

	if (!w || !cb || ifindex <= 0)
		return -EINVAL;
	r = find_by_ifindex(w, ifindex, &dev);
	if (r < 0)
		return r;
	r = udev_watch_read_device(dev, w->bridge_cap_type, &obs.device);
	if (r < 0)
		return r;
	cb(&obs, userdata);
	return 0;
}
