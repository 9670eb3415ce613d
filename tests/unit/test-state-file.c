/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtime state file (/run/failoverd/state): what the daemon writes
 * reads back the same, and anything else is refused whole, with a reason
 * that says which line and why.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_file.h"

static int parse(const char *text, struct state *st, char *reason)
{
	return state_parse(text, strlen(text), st, reason, STATE_REASON_LEN);
}

START_TEST(test_round_trip)
{
	struct state st = { .n_owed_up = 2 }, back;
	char text[STATE_TEXT_MAX], reason[STATE_REASON_LEN];
	size_t len = 0;

	st.owed_up[0] = (struct fo_owed_up) { .ifindex = 3,
					      .key = { .source = FO_KEY_MAC,
						       .mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } } };
	st.owed_up[1] = (struct fo_owed_up) { .ifindex = 2147483647,
					      .key = { .source = FO_KEY_GROUP_ID,
						       .group_id = 0x0123456789abcdefULL } };
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), 0);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_ptr_nonnull(strstr(text, "\nfailoverd-state 1\n"
					   "standby-was-up 3 mac:52:54:00:12:34:56\n"
					   "standby-was-up 2147483647 group:0x0123456789abcdef\n"));
	ck_assert_int_eq(state_parse(text, len, &back, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(back.n_owed_up, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(back.owed_up[i].ifindex, st.owed_up[i].ifindex);
		ck_assert(pairing_key_eq(&back.owed_up[i].key, &st.owed_up[i].key));
	}

	/* nothing owed: the header alone, which parses to no entry */
	st.n_owed_up = 0;
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), 0);
	ck_assert_int_eq(state_parse(text, len, &back, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(back.n_owed_up, 0);

	/* FO_OWED_UP_MAX entries fit the documented buffer, and read back */
	st.n_owed_up = FO_OWED_UP_MAX;
	for (size_t i = 0; i < FO_OWED_UP_MAX; i++)
		st.owed_up[i] = (struct fo_owed_up) {
			.ifindex = 2147483647 - (int) i,
			.key = { .source = FO_KEY_GROUP_ID, .group_id = 0xfffffffffffffff0ULL - i } };
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), 0);
	ck_assert_int_eq(state_parse(text, len, &back, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(back.n_owed_up, FO_OWED_UP_MAX);
	/* a buffer too small is an error, not a cut file */
	ck_assert_int_eq(state_format(&st, text, 100, &len), -ENOBUFS);
}
END_TEST

START_TEST(test_format_refuses_what_parse_would)
{
	struct state st = { .n_owed_up = 1 };
	char text[STATE_TEXT_MAX];
	size_t len = 7;

	st.owed_up[0] = (struct fo_owed_up) { .ifindex = 0, .key = { .source = FO_KEY_MAC } };
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), -EINVAL);
	st.owed_up[0] = (struct fo_owed_up) { .ifindex = 4, .key = { .source = FO_KEY_NONE } };
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), -EINVAL);
	st.owed_up[0] = (struct fo_owed_up) { .ifindex = 4,
					      .key = { .source = FO_KEY_GROUP_ID, .group_id = 0 } };
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), -EINVAL);
	st.n_owed_up = FO_OWED_UP_MAX + 1;
	ck_assert_int_eq(state_format(&st, text, sizeof(text), &len), -EINVAL);
	ck_assert_uint_eq(len, 7);
}
END_TEST

START_TEST(test_accepts)
{
	struct state st;
	char reason[STATE_REASON_LEN];

	/* comments and blank lines anywhere, the version line first of the rest */
	ck_assert_int_eq(parse("\n# x\nfailoverd-state 1\n\n# y\nstandby-was-up 12 "
			       "group:0xabc\n", &st, reason), 0);
	ck_assert_uint_eq(st.n_owed_up, 1);
	ck_assert_int_eq(st.owed_up[0].ifindex, 12);
	ck_assert_int_eq(st.owed_up[0].key.source, FO_KEY_GROUP_ID);
	ck_assert(st.owed_up[0].key.group_id == 0xabc);
}
END_TEST

