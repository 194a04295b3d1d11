/*
 * The Account screen's and the TOTP sign-in's models without a terminal:
 * the shared password checklist, the change of password's errors in words,
 * what failed TOTP calls say, typed codes, session rows, and the login
 * form's code step (totp_required, invalid_totp, the lockout's wording).
 */
#include <check.h>
#include <string.h>

#include "models.h"
#include "tsupport.h"

static void
set_error(struct pl_error *e, int code, const char *reason, const char *msg)
{
	pl_error_init(e);
	pl_error_set(e, code, reason, "%s", msg);
}

START_TEST(checklist_is_shared_and_follows_the_server)
{
	struct pw_checklist c;
	json_t *hello =
	    json_pack("{s:{s:[{s:s, s:s}, {s:s, s:s}]}}", "password_policy",
	              "rules", "id", "digit", "message", "a digit", "id",
	              "breach", "message", "not in a breach list");

	pw_checklist_init(&c);
	ck_assert_int_eq(c.nrules, PW_RULE_COUNT);
	pw_checklist_set_hello(&c, hello);
	ck_assert_int_eq(c.nrules, 2);
	ck_assert_int_eq(pw_checklist_ok(&c, 0, "abc"), 0);
	ck_assert_int_eq(pw_checklist_ok(&c, 0, "abc1"), 1);
	ck_assert_int_eq(pw_checklist_ok(&c, 1, "abc1"), -1);
	/* A hello without a policy keeps the one there is. */
	pw_checklist_set_hello(&c, NULL);
	ck_assert_int_eq(c.nrules, 2);
	json_decref(hello);
}
END_TEST

START_TEST(change_password_local_checks)
{
	struct acct_pw_model m;
	json_t *p;

	memset(&m, 0, sizeof m);
	pw_checklist_init(&m.policy);
	ck_assert_int_ne(acct_pw_check(&m), 0);
	ck_assert_str_eq(m.err[ACCT_CURRENT], "enter your current password");
	ck_assert_str_eq(m.err[ACCT_NEW], "does not meet the rules");
	strcpy(m.field[ACCT_CURRENT], "Old-pass-1234!");
	strcpy(m.field[ACCT_NEW], "New-pass-1234!");
	strcpy(m.field[ACCT_CONFIRM], "New-pass-1234?");
	ck_assert_int_ne(acct_pw_check(&m), 0);
	ck_assert_str_eq(m.err[ACCT_CONFIRM], "passwords do not match");
	ck_assert_str_eq(m.err[ACCT_NEW], "");
	strcpy(m.field[ACCT_CONFIRM], "New-pass-1234!");
	ck_assert_int_eq(acct_pw_check(&m), 0);
	p = acct_pw_params(&m);
	ck_assert_str_eq(
	    json_string_value(json_object_get(p, "current_password")),
	    "Old-pass-1234!");
	ck_assert_str_eq(json_string_value(json_object_get(p, "new_password")),
	                 "New-pass-1234!");
	json_decref(p);
	acct_pw_clear(&m);
	ck_assert_str_eq(m.field[ACCT_NEW], "");
	ck_assert_int_eq(m.policy.nrules, PW_RULE_COUNT); /* kept */
}
END_TEST

