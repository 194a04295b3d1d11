/* Sessions that end and re-authentication, end to end against padlined
 * with short limits: an idle session and one past its absolute limit
 * answer 401 session_expired (on the bound connection and to
 * session.resume), requests keep a session alive but never past its
 * absolute limit; user.update, user.delete and user.totp_disable answer
 * 401 reauth_required on a session that is not fresh until session.reauth
 * (wrong passwords counting toward the sign-in lockout); account.activity
 * lists a user's own security events, paged. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

#define IDLE_S "5"

/* tenv: idle limit 5 s; ttl: absolute limit 6 s. */
static struct ts_env tenv, ttl;
static const char *const env[] = {"PADLINE_SESSION_IDLE=" IDLE_S,
                                  "PADLINE_LOGIN_MAX_FAILURES=4", NULL};
static const char *const ttl_env[] = {"PADLINE_SESSION_TTL=6", NULL};
static const struct ts_env_opts opts = {.prefix = "seslim", .env = env};
static const struct ts_env_opts ttl_opts = {.prefix = "sesttl", .env = ttl_env};

/* The answer's error reason, "" for a result (NULL response: "none"). */
static const char *
reason_of(const json_t *r)
{
	return r == NULL ? "none" : ts_error_reason(r);
}

/* A token from session.login's result (malloc'd). */
static char *
login_token(struct ts_client *c, const char *name, const char *pw)
{
	json_t *r = ts_login_totp(c, name, pw, NULL);
	const char *t =
	    json_string_value(json_object_get(ts_result(r), "token"));
	char *out;

	ck_assert_msg(t != NULL, "login %s: %d %s", name, ts_error_code(r),
	              reason_of(r));
	out = strdup(t);
	json_decref(r);
	return out;
}

/* Calls user.me every 200 ms until it fails; returns that answer. */
static json_t *
me_until_error(struct ts_client *c)
{
	long long end = ts_now_ms() + TS_PATIENCE_MS;
	json_t *r = NULL;

	while (ts_now_ms() < end) {
		json_decref(r);
		r = ts_call(c, "user.me", NULL);
		if (r == NULL || ts_error_code(r) != 0)
			return r;
		usleep(200 * 1000);
	}
	return r;
}

START_TEST(idle_session_expires)
{
	struct ts_client *c = ts_env_register(&tenv, "idle_ann");
	struct ts_client *c2 = ts_client_connect(tenv.srv.port), *admin;
	PGconn *db = ts_db_connect(tenv.schema);
	char *token;
	json_t *r;

	token = login_token(c, "idle_ann", TS_PASSWORD);
	ck_assert_int_eq(ts_call_code(c, "user.me", NULL), 0);
	/* Wait for the database to say the session has been unused longer
	 * than the limit: nothing is sent meanwhile. */
	ck_assert_int_eq(
	    ts_db_wait_count(db,
	                     "SELECT count(*) FROM sessions s JOIN users u "
	                     "ON u.id = s.user_id WHERE u.username = "
	                     "'idle_ann' AND s.last_used_at < now() - "
	                     "interval '" IDLE_S " s'",
	                     0, NULL, 2, TS_PATIENCE_MS),
	    2);
	r = ts_call(c, "user.me", NULL);
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(reason_of(r), "session_expired");
	json_decref(r);
	/* Unbound: the next call is not signed in. */
	ck_assert_str_eq(reason_of(r = ts_call(c, "pad.list", NULL)),
	                 "not_signed_in");
	json_decref(r);
	r = ts_call(c2, "session.resume", json_pack("{s:s}", "token", token));
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(reason_of(r), "session_expired");
	json_decref(r);
	/* A new sign-in lists itself only: expired sessions are not live. */
	ck_assert_int_eq(ts_login(c2, "idle_ann", TS_PASSWORD), 0);
	r = ts_call(c2, "session.list", NULL);
	ck_assert_int_eq(
	    json_array_size(json_object_get(ts_result(r), "sessions")), 1);
	json_decref(r);
	/* Nor to an admin: user.get lists the live one only. */
	admin = ts_env_admin(&tenv, "idle_admin");
	r = ts_call(admin, "user.get",
	            json_pack("{s:s}", "username", "idle_ann"));
	ck_assert_int_eq(
	    json_array_size(json_object_get(ts_result(r), "sessions")), 1);
	json_decref(r);
	ts_client_free(admin);
	free(token);
	PQfinish(db);
	ts_client_free(c);
	ts_client_free(c2);
}
END_TEST

