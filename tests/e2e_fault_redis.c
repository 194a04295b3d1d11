/* Redis goes away: registrations and logins still succeed (events wait in
 * the audit outbox, rate limits fail open), and once Redis is back the
 * relay publishes every waiting event to a live subscriber. Stops the
 * shared stack's Redis, so ctest runs it alone (RUN_SERIAL). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;

/* Subscribes as soon as Redis answers again, then collects our events. */
struct collector {
	int want;
	int got;
	char names[5][16];
	int seen[5];
	long long deadline;
};

static void *
collect(void *arg)
{
	struct collector *col = arg;
	redisContext *sub = NULL;

	while (sub == NULL && ts_now_ms() < col->deadline) {
		sub = ts_event_subscribe(tenv.schema);
		if (sub == NULL)
			usleep(10000);
	}
	while (sub && col->got < col->want && ts_now_ms() < col->deadline) {
		long long left = col->deadline - ts_now_ms();
		struct timeval tv = {left / 1000, (left % 1000) * 1000};
		redisReply *r = NULL;
		json_t *ev = NULL;

		redisSetTimeout(sub, tv);
		if (redisGetReply(sub, (void **)&r) != REDIS_OK || r == NULL)
			break;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			ev = ts_event_open(r->element[2]->str,
			                   r->element[2]->len);
		freeReplyObject(r);
		const char *u = json_string_value(json_object_get(
		    json_object_get(ev, "subject"), "username"));
		const char *a =
		    json_string_value(json_object_get(ev, "action"));

		for (int i = 0; u && a && i < col->want; i++)
			if (strcmp(u, col->names[i]) == 0 &&
			    strcmp(a, "user.created") == 0) {
				col->got += !col->seen[i];
				col->seen[i]++;
			}
		json_decref(ev);
	}
	if (sub)
		redisFree(sub);
	return NULL;
}

START_TEST(registrations_survive_redis_outage_and_relay)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	struct collector col = {.want = 5};
	pthread_t th;
	PGconn *db;
	json_t *r;

	ck_assert_int_eq(ts_create_user(tenv.schema, "tess", TS_PASSWORD, 0),
	                 0);
	ck_assert_int_eq(ts_stack("stop-redis"), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(col.names[i], sizeof col.names[i], "outage%d", i);
		r = ts_register_fresh(c, col.names[i], TS_PASSWORD, NULL);
		ck_assert_msg(ts_error_code(r) == 0, "register %d: %d", i,
		              ts_error_code(r));
		json_decref(r);
	}
	/* Login limits fail open rather than locking everyone out. */
	ck_assert_int_eq(ts_login(c, "tess", TS_PASSWORD), 0);
	r = ts_call(c, "server.health", NULL);
	ck_assert_str_eq(
	    json_string_value(json_object_get(ts_result(r), "redis")), "down");
	json_decref(r);
	db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'user.created' AND published_at "
	                             "IS NULL AND details->'subject'->>"
	                             "'username' LIKE 'outage%'",
	                             0, NULL),
	                 5);

	col.deadline = ts_now_ms() + TS_PATIENCE_MS;
	pthread_create(&th, NULL, collect, &col);
	ck_assert_int_eq(ts_stack("start-redis"), 0);
	pthread_join(th, NULL);
	ck_assert_msg(col.got == 5, "only %d of 5 events arrived", col.got);
	for (int i = 0; i < 5; i++)
		ck_assert_msg(col.seen[i] == 1, "%s seen %d times",
		              col.names[i], col.seen[i]);
	/* The relay marks rows in the transaction it publishes from: the
	 * messages can arrive just before its commit. */
	long long left = 1, t0 = ts_now_ms();
	while (left != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS) {
		left =
		    ts_db_count(db,
		                "SELECT count(*) FROM audit_log WHERE action "
		                "= 'user.created' AND published_at IS NULL",
		                0, NULL);
		usleep(50000);
	}
	ck_assert_int_eq(left, 0);
	PQfinish(db);
	ts_client_free(c);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "fredis",
                                        .restore = "start-redis"};

int
main(void)
{
	Suite *s = suite_create("e2e_fault_redis");
	TCase *tc = tcase_create("fredis");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, registrations_survive_redis_outage_and_relay);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