START_TEST(change_password_server_errors_in_words)
{
	struct acct_pw_model m;
	struct pl_error e;

	memset(&m, 0, sizeof m);
	strcpy(m.field[ACCT_CURRENT], "typo");
	set_error(&e, PL_ERR_UNAUTHORIZED, "invalid_credentials",
	          "wrong username or password");
	ck_assert_int_eq(acct_pw_apply_error(&m, &e), 1);
	ck_assert_str_eq(m.err[ACCT_CURRENT], "wrong current password");
	ck_assert_str_eq(m.field[ACCT_CURRENT], ""); /* typed again */
	pl_error_clear(&e);

	pl_error_init(&e);
	pl_error_violation(&e, "new_password", "uppercase",
	                   "an uppercase letter");
	pl_error_violation(&e, "new_password", "digit", "a digit");
	ck_assert_int_eq(acct_pw_apply_error(&m, &e), 1);
	ck_assert_str_eq(m.err[ACCT_NEW], "an uppercase letter; a digit");
	pl_error_clear(&e);

	set_error(&e, PL_ERR_CONFLICT, "password_changed", "changed");
	ck_assert_int_eq(acct_pw_apply_error(&m, &e), 1);
	ck_assert_ptr_nonnull(strstr(m.general, "try again"));
	pl_error_clear(&e);

	/* The session itself ended: the app's to handle (sign in again). */
	set_error(&e, PL_ERR_UNAUTHORIZED, "session_ended", "session ended");
	ck_assert_int_eq(acct_pw_apply_error(&m, &e), 0);
	pl_error_clear(&e);
}
END_TEST

START_TEST(totp_errors_in_words)
{
	struct pl_error e;
	char buf[320];

	set_error(&e, PL_ERR_UNAUTHORIZED, "invalid_totp",
	          "wrong, used or expired code");
	ck_assert_int_eq(acct_totp_error(&e, buf, sizeof buf), 1);
	ck_assert_str_eq(
	    buf, "Wrong code (wrong, used or expired code): try again.");
	pl_error_clear(&e);
	set_error(&e, PL_ERR_UNAUTHORIZED, "invalid_credentials", "x");
	ck_assert_int_eq(acct_totp_error(&e, buf, sizeof buf), 1);
	ck_assert_str_eq(buf, "Wrong password.");
	pl_error_clear(&e);
	set_error(&e, PL_ERR_VALIDATION, "invalid", "code does not match");
	ck_assert_int_eq(acct_totp_error(&e, buf, sizeof buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, "clock"));
	pl_error_clear(&e);
	set_error(&e, PL_ERR_CONFLICT, "totp_not_pending", "x");
	ck_assert_int_eq(acct_totp_error(&e, buf, sizeof buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, "start again"));
	pl_error_clear(&e);
	set_error(&e, PL_ERR_UNAUTHORIZED, "not_signed_in", "x");
	ck_assert_int_eq(acct_totp_error(&e, buf, sizeof buf), 0);
	pl_error_clear(&e);
}
END_TEST

START_TEST(typed_codes)
{
	char out[16];

	ck_assert_int_eq(acct_totp_code("123456", out, sizeof out), 0);
	ck_assert_str_eq(out, "123456");
	ck_assert_int_eq(acct_totp_code("123 456", out, sizeof out), 0);
	ck_assert_str_eq(out, "123456");
	ck_assert_int_eq(acct_totp_code("12345", out, sizeof out), -1);
	ck_assert_int_eq(acct_totp_code("1234567", out, sizeof out), -1);
	ck_assert_int_eq(acct_totp_code("12a456", out, sizeof out), -1);
	ck_assert_int_eq(acct_totp_code("", out, sizeof out), -1);
}
END_TEST

