/* Login limits while Redis is away (PADLINE_LOGIN_LIMIT_FALLBACK): two
 * padlineds on one schema lose their Redis; with postgres (the default)
 * they share the failure counters, so the limit holds across them; with
 * memory each counts its own; with closed sign-ins are refused (503). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "tsupport.h"

#define MAX_FAILURES 5

struct pair {
	struct ts_redis redis;
	struct ts_server s[2];
	struct ts_client *c[2];
	char schema[64];
};

/* Two instances on one schema with a Redis of their own, killed unless
 * keep: every sign-in after that finds Redis away. */
static void
pair_start_with(struct pair *p, const char *prefix, const char *fallback,
                int keep)
{
	char url[96];
	const char *env[] = {url, "PADLINE_LOGIN_MAX_FAILURES=5",
	                     "PADLINE_LOGIN_WINDOW=600", fallback, NULL};

	ck_assert_int_eq(ts_redis_start(&p->redis, NULL), 0);
	snprintf(url, sizeof url, "REDIS_URL=redis://127.0.0.1:%d/0",
	         p->redis.port);
	ts_unique_schema(prefix, p->schema, sizeof p->schema);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(
		    ts_server_start(&p->s[i], p->schema, env, NULL), 0);
		p->c[i] = ts_client_connect(p->s[i].port);
		ck_assert_ptr_nonnull(p->c[i]);
	}
	ck_assert_int_eq(ts_create_user(p->schema, "lab", TS_PASSWORD, 0), 0);
	if (!keep)
		ts_redis_stop(&p->redis);
}

static void
pair_start(struct pair *p, const char *prefix, const char *fallback)
{
	pair_start_with(p, prefix, fallback, 0);
}

static void
pair_stop(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		ts_client_free(p->c[i]);
		ck_assert_int_eq(ts_server_stop(&p->s[i]), 0);
	}
	ts_db_drop_schema(p->schema);
}

/* The error code of a sign-in (0: signed in), its reason in reason. */
static int
login(struct ts_client *c, const char *pw, char *reason, size_t size)
{
	json_t *r =
	    ts_call(c, "session.login",
	            json_pack("{s:s, s:s}", "username", "lab", "password", pw));
	int code = r ? ts_error_code(r) : -1;
	const char *why = r && code > 0 ? ts_error_reason(r) : NULL;

	snprintf(reason, size, "%s", why ? why : "");
	json_decref(r);
	return code;
}

/* Wrong passwords alternating between the instances: the 1-based number
 * of the first that is not a 401 (0: none of n). */
static int
first_refusal(struct pair *p, int n, char *reason, size_t size)
{
	for (int i = 1; i <= n; i++) {
		int code = login(p->c[i % 2], "nope", reason, size);

		if (code != 401) {
			ck_assert_int_eq(code, 429);
			ck_assert_str_eq(reason, "too_many_attempts");
			return i;
		}
	}
	return 0;
}

START_TEST(postgres_fallback_shares_the_limit)
{
	struct pair p;
	char why[64];

	/* The default: no PADLINE_LOGIN_LIMIT_FALLBACK given. */
	pair_start(&p, "llfpg", NULL);
	ck_assert_int_eq(first_refusal(&p, 3 * MAX_FAILURES, why, sizeof why),
	                 MAX_FAILURES + 1);
	/* Locked on both, the right password included. */
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(login(p.c[i], TS_PASSWORD, why, sizeof why),
		                 429);
	pair_stop(&p);
}
END_TEST

/* A Redis turned into a replica (of a master that is gone, as in a
 * failover) answers the counters' scripts READONLY: the same as Redis
 * away. */
START_TEST(readonly_redis_falls_back_to_postgres)
{
	struct pair p;
	char why[64], url[64];
	redisContext *rc;
	redisReply *r;

	pair_start_with(&p, "llfro", NULL, 1);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", p.redis.port);
	ck_assert_ptr_nonnull(rc = ts_redis_connect_url(url));
	r = redisCommand(rc, "REPLICAOF 127.0.0.1 1");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redisFree(rc);
	ck_assert_int_eq(first_refusal(&p, 3 * MAX_FAILURES, why, sizeof why),
	                 MAX_FAILURES + 1);
	ts_redis_stop(&p.redis);
	pair_stop(&p);
}
END_TEST

