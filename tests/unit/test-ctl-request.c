/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control request parser: valid verbs, and a clear error for everything else. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "text.h"

static void ok(const char *req, enum ctl_verb verb)
{
	struct ctl_request r = { .verb = CTL_VERB_INVALID };
	char err[CTL_ERROR_MAX] = "";

	ck_assert_msg(ctl_request_parse(req, strlen(req), err, sizeof(err), &r) == 0,
		      "<%s> rejected: %s", req, err);
	ck_assert_int_eq(r.verb, verb);
}

static void bad_len(const char *req, size_t len, const char *reason)
{
	struct ctl_request r = { .verb = CTL_VERB_INVALID };
	char err[CTL_ERROR_MAX] = "";

	ck_assert_int_eq(ctl_request_parse(req, len, err, sizeof(err), &r), -EINVAL);
	ck_assert_msg(strstr(err, reason), "error <%s> lacks <%s>", err, reason);
	ck_assert_msg(text_utf8_valid(err, strlen(err)), "error text is not UTF-8");
	ck_assert_int_eq(r.verb, CTL_VERB_INVALID);
}

static void bad(const char *req, const char *reason)
{
	bad_len(req, strlen(req), reason);
}

START_TEST(test_verbs)
{
	ok("{\"verb\":\"status\"}", CTL_VERB_STATUS);
	ok("{\"verb\":\"rescan\"}", CTL_VERB_RESCAN);
	ok("{\"verb\":\"reload\"}", CTL_VERB_RELOAD);
	ok("  { \"verb\" : \"status\" }  ", CTL_VERB_STATUS);
	ck_assert(!ctl_verb_mutates(CTL_VERB_STATUS));
	ck_assert(ctl_verb_mutates(CTL_VERB_RESCAN));
	ck_assert(ctl_verb_mutates(CTL_VERB_RELOAD));
	ck_assert(ctl_verb_mutates(CTL_VERB_INVALID));
	ck_assert_str_eq(ctl_verb_name(CTL_VERB_RELOAD), "reload");
	ck_assert_str_eq(ctl_verb_name(CTL_VERB_INVALID), "unknown");
}
END_TEST

START_TEST(test_rejects)
{
	bad("", "empty request");
	bad("status", "invalid JSON");
	bad("{\"verb\":\"status\"", "invalid JSON");
	bad("{\"verb\":\"status\"} {}", "invalid JSON");
	bad("[\"status\"]", "must be a JSON object");
	bad("\"status\"", "invalid JSON");
	bad("{}", "missing \"verb\"");
	bad("{\"verb\":1}", "must be a string");
	bad("{\"verb\":null}", "must be a string");
	bad("{\"verb\":\"STATUS\"}", "unknown verb \"STATUS\"");
	bad("{\"verb\":\"status \"}", "unknown verb");
	bad("{\"verb\":\"status\",\"x\":1}", "unknown member \"x\"");
	bad("{\"verb\":\"status\",\"verb\":\"reload\"}", "invalid JSON");
	bad("{\"verb\":\"stat\\u0000us\"}", "invalid JSON");
	bad_len("{\"verb\":\"status\"}\0", 18, "NUL byte");
	bad("{\"verb\":\"st\xc3\x28tus\"}", "not valid UTF-8");
	bad("{\"verb\":\"\xed\xa0\x80\"}", "not valid UTF-8");  /* surrogate */
	bad("{\"verb\":\"\xc0\xaf\"}", "not valid UTF-8");      /* overlong '/' */
	bad("{\"verb\":\"\xf4\x90\x80\x80\"}", "not valid UTF-8"); /* > U+10FFFF */
	bad("{\"verb\":\"r\xc3\xa9load\"}", "unknown verb \"r\xc3\xa9load\"");
	/* An unknown member with control characters is reported sanitized. */
	bad("{\"a\\nb\":1}", "unknown member \"a?b\"");
}
END_TEST

START_TEST(test_deep_and_large)
{
	size_t n = CTL_REQUEST_MAX + 1;
	char *big = malloc(n + 1);
	size_t depth = 3000;
	char *deep = malloc(2 * depth + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[n] = '\0';
	bad(big, "larger than");
	/* Exactly at the limit: parsed (and rejected for being blank, not for size). */
	bad_len(big, CTL_REQUEST_MAX, "invalid JSON");
	free(big);

	/* Deep nesting must not recurse without bound. */
	ck_assert_ptr_nonnull(deep);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	bad(deep, "invalid JSON");
	free(deep);
}
END_TEST

START_TEST(test_replies)
{
	json_t *o = ctl_reply_error(CTL_CODE_PERMISSION, "permission denied: %s", "x\x01y\xff");
	char *s;

	ck_assert_ptr_nonnull(o);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(s, "{\"code\":\"permission\",\"error\":\"permission denied: x?y?\",\"ok\":false}");
	free(s);
	json_decref(o);
	o = ctl_reply_ok();
	s = json_dumps(o, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"ok\":true}");
	free(s);
	json_decref(o);
}
END_TEST

START_TEST(test_utf8)
{
	char out[16];

	ck_assert(text_utf8_valid("", 0));
	ck_assert(text_utf8_valid("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10));
	ck_assert(!text_utf8_valid("\xe2\x82", 2));
	ck_assert(!text_utf8_valid("\xff", 1));
	ck_assert(!text_utf8_valid("\xe0\x80\xaf", 3)); /* overlong */
	ck_assert_str_eq(text_sanitize("ab\tc\xff\xc3\xa9", out, sizeof(out)), "ab?c?\xc3\xa9");
	/* Truncation never splits a character. */
	ck_assert_str_eq(text_sanitize("abc\xe2\x82\xac", out, 5), "abc");
	ck_assert_str_eq(text_sanitize(NULL, out, sizeof(out)), "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl-request");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_verbs);
	tcase_add_test(tc, test_rejects);
	tcase_add_test(tc, test_deep_and_large);
	tcase_add_test(tc, test_replies);
	tcase_add_test(tc, test_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