/* Requests a second apart for more than twice the idle limit: every one
 * is answered (a dashboard's polls keep its session). */
START_TEST(requests_keep_a_session_alive)
{
	struct ts_client *c = ts_env_register(&tenv, "busy_bob");
	long long end = ts_now_ms() + 2 * 5000 + 2000;
	json_t *r;

	while (ts_now_ms() < end) {
		r = ts_call(c, "user.me", NULL);
		ck_assert_msg(ts_error_code(r) == 0, "user.me: %s",
		              reason_of(r));
		json_decref(r);
		sleep(1);
	}
	ts_client_free(c);
}
END_TEST

/* The absolute limit holds however busy the session is. */
START_TEST(absolute_limit_holds)
{
	struct ts_client *c = ts_env_register(&ttl, "ttl_tom");
	struct ts_client *c2 = ts_client_connect(ttl.srv.port);
	char *token = login_token(c, "ttl_tom", TS_PASSWORD);
	json_t *r = me_until_error(c);

	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(reason_of(r), "session_expired");
	json_decref(r);
	r = ts_call(c2, "session.resume", json_pack("{s:s}", "token", token));
	ck_assert_str_eq(reason_of(r), "session_expired");
	json_decref(r);
	/* A new sign-in starts a new session. */
	ck_assert_int_eq(ts_login(c2, "ttl_tom", TS_PASSWORD), 0);
	ck_assert_int_eq(ts_call_code(c2, "user.me", NULL), 0);
	free(token);
	ts_client_free(c);
	ts_client_free(c2);
}
END_TEST

/* Makes every session of name stale for re-authentication. */
static void
age_reauth(const char *name)
{
	PGconn *db = ts_db_connect(tenv.schema);

	ck_assert_int_eq(
	    ts_db_count(db,
	                "WITH a AS (UPDATE sessions s SET reauth_at = "
	                "reauth_at - interval '1 hour' FROM users u WHERE "
	                "u.id = s.user_id AND u.username = $1 RETURNING 1) "
	                "SELECT count(*) FROM a",
	                1, (const char *const[]){name}) > 0,
	    1);
	PQfinish(db);
}

START_TEST(reauth_required_on_each_listed_method)
{
	struct ts_client *admin = ts_env_admin(&tenv, "fresh_admin");
	struct ts_client *u = ts_env_register(&tenv, "fresh_victim");
	char *id = ts_my_id(u);
	json_t *r;

	ck_assert_ptr_nonnull(admin);
	/* Fresh after the sign-in. */
	ck_assert_int_eq(ts_call_code(admin, "user.update",
	                              json_pack("{s:s, s:s}", "id", id, "email",
	                                        "v@example.org")),
	                 0);
	age_reauth("fresh_admin");
	age_reauth("fresh_victim");
	r = ts_call(admin, "user.update",
	            json_pack("{s:s, s:b}", "id", id, "disabled", 1));
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(reason_of(r), "reauth_required");
	json_decref(r);
	r = ts_call(admin, "user.delete", json_pack("{s:s}", "id", id));
	ck_assert_str_eq(reason_of(r), "reauth_required");
	json_decref(r);
	r = ts_call(admin, "rule.put",
	            json_pack("{s:s, s:s, s:s, s:s}", "name", "stale-rule",
	                      "when", "domain:evil.example", "action", "block",
	                      "mode", "shadow"));
	ck_assert_str_eq(reason_of(r), "reauth_required");
	json_decref(r);
	r = ts_call(admin, "rule.delete", json_pack("{s:i}", "id", 1));
	ck_assert_str_eq(reason_of(r), "reauth_required");
	json_decref(r);
	r = ts_call(
	    u, "user.totp_disable",
	    json_pack("{s:s, s:s}", "password", TS_PASSWORD, "code", "123456"));
	ck_assert_str_eq(reason_of(r), "reauth_required");
	json_decref(r);
	/* Still signed in, nothing changed. */
	ck_assert_int_eq(ts_call_code(admin, "user.me", NULL), 0);
	ck_assert_int_eq(ts_call_code(u, "user.me", NULL), 0);
	/* A wrong password keeps it stale; the right one makes it fresh. */
	r = ts_call(admin, "session.reauth",
	            json_pack("{s:s}", "password", "wrong-Password1"));
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(reason_of(r), "invalid_credentials");
	json_decref(r);
	ck_assert_int_eq(
	    ts_call_code(admin, "user.delete", json_pack("{s:s}", "id", id)),
	    401);
	r = ts_call(admin, "session.reauth",
	            json_pack("{s:s}", "password", TS_PASSWORD));
	ck_assert_msg(ts_error_code(r) == 0, "reauth: %s", reason_of(r));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "fresh_s")), 300);
	json_decref(r);
	ck_assert_int_eq(
	    ts_call_code(admin, "user.update",
	                 json_pack("{s:s, s:b}", "id", id, "disabled", 0)),
	    0);
	ck_assert_int_eq(
	    ts_call_code(admin, "user.delete", json_pack("{s:s}", "id", id)),
	    0);
	free(id);
	ts_client_free(admin);
	ts_client_free(u);
}
END_TEST

