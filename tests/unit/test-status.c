/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Status JSON: content, escaping, the schema (python3-jsonschema), and the human table. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-sample.h"
#include "status.h"
#include "text.h"

static char *validate_cmd(void)
{
	static char cmd[1024];
	const char *top = getenv("top_srcdir");

	if (!top)
		top = "..";
	(void) snprintf(cmd, sizeof(cmd), "python3 %s/tests/unit/validate-status.py %s/docs/status.schema.json",
			top, top);
	return cmd;
}

static char *dump_with_ok(json_t *o)
{
	char *s;

	ck_assert_int_eq(json_object_set_new(o, "ok", json_true()), 0);
	s = json_dumps(o, JSON_COMPACT);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_content)
{
	struct snapshot s;
	json_t *o, *p, *n, *e;

	sample_snapshot(&s);
	o = status_build(&s);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "version")), "0.1.0");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "daemon"), "start_time")),
			 "2025-11-26T06:41:40.000Z");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "nics")), 5);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "pairs")), 2);

	p = json_array_get(json_object_get(o, "pairs"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "key")), "group:0x0123456789abcdef");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "active"), "name")), "enp1s0");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "failovers")), 12);
	ck_assert(json_is_false(json_object_get(p, "on_standby")));
	ck_assert(json_real_value(json_object_get(p, "last_unplug_to_reenslave_seconds")) > 0.81);

	p = json_array_get(json_object_get(o, "pairs"), 1);
	/* Invalid UTF-8 in a name arrives as '?', never as a NULL that drops the member. */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "aggregate"), "name")),
			 "we\"ird\\?");
	ck_assert(json_is_null(json_object_get(p, "primary")));
	ck_assert(json_is_null(json_object_get(p, "last_unplug_to_reenslave_seconds")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "errors"), "last")), "EBUSY");
	ck_assert_uint_eq(json_array_size(json_object_get(p, "last_events")), 2);
	e = json_array_get(json_object_get(p, "last_events"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "text")), "we\"ird\\: enslave failed ??");
	ck_assert(json_is_true(json_object_get(e, "transient")));
	ck_assert_str_eq(json_string_value(json_object_get(e, "error")), "EBUSY");

	n = json_array_get(json_object_get(o, "nics"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(n, "aggregate")), "eth0");
	ck_assert(json_is_true(json_object_get(n, "is_active")));
	n = json_array_get(json_object_get(o, "nics"), 4);
	ck_assert(json_is_null(json_object_get(n, "key")));
	ck_assert(json_is_null(json_object_get(n, "pair_state")));
	ck_assert_str_eq(json_string_value(json_object_get(n, "reason")), "group ID unknown (privilege)");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(o, "metrics"),
								      "events_total"), "paired")), 1);
	json_decref(o);
}
END_TEST

START_TEST(test_schema)
{
	struct snapshot s, empty = { .version = "0.1.0" };
	json_t *o;
	char *text;

	sample_snapshot(&s);
	o = status_build(&s);
	text = dump_with_ok(o);
	ck_assert_int_eq(sample_run_on(text, validate_cmd(), ""), 0);
	free(text);

	/* The validator is not a rubber stamp: a status without "nics" must fail. */
	ck_assert_int_eq(json_object_del(o, "nics"), 0);
	text = json_dumps(o, JSON_COMPACT);
	ck_assert_int_ne(sample_run_on(text, validate_cmd(), "2>/dev/null"), 0);
	free(text);
	json_decref(o);

	o = status_build(&empty);
	ck_assert_ptr_nonnull(o);
	text = dump_with_ok(o);
	ck_assert_int_eq(sample_run_on(text, validate_cmd(), ""), 0);
	free(text);
	json_decref(o);
}
END_TEST

START_TEST(test_table)
{
	struct snapshot s;
	json_t *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sample_snapshot(&s);
	o = status_build(&s);
	ck_assert_int_eq(status_print_table(o, f), 0);
	fclose(f);
	ck_assert_msg(strstr(buf, "NICs (5)"), "%s", buf);
	ck_assert_msg(strstr(buf, "group:0x0123456789abcdef (group-id): "), "%s", buf);
	ck_assert_msg(strstr(buf, "aggregate eth0, standby eth0nsby, primary enp1s0, active enp1s0"), "%s", buf);
	ck_assert_msg(strstr(buf, "failovers 12, seconds on standby 3.250"), "%s", buf);
	ck_assert_msg(strstr(buf, "reason: conflict: a second standby"), "%s", buf);
	ck_assert_msg(strstr(buf, "reason: waiting 400 ms after EBUSY"), "%s", buf);
	ck_assert_msg(strstr(buf, "last events:"), "%s", buf);
	ck_assert_msg(strstr(buf, "(EBUSY)"), "%s", buf);
	/* No control characters reach the terminal. */
	for (const char *c = buf; *c; c++)
		ck_assert_msg(*c == '\n' || (unsigned char) *c >= 0x20, "control byte 0x%02x", *c);
	free(buf);
	json_decref(o);
	o = json_object();
	ck_assert_int_eq(status_print_table(o, stdout), -EINVAL);
	json_decref(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("json");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_content);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_table);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
