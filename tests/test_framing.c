/* Unit tests for common/framing.c: partial lines, several lines per read,
 * CRLF, the oversize limit (even before a newline arrives). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"

#include "tsupport.h"

struct seen {
	int n;
	char lines[16][64];
};

static int
collect(void *ud, char *line, size_t len)
{
	struct seen *s = ud;

	ck_assert_uint_eq(strlen(line), len);
	snprintf(s->lines[s->n++], 64, "%s", line);
	return 0;
}

START_TEST(partial_line_waits_for_newline)
{
	struct framer f;
	struct seen s = {0};

	framer_init(&f, 100);
	ck_assert_int_eq(framer_feed(&f, "{\"a\":", 5, collect, &s), FRAMER_OK);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(framer_feed(&f, "1}\n", 3, collect, &s), FRAMER_OK);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.lines[0], "{\"a\":1}");
	framer_free(&f);
}
END_TEST

START_TEST(several_lines_in_one_read)
{
	struct framer f;
	struct seen s = {0};
	const char *in = "one\ntwo\r\nthree\nfour";

	framer_init(&f, 100);
	ck_assert_int_eq(framer_feed(&f, in, strlen(in), collect, &s),
	                 FRAMER_OK);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.lines[0], "one");
	ck_assert_str_eq(s.lines[1], "two");
	ck_assert_str_eq(s.lines[2], "three");
	ck_assert_int_eq(framer_feed(&f, "\n", 1, collect, &s), FRAMER_OK);
	ck_assert_str_eq(s.lines[3], "four");
	framer_free(&f);
}
END_TEST

START_TEST(oversize_line_detected_before_newline)
{
	struct framer f;
	struct seen s = {0};
	char big[200];

	memset(big, 'x', sizeof big);
	framer_init(&f, 100);
	ck_assert_int_eq(framer_feed(&f, big, 60, collect, &s), FRAMER_OK);
	ck_assert_int_eq(framer_feed(&f, big, 60, collect, &s),
	                 FRAMER_OVERSIZE);
	ck_assert_int_eq(s.n, 0);
	framer_free(&f);
}
END_TEST

START_TEST(line_at_exact_limit_is_accepted)
{
	struct framer f;
	struct seen s = {0};
	char buf[12];

	memset(buf, 'y', 10);
	buf[10] = '\n';
	framer_init(&f, 10);
	ck_assert_int_eq(framer_feed(&f, buf, 11, collect, &s), FRAMER_OK);
	ck_assert_int_eq(s.n, 1);
	framer_free(&f);
}
END_TEST

START_TEST(byte_at_a_time)
{
	struct framer f;
	struct seen s = {0};
	const char *in = "abc\ndef\n";

	framer_init(&f, 100);
	for (size_t i = 0; i < strlen(in); i++)
		ck_assert_int_eq(framer_feed(&f, in + i, 1, collect, &s),
		                 FRAMER_OK);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.lines[1], "def");
	framer_free(&f);
}
END_TEST

static int
stop_at_first(void *ud, char *line, size_t len)
{
	(void)line;
	(void)len;
	(*(int *)ud)++;
	return 7;
}

START_TEST(callback_can_stop_feeding)
{
	struct framer f;
	int calls = 0;

	framer_init(&f, 100);
	ck_assert_int_eq(framer_feed(&f, "a\nb\n", 4, stop_at_first, &calls),
	                 7);
	ck_assert_int_eq(calls, 1);
	framer_free(&f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("framing");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, partial_line_waits_for_newline);
	tcase_add_test(tc, several_lines_in_one_read);
	tcase_add_test(tc, oversize_line_detected_before_newline);
	tcase_add_test(tc, line_at_exact_limit_is_accepted);
	tcase_add_test(tc, byte_at_a_time);
	tcase_add_test(tc, callback_can_stop_feeding);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
