/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control protocol's pure part: request parsing and reply helpers (fuzzed). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "text.h"
#include "util.h"

static const char *const verb_names[CTL_VERB_MAX] = {
	[CTL_VERB_STATUS] = "status",
	[CTL_VERB_RESCAN] = "rescan",
	[CTL_VERB_RELOAD] = "reload",
};

const char *ctl_verb_name(enum ctl_verb v)
{
	if (v < 0 || v >= CTL_VERB_MAX)
		return "unknown";
	return verb_names[v];
}

bool ctl_verb_mutates(enum ctl_verb v)
{
	switch (v) {
	case CTL_VERB_STATUS:
		return false;
	case CTL_VERB_RESCAN:
	case CTL_VERB_RELOAD:
		return true;
	case CTL_VERB_MAX:
	case CTL_VERB_INVALID:
		break;
	}
	/* Unknown verbs never get this far; treat them as changing to fail closed. */
	return true;
}

_printf_(3, 4)
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		(void) vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int ctl_request_parse(const char *buf, size_t len, char *err, size_t errlen,
		      struct ctl_request *ret)
{
	json_error_t jerr;
	json_t *root, *verb = NULL;
	const char *key;
	json_t *value;
	char clean[64];
	int r = -EINVAL;

	if (len == 0)
		return fail(err, errlen, "empty request");
	if (len > CTL_REQUEST_MAX)
		return fail(err, errlen, "request larger than %d bytes", CTL_REQUEST_MAX);
	if (memchr(buf, '\0', len))
		return fail(err, errlen, "request contains a NUL byte");
	/* Checked here as well as by jansson so the reply names the actual problem. */
	if (!text_utf8_valid(buf, len))
		return fail(err, errlen, "request is not valid UTF-8");

	/* Duplicate keys are ambiguous ({"verb":"status","verb":"reload"}): reject them. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, errlen, "invalid JSON at byte %d: %s", jerr.position,
			    text_sanitize(jerr.text, clean, sizeof(clean)));
	if (!json_is_object(root)) {
		r = fail(err, errlen, "request must be a JSON object");
		goto decref;
	}
	json_object_foreach(root, key, value) {
		if (streq(key, "verb"))
			verb = value;
		else {
			r = fail(err, errlen, "unknown member \"%s\"",
				 text_sanitize(key, clean, sizeof(clean)));
			goto decref;
		}
	}
	if (!verb) {
		r = fail(err, errlen, "missing \"verb\"");
		goto decref;
	}
	if (!json_is_string(verb)) {
		r = fail(err, errlen, "\"verb\" must be a string");
		goto decref;
	}
	for (int v = 0; v < CTL_VERB_MAX; v++)
		if (json_string_length(verb) == strlen(verb_names[v]) &&
		    streq(json_string_value(verb), verb_names[v])) {
			ret->verb = (enum ctl_verb) v;
			r = 0;
			goto decref;
		}
	r = fail(err, errlen, "unknown verb \"%s\" (status, rescan, reload)",
		 text_sanitize(json_string_value(verb), clean, sizeof(clean)));

decref:
	json_decref(root);
	return r;
}

json_t *ctl_reply_ok(void)
{
	json_t *o = json_object();

	if (o && json_object_set_new(o, "ok", json_true()) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *ctl_reply_error(const char *code, const char *fmt, ...)
{
	char msg[CTL_ERROR_MAX * 2], clean[CTL_ERROR_MAX * 2];
	json_t *o = json_object();
	va_list ap;

	if (!o)
		return NULL;
	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_object_set_new(o, "ok", json_false()) < 0 ||
	    json_object_set_new(o, "error", json_string(text_sanitize(msg, clean, sizeof(clean)))) < 0 ||
	    json_object_set_new(o, "code", json_string(code)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
