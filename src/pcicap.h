/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Failover group ID from PCI configuration space.
 *
 * pcicap_parse() is pure (a byte buffer in, a result out) and is fuzzed;
 * the thin sysfs readers around it, pcicap_read_*(), are in pci_cap_reader.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCICAP_REASON_LEN 96

/* What we learnt about one function's group ID. */
enum pcicap_status {
	PCICAP_UNKNOWN,      /* not looked at (yet) */
	PCICAP_FOUND,        /* group_id is valid */
	PCICAP_ABSENT,       /* capability list walked, no group-ID capability */
	PCICAP_NO_PRIVILEGE, /* only the 64-byte header was readable (no CAP_SYS_ADMIN) */
	PCICAP_GONE,         /* reads all-ones: device removed or in error */
	PCICAP_MALFORMED,    /* broken capability list or capability */
	PCICAP_CONFLICT,     /* two group-ID capabilities with different IDs */
	PCICAP_INVALID_ID,   /* group ID 0 or all-ones */
	PCICAP_NOT_PCI,      /* the netdev has no PCI function (or no bridge above it) */
	PCICAP_IO_ERROR,     /* config could not be read */
	PCICAP_STATUS_MAX,
	PCICAP_STATUS_INVALID = -1,
};

enum pcicap_kind {
	PCICAP_VIRTIO, /* virtio PCI function: cfg_type 6 */
	PCICAP_BRIDGE, /* PCI-to-PCI bridge above a VF: provisional layout, type configurable */
	PCICAP_KIND_MAX,
	PCICAP_KIND_INVALID = -1,
};

/* The virtio cfg_type of the (never merged) 2018 group-ID proposal. */
#define PCICAP_VIRTIO_GROUP_ID_TYPE 6
/* Default type byte of failoverd's provisional bridge capability. */
#define PCICAP_BRIDGE_GROUP_ID_TYPE_DEFAULT 6

/* PCI vendor IDs the parser knows about. */
#define PCICAP_VENDOR_VIRTIO 0x1af4 /* every virtio PCI function (virtio spec 4.1.2) */
#define PCICAP_VENDOR_REDHAT 0x1b36 /* QEMU's own bridges */
/* Red Hat/QEMU vendor capability type 1: bridge resource reserve, never a group ID. */
#define PCICAP_REDHAT_RESOURCE_RESERVE 1

/* Sizes of the views of config space a reader can get from sysfs. */
#define PCICAP_CFG_STD_SIZE 256   /* standard (legacy) space: all we ever read */
#define PCICAP_CFG_UNPRIV_SIZE 64 /* what an opener without CAP_SYS_ADMIN sees */

/* Bounds of the capability walk (same as the kernel's __pci_find_next_cap_ttl). */
#define PCICAP_MAX_HOPS 48
/* A group-ID capability: 16-byte virtio_pci_cap header + le64 group ID at +16. */
#define PCICAP_GROUP_CAP_MIN_LEN 24
#define PCICAP_GROUP_ID_OFFSET 16

struct pcicap_result {
	enum pcicap_status status;
	uint64_t group_id;              /* valid when status == PCICAP_FOUND */
	uint8_t cap_offset;             /* FOUND: config offset of the (first) group-ID cap */
	char reason[PCICAP_REASON_LEN]; /* human words when status != FOUND, "" when FOUND */
};

const char *pcicap_status_name(enum pcicap_status s);
const char *pcicap_kind_name(enum pcicap_kind k);

/* True for the statuses that mean "the config space itself is bad or unreadable". */
static inline bool pcicap_status_is_error(enum pcicap_status s)
{
	return s == PCICAP_GONE || s == PCICAP_MALFORMED || s == PCICAP_CONFLICT ||
	       s == PCICAP_INVALID_ID || s == PCICAP_IO_ERROR;
}

/*
 * Find the failover group ID in a PCI function's config space.
 *
 * buf/len: the bytes read from sysfs "config" (only the first 256 are looked at;
 * extended space is never walked because both group-ID capabilities live in
 * the standard list).  kind: which layout to look for.  bridge_type: the type
 * byte of the bridge capability (fo_config.bridge_cap_type), ignored for
 * PCICAP_VIRTIO.
 *
 * Pure: no I/O, no allocation.  Every outcome other than PCICAP_FOUND carries
 * a reason.  Returns 0 and fills *ret, or -EINVAL (ret untouched) for a NULL
 * result, a NULL buffer with len > 0, or an invalid kind.
 */
int pcicap_parse(const uint8_t *buf, size_t len, enum pcicap_kind kind, uint8_t bridge_type,
		 struct pcicap_result *ret);

/* Fill *r with status and a printf-formatted reason (truncated to fit). */
void pcicap_result_set(struct pcicap_result *r, enum pcicap_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

