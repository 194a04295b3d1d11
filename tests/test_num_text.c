/* num_text: integers written without printf read exactly as printf's
 * "%lld" and "%jx" write them. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "num_text.h"
#include "tsupport.h"

START_TEST(decimal_is_printf_lld)
{
	static const long long cases[] = {
	    0,
	    1,
	    -1,
	    9,
	    10,
	    -10,
	    99,
	    100,
	    12345,
	    -987654321,
	    4294967296LL,
	    LLONG_MAX,
	    LLONG_MIN,
	    LLONG_MIN + 1,
	};
	char got[NUM_TEXT_LL], want[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = num_text_ll(got, cases[i]);

		snprintf(want, sizeof want, "%lld", cases[i]);
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(n, strlen(want));
	}
	/* Every power of ten and its neighbours, both signs. */
	for (long long p = 1; p <= LLONG_MAX / 10; p *= 10)
		for (long long d = -1; d <= 1; d++)
			for (int s = -1; s <= 1; s += 2) {
				num_text_ll(got, s * (p * 10 + d));
				snprintf(want, sizeof want, "%lld",
				         s * (p * 10 + d));
				ck_assert_str_eq(got, want);
			}
}
END_TEST

START_TEST(hex_is_printf_jx)
{
	static const uintmax_t cases[] = {
	    0,           1, 9, 10, 15, 16, 255, 0xdeadbeef, 0x7f00deadbeef10ULL,
	    UINTMAX_MAX,
	};
	char got[NUM_TEXT_HEX], want[40];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = num_text_hex(got, cases[i]);

		snprintf(want, sizeof want, "%jx", cases[i]);
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(n, strlen(want));
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("num_text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, decimal_is_printf_lld);
	tcase_add_test(tc, hex_is_printf_jx);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
