/* user.register end to end: the happy path lands a row, an audit row and
 * a Redis event; every input rule is reported at once; duplicates and a
 * 40-way race on one name give 409, never 500; invite mode spends a code
 * once; closed mode refuses; create-user applies the same rules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register_suite.h"
#include "tsupport.h"

START_TEST(happy_path_row_audit_event)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	redisContext *sub = ts_event_subscribe(tenv.schema);
	char *tok = ts_form_token(c);
	json_t *r, *user, *ev;
	const char *id;
	PGconn *db;

	ck_assert_ptr_nonnull(sub);
	r = ts_register_with(c, tok, "  carol  ", TS_PASSWORD,
	                     "carol@example.com", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	user = json_object_get(ts_result(r), "user");
	ck_assert_str_eq(json_string_value(json_object_get(user, "username")),
	                 "carol");
	ck_assert_str_eq(json_string_value(json_object_get(user, "email")),
	                 "carol@example.com");
	ck_assert_ptr_null(json_object_get(user, "password_hash"));
	ck_assert_ptr_nonnull(json_object_get(user, "created_at"));
	id = json_string_value(json_object_get(user, "id"));
	ck_assert_ptr_nonnull(id);

	db = ts_db_connect(tenv.schema);
	const char *p[1] = {id};
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM users WHERE id = $1 "
	                             "AND username = 'carol' AND password_hash "
	                             "LIKE '$argon2id$%'",
	                             1, p),
	                 1);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'user.created' AND subject_id = "
	                             "$1 AND details->'subject'->>'username' = "
	                             "'carol' AND details->'subject' ? "
	                             "'password_hash' = false",
	                             1, p),
	                 1);
	ev = ts_event_wait(sub, "user.created", "id", id, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL,
	              "no user.created event on the schema's channel");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ev, "subject"), "username")),
	                 "carol");
	ck_assert(json_integer_value(json_object_get(ev, "id")) > 0);
	ck_assert_int_eq(
	    ts_db_wait_count(db,
	                     "SELECT count(*) FROM audit_log WHERE "
	                     "subject_id = $1 AND published_at IS "
	                     "NOT NULL",
	                     1, p, 1, TS_PATIENCE_MS),
	    1);
	PQfinish(db);
	json_decref(ev);
	json_decref(r);
	free(tok);
	redisFree(sub);
	ts_client_free(c);
}
END_TEST

START_TEST(each_password_rule)
{
	static const struct {
		const char *pw, *rule;
	} cases[] = {
	    {"Sh0rt!x", "length"},         {"NOLOWER123!X", "lowercase"},
	    {"noupper123!x", "uppercase"}, {"NoDigitsHere!", "digit"},
	    {"NoSpecial1234", "special"},  {"Has Space12!x", "no_whitespace"},
	};
	struct ts_client *c = ts_client_connect(tenv.srv.port);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *r = ts_register_fresh(c, "ruled", cases[i].pw, NULL);

		ck_assert_int_eq(ts_error_code(r), 400);
		ck_assert_msg(ts_has_violation(r, "password", cases[i].rule),
		              "%s: rule %s not reported", cases[i].pw,
		              cases[i].rule);
		ck_assert_msg(ts_violation_count(r) == 1,
		              "%s: expected only %s", cases[i].pw,
		              cases[i].rule);
		json_decref(r);
	}
	ck_assert_int_eq(count_users(tenv.schema, "ruled"), 0);
	ts_client_free(c);
}
END_TEST

START_TEST(all_violations_together)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *tok = ts_form_token(c);
	json_t *r = ts_register_with(c, tok, "x", "a b", "not-an-email", NULL);

	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "username", "length"));
	ck_assert(ts_has_violation(r, "password", "length"));
	ck_assert(ts_has_violation(r, "password", "uppercase"));
	ck_assert(ts_has_violation(r, "password", "digit"));
	ck_assert(ts_has_violation(r, "password", "special"));
	ck_assert(ts_has_violation(r, "password", "no_whitespace"));
	ck_assert(ts_has_violation(r, "email", "format") ||
	          ts_violation_count(r) == 7);
	json_decref(r);
	/* Validation happens before the token is spent: it still works. */
	r = ts_register_with(c, tok, "violet", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	free(tok);
	ts_client_free(c);
}
END_TEST

