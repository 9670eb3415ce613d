/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the ownership marker's key parser,
 * pairing_key_parse(), which reads the text after "failoverd:" in an
 * aggregate's IFLA_IFALIAS.  That text comes from the kernel, but anyone
 * with CAP_NET_ADMIN can write it, so it is untrusted input.  Each
 * accepted key is checked against what the parser promises: it is a
 * group ID or a MAC, a group ID is neither 0 nor all-ones, and formatting
 * it and parsing the result gives the same key (the marker round-trips).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pairing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fo_key k, again;
	char s[256], text[64];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pairing_key_parse(s, &k) < 0)
		return 0;
	if (k.source != FO_KEY_GROUP_ID && k.source != FO_KEY_MAC)
		abort();
	if (k.source == FO_KEY_GROUP_ID && (k.group_id == 0 || k.group_id == UINT64_MAX))
		abort();
	pairing_key_format(&k, text, sizeof(text));
	if (pairing_key_parse(text, &again) < 0 || !pairing_key_eq(&k, &again))
		abort();
	return 0;
}
