/*
 * What the operator's Held and Rules screens read, against real padlined,
 * PostgreSQL and Redis: rule.list's hits of the last hour per mode (the
 * mode each hit had, not the rule's mode now), rule.test replaying one
 * rule (by name or id, a disabled one too) as `padlined rules test` does,
 * and user.held listing the pending accounts a filter matches. Signups get
 * their address from a PROXY header sent from the trusted 127.0.0.1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;
static const char *const trust_env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32",
                                        NULL};
static const struct ts_env_opts opts = {.prefix = "rulescon", .env = trust_env};

/* Registers username from src (email may be NULL); the answer's code. */
static int
signup(const char *src, const char *username, const char *email)
{
	struct ts_client *c = ts_client_proxied(tenv.srv.port, src);
	char *tok = ts_form_token(c);
	json_t *r;
	int code;

	ck_assert_ptr_nonnull(tok);
	r = ts_register_with(c, tok, username, TS_PASSWORD, email, NULL);
	ck_assert_ptr_nonnull(r);
	code = ts_error_code(r);
	json_decref(r);
	free(tok);
	ts_client_free(c);
	return code;
}

/* name (created, an admin when admin) signed in through the proxy: every
 * 127.0.0.1 connection is the trusted proxy's. */
static struct ts_client *
signed_in(const char *name, int admin)
{
	struct ts_client *c;

	ck_assert_int_eq(ts_create_user(tenv.schema, name, TS_PASSWORD, admin),
	                 0);
	c = ts_client_proxied(tenv.srv.port, "192.0.2.250");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, name, TS_PASSWORD), 0);
	return c;
}

static struct ts_client *
admin(void)
{
	return signed_in("boss", 1);
}

/* rule.put with params as JSON text; the stored rule's id. */
static long long
put_rule(struct ts_client *adm, const char *json)
{
	json_t *res = ts_ok(adm, "rule.put", json_loads(json, 0, NULL));
	long long id = json_integer_value(
	    json_object_get(json_object_get(res, "rule"), "id"));

	json_decref(res);
	return id;
}

/* The rule named name in a rule.list result (borrowed). */
static json_t *
rule_named(json_t *list, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach (json_object_get(list, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")),
		           name) == 0)
			return r;
	ck_abort_msg("rule.list has no rule %s", name);
	return NULL;
}

static long long
hits(json_t *rule, const char *mode)
{
	json_t *h = json_object_get(json_object_get(rule, "hits_1h"), mode);

	ck_assert_msg(json_is_integer(h), "no hits_1h.%s", mode);
	return json_integer_value(h);
}

START_TEST(rule_list_counts_hits_per_mode_they_had)
{
	struct ts_client *adm = admin();
	json_t *list;

	put_rule(adm, "{\"name\":\"hold-evil\",\"when\":"
	              "\"domain:evil.example\",\"action\":\"hold\"}");
	ck_assert_int_eq(signup("198.51.100.1", "evil1", "a@evil.example"), 0);
	ck_assert_int_eq(signup("198.51.100.2", "evil2", "b@evil.example"), 0);
	/* The same rule in shadow now: its next hit is a shadow one. */
	put_rule(adm, "{\"name\":\"hold-evil\",\"when\":"
	              "\"domain:evil.example\",\"action\":\"hold\","
	              "\"mode\":\"shadow\"}");
	ck_assert_int_eq(signup("198.51.100.3", "evil3", "c@evil.example"), 0);
	ck_assert_int_eq(signup("198.51.100.4", "good4", "d@good.example"), 0);
	list = ts_ok(adm, "rule.list", NULL);
	ck_assert_int_eq(hits(rule_named(list, "hold-evil"), "enforce"), 2);
	ck_assert_int_eq(hits(rule_named(list, "hold-evil"), "shadow"), 1);
	/* A test's signup fills its form at once: each is a fast-fill hit. */
	ck_assert_int_eq(hits(rule_named(list, "fast-fill"), "enforce"), 4);
	ck_assert_int_eq(hits(rule_named(list, "net-velocity"), "enforce"), 0);
	ck_assert_int_eq(hits(rule_named(list, "net-velocity"), "shadow"), 0);
	json_decref(list);
	/* An attempt older than the hour is not counted. */
	ts_db_exec(tenv.db, "UPDATE signup_attempts SET at = now() - "
	                    "interval '61 minutes' WHERE username = 'evil1'");
	list = ts_ok(adm, "rule.list", NULL);
	ck_assert_int_eq(hits(rule_named(list, "hold-evil"), "enforce"), 1);
	json_decref(list);
	ts_client_free(adm);
}
END_TEST

/* The first rule of a rule.test result, with its name checked. */
static json_t *
replayed(json_t *res, const char *name)
{
	json_t *r = json_array_get(json_object_get(res, "rules"), 0);

	ck_assert_int_eq(json_array_size(json_object_get(res, "rules")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), name);
	return r;
}

static long long
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

