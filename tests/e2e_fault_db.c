/* PostgreSQL goes away under a running padlined: requests that need it fail
 * fast with 503 (no hang), health says db down, and once PostgreSQL is back
 * the same padlined serves again without a restart. The same for
 * pad.create, which the loop thread sends on connections it did not open
 * or ping itself. Stops the shared stack's
 * PostgreSQL, so ctest runs it alone (RUN_SERIAL). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

static int
db_call_code(struct ts_client *c, long long *ms)
{
	long long t0 = ts_now_ms();
	json_t *r = ts_call(c, "template.list", NULL);
	int code;

	ck_assert_msg(r != NULL, "no answer (hang or closed connection)");
	code = ts_error_code(r);
	json_decref(r);
	*ms = ts_now_ms() - t0;
	return code;
}

START_TEST(postgres_down_gives_503_then_recovers)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	long long ms, t0;
	int code = 0;
	json_t *r;

	ck_assert_int_eq(db_call_code(c, &ms), 0);
	ck_assert_int_eq(ts_stack("stop-pg"), 0);

	/* Soon every DB request answers 503; each is answered (never hangs),
	 * and how long it took is printed, not judged: CI is slow at times. */
	t0 = ts_now_ms();
	while (ts_now_ms() - t0 < TS_PATIENCE_MS) {
		code = db_call_code(c, &ms);
		if (code == 503)
			break;
	}
	ck_assert_int_eq(code, 503);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(db_call_code(c, &ms), 503);
		printf("503 answered in %lld ms\n", ms);
	}
	r = ts_call(c, "server.health", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(ts_result(r), "db")),
	                 "down");
	json_decref(r);

	ck_assert_int_eq(ts_stack("start-pg"), 0);
	t0 = ts_now_ms();
	do {
		code = db_call_code(c, &ms);
	} while (code != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS);
	ck_assert_int_eq(code, 0);
	r = ts_call(c, "server.health", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(ts_result(r), "db")),
	                 "up");
	json_decref(r);
	ts_client_free(c);
}
END_TEST

static int
create_code(struct ts_client *c, int n, long long *ms)
{
	long long t0 = ts_now_ms();
	char name[32];
	json_t *r;
	int code;

	snprintf(name, sizeof name, "p-%d", n);
	r = ts_call(c, "pad.create", json_pack("{s:s}", "display_name", name));
	ck_assert_msg(r != NULL, "no answer (hang or closed connection)");
	code = ts_error_code(r);
	json_decref(r);
	*ms = ts_now_ms() - t0;
	return code;
}

START_TEST(pad_create_gives_503_then_recovers)
{
	struct ts_client *c = ts_env_login(&tenv, "bob");
	long long ms, t0;
	int code = 0, n = 0;

	/* Connections open and just used: the loop takes them as they are. */
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(create_code(c, n++, &ms), 0);
	ck_assert_int_eq(ts_stack("stop-pg"), 0);
	t0 = ts_now_ms();
	while (ts_now_ms() - t0 < TS_PATIENCE_MS) {
		code = create_code(c, n++, &ms);
		if (code == 503)
			break;
	}
	ck_assert_int_eq(code, 503);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(create_code(c, n++, &ms), 503);
		printf("pad.create: 503 answered in %lld ms\n", ms);
	}
	ck_assert_int_eq(ts_stack("start-pg"), 0);
	t0 = ts_now_ms();
	do {
		code = create_code(c, n++, &ms);
	} while (code != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS);
	ck_assert_int_eq(code, 0);
	ts_client_free(c);
}
END_TEST

/* The server ends the connection a pad.create waits on (a lock held
 * outside padlined): that call answers 503, and the next one goes through
 * on another connection. */
START_TEST(pad_create_on_a_killed_connection_gives_503)
{
	struct ts_client *c = ts_env_login(&tenv, "bob");
	PGconn *db = ts_db_connect(tenv.schema),
	       *watch = ts_db_connect(tenv.schema);
	static const char req[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"pad.create\","
	    "\"params\":{\"display_name\":\"k\"}}\n";
	static const char waiting[] =
	    "FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
	    "application_name = 'padlined'";
	char sql[256], *line;
	long long ms;
	json_t *r;

	ck_assert_int_eq(create_code(c, 1000, &ms), 0);
	ts_db_exec(db, "BEGIN");
	ts_db_exec(db, "INSERT INTO pads (owner_id, display_name) SELECT id, "
	               "'k' FROM users WHERE username = 'bob'");
	ck_assert_int_eq(ts_client_send_raw(c, req, sizeof req - 1), 0);
	snprintf(sql, sizeof sql, "SELECT least(count(*), 1) %s", waiting);
	ck_assert_int_eq(
	    ts_db_wait_count(watch, sql, 0, NULL, 1, TS_PATIENCE_MS), 1);
	snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(pid)) %s",
	         waiting);
	ck_assert_int_eq(ts_db_count(watch, sql, 0, NULL), 1);
	line = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
	ck_assert_ptr_nonnull(line);
	r = json_loads(line, 0, NULL);
	free(line);
	ck_assert_int_eq(ts_error_code(r), 503);
	json_decref(r);
	ts_db_exec(db, "ROLLBACK");
	ck_assert_int_eq(create_code(c, 1001, &ms), 0);
	PQfinish(watch);
	PQfinish(db);
	ts_client_free(c);
}
END_TEST

static const struct ts_env_opts opts = {
    .prefix = "fdb",
    .restore = "start-pg",
    .users = {{"bob", 0, NULL}},
};

int
main(void)
{
	Suite *s = suite_create("e2e_fault_db");
	TCase *tc = tcase_create("fault");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, postgres_down_gives_503_then_recovers);
	tcase_add_test(tc, pad_create_gives_503_then_recovers);
	tcase_add_test(tc, pad_create_on_a_killed_connection_gives_503);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
