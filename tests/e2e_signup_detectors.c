/*
 * Signup defense's detectors against real padlined, PostgreSQL and Redis:
 * every attempt recorded in signup_attempts (and purged when old), the
 * velocity alarms (once per rule and key per window, across instances, in
 * memory while Redis is away), fast fill and disposable flags. Signups get
 * their address from a PROXY header sent by this test from a trusted
 * 127.0.0.1, as a load balancer would.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signup_suite.h"
#include "tsupport.h"

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
	Suite *s = suite_create("e2e_signup_detectors");
	TCase *tc = tcase_create("signup");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, net_velocity_alarms_once_per_window);
	tcase_add_test(tc, two_instances_alarm_once);
	tcase_add_test(tc, random_names_form_one_shape);
	tcase_add_test(tc, fast_fill_and_disposable_are_flagged);
	tcase_add_test(tc, every_outcome_is_recorded);
	tcase_add_test(tc, redis_down_counts_per_instance);
	tcase_add_test(tc, ipv6_networks_are_48s);
	tcase_add_test(tc, old_attempts_are_purged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