START_TEST(username_format_and_whitespace)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char long_name[80];
	json_t *r;

	r = ts_register_fresh(c, "bad name!", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "username", "format"));
	json_decref(r);
	r = ts_register_fresh(c, "ab", TS_PASSWORD, NULL);
	ck_assert(ts_has_violation(r, "username", "length"));
	json_decref(r);
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	r = ts_register_fresh(c, long_name, TS_PASSWORD, NULL);
	ck_assert(ts_has_violation(r, "username", "length"));
	json_decref(r);
	r = ts_register_fresh(c, "   ", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_violation_count(r) >= 1);
	json_decref(r);
	r = ts_register_fresh(c, "\t dave.o-k_1 \n", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(ts_result(r), "user"), "username")),
	    "dave.o-k_1");
	json_decref(r);
	ck_assert_int_eq(count_users(tenv.schema, "dave.o-k_1"), 1);
	ts_client_free(c);
}
END_TEST

START_TEST(create_user_cli)
{
	const char *ok_args[] = {"create-user", "xena", "--email",
	                         "xena@example.com", NULL};
	const char *bad_args[] = {"create-user", "yuri", NULL};
	const char *usage_args[] = {"create-user", NULL};
	char *out = NULL, *err = NULL;
	json_t *u;
	PGconn *db;

	ck_assert_int_eq(ts_padlined_run(tenv.schema, NULL, ok_args,
	                                 TS_PASSWORD "\n", 60, &out, NULL),
	                 0);
	u = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(json_string_value(json_object_get(u, "username")),
	                 "xena");
	ck_assert_str_eq(json_string_value(json_object_get(u, "email")),
	                 "xena@example.com");
	ck_assert_int_eq(json_array_size(json_object_get(u, "roles")), 0);
	ck_assert_ptr_null(json_object_get(u, "password_hash"));
	json_decref(u);
	free(out);
	out = NULL;
	/* Same policy as user.register, every rule listed. */
	ck_assert_int_eq(ts_padlined_run(tenv.schema, NULL, bad_args, "weak\n",
	                                 60, NULL, &err),
	                 1);
	ck_assert_ptr_nonnull(strstr(err, "uppercase"));
	ck_assert_ptr_nonnull(strstr(err, "digit"));
	free(err);
	err = NULL;
	ck_assert_int_eq(ts_padlined_run(tenv.schema, NULL, ok_args,
	                                 TS_PASSWORD "\n", 60, NULL, &err),
	                 1);
	ck_assert_ptr_nonnull(strstr(err, "taken"));
	free(err);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, usage_args, "", 60, NULL, NULL),
	    2);
	db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log a JOIN "
	                             "users u ON u.id = a.subject_id WHERE "
	                             "u.username = 'xena' AND a.action = "
	                             "'user.created'",
	                             0, NULL),
	                 1);
	ck_assert_int_eq(count_users(tenv.schema, "yuri"), 0);
	PQfinish(db);
}
END_TEST

START_TEST(duplicate_and_case_insensitive)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = ts_register_fresh(c, "Erin", TS_PASSWORD, NULL);

	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = ts_register_fresh(c, "Erin", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "username_taken");
	json_decref(r);
	r = ts_register_fresh(c, "erin", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "username_taken");
	json_decref(r);
	ck_assert_int_eq(count_users(tenv.schema, "erin"), 1);
	ts_client_free(c);
}
END_TEST

START_TEST(forty_racers_one_name)
{
	struct racer rs[40];
	int ok, conflicts;

	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 40; i++) {
		rs[i].port = tenv.srv.port;
		rs[i].username = "racer";
		rs[i].password = TS_PASSWORD;
	}
	race(rs, 40, &ok, &conflicts);
	for (int i = 0; i < 40; i++)
		ck_assert_msg(rs[i].code == 0 || rs[i].code == 409,
		              "racer %d got %d", i, rs[i].code);
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(conflicts, 39);
	ck_assert_int_eq(count_users(tenv.schema, "racer"), 1);
}
END_TEST

