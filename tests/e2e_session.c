/* Sessions end to end: login binds the connection, wrong passwords are 401
 * with an audit row, repeated failures lock the username (and the peer
 * address) out with 429 + retry_after, success resets the username counter,
 * resume on another connection, logout, and rehash on login when the
 * argon2 limits changed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;

static json_t *
login(struct ts_client *c, const char *name, const char *pw)
{
	return ts_call(
	    c, "session.login",
	    json_pack("{s:s, s:s}", "username", name, "password", pw));
}

static int
login_code(struct ts_client *c, const char *name, const char *pw)
{
	json_t *r = login(c, name, pw);
	int code = ts_error_code(r);

	json_decref(r);
	return code;
}

/* Logs name in on c; returns the session token (malloc'd). */
static char *
login_token(struct ts_client *c, const char *name)
{
	json_t *r = login(c, name, TS_PASSWORD);
	const char *t =
	    json_string_value(json_object_get(ts_result(r), "token"));
	char *token;

	ck_assert_msg(t != NULL, "login of %s failed", name);
	token = strdup(t);
	json_decref(r);
	return token;
}

static int
call_code(struct ts_client *c, const char *method, json_t *params)
{
	json_t *r = ts_call(c, method, params);
	int code = r ? ts_error_code(r) : -1;

	json_decref(r);
	return code;
}

START_TEST(login_me_logout)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r, *u;

	ck_assert_int_eq(ts_create_user(tenv.schema, "Ivy", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(call_code(c, "user.me", NULL), 401);
	r = login(c, "ivy", TS_PASSWORD); /* names match case-insensitively */
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_int_eq(
	    strlen(json_string_value(json_object_get(ts_result(r), "token"))),
	    64);
	ck_assert_ptr_nonnull(json_object_get(ts_result(r), "expires_at"));
	u = json_object_get(ts_result(r), "user");
	ck_assert_str_eq(json_string_value(json_object_get(u, "username")),
	                 "Ivy");
	json_decref(r);
	r = ts_call(c, "user.me", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(ts_result(r), "user"), "username")),
	    "Ivy");
	json_decref(r);
	/* The token itself is never stored, only its hash. */
	PGconn *db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM sessions s JOIN "
	                "users u ON u.id = s.user_id WHERE "
	                "u.username = 'Ivy' AND length(s.token_hash) "
	                "= 64 AND s.expires_at > now()",
	                0, NULL),
	    1);
	ck_assert_int_eq(call_code(c, "session.logout", NULL), 0);
	ck_assert_int_eq(call_code(c, "user.me", NULL), 401);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM sessions s JOIN "
	                             "users u ON u.id = s.user_id WHERE "
	                             "u.username = 'Ivy'",
	                             0, NULL),
	                 0);
	PQfinish(db);
	ts_client_free(c);
}
END_TEST

START_TEST(resume_on_another_connection)
{
	struct ts_client *a = ts_client_connect(tenv.srv.port);
	struct ts_client *b = ts_client_connect(tenv.srv.port);
	char *token;
	json_t *r;

	ck_assert_int_eq(ts_create_user(tenv.schema, "jack", TS_PASSWORD, 0),
	                 0);
	token = login_token(a, "jack");

	ck_assert_int_eq(
	    call_code(b, "session.resume", json_pack("{s:s}", "token", "00ff")),
	    401);
	ck_assert_int_eq(call_code(b, "user.me", NULL), 401);
	r = ts_call(b, "session.resume", json_pack("{s:s}", "token", token));
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(ts_result(r), "user"), "username")),
	    "jack");
	json_decref(r);
	ck_assert_int_eq(call_code(b, "user.me", NULL), 0);
	/* Logging out on a ends the session everywhere it could resume. */
	ck_assert_int_eq(call_code(a, "session.logout", NULL), 0);
	ck_assert_int_eq(call_code(b, "user.me", NULL), 401);
	ck_assert_int_eq(
	    call_code(b, "session.resume", json_pack("{s:s}", "token", token)),
	    401);
	free(token);
	ts_client_free(a);
	ts_client_free(b);
}
END_TEST

/* A session bound on another connection ends there too: every method
 * that needs a session rechecks it (at most every 2 s), not only user.me. */
