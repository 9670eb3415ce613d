/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcicap_parse() on crafted config-space bytes: every parser case of
 * reliability-anchors L.1 (P1-P8) plus the layouts of design-brief 4.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcicap.h"

#define GID UINT64_C(0x0123456789abcdef)
#define GID2 UINT64_C(0xfedcba9876543210)

static uint8_t cfg[4096];

/* A type-0 or type-1 header with the capability-list status bit set and no caps. */
static void hdr(uint16_t vendor, uint8_t htype)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = vendor & 0xff;
	cfg[1] = vendor >> 8;
	cfg[2] = 0x41; /* device 0x1041: virtio-net (modern) */
	cfg[3] = 0x10;
	cfg[6] = 0x10;
	cfg[0x0e] = htype;
}

static void virtio_hdr(void)
{
	hdr(PCICAP_VENDOR_VIRTIO, 0);
}

static void bridge_hdr(uint16_t vendor)
{
	hdr(vendor, 1);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Link a capability at pos: it becomes the new head of the list. */
static uint8_t *cap(uint8_t pos, uint8_t id, uint8_t len)
{
	uint8_t *c = cfg + pos;

	c[0] = id;
	c[1] = cfg[0x34];
	c[2] = len;
	cfg[0x34] = pos;
	return c;
}

/* A struct virtio_pci_cap (+ le64 at +16 when len >= 24). */
static uint8_t *vcap(uint8_t pos, uint8_t type, uint8_t len, uint64_t id)
{
	uint8_t *c = cap(pos, 0x09, len);

	c[3] = type;
	if (len >= 24)
		put_le64(c + 16, id);
	return c;
}

/* The five capabilities every modern virtio-pci function has (common..pci-cfg). */
static void virtio_standard_caps(void)
{
	vcap(0x84, 5, 20, 0);
	vcap(0x70, 2, 20, 0); /* notify: BAR 4 */
	cfg[0x70 + 4] = 4;
	vcap(0x60, 4, 16, 0);
	cfg[0x60 + 4] = 4;
	vcap(0x50, 3, 16, 0);
	cfg[0x50 + 4] = 4;
	vcap(0x40, 1, 16, 0);
	cfg[0x40 + 4] = 4;
	put_le32(cfg + 0x40 + 12, 0x1000);
}

/* QEMU's Red Hat resource-reserve capability: type 1, 32 bytes. */
static void reserve_cap(uint8_t pos)
{
	uint8_t *c = cap(pos, 0x09, 32);

	c[3] = PCICAP_REDHAT_RESOURCE_RESERVE;
	put_le32(c + 4, 1);        /* bus_res */
	put_le64(c + 8, 0x1000);   /* io */
	put_le32(c + 16, 0x200000); /* mem */
}

static struct pcicap_result parse_len(size_t len, enum pcicap_kind kind, uint8_t btype)
{
	struct pcicap_result r;

	memset(&r, 0x5a, sizeof(r));
	ck_assert_int_eq(pcicap_parse(cfg, len, kind, btype, &r), 0);
	ck_assert_int_ge(r.status, 0);
	ck_assert_int_lt(r.status, PCICAP_STATUS_MAX);
	/* Every answer but FOUND says why; FOUND has no reason text. */
	ck_assert_uint_lt(strnlen(r.reason, sizeof(r.reason)), sizeof(r.reason));
	if (r.status == PCICAP_FOUND)
		ck_assert_str_eq(r.reason, "");
	else
		ck_assert_msg(r.reason[0] != '\0', "status %s without a reason",
			      pcicap_status_name(r.status));
	return r;
}

static struct pcicap_result parse_v(void)
{
	return parse_len(256, PCICAP_VIRTIO, 0);
}

static struct pcicap_result parse_b(uint8_t btype)
{
	return parse_len(256, PCICAP_BRIDGE, btype);
}

#define assert_status(r, s) \
	ck_assert_msg((r).status == (s), "status %s (%s), expected %s", \
		      pcicap_status_name((r).status), (r).reason, pcicap_status_name(s))
#define assert_reason_has(r, text) \
	ck_assert_msg(strstr((r).reason, (text)), "reason \"%s\" lacks \"%s\"", (r).reason, (text))

/* ---- virtio layout ---- */

START_TEST(test_virtio_found_after_standard_caps)
{
	struct pcicap_result r;

	virtio_hdr();
	virtio_standard_caps();
	vcap(0x98, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);
	ck_assert_uint_eq(r.cap_offset, 0x98);
}
END_TEST

START_TEST(test_virtio_found_first_and_last)
{
	struct pcicap_result r;

	/* Group cap at the tail of the list (linked first). */
	virtio_hdr();
	vcap(0xa0, 6, 24, GID);
	virtio_standard_caps();
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);

	/* Longer than 24 bytes (v2-style trailer): the first 8 ID bytes count. */
	virtio_hdr();
	virtio_standard_caps();
	vcap(0xa0, 6, 32, GID);
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);

	/* Multi-function bit in the header type does not matter. */
	cfg[0x0e] = 0x80;
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
}
END_TEST

