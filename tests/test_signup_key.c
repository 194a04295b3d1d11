/* Unit tests for common/signup_key.c: username shapes, address networks
 * and email domains. */
#include <check.h>

#include "signup_key.h"
#include "tsupport.h"

START_TEST(username_shapes)
{
	char out[SIGNUP_SHAPE_MAX];

	ck_assert_int_eq(signup_shape("alice2024", out, sizeof out), 0);
	ck_assert_str_eq(out, "a5d4");
	signup_shape("j.doe_99", out, sizeof out);
	ck_assert_str_eq(out, "a1o1a3o1d2");
	signup_shape("XY-", out, sizeof out);
	ck_assert_str_eq(out, "a2o1");
	signup_shape("\xc3\xa9t\xc3\xa9", out, sizeof out); /* été: bytes */
	ck_assert_str_eq(out, "o2a1o2");
	signup_shape("", out, sizeof out);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(signup_shape("alice2024", out, 4), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(signup_shape("alice2024", out, 5), 0);
}
END_TEST

START_TEST(address_networks)
{
	char out[SIGNUP_NETWORK_MAX];

	ck_assert_int_eq(signup_network("203.0.113.77", out, sizeof out), 0);
	ck_assert_str_eq(out, "203.0.113.0/24");
	ck_assert_int_eq(signup_network("2001:db8:1:2::5", out, sizeof out), 0);
	ck_assert_str_eq(out, "2001:db8:1::/48");
	ck_assert_int_eq(signup_network("::ffff:10.1.2.3", out, sizeof out), 0);
	ck_assert_str_eq(out, "10.1.2.0/24");
	ck_assert_int_eq(signup_network("nope", out, sizeof out), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(signup_network("203.0.113.77", out, 8), -1);
	ck_assert_str_eq(signup_email_domain("a@b@c.org"), "c.org");
	ck_assert_ptr_null(signup_email_domain("abc"));
	ck_assert_ptr_null(signup_email_domain("abc@"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("signup_key");
	TCase *tc = tcase_create("keys");

	tcase_add_test(tc, username_shapes);
	tcase_add_test(tc, address_networks);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
