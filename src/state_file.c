/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "attr_parse.h"
#include "state_file.h"
#include "util.h"

#define STATE_MAGIC "failoverd-state"
#define STATE_LINE_MAX 256

static int state_fail(char *reason, size_t reason_len, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int state_fail(char *reason, size_t reason_len, size_t line, const char *fmt, ...)
{
	char what[STATE_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (reason && reason_len > 0) {
		if (line > 0)
			(void) snprintf(reason, reason_len, "line %zu: %s", line, what);
		else
			(void) snprintf(reason, reason_len, "%s", what);
	}
	return -EINVAL;
}

/* One "standby-was-up IFINDEX KEY" line's arguments (after the keyword and its blank). */
static int state_parse_owed_up(const char *args, struct fo_owed_up *ret)
{
	char ifx[16];
	const char *sp = strchr(args, ' ');
	size_t n;

	if (!sp)
		return -EINVAL;
	n = (size_t) (sp - args);
	if (n == 0 || n >= sizeof(ifx))
		return -EINVAL;
	memcpy(ifx, args, n);
	ifx[n] = '\0';
	if (attr_parse_ifindex(ifx, &ret->ifindex) < 0)
		return -EINVAL;
	/* the key parser takes the rest as it is: a second blank makes it fail */
	return pairing_key_parse(sp + 1, &ret->key);
}

int state_parse(const char *buf, size_t len, struct state *ret, char *reason, size_t reason_len)
{
	struct state st = { 0 };
	bool have_version = false;
	size_t line = 0, off = 0;

	if (!buf || !ret)
		return -EINVAL;
	if (len > STATE_FILE_MAX_BYTES)
		return state_fail(reason, reason_len, 0, "%zu bytes, more than a state file has "
				  "(%d)", len, STATE_FILE_MAX_BYTES);
	if (memchr(buf, '\0', len))
		return state_fail(reason, reason_len, 0, "contains a NUL byte");
	if (len > 0 && buf[len - 1] != '\n')
		/* failoverd writes whole files: this one was cut short or not written by it */
		return state_fail(reason, reason_len, 0, "the last line has no newline (truncated)");

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = (size_t) (nl - (buf + off));
		char l[STATE_LINE_MAX];

		line++;
		if (n >= sizeof(l))
			return state_fail(reason, reason_len, line, "longer than %d bytes",
					  STATE_LINE_MAX - 1);
		memcpy(l, buf + off, n);
		l[n] = '\0';
		off += n + 1;
		if (n == 0 || l[0] == '#')
			continue;
		if (!have_version) {
			if (strncmp(l, STATE_MAGIC " ", sizeof(STATE_MAGIC)) != 0)
				return state_fail(reason, reason_len, line,
						  "not a failoverd state file (want \"%s %d\" first)",
						  STATE_MAGIC, STATE_VERSION);
			if (!streq(l + sizeof(STATE_MAGIC), "1"))
				return state_fail(reason, reason_len, line,
						  "unsupported version \"%.32s\" (this failoverd "
						  "reads %d)", l + sizeof(STATE_MAGIC), STATE_VERSION);
			have_version = true;
			continue;
		}
		if (strncmp(l, "standby-was-up ", 15) == 0) {
			struct fo_owed_up o;

			if (state_parse_owed_up(l + 15, &o) < 0)
				return state_fail(reason, reason_len, line,
						  "want \"standby-was-up IFINDEX KEY\", got \"%.64s\"",
						  l);
			for (size_t i = 0; i < st.n_owed_up; i++)
				if (st.owed_up[i].ifindex == o.ifindex)
					return state_fail(reason, reason_len, line,
							  "ifindex %d listed twice", o.ifindex);
			if (st.n_owed_up >= FO_OWED_UP_MAX)
				return state_fail(reason, reason_len, line,
						  "more than %d standby-was-up entries",
						  FO_OWED_UP_MAX);
			st.owed_up[st.n_owed_up++] = o;
			continue;
		}
		return state_fail(reason, reason_len, line, "unknown entry \"%.64s\"", l);
	}
	if (!have_version)
		return state_fail(reason, reason_len, 0, "empty (no \"%s %d\" line)", STATE_MAGIC,
				  STATE_VERSION);
	*ret = st;
	return 0;
}

int state_format(const struct state *st, char *buf, size_t len, size_t *ret_len)
{
	size_t off = 0;
	int n;

	if (!st || !buf || st->n_owed_up > FO_OWED_UP_MAX)
		return -EINVAL;
	n = snprintf(buf, len,
		     "# failoverd runtime state, for its next start in this boot; do not edit\n"
		     "%s %d\n", STATE_MAGIC, STATE_VERSION);
	if (n < 0 || (size_t) n >= len)
		return -ENOBUFS;
	off = (size_t) n;
	for (size_t i = 0; i < st->n_owed_up; i++) {
		const struct fo_owed_up *o = &st->owed_up[i];
		struct fo_key again;
		char key[64];

		/* only what state_parse() reads back (a group ID 0 or all-ones is no key) */
		if (o->ifindex <= 0 ||
		    (o->key.source != FO_KEY_GROUP_ID && o->key.source != FO_KEY_MAC))
			return -EINVAL;
		pairing_key_format(&o->key, key, sizeof(key));
		if (pairing_key_parse(key, &again) < 0)
			return -EINVAL;
		n = snprintf(buf + off, len - off, "standby-was-up %d %s\n", o->ifindex, key);
		if (n < 0 || (size_t) n >= len - off)
			return -ENOBUFS;
		off += (size_t) n;
	}
	if (ret_len)
		*ret_len = off;
	return 0;
}
