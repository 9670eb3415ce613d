/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the runtime state file parser, state_parse(), which
 * reads /run/failoverd/state at start.  Only root can write that file,
 * but it survives the process that wrote it (a crash mid-write on a full
 * tmpfs, a hand edit), so the parser is held to "reject with a reason,
 * never crash, never accept garbage".  Each accepted file is checked
 * against what the parser promises: at most FO_OWED_UP_MAX entries, each
 * with an ifindex > 0 and a key state_format() can write, no ifindex
 * twice, and formatting the result and parsing it again gives the same
 * entries (the file round-trips).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state st, again;
	static char text[STATE_TEXT_MAX];
	char reason[STATE_REASON_LEN];
	size_t len;

	reason[0] = '\0';
	if (state_parse((const char *) data, size, &st, reason, sizeof(reason)) < 0) {
		if (!reason[0])
			abort(); /* every rejection carries a reason */
		return 0;
	}
	if (st.n_owed_up > FO_OWED_UP_MAX)
		abort();
	for (size_t i = 0; i < st.n_owed_up; i++) {
		if (st.owed_up[i].ifindex <= 0)
			abort();
		for (size_t j = 0; j < i; j++)
			if (st.owed_up[j].ifindex == st.owed_up[i].ifindex)
				abort();
	}
	if (state_format(&st, text, sizeof(text), &len) < 0)
		abort();
	if (state_parse(text, len, &again, reason, sizeof(reason)) < 0 ||
	    again.n_owed_up != st.n_owed_up)
		abort();
	for (size_t i = 0; i < st.n_owed_up; i++)
		if (again.owed_up[i].ifindex != st.owed_up[i].ifindex ||
		    !pairing_key_eq(&again.owed_up[i].key, &st.owed_up[i].key))
			abort();
	return 0;
}