START_TEST(test_virtio_absent)
{
	struct pcicap_result r;

	virtio_hdr();
	virtio_standard_caps();
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "5 capabilities");

	/* P3: no capability list at all. */
	virtio_hdr();
	virtio_standard_caps();
	vcap(0x98, 6, 24, GID);
	cfg[6] = 0;
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "status bit 4");

	/* List bit set, pointer 0. */
	virtio_hdr();
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "empty");
}
END_TEST

/* P7: other and reserved cfg_types are not the group ID. */
START_TEST(test_virtio_other_cfg_types)
{
	static const uint8_t types[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 0xff };
	struct pcicap_result r;

	for (size_t i = 0; i < sizeof(types); i++) {
		virtio_hdr();
		vcap(0x40, types[i], 24, GID);
		r = parse_v();
		assert_status(r, PCICAP_ABSENT);
	}
}
END_TEST

START_TEST(test_virtio_shape_guards)
{
	struct pcicap_result r;

	/* cap_len < 24: the ID would not fit. */
	virtio_hdr();
	vcap(0x40, 6, 16, 0);
	put_le64(cfg + 0x50, GID); /* bytes after the cap must not be read as the ID */
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "short cfg_type 6 cap at 0x40");

	/* bar, offset or length set: a future cfg_type 6, not ours. */
	for (int field = 0; field < 3; field++) {
		virtio_hdr();
		vcap(0x40, 6, 24, GID);
		if (field == 0)
			cfg[0x44] = 2;
		else if (field == 1)
			put_le32(cfg + 0x48, 0x100);
		else
			put_le32(cfg + 0x4c, 8);
		r = parse_v();
		assert_status(r, PCICAP_ABSENT);
		assert_reason_has(r, "bar/offset/length");
	}

	/* The "id" and padding bytes (5..7) are not checked for the virtio cap. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	cfg[0x45] = 1;
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
}
END_TEST

/* P7: group ID 0 and all-ones. */
START_TEST(test_invalid_ids)
{
	struct pcicap_result r;

	virtio_hdr();
	vcap(0x40, 6, 24, 0);
	r = parse_v();
	assert_status(r, PCICAP_INVALID_ID);
	assert_reason_has(r, "0x0000000000000000");

	virtio_hdr();
	vcap(0x40, 6, 24, UINT64_MAX);
	r = parse_v();
	assert_status(r, PCICAP_INVALID_ID);

	/* A bad ID next to a good one still makes the function untrustworthy. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	vcap(0x60, 6, 24, 0);
	r = parse_v();
	assert_status(r, PCICAP_INVALID_ID);

	bridge_hdr(PCICAP_VENDOR_REDHAT);
	vcap(0x40, 6, 24, 0);
	r = parse_b(6);
	assert_status(r, PCICAP_INVALID_ID);
}
END_TEST

/* P6: two group-ID caps. */
START_TEST(test_two_caps)
{
	struct pcicap_result r;

	virtio_hdr();
	virtio_standard_caps();
	vcap(0x98, 6, 24, GID);
	vcap(0xb0, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);
	ck_assert_uint_eq(r.cap_offset, 0xb0); /* the first in list order */

	vcap(0xc8, 6, 24, GID2);
	r = parse_v();
	assert_status(r, PCICAP_CONFLICT);
	assert_reason_has(r, "0xfedcba9876543210");
	assert_reason_has(r, "0x0123456789abcdef");

	bridge_hdr(0x8086);
	vcap(0x40, 6, 24, GID);
	vcap(0x60, 6, 24, GID2);
	r = parse_b(6);
	assert_status(r, PCICAP_CONFLICT);
}
END_TEST

/* P7: the function must be a virtio function. */
START_TEST(test_virtio_header_guards)
{
	struct pcicap_result r;

	hdr(0x8086, 0);
	vcap(0x40, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "not virtio");

	hdr(PCICAP_VENDOR_VIRTIO, 1);
	vcap(0x40, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "header type 1");

	/* P3: CardBus (cap pointer at 0x14) is refused explicitly. */
	hdr(PCICAP_VENDOR_VIRTIO, 2);
	cfg[0x14] = 0x40;
	vcap(0x40, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "CardBus");

	hdr(PCICAP_VENDOR_REDHAT, 0x82);
	r = parse_b(6);
	assert_status(r, PCICAP_NOT_PCI);
	assert_reason_has(r, "CardBus");
}
END_TEST

/*
 * The first 163 bytes of a real virtio-net function's config (the rest is
 * zero), read as root from the 2-core build machine, which is a VM itself:
 * five virtio caps from 0x40 and MSI-X at 0x98.
 */
static const uint8_t real_virtio_net[] = {
	0xf4, 0x1a, 0x41, 0x10, 0x06, 0x04, 0x10, 0x00, 0x01, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x10, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf4, 0x1a, 0x41, 0x10,
	0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x09, 0x50, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00, 0x09, 0x60, 0x10, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x09, 0x70, 0x10, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00,
	0x00, 0x10, 0x00, 0x00, 0x09, 0x84, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x60, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x09, 0x98, 0x14, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x02, 0x80,
	0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

START_TEST(test_real_virtio_net)
{
	struct pcicap_result r;

	memset(cfg, 0, sizeof(cfg));
	memcpy(cfg, real_virtio_net, sizeof(real_virtio_net));
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "among 6 capabilities");
	r = parse_len(64, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_NO_PRIVILEGE);

	/* What the hypervisor would add: a group cap after MSI-X (12 bytes at 0x98). */
	cfg[0x99] = 0xa4;
	vcap(0xa4, 6, 24, GID);
	cfg[0xa5] = 0;
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);
	ck_assert_uint_eq(r.cap_offset, 0xa4);
}
END_TEST

