/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "attr_parse.h"

static int attr_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int attr_parse_ifindex(const char *s, int *ret)
{
	long long v = 0;

	if (!s || !*s || !ret)
		return -EINVAL;
	/* By hand rather than strtol(): no blanks, no sign, no overflow to clamp. */
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -EINVAL;
	}
	if (v == 0)
		return -EINVAL;
	*ret = (int) v;
	return 0;
}

int attr_parse_mac(const char *s, uint8_t ret[FO_MAC_LEN])
{
	uint8_t m[FO_MAC_LEN];

	if (!s || !ret || strlen(s) != FO_MAC_LEN * 3 - 1)
		return -EINVAL;
	for (size_t i = 0; i < FO_MAC_LEN; i++) {
		const char *c = s + i * 3;
		int hi = attr_hex(c[0]), lo = attr_hex(c[1]);

		if (hi < 0 || lo < 0 || (i < FO_MAC_LEN - 1 && c[2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t) (hi << 4 | lo);
	}
	memcpy(ret, m, FO_MAC_LEN);
	return 0;
}

int attr_parse_feature_bit(const char *features, unsigned bit, bool *ret)
{
	if (!features || !ret)
		return -EINVAL;
	/* Check the prefix: a string of other characters is not a features attribute. */
	for (unsigned i = 0; i <= bit; i++)
		if (features[i] != '0' && features[i] != '1')
			return -EINVAL; /* also stops at the terminating NUL */
	*ret = features[bit] == '1';
	return 0;
}

int attr_parse_pci_id(const char *s, uint16_t *ret)
{
	unsigned v = 0;
	size_t n;

	if (!s || !ret)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n < 1 || n > 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = attr_hex(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned) d;
	}
	*ret = (uint16_t) v;
	return 0;
}
