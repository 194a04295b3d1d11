/*
 * The TUI's text handling without a terminal: the line editor every field
 * uses, cell widths and cutting with an ellipsis, pretty JSON and the pad
 * parser's messages.
 */
#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "edit.h"
#include "models.h"
#include "term.h"
#include "text.h"
#include "tsupport.h"

START_TEST(pretty_and_parse)
{
	json_t *v =
	    json_pack("{s:i, s:[i, s], s:{}}", "b", 1, "a", 2, "x", "e");
	char *s = json_pretty(v);
	char **lines;
	size_t n = text_split_lines(s, &lines);
	char msg[128];
	json_t *p;

	ck_assert_str_eq(s,
	                 "{\n  \"b\": 1,\n  \"a\": [\n    2,\n    \"x\"\n  ],\n"
	                 "  \"e\": {}\n}");
	ck_assert_int_eq(n, 8);
	ck_assert_str_eq(lines[1], "  \"b\": 1,"); /* key order kept */
	ck_assert_str_eq(lines[7], "}");
	text_lines_free(lines, n);
	p = json_parse_pad(s, msg, sizeof msg);
	ck_assert(json_equal(p, v));
	json_decref(p);
	ck_assert_ptr_null(
	    json_parse_pad("{\n  \"a\": 1,\n  oops\n}", msg, sizeof msg));
	ck_assert_msg(strstr(msg, "line 3"), "%s", msg);
	ck_assert_ptr_null(json_parse_pad("[1]", msg, sizeof msg));
	ck_assert(strstr(msg, "object"));
	ck_assert(strstr(msg, "an array")); /* not "syntax error" */
	free(s);
	json_decref(v);
}
END_TEST

START_TEST(text_field_editing)
{
	char buf[8] = "";
	struct edit_cursor c = {0};

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	ck_assert(edit_key(buf, sizeof buf, &c, L'a'));
	ck_assert(edit_key(buf, sizeof buf, &c, L'é')); /* two bytes */
	ck_assert_str_eq(buf, "a\xc3\xa9");
	ck_assert_int_eq(text_width(buf), 2);
	edit_key(buf, sizeof buf, &c, K_BACKSPACE); /* the whole é */
	ck_assert_str_eq(buf, "a");
	edit_key(buf, sizeof buf, &c, K_BACKSPACE);
	ck_assert_str_eq(buf, "");
	edit_key(buf, sizeof buf, &c, K_BACKSPACE); /* empty: harmless */
	for (int i = 0; i < 20; i++)                /* never past the buffer */
		edit_key(buf, sizeof buf, &c, L'x');
	ck_assert_str_eq(buf, "xxxxxxx");
	edit_key(buf, sizeof buf, &c, K_CTRL('u'));
	ck_assert_str_eq(buf, "");
	ck_assert(!edit_key(buf, sizeof buf, &c, K_UP)); /* not for fields */
	ck_assert(!edit_key(buf, sizeof buf, &c, K_TAB));
	ck_assert(!edit_key(buf, sizeof buf, &c, K_ENTER));
}
END_TEST

static void
type(char *buf, size_t cap, struct edit_cursor *c, const wchar_t *s)
{
	for (; *s; s++)
		edit_key(buf, cap, c, (int)*s);
}

START_TEST(line_editor_moves_and_cuts)
{
	char buf[64] = "";
	struct edit_cursor c = {0};

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	type(buf, sizeof buf, &c, L"hello world");
	/* Typing in the middle: Left x5, insert. */
	for (int i = 0; i < 5; i++)
		edit_key(buf, sizeof buf, &c, K_LEFT);
	type(buf, sizeof buf, &c, L"big ");
	ck_assert_str_eq(buf, "hello big world");
	ck_assert_uint_eq(edit_pos(buf, &c), 10);
	/* Home / ^A, Delete, End / ^E */
	edit_key(buf, sizeof buf, &c, K_HOME);
	ck_assert_uint_eq(edit_pos(buf, &c), 0);
	edit_key(buf, sizeof buf, &c, K_DELETE);
	ck_assert_str_eq(buf, "ello big world");
	edit_key(buf, sizeof buf, &c, K_CTRL('e'));
	ck_assert_uint_eq(edit_pos(buf, &c), strlen(buf));
	edit_key(buf, sizeof buf, &c, K_CTRL('a'));
	edit_key(buf, sizeof buf, &c, K_RIGHT);
	edit_key(buf, sizeof buf, &c, K_BACKSPACE); /* Backspace anywhere */
	ck_assert_str_eq(buf, "llo big world");
	edit_key(buf, sizeof buf, &c, K_END);
	/* ^W: the word before the cursor, and the spaces before it */
	edit_key(buf, sizeof buf, &c, K_CTRL('w'));
	ck_assert_str_eq(buf, "llo big ");
	edit_key(buf, sizeof buf, &c, K_CTRL('w'));
	ck_assert_str_eq(buf, "llo ");
	/* ^K cuts after the cursor, ^U before it */
	type(buf, sizeof buf, &c, L"abc");
	for (int i = 0; i < 3; i++)
		edit_key(buf, sizeof buf, &c, K_LEFT);
	edit_key(buf, sizeof buf, &c, K_CTRL('k'));
	ck_assert_str_eq(buf, "llo ");
	type(buf, sizeof buf, &c, L"xyz");
	edit_key(buf, sizeof buf, &c, K_LEFT);
	edit_key(buf, sizeof buf, &c, K_CTRL('u'));
	ck_assert_str_eq(buf, "z");
	ck_assert_uint_eq(edit_pos(buf, &c), 0);
	/* Text set from outside keeps the cursor at the end (back = 0). */
	edit_clear(buf, &c);
	snprintf(buf, sizeof buf, "prefilled");
	ck_assert_uint_eq(edit_pos(buf, &c), 9);
}
END_TEST

