/*
 * The lines `padline watch` prints for a user.created or signup.alarm
 * event, from events a hostile publisher could send: no control, bidi
 * control or invalid byte reaches the output raw, in text, --json or csv,
 * and the JSON stays JSON. Which events a --filter lets through.
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
	char *line = watch_event_line(ev, WATCH_TEXT, NULL, 0);

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
	char *line = watch_event_line(ev, WATCH_JSONL, NULL, 0);

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
	char *line = watch_event_line(ev, WATCH_TEXT, NULL, 0);

	ck_assert_str_eq(line, "2026-01-02T03:04:05+00:00  u1  ren\xc3\xa9_1  "
	                       "r@example.org  2FA:no");
	free(line);
	json_decref(ev);
}
END_TEST

/* A signup.alarm event. */
static json_t *
alarm_event(const char *rule, const char *key)
{
	return json_pack("{s:I, s:s, s:s, s:{s:s, s:s, s:i, s:i, s:[s, s]}}",
	                 "id", (json_int_t)9, "action", "signup.alarm", "at",
	                 "2026-01-02T03:04:06Z", "subject", "rule", rule, "key",
	                 key, "count", 5, "window_s", 60, "user_ids", "u1",
	                 "u2");
}

START_TEST(alarm_lines)
{
	json_t *ev = alarm_event("net-velocity", "203.0.113.0/24"), *back;
	char *line = watch_event_line(ev, WATCH_TEXT, NULL, 0);

	ck_assert_str_eq(line, "2026-01-02T03:04:06Z  ALARM  net-velocity  "
	                       "203.0.113.0/24  5 in 60 s  users: 2");
	free(line);
	line = watch_event_line(ev, WATCH_JSONL, NULL, 1);
	back = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(json_string_value(json_object_get(back, "type")),
	                 "alarm");
	ck_assert_str_eq(json_string_value(json_object_get(back, "key")),
	                 "203.0.113.0/24");
	ck_assert_int_eq(json_array_size(json_object_get(back, "user_ids")), 2);
	json_decref(back);
	free(line);
	line = watch_event_line(ev, WATCH_CSV, NULL, 0);
	ck_assert_str_eq(line, "9,2026-01-02T03:04:06Z,alarm,,,,,,net-velocity,"
	                       "203.0.113.0/24,5,60,u1 u2");
	free(line);
	line = watch_csv_header();
	ck_assert_str_eq(line, "event_id,at,type,id,username,email,status,"
	                       "totp_enabled,rule,key,count,window_s,user_ids");
	free(line);
	json_decref(ev);
}
END_TEST

START_TEST(hostile_alarm_is_escaped)
{
	json_t *ev = alarm_event(HOSTILE_NAME, "=1+1" HOSTILE_EMAIL);
	char *line = watch_event_line(ev, WATCH_TEXT, NULL, 0);

	assert_no_raw_control(line);
	free(line);
	line = watch_event_line(ev, WATCH_CSV, NULL, 0);
	assert_no_raw_control(line);
	ck_assert_ptr_nonnull(strstr(line, ",'=1+1"));
	free(line);
	json_decref(ev);
}
END_TEST

/* Whether the filter text lets ev through. */
static int
shown(json_t *ev, const char *text, int alarms_only)
{
	struct filter *f = NULL;
	struct pl_error err;
	char *line;
	int is;

	pl_error_init(&err);
	ck_assert_int_eq(filter_parse(text, &f, &err), 0);
	line = watch_event_line(ev, WATCH_TEXT, f, alarms_only);
	filter_free(f);
	is = line != NULL;
	free(line);
	return is;
}

START_TEST(filter_on_events)
{
	json_t *user = user_event("wave12", "w@Mail.Wave.Example");
	json_t *net = alarm_event("net-velocity", "203.0.113.0/24");
	json_t *dom = alarm_event("domain-velocity", "wave.example");
	json_t *shp = alarm_event("shape-velocity", "a4d2");
	json_t *other =
	    json_pack("{s:I, s:s, s:s, s:{}}", "id", (json_int_t)3, "action",
	              "pad.created", "at", "2026-01-02T03:04:05Z", "subject");

	ck_assert(shown(user, "", 0));
	ck_assert(!shown(user, "", 1));
	ck_assert(!shown(other, "", 0));
	ck_assert(shown(user, "domain:wave.example", 0));
	ck_assert(shown(user, "wave shape:a4d2", 0));
	ck_assert(!shown(user, "!wave", 0));
	/* An event without subject.signup: an address term does not match. */
	ck_assert(!shown(user, "net:203.0.113.0/24", 0));
	ck_assert(shown(user, "!net:203.0.113.0/24", 0));
	ck_assert(!shown(user, "status:held", 0));
	ck_assert(shown(net, "net:203.0.113.0/24", 0));
	ck_assert(shown(net, "net:203.0.0.0/16 rule:net-velocity", 1));
	ck_assert(!shown(net, "net:198.51.100.0/24", 0));
	ck_assert(!shown(net, "domain:wave.example", 0));
	ck_assert(shown(dom, "domain:wave.example", 0));
	ck_assert(!shown(dom, "rule:net-velocity", 0));
	ck_assert(shown(shp, "shape:a4d2", 0));
	ck_assert(!shown(shp, "net:203.0.113.0/24", 0));
	/* A registration's event says its network and flags (subject.signup).
	 */
	json_object_set_new(
	    json_object_get(json_object_get(user, "subject"), "user"), "signup",
	    json_pack("{s:s, s:i, s:[s]}", "network", "203.0.113.0/24",
	              "fill_ms", 40, "flags", "fast"));
	ck_assert(shown(user, "net:203.0.113.0/24", 0));
	ck_assert(shown(user, "net:203.0.0.0/16 flag:fast wave", 0));
	ck_assert(!shown(user, "net:198.51.100.0/24", 0));
	ck_assert(!shown(user, "!net:203.0.113.0/24", 0));
	ck_assert(!shown(user, "flag:disposable", 0));
	json_decref(user);
	json_decref(net);
	json_decref(dom);
	json_decref(shp);
	json_decref(other);
}
END_TEST

START_TEST(held_signup_says_so)
{
	json_t *ev = user_event("waiting", "w@example.org");
	char *line;

	json_object_set_new(
	    json_object_get(json_object_get(ev, "subject"), "user"), "status",
	    json_string("pending"));
	line = watch_event_line(ev, WATCH_TEXT, NULL, 0);
	ck_assert_ptr_nonnull(strstr(line, "2FA:no  HELD"));
	free(line);
	ck_assert(shown(ev, "status:held", 0));
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
	tcase_add_test(tc, alarm_lines);
	tcase_add_test(tc, hostile_alarm_is_escaped);
	tcase_add_test(tc, filter_on_events);
	tcase_add_test(tc, held_signup_says_so);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
