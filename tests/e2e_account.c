/* A user's own account end to end: user.change_password (policy,
 * wrong current password, other sessions end, event without secrets),
 * session.list / session.revoke (own only), login trims the username, and
 * invitations with status, who used them and revocation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

#define NEW_PASSWORD "An0ther-Secret!"

/* Polls a user method on c until it answers 401 (the periodic session
 * re-check saw the end); fails after a generous minute. */
static void
wait_signed_out(struct ts_client *c)
{
	long long end = ts_now_ms() + 60000;
	int code = 0;

	while (ts_now_ms() < end &&
	       (code = ts_call_code(c, "pad.list", NULL)) == 0)
		;
	ck_assert_int_eq(code, 401);
}

static json_t *
change(struct ts_client *c, const char *cur, const char *pw)
{
	return ts_call(c, "user.change_password",
	               json_pack("{s:s, s:s}", "current_password", cur,
	                         "new_password", pw));
}

START_TEST(change_password_ends_other_sessions)
{
	struct ts_client *c1 = ts_env_register(&tenv, "cp_ann");
	struct ts_client *c2 = ts_client_connect(tenv.srv.port);
	struct ts_client *c3 = ts_client_connect(tenv.srv.port);
	redisContext *sub = ts_event_subscribe(tenv.schema);
	char *id = ts_my_id(c1), *text;
	json_t *r, *ev;

	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(ts_login(c2, "cp_ann", TS_PASSWORD), 0);
	r = change(c1, TS_PASSWORD, NEW_PASSWORD);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert(json_is_true(json_object_get(ts_result(r), "changed")));
	json_decref(r);
	/* The session that changed it stays; the other one ends. */
	ck_assert_int_eq(ts_call_code(c2, "user.me", NULL), 401);
	wait_signed_out(c2);
	ck_assert_int_eq(ts_call_code(c1, "pad.list", NULL), 0);
	ck_assert_int_eq(ts_call_code(c1, "user.me", NULL), 0);
	r = ts_login_totp(c3, "cp_ann", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 401);
	json_decref(r);
	ck_assert_int_eq(ts_login(c3, "cp_ann", NEW_PASSWORD), 0);
	ev = ts_event_wait(sub, "user.password_changed", "id", id, 30000);
	ck_assert_ptr_nonnull(ev);
	text = json_dumps(ev, JSON_COMPACT);
	ck_assert_ptr_null(strstr(text, NEW_PASSWORD));
	ck_assert_ptr_null(strstr(text, TS_PASSWORD));
	ck_assert_ptr_null(strstr(text, "argon2"));
	free(text);
	json_decref(ev);
	redisFree(sub);
	free(id);
	ts_client_free(c1);
	ts_client_free(c2);
	ts_client_free(c3);
}
END_TEST

START_TEST(change_password_errors)
{
	struct ts_client *c = ts_env_register(&tenv, "cp_bob");
	struct ts_client *anon = ts_client_connect(tenv.srv.port);
	json_t *r;

	r = change(c, "Not-The-Passw0rd", NEW_PASSWORD);
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "invalid_credentials");
	json_decref(r);
	r = change(c, TS_PASSWORD, "short");
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "new_password", "length"));
	ck_assert(ts_has_violation(r, "new_password", "uppercase"));
	json_decref(r);
	ck_assert_int_eq(
	    ts_call_code(c, "user.change_password",
	                 json_pack("{s:s}", "new_password", NEW_PASSWORD)),
	    400);
	ck_assert_int_eq(
	    ts_call_code(anon, "user.change_password",
	                 json_pack("{s:s, s:s}", "current_password",
	                           TS_PASSWORD, "new_password", NEW_PASSWORD)),
	    401);
	/* Nothing changed: the old password still signs in. */
	ck_assert_int_eq(ts_login(anon, "cp_bob", TS_PASSWORD), 0);
	ts_client_free(c);
	ts_client_free(anon);
}
END_TEST