START_TEST(logout_ends_bound_sessions_elsewhere)
{
	struct ts_client *a = ts_client_connect(tenv.srv.port);
	struct ts_client *b = ts_client_connect(tenv.srv.port);
	char *token;
	json_t *r;

	ck_assert_int_eq(ts_create_user(tenv.schema, "quinn", TS_PASSWORD, 0),
	                 0);
	token = login_token(a, "quinn");
	ck_assert_int_eq(
	    call_code(b, "session.resume", json_pack("{s:s}", "token", token)),
	    0);
	free(token);
	ck_assert_int_eq(call_code(b, "pad.list", NULL), 0);
	ck_assert_int_eq(call_code(a, "session.logout", NULL), 0);
	/* b's binding is re-checked at most every 2 s: ask until it is. */
	for (long long t0 = ts_now_ms();; usleep(100000)) {
		r = ts_call(b, "pad.list", NULL);
		ck_assert_ptr_nonnull(r);
		if (ts_error_code(r) != 0 || ts_now_ms() - t0 > TS_PATIENCE_MS)
			break;
		json_decref(r);
	}
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "session_ended");
	json_decref(r);
	/* ... and the connection is signed out now. */
	r = ts_call(b, "pad.create", json_pack("{s:s}", "display_name", "x"));
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "not_signed_in");
	json_decref(r);
	ts_client_free(a);
	ts_client_free(b);
}
END_TEST

/* Roles are re-read with the session: an admin demoted elsewhere loses
 * admin rights on connections already signed in, not only on new ones. */
START_TEST(demoted_admin_loses_rights_on_live_connection)
{
	struct ts_client *a = ts_env_admin(&tenv, "boss_a");
	struct ts_client *b = ts_env_admin(&tenv, "boss_b");
	long long end = ts_now_ms() + 30000;
	json_t *r;
	char *id;
	int code = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(call_code(a, "user.list", NULL), 0);
	r = ts_call(a, "user.me", NULL);
	id = strdup(json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id")));
	json_decref(r);
	ck_assert_int_eq(call_code(b, "user.sync",
	                           json_pack("{s:s, s:s, s:[]}", "id", id,
	                                     "username", "boss_a", "roles")),
	                 0);
	/* Within the session re-check interval (2 s); the deadline only
	 * catches a connection that keeps its rights for good. */
	while (ts_now_ms() < end &&
	       (code = call_code(a, "user.list", NULL)) == 0)
		usleep(100000);
	ck_assert_int_eq(code, 403);
	/* Still signed in, as a plain user. */
	ck_assert_int_eq(call_code(a, "user.me", NULL), 0);
	free(id);
	ts_client_free(a);
	ts_client_free(b);
}
END_TEST

START_TEST(expired_session_refused)
{
	struct ts_client *a = ts_client_connect(tenv.srv.port);
	struct ts_client *b = ts_client_connect(tenv.srv.port);
	char *token;
	PGconn *db;

	ck_assert_int_eq(ts_create_user(tenv.schema, "pete", TS_PASSWORD, 0),
	                 0);
	token = login_token(a, "pete");
	/* Expiry is PostgreSQL's clock: move it into the past. */
	db = ts_db_connect(tenv.schema);
	ts_db_exec(db, "UPDATE sessions SET expires_at = now() - interval '1 "
	               "second' WHERE user_id = (SELECT id FROM users WHERE "
	               "username = 'pete')");
	PQfinish(db);
	ck_assert_int_eq(call_code(a, "user.me", NULL), 401);
	ck_assert_int_eq(
	    call_code(b, "session.resume", json_pack("{s:s}", "token", token)),
	    401);
	free(token);
	ts_client_free(a);
	ts_client_free(b);
}
END_TEST

START_TEST(wrong_password_and_unknown_user)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	PGconn *db;
	json_t *r;

	ck_assert_int_eq(ts_create_user(tenv.schema, "kate", TS_PASSWORD, 0),
	                 0);
	r = login(c, "kate", "Wrong-Passw0rd!");
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "invalid_credentials");
	json_decref(r);
	r = login(c, "nobody-here", TS_PASSWORD);
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "invalid_credentials");
	json_decref(r);
	ck_assert_int_eq(call_code(c, "user.me", NULL), 401);
	db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log a JOIN "
	                             "users u ON u.id = a.subject_id WHERE "
	                             "a.action = 'session.login_failed' AND "
	                             "u.username = 'kate'",
	                             0, NULL),
	                 1);
	/* What was typed as a username is never stored: a password typed
	 * there would otherwise reach every dashboard. */
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'session.login_failed' AND "
	                             "details::text LIKE '%nobody-here%'",
	                             0, NULL),
	                 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'session.login_failed' AND "
	                             "subject_id IS NULL",
	                             0, NULL),
	                 1);
	PQfinish(db);
	ts_client_free(c);
}
END_TEST

