/* Unit tests for common/term_safe.c: controls, bidi controls and invalid
 * UTF-8 become visible escapes, everything else is copied as it is, and a
 * cut output is still whole units. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "term_safe.h"
#include "tsupport.h"

/* The escaped form of the n bytes at s. */
static const char *
esc_n(const char *s, size_t n)
{
	static char out[512];

	term_safe_n(s, n, out, sizeof out);
	return out;
}

static const char *
esc(const char *s)
{
	return esc_n(s, strlen(s));
}

START_TEST(plain_text_is_copied)
{
	const char *s = "ada_1 <ada@example.org> \\ caf\xc3\xa9 \xe4\xb8\xad "
	                "\xf0\x9f\x98\x80";

	ck_assert_str_eq(esc(s), s);
	ck_assert_str_eq(esc(""), "");
}
END_TEST

START_TEST(c0_del_and_esc_are_escaped)
{
	ck_assert_str_eq(esc("a\x1b]0;pwned\x07z"), "a\\u001B]0;pwned\\u0007z");
	ck_assert_str_eq(esc("line\nnext\ttab\r"),
	                 "line\\u000Anext\\u0009tab\\u000D");
	ck_assert_str_eq(esc("\x7f"), "\\u007F");
	ck_assert_str_eq(esc_n("a\0b", 3), "a\\u0000b");
	ck_assert_str_eq(esc("\x1b"
	                     "c"),
	                 "\\u001Bc"); /* the "clear" reset */
}
END_TEST

START_TEST(c1_controls_are_escaped)
{
	/* U+0080, U+009B (CSI) and U+009F; U+00A0 is printable. */
	ck_assert_str_eq(esc("\xc2\x80\xc2\x9b"
	                     "2J\xc2\x9f\xc2\xa0"),
	                 "\\u0080\\u009B2J\\u009F\xc2\xa0");
}
END_TEST

START_TEST(bidi_controls_are_escaped)
{
	/* U+202A-U+202E and U+2066-U+2069; U+2029 and U+206A are left. */
	ck_assert_str_eq(esc("\xe2\x80\xaa\xe2\x80\xae"
	                     "abc"),
	                 "\\u202A\\u202Eabc");
	ck_assert_str_eq(esc("\xe2\x81\xa6\xe2\x81\xa9"), "\\u2066\\u2069");
	ck_assert_str_eq(esc("\xe2\x80\xa9\xe2\x81\xaa"),
	                 "\xe2\x80\xa9\xe2\x81\xaa");
}
END_TEST

START_TEST(invalid_utf8_is_escaped_per_byte)
{
	ck_assert_str_eq(esc("a\xff"
	                     "b"),
	                 "a\\xFFb");
	ck_assert_str_eq(esc("\x80"), "\\x80");          /* stray */
	ck_assert_str_eq(esc("\xc3"), "\\xC3");          /* cut */
	ck_assert_str_eq(esc("\xc3z"), "\\xC3z");        /* cut */
	ck_assert_str_eq(esc("\xc1\x9b"), "\\xC1\\x9B"); /* overlong ESC */
	ck_assert_str_eq(esc("\xe0\x80\x9b"), "\\xE0\\x80\\x9B");
	ck_assert_str_eq(esc("\xed\xa0\x80"),
	                 "\\xED\\xA0\\x80"); /* surrogate */
	ck_assert_str_eq(esc("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");
}
END_TEST

START_TEST(length_and_cut_are_whole_units)
{
	char out[8];
	char *d;

	/* The needed length, as snprintf reports it. */
	ck_assert_uint_eq(term_safe("a\x1b", NULL, 0), 7);
	ck_assert_uint_eq(term_safe("a\x1b", out, sizeof out), 7);
	ck_assert_str_eq(out, "a\\u001B");
	/* Too small: never half an escape or half a character. */
	ck_assert_uint_eq(term_safe("ab\x1b", out, 7), 8);
	ck_assert_str_eq(out, "ab");
	ck_assert_uint_eq(term_safe("abcde\xc3\xa9", out, 7), 7);
	ck_assert_str_eq(out, "abcde");
	d = term_safe_dup("\xe2\x80\xae"
	                  "x\x9b");
	ck_assert_str_eq(d, "\\u202Ex\\x9B");
	free(d);
}
END_TEST

START_TEST(json_stays_json)
{
	json_t *v = json_pack("{s:s}", "u", "a\x7f\xc2\x9b\xe2\x80\xae\x1b");
	char *line = json_dumps(v, JSON_COMPACT), *safe = term_safe_dup(line);
	json_t *back = json_loads(safe, 0, NULL);

	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(json_string_value(json_object_get(back, "u")),
	                 "a\x7f\xc2\x9b\xe2\x80\xae\x1b");
	ck_assert_ptr_null(strchr(safe, 0x7f));
	json_decref(back);
	json_decref(v);
	free(line);
	free(safe);
}
END_TEST

START_TEST(unit_reports_escape)
{
	char e[TERM_SAFE_ESC_MAX];
	size_t elen;

	ck_assert_uint_eq(term_safe_unit("\xc3\xa9x", 3, e, &elen), 2);
	ck_assert_uint_eq(elen, 0);
	ck_assert_uint_eq(term_safe_unit("\xe2\x80\xab", 3, e, &elen), 3);
	ck_assert_uint_eq(elen, 6);
	ck_assert_str_eq(e, "\\u202B");
	/* A sequence longer than what is left is not read past len. */
	ck_assert_uint_eq(term_safe_unit("\xe2\x80\xab", 2, e, &elen), 1);
	ck_assert_str_eq(e, "\\xE2");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("term_safe");
	TCase *tc = tcase_create("escapes");

	tcase_add_test(tc, plain_text_is_copied);
	tcase_add_test(tc, c0_del_and_esc_are_escaped);
	tcase_add_test(tc, c1_controls_are_escaped);
	tcase_add_test(tc, bidi_controls_are_escaped);
	tcase_add_test(tc, invalid_utf8_is_escaped_per_byte);
	tcase_add_test(tc, length_and_cut_are_whole_units);
	tcase_add_test(tc, json_stays_json);
	tcase_add_test(tc, unit_reports_escape);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
