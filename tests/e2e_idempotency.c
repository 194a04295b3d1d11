/*
 * Safe retries (docs/protocol.md): writes sent with an idempotency_key, on
 * two padlined sharing one schema. The same pad.create sent again after its
 * instance was killed -9 (after the answer, and racing the answer) makes
 * one pad and answers as the first did; the same key with other params is
 * 409 idempotency_mismatch; another user's key is its own; two requests
 * with one key at once run once; errors are not kept; expired keys are
 * purged; user.register is scoped by its form token; the event of an
 * idempotent write is still published.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tsupport.h"

/* Two padlined on one schema: tenv's and b. */
static struct ts_env tenv;
static struct ts_server b;
static const struct ts_env_opts opts = {
    .prefix = "idem",
    .users = {{"ida", 0}, {"idb", 0}},
};

static void
setup(void)
{
	ts_env_start(&tenv, &opts);
	ck_assert_int_eq(ts_server_start(&b, tenv.schema, NULL, NULL), 0);
}

static void
teardown(void)
{
	if (b.pid > 0)
		ts_server_stop(&b);
	ts_env_stop(&tenv);
}

static struct ts_client *
signed_in(struct ts_server *s, const char *user)
{
	struct ts_client *c = ts_client_connect(s->port);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, user, TS_PASSWORD), 0);
	return c;
}

static json_t *
create(struct ts_client *c, const char *name, const char *key)
{
	return ts_call(c, "pad.create",
	               json_pack("{s:s, s:s}", "display_name", name,
	                         "idempotency_key", key));
}

static long long
pads_named(const char *name)
{
	const char *p[] = {name};

	return ts_db_count(tenv.db,
	                   "SELECT count(*) FROM pads WHERE "
	                   "display_name = $1",
	                   1, p);
}

START_TEST(create_survives_kill_after_answer)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida"), *cb;
	json_t *first, *again;

	first = create(ca, "Killed after", "key-after-1");
	ck_assert_ptr_nonnull(ts_result(first));
	ts_server_kill(&tenv.srv);
	tenv.srv.pid = 0;
	ts_client_free(ca);
	cb = signed_in(&b, "ida");
	again = create(cb, "Killed after", "key-after-1");
	ck_assert_msg(ts_result(again) != NULL, "retry failed: %s",
	              ts_error_reason(again));
	ck_assert(json_equal(ts_result(first), ts_result(again)));
	ck_assert_int_eq(pads_named("Killed after"), 1);
	json_decref(first);
	json_decref(again);
	ts_client_free(cb);
}
END_TEST

/* The answer may or may not have been written: either way one pad, and the
 * retry's answer names it. */
START_TEST(create_survives_kill_racing_answer)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida"), *cb;
	const char *line =
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"pad.create\",\"params\":{\"display_name\":"
	    "\"Killed racing\",\"idempotency_key\":\"race-1\"}}\n";
	const char *p[] = {"Killed racing"};
	json_t *again;

	ck_assert_int_eq(ts_client_send_raw(ca, line, strlen(line)), 0);
	ts_server_kill(&tenv.srv);
	tenv.srv.pid = 0;
	ts_client_free(ca);
	cb = signed_in(&b, "ida");
	again = create(cb, "Killed racing", "race-1");
	ck_assert_msg(ts_result(again) != NULL, "retry failed: %s",
	              ts_error_reason(again));
	ck_assert_int_eq(pads_named("Killed racing"), 1);
	ck_assert_int_eq(
	    ts_db_count(tenv.db,
	                "SELECT count(*) FROM pads WHERE display_name = $1 "
	                "AND id::text = $2",
	                2,
	                (const char *[]){
	                    p[0], json_string_value(json_object_get(
	                              json_object_get(ts_result(again), "pad"),
	                              "id"))}),
	    1);
	json_decref(again);
	ts_client_free(cb);
}
END_TEST

START_TEST(same_key_other_params_refused)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida");
	json_t *r = create(ca, "Mismatch X", "key-m");

	ck_assert_ptr_nonnull(ts_result(r));
	json_decref(r);
	r = create(ca, "Mismatch Y", "key-m");
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "idempotency_mismatch");
	json_decref(r);
	/* Another method with the key is another request too. */
	r = ts_call(ca, "pad.update",
	            json_pack("{s:s, s:s, s:{}}", "id",
	                      "00000000-0000-4000-8000-000000000000",
	                      "idempotency_key", "key-m", "data"));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "idempotency_mismatch");
	json_decref(r);
	ck_assert_int_eq(pads_named("Mismatch X"), 1);
	ck_assert_int_eq(pads_named("Mismatch Y"), 0);
	ts_client_free(ca);
}
END_TEST

