/*
 * Signup defense against real padlined, PostgreSQL and Redis: every
 * attempt recorded in signup_attempts, the velocity alarms (once per rule
 * and key per window, across instances, in memory while Redis is away),
 * fast fill and disposable flags, and the rules' hold, block and shadow.
 * Signups get their address from a PROXY header sent by this test from a
 * trusted 127.0.0.1, as a load balancer would.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

#define TRUST "PADLINE_TRUSTED_PROXIES=127.0.0.1/32"

static struct ts_env tenv;
static const char *const trust_env[] = {TRUST, NULL};
static const struct ts_env_opts opts = {.prefix = "signup", .env = trust_env};

/* Registers username (email may be NULL) from src through port. */
static json_t *
signup_at(int port, const char *src, const char *username, const char *email)
{
	json_t *r = ts_register_proxied(port, src, username, email);

	ck_assert_ptr_nonnull(r);
	return r;
}

static json_t *
signup(const char *src, const char *username, const char *email)
{
	return signup_at(tenv.srv.port, src, username, email);
}

static long long
count(const char *sql, const char *param)
{
	PGconn *db = ts_db_connect(tenv.schema);
	const char *const p[] = {param};
	long long n = ts_db_count(db, sql, param ? 1 : 0, p);

	PQfinish(db);
	return n;
}

static long long
alarms(const char *rule)
{
	return count("SELECT count(*) FROM audit_log WHERE action = "
	             "'signup.alarm' AND details->'subject'->>'rule' = $1",
	             rule);
}

/* Waits for the signup.alarm of rule (generous: it only catches a hang). */
static json_t *
wait_alarm(redisContext *sub, const char *rule)
{
	json_t *ev =
	    ts_event_wait(sub, "signup.alarm", "rule", rule, TS_PATIENCE_MS);

	ck_assert_msg(ev != NULL, "no signup.alarm for %s", rule);
	return ev;
}

static const char *
user_id(const json_t *r)
{
	return json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id"));
}

START_TEST(net_velocity_alarms_once_per_window)
{
	redisContext *sub = ts_event_subscribe(tenv.schema);
	char ids[9][40], src[32], name[32];
	long long fifth_ms = 0, got_ms;
	json_t *ev, *uids;

	ck_assert_ptr_nonnull(sub);
	for (int i = 1; i <= 9; i++) {
		json_t *r;

		snprintf(src, sizeof src, "203.0.113.%d", i);
		snprintf(name, sizeof name, "wave%d", i);
		r = signup(src, name, NULL);
		ck_assert_int_eq(ts_error_code(r), 0);
		snprintf(ids[i - 1], sizeof ids[0], "%s", user_id(r));
		json_decref(r);
		if (i == 5)
			fifth_ms = ts_now_ms();
	}
	ev = wait_alarm(sub, "net-velocity");
	got_ms = ts_now_ms();
	fprintf(stderr,
	        "signup: net-velocity alarm %lld ms after the fifth "
	        "signup's answer (upper bound)\n",
	        got_ms - fifth_ms);
	json_t *s = json_object_get(ev, "subject");
	ck_assert_str_eq(json_string_value(json_object_get(s, "key")),
	                 "203.0.113.0/24");
	ck_assert_int_eq(json_integer_value(json_object_get(s, "count")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "window_s")),
	                 60);
	uids = json_object_get(s, "user_ids");
	ck_assert_int_eq(json_array_size(uids), 5);
	for (int i = 0; i < 5; i++)
		ck_assert_str_eq(json_string_value(json_array_get(uids, i)),
		                 ids[i]);
	json_decref(ev);
	/* A tenth in the same window: counted, no second alarm. */
	json_decref(signup("203.0.113.10", "wave10", NULL));
	ck_assert_int_eq(alarms("net-velocity"), 1);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE network = $1 "
	          "AND outcome = 'created'",
	          "203.0.113.0/24"),
	    10);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE rules @> "
	          "ARRAY['net-velocity'] AND network = $1",
	          "203.0.113.0/24"),
	    6);
	redisFree(sub);
}
END_TEST

START_TEST(two_instances_alarm_once)
{
	const char *env[] = {TRUST, NULL};
	struct ts_server other;
	char src[32], name[32];

	ck_assert_int_eq(ts_server_start(&other, tenv.schema, env, NULL), 0);
	for (int i = 1; i <= 8; i++) {
		snprintf(src, sizeof src, "198.51.100.%d", i);
		snprintf(name, sizeof name, "pair%d", i);
		json_decref(signup_at(i % 2 ? tenv.srv.port : other.port, src,
		                      name, NULL));
	}
	ck_assert_int_eq(alarms("net-velocity"), 1);
	ck_assert_int_eq(ts_server_stop(&other), 0);
}
END_TEST

START_TEST(random_names_form_one_shape)
{
	redisContext *sub = ts_event_subscribe(tenv.schema);
	char src[32], name[16];
	json_t *ev;

	ck_assert_ptr_nonnull(sub);
	srand((unsigned)getpid());
	for (int i = 1; i <= 20; i++) {
		for (int k = 0; k < 10; k++)
			name[k] = (char)('a' + rand() % 26);
		name[10] = '\0';
		snprintf(src, sizeof src, "10.%d.0.1", i);
		json_decref(signup(src, name, NULL));
	}
	ev = wait_alarm(sub, "shape-velocity");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ev, "subject"), "key")),
	                 "a10");
	json_decref(ev);
	ck_assert_int_eq(alarms("shape-velocity"), 1);
	ck_assert_int_eq(count("SELECT count(DISTINCT shape) FROM "
	                       "signup_attempts WHERE shape = $1",
	                       "a10"),
	                 1);
	redisFree(sub);
}
END_TEST

