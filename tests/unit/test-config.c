/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config parser: every key, its bounds, and "FILE:LINE: reason" errors. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conffile.h"

static int parse(const char *text, struct failoverd_config *ret, struct config_error *err)
{
	struct failoverd_config base;

	config_init(&base);
	memset(err, 0, sizeof(*err));
	return config_parse_buffer(text, strlen(text), "test.conf", &base, err, ret);
}

static struct failoverd_config parse_ok(const char *text)
{
	struct failoverd_config c;
	struct config_error err;
	int r = parse(text, &c, &err);

	ck_assert_msg(r == 0, "parse failed for <%s>: %s", text, err.text);
	return c;
}

/* The error must name the file and line and contain a reason fragment. */
static void parse_bad(const char *text, const char *expect_prefix, const char *expect_reason)
{
	struct failoverd_config c, before;
	struct config_error err;
	int r;

	memset(&c, 0x5a, sizeof(c));
	before = c;
	r = parse(text, &c, &err);
	ck_assert_msg(r == -EINVAL, "expected -EINVAL for <%s>, got %d", text, r);
	ck_assert_msg(strncmp(err.text, expect_prefix, strlen(expect_prefix)) == 0,
		      "error <%s> does not start with <%s>", err.text, expect_prefix);
	ck_assert_msg(strstr(err.text, expect_reason), "error <%s> lacks <%s>", err.text,
		      expect_reason);
	ck_assert_msg(memcmp(&c, &before, sizeof(c)) == 0, "output touched on failure");
}

START_TEST(test_empty_is_defaults)
{
	struct failoverd_config def, c;

	config_init(&def);
	c = parse_ok("");
	ck_assert_mem_eq(&c, &def, sizeof(c));
	c = parse_ok("# only a comment\n\n   \t\n   # indented comment\n");
	ck_assert_mem_eq(&c, &def, sizeof(c));
	ck_assert_str_eq(def.metrics_file, "/run/failoverd/metrics.prom");
	ck_assert_str_eq(def.control_group, "");
	ck_assert_int_eq(def.log_level, LOG_INFO);
	ck_assert_int_eq(def.live_rename, CONFIG_LIVE_RENAME_AUTO);
}
END_TEST