START_TEST(memory_fallback_counts_per_instance)
{
	struct pair p;
	char why[64];

	pair_start(&p, "llfmem", "PADLINE_LOGIN_LIMIT_FALLBACK=memory");
	ck_assert_int_eq(first_refusal(&p, 3 * MAX_FAILURES, why, sizeof why),
	                 2 * MAX_FAILURES + 1);
	pair_stop(&p);
}
END_TEST

START_TEST(closed_fallback_refuses_sign_ins)
{
	struct pair p;
	char why[64];

	pair_start(&p, "llfcl", "PADLINE_LOGIN_LIMIT_FALLBACK=closed");
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(login(p.c[i], "nope", why, sizeof why), 503);
		ck_assert_str_eq(why, "login_limits_unavailable");
		ck_assert_int_eq(login(p.c[i], TS_PASSWORD, why, sizeof why),
		                 503);
		ck_assert_str_eq(why, "login_limits_unavailable");
	}
	pair_stop(&p);
}
END_TEST

/* A guess held in Redis whose Redis dies while its password is checked
 * (a slow hash on the first instance) counts in PostgreSQL too: after it
 * and four wrong guesses on the second instance, the next is refused. */
START_TEST(guess_losing_redis_midway_is_shared)
{
	struct ts_redis redis;
	struct ts_server s[2];
	struct ts_client *c[2];
	char url[96], sch[64], req[256], *line;
	const char *env_slow[] = {url, "PADLINE_LOGIN_MAX_FAILURES=5",
	                          "PADLINE_LOGIN_WINDOW=600",
	                          "PADLINE_PWHASH_OPSLIMIT=48", NULL};
	const char *env[] = {url, "PADLINE_LOGIN_MAX_FAILURES=5",
	                     "PADLINE_LOGIN_WINDOW=600", NULL};
	redisContext *rc;
	long long end;
	int held = 0;

	ck_assert_int_eq(ts_redis_start(&redis, NULL), 0);
	snprintf(url, sizeof url, "REDIS_URL=redis://127.0.0.1:%d/0",
	         redis.port);
	ts_unique_schema("llfmid", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s[0], sch, env_slow, NULL), 0);
	ck_assert_int_eq(ts_server_start(&s[1], sch, env, NULL), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_ptr_nonnull(c[i] = ts_client_connect(s[i].port));
	/* An unknown name: its check is the slow instance's dummy hash. */
	snprintf(req, sizeof req,
	         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	         "\"session.login\",\"params\":{\"username\":\"ghost\","
	         "\"password\":\"nope\"}}\n");
	ck_assert_int_eq(ts_client_send_raw(c[0], req, strlen(req)), 0);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", redis.port);
	ck_assert_ptr_nonnull(rc = ts_redis_connect_url(url));
	/* Wait for the reservation in Redis, then take Redis away. */
	end = ts_now_ms() + 60000;
	while (!held && ts_now_ms() < end) {
		redisReply *r =
		    redisCommand(rc, "KEYS padline:login:*:inflight");

		held = r != NULL && r->type == REDIS_REPLY_ARRAY &&
		       r->elements >= 2;
		if (r)
			freeReplyObject(r);
		if (!held)
			usleep(2000);
	}
	redisFree(rc);
	ck_assert_msg(held, "the guess was never held in Redis");
	ts_redis_stop(&redis);
	line = ts_client_read_line(c[0], 120000, NULL);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "\"code\":401"));
	free(line);
	for (int i = 0; i < 4; i++) {
		json_t *r = ts_call(c[1], "session.login",
		                    json_pack("{s:s, s:s}", "username", "ghost",
		                              "password", "nope"));

		ck_assert_int_eq(r ? ts_error_code(r) : -1, 401);
		json_decref(r);
	}
	{
		json_t *r = ts_call(c[1], "session.login",
		                    json_pack("{s:s, s:s}", "username", "ghost",
		                              "password", "nope"));

		ck_assert_int_eq(r ? ts_error_code(r) : -1, 429);
		json_decref(r);
	}
	for (int i = 0; i < 2; i++) {
		ts_client_free(c[i]);
		ck_assert_int_eq(ts_server_stop(&s[i]), 0);
	}
	ts_db_drop_schema(sch);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_login_fallback");
	TCase *tc = tcase_create("fallback");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, postgres_fallback_shares_the_limit);
	tcase_add_test(tc, readonly_redis_falls_back_to_postgres);
	tcase_add_test(tc, memory_fallback_counts_per_instance);
	tcase_add_test(tc, closed_fallback_refuses_sign_ins);
	tcase_add_test(tc, guess_losing_redis_midway_is_shared);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
