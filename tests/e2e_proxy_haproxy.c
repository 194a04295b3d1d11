/*
 * One abusive client behind HAProxy, as a reliability lab found it: three
 * padlined behind HAProxy running dist/haproxy.cfg (PROXY protocol v2 to
 * instances that trust HAProxy's 127.0.0.1). Clients are told apart by the
 * loopback address they connect from (127.0.0.2 is the abuser, 127.0.0.3
 * everyone else). Its failed logins lock out its address only; its 200 idle
 * connections fill its own per-address cap only: everyone else is served
 * and HAProxy's health checks keep every server UP. Needs haproxy.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

#define NSERVERS 3
#define ABUSER "127.0.0.2"
#define OTHER "127.0.0.3"
#define PROBE "127.0.0.20" /* the test asking instances directly */
#define FLOOD 200
#define PER_IP 64 /* PADLINE_MAX_CONNECTIONS_PER_IP's default */

static struct ts_server srv[NSERVERS];
static struct ts_haproxy lb;
static char schema[64];

static void
setup(void)
{
	const char *env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32", NULL};
	int ports[NSERVERS];

	ts_unique_schema("abuse", schema, sizeof schema);
	for (int i = 0; i < NSERVERS; i++) {
		ck_assert_int_eq(ts_server_start(&srv[i], schema, env, NULL),
		                 0);
		ports[i] = srv[i].port;
	}
	ck_assert_int_eq(ts_create_user(schema, "bob", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(ts_create_user(schema, "carol", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(ts_create_user(schema, "watcher", TS_PASSWORD, 1), 0);
	ck_assert_int_eq(ts_haproxy_start(&lb, ports, NSERVERS), 0);
	ck_assert_int_eq(ts_haproxy_wait_served(&lb, OTHER), 0);
}

static void
teardown(void)
{
	ts_haproxy_stop(&lb);
	for (int i = 0; i < NSERVERS; i++)
		ck_assert_int_eq(ts_server_stop(&srv[i]), 0);
	ts_db_drop_schema(schema);
}

static int
login_code(struct ts_client *c, const char *user, const char *password)
{
	json_t *r = ts_call(
	    c, "session.login",
	    json_pack("{s:s, s:s}", "username", user, "password", password));
	int code = r == NULL ? -1 : ts_error_code(r);

	json_decref(r);
	return code;
}

START_TEST(failed_logins_lock_out_their_client_only)
{
	struct ts_client *a = ts_client_connect_from(ABUSER, lb.port), *b;
	int refused = 0;
	char name[32];
	PGconn *db;

	ck_assert_ptr_nonnull(a);
	/* Made-up names: only the per-address counter can trip. */
	for (int i = 0; i < 60; i++) {
		int code;

		snprintf(name, sizeof name, "nobody%d", i);
		code = login_code(a, name, "guess");
		ck_assert_msg(code == 401 || code == 429, "login: %d", code);
		refused += code == 429;
	}
	ck_assert_int_gt(refused, 0);
	ck_assert_int_eq(login_code(a, "bob", TS_PASSWORD), 429);
	ts_client_free(a);
	/* Everyone else signs in, on whichever instance. */
	for (int i = 0; i < NSERVERS; i++) {
		b = ts_client_connect_from(OTHER, lb.port);
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(
		    login_code(b, i % 2 ? "carol" : "bob", TS_PASSWORD), 0);
		ts_client_free(b);
	}
	/* The audit names the client, never HAProxy. */
	db = ts_db_connect(schema);
	ck_assert_int_gt(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "details->>'peer' = '" ABUSER "'",
	                             0, NULL),
	                 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM sessions WHERE "
	                             "peer = '" OTHER "'",
	                             0, NULL),
	                 NSERVERS);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "details->>'peer' = '127.0.0.1'",
	                             0, NULL),
	                 0);
	PQfinish(db);
}
END_TEST

/* server.health requests one instance has answered (HAProxy's checks),
 * asked directly as an admin. */
static long long
health_answered(int port)
{
	struct ts_client *c = ts_client_connect_from(PROBE, port);
	json_t *r;
	long long n;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, "watcher", TS_PASSWORD), 0);
	r = ts_call(c, "server.stats", NULL);
	ck_assert_ptr_nonnull(ts_result(r));
	n = json_integer_value(json_object_get(
	    json_object_get(
	        json_object_get(json_object_get(ts_result(r), "requests"),
	                        "methods"),
	        "server.health"),
	    "count"));
	json_decref(r);
	ts_client_free(c);
	return n;
}

/* Fails unless HAProxy has each server UP and never took one DOWN. */
static void
assert_all_up(void)
{
	struct ts_haproxy_server sv[NSERVERS + 1];
	int n = ts_haproxy_servers(&lb, sv, NSERVERS + 1);

	ck_assert_int_eq(n, NSERVERS);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(strcmp(sv[i].status, "UP") == 0,
		              "server %s is %s", sv[i].name, sv[i].status);
		ck_assert_msg(sv[i].went_down == 0,
		              "server %s went DOWN %d times", sv[i].name,
		              sv[i].went_down);
	}
}

START_TEST(idle_connections_take_down_nobody)
{
	struct ts_client *flood[FLOOD];
	long long before[NSERVERS], deadline;
	int held = 0, refused = 0;
	char *log;

	/* The abuser's connections, each answered (or refused) before the
	 * next: when the loop ends, every instance has seen them all. */
	for (int i = 0; i < FLOOD; i++) {
		json_t *r;

		flood[i] = ts_client_connect_from(ABUSER, lb.port);
		ck_assert_ptr_nonnull(flood[i]);
		r = ts_call(flood[i], "server.health", NULL);
		if (r != NULL && ts_result(r) != NULL)
			held++;
		else {
			refused++;
			ts_client_free(flood[i]);
			flood[i] = NULL;
		}
		json_decref(r);
	}
	fprintf(stderr,
	        "proxy_haproxy: %d of %d idle connections held, %d "
	        "refused by the per-address cap\n",
	        held, FLOOD, refused);
	/* Its own address is capped on each instance... */
	ck_assert_int_le(held, NSERVERS * PER_IP);
	/* ... and nobody else's is: ten other clients are served. */
	for (int i = 0; i < 10; i++) {
		struct ts_client *c = ts_client_connect_from(OTHER, lb.port);
		json_t *r;

		ck_assert_ptr_nonnull(c);
		r = ts_call(c, "server.health", NULL);
		ck_assert_msg(r != NULL && ts_result(r) != NULL,
		              "client %d refused while the abuser idles", i);
		json_decref(r);
		ts_client_free(c);
	}
	/* HAProxy's checks go on passing: three more on every instance
	 * (fall 2: two failures in a row would have marked it DOWN). */
	for (int i = 0; i < NSERVERS; i++)
		before[i] = health_answered(srv[i].port);
	deadline = ts_now_ms() + 2 * TS_PATIENCE_MS;
	for (int i = 0; i < NSERVERS; i++)
		while (health_answered(srv[i].port) < before[i] + 3) {
			ck_assert_msg(ts_now_ms() < deadline,
			              "instance %d answers no health check", i);
			usleep(200000);
		}
	assert_all_up();
	log = ts_file_read(lb.log_path);
	ck_assert_msg(strstr(log, "is DOWN") == NULL, "%s", log);
	free(log);
	for (int i = 0; i < FLOOD; i++)
		ts_client_free(flood[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_proxy_haproxy");
	TCase *tc = tcase_create("abuser");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, failed_logins_lock_out_their_client_only);
	tcase_add_test(tc, idle_connections_take_down_nobody);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
