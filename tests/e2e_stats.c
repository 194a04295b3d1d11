/*
 * server.stats end to end: admin only; counters since start exact (every
 * dispatched request, per method, errors apart); latency percentiles
 * present and ordered; connections follow clients; failed sign-ins counted;
 * pool, Redis and outbox reported. Each test has a server of its own, so
 * the counts are exactly what the test sent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define WAIT_MS 60000 /* only catches a hang */

/* Two users, signed in by the tests themselves (they count the
 * connections and requests that makes). */
static struct ts_env tenv;
static const char *const stats_env[] = {"PADLINE_WORKERS=4",
                                        "PADLINE_POOL_SIZE=3", NULL};
static const struct ts_env_opts opts = {
    .prefix = "stats",
    .env = stats_env,
    .users = {{"boss", 1}, {"plain", 0}},
};

/* server.stats' result (new reference); fails the test on an error. */
static json_t *
stats(struct ts_client *c)
{
	json_t *r = ts_call(c, "server.stats", NULL), *res;

	ck_assert_msg(ts_error_code(r) == 0, "server.stats: %d",
	              ts_error_code(r));
	res = json_incref(ts_result(r));
	json_decref(r);
	return res;
}

static long long
num(json_t *obj, const char *path)
{
	char *p = strdup(path), *save = NULL;
	json_t *v = obj;

	for (char *k = strtok_r(p, ".", &save); k;
	     k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	free(p);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

/* requests.methods[name][field] (method names hold dots). */
static long long
method_num(json_t *s, const char *name, const char *field)
{
	json_t *m = json_object_get(
	    json_object_get(json_object_get(s, "requests"), "methods"), name);

	ck_assert_msg(m != NULL, "no requests.methods[\"%s\"]", name);
	return num(m, field);
}

START_TEST(admin_only)
{
	struct ts_client *anon = ts_client_connect(tenv.srv.port);
	struct ts_client *user = ts_client_connect(tenv.srv.port);
	json_t *r;

	r = ts_call(anon, "server.stats", NULL);
	ck_assert_int_eq(ts_error_code(r), 401);
	json_decref(r);
	ck_assert_int_eq(ts_login(user, "plain", TS_PASSWORD), 0);
	r = ts_call(user, "server.stats", NULL);
	ck_assert_int_eq(ts_error_code(r), 403);
	json_decref(r);
	ts_client_free(anon);
	ts_client_free(user);
}
END_TEST

START_TEST(counts_every_request_and_error)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *s, *pc, *p50, *p99;
	char name[32];
	json_t *r;

	/* One failed and one good sign-in, 10 pads, one name clash, one
	 * pad.get of a bad id. */
	ck_assert_int_ne(ts_login(c, "boss", "Wrong-Passw0rd!"), 0);
	ck_assert_int_eq(ts_login(c, "boss", TS_PASSWORD), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "pad %d", i);
		r = ts_call(c, "pad.create",
		            json_pack("{s:s}", "display_name", name));
		ck_assert_int_eq(ts_error_code(r), 0);
		json_decref(r);
	}
	r = ts_call(c, "pad.create",
	            json_pack("{s:s}", "display_name", "pad 0"));
	ck_assert_int_eq(ts_error_code(r), 409);
	json_decref(r);
	r = ts_call(c, "pad.get", json_pack("{s:s}", "id", "nope"));
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);

	s = stats(c);
	ck_assert_int_eq(num(s, "requests.total"), 2 + 11 + 1);
	ck_assert_int_eq(num(s, "requests.errors"), 3);
	ck_assert_int_eq(method_num(s, "session.login", "count"), 2);
	ck_assert_int_eq(method_num(s, "session.login", "errors"), 1);
	ck_assert_int_eq(num(s, "logins_failed_15m"), 1);
	pc = json_object_get(
	    json_object_get(json_object_get(s, "requests"), "methods"),
	    "pad.create");
	ck_assert_int_eq(num(pc, "count"), 11);
	ck_assert_int_eq(num(pc, "errors"), 1);
	p50 = json_object_get(pc, "p50_ms");
	p99 = json_object_get(pc, "p99_ms");
	ck_assert(json_is_number(p50) && json_is_number(p99));
	ck_assert(json_number_value(p50) > 0);
	ck_assert(json_number_value(p99) >= json_number_value(p50));
	/* Methods never called are left out. */
	ck_assert_ptr_null(json_object_get(
	    json_object_get(json_object_get(s, "requests"), "methods"),
	    "pad.restore"));
	ck_assert_str_eq(json_string_value(json_object_get(s, "version")),
	                 "0.1.0");
	ck_assert_int_ge(num(s, "uptime_s"), 0);
	ck_assert(
	    json_is_true(json_object_get(json_object_get(s, "db"), "up")));
	ck_assert_int_eq(num(s, "db.pool"), 3);
	ck_assert_int_ge(num(s, "db.in_use"), 0);
	ck_assert_int_eq(num(s, "db.waiting"), 0);
	ck_assert(
	    json_is_true(json_object_get(json_object_get(s, "redis"), "up")));
	ck_assert_int_ge(num(s, "outbox.unpublished"), 0);
	ck_assert(json_is_number(
	    json_object_get(json_object_get(s, "outbox"), "oldest_s")));
	json_decref(s);

	/* The first stats call itself is counted once it is answered. */
	s = stats(c);
	ck_assert_int_eq(num(s, "requests.total"), 15);
	ck_assert_int_eq(method_num(s, "server.stats", "count"), 1);
	json_decref(s);
	ts_client_free(c);
}
END_TEST

