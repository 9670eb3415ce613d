/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel and udev as `failoverd --dry-run` imagines them: a mirror of
 * the links and devices the real dump and enumeration reported, to which
 * each planned request is applied as if it had succeeded, answering with
 * the observations the kernel (RTM_NEWLINK/DELLINK) and udev (a "move" or
 * "add" event) would send.  The engine confirms every step by observation
 * before it plans the next, so without this a dry run would stop after
 * the first request.  Pure: no I/O, no clock.
 */
#pragma once

#include "pairing.h"

struct dryrun;

struct dryrun *dryrun_new(void);
struct dryrun *dryrun_free(struct dryrun *w);

/* Mirror an observation from the real adapters (links, devices, their removal). */
int dryrun_observe(struct dryrun *w, const struct fo_obs *obs);

/*
 * Apply request a as succeeded (new_ifindex: the made-up ifindex of a
 * created aggregate) and emit the resulting observations through cb.
 * Returns 0, -ENODEV when a names a device the mirror does not know (no
 * observation is emitted), -EINVAL for an FO_ACT_EVENT, or -ENOMEM.
 */
int dryrun_apply(struct dryrun *w, const struct fo_action *a, int new_ifindex, fo_obs_cb cb,
		 void *userdata);