START_TEST(test_every_key)
{
	static const uint8_t m1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t m2[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct failoverd_config c = parse_ok(
		"backend = team\n"
		"naming=named\n"
		"  name_prefix =   fo_x  \n"
		"pair_by_group_id = no\n"
		"pair_by_mac = list\n"
		"mac = 52:54:00:12:34:56\n"
		"mac = 02:AA:bb:CC:dd:EE\n"
		"bridge_cap_type = 255\n"
		"settle_ms = 1500\n"
		"backoff_min_ms = 10\n"
		"backoff_max_ms = 60000\n"
		"fight_limit = 7\n"
		"fight_window_s = 120\n"
		"live_rename = no\n"
		"bond_miimon = 50\n"
		"bond_updelay = 100\n"
		"bond_downdelay = 150\n"
		"bond_primary_reselect = failure\n"
		"bond_fail_over_mac = follow\n"
		"bond_num_peer_notif = 3\n"
		"bond_peer_notif_delay = 200\n"
		"bond_all_slaves_active = yes\n"
		"bond_tx_queues = 8\n"
		"control_group = netadmin\n"
		"metrics_file = /var/lib/node_exporter/failoverd.prom\n"
		"log_level = debug\r\n");

	ck_assert_int_eq(c.engine.backend, FO_BACKEND_TEAM);
	ck_assert_int_eq(c.engine.naming, FO_NAMING_NAMED);
	ck_assert_str_eq(c.engine.name_prefix, "fo_x");
	ck_assert(!c.engine.pair_by_group_id);
	ck_assert_int_eq(c.engine.mac_pairing, FO_MAC_PAIRING_LIST);
	ck_assert_uint_eq(c.engine.n_mac_list, 2);
	ck_assert_mem_eq(c.engine.mac_list[0], m1, 6);
	ck_assert_mem_eq(c.engine.mac_list[1], m2, 6);
	ck_assert_uint_eq(c.engine.bridge_cap_type, 255);
	ck_assert_uint_eq(c.engine.settle_usec, 1500000);
	ck_assert_uint_eq(c.engine.backoff_min_usec, 10000);
	ck_assert_uint_eq(c.engine.backoff_max_usec, 60000000);
	ck_assert_uint_eq(c.engine.fight_limit, 7);
	ck_assert_uint_eq(c.engine.fight_window_usec, 120000000);
	ck_assert_int_eq(c.live_rename, CONFIG_LIVE_RENAME_NO);
	ck_assert(!c.engine.live_rename);
	ck_assert_int_eq(c.engine.bond.miimon, 50);
	ck_assert_int_eq(c.engine.bond.updelay, 100);
	ck_assert_int_eq(c.engine.bond.downdelay, 150);
	ck_assert_int_eq(c.engine.bond.primary_reselect, 2);
	ck_assert_int_eq(c.engine.bond.fail_over_mac, 2);
	ck_assert_int_eq(c.engine.bond.num_peer_notif, 3);
	ck_assert_int_eq(c.engine.bond.peer_notif_delay, 200);
	ck_assert_int_eq(c.engine.bond.all_slaves_active, 1);
	ck_assert_int_eq(c.engine.bond.tx_queues, 8);
	ck_assert_str_eq(c.control_group, "netadmin");
	ck_assert_str_eq(c.metrics_file, "/var/lib/node_exporter/failoverd.prom");
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
}
END_TEST

START_TEST(test_other_values)
{
	struct failoverd_config c;

	c = parse_ok("backend = bond\nnaming = takeover\npair_by_mac = all\nlive_rename = yes\n"
		     "bond_primary_reselect = always\nbond_fail_over_mac = none\n"
		     "bond_all_slaves_active = no\nmetrics_file =\nlog_level = err\n");
	ck_assert_int_eq(c.engine.backend, FO_BACKEND_BOND);
	ck_assert_int_eq(c.engine.naming, FO_NAMING_TAKEOVER);
	ck_assert_int_eq(c.engine.mac_pairing, FO_MAC_PAIRING_ALL);
	ck_assert(c.engine.live_rename);
	ck_assert_int_eq(c.live_rename, CONFIG_LIVE_RENAME_YES);
	ck_assert_int_eq(c.engine.bond.primary_reselect, 0);
	ck_assert_int_eq(c.engine.bond.fail_over_mac, 0);
	ck_assert_int_eq(c.engine.bond.all_slaves_active, 0);
	ck_assert_str_eq(c.metrics_file, "");
	ck_assert_int_eq(c.log_level, LOG_ERR);

	c = parse_ok("pair_by_mac = off\npair_by_group_id = yes\nbond_primary_reselect = better\n"
		     "bond_fail_over_mac = active\nlive_rename = auto\nlog_level = warning\n"
		     "bridge_cap_type = 0\nsettle_ms = 0\nbond_miimon = 0\nbond_num_peer_notif = 255\n"
		     "control_group =\n");
	ck_assert_int_eq(c.engine.mac_pairing, FO_MAC_PAIRING_OFF);
	ck_assert(c.engine.pair_by_group_id);
	ck_assert_int_eq(c.engine.bond.primary_reselect, 1);
	ck_assert_int_eq(c.engine.bond.fail_over_mac, 1);
	ck_assert_int_eq(c.live_rename, CONFIG_LIVE_RENAME_AUTO);
	ck_assert_int_eq(c.log_level, LOG_WARNING);
	ck_assert_uint_eq(c.engine.bridge_cap_type, 0);
	ck_assert_uint_eq(c.engine.settle_usec, 0);
	ck_assert_int_eq(c.engine.bond.num_peer_notif, 255);
	ck_assert_str_eq(c.control_group, "");

	c = parse_ok("log_level = notice\n");
	ck_assert_int_eq(c.log_level, LOG_NOTICE);
	c = parse_ok("log_level = info");  /* no final newline */
	ck_assert_int_eq(c.log_level, LOG_INFO);
}
END_TEST

START_TEST(test_bad_values)
{
	parse_bad("backend = bonding\n", "test.conf:1: ", "backend: 'bonding' is not one of bond, team");
	parse_bad("\n\nnaming = auto\n", "test.conf:3: ", "naming");
	parse_bad("name_prefix = a/b\n", "test.conf:1: ", "name_prefix");
	parse_bad("name_prefix = ..\n", "test.conf:1: ", "name_prefix");
	parse_bad("name_prefix = abcdefghijkl\n", "test.conf:1: ", "longer than 11");
	parse_bad("name_prefix =\n", "test.conf:1: ", "must not be empty");
	parse_bad("pair_by_group_id = true\n", "test.conf:1: ", "not one of yes, no");
	parse_bad("pair_by_mac = some\n", "test.conf:1: ", "pair_by_mac");
	parse_bad("pair_by_mac = list\nmac = 52:54:00:12:34\n", "test.conf:2: ", "not a MAC address");
	parse_bad("pair_by_mac = list\nmac = 52:54:00:12:34:5g\n", "test.conf:2: ", "not a MAC");
	parse_bad("pair_by_mac = list\nmac = 52-54-00-12-34-56\n", "test.conf:2: ", "not a MAC");
	parse_bad("pair_by_mac = list\nmac = 01:00:5e:00:00:01\n", "test.conf:2: ", "multicast");
	parse_bad("pair_by_mac = list\nmac = 00:00:00:00:00:00\n", "test.conf:2: ", "all-zero");
	parse_bad("pair_by_mac = list\nmac = 52:54:00:12:34:56\nmac = 52:54:00:12:34:56\n",
		  "test.conf:3: ", "listed twice");
	parse_bad("bridge_cap_type = 256\n", "test.conf:1: ", "out of range (0..255)");
	parse_bad("bridge_cap_type = -1\n", "test.conf:1: ", "not a non-negative decimal integer");
	parse_bad("bridge_cap_type = 0x6\n", "test.conf:1: ", "not a non-negative decimal");
	parse_bad("settle_ms = 3600001\n", "test.conf:1: ", "out of range");
	parse_bad("settle_ms = 99999999999999999999999\n", "test.conf:1: ", "out of range");
	parse_bad("settle_ms = 1 000\n", "test.conf:1: ", "not a non-negative");
	parse_bad("settle_ms =\n", "test.conf:1: ", "not a non-negative");
	parse_bad("backoff_min_ms = 0\n", "test.conf:1: ", "out of range (1..");
	parse_bad("backoff_max_ms = abc\n", "test.conf:1: ", "backoff_max_ms");
	parse_bad("fight_limit = 0\n", "test.conf:1: ", "fight_limit");
	parse_bad("fight_limit = 33\n", "test.conf:1: ", "out of range (1..32)");
	parse_bad("name_prefix = eth\n", "test.conf:1: ", "must not start with \"eth\"");
	parse_bad("fight_window_s = 0\n", "test.conf:1: ", "fight_window_s");
	parse_bad("fight_window_s = 86401\n", "test.conf:1: ", "fight_window_s");
	parse_bad("live_rename = maybe\n", "test.conf:1: ", "auto, yes, no");
	parse_bad("bond_miimon = 600001\n", "test.conf:1: ", "bond_miimon");
	parse_bad("bond_updelay = x\n", "test.conf:1: ", "bond_updelay");
	parse_bad("bond_downdelay = -5\n", "test.conf:1: ", "bond_downdelay");
	parse_bad("bond_primary_reselect = sometimes\n", "test.conf:1: ", "always, better, failure");
	parse_bad("bond_fail_over_mac = all\n", "test.conf:1: ", "none, active, follow");
	parse_bad("bond_num_peer_notif = 256\n", "test.conf:1: ", "out of range (0..255)");
	parse_bad("bond_peer_notif_delay = 1e3\n", "test.conf:1: ", "bond_peer_notif_delay");
	parse_bad("bond_all_slaves_active = 1\n", "test.conf:1: ", "not one of yes, no");
	parse_bad("bond_tx_queues = 0\n", "test.conf:1: ", "out of range (1..255)");
	parse_bad("control_group = wheel users\n", "test.conf:1: ", "control_group");
	parse_bad("control_group = -x\n", "test.conf:1: ", "must not start with '-'");
	parse_bad("control_group = abcdefghijabcdefghijabcdefghijabc\n", "test.conf:1: ", "longer than 32");
	parse_bad("metrics_file = relative/path\n", "test.conf:1: ", "absolute path");
	parse_bad("metrics_file = /var/lib/\n", "test.conf:1: ", "not a directory");
	parse_bad("log_level = verbose\n", "test.conf:1: ", "log_level");
}
END_TEST

START_TEST(test_syntax_errors)
{
	parse_bad("# ok\nnonsense\n", "test.conf:2: ", "expected 'key = value'");
	parse_bad("\n\n\nbakend = bond\n", "test.conf:4: ", "unknown key 'bakend'");
	parse_bad("= bond\n", "test.conf:1: ", "missing key");
	parse_bad("backend = bond\nbackend = team\n", "test.conf:2: ", "set twice (first on line 1)");
	parse_bad("settle_ms = 5 # comment\n", "test.conf:1: ", "settle_ms");
	parse_bad("backend = bo\x01nd\n", "test.conf:1: ", "control character");
	{
		/* A NUL byte inside a line. */
		static const char buf[] = "backend = bond\nnaming = take\0over\n";
		struct failoverd_config base, c;
		struct config_error err;

		config_init(&base);
		ck_assert_int_eq(config_parse_buffer(buf, sizeof(buf) - 1, "f", &base, &err, &c), -EINVAL);
		ck_assert_str_eq(err.text, "f:2: NUL byte in line");
	}
	{
		/* A line longer than CONFIG_LINE_MAX. */
		char *big = malloc(CONFIG_LINE_MAX + 64);

		ck_assert_ptr_nonnull(big);
		strcpy(big, "backend = bond\nmetrics_file = /");
		memset(big + strlen(big), 'a', CONFIG_LINE_MAX);
		big[31 + CONFIG_LINE_MAX] = '\0';
		parse_bad(big, "test.conf:2: ", "line longer than");
		free(big);
	}
}
END_TEST

START_TEST(test_cross_key_rules)
{
	parse_bad("backend = bond\npair_by_mac = list\n", "test.conf:2: ", "needs at least one 'mac = '");
	parse_bad("mac = 52:54:00:12:34:56\n", "test.conf:1: ", "only used with pair_by_mac = list");
	parse_bad("backoff_min_ms = 5000\nbackoff_max_ms = 100\n", "test.conf:2: ",
		  "backoff_min_ms (5000) is larger than backoff_max_ms (100)");
	parse_bad("bond_miimon = 100\nbond_updelay = 150\n", "test.conf:2: ", "not a multiple of bond_miimon");
	parse_bad("bond_downdelay = 150\nbond_miimon = 100\n", "test.conf:1: ", "bond_downdelay (150)");
	/* Order does not matter for valid combinations. */
	(void) parse_ok("mac = 52:54:00:12:34:56\npair_by_mac = list\n");
	(void) parse_ok("bond_updelay = 200\nbond_miimon = 100\n");
}
END_TEST

START_TEST(test_mac_list_limit)
{
	char buf[8192];
	size_t o = 0;
	struct failoverd_config c;
	struct config_error err;

	o += (size_t) snprintf(buf + o, sizeof(buf) - o, "pair_by_mac = list\n");
	for (int i = 0; i < FO_MAC_LIST_MAX; i++)
		o += (size_t) snprintf(buf + o, sizeof(buf) - o, "mac = 02:00:00:00:00:%02x\n", i + 1);
	c = parse_ok(buf);
	ck_assert_uint_eq(c.engine.n_mac_list, FO_MAC_LIST_MAX);
	(void) snprintf(buf + o, sizeof(buf) - o, "mac = 02:00:00:00:01:00\n");
	ck_assert_int_eq(parse(buf, &c, &err), -EINVAL);
	ck_assert_msg(strstr(err.text, "test.conf:66: mac: more than 64"), "%s", err.text);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/fod-config-XXXXXX";
	struct failoverd_config c;
	struct config_error err = {};
	int fd = mkstemp(path);
	char *big;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "settle_ms = 250\nbackend = nope\n", 31), 31);
	ck_assert_int_eq(config_load_file(path, false, &err, &c), -EINVAL);
	ck_assert_msg(strncmp(err.text, path, strlen(path)) == 0 && strstr(err.text, ":2: backend"),
		      "%s", err.text);

	/* Bigger than CONFIG_FILE_MAX: refused, not truncated. */
	big = malloc(CONFIG_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', CONFIG_FILE_MAX + 1);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(pwrite(fd, big, CONFIG_FILE_MAX + 1, 0), CONFIG_FILE_MAX + 1);
	ck_assert_int_eq(config_load_file(path, false, &err, &c), -EFBIG);
	ck_assert_msg(strstr(err.text, "larger than"), "%s", err.text);
	/* Exactly the limit is fine. */
	ck_assert_int_eq(ftruncate(fd, CONFIG_FILE_MAX), 0);
	ck_assert_int_eq(config_load_file(path, false, &err, &c), 0);
	free(big);
	close(fd);
	unlink(path);

	ck_assert_int_eq(config_load_file(path, false, &err, &c), -ENOENT);
	ck_assert_msg(strstr(err.text, "cannot open"), "%s", err.text);
	ck_assert_int_eq(config_load_file(path, true, &err, &c), 0);
	ck_assert_int_eq(config_load_file("/tmp", false, &err, &c), -EINVAL);
	ck_assert_msg(strstr(err.text, "not a regular file"), "%s", err.text);
}
END_TEST