static json_t *
sessions(struct ts_client *c)
{
	json_t *r = ts_call(c, "session.list", NULL);
	json_t *s;

	ck_assert_int_eq(ts_error_code(r), 0);
	s = json_incref(json_object_get(ts_result(r), "sessions"));
	json_decref(r);
	return s;
}

START_TEST(session_list_and_revoke_own_only)
{
	struct ts_client *c1 = ts_env_register(&tenv, "ses_cat");
	struct ts_client *c2 = ts_client_connect(tenv.srv.port);
	struct ts_client *other = ts_env_register(&tenv, "ses_dan");
	json_t *list, *s, *mine = NULL, *theirs = NULL, *r;
	const char *other_id = NULL;
	size_t i;

	ck_assert_int_eq(ts_login(c2, "ses_cat", TS_PASSWORD), 0);
	list = sessions(c1);
	ck_assert_int_eq(json_array_size(list), 2);
	json_array_foreach (list, i, s) {
		ck_assert(json_is_string(json_object_get(s, "id")));
		ck_assert(json_is_string(json_object_get(s, "created_at")));
		ck_assert(json_is_string(json_object_get(s, "last_used_at")));
		ck_assert(json_is_string(json_object_get(s, "expires_at")));
		ck_assert_str_eq(json_string_value(json_object_get(s, "peer")),
		                 "127.0.0.1");
		if (json_is_true(json_object_get(s, "current")))
			mine = s;
		else
			theirs = s;
	}
	ck_assert_ptr_nonnull(mine);
	ck_assert_ptr_nonnull(theirs);
	/* Another user's session id answers 404, as if it did not exist. */
	json_t *ol = sessions(other);
	other_id =
	    json_string_value(json_object_get(json_array_get(ol, 0), "id"));
	ck_assert_int_eq(ts_call_code(c1, "session.revoke",
	                              json_pack("{s:s}", "id", other_id)),
	                 404);
	ck_assert_int_eq(ts_call_code(other, "pad.list", NULL), 0);
	ck_assert_int_eq(
	    ts_call_code(c1, "session.revoke",
	                 json_pack("{s:s}", "id",
	                           "00000000-0000-4000-8000-000000000000")),
	    404);
	ck_assert_int_eq(ts_call_code(c1, "session.revoke",
	                              json_pack("{s:s}", "id", "nope")),
	                 400);
	r = ts_call(c1, "session.revoke",
	            json_pack("{s:O}", "id", json_object_get(theirs, "id")));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	wait_signed_out(c2);
	json_decref(list);
	list = sessions(c1);
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert(
	    json_is_true(json_object_get(json_array_get(list, 0), "current")));
	/* Revoking the session in use signs this connection out at once. */
	r = ts_call(c1, "session.revoke",
	            json_pack("{s:O}", "id",
	                      json_object_get(json_array_get(list, 0), "id")));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ck_assert_int_eq(ts_call_code(c1, "pad.list", NULL), 401);
	json_decref(list);
	json_decref(ol);
	ts_client_free(c1);
	ts_client_free(c2);
	ts_client_free(other);
}
END_TEST

START_TEST(login_trims_username)
{
	struct ts_client *c = ts_env_register(&tenv, "trim_eve");
	json_t *r;

	r = ts_login_totp(c, "  trim_eve\t", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(ts_result(r), "user"), "username")),
	    "trim_eve");
	json_decref(r);
	ts_client_free(c);
}
END_TEST

static char *
invite(struct ts_client *admin, const char *note)
{
	json_t *r = ts_call(admin, "invitation.create",
	                    json_pack("{s:s}", "note", note));
	char *code;

	ck_assert_int_eq(ts_error_code(r), 0);
	code = strdup(json_string_value(json_object_get(ts_result(r), "code")));
	json_decref(r);
	return code;
}

