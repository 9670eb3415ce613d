/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysfs/uevent text parsers: exactly the kernel's forms, nothing looser. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attr_parse.h"

START_TEST(test_ifindex)
{
	static const char *const bad[] = { "", "0", "00", "-1", "+1", " 1", "1 ", "1\n", "0x10",
					   "2147483648", "99999999999999999999", "1a", "a1" };
	int v = -7;

	ck_assert_int_eq(attr_parse_ifindex("1", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(attr_parse_ifindex("0042", &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(attr_parse_ifindex("2147483647", &v), 0);
	ck_assert_int_eq(v, 2147483647);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -7;
		ck_assert_msg(attr_parse_ifindex(bad[i], &v) == -EINVAL, "accepted \"%s\"", bad[i]);
		ck_assert_int_eq(v, -7);
	}
	ck_assert_int_eq(attr_parse_ifindex(NULL, &v), -EINVAL);
}
END_TEST

START_TEST(test_mac)
{
	/* sscanf("%2x:...") took all of these; the daemon's config parser refuses them. */
	static const char *const bad[] = { "", "52:54:0:12:34:56", " 52:54:00:12:34:56",
					   "52:54:00:12:34:56\n", "52:54:00:12:34:5g",
					   "52-54-00-12-34-56", "52:54:00:12:34:56:78",
					   "0x:54:00:12:34:56", "+2:54:00:12:34:56", "52:54:00:12:34" };
	uint8_t mac[FO_MAC_LEN], want[FO_MAC_LEN] = { 0x52, 0x54, 0x00, 0xab, 0xCD, 0xef };

	ck_assert_int_eq(attr_parse_mac("52:54:00:AB:cd:EF", mac), 0);
	ck_assert_mem_eq(mac, want, FO_MAC_LEN);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 0xaa, sizeof(mac));
		ck_assert_msg(attr_parse_mac(bad[i], mac) == -EINVAL, "accepted \"%s\"", bad[i]);
		for (size_t j = 0; j < FO_MAC_LEN; j++)
			ck_assert_uint_eq(mac[j], 0xaa);
	}
}
END_TEST

START_TEST(test_feature_bit)
{
	char f[65];
	bool on = true;

	memset(f, '0', 64);
	f[64] = '\0';
	ck_assert_int_eq(attr_parse_feature_bit(f, 62, &on), 0);
	ck_assert(!on);
	f[62] = '1';
	ck_assert_int_eq(attr_parse_feature_bit(f, 62, &on), 0);
	ck_assert(on);
	ck_assert_int_eq(attr_parse_feature_bit(f, 63, &on), 0);
	ck_assert(!on);
	/* Too short to say: the answer is "unknown", and *ret is left alone. */
	on = true;
	ck_assert_int_eq(attr_parse_feature_bit("0000", 62, &on), -EINVAL);
	ck_assert_int_eq(attr_parse_feature_bit(f, 64, &on), -EINVAL);
	ck_assert(on);
	/* Garbage before the bit means it is not a features string at all. */
	f[3] = 'x';
	ck_assert_int_eq(attr_parse_feature_bit(f, 62, &on), -EINVAL);
	ck_assert_int_eq(attr_parse_feature_bit(f, 2, &on), 0);
}
END_TEST

START_TEST(test_pci_id)
{
	static const char *const bad[] = { "", "0x", "0x12345", "12345", "0x1af4\n", " 0x1af4",
					   "-1", "0xg", "00x1" };
	uint16_t v = 7;

	ck_assert_int_eq(attr_parse_pci_id("0x1af4", &v), 0);
	ck_assert_uint_eq(v, 0x1af4);
	ck_assert_int_eq(attr_parse_pci_id("0X8086", &v), 0);
	ck_assert_uint_eq(v, 0x8086);
	ck_assert_int_eq(attr_parse_pci_id("ffff", &v), 0);
	ck_assert_uint_eq(v, 0xffff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		ck_assert_msg(attr_parse_pci_id(bad[i], &v) == -EINVAL, "accepted \"%s\"", bad[i]);
		ck_assert_uint_eq(v, 7);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("attr_parse");
	TCase *tc = tcase_create("parsers");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_ifindex);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_feature_bit);
	tcase_add_test(tc, test_pci_id);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
