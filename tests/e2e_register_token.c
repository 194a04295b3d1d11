/* user.register's form tokens end to end: required, unforgeable and single
 * use, across instances too; checked with the other input rules, before the
 * password hash; spent in the registration's transaction, so a refused
 * registration keeps its token and a race spends it once; they expire. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "register_suite.h"
#include "tsupport.h"

START_TEST(form_token_missing_forged_reused)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *tok = ts_form_token(c), *forged = strdup(tok);
	json_t *r;

	r = ts_register_with(c, NULL, "frank", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "form_token", "required"));
	json_decref(r);
	r = ts_register_with(c, "not-a-token", "frank", TS_PASSWORD, NULL,
	                     NULL);
	ck_assert(ts_has_violation(r, "form_token", "invalid"));
	json_decref(r);
	/* Flip one hex digit of the MAC. */
	forged[strlen(forged) - 1] =
	    forged[strlen(forged) - 1] == '0' ? '1' : '0';
	r = ts_register_with(c, forged, "frank", TS_PASSWORD, NULL, NULL);
	ck_assert(ts_has_violation(r, "form_token", "invalid"));
	json_decref(r);
	/* A later expiry with the old MAC is forged too. */
	memcpy(forged, tok, strlen(tok));
	forged[32] = forged[32] == 'f' ? 'e' : 'f';
	r = ts_register_with(c, forged, "frank", TS_PASSWORD, NULL, NULL);
	ck_assert(ts_has_violation(r, "form_token", "invalid"));
	json_decref(r);
	ck_assert_int_eq(count_users(tenv.schema, "frank"), 0);

	r = ts_register_with(c, tok, "frank", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = ts_register_with(c, tok, "frank2", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "form_token", "reused"));
	json_decref(r);
	ck_assert_int_eq(count_users(tenv.schema, "frank2"), 0);
	free(tok);
	free(forged);
	ts_client_free(c);
}
END_TEST

/* The token's MAC and expiry are checked with the other input rules,
 * before the argon2 hash: a request without a valid token costs no hash,
 * and its violations come with the others. */
START_TEST(form_token_checked_before_hashing)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *tok = ts_form_token(c);
	json_t *r;

	r = ts_register_with(c, NULL, "gina", "short", NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "form_token", "required"));
	ck_assert(ts_has_violation(r, "password", "length"));
	json_decref(r);
	tok[strlen(tok) - 1] = tok[strlen(tok) - 1] == '0' ? '1' : '0';
	r = ts_register_with(c, tok, "bad name!", TS_PASSWORD, NULL, NULL);
	ck_assert(ts_has_violation(r, "form_token", "invalid"));
	ck_assert(ts_has_violation(r, "username", "format"));
	json_decref(r);
	free(tok);
	ts_client_free(c);
}
END_TEST

START_TEST(form_token_once_across_instances)
{
	struct ts_server s2;
	struct ts_client *a, *b;
	char *tok;
	json_t *r;

	/* A second padlined on the same schema and secret. */
	ck_assert_int_eq(ts_server_start(&s2, tenv.schema, NULL, NULL), 0);
	a = ts_client_connect(tenv.srv.port);
	b = ts_client_connect(s2.port);
	tok = ts_form_token(a);
	r = ts_register_with(b, tok, "wanda", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = ts_register_with(a, tok, "wanda2", TS_PASSWORD, NULL, NULL);
	ck_assert(ts_has_violation(r, "form_token", "reused"));
	json_decref(r);
	free(tok);
	ts_client_free(a);
	ts_client_free(b);
	ts_server_stop(&s2);
}
END_TEST

START_TEST(form_token_expired)
{
	const char *env[] = {"PADLINE_FORM_TOKEN_TTL=1", NULL};
	struct ts_server s2;
	char sch[64];
	struct ts_client *c;
	char *tok;
	json_t *r;

	ts_unique_schema("regttl", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s2, sch, env, NULL), 0);
	c = ts_client_connect(s2.port);
	tok = ts_form_token(c);
	sleep(2);
	r = ts_register_with(c, tok, "gina", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "form_token", "expired"));
	json_decref(r);
	ck_assert_int_eq(count_users(sch, "gina"), 0);
	free(tok);
	ts_client_free(c);
	ts_server_stop(&s2);
	ts_db_drop_schema(sch);
}
END_TEST

/* The token is spent in the registration's transaction: one the
 * transaction refuses (the name taken, found by the unique index) rolls
 * the spend back, and the same token then registers another name. */
START_TEST(form_token_kept_by_refused_registration)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *first = ts_form_token(c), *tok = ts_form_token(c);
	json_t *r;

	r = ts_register_with(c, first, "ursula", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = ts_register_with(c, tok, "Ursula", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "username_taken");
	json_decref(r);
	r = ts_register_with(c, tok, "ursula2", TS_PASSWORD, NULL, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ck_assert_int_eq(count_users(tenv.schema, "ursula2"), 1);
	/* And it is spent now. */
	r = ts_register_with(c, tok, "ursula3", TS_PASSWORD, NULL, NULL);
	ck_assert(ts_has_violation(r, "form_token", "reused"));
	json_decref(r);
	free(first);
	free(tok);
	ts_client_free(c);
}
END_TEST

/* One token, eight registrations of different names at once: the spend
 * waits on the first uncommitted one, so exactly one registers. */
START_TEST(form_token_spent_once_in_a_race)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *tok = ts_form_token(c), names[8][16];
	struct racer rs[8];
	int ok, conflicts, reused = 0;

	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 8; i++) {
		snprintf(names[i], sizeof names[i], "tokrace%d", i);
		rs[i].port = tenv.srv.port;
		rs[i].username = names[i];
		rs[i].password = TS_PASSWORD;
		rs[i].token = tok;
	}
	race(rs, 8, &ok, &conflicts);
	for (int i = 0; i < 8; i++)
		reused += rs[i].token_reused;
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(reused, 7);
	free(tok);
	ts_client_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_register_token");
	TCase *tc = tcase_create("token");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, form_token_missing_forged_reused);
	tcase_add_test(tc, form_token_checked_before_hashing);
	tcase_add_test(tc, form_token_once_across_instances);
	tcase_add_test(tc, form_token_kept_by_refused_registration);
	tcase_add_test(tc, form_token_spent_once_in_a_race);
	tcase_add_test(tc, form_token_expired);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