/* session.reauth is a guess like a sign-in: its failures lock the account
 * for session.login too, and a locked account's right password is 429. */
START_TEST(reauth_failures_lock_out)
{
	struct ts_client *u = ts_env_register(&tenv, "guess_gus");
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(ts_call_code(u, "session.reauth",
		                              json_pack("{s:s}", "password",
		                                        "Wrong-guess-1")),
		                 401);
	r = ts_call(u, "session.reauth",
	            json_pack("{s:s}", "password", TS_PASSWORD));
	ck_assert_int_eq(ts_error_code(r), 429);
	ck_assert_str_eq(reason_of(r), "too_many_attempts");
	json_decref(r);
	r = ts_login_totp(c, "guess_gus", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 429);
	json_decref(r);
	ts_client_free(u);
	ts_client_free(c);
}
END_TEST

START_TEST(reauth_with_totp_needs_the_code)
{
	struct ts_client *u = ts_env_register(&tenv, "code_cal");
	struct ts_totp_secret sec;
	char code[8];
	json_t *r;

	r = ts_call(u, "user.totp_begin", NULL);
	ts_totp_decode(
	    json_string_value(json_object_get(ts_result(r), "secret")), &sec);
	json_decref(r);
	ts_totp_code_at(&sec, ts_totp_step_now() - 1, code);
	ck_assert_int_eq(ts_call_code(u, "user.totp_enable",
	                              json_pack("{s:s}", "code", code)),
	                 0);
	r = ts_call(u, "session.reauth",
	            json_pack("{s:s}", "password", TS_PASSWORD));
	ck_assert_str_eq(reason_of(r), "totp_required");
	json_decref(r);
	r = ts_call(
	    u, "session.reauth",
	    json_pack("{s:s, s:s}", "password", TS_PASSWORD, "totp", "000000"));
	ck_assert_str_eq(reason_of(r), "invalid_totp");
	json_decref(r);
	ts_totp_code_at(&sec, ts_totp_step_now(), code);
	r = ts_call(
	    u, "session.reauth",
	    json_pack("{s:s, s:s}", "password", TS_PASSWORD, "totp", code));
	ck_assert_msg(ts_error_code(r) == 0, "reauth: %s", reason_of(r));
	json_decref(r);
	free(sec.raw);
	ts_client_free(u);
}
END_TEST

/* The actions of account.activity's events, newest first, joined by
 * spaces; *next the cursor (malloc'd, NULL on the last page). */