START_TEST(key_of_another_user_is_independent)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida"),
	                 *cb = signed_in(&b, "idb");
	json_t *r1 = create(ca, "Shared key", "key-shared");
	json_t *r2 = create(cb, "Shared key", "key-shared");

	ck_assert_ptr_nonnull(ts_result(r1));
	ck_assert_ptr_nonnull(ts_result(r2));
	ck_assert(!json_equal(ts_result(r1), ts_result(r2)));
	ck_assert_int_eq(pads_named("Shared key"), 2);
	json_decref(r1);
	json_decref(r2);
	ts_client_free(ca);
	ts_client_free(cb);
}
END_TEST

/* Both instances get the same request at once: one runs, the other waits
 * for it on the key and answers the same. */
START_TEST(concurrent_same_key_runs_once)
{
	for (int round = 0; round < 5; round++) {
		struct ts_client *ca = signed_in(&tenv.srv, "ida"),
		                 *cb = signed_in(&b, "ida");
		char line[256], name[32], key[32];
		char *l1, *l2;
		json_t *j1, *j2;

		snprintf(name, sizeof name, "Concurrent %d", round);
		snprintf(key, sizeof key, "conc-%d", round);
		snprintf(
		    line, sizeof line,
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pad.create\","
		    "\"params\":{\"display_name\":\"%s\","
		    "\"idempotency_key\":\"%s\"}}\n",
		    name, key);
		ck_assert_int_eq(ts_client_send_raw(ca, line, strlen(line)), 0);
		ck_assert_int_eq(ts_client_send_raw(cb, line, strlen(line)), 0);
		l1 = ts_client_read_line(ca, TS_PATIENCE_MS, NULL);
		l2 = ts_client_read_line(cb, TS_PATIENCE_MS, NULL);
		ck_assert_ptr_nonnull(l1);
		ck_assert_ptr_nonnull(l2);
		j1 = json_loads(l1, 0, NULL);
		j2 = json_loads(l2, 0, NULL);
		ck_assert_msg(ts_result(j1) && ts_result(j2), "%s / %s", l1,
		              l2);
		ck_assert(json_equal(ts_result(j1), ts_result(j2)));
		ck_assert_int_eq(pads_named(name), 1);
		json_decref(j1);
		json_decref(j2);
		free(l1);
		free(l2);
		ts_client_free(ca);
		ts_client_free(cb);
	}
}
END_TEST

START_TEST(malformed_key_refused)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida");
	char longkey[200];
	json_t *r;

	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	r = create(ca, "Bad key", longkey);
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	r = create(ca, "Bad key", "white space");
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	r = ts_call(ca, "pad.create",
	            json_pack("{s:s, s:i}", "display_name", "Bad key",
	                      "idempotency_key", 5));
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	ck_assert_int_eq(pads_named("Bad key"), 0);
	ts_client_free(ca);
}
END_TEST

/* A refused write keeps nothing: once the reason is gone, the same key
 * runs. */
START_TEST(errors_are_not_kept)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida");
	json_t *r = create(ca, "Taken", "key-plain"), *again;
	const char *id;

	ck_assert_ptr_nonnull(ts_result(r));
	id = json_string_value(
	    json_object_get(json_object_get(ts_result(r), "pad"), "id"));
	again = create(ca, "Taken", "key-err");
	ck_assert_str_eq(ts_error_reason(again), "name_taken");
	json_decref(again);
	again = ts_call(ca, "pad.delete", json_pack("{s:s}", "id", id));
	ck_assert_ptr_nonnull(ts_result(again));
	json_decref(again);
	again = create(ca, "Taken", "key-err");
	ck_assert_msg(ts_result(again) != NULL, "%s", ts_error_reason(again));
	json_decref(again);
	json_decref(r);
	ts_client_free(ca);
}
END_TEST

