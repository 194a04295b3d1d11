/* PostgreSQL goes away under a running padlined: requests that need it fail
 * fast with 503 (no hang), health says db down, and once PostgreSQL is back
 * the same padlined serves again without a restart. Stops the shared stack's
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

static const struct ts_env_opts opts = {.prefix = "fdb", .restore = "start-pg"};

int
main(void)
{
	Suite *s = suite_create("e2e_fault_db");
	TCase *tc = tcase_create("fault");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, postgres_down_gives_503_then_recovers);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