/* ---- bridge layout (provisional) ---- */

START_TEST(test_bridge_reserve_and_group)
{
	struct pcicap_result r;

	bridge_hdr(PCICAP_VENDOR_REDHAT);
	cap(0x40, 0x10, 0);  /* PCIe capability */
	reserve_cap(0x48);
	cap(0x68, 0x05, 0);  /* MSI */
	vcap(0x70, 6, 24, GID);
	r = parse_b(PCICAP_BRIDGE_GROUP_ID_TYPE_DEFAULT);
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);
	ck_assert_uint_eq(r.cap_offset, 0x70);

	/* The other order: group cap first in the list, reserve after it. */
	bridge_hdr(PCICAP_VENDOR_REDHAT);
	vcap(0x80, 6, 24, GID);
	reserve_cap(0x40);
	r = parse_b(6);
	assert_status(r, PCICAP_FOUND);
}
END_TEST

START_TEST(test_bridge_reserve_only)
{
	struct pcicap_result r;

	bridge_hdr(PCICAP_VENDOR_REDHAT);
	cap(0x40, 0x10, 0);
	reserve_cap(0x48);
	r = parse_b(6);
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "resource-reserve");

	/* Configured type 1 never matches the reserve cap on a QEMU bridge ... */
	r = parse_b(1);
	assert_status(r, PCICAP_ABSENT);

	/* ... but does on another vendor's bridge that uses type 1 for the ID. */
	bridge_hdr(0x8086);
	vcap(0x40, 1, 24, GID);
	r = parse_b(1);
	assert_status(r, PCICAP_FOUND);
}
END_TEST

START_TEST(test_bridge_type_configurable)
{
	struct pcicap_result r;

	bridge_hdr(PCICAP_VENDOR_REDHAT);
	vcap(0x40, 0x42, 24, GID);
	r = parse_b(0x42);
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.group_id, GID);
	r = parse_b(6);
	assert_status(r, PCICAP_ABSENT);
}
END_TEST