/* An expired key is a new key; writes purge expired rows of anyone. */
START_TEST(expired_keys_forgotten_and_purged)
{
	struct ts_client *ca = signed_in(&tenv.srv, "ida");
	json_t *r = create(ca, "Old X", "key-old");

	ck_assert_ptr_nonnull(ts_result(r));
	json_decref(r);
	ts_db_exec(tenv.db,
	           "INSERT INTO idempotency_keys (scope, key, method, "
	           "params_hash, result, created_at) SELECT 'user:gone', "
	           "'k' || g, 'pad.create', 'h', '{}', now() - interval "
	           "'25 hours' FROM generate_series(1, 3) g");
	ts_db_exec(tenv.db, "UPDATE idempotency_keys SET created_at = now() - "
	                    "interval '25 hours' WHERE key = 'key-old'");
	r = create(ca, "Old Y", "key-old");
	ck_assert_msg(ts_result(r) != NULL, "%s", ts_error_reason(r));
	json_decref(r);
	ck_assert_int_eq(pads_named("Old Y"), 1);
	ck_assert_int_eq(ts_db_count(tenv.db,
	                             "SELECT count(*) FROM idempotency_keys "
	                             "WHERE created_at < now() - interval "
	                             "'24 hours'",
	                             0, NULL),
	                 0);
	ts_client_free(ca);
}
END_TEST

START_TEST(register_retry_scoped_by_form_token)
{
	struct ts_client *ca = ts_client_connect(tenv.srv.port),
	                 *cb = ts_client_connect(b.port);
	json_t *hello = ts_call(ca, "server.hello", NULL), *r1, *r2;
	const char *tok =
	    json_string_value(json_object_get(ts_result(hello), "form_token"));
	json_t *params = json_pack("{s:s, s:s, s:s, s:s}", "form_token", tok,
	                           "username", "retried", "password",
	                           TS_PASSWORD, "idempotency_key", "reg-1");

	/* Slower than a bot: the form was filled in by a person. */
	sleep(2);
	r1 = ts_call(ca, "user.register", json_deep_copy(params));
	ck_assert_msg(ts_result(r1) != NULL, "%s", ts_error_reason(r1));
	r2 = ts_call(cb, "user.register", params);
	ck_assert_msg(ts_result(r2) != NULL, "%s", ts_error_reason(r2));
	ck_assert(json_equal(ts_result(r1), ts_result(r2)));
	ck_assert_int_eq(ts_db_count(tenv.db,
	                             "SELECT count(*) FROM users WHERE "
	                             "username = 'retried'",
	                             0, NULL),
	                 1);
	json_decref(r1);
	json_decref(r2);
	json_decref(hello);
	ts_client_free(ca);
	ts_client_free(cb);
}
END_TEST

/* The event of an idempotent write goes out once its transaction commits. */
START_TEST(idempotent_write_publishes_its_event)
{
	redisContext *rc = ts_redis_connect();
	struct ts_client *ca = signed_in(&tenv.srv, "ida");
	struct timeval tv = {TS_PATIENCE_MS / 1000, 0};
	char channel[128];
	redisReply *rr;
	json_t *r;
	const char *id;
	int seen = 0;

	ck_assert_ptr_nonnull(rc);
	rr = redisCommand(
	    rc, "SUBSCRIBE %s",
	    ts_events_channel(tenv.schema, channel, sizeof channel));
	ck_assert_ptr_nonnull(rr);
	freeReplyObject(rr);
	redisSetTimeout(rc, tv);
	r = create(ca, "Announced", "key-event");
	ck_assert_ptr_nonnull(ts_result(r));
	id = json_string_value(
	    json_object_get(json_object_get(ts_result(r), "pad"), "id"));
	while (!seen && redisGetReply(rc, (void **)&rr) == REDIS_OK) {
		if (rr->type == REDIS_REPLY_ARRAY && rr->elements == 3 &&
		    rr->element[2]->type == REDIS_REPLY_STRING &&
		    strstr(rr->element[2]->str, "pad.created") &&
		    strstr(rr->element[2]->str, id))
			seen = 1;
		freeReplyObject(rr);
	}
	ck_assert_msg(seen, "no pad.created event for %s", id);
	json_decref(r);
	redisFree(rc);
	ts_client_free(ca);
}
END_TEST

static Suite *
idempotency_suite(void)
{
	Suite *s = suite_create("idempotency");
	TCase *tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_survives_kill_after_answer);
	tcase_add_test(tc, create_survives_kill_racing_answer);
	tcase_add_test(tc, same_key_other_params_refused);
	tcase_add_test(tc, key_of_another_user_is_independent);
	tcase_add_test(tc, concurrent_same_key_runs_once);
	tcase_add_test(tc, malformed_key_refused);
	tcase_add_test(tc, errors_are_not_kept);
	tcase_add_test(tc, expired_keys_forgotten_and_purged);
	tcase_add_test(tc, register_retry_scoped_by_form_token);
	tcase_add_test(tc, idempotent_write_publishes_its_event);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ts_run(idempotency_suite());
}
