/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus text rendering: families, labels, escaping, promtool, atomic file writes. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-sample.h"
#include "metrics.h"
#include "text.h"

static char *render(const struct snapshot *s)
{
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(metrics_render(s, &text, &len), 0);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen(text));
	return text;
}

static void has(const char *text, const char *line)
{
	ck_assert_msg(strstr(text, line), "missing <%s> in:\n%s", line, text);
}

static unsigned count(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

START_TEST(test_sample)
{
	struct snapshot s;
	char *t;

	sample_snapshot(&s);
	t = render(&s);
	has(t, "# HELP failoverd_up ");
	has(t, "# TYPE failoverd_up gauge\nfailoverd_up 1\n");
	has(t, "failoverd_start_time_seconds 1764139300.000000\n");
	has(t, "# TYPE failoverd_netlink_requests_total counter\nfailoverd_netlink_requests_total 17\n");
	has(t, "failoverd_resyncs_total 1\n");
	has(t, "failoverd_observations_total 230\n");
	has(t, "failoverd_engine_events_dropped_total 0\n");
	has(t, "failoverd_events_total{kind=\"paired\"} 1\n");
	has(t, "failoverd_events_total{kind=\"failover\"} 0\n");
	ck_assert_uint_eq(count(t, "failoverd_events_total{"), FO_EV_MAX);
	has(t, "failoverd_pairs 2\n");
	has(t, "failoverd_nics 5\n");
	has(t, "failoverd_pair_failovers_total{aggregate=\"eth0\",key=\"group:0x0123456789abcdef\","
	       "source=\"group-id\"} 12\n");
	has(t, "failoverd_pair_primary_present{aggregate=\"eth0\",key=\"group:0x0123456789abcdef\","
	       "source=\"group-id\"} 1\n");
	/* Quote and backslash escaped; the invalid byte replaced, so the file stays UTF-8. */
	has(t, "failoverd_pair_primary_present{aggregate=\"we\\\"ird\\\\?\",key=\"mac:52:54:00:12:34:56\","
	       "source=\"mac\"} 0\n");
	has(t, "failoverd_pair_active_member{aggregate=\"eth0\",key=\"group:0x0123456789abcdef\","
	       "source=\"group-id\",member=\"enp1s0\",role=\"primary\"} 1\n");
	has(t, ",member=\"we\\\"ird\\\\\",role=\"standby\"} 1\n");
	has(t, "failoverd_pair_standby_seconds_total{aggregate=\"eth0\",key=\"group:0x0123456789abcdef\","
	       "source=\"group-id\"} 3.250000\n");
	has(t, "source=\"mac\"} 1.000001\n");
	has(t, "failoverd_pair_last_reenslave_seconds{aggregate=\"eth0\",key=\"group:0x0123456789abcdef\","
	       "source=\"group-id\"} 0.812345\n");
	/* Not measured yet: no sample rather than a misleading 0. */
	ck_assert_uint_eq(count(t, "failoverd_pair_last_reenslave_seconds{"), 1);
	has(t, "failoverd_pair_last_ready_to_enslaved_seconds{aggregate=\"eth0\"");
	has(t, "source=\"mac\",class=\"transient\"} 2\n");
	has(t, "source=\"mac\",class=\"permanent\"} 1\n");
	has(t, "failoverd_pair_state{aggregate=\"eth0\",key=\"group:0x0123456789abcdef\","
	       "source=\"group-id\",state=\"");
	/* Every family is announced exactly once. */
	ck_assert_uint_eq(count(t, "# TYPE failoverd_pair_errors_total "), 1);
	ck_assert_uint_eq(count(t, "# HELP "), count(t, "# TYPE "));
	ck_assert(text_utf8_valid(t, strlen(t)));
	ck_assert_int_eq(sample_run_on(t, "promtool check metrics <", ""), 0);
	free(t);
}
END_TEST

START_TEST(test_empty)
{
	struct snapshot s = { .version = "x" };
	char *t = render(&s);

	has(t, "failoverd_pairs 0\n");
	ck_assert(!strstr(t, "failoverd_pair_state"));
	ck_assert_int_eq(sample_run_on(t, "promtool check metrics <", ""), 0);
	free(t);
}
END_TEST

START_TEST(test_escape)
{
	char buf[64];

	ck_assert_str_eq(metrics_escape_label("a\"b\\c\nd", buf, sizeof(buf)), "a\\\"b\\\\c?d");
	ck_assert_str_eq(metrics_escape_label("\"\"\"\"", buf, 6), "\\\"\\\"");
	ck_assert_str_eq(metrics_escape_label("", buf, sizeof(buf)), "");
}
END_TEST

START_TEST(test_write_file)
{
	char dir[] = "/tmp/fod-metrics-XXXXXX";
	char path[128], buf[64];
	struct stat st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	(void) snprintf(path, sizeof(path), "%s/m.prom", dir);
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), 0);
	ck_assert_int_eq(metrics_write_file(path, "b 2\n", 4), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "b 2\n");
	/* No temporary file left behind. */
	(void) snprintf(buf, sizeof(buf), "test $(ls %s | wc -l) = 1", dir);
	ck_assert_int_eq(system(buf), 0);
	unlink(path);
	/* A missing directory is an error, not a crash. */
	ck_assert_int_eq(metrics_write_file("/nonexistent-fod/m.prom", "x", 1), -ENOENT);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_write_file);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
