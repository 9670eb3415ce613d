/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsers for the sysfs and uevent text discovery reads: an ifindex
 * (IFINDEX property, <netdev>/ifindex), a MAC address (<netdev>/address,
 * `mac =` in failoverd.conf as failoverd-id reads it), one bit of a virtio
 * device's "features" string and a PCI ID attribute ("0x1af4").
 *
 * The text comes from the kernel, from udev or from a fake sysfs, so it is
 * treated as untrusted: each parser accepts exactly the form the kernel
 * prints (a trailing newline already removed) and nothing else -- no
 * leading blanks, no sign, no base guessing.  Pure functions (core), no
 * allocation; on failure the output is untouched and -EINVAL returned.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pairing.h"

/* Decimal 1..INT_MAX (leading zeros allowed). */
int attr_parse_ifindex(const char *s, int *ret);

/* Exactly "xx:xx:xx:xx:xx:xx", hex digits of either case. */
int attr_parse_mac(const char *s, uint8_t ret[FO_MAC_LEN]);

/*
 * Bit `bit` of a virtio "features" attribute, which has one '0' or '1'
 * per feature bit, bit 0 first.  Every character up to and including the
 * bit must be '0' or '1'; a shorter string does not say (-EINVAL).
 */
int attr_parse_feature_bit(const char *features, unsigned bit, bool *ret);

/* A 16-bit PCI ID as sysfs prints it: optional "0x"/"0X", 1-4 hex digits. */
int attr_parse_pci_id(const char *s, uint16_t *ret);
