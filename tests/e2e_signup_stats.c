/*
 * signup.stats' "throttled" against real padlined, PostgreSQL and Redis:
 * sign-ins refused 429 are counted per minute, beside the failed sign-ins,
 * by every instance into the same minute.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define PW "stats-Password-42"

static struct ts_server srv, other;
static char schema[64];

static void
setup(void)
{
	const char *env[] = {"PADLINE_LOGIN_MAX_FAILURES=2", NULL};

	ts_unique_schema("sstats", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, env, NULL), 0);
	ck_assert_int_eq(ts_server_start(&other, schema, env, NULL), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(ts_server_stop(&other), 0);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	ts_db_drop_schema(schema);
}

/* session.login's error code for name with password pw through port. */
static int
login_code(int port, const char *name, const char *pw)
{
	struct ts_client *c = ts_client_connect(port);
	json_t *r;
	int code;

	ck_assert_ptr_nonnull(c);
	r = ts_call(c, "session.login",
	            json_pack("{s:s, s:s}", "username", name, "password", pw));
	ck_assert_ptr_nonnull(r);
	code = ts_error_code(r);
	json_decref(r);
	ts_client_free(c);
	return code;
}

/* The sum of member key over signup.stats' series. */
static long long
series_sum(const json_t *stats, const char *key)
{
	json_t *e, *v;
	long long n = 0;
	size_t i;

	json_array_foreach (json_object_get(stats, "series"), i, e) {
		v = json_object_get(e, key);
		ck_assert_msg(json_is_integer(v), "series entry without %s",
		              key);
		n += json_integer_value(v);
	}
	return n;
}

START_TEST(throttled_sign_ins_are_counted_per_minute)
{
	struct ts_client *adm;
	json_t *r;

	ck_assert_int_eq(ts_create_user(schema, "victim", PW, 0), 0);
	ck_assert_int_eq(ts_create_user(schema, "statsadm", PW, 1), 0);
	adm = ts_client_connect(srv.port);
	ck_assert_int_eq(ts_login(adm, "statsadm", PW), 0);
	r = ts_call(adm, "signup.stats", json_pack("{s:i}", "window_min", 5));
	ck_assert_int_eq(series_sum(ts_result(r), "throttled"), 0);
	json_decref(r);

	ck_assert_int_eq(login_code(srv.port, "victim", "wrong-1"), 401);
	ck_assert_int_eq(login_code(other.port, "victim", "wrong-2"), 401);
	/* Locked: three refusals, on both instances, the right password
	 * too. */
	ck_assert_int_eq(login_code(srv.port, "victim", "wrong-3"), 429);
	ck_assert_int_eq(login_code(other.port, "victim", "wrong-4"), 429);
	ck_assert_int_eq(login_code(srv.port, "victim", PW), 429);

	r = ts_call(adm, "signup.stats", json_pack("{s:i}", "window_min", 5));
	ck_assert_ptr_nonnull(ts_result(r));
	ck_assert_int_eq(series_sum(ts_result(r), "throttled"), 3);
	ck_assert_int_eq(series_sum(ts_result(r), "failed_signins"), 2);
	json_decref(r);
	ts_client_free(adm);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_signup_stats");
	TCase *tc = tcase_create("stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, throttled_sign_ins_are_counted_per_minute);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
