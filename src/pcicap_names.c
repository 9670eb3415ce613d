/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pcicap.h"
#include "util.h"

static const char *const status_names[PCICAP_STATUS_MAX] = {
	[PCICAP_UNKNOWN] = "unknown",
	[PCICAP_FOUND] = "found",
	[PCICAP_ABSENT] = "absent",
	[PCICAP_NO_PRIVILEGE] = "no-privilege",
	[PCICAP_GONE] = "gone",
	[PCICAP_MALFORMED] = "malformed",
	[PCICAP_CONFLICT] = "conflict",
	[PCICAP_INVALID_ID] = "invalid-id",
	[PCICAP_NOT_PCI] = "not-pci",
	[PCICAP_IO_ERROR] = "io-error",
};

const char *pcicap_status_name(enum pcicap_status s)
{
	if (s < 0 || s >= PCICAP_STATUS_MAX || !status_names[s])
		return "invalid";
	return status_names[s];
}
