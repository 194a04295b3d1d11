/* json_num: integers beyond 64 bits read as doubles instead of failing the
 * parse; reals print in the shortest form that reads back the same. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json_num.h"
#include "tsupport.h"

/* Parses text and prints it back compact. */
static char *
round_trip(const char *text)
{
	json_error_t err;
	json_t *v = json_num_loadb(text, strlen(text), 0, &err);
	char *s;

	ck_assert_msg(v != NULL, "%s: %s", text, err.text);
	s = json_num_dumps(v, JSON_COMPACT);
	json_decref(v);
	return s;
}

START_TEST(numbers_print_back)
{
	static const char *const cases[][2] = {
	    {"[1e19]", "[1e+19]"},
	    {"[10000000000000000000]", "[1e+19]"},
	    {"[9300000000000000000]", "[9.3e+18]"},
	    {"[0.1]", "[0.1]"},
	    {"[0.10000000000000001]", "[0.1]"},
	    {"[-0.0]", "[-0.0]"},
	    {"[5.0]", "[5.0]"},
	    {"[42]", "[42]"},
	    {"[-9223372036854775808]", "[-9223372036854775808]"},
	    {"[12345678901234567890]", "[1.2345678901234567e+19]"},
	    {"[1.5e300]", "[1.5e+300]"},
	    {"{\"s\":\"12345678901234567890 1e19\",\"n\":[1e-7]}",
	     "{\"s\":\"12345678901234567890 1e19\",\"n\":[1e-07]}"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = round_trip(cases[i][0]);

		ck_assert_str_eq(s, cases[i][1]);
		free(s);
	}
}
END_TEST

START_TEST(unreadable_stays_an_error)
{
	json_error_t err;

	ck_assert_ptr_null(json_num_loadb("[1e400]", 7, 0, &err));
	ck_assert_ptr_null(json_num_loadb("[1", 2, 0, &err));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json_num");
	TCase *tc = tcase_create("numbers");

	tcase_add_test(tc, numbers_print_back);
	tcase_add_test(tc, unreadable_stays_an_error);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