START_TEST(test_bridge_shape_guards)
{
	struct pcicap_result r;

	for (int b = 4; b < 16; b++) {
		bridge_hdr(PCICAP_VENDOR_REDHAT);
		vcap(0x40, 6, 24, GID);
		cfg[0x40 + b] = 1;
		r = parse_b(6);
		assert_status(r, PCICAP_ABSENT);
		assert_reason_has(r, "bytes 4-15");
	}

	bridge_hdr(PCICAP_VENDOR_REDHAT);
	vcap(0x40, 6, 20, GID);
	r = parse_b(6);
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "short bridge");

	/* A type-0 function is not a bridge (the VF sits on a root bus). */
	hdr(PCICAP_VENDOR_REDHAT, 0);
	vcap(0x40, 6, 24, GID);
	r = parse_b(6);
	assert_status(r, PCICAP_NOT_PCI);
	assert_reason_has(r, "not a PCI-to-PCI bridge");

	/* A bridge-shaped cap on a virtio function is read with the virtio rules. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
}
END_TEST

/* ---- P1: privilege and short files ---- */

START_TEST(test_unprivileged_view)
{
	struct pcicap_result r;

	virtio_hdr();
	virtio_standard_caps();
	vcap(0x98, 6, 24, GID);
	r = parse_len(64, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_NO_PRIVILEGE);
	assert_reason_has(r, "64 bytes");

	bridge_hdr(PCICAP_VENDOR_REDHAT);
	vcap(0x40, 6, 24, GID);
	r = parse_len(64, PCICAP_BRIDGE, 6);
	assert_status(r, PCICAP_NO_PRIVILEGE);

	/* Without a capability list, 64 bytes are enough to know there is nothing. */
	virtio_hdr();
	cfg[6] = 0;
	r = parse_len(64, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_ABSENT);
}
END_TEST

START_TEST(test_short_and_odd_lengths)
{
	static const size_t lens[] = { 0, 1, 2, 16, 63 };
	struct pcicap_result r;

	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		r = parse_len(lens[i], PCICAP_VIRTIO, 0);
		assert_status(r, PCICAP_MALFORMED);
	}
	r = parse_len(65, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "truncated");
	r = parse_len(255, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_MALFORMED);
	r = parse_len(257, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_FOUND);

	/* NULL with length 0 is just an empty file. */
	ck_assert_int_eq(pcicap_parse(NULL, 0, PCICAP_VIRTIO, 0, &r), 0);
	assert_status(r, PCICAP_MALFORMED);
}
END_TEST

START_TEST(test_einval_leaves_result)
{
	struct pcicap_result r, before;

	virtio_hdr();
	memset(&r, 0x33, sizeof(r));
	before = r;
	ck_assert_int_eq(pcicap_parse(NULL, 256, PCICAP_VIRTIO, 0, &r), -EINVAL);
	ck_assert_int_eq(pcicap_parse(cfg, 256, PCICAP_KIND_INVALID, 0, &r), -EINVAL);
	ck_assert_int_eq(pcicap_parse(cfg, 256, PCICAP_KIND_MAX, 0, &r), -EINVAL);
	ck_assert_int_eq(memcmp(&r, &before, sizeof(r)), 0);
	ck_assert_int_eq(pcicap_parse(cfg, 256, PCICAP_VIRTIO, 0, NULL), -EINVAL);
}
END_TEST

/* ---- P4: removed device ---- */

START_TEST(test_all_ones)
{
	struct pcicap_result r;

	memset(cfg, 0xff, sizeof(cfg));
	r = parse_len(256, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_GONE);
	r = parse_len(64, PCICAP_BRIDGE, 6);
	assert_status(r, PCICAP_GONE);
	r = parse_len(4096, PCICAP_BRIDGE, 6);
	assert_status(r, PCICAP_GONE);
	r = parse_len(2, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_GONE);

	/* Read-as-zero. */
	memset(cfg, 0, sizeof(cfg));
	r = parse_len(256, PCICAP_VIRTIO, 0);
	assert_status(r, PCICAP_GONE);

	/* Header fine but the capability reads 0xff: list corrupt, not trusted. */
	virtio_hdr();
	vcap(0x98, 6, 24, GID);
	cap(0x40, 0xff, 0);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "0xff");
}
END_TEST

