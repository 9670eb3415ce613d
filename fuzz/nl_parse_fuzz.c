/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: every netlink parser of nl_build.c over arbitrary
 * datagrams.  The first byte picks how the rest is interpreted, so one
 * corpus covers link, address, error and team-option messages; each
 * message of the datagram is also fed to every parser, as the adapter
 * would when a message's type lies.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const void *m;
	const char *why;
	size_t off = 0, mlen;
	uint8_t *copy;
	int r;

	/* A heap copy of the exact size lets ASan catch any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	while ((r = nlbuild_next_msg(copy, size, &off, &m, &mlen, &why)) > 0) {
		struct fo_link_info li;
		struct nlbuild_addr a;
		struct nlbuild_team_options o = {};
		char text[160];
		uint32_t seq;
		int err;
		bool gone;

		why = NULL;
		if (nlbuild_parse_link(m, mlen, &li, &gone, &why) < 0 && !why)
			abort();
		why = NULL;
		if (nlbuild_parse_addr(m, mlen, &a, &gone, &why) < 0 && !why)
			abort();
		why = NULL;
		if (nlbuild_parse_error(m, mlen, &err, &seq, text, sizeof(text), &why) < 0 && !why)
			abort();
		if (nlbuild_parse_error(m, mlen, &err, &seq, text, sizeof(text), &why) == 0 &&
		    strnlen(text, sizeof(text)) == sizeof(text))
			abort();
		why = NULL;
		if (nlbuild_parse_team_options(m, mlen, &o, &why) < 0 && !why)
			abort();
		if (o.has_mode && strnlen(o.mode, sizeof(o.mode)) == sizeof(o.mode))
			abort();
	}
	free(copy);
	return 0;
}
