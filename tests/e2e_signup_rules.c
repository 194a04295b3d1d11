/*
 * Signup defense's rules against real padlined, PostgreSQL and Redis: the
 * defaults of a fresh deployment, block, hold (then approve or reject) and
 * shadow, the command line's rules and their replay over stored attempts,
 * and what admins read of the attempts. Signups get their address from a
 * PROXY header sent by this test from a trusted 127.0.0.1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signup_suite.h"
#include "tsupport.h"

/* An admin signed in through the proxy (every 127.0.0.1 connection is
 * the trusted proxy's). */
static struct ts_client *
admin_client(void)
{
	struct ts_client *c;

	if (ts_create_user(tenv.schema, "boss", TS_PASSWORD, 1) != 0)
		return NULL;
	c = ts_client_proxied(tenv.srv.port, "192.0.2.250");
	if (ts_login(c, "boss", TS_PASSWORD) != 0) {
		ts_client_free(c);
		return NULL;
	}
	return c;
}

/* rule.put with params (JSON text). */
static json_t *
put_rule(struct ts_client *admin, const char *json)
{
	json_t *r = ts_call(admin, "rule.put", json_loads(json, 0, NULL));

	ck_assert_msg(ts_error_code(r) == 0, "rule.put failed");
	return r;
}

START_TEST(disposable_blocked_by_rule)
{
	struct ts_client *admin = admin_client();
	json_t *r;
	char *text;

	ck_assert_ptr_nonnull(admin);
	json_decref(put_rule(admin, "{\"name\":\"disposable\",\"when\":"
	                            "\"disposable\",\"action\":\"block\"}"));
	r = signup("203.0.113.30", "burner", "b@mailinator.com");
	ck_assert_int_eq(ts_error_code(r), 403);
	ck_assert_str_eq(ts_error_reason(r), "registration_refused");
	/* Nothing about the rule in the answer. */
	text = json_dumps(r, 0);
	ck_assert(strstr(text, "disposable") == NULL);
	free(text);
	json_decref(r);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM users WHERE username = $1", "burner"),
	    0);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE username = $1 "
	          "AND outcome = 'refused' AND rules @> '{disposable}' AND "
	          "reason = 'blocked by rule disposable'",
	          "burner"),
	    1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = "
	                       "'signup.refused' AND details->>'username' = $1",
	                       "burner"),
	                 1);
	/* The same domain elsewhere is untouched. */
	r = signup("203.0.113.31", "kept", "k@example.org");
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ts_client_free(admin);
}
END_TEST

START_TEST(hold_then_approve_or_reject)
{
	struct ts_client *admin = admin_client();
	redisContext *sub = ts_event_subscribe(tenv.schema);
	struct ts_client *c;
	json_t *r, *ev;
	char held[40], other[40];

	ck_assert_ptr_nonnull(admin);
	json_decref(put_rule(admin, "{\"name\":\"hold-net\",\"when\":"
	                            "\"net:203.0.113.0/24\",\"action\":"
	                            "\"hold\"}"));
	r = signup("203.0.113.40", "waiting", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ts_result(r), "user"), "status")),
	                 "pending");
	snprintf(held, sizeof held, "%s", user_id(r));
	json_decref(r);
	ev = ts_event_wait(sub, "user.held", "username", "waiting",
	                   TS_PATIENCE_MS);
	ck_assert_ptr_nonnull(ev);
	json_decref(ev);
	c = ts_client_proxied(tenv.srv.port, "192.0.2.251");
	r = ts_call(c, "session.login",
	            json_pack("{s:s, s:s}", "username", "waiting", "password",
	                      TS_PASSWORD));
	ck_assert_int_eq(ts_error_code(r), 403);
	ck_assert_str_eq(ts_error_reason(r), "pending_approval");
	json_decref(r);
	r = ts_call(admin, "user.approve", json_pack("{s:[s]}", "ids", held));
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_int_eq(
	    json_array_size(json_object_get(ts_result(r), "users")), 1);
	json_decref(r);
	ck_assert_int_eq(ts_login(c, "waiting", TS_PASSWORD), 0);
	ts_client_free(c);

	r = signup("203.0.113.41", "refusee", NULL);
	snprintf(other, sizeof other, "%s", user_id(r));
	json_decref(r);
	r = ts_call(admin, "user.reject", json_pack("{s:[s]}", "ids", other));
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(ts_result(r), "users"), 0),
	        "status")),
	    "rejected");
	json_decref(r);
	c = ts_client_proxied(tenv.srv.port, "192.0.2.251");
	ck_assert_int_ne(ts_login(c, "refusee", TS_PASSWORD), 0);
	ts_client_free(c);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE outcome = "
	          "'held' AND username = $1",
	          "waiting"),
	    1);
	redisFree(sub);
	ts_client_free(admin);
}
END_TEST