START_TEST(fast_fill_and_disposable_are_flagged)
{
	struct ts_client *c;
	char *tok;
	json_t *r;

	json_decref(signup("203.0.113.20", "quick", "q@mailinator.com"));
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE username = $1 "
	          "AND flags @> '{fast,disposable}' AND fill_ms < 1500 AND "
	          "email_domain = 'mailinator.com'",
	          "quick"),
	    1);
	/* A form filled in more than 1.5 s is no fast fill. */
	c = ts_client_proxied(tenv.srv.port, "203.0.113.21");
	tok = ts_form_token(c);
	sleep(2);
	r = ts_register_with(c, tok, "slow", TS_PASSWORD, "s@example.org",
	                     NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	free(tok);
	ts_client_free(c);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM signup_attempts WHERE username = $1 "
	          "AND flags = '{}' AND fill_ms >= 1500",
	          "slow"),
	    1);
}
END_TEST

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

START_TEST(every_outcome_is_recorded)
{
	json_t *r;

	json_decref(signup("203.0.113.60", "dup", NULL));
	r = signup("203.0.113.61", "dup", NULL);
	ck_assert_int_eq(ts_error_code(r), 409);
	json_decref(r);
	r = signup("203.0.113.62", "x", NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	ck_assert_int_eq(count("SELECT count(*) FROM signup_attempts WHERE "
	                       "outcome = $1 AND peer = '203.0.113.61'",
	                       "duplicate"),
	                 1);
	ck_assert_int_eq(count("SELECT count(*) FROM signup_attempts WHERE "
	                       "outcome = $1 AND peer = '203.0.113.62'",
	                       "invalid"),
	                 1);
}
END_TEST

/* IPv6 signups are grouped by /48. */
START_TEST(ipv6_networks_are_48s)
{
	json_t *r = signup("2001:db8:1:2::7", "sixer", NULL);

	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ck_assert_int_eq(count("SELECT count(*) FROM signup_attempts WHERE "
	                       "network = $1 AND peer = '2001:db8:1:2::7'",
	                       "2001:db8:1::/48"),
	                 1);
}
END_TEST

/* Attempts older than PADLINE_SIGNUP_RETENTION days go; younger stay. */
START_TEST(old_attempts_are_purged)
{
	const char *env[] = {TRUST, "PADLINE_SIGNUP_RETENTION=1", NULL};
	struct ts_server other;
	PGconn *db = ts_db_connect(tenv.schema);

	ts_db_exec(db, "INSERT INTO signup_attempts (at, outcome, username) "
	               "VALUES (now() - interval '2 days', 'created', 'old'), "
	               "(now() - interval '12 hours', 'created', 'young')");
	/* A starting instance purges at once. */
	ck_assert_int_eq(ts_server_start(&other, tenv.schema, env, NULL), 0);
	ck_assert_int_eq(ts_db_wait_count(db,
	                                  "SELECT count(*) FROM "
	                                  "signup_attempts WHERE username = "
	                                  "'old'",
	                                  0, NULL, 0, TS_PATIENCE_MS),
	                 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM signup_attempts "
	                             "WHERE username = 'young'",
	                             0, NULL),
	                 1);
	PQfinish(db);
	ck_assert_int_eq(ts_server_stop(&other), 0);
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

/* Redis lost in the middle of a wave: each instance counts alone, and says
 * so once. */
START_TEST(redis_down_counts_per_instance)
{
	struct ts_redis red;
	struct ts_server s2;
	char env_redis[64], sch[64], src[32], name[32], *log;
	const char *env[] = {TRUST, env_redis, NULL};
	PGconn *db;
	const char *needle = "signup detectors count per instance";

	ck_assert_int_eq(ts_redis_start(&red, NULL), 0);
	snprintf(env_redis, sizeof env_redis,
	         "REDIS_URL=redis://127.0.0.1:%d/0", red.port);
	ts_unique_schema("signupr", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s2, sch, env, NULL), 0);
	for (int i = 1; i <= 7; i++) {
		if (i == 3)
			ts_redis_stop(&red);
		snprintf(src, sizeof src, "192.0.2.%d", i);
		snprintf(name, sizeof name, "lost%d", i);
		json_decref(signup_at(s2.port, src, name, NULL));
	}
	db = ts_db_connect(sch);
	/* Counted from the loss on: the fifth after it crosses. */
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'signup.alarm' AND "
	                             "details->'subject'->>'rule' = "
	                             "'net-velocity'",
	                             0, NULL),
	                 1);
	PQfinish(db);
	log = ts_file_read(s2.log_path);
	ck_assert_ptr_nonnull(strstr(log, needle));
	ck_assert_ptr_null(strstr(strstr(log, needle) + 1, needle));
	free(log);
	ts_server_kill(&s2);
	ts_db_drop_schema(sch);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("signup");
	TCase *tc = tcase_create("signup");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, net_velocity_alarms_once_per_window);
	tcase_add_test(tc, two_instances_alarm_once);
	tcase_add_test(tc, random_names_form_one_shape);
	tcase_add_test(tc, fast_fill_and_disposable_are_flagged);
	tcase_add_test(tc, disposable_blocked_by_rule);
	tcase_add_test(tc, hold_then_approve_or_reject);
	tcase_add_test(tc, shadow_changes_nothing_and_records);
	tcase_add_test(tc, every_outcome_is_recorded);
	tcase_add_test(tc, default_rules_on_a_fresh_deployment);
	tcase_add_test(tc, redis_down_counts_per_instance);
	tcase_add_test(tc, rules_from_the_command_line);
	tcase_add_test(tc, attempts_and_stats_for_admins);
	tcase_add_test(tc, rules_test_replays_the_attempts);
	tcase_add_test(tc, ipv6_networks_are_48s);
	tcase_add_test(tc, old_attempts_are_purged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
