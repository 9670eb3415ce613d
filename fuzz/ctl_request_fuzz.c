/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the control-socket request parser over arbitrary bytes. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctl.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req = { .verb = CTL_VERB_INVALID };
	char err[CTL_ERROR_MAX];
	int r;

	err[0] = '\0';
	r = ctl_request_parse((const char *) data, size, err, sizeof(err), &req);
	if (r == 0) {
		if (req.verb < 0 || req.verb >= CTL_VERB_MAX)
			__builtin_trap();
	} else {
		/* A reason is always given, and it is safe to put into a JSON reply. */
		if (r != -EINVAL || err[0] == '\0' || !text_utf8_valid(err, strlen(err)))
			__builtin_trap();
	}
	return 0;
}
