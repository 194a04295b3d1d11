/*
 * The lines `padline watch` prints for a user.created event, from events a
 * hostile publisher could send: no control, bidi control or invalid byte
 * reaches the output raw, in text or --json, and the JSON stays JSON.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"
#include "watch.h"

/* A user.created event whose username and email are the given strings. */
static json_t *
user_event(const char *username, const char *email)
{
	return json_pack("{s:I, s:s, s:s, s:{s:{s:s, s:s, s:s, s:s, s:b}}}",
	                 "id", (json_int_t)7, "action", "user.created", "at",
	                 "2026-01-02T03:04:05Z", "subject", "user", "id", "u1",
	                 "username", username, "email", email, "created_at",
	                 "2026-01-02T03:04:05+00:00", "totp_enabled", 0);
}

/* Fails on a byte a terminal acts on: C0, DEL, or the UTF-8 of a C1 or a
 * bidi control. */
static void
assert_no_raw_control(const char *line)
{
	const unsigned char *p = (const unsigned char *)line;

	for (; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "raw 0x%02x in %s", *p,
		              line);
		ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f),
		              "raw C1 in %s", line);
		ck_assert_msg(
		    !(p[0] == 0xe2 &&
		      ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		       (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))),
		    "raw bidi control in %s", line);
	}
}

/* OSC 0 (window title), ED (clear screen), OSC 52 (clipboard), a C1 CSI,
 * DEL, a newline and a right-to-left override. */
#define HOSTILE_NAME "x\x1b]0;pwned\x07\x1b[2J\x7f\nz"
#define HOSTILE_EMAIL                                                          \
	"a\xc2\x9b"                                                            \
	"2J\xe2\x80\xae@\x1b]52;c;aGk=\x07.org"

START_TEST(text_line_is_escaped)
{
	json_t *ev = user_event(HOSTILE_NAME, HOSTILE_EMAIL);
	char *line = watch_user_line(ev, 0);

	assert_no_raw_control(line);
	ck_assert_str_eq(
	    line, "2026-01-02T03:04:05+00:00  u1  "
	          "x\\u001B]0;pwned\\u0007\\u001B[2J\\u007F\\u000Az  "
	          "a\\u009B2J\\u202E@\\u001B]52;c;aGk=\\u0007.org  2FA:no");
	free(line);
	json_decref(ev);
}
END_TEST

START_TEST(json_line_is_escaped_json)
{
	json_t *ev = user_event(HOSTILE_NAME, HOSTILE_EMAIL), *back;
	char *line = watch_user_line(ev, 1);

	assert_no_raw_control(line);
	back = json_loads(line, 0, NULL);
	ck_assert_msg(back != NULL, "not JSON: %s", line);
	ck_assert_str_eq(json_string_value(json_object_get(back, "username")),
	                 HOSTILE_NAME);
	ck_assert_str_eq(json_string_value(json_object_get(back, "email")),
	                 HOSTILE_EMAIL);
	ck_assert_int_eq(json_integer_value(json_object_get(back, "event_id")),
	                 7);
	json_decref(back);
	free(line);
	json_decref(ev);
}
END_TEST

START_TEST(plain_line_is_unchanged)
{
	json_t *ev = user_event("ren\xc3\xa9_1", "r@example.org");
	char *line = watch_user_line(ev, 0);

	ck_assert_str_eq(line, "2026-01-02T03:04:05+00:00  u1  ren\xc3\xa9_1  "
	                       "r@example.org  2FA:no");
	free(line);
	json_decref(ev);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_watch");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, text_line_is_escaped);
	tcase_add_test(tc, json_line_is_escaped_json);
	tcase_add_test(tc, plain_line_is_unchanged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