static char *
activity(struct ts_client *c, int limit, const char *after, char **next,
         char *peer, size_t peer_size)
{
	json_t *p = json_pack("{s:i}", "limit", limit);
	json_t *r, *ev;
	size_t i;
	char *out = calloc(1, 1024);
	const char *n;

	if (after)
		json_object_set_new(p, "after", json_string(after));
	r = ts_call(c, "account.activity", p);
	ck_assert_msg(ts_error_code(r) == 0, "activity: %s", reason_of(r));
	json_array_foreach (json_object_get(ts_result(r), "events"), i, ev) {
		const char *a =
		    json_string_value(json_object_get(ev, "action"));
		const char *pe = json_string_value(json_object_get(ev, "peer"));

		ck_assert_ptr_nonnull(json_object_get(ev, "at"));
		snprintf(out + strlen(out), 1024 - strlen(out), "%s%s",
		         *out ? " " : "", a);
		if (peer && pe && strcmp(a, "session.login_failed") == 0)
			snprintf(peer, peer_size, "%s", pe);
	}
	n = json_string_value(json_object_get(ts_result(r), "next"));
	*next = n ? strdup(n) : NULL;
	json_decref(r);
	return out;
}

START_TEST(activity_lists_own_security_events_paged)
{
	struct ts_client *u = ts_env_register(&tenv, "act_amy");
	struct ts_client *other = ts_env_register(&tenv, "act_oscar");
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *next = NULL, *next2 = NULL, *next3 = NULL, *got;
	char peer[64] = "";
	json_t *r;

	/* Somebody else's activity is not hers. */
	ck_assert_int_eq(
	    ts_call_code(other, "session.reauth",
	                 json_pack("{s:s}", "password", "Wrong-guess-1")),
	    401);
	r = ts_login_totp(c, "act_amy", "Wrong-guess-1", NULL);
	ck_assert_int_eq(ts_error_code(r), 401);
	json_decref(r);
	ck_assert_int_eq(
	    ts_call_code(u, "user.change_password",
	                 json_pack("{s:s, s:s}", "current_password",
	                           "Wrong-guess-1", "new_password",
	                           "An0ther-Secret!")),
	    401);
	ck_assert_int_eq(
	    ts_call_code(u, "session.reauth",
	                 json_pack("{s:s}", "password", "Wrong-guess-2")),
	    401);
	ck_assert_int_eq(
	    ts_call_code(u, "user.change_password",
	                 json_pack("{s:s, s:s}", "current_password",
	                           TS_PASSWORD, "new_password",
	                           "An0ther-Secret!")),
	    0);
	got = activity(u, 50, NULL, &next, peer, sizeof peer);
	ck_assert_str_eq(got,
	                 "user.password_changed session.reauth_failed "
	                 "user.change_password_failed session.login_failed "
	                 "session.login user.created");
	ck_assert_str_eq(peer, "127.0.0.1");
	ck_assert_ptr_null(next);
	free(got);
	/* Pages of two, then of two, then the last. */
	got = activity(u, 2, NULL, &next, NULL, 0);
	ck_assert_str_eq(got, "user.password_changed session.reauth_failed");
	ck_assert_ptr_nonnull(next);
	free(got);
	got = activity(u, 2, next, &next2, NULL, 0);
	ck_assert_str_eq(got,
	                 "user.change_password_failed session.login_failed");
	free(got);
	got = activity(u, 2, next2, &next3, NULL, 0);
	ck_assert_str_eq(got, "session.login user.created");
	ck_assert_ptr_null(next3);
	free(got);
	r = ts_call(u, "account.activity",
	            json_pack("{s:s}", "after", "not-a-cursor"));
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	free(next);
	free(next2);
	ts_client_free(u);
	ts_client_free(other);
	ts_client_free(c);
}
END_TEST

static void
ttl_setup(void)
{
	ts_env_start(&ttl, &ttl_opts);
}

static void
ttl_teardown(void)
{
	ts_env_stop(&ttl);
}

int
main(void)
{
	Suite *s = suite_create("e2e_session_limits");
	TCase *tc = tcase_create("limits");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_add_unchecked_fixture(tc, ttl_setup, ttl_teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, idle_session_expires);
	tcase_add_test(tc, requests_keep_a_session_alive);
	tcase_add_test(tc, absolute_limit_holds);
	tcase_add_test(tc, reauth_required_on_each_listed_method);
	tcase_add_test(tc, reauth_failures_lock_out);
	tcase_add_test(tc, reauth_with_totp_needs_the_code);
	tcase_add_test(tc, activity_lists_own_security_events_paged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