/*
 * live_rename = auto: the kernel release decides (docs/design.md, "Replug
 * path and live rename").  The guests' own releases are here: Debian 12's
 * 6.1 must wait for udev, Debian 13's 6.12 takes the fast path (a string
 * compare would put "6.12" before "6.2").
 */
START_TEST(test_live_rename_auto)
{
	static const struct {
		const char *release;
		bool live;
	} cases[] = {
		{ "6.1.0-56-amd64", false },       { "6.12.117+deb13-amd64", true },
		{ "6.2", true },                   { "6.2.0-rc1", true },
		{ "5.19.17", false },              { "5.10.0-32-amd64", false },
		{ "7.0.0", true },                 { "10.1", true },
		{ "4.20", false },                 { "6", false },
		{ "6.", false },                   { "6.x", false },
		{ "", false },                     { "v6.12", false },
		{ "99999999999999999999999.1", false },
	};
	struct failoverd_config c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(config_kernel_renames_live(cases[i].release) == cases[i].live,
			      "release '%s': want live_rename %d", cases[i].release, cases[i].live);
	ck_assert(!config_kernel_renames_live(NULL));

	/* auto follows the kernel; yes and no do not. */
	c = parse_ok("");
	config_resolve_live_rename(&c, "6.12.117+deb13-amd64");
	ck_assert(c.engine.live_rename);
	config_resolve_live_rename(&c, "6.1.0-56-amd64");
	ck_assert(!c.engine.live_rename);
	c = parse_ok("live_rename = no\n");
	config_resolve_live_rename(&c, "6.12.117+deb13-amd64");
	ck_assert(!c.engine.live_rename);
	c = parse_ok("live_rename = yes\n");
	config_resolve_live_rename(&c, "6.1.0-56-amd64");
	ck_assert(c.engine.live_rename);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_empty_is_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_other_values);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_cross_key_rules);
	tcase_add_test(tc, test_mac_list_limit);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_live_rename_auto);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
