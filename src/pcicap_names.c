/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

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

static const char *const kind_names[PCICAP_KIND_MAX] = {
	[PCICAP_VIRTIO] = "virtio",
	[PCICAP_BRIDGE] = "bridge",
};

const char *pcicap_kind_name(enum pcicap_kind k)
{
	if (k < 0 || k >= PCICAP_KIND_MAX || !kind_names[k])
		return "invalid";
	return kind_names[k];
}

void pcicap_result_set(struct pcicap_result *r, enum pcicap_status status, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	r->group_id = 0;
	r->cap_offset = 0;
	va_start(ap, fmt);
	(void) vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}