START_TEST(shadow_changes_nothing_and_records)
{
	struct ts_client *admin = admin_client();
	redisContext *sub = ts_event_subscribe(tenv.schema);
	json_t *r, *ev;

	ck_assert_ptr_nonnull(admin);
	json_decref(put_rule(admin, "{\"name\":\"try-block\",\"when\":"
	                            "\"net:203.0.113.0/24\",\"action\":"
	                            "\"block\",\"mode\":\"shadow\"}"));
	r = signup("203.0.113.50", "shadowed", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ts_result(r), "user"), "status")),
	                 "active");
	json_decref(r);
	ev = ts_event_wait(sub, "signup.shadow", "rule", "try-block",
	                   TS_PATIENCE_MS);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ev, "subject"), "action")),
	                 "block");
	json_decref(ev);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE outcome = "
	          "'created' AND rules @> '{try-block}' AND username = $1",
	          "shadowed"),
	    1);
	redisFree(sub);
	ts_client_free(admin);
}
END_TEST

START_TEST(default_rules_on_a_fresh_deployment)
{
	struct ts_client *admin = admin_client();
	json_t *r = ts_call(admin, "rule.list", NULL), *rules;

	ck_assert_int_eq(ts_error_code(r), 0);
	rules = json_object_get(ts_result(r), "rules");
	ck_assert_int_eq(json_array_size(rules), 6);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(rules, 5), "action")),
	                 "block");
	json_decref(r);
	/* Put by name updates. */
	json_decref(put_rule(admin, "{\"name\":\"net-velocity\",\"when\":"
	                            "\"net-velocity\",\"threshold\":7,"
	                            "\"action\":\"alarm\"}"));
	ck_assert_int_eq(count("SELECT count(*) FROM signup_rules WHERE "
	                       "name = $1 AND threshold = 7",
	                       "net-velocity"),
	                 1);
	r = ts_call(admin, "rule.list", NULL);
	rules = json_object_get(ts_result(r), "rules");
	ck_assert_int_eq(json_array_size(rules), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_array_get(rules, 5), "threshold")),
	                 7);
	json_decref(r);
	ts_client_free(admin);
}
END_TEST

/* The command line's rules are the server's: added, enforced, listed,
 * removed. */
START_TEST(rules_from_the_command_line)
{
	const char *add[] = {
	    "rules", "add",      "no-evil", "domain:evil.example",
	    "block", "--window", "120",     NULL};
	const char *list[] = {"rules", "list", NULL};
	const char *rm[] = {"rules", "rm", "no-evil", NULL};
	char *out = NULL;
	json_t *r;

	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, add, NULL, 60, &out, NULL), 0);
	free(out);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, list, NULL, 60, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "no-evil"));
	ck_assert_ptr_nonnull(strstr(out, "net-velocity"));
	free(out);
	r = signup("203.0.113.70", "evildoer", "e@evil.example");
	ck_assert_int_eq(ts_error_code(r), 403);
	json_decref(r);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, rm, NULL, 60, &out, NULL), 0);
	free(out);
	ck_assert_int_eq(count("SELECT count(*) FROM signup_rules", NULL), 0);
}
END_TEST

/* rules test replays the stored attempts against the rules in force, a
 * rule added afterwards included. */
