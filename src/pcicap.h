/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Failover group ID from PCI configuration space.
 *
 * pcicap_parse() is pure (a byte buffer in, a result out) and is fuzzed;
 * pcicap_read_*() are the thin sysfs readers around it.
 */
#pragma once

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

struct pcicap_result {
	enum pcicap_status status;
	uint64_t group_id;              /* valid when status == PCICAP_FOUND */
	char reason[PCICAP_REASON_LEN]; /* human words when status != FOUND */
};

const char *pcicap_status_name(enum pcicap_status s);