START_TEST(test_rejects)
{
	static const struct {
		const char *text, *reason;
	} bad[] = {
		{ "", "empty" },
		{ "# only a comment\n", "empty" },
		{ "failoverd-state 1", "truncated" },
		{ "failoverd-state 1\nstandby-was-up 3 mac:52:54:00:12:34:5", "truncated" },
		{ "standby-was-up 3 mac:52:54:00:12:34:56\n", "line 1: not a failoverd state file" },
		{ "failoverd-state\n", "line 1: not a failoverd state file" },
		{ "failoverd-state 2\n", "line 1: unsupported version \"2\"" },
		{ "failoverd-state 01\n", "line 1: unsupported version" },
		{ "failoverd-state 1 \n", "line 1: unsupported version" },
		{ " failoverd-state 1\n", "line 1: not a failoverd state file" },
		{ "failoverd-state 1\nstandby-was-up 0 mac:52:54:00:12:34:56\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up -3 mac:52:54:00:12:34:56\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 3\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up  3 mac:52:54:00:12:34:56\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 3 mac:52:54:00:12:34:56 \n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 3 mac:52:54:00:12:34:56 x\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 3 group:0x0\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 3 group:0xffffffffffffffff\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 3 none\n", "line 2: want" },
		{ "failoverd-state 1\nstandby-was-up 99999999999 mac:52:54:00:12:34:56\n",
		  "line 2: want" },
		{ "failoverd-state 1\r\nstandby-was-up 3 mac:52:54:00:12:34:56\n",
		  "line 1: unsupported version" },
		{ "failoverd-state 1\nstandby-was-up 3 mac:52:54:00:12:34:56\n"
		  "standby-was-up 3 mac:52:54:00:12:34:57\n", "line 3: ifindex 3 listed twice" },
		{ "failoverd-state 1\naggregate-was-up 3\n", "line 2: unknown entry" },
	};
	char reason[STATE_REASON_LEN];
	struct state st = { .n_owed_up = 77 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reason[0] = '\0';
		ck_assert_msg(parse(bad[i].text, &st, reason) == -EINVAL, "accepted case %zu", i);
		ck_assert_msg(strstr(reason, bad[i].reason), "case %zu: reason \"%s\", want \"%s\"",
			      i, reason, bad[i].reason);
		ck_assert_uint_eq(st.n_owed_up, 77); /* untouched */
	}
}
END_TEST

START_TEST(test_rejects_hostile_sizes)
{
	char reason[STATE_REASON_LEN];
	struct state st;
	size_t n = STATE_FILE_MAX_BYTES + 1, off;
	char *big = malloc(n);
	char line[300];

	ck_assert_ptr_nonnull(big);
	/* too large: refused before reading a line */
	memset(big, '\n', n);
	ck_assert_int_eq(state_parse(big, n, &st, reason, sizeof(reason)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(reason, "more than a state file has"));
	/* a NUL byte anywhere */
	ck_assert_int_eq(state_parse("failoverd-state 1\n\0\n", 20, &st, reason, sizeof(reason)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(reason, "NUL"));
	/* an overlong line */
	memset(line, 'a', sizeof(line));
	line[0] = '#';
	line[sizeof(line) - 1] = '\n';
	memcpy(big, "failoverd-state 1\n", 18);
	memcpy(big + 18, line, sizeof(line));
	ck_assert_int_eq(state_parse(big, 18 + sizeof(line), &st, reason, sizeof(reason)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(reason, "line 2: longer than"));
	/* more entries than there can be pairs owing */
	off = (size_t) snprintf(big, n, "failoverd-state 1\n");
	for (int i = 1; i <= FO_OWED_UP_MAX + 1; i++)
		off += (size_t) snprintf(big + off, n - off, "standby-was-up %d group:0x%x\n", i,
					 i);
	ck_assert_int_eq(state_parse(big, off, &st, reason, sizeof(reason)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(reason, "more than 64"));
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state_file");
	TCase *tc = tcase_create("state_file");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_format_refuses_what_parse_would);
	tcase_add_test(tc, test_accepts);
	tcase_add_test(tc, test_rejects);
	tcase_add_test(tc, test_rejects_hostile_sizes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