/* ---- P2: loops ---- */

START_TEST(test_loops)
{
	struct pcicap_result r;

	/* Self loop. */
	virtio_hdr();
	cap(0x40, 0x01, 0);
	cfg[0x41] = 0x40;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "loops back to 0x40");

	/* Two-cycle through a valid group cap: the ID is not believed. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	cap(0x60, 0x05, 0);
	cfg[0x41] = 0x60;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "loops");

	/* Backwards into the middle of the list. */
	virtio_hdr();
	cap(0xf0, 0x01, 0);
	cap(0xc0, 0x05, 0);
	cap(0x80, 0x10, 0);
	cap(0x40, 0x11, 0);
	cfg[0xf1] = 0x80;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "loops back to 0x80");

	/* Loop hidden by the reserved low bits: 0x43 is 0x40. */
	virtio_hdr();
	cap(0x40, 0x01, 0);
	cfg[0x41] = 0x43;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
}
END_TEST

/* ---- P3: pointers and lengths ---- */

START_TEST(test_pointers)
{
	struct pcicap_result r;

	/* First pointer into the header. */
	virtio_hdr();
	cfg[0x34] = 0x20;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "into the header");

	/* A later pointer into the header. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	cfg[0x41] = 0x3c;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);

	/* Pointers 1..3 mask to 0: the end of the list. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	cfg[0x41] = 0x03;
	r = parse_v();
	assert_status(r, PCICAP_FOUND);

	/* Unaligned pointers are masked (PCI spec: low two bits reserved). */
	virtio_hdr();
	vcap(0x48, 6, 24, GID);
	cfg[0x34] = 0x4b;
	r = parse_v();
	assert_status(r, PCICAP_FOUND);
	ck_assert_uint_eq(r.cap_offset, 0x48);
}
END_TEST

START_TEST(test_lengths)
{
	struct pcicap_result r;

	/* A group cap that ends exactly at 256 is fine. */
	virtio_hdr();
	vcap(0xe8, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_FOUND);

	/* One that runs past 256 is not. */
	virtio_hdr();
	vcap(0xec, 6, 24, GID);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "past 256");

	/* Any vendor cap running past 256, even one that is not ours. */
	virtio_hdr();
	vcap(0x40, 6, 24, GID);
	vcap(0xfc, 1, 0xff, 0);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);

	/* A vendor cap shorter than its own 3-byte header. */
	virtio_hdr();
	cap(0x40, 0x09, 2);
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
	assert_reason_has(r, "length 2");

	/* Exactly 3 bytes: no type byte, ignored. */
	virtio_hdr();
	cap(0x40, 0x09, 3);
	cfg[0x43] = 6;
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);

	/* Non-vendor capabilities are never sized: only their 2-byte header is read. */
	virtio_hdr();
	cap(0xfc, 0x05, 0xff);
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
}
END_TEST

START_TEST(test_longest_list)
{
	struct pcicap_result r;

	/* Every 4-byte slot from 0x40 to 0xfc used: 48 hops, the most there can be. */
	virtio_hdr();
	for (unsigned pos = 0xfc; pos >= 0x40; pos -= 4)
		cap((uint8_t) pos, 0x05, 0);
	r = parse_v();
	assert_status(r, PCICAP_ABSENT);
	assert_reason_has(r, "48 capabilities");

	/* ... and one more hop can only be a loop. */
	cfg[0xfd] = 0x40;
	r = parse_v();
	assert_status(r, PCICAP_MALFORMED);
}
END_TEST

/* ---- P8: extended space is never walked ---- */

