/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery adapter: libudev enumeration and monitor (the "udev" source,
 * so only events udev has finished processing, with checked sender
 * credentials) for the net and pci subsystems, turned into struct fo_obs.
 */
#pragma once

#include <stdint.h>

#include "pairing.h"

struct udev_watch;
struct udev_device;

/*
 * Create the monitor (receiving starts here, so nothing is missed between
 * this call and the first udev_watch_enumerate()).  bridge_cap_type is
 * fo_config.bridge_cap_type.  Returns 0 or -errno.
 */
int udev_watch_new(uint8_t bridge_cap_type, struct udev_watch **ret);
struct udev_watch *udev_watch_free(struct udev_watch *w);

/* The monitor's fd (non-blocking) for epoll. */
int udev_watch_get_fd(struct udev_watch *w);

/* Change the bridge capability type (SIGHUP); takes effect for the next read. */
void udev_watch_set_bridge_cap_type(struct udev_watch *w, uint8_t bridge_cap_type);

/*
 * Emit FO_OBS_SYNC_BEGIN{sync_udev=true}, one FO_OBS_DEVICE per net device,
 * FO_OBS_SYNC_END.  Nothing is emitted when the scan itself fails.
 * Returns 0 or -errno.
 */
int udev_watch_enumerate(struct udev_watch *w, fo_obs_cb cb, void *userdata);

/*
 * Drain the monitor: net add/change/move -> FO_OBS_DEVICE, net remove ->
 * FO_OBS_DEVICE_GONE, pci add/change/bind -> FO_OBS_DEVICE for every net
 * device below that function (a bridge or function whose config changed).
 * After ENOBUFS (events lost) it re-enumerates by itself.  Returns 0 or -errno.
 */
int udev_watch_dispatch(struct udev_watch *w, fo_obs_cb cb, void *userdata);

/*
 * Read one net device right now, by ifindex, and emit FO_OBS_DEVICE.  For
 * kernels with live rename, where the daemon acts on RTM_NEWLINK before udev
 * has processed the device: .initialized tells whether udev has.
 * Returns 0, or -ENODEV when no net device has that ifindex, or -errno.
 */
int udev_watch_probe(struct udev_watch *w, int ifindex, fo_obs_cb cb, void *userdata);

/*
 * Build the device part of an observation from a udev net device (also
 * used by failoverd-id).  Returns 0, -ENODEV when it has no usable ifindex
 * (it vanished), -EINVAL or -ENOMEM.
 */
int udev_watch_read_device(struct udev_device *dev, uint8_t bridge_cap_type,
			   struct fo_device_info *ret);
