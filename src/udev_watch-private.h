/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test seam of udev_watch: replace how the monitor is read (to inject ENOBUFS). */
#pragma once

#include "udev_watch.h"

struct udev_monitor;

/* Returns a device, or NULL with errno set, like udev_monitor_receive_device(). */
typedef struct udev_device *(*udev_watch_receive_fn)(struct udev_monitor *monitor);

/* NULL restores udev_monitor_receive_device(). */
void udev_watch_set_receive(struct udev_watch *w, udev_watch_receive_fn fn);