/* The invitation.list item with that note (new reference). */
static json_t *
item(struct ts_client *admin, const char *note)
{
	json_t *r = ts_call(admin, "invitation.list", NULL), *it, *found = NULL;
	size_t i;

	ck_assert_int_eq(ts_error_code(r), 0);
	json_array_foreach (json_object_get(ts_result(r), "invitations"), i,
	                    it) {
		const char *n = json_string_value(json_object_get(it, "note"));

		if (n && strcmp(n, note) == 0)
			found = json_incref(it);
	}
	json_decref(r);
	ck_assert_msg(found != NULL, "no invitation %s", note);
	return found;
}

static const char *
status(json_t *it)
{
	return json_string_value(json_object_get(it, "status"));
}

START_TEST(invitations_status_and_revoke)
{
	const char *env[] = {"PADLINE_REGISTRATION=invite", NULL};
	struct ts_client *admin = ts_env_admin(&tenv, "inv_admin");
	struct ts_client *plain = ts_env_register(&tenv, "inv_plain");
	struct ts_server inv_srv;
	struct ts_client *c;
	char *used = invite(admin, "to-use");
	char *expired = invite(admin, "to-expire");
	char *revoked = invite(admin, "to-revoke");
	char *open = invite(admin, "stays-open");
	json_t *r, *it;
	PGconn *db = ts_db_connect(tenv.schema);

	ck_assert_int_eq(ts_server_start(&inv_srv, tenv.schema, env, NULL), 0);
	c = ts_client_connect(inv_srv.port);
	r = ts_register_fresh(c, "inv_user", TS_PASSWORD, used);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ts_db_exec(db, "UPDATE invitations SET expires_at = now() - "
	               "interval '1 second' WHERE note = 'to-expire'");
	it = item(admin, "to-revoke");
	r = ts_call(admin, "invitation.revoke",
	            json_pack("{s:O}", "id", json_object_get(it, "id")));
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(status(json_object_get(ts_result(r), "invitation")),
	                 "revoked");
	json_decref(r);
	json_decref(it);
	/* A revoked code cannot register. */
	r = ts_register_fresh(c, "inv_late", TS_PASSWORD, revoked);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "invitation", "revoked"));
	json_decref(r);

	it = item(admin, "to-use");
	ck_assert_str_eq(status(it), "used");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(it, "used_by"), "username")),
	                 "inv_user");
	ck_assert(json_is_string(
	    json_object_get(json_object_get(it, "used_by"), "id")));
	r = ts_call(admin, "invitation.revoke",
	            json_pack("{s:O}", "id", json_object_get(it, "id")));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "invitation_used");
	json_decref(r);
	json_decref(it);
	it = item(admin, "to-expire");
	ck_assert_str_eq(status(it), "expired");
	ck_assert_ptr_null(json_object_get(it, "used_by"));
	json_decref(it);
	it = item(admin, "stays-open");
	ck_assert_str_eq(status(it), "open");
	ck_assert(json_is_string(json_object_get(it, "created_at")));
	ck_assert(json_is_string(json_object_get(it, "expires_at")));
	json_decref(it);
	ck_assert_int_eq(
	    ts_call_code(admin, "invitation.revoke",
	                 json_pack("{s:s}", "id",
	                           "00000000-0000-4000-8000-000000000000")),
	    404);
	ck_assert_int_eq(ts_call_code(plain, "invitation.revoke",
	                              json_pack("{s:s}", "id",
	                                        "00000000-0000-4000-8000-"
	                                        "000000000000")),
	                 403);
	/* The revocation is in the audit log. */
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'invitation.revoked'",
	                             0, NULL),
	                 1);
	PQfinish(db);
	ts_client_free(c);
	ck_assert_int_eq(ts_server_stop(&inv_srv), 0);
	ts_client_free(admin);
	ts_client_free(plain);
	free(used);
	free(expired);
	free(revoked);
	free(open);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "acc"};

int
main(void)
{
	Suite *s = suite_create("e2e_account");
	TCase *tc = tcase_create("acc");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, change_password_ends_other_sessions);
	tcase_add_test(tc, change_password_errors);
	tcase_add_test(tc, session_list_and_revoke_own_only);
	tcase_add_test(tc, login_trims_username);
	tcase_add_test(tc, invitations_status_and_revoke);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