START_TEST(line_editor_utf8)
{
	char buf[64] = "";
	struct edit_cursor c = {0};

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	type(buf, sizeof buf, &c, L"a中🎉b");
	edit_key(buf, sizeof buf, &c, K_LEFT); /* before b */
	edit_key(buf, sizeof buf, &c, K_LEFT); /* before 🎉 (4 bytes) */
	ck_assert_uint_eq(edit_pos(buf, &c), 4);
	edit_key(buf, sizeof buf, &c, K_DELETE); /* the whole emoji */
	ck_assert_str_eq(buf, "a中b");
	edit_key(buf, sizeof buf, &c, K_BACKSPACE); /* the whole 中 */
	ck_assert_str_eq(buf, "ab");
	type(buf, sizeof buf, &c, L"é");
	ck_assert_str_eq(buf, "a\xc3\xa9"
	                      "b");
	ck_assert_int_eq(text_width_n(buf, edit_pos(buf, &c)), 2);
	/* Full: a multi-byte character that does not fit is not split. */
	{
		char small[4] = "ab";
		struct edit_cursor sc = {0};

		edit_key(small, sizeof small, &sc, L'中');
		ck_assert_str_eq(small, "ab");
	}
}
END_TEST

START_TEST(cells_fit_and_cut)
{
	char out[128];

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	ck_assert_int_eq(text_width("uxc 中文名字 emoji 🎉 wide"), 26);
	/* padded to exactly w cells */
	text_fit("中文", 6, "…", out, sizeof out);
	ck_assert_str_eq(out, "中文  ");
	ck_assert_int_eq(text_width(out), 6);
	/* cut with an ellipsis, in cells */
	text_fit("uxc 中文名字 emoji 🎉 wide", 10, "…", out, sizeof out);
	ck_assert_int_eq(text_width(out), 10);
	ck_assert_str_eq(out, "uxc 中文 …");
	/* a wide character that would straddle the edge becomes a space */
	text_fit("ab中文", 4, "…", out, sizeof out);
	ck_assert_str_eq(out, "ab …");
	ck_assert_int_eq(text_width(out), 4);
	text_fit("abcdef", 4, "...", out, sizeof out);
	ck_assert_str_eq(out, "a...");
	text_fit("exact", 5, "…", out, sizeof out);
	ck_assert_str_eq(out, "exact");
	text_fit("abc", 0, "…", out, sizeof out);
	ck_assert_str_eq(out, "");
	text_fit("abcdef", 2, "...", out, sizeof out); /* no room for "..." */
	ck_assert_str_eq(out, "ab");
}
END_TEST

/* Text from the network is measured and fitted as it is shown: with its
 * controls, bidi controls and invalid bytes as visible escapes. */
START_TEST(hostile_text_fits_escaped)
{
	char out[128];

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	ck_assert_int_eq(text_width("a\x1b"), 7);
	ck_assert_int_eq(text_width("\xe2\x80\xae"
	                            "b\xff"),
	                 11);
	text_fit("\x1b]0;x\x07", 20, "…", out, sizeof out);
	ck_assert_str_eq(out, "\\u001B]0;x\\u0007    ");
	ck_assert_int_eq(text_width(out), 20);
	/* an escape is cut whole, never in half */
	text_fit("ab\xc2\x9b"
	         "cdef",
	         8, "…", out, sizeof out);
	ck_assert_str_eq(out, "ab     …");
	text_fit("\xe2\x81\xa6x\xc3", 12, "...", out, sizeof out);
	ck_assert_str_eq(out, "\\u2066x\\xC3 ");
}
END_TEST

/* Help prose is written with line breaks; it reflows to any width. */
START_TEST(help_prose_reflows)
{
	char s[] = "Pads\n\nYour pads, paged from the\nserver: PgDn loads "
	           "more.\n\nEnter views.\n";

	text_reflow(s);
	ck_assert_str_eq(s, "Pads\n\nYour pads, paged from the server: PgDn "
	                    "loads more.\n\nEnter views.\n");
	text_wrap(s, 20);
	ck_assert_str_eq(s, "Pads\n\nYour pads, paged\nfrom the server:\nPgDn "
	                    "loads more.\n\nEnter views.\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, pretty_and_parse);
	tcase_add_test(tc, text_field_editing);
	tcase_add_test(tc, line_editor_moves_and_cuts);
	tcase_add_test(tc, line_editor_utf8);
	tcase_add_test(tc, cells_fit_and_cut);
	tcase_add_test(tc, hostile_text_fits_escaped);
	tcase_add_test(tc, help_prose_reflows);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