START_TEST(lockout_per_username)
{
	const char *env[] = {"PADLINE_LOGIN_MAX_FAILURES=3",
	                     "PADLINE_LOGIN_WINDOW=60", NULL};
	struct ts_server s2;
	char sch[64];
	struct ts_client *c;
	json_t *r, *ra;

	ts_unique_schema("seslock", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s2, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "liam", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(ts_create_user(sch, "mia", TS_PASSWORD, 0), 0);
	c = ts_client_connect(s2.port);

	/* A success resets the username's counter. */
	ck_assert_int_eq(login_code(c, "liam", "nope"), 401);
	ck_assert_int_eq(login_code(c, "liam", "nope"), 401);
	ck_assert_int_eq(login_code(c, "liam", TS_PASSWORD), 0);
	ck_assert_int_eq(login_code(c, "liam", "nope"), 401);
	ck_assert_int_eq(login_code(c, "liam", "nope"), 401);
	ck_assert_int_eq(login_code(c, "LIAM", "nope"), 401);
	/* Third failure in a row: locked, even with the right password. */
	r = login(c, "liam", TS_PASSWORD);
	ck_assert_int_eq(ts_error_code(r), 429);
	ra = json_object_get(
	    json_object_get(json_object_get(r, "error"), "data"),
	    "retry_after");
	ck_assert(json_is_integer(ra));
	ck_assert(json_integer_value(ra) > 0 && json_integer_value(ra) <= 60);
	json_decref(r);
	/* Another user from the same address is not affected. */
	ck_assert_int_eq(login_code(c, "mia", TS_PASSWORD), 0);
	ts_client_free(c);
	ts_server_stop(&s2);
	ts_db_drop_schema(sch);
}
END_TEST

START_TEST(lockout_per_peer)
{
	const char *env[] = {"PADLINE_LOGIN_MAX_FAILURES_IP=4", NULL};
	struct ts_server s2;
	char sch[64], name[32];
	struct ts_client *c;

	ts_unique_schema("sespeer", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s2, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "noah", TS_PASSWORD, 0), 0);
	c = ts_client_connect(s2.port);
	/* Different usernames each time: only the address counter trips. */
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "guess%d", i);
		ck_assert_int_eq(login_code(c, name, "nope"), 401);
	}
	ck_assert_int_eq(login_code(c, "noah", TS_PASSWORD), 429);
	ts_client_free(c);
	ts_server_stop(&s2);
	ts_db_drop_schema(sch);
}
END_TEST

START_TEST(rehash_when_limits_change)
{
	const char *env[] = {"PADLINE_PWHASH_OPSLIMIT=2", NULL};
	const char *args[] = {"create-user", "olga", NULL};
	char *in = NULL;
	PGconn *db;

	ck_assert(asprintf(&in, "%s\n", TS_PASSWORD) > 0);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, env, args, in, 60, NULL, NULL), 0);
	free(in);
	db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM users WHERE username "
	                "= 'olga' AND password_hash LIKE '%,t=2,%'",
	                0, NULL),
	    1);
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	ck_assert_int_eq(login_code(c, "olga", TS_PASSWORD), 0);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM users WHERE username "
	                "= 'olga' AND password_hash LIKE '%,t=1,%'",
	                0, NULL),
	    1);
	ck_assert_int_eq(login_code(c, "olga", TS_PASSWORD), 0);
	PQfinish(db);
	ts_client_free(c);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "ses"};

int
main(void)
{
	Suite *s = suite_create("e2e_session");
	TCase *tc = tcase_create("ses");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, login_me_logout);
	tcase_add_test(tc, resume_on_another_connection);
	tcase_add_test(tc, logout_ends_bound_sessions_elsewhere);
	tcase_add_test(tc, demoted_admin_loses_rights_on_live_connection);
	tcase_add_test(tc, expired_session_refused);
	tcase_add_test(tc, wrong_password_and_unknown_user);
	tcase_add_test(tc, lockout_per_username);
	tcase_add_test(tc, lockout_per_peer);
	tcase_add_test(tc, rehash_when_limits_change);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