START_TEST(rules_test_replays_the_attempts)
{
	const char *add[] = {
	    "rules", "add",    "try-evil", "domain:evil.example",
	    "block", "--mode", "shadow",   NULL};
	const char *velocity[] = {"rules",  "test",         "--since", "1h",
	                          "--rule", "net-velocity", NULL};
	const char *evil[] = {"rules", "test", "--rule", "try-evil", NULL};
	char src[32], name[32], *out = NULL;

	for (int i = 1; i <= 7; i++) {
		snprintf(src, sizeof src, "203.0.113.%d", 100 + i);
		snprintf(name, sizeof name, "replay%d", i);
		json_decref(
		    signup(src, name, i <= 2 ? "r@evil.example" : NULL));
	}
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, add, NULL, 60, &out, NULL), 0);
	free(out);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, velocity, NULL, 60, &out, NULL),
	    0);
	ck_assert_msg(strstr(out, "7 attempts") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "net-velocity (alarm, enforce): would act "
	                          "on 3, alarms 1") != NULL,
	              "%s", out);
	ck_assert_msg(strstr(out, "key 203.0.113.0/24: 3") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "e.g. replay5") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "fast-fill") == NULL, "%s", out);
	free(out);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, evil, NULL, 60, &out, NULL), 0);
	ck_assert_msg(strstr(out, "try-evil (block, shadow): would act on 2, "
	                          "alarms 1") != NULL,
	              "%s", out);
	free(out);
}
END_TEST

START_TEST(attempts_and_stats_for_admins)
{
	struct ts_client *admin;
	json_t *r, *res, *list;
	long long next;

	json_decref(signup("203.0.113.80", "pagea", NULL));
	json_decref(signup("203.0.113.81", "pageb", NULL));
	json_decref(signup("198.51.100.80", "other", "o@mailinator.com"));
	r = signup("203.0.113.82", "x", NULL); /* invalid */
	json_decref(r);
	admin = admin_client();
	ck_assert_ptr_nonnull(admin);
	/* The filter language, newest first, paged. */
	r = ts_call(admin, "signup.attempts",
	            json_pack("{s:s, s:i}", "filter", "net:203.0.113.0/24 !x",
	                      "limit", 2));
	ck_assert_int_eq(ts_error_code(r), 0);
	res = ts_result(r);
	list = json_object_get(res, "attempts");
	ck_assert_int_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(list, 0), "outcome")),
	                 "invalid");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(list, 1), "username")),
	                 "pageb");
	next = json_integer_value(json_object_get(res, "next"));
	ck_assert_int_gt(next, 0);
	json_decref(r);
	r = ts_call(admin, "signup.attempts",
	            json_pack("{s:s, s:i, s:I}", "filter", "net:203.0.113.0/24",
	                      "limit", 2, "after", (json_int_t)next));
	list = json_object_get(ts_result(r), "attempts");
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(list, 0), "username")),
	                 "pagea");
	ck_assert(json_is_null(json_object_get(ts_result(r), "next")));
	json_decref(r);
	r = ts_call(admin, "signup.attempts",
	            json_pack("{s:s}", "filter", "flag:disposable"));
	list = json_object_get(ts_result(r), "attempts");
	ck_assert_int_eq(json_array_size(list), 1);
	json_decref(r);
	r = ts_call(admin, "signup.attempts",
	            json_pack("{s:s}", "filter", "nett:1"));
	ck_assert_int_eq(ts_error_code(r), -32602);
	json_decref(r);
	/* Stats: the window's minutes and its top keys. */
	r = ts_call(admin, "signup.stats", json_pack("{s:i}", "window_min", 5));
	ck_assert_int_eq(ts_error_code(r), 0);
	res = ts_result(r);
	ck_assert_int_eq(json_array_size(json_object_get(res, "series")), 5);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "top_networks"), 0),
	        "key")),
	    "203.0.113.0/24");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_array_get(json_object_get(res, "top_networks"), 0),
	        "count")),
	    3);
	json_decref(r);
	ts_client_free(admin);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_signup_rules");
	TCase *tc = tcase_create("rules");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, disposable_blocked_by_rule);
	tcase_add_test(tc, hold_then_approve_or_reject);
	tcase_add_test(tc, shadow_changes_nothing_and_records);
	tcase_add_test(tc, default_rules_on_a_fresh_deployment);
	tcase_add_test(tc, rules_from_the_command_line);
	tcase_add_test(tc, attempts_and_stats_for_admins);
	tcase_add_test(tc, rules_test_replays_the_attempts);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
