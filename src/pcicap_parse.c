/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The failover group ID in PCI config space: the pure parser.
 *
 * Config space comes from the host, which a confidential guest must not
 * trust, so this file treats every byte as hostile: every pointer and
 * length is checked against the 256-byte standard space before it is
 * used, the walk is bounded twice (hop count and a visited bitmap), and
 * anything unexpected ends in a status with a reason instead of a guess.
 * It is fuzzed (fuzz/pcicap_parse_fuzz.c).
 *
 * Extended config space (0x100..0xfff) is deliberately never walked: both
 * group-ID capabilities are standard-list vendor capabilities, and the
 * extended list brings its own hazards (aliasing of the standard space,
 * read-as-zero under Xen) for nothing we need.  Bytes past 256 are ignored.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pcicap.h"

/* Type 0/1 header offsets (PCI Local Bus spec 3.0, section 6.1). */
#define CFG_VENDOR_ID 0x00
#define CFG_STATUS 0x06
#define CFG_STATUS_CAP_LIST 0x10 /* status bit 4: the capability list exists */
#define CFG_HEADER_TYPE 0x0e
#define CFG_HEADER_TYPE_MASK 0x7f /* bit 7 only says "multi-function" */
#define CFG_CAP_PTR 0x34
#define CFG_HEADER_END 0x40 /* capabilities live after the header */

#define HDR_NORMAL 0
#define HDR_BRIDGE 1  /* PCI-to-PCI bridge */
#define HDR_CARDBUS 2 /* CardBus bridge: its cap pointer is at 0x14 */

#define CAP_ID_VNDR 0x09  /* vendor-specific capability */
#define CAP_ID_BROKEN 0xff /* what a removed device or a bad list reads as */

/* Layout of struct virtio_pci_cap (and of our bridge cap, which mirrors it). */
#define VCAP_LEN 2
#define VCAP_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12

static uint16_t le16_at(const uint8_t *p)
{
	return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
	       (uint32_t) p[3] << 24;
}

static uint64_t le64_at(const uint8_t *p)
{
	return (uint64_t) le32_at(p) | (uint64_t) le32_at(p + 4) << 32;
}

/* What one walk collected. */
struct walk {
	unsigned n_caps;
	unsigned n_found;          /* accepted group-ID capabilities with a valid ID */
	uint64_t id;               /* the first accepted ID */
	uint8_t id_off;
	bool conflict;
	uint64_t other_id;         /* the first ID that differs from id */
	uint8_t other_off;
	bool bad_id;               /* an otherwise valid cap carries ID 0 or all-ones */
	uint64_t bad_value;
	uint8_t bad_off;
	char note[PCICAP_REASON_LEN]; /* the last capability we looked at and skipped, and why */
};

static void note_skip(struct walk *w, const char *what, uint8_t pos)
{
	(void) snprintf(w->note, sizeof(w->note), "%s at 0x%02x ignored", what, pos);
}