/* Sends a raw line and reads its one answer line; fails on a hang. */
static void
raw_exchange(struct ts_client *c, const char *line)
{
	int eof = 0;
	char *reply;

	ck_assert_int_eq(ts_client_send_raw(c, line, strlen(line)), 0);
	reply = ts_client_read_line(c, WAIT_MS, &eof);
	ck_assert_msg(reply != NULL, "no answer to %.40s", line);
	ck_assert_msg(strstr(reply, "\"error\"") != NULL, "not refused: %s",
	              reply);
	free(reply);
}

START_TEST(counts_requests_refused_before_dispatch)
{
	struct ts_client *anon = ts_client_connect(tenv.srv.port);
	struct ts_client *user = ts_client_connect(tenv.srv.port);
	struct ts_client *boss = ts_client_connect(tenv.srv.port);
	char big[256];
	json_t *r, *s;
	size_t n = 0;

	/* 401, 403, an unknown method, a line that is not JSON, a batch
	 * over PADLINE_MAX_BATCH (one answer), and a batch of an unknown
	 * method and a non-request (two answers). */
	r = ts_call(anon, "pad.list", NULL);
	ck_assert_int_eq(ts_error_code(r), 401);
	json_decref(r);
	ck_assert_int_eq(ts_login(user, "plain", TS_PASSWORD), 0);
	r = ts_call(user, "server.stats", NULL);
	ck_assert_int_eq(ts_error_code(r), 403);
	json_decref(r);
	r = ts_call(anon, "no.such_method", NULL);
	ck_assert_int_eq(ts_error_code(r), -32601);
	json_decref(r);
	raw_exchange(anon, "{this is not json\n");
	big[n++] = '[';
	for (int i = 0; i < 101; i++) {
		if (i)
			big[n++] = ',';
		big[n++] = '1';
	}
	big[n++] = ']';
	big[n++] = '\n';
	big[n] = '\0';
	raw_exchange(anon, big);
	raw_exchange(anon, "[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	                   "\"no.such\"},1]\n");

	ck_assert_int_eq(ts_login(boss, "boss", TS_PASSWORD), 0);
	s = stats(boss);
	/* 2 sign-ins answered; 1 + 1 + 1 + 1 + 1 + 2 refused. */
	ck_assert_int_eq(num(s, "requests.total"), 2 + 7);
	ck_assert_int_eq(num(s, "requests.errors"), 7);
	/* Refusals of a method that exists count under it. */
	ck_assert_int_eq(method_num(s, "pad.list", "count"), 1);
	ck_assert_int_eq(method_num(s, "pad.list", "errors"), 1);
	ck_assert_int_eq(method_num(s, "server.stats", "count"), 1);
	ck_assert_int_eq(method_num(s, "server.stats", "errors"), 1);
	ck_assert_ptr_null(json_object_get(
	    json_object_get(json_object_get(s, "requests"), "methods"),
	    "no.such_method"));
	json_decref(s);
	ts_client_free(anon);
	ts_client_free(user);
	ts_client_free(boss);
}
END_TEST

/* Polls until connections == want; returns the last value. */
static long long
wait_connections(struct ts_client *c, long long want)
{
	long long deadline = ts_now_ms() + WAIT_MS, n = -1;

	while (ts_now_ms() < deadline) {
		json_t *s = stats(c);

		n = num(s, "connections");
		json_decref(s);
		if (n == want)
			break;
	}
	return n;
}

START_TEST(connections_follow_clients)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port), *more[3];

	ck_assert_int_eq(ts_login(c, "boss", TS_PASSWORD), 0);
	ck_assert_int_eq(wait_connections(c, 1), 1);
	for (int i = 0; i < 3; i++) {
		more[i] = ts_client_connect(tenv.srv.port);
		ck_assert_ptr_nonnull(more[i]);
	}
	ck_assert_int_eq(wait_connections(c, 4), 4);
	for (int i = 0; i < 3; i++)
		ts_client_free(more[i]);
	ck_assert_int_eq(wait_connections(c, 1), 1);
	ts_client_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_stats");
	TCase *tc = tcase_create("stats");

	tcase_set_timeout(tc, 300);
	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_add_test(tc, admin_only);
	tcase_add_test(tc, counts_every_request_and_error);
	tcase_add_test(tc, connections_follow_clients);
	tcase_add_test(tc, counts_requests_refused_before_dispatch);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