START_TEST(rule_test_replays_one_rule)
{
	struct ts_client *adm = admin(), *user;
	char src[32], name[32], *out = NULL;
	const char *cli[] = {"rules", "test", "--rule", "net-velocity", NULL};
	json_t *res, *r;
	long long id;

	for (int i = 1; i <= 7; i++) {
		snprintf(src, sizeof src, "203.0.113.%d", 100 + i);
		snprintf(name, sizeof name, "replay%d", i);
		ck_assert_int_eq(
		    signup(src, name, i <= 2 ? "r@evil.example" : NULL), 0);
	}
	res =
	    ts_ok(adm, "rule.test", json_pack("{s:s}", "name", "net-velocity"));
	ck_assert_int_eq(num(res, "attempts"), 7);
	ck_assert_int_eq(num(res, "since_s"), 86400);
	r = replayed(res, "net-velocity");
	ck_assert_int_eq(num(r, "would_act"), 3);
	ck_assert_int_eq(num(r, "alarms"), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(r, "keys"), "203.0.113.0/24")),
	                 3);
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(r, "samples"), 0)),
	    "replay5");
	json_decref(res);
	/* The command line says the same: one code. */
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, NULL, cli, NULL, 60, &out, NULL), 0);
	ck_assert_msg(strstr(out, "net-velocity (alarm, enforce): would act "
	                          "on 3, alarms 1") != NULL,
	              "%s", out);
	free(out);
	/* A stored rule by id, turned off: replayed as if it were on. */
	id = put_rule(adm, "{\"name\":\"try-evil\",\"when\":"
	                   "\"domain:evil.example\",\"action\":\"block\","
	                   "\"enabled\":false}");
	res =
	    ts_ok(adm, "rule.test",
	          json_pack("{s:I, s:i}", "id", (json_int_t)id, "since_h", 1));
	ck_assert_int_eq(num(res, "since_s"), 3600);
	r = replayed(res, "try-evil");
	ck_assert_int_eq(num(r, "would_act"), 2);
	ck_assert_str_eq(json_string_value(json_object_get(r, "action")),
	                 "block");
	json_decref(res);
	/* Nothing it replayed changed anything. */
	ck_assert_int_eq(ts_db_count(tenv.db,
	                             "SELECT count(*) FROM signup_attempts "
	                             "WHERE outcome = 'refused'",
	                             0, NULL),
	                 0);
	/* Every rule in force without a name. */
	res = ts_ok(adm, "rule.test", json_object());
	ck_assert_int_ge(json_array_size(json_object_get(res, "rules")), 5);
	json_decref(res);
	ts_expect_err(adm, "rule.test", json_pack("{s:s}", "name", "nope"), 404,
	              "not_found");
	ts_expect_violation(adm, "rule.test", json_pack("{s:i}", "since_h", 0),
	                    "since_h", "range");
	user = signed_in("plain", 0);
	ts_expect_err(user, "rule.test", json_object(), 403, "forbidden");
	ts_client_free(user);
	ts_client_free(adm);
}
END_TEST

START_TEST(user_held_lists_pending_accounts_a_filter_matches)
{
	struct ts_client *adm = admin();
	char names[256], *rules;
	json_t *res, *u, *ids;

	put_rule(adm, "{\"name\":\"hold-net\",\"when\":"
	              "\"net:203.0.113.0/24\",\"action\":\"hold\"}");
	ck_assert_int_eq(signup("203.0.113.7", "wave1", NULL), 0);
	ck_assert_int_eq(signup("203.0.113.8", "wave2", "w@evil.example"), 0);
	ck_assert_int_eq(signup("198.51.100.9", "calm", NULL), 0);
	ck_assert_int_eq(signup("203.0.113.9", "wave3", NULL), 0);

	res = ts_ok(adm, "user.held", NULL);
	ts_usernames(res, names, sizeof names);
	ck_assert_str_eq(names, "wave3 wave2 wave1");
	ck_assert_int_eq(num(res, "count"), 3);
	ck_assert(json_is_false(json_object_get(res, "more")));
	u = json_array_get(json_object_get(res, "users"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(u, "status")),
	                 "pending");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(u, "signup"), "network")),
	                 "203.0.113.0/24");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(u, "signup"), "peer")),
	                 "203.0.113.9");
	rules = json_dumps(
	    json_object_get(json_object_get(u, "signup"), "rules"), 0);
	ck_assert_msg(strstr(rules, "\"hold-net\"") != NULL, "%s", rules);
	free(rules);
	json_decref(res);

	/* The filter language, and a limit that still counts them all. */
	res = ts_ok(adm, "user.held",
	            json_pack("{s:s}", "filter", "domain:evil.example"));
	ts_usernames(res, names, sizeof names);
	ck_assert_str_eq(names, "wave2");
	json_decref(res);
	res = ts_ok(adm, "user.held",
	            json_pack("{s:s, s:i}", "filter", "!wave2", "limit", 1));
	ts_usernames(res, names, sizeof names);
	ck_assert_str_eq(names, "wave3");
	ck_assert_int_eq(num(res, "count"), 2);
	json_decref(res);

	/* Approved, it is no longer held. */
	res = ts_ok(adm, "user.held", json_pack("{s:s}", "filter", "wave1"));
	ids = json_pack(
	    "{s:[O]}", "ids",
	    json_object_get(json_array_get(json_object_get(res, "users"), 0),
	                    "id"));
	json_decref(res);
	json_decref(ts_ok(adm, "user.approve", ids));
	res = ts_ok(adm, "user.held", NULL);
	ts_usernames(res, names, sizeof names);
	ck_assert_str_eq(names, "wave3 wave2");
	json_decref(res);

	ts_expect_err(adm, "user.held", json_pack("{s:s}", "filter", "nett:x"),
	              -32602, "bad_filter");
	ts_expect_violation(adm, "user.held", json_pack("{s:i}", "limit", 0),
	                    "limit", "range");
	ts_client_free(adm);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rules_console");
	TCase *tc = tcase_create("rules_console");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, rule_list_counts_hits_per_mode_they_had);
	tcase_add_test(tc, rule_test_replays_one_rule);
	tcase_add_test(tc, user_held_lists_pending_accounts_a_filter_matches);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