static void take_id(struct walk *w, uint64_t id, uint8_t pos)
{
	if (id == 0 || id == UINT64_MAX) {
		if (!w->bad_id) {
			w->bad_id = true;
			w->bad_value = id;
			w->bad_off = pos;
		}
		return;
	}
	if (w->n_found++ == 0) {
		w->id = id;
		w->id_off = pos;
		return;
	}
	/* Several caps with one ID are harmless; two different IDs are a lie. */
	if (id != w->id && !w->conflict) {
		w->conflict = true;
		w->other_id = id;
		w->other_off = pos;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * One vendor capability at pos whose length is already known to fit in
 * the 256-byte space.  Decides whether it is a group-ID capability.
 */
static void look_at_vendor_cap(const uint8_t *cfg, uint8_t pos, enum pcicap_kind kind,
			       uint8_t bridge_type, uint16_t vendor, struct walk *w)
{
	const uint8_t *cap = cfg + pos;
	uint8_t cap_len = cap[VCAP_LEN];
	uint8_t type;

	if (cap_len <= VCAP_TYPE)
		return; /* no type byte: not a virtio-shaped capability */
	type = cap[VCAP_TYPE];

	switch (kind) {
	case PCICAP_VIRTIO:
		if (type != PCICAP_VIRTIO_GROUP_ID_TYPE)
			return; /* common/notify/ISR/device/pci-cfg/...: not ours */
		if (cap_len < PCICAP_GROUP_CAP_MIN_LEN) {
			note_skip(w, "short cfg_type 6 cap", pos);
			return;
		}
		/*
		 * The proposal requires bar, offset and length to be 0; a
		 * future use of cfg_type 6 would point into a BAR, so a cap
		 * that does is not the group-ID cap.
		 */
		if (cap[VCAP_BAR] != 0 || le32_at(cap + VCAP_OFFSET) != 0 ||
		    le32_at(cap + VCAP_LENGTH) != 0) {
			note_skip(w, "cfg_type 6 cap with bar/offset/length set", pos);
			return;
		}
		break;
	case PCICAP_BRIDGE:
		if (vendor == PCICAP_VENDOR_REDHAT && type == PCICAP_REDHAT_RESOURCE_RESERVE) {
			/* QEMU's bridge resource reserve (32 bytes, no ID in it). */
			note_skip(w, "QEMU resource-reserve cap", pos);
			return;
		}
		if (type != bridge_type)
			return;
		if (cap_len < PCICAP_GROUP_CAP_MIN_LEN) {
			note_skip(w, "short bridge group-ID cap", pos);
			return;
		}
		/* Our provisional layout keeps bytes 4..15 zero, like bar/offset/length. */
		if (!all_zero(cap + VCAP_BAR, PCICAP_GROUP_ID_OFFSET - VCAP_BAR)) {
			note_skip(w, "bridge cap with bytes 4-15 set", pos);
			return;
		}
		break;
	case PCICAP_KIND_MAX:
	case PCICAP_KIND_INVALID:
		return;
	}

	/* Virtio structures are little-endian (virtio 1.x "Basic Facilities"). */
	take_id(w, le64_at(cap + PCICAP_GROUP_ID_OFFSET), pos);
}

/*
 * Walk the standard capability list.  Returns false (and sets ret) when
 * the list itself is broken: then no capability in it is believed.
 */
static bool walk_caps(const uint8_t *cfg, enum pcicap_kind kind, uint8_t bridge_type,
		      uint16_t vendor, struct walk *w, struct pcicap_result *ret)
{
	/* One bit per 4-byte slot of the 256-byte space: the kernel's TTL plus pciutils' bitmap. */
	uint64_t visited = 0;
	unsigned pos;

	/*
	 * The two low bits of every capability pointer are reserved and
	 * "must be masked by software" (PCI spec 6.7); the kernel does the
	 * same (__pci_find_next_cap_ttl), so 0x43 means 0x40 here too.
	 */
	pos = cfg[CFG_CAP_PTR] & ~3u;
	while (pos != 0) {
		uint8_t id, cap_len;

		if (w->n_caps >= PCICAP_MAX_HOPS) {
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "capability list longer than %d entries", PCICAP_MAX_HOPS);
			return false;
		}
		if (pos < CFG_HEADER_END) {
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "capability pointer 0x%02x points into the header", pos);
			return false;
		}
		if (visited & (UINT64_C(1) << (pos >> 2))) {
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "capability list loops back to 0x%02x", pos);
			return false;
		}
		visited |= UINT64_C(1) << (pos >> 2);
		w->n_caps++;

		/* pos <= 0xfc, so the two header bytes are always inside the space. */
		id = cfg[pos];
		if (id == CAP_ID_BROKEN) {
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "capability at 0x%02x reads 0xff (list corrupt or device gone)",
					  pos);
			return false;
		}
		if (id == CAP_ID_VNDR) {
			cap_len = cfg[pos + VCAP_LEN];
			if (cap_len < 3) {
				pcicap_result_set(ret, PCICAP_MALFORMED,
						  "vendor capability at 0x%02x has length %u (< 3)",
						  pos, cap_len);
				return false;
			}
			if (pos + cap_len > PCICAP_CFG_STD_SIZE) {
				pcicap_result_set(ret, PCICAP_MALFORMED,
						  "vendor capability at 0x%02x (%u bytes) runs past 256",
						  pos, cap_len);
				return false;
			}
			look_at_vendor_cap(cfg, (uint8_t) pos, kind, bridge_type, vendor, w);
		}
		pos = cfg[pos + 1] & ~3u;
	}
	return true;
}

