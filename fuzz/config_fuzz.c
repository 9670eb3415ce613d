/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the config file parser over arbitrary bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conffile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failoverd_config base;
	static int initialized;
	struct failoverd_config out;
	struct config_error err;
	int r;

	if (!initialized) {
		config_init(&base);
		initialized = 1;
	}
	memset(&err, 0, sizeof(err));
	r = config_parse_buffer((const char *) data, size, "fuzz.conf", &base, &err, &out);
	if (r < 0) {
		/* Every rejection names the file and carries a NUL-terminated reason. */
		if (strncmp(err.text, "fuzz.conf:", 10) != 0 || !memchr(err.text, 0, sizeof(err.text)))
			__builtin_trap();
	} else {
		/* Accepted values respect the documented bounds. */
		if (out.engine.backoff_min_usec > out.engine.backoff_max_usec ||
		    out.engine.n_mac_list > FO_MAC_LIST_MAX ||
		    !memchr(out.engine.name_prefix, 0, sizeof(out.engine.name_prefix)) ||
		    !memchr(out.metrics_file, 0, sizeof(out.metrics_file)) ||
		    (out.engine.mac_pairing == FO_MAC_PAIRING_LIST && out.engine.n_mac_list == 0))
			__builtin_trap();
	}
	return 0;
}