START_TEST(session_rows)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:b}", "created_at",
	                      "2026-11-27T04:44:25.465331Z", "last_used_at",
	                      "2026-11-27T05:00:00Z", "peer", "127.0.0.1",
	                      "current", 1);
	char buf[256];

	acct_session_text(s, buf, sizeof buf);
	ck_assert_int_eq(buf[0], '*');
	ck_assert_ptr_nonnull(strstr(buf, "2026-11-27 04:44:25"));
	ck_assert_ptr_nonnull(strstr(buf, "2026-11-27 05:00:00"));
	ck_assert_ptr_nonnull(strstr(buf, "127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(buf, "this session"));
	json_object_set_new(s, "current", json_false());
	acct_session_text(s, buf, sizeof buf);
	ck_assert_int_eq(buf[0], ' ');
	ck_assert_ptr_null(strstr(buf, "this session"));
	json_decref(s);
}
END_TEST

START_TEST(login_code_step)
{
	struct login_model m;
	struct pl_error e;
	json_t *p;

	login_model_init(&m);
	strcpy(m.username, "carol");
	strcpy(m.password, "Carol-pass-123!");
	p = login_model_params(&m);
	ck_assert_ptr_null(json_object_get(p, "totp"));
	json_decref(p);

	/* The password was right: keep it, ask for the code, no error. */
	set_error(&e, PL_ERR_UNAUTHORIZED, "totp_required", "enter the code");
	login_model_apply_error(&m, &e);
	pl_error_clear(&e);
	ck_assert_int_eq(m.totp_step, 1);
	ck_assert_str_eq(m.password, "Carol-pass-123!");
	ck_assert_str_eq(m.error, "");
	strcpy(m.totp, "123456");
	p = login_model_params(&m);
	ck_assert_str_eq(json_string_value(json_object_get(p, "totp")),
	                 "123456");
	ck_assert_str_eq(json_string_value(json_object_get(p, "password")),
	                 "Carol-pass-123!");
	json_decref(p);

	/* A wrong code: said so, the code emptied, still the code step. */
	set_error(&e, PL_ERR_UNAUTHORIZED, "invalid_totp",
	          "wrong, used or expired code");
	login_model_apply_error(&m, &e);
	pl_error_clear(&e);
	ck_assert_int_eq(m.totp_step, 1);
	ck_assert_str_eq(m.totp, "");
	ck_assert_str_eq(
	    m.error, "Wrong code (wrong, used or expired code): try again.");

	/* The lockout in the server's words: back to the password. */
	set_error(&e, PL_ERR_TOO_MANY, "too_many_attempts",
	          "too many failed sign-in attempts; try again later");
	e.retry_after = 42;
	login_model_apply_error(&m, &e);
	pl_error_clear(&e);
	ck_assert_int_eq(m.totp_step, 0);
	ck_assert_str_eq(m.password, "");
	ck_assert_str_eq(m.error, "Too many failed sign-in attempts; try "
	                          "again later (in 42 seconds).");
	/* In words a person reads, rounded up: not "in 894 s". */
	set_error(&e, PL_ERR_TOO_MANY, "too_many_attempts", "locked");
	e.retry_after = 894;
	login_model_apply_error(&m, &e);
	pl_error_clear(&e);
	ck_assert_str_eq(m.error, "Locked (in 15 minutes).");
	set_error(&e, PL_ERR_TOO_MANY, "too_many_attempts", "locked");
	e.retry_after = 3601;
	login_model_apply_error(&m, &e);
	pl_error_clear(&e);
	ck_assert_str_eq(m.error, "Locked (in 2 hours).");
	set_error(&e, PL_ERR_TOO_MANY, "too_many_attempts", "locked");
	e.retry_after = 60;
	login_model_apply_error(&m, &e);
	pl_error_clear(&e);
	ck_assert_str_eq(m.error, "Locked (in 1 minute).");

	m.totp_step = 1;
	strcpy(m.totp, "1");
	login_model_reset_totp(&m);
	ck_assert_int_eq(m.totp_step, 0);
	ck_assert_str_eq(m.totp, "");
}
END_TEST

START_TEST(activity_rows)
{
	json_t *e =
	    json_pack("{s:s, s:s, s:s}", "action", "session.login", "at",
	              "2026-12-06T17:40:02.118734Z", "peer", "203.0.113.7");
	char buf[256];

	acct_activity_text(e, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "2026-12-06 17:40:02"));
	ck_assert_ptr_nonnull(strstr(buf, "signed in from 203.0.113.7"));
	json_decref(e);
	e = json_pack("{s:s, s:s, s:{s:s}}", "action", "user.updated", "at",
	              "2026-12-06T16:02:10Z", "by", "username", "alice");
	acct_activity_text(e, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "account changed by alice"));
	json_decref(e);
	/* An action this client does not know yet is shown by its name. */
	e = json_pack("{s:s, s:s}", "action", "session.new_thing", "at",
	              "2026-12-06T16:02:10Z");
	acct_activity_text(e, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "session.new_thing"));
	json_decref(e);
}
END_TEST