/* The header checks that need only the first 64 bytes. */
static bool check_header(const uint8_t *cfg, enum pcicap_kind kind, struct pcicap_result *ret)
{
	uint8_t htype = cfg[CFG_HEADER_TYPE] & CFG_HEADER_TYPE_MASK;
	uint16_t vendor = le16_at(cfg + CFG_VENDOR_ID);

	switch (kind) {
	case PCICAP_VIRTIO:
		if (htype == HDR_CARDBUS) {
			/* CardBus keeps its cap pointer at 0x14; no virtio function is one. */
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "CardBus header (type 2) on a virtio function, refusing");
			return false;
		}
		if (htype != HDR_NORMAL) {
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "header type %u on a virtio function (expected 0)", htype);
			return false;
		}
		if (vendor != PCICAP_VENDOR_VIRTIO) {
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "vendor 0x%04x is not virtio (0x%04x)", vendor,
					  PCICAP_VENDOR_VIRTIO);
			return false;
		}
		return true;
	case PCICAP_BRIDGE:
		if (htype == HDR_CARDBUS) {
			pcicap_result_set(ret, PCICAP_NOT_PCI,
					  "device above the NIC is a CardBus bridge, not PCI-to-PCI");
			return false;
		}
		if (htype != HDR_BRIDGE) {
			pcicap_result_set(ret, PCICAP_NOT_PCI,
					  "device above the NIC is not a PCI-to-PCI bridge (header type %u)",
					  htype);
			return false;
		}
		return true;
	case PCICAP_KIND_MAX:
	case PCICAP_KIND_INVALID:
		break;
	}
	return false;
}

int pcicap_parse(const uint8_t *buf, size_t len, enum pcicap_kind kind, uint8_t bridge_type,
		 struct pcicap_result *ret)
{
	struct pcicap_result r = {};
	struct walk w = {};
	uint16_t vendor;

	if (!ret || (!buf && len > 0) || kind < 0 || kind >= PCICAP_KIND_MAX)
		return -EINVAL;

	/* A removed or failed device answers every read with all-ones. */
	if (len >= 2 && le16_at(buf + CFG_VENDOR_ID) == 0xffff) {
		pcicap_result_set(ret, PCICAP_GONE, "config reads all-ones (device removed or in error)");
		return 0;
	}
	if (len < PCICAP_CFG_UNPRIV_SIZE) {
		pcicap_result_set(ret, PCICAP_MALFORMED,
				  "config is %zu bytes, shorter than the 64-byte header", len);
		return 0;
	}
	vendor = le16_at(buf + CFG_VENDOR_ID);
	if (vendor == 0) {
		/* Read-as-zero (Xen PV, some error paths): nothing is there. */
		pcicap_result_set(ret, PCICAP_GONE, "vendor ID reads 0x0000 (no device answers)");
		return 0;
	}
	if (!check_header(buf, kind, &r)) {
		*ret = r;
		return 0;
	}
	if (!(buf[CFG_STATUS] & CFG_STATUS_CAP_LIST)) {
		pcicap_result_set(ret, PCICAP_ABSENT, "no capability list (status bit 4 clear)");
		return 0;
	}
	if (len < PCICAP_CFG_STD_SIZE) {
		/*
		 * sysfs hands a reader without CAP_SYS_ADMIN exactly the
		 * 64-byte header and EOF after it: the capabilities are
		 * unknown to us, not absent.
		 */
		if (len == PCICAP_CFG_UNPRIV_SIZE)
			pcicap_result_set(ret, PCICAP_NO_PRIVILEGE,
					  "group ID unknown (privilege): only 64 bytes of config "
					  "readable without CAP_SYS_ADMIN");
		else
			pcicap_result_set(ret, PCICAP_MALFORMED,
					  "config truncated to %zu bytes (need 256)", len);
		return 0;
	}

	if (!walk_caps(buf, kind, bridge_type, vendor, &w, &r)) {
		*ret = r;
		return 0;
	}

	if (w.bad_id) {
		pcicap_result_set(ret, PCICAP_INVALID_ID,
				  "group ID 0x%016llx at 0x%02x is invalid (0 and all-ones are reserved)",
				  (unsigned long long) w.bad_value, w.bad_off);
		return 0;
	}
	if (w.conflict) {
		pcicap_result_set(ret, PCICAP_CONFLICT,
				  "group IDs disagree: 0x%016llx at 0x%02x, 0x%016llx at 0x%02x",
				  (unsigned long long) w.id, w.id_off,
				  (unsigned long long) w.other_id, w.other_off);
		return 0;
	}
	if (w.n_found == 0) {
		if (w.note[0])
			pcicap_result_set(ret, PCICAP_ABSENT, "no group-ID capability (%s)", w.note);
		else if (w.n_caps == 0)
			pcicap_result_set(ret, PCICAP_ABSENT, "capability list is empty");
		else
			pcicap_result_set(ret, PCICAP_ABSENT,
					  "no group-ID capability among %u capabilities", w.n_caps);
		return 0;
	}

	*ret = (struct pcicap_result) {
		.status = PCICAP_FOUND,
		.group_id = w.id,
		.cap_offset = w.id_off,
	};
	return 0;
}