START_TEST(invite_mode_one_code_one_user)
{
	const char *env[] = {"PADLINE_REGISTRATION=invite", NULL};
	struct ts_env inv;
	char names[10][16];
	struct ts_client *admin, *c;
	struct racer rs[10];
	int ok, conflicts, used = 0;
	json_t *r;
	char *code;
	PGconn *db;

	ts_env_start(&inv, &(const struct ts_env_opts){
	                       .prefix = "reginv",
	                       .env = env,
	                       .users = {{"inviter", 1, &admin}}});
	ck_assert_ptr_nonnull(admin);
	r = ts_call(admin, "invitation.create",
	            json_pack("{s:s}", "note", "for the race"));
	ck_assert_int_eq(ts_error_code(r), 0);
	code = strdup(json_string_value(json_object_get(ts_result(r), "code")));
	json_decref(r);

	c = ts_client_connect(inv.srv.port);
	r = ts_register_fresh(c, "noinvite", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "invitation", "required"));
	json_decref(r);
	r = ts_register_fresh(c, "wronginvite", TS_PASSWORD, "nope");
	ck_assert(ts_has_violation(r, "invitation", "invalid"));
	json_decref(r);
	/* A failed registration does not burn the code. */
	r = ts_register_fresh(c, "weakling", "weak", code);
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	db = inv.db;
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM invitations "
	                             "WHERE NOT used",
	                             0, NULL),
	                 1);
	/* Neither does a 409 after the invitation was taken. */
	r = ts_register_fresh(c, "inviter", TS_PASSWORD, code);
	ck_assert_int_eq(ts_error_code(r), 409);
	json_decref(r);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM invitations "
	                             "WHERE NOT used",
	                             0, NULL),
	                 1);

	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof names[i], "invited%d", i);
		rs[i].port = inv.srv.port;
		rs[i].username = names[i];
		rs[i].password = TS_PASSWORD;
		rs[i].invitation = code;
	}
	race(rs, 10, &ok, &conflicts);
	for (int i = 0; i < 10; i++) {
		ck_assert_msg(rs[i].code == 0 || rs[i].code == 400,
		              "racer %d got %d", i, rs[i].code);
		used += rs[i].invitation_used;
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(used, 9);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM users WHERE "
	                             "username LIKE 'invited%'",
	                             0, NULL),
	                 1);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM invitations i "
	                             "JOIN users u ON u.id = i.used_by_id "
	                             "WHERE i.used AND u.username LIKE "
	                             "'invited%'",
	                             0, NULL),
	                 1);
	free(code);
	ts_client_free(c);
	ts_env_stop(&inv);
}
END_TEST

START_TEST(closed_mode_refused)
{
	const char *env[] = {"PADLINE_REGISTRATION=closed", NULL};
	struct ts_server s2;
	char sch[64];
	struct ts_client *c;
	json_t *r;

	ts_unique_schema("regclosed", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s2, sch, env, NULL), 0);
	c = ts_client_connect(s2.port);
	r = ts_register_fresh(c, "henry", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 403);
	ck_assert_str_eq(ts_error_reason(r), "registration_closed");
	json_decref(r);
	ck_assert_int_eq(count_users(sch, "henry"), 0);
	/* The operator can still create users. */
	ck_assert_int_eq(ts_create_user(sch, "henry", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(count_users(sch, "henry"), 1);
	ts_client_free(c);
	ts_server_stop(&s2);
	ts_db_drop_schema(sch);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_register_input");
	TCase *tc = tcase_create("reg");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, happy_path_row_audit_event);
	tcase_add_test(tc, each_password_rule);
	tcase_add_test(tc, all_violations_together);
	tcase_add_test(tc, username_format_and_whitespace);
	tcase_add_test(tc, create_user_cli);
	tcase_add_test(tc, duplicate_and_case_insensitive);
	tcase_add_test(tc, forty_racers_one_name);
	tcase_add_test(tc, invite_mode_one_code_one_user);
	tcase_add_test(tc, closed_mode_refused);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