/* What happened since the sign-in before this one (the newest
 * session.login is this one). */
START_TEST(activity_summary_since_the_last_sign_in)
{
	json_t *ev = json_pack(
	    "[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}, "
	    "{s:s, s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}]",
	    "action", "session.login", "peer", "198.51.100.2", "action",
	    "user.password_changed", "at", "x", "action", "user.totp_disabled",
	    "at", "x", "action", "session.login_failed", "peer", "203.0.113.7",
	    "at", "x", "action", "session.login_failed", "peer", "203.0.113.7",
	    "at", "x", "action", "session.login", "at", "x", "action",
	    "session.login_failed", "peer", "192.0.2.9", "at", "x");
	char buf[320];

	ck_assert_int_eq(acct_activity_summary(ev, buf, sizeof buf), 1);
	ck_assert_str_eq(buf, "2 failed sign-ins from 203.0.113.7; password "
	                      "changed; two-factor sign-in turned off");
	json_decref(ev);
	/* Nothing since: nothing to say. */
	ev = json_pack("[{s:s}, {s:s}, {s:s}]", "action", "session.login",
	               "action", "session.login", "action", "user.created");
	ck_assert_int_eq(acct_activity_summary(ev, buf, sizeof buf), 0);
	json_decref(ev);
	/* Two addresses, and an admin's change. */
	ev = json_pack("[{s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:{s:s}}]",
	               "action", "session.login", "action",
	               "session.login_failed", "peer", "203.0.113.7", "action",
	               "session.login_failed", "peer", "192.0.2.9", "action",
	               "user.updated", "by", "username", "alice");
	ck_assert_int_eq(acct_activity_summary(ev, buf, sizeof buf), 1);
	ck_assert_str_eq(buf, "2 failed sign-ins from 203.0.113.7, "
	                      "192.0.2.9; account changed by alice");
	json_decref(ev);
}
END_TEST

/* Only a 401 about the session itself signs the user out, with words
 * that say whether it expired. */
START_TEST(session_lost_in_words)
{
	struct pl_error e;

	set_error(&e, PL_ERR_UNAUTHORIZED, "session_expired", "x");
	ck_assert_int_eq(session_lost(&e), 1);
	ck_assert_str_eq(session_lost_text(&e),
	                 "Your session expired; sign in again.");
	pl_error_clear(&e);
	set_error(&e, PL_ERR_UNAUTHORIZED, "session_ended", "x");
	ck_assert_int_eq(session_lost(&e), 1);
	ck_assert_str_eq(session_lost_text(&e),
	                 "Your session has ended: sign in again.");
	pl_error_clear(&e);
	set_error(&e, PL_ERR_UNAUTHORIZED, "reauth_required", "x");
	ck_assert_int_eq(session_lost(&e), 0);
	pl_error_clear(&e);
	set_error(&e, PL_ERR_FORBIDDEN, "forbidden", "x");
	ck_assert_int_eq(session_lost(&e), 0);
	pl_error_clear(&e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_account");
	TCase *tc = tcase_create("models");

	tcase_add_test(tc, checklist_is_shared_and_follows_the_server);
	tcase_add_test(tc, change_password_local_checks);
	tcase_add_test(tc, change_password_server_errors_in_words);
	tcase_add_test(tc, totp_errors_in_words);
	tcase_add_test(tc, typed_codes);
	tcase_add_test(tc, session_rows);
	tcase_add_test(tc, login_code_step);
	tcase_add_test(tc, activity_rows);
	tcase_add_test(tc, activity_summary_since_the_last_sign_in);
	tcase_add_test(tc, session_lost_in_words);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