START_TEST(test_extended_space_ignored)
{
	struct pcicap_result r256, r4096;

	virtio_hdr();
	virtio_standard_caps();
	vcap(0x98, 6, 24, GID);
	r256 = parse_len(256, PCICAP_VIRTIO, 0);

	/* Aliased standard space at 0x100 (ASM1083 and friends). */
	for (int i = 1; i < 16; i++)
		memcpy(cfg + 256 * i, cfg, 256);
	r4096 = parse_len(4096, PCICAP_VIRTIO, 0);
	ck_assert_int_eq(memcmp(&r256, &r4096, sizeof(r256)), 0);

	/* An extended header that loops to itself, and all-ones after it. */
	memset(cfg + 256, 0, 4096 - 256);
	put_le32(cfg + 0x100, 0x100u << 20 | 1u << 16 | 0x0001); /* next 0x100: a loop */
	memset(cfg + 0x200, 0xff, 0x100);
	r4096 = parse_len(4096, PCICAP_VIRTIO, 0);
	ck_assert_int_eq(memcmp(&r256, &r4096, sizeof(r256)), 0);

	/* Read-as-zero extended space. */
	memset(cfg + 256, 0, 4096 - 256);
	r4096 = parse_len(4096, PCICAP_VIRTIO, 0);
	ck_assert_int_eq(memcmp(&r256, &r4096, sizeof(r256)), 0);
	assert_status(r4096, PCICAP_FOUND);
}
END_TEST

/* Pseudo-random bytes: the invariants hold for any input (the fuzzer goes further). */
START_TEST(test_random_bytes)
{
	uint32_t x = 0x12345678;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len;

		for (int i = 0; i < 256; i++) {
			x = x * 1103515245u + 12345u;
			cfg[i] = (uint8_t) (x >> 16);
		}
		/* Keep the header plausible half of the time so the walk is reached. */
		if (iter & 1) {
			cfg[0] = 0xf4;
			cfg[1] = 0x1a;
			cfg[6] |= 0x10;
			cfg[0x0e] = (iter & 2) ? 1 : 0;
			cfg[0x34] |= 0x40;
		}
		len = (iter % 7 == 0) ? (size_t) (x % 300) : 256;
		(void) parse_len(len, (iter & 2) ? PCICAP_BRIDGE : PCICAP_VIRTIO, (uint8_t) x);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(pcicap_status_name(PCICAP_FOUND), "found");
	ck_assert_str_eq(pcicap_status_name(PCICAP_NO_PRIVILEGE), "no-privilege");
	ck_assert_str_eq(pcicap_status_name(PCICAP_STATUS_MAX), "invalid");
	ck_assert_str_eq(pcicap_status_name(PCICAP_STATUS_INVALID), "invalid");
	for (int s = 0; s < PCICAP_STATUS_MAX; s++)
		ck_assert_str_ne(pcicap_status_name(s), "invalid");
	ck_assert_str_eq(pcicap_kind_name(PCICAP_BRIDGE), "bridge");
	ck_assert_str_eq(pcicap_kind_name(PCICAP_KIND_MAX), "invalid");
	ck_assert(pcicap_status_is_error(PCICAP_CONFLICT));
	ck_assert(!pcicap_status_is_error(PCICAP_NO_PRIVILEGE));
	ck_assert(!pcicap_status_is_error(PCICAP_ABSENT));
}
END_TEST

static Suite *pcicap_suite(void)
{
	Suite *s = suite_create("pcicap");
	TCase *tc;

	tc = tcase_create("virtio");
	tcase_add_test(tc, test_virtio_found_after_standard_caps);
	tcase_add_test(tc, test_virtio_found_first_and_last);
	tcase_add_test(tc, test_virtio_absent);
	tcase_add_test(tc, test_virtio_other_cfg_types);
	tcase_add_test(tc, test_virtio_shape_guards);
	tcase_add_test(tc, test_virtio_header_guards);
	tcase_add_test(tc, test_invalid_ids);
	tcase_add_test(tc, test_two_caps);
	tcase_add_test(tc, test_real_virtio_net);
	suite_add_tcase(s, tc);

	tc = tcase_create("bridge");
	tcase_add_test(tc, test_bridge_reserve_and_group);
	tcase_add_test(tc, test_bridge_reserve_only);
	tcase_add_test(tc, test_bridge_type_configurable);
	tcase_add_test(tc, test_bridge_shape_guards);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_add_test(tc, test_unprivileged_view);
	tcase_add_test(tc, test_short_and_odd_lengths);
	tcase_add_test(tc, test_einval_leaves_result);
	tcase_add_test(tc, test_all_ones);
	tcase_add_test(tc, test_loops);
	tcase_add_test(tc, test_pointers);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_longest_list);
	tcase_add_test(tc, test_extended_space_ignored);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pcicap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
