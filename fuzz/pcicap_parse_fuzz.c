/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for pcicap_parse().
 *
 * Input: byte 0 bit 0 selects the layout (0 virtio, 1 bridge), byte 1 is
 * the bridge capability type, the rest is config space (any length, so
 * short files, the 64-byte view and 4096-byte files are all reached).
 * Besides ASan/UBSan, the result's invariants are checked.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcicap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcicap_result r;
	enum pcicap_kind kind;
	uint8_t btype;
	size_t reason_len;

	if (size < 2)
		return 0;
	kind = (data[0] & 1) ? PCICAP_BRIDGE : PCICAP_VIRTIO;
	btype = data[1];
	data += 2;
	size -= 2;

	if (pcicap_parse(size ? data : NULL, size, kind, btype, &r) != 0)
		abort();
	if (r.status < 0 || r.status >= PCICAP_STATUS_MAX)
		abort();
	reason_len = strnlen(r.reason, sizeof(r.reason));
	if (reason_len == sizeof(r.reason))
		abort(); /* not terminated */
	if (r.status == PCICAP_FOUND) {
		/* A found ID is valid, and its capability lies in the standard list. */
		if (r.group_id == 0 || r.group_id == UINT64_MAX || reason_len != 0)
			abort();
		if (r.cap_offset < 0x40 || r.cap_offset + PCICAP_GROUP_CAP_MIN_LEN > 256 ||
		    size < PCICAP_CFG_STD_SIZE)
			abort();
		if (data[r.cap_offset] != 0x09)
			abort();
	} else if (reason_len == 0) {
		abort(); /* every other answer says why */
	}
	return 0;
}
