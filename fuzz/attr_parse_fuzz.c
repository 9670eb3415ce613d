/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the sysfs/uevent text parsers discovery uses
 * (attr_parse.h).  Each accepted input is checked against what the
 * parser promises: an ifindex is positive and its digits say the same
 * number, a MAC prints back to the same text, a feature bit is the
 * character at that position, a PCI ID fits what was written.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attr_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mac[FO_MAC_LEN];
	char s[512], again[32];
	unsigned bit;
	uint16_t id;
	bool on;
	int ifindex;

	/* The first byte picks the feature bit; the rest is the attribute text. */
	if (size < 1 || size > sizeof(s))
		return 0;
	bit = data[0];
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	if (attr_parse_ifindex(s, &ifindex) == 0) {
		const char *d = s + strspn(s, "0");

		snprintf(again, sizeof(again), "%d", ifindex);
		if (ifindex <= 0 || strcmp(d, again) != 0)
			__builtin_trap();
	}
	if (attr_parse_mac(s, mac) == 0) {
		snprintf(again, sizeof(again), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
			 mac[2], mac[3], mac[4], mac[5]);
		if (strcasecmp(s, again) != 0)
			__builtin_trap();
	}
	if (attr_parse_feature_bit(s, bit, &on) == 0) {
		if (strlen(s) <= bit || s[bit] != (on ? '1' : '0'))
			__builtin_trap();
	}
	if (attr_parse_pci_id(s, &id) == 0) {
		const char *h = strncasecmp(s, "0x", 2) == 0 ? s + 2 : s;

		if (strlen(h) < 1 || strlen(h) > 4 || strtoul(h, NULL, 16) != id ||
		    !isxdigit((unsigned char) h[0]))
			__builtin_trap();
	}
	return 0;
}
