/*
 * user.timeline against real padlined and PostgreSQL: an account's
 * registration attempt (its address through the trusted proxy), its
 * sign-ins and an admin's changes, newest first and paged; none of another
 * account's; 404 for an account that does not exist; admins only.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env env;
static struct ts_client *root;
static const char *const server_env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32",
                                         NULL};
static const struct ts_env_opts opts = {
    .prefix = "timeline",
    .env = server_env,
};

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Registers name from address src and signs it in there; its id. */
static void
register_from(const char *src, const char *name, char *id, size_t size)
{
	struct ts_client *c = ts_client_proxied(env.srv.port, src);
	json_t *r;

	ck_assert_ptr_nonnull(c);
	r = ts_register(c, name, TS_PASSWORD, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(ts_error_code(r), 0);
	snprintf(id, size, "%s",
	         str(json_object_get(ts_result(r), "user"), "id"));
	json_decref(r);
	ck_assert_int_eq(ts_login(c, name, TS_PASSWORD), 0);
	ts_client_free(c);
}

static void
setup(void)
{
	ts_env_start(&env, &opts);
	root = ts_client_proxied(env.srv.port, "192.0.2.250");
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(ts_create_user(env.schema, "root", TS_PASSWORD, 1), 0);
	ck_assert_int_eq(ts_login(root, "root", TS_PASSWORD), 0);
}

static void
teardown(void)
{
	ts_client_free(root);
	root = NULL;
	ts_env_stop(&env);
}

START_TEST(timeline_has_attempt_signins_and_changes)
{
	char carol[64], dave[64];
	json_t *r, *events, *attempt;
	const char *actions[8];
	size_t n;

	register_from("203.0.113.77", "carol", carol, sizeof carol);
	register_from("198.51.100.5", "dave", dave, sizeof dave);
	json_decref(ts_ok(root, "user.update",
	                  json_pack("{s:s, s:b}", "id", carol, "disabled", 1)));

	r = ts_ok(root, "user.timeline", json_pack("{s:s}", "id", carol));
	ck_assert_str_eq(str(json_object_get(r, "user"), "username"), "carol");
	attempt = json_object_get(r, "attempt");
	ck_assert_str_eq(str(attempt, "user_id"), carol);
	ck_assert_str_eq(str(attempt, "peer"), "203.0.113.77");
	ck_assert_str_eq(str(attempt, "network"), "203.0.113.0/24");
	ck_assert_str_eq(str(attempt, "outcome"), "created");
	events = json_object_get(r, "events");
	n = json_array_size(events);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		actions[i] = str(json_array_get(events, i), "action");
	/* Newest first: the admin's change, the sign-in, the creation. */
	ck_assert_str_eq(actions[0], "user.updated");
	ck_assert_str_eq(
	    str(json_object_get(json_array_get(events, 0), "by"), "username"),
	    "root");
	ck_assert_str_eq(actions[1], "session.login");
	ck_assert_str_eq(str(json_array_get(events, 1), "peer"),
	                 "203.0.113.77");
	ck_assert_str_eq(actions[2], "user.created");
	ck_assert(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	/* Paged: the second page has the rest and no attempt again. */
	r = ts_ok(root, "user.timeline",
	          json_pack("{s:s, s:i}", "id", carol, "limit", 2));
	ck_assert_uint_eq(json_array_size(json_object_get(r, "events")), 2);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "next")));
	{
		json_t *p = json_pack("{s:s, s:s}", "id", carol, "after",
		                      str(r, "next"));
		json_t *r2 = ts_ok(root, "user.timeline", p);

		ck_assert_uint_eq(
		    json_array_size(json_object_get(r2, "events")), 1);
		ck_assert_str_eq(
		    str(json_array_get(json_object_get(r2, "events"), 0),
		        "action"),
		    "user.created");
		ck_assert(json_is_null(json_object_get(r2, "attempt")));
		json_decref(r2);
	}
	json_decref(r);

	/* Dave's timeline holds only dave's. */
	r = ts_ok(root, "user.timeline", json_pack("{s:s}", "id", dave));
	ck_assert_str_eq(str(json_object_get(r, "attempt"), "peer"),
	                 "198.51.100.5");
	ck_assert_uint_eq(json_array_size(json_object_get(r, "events")), 2);
	json_decref(r);
}
END_TEST

START_TEST(timeline_refuses_unknown_and_non_admins)
{
	char erin[64];
	struct ts_client *c;
	json_t *bad;
	char *text;

	ck_assert_int_eq(ts_create_user(env.schema, "made", TS_PASSWORD, 0), 0);
	ts_expect_err(
	    root, "user.timeline",
	    json_pack("{s:s}", "id", "00000000-0000-4000-8000-000000000000"),
	    404, "not_found");
	ts_expect_violation(root, "user.timeline", json_object(), "id",
	                    "required");
	/* A bad cursor is refused in words that fit this method too. */
	register_from("203.0.113.78", "erin", erin, sizeof erin);
	bad = ts_call(root, "user.timeline",
	              json_pack("{s:s, s:s}", "id", erin, "after", "x"));
	ck_assert_int_eq(ts_error_code(bad), 400);
	text = json_dumps(bad, 0);
	ck_assert_msg(strstr(text, "account.activity") == NULL,
	              "the cursor's error names another method: %s", text);
	free(text);
	json_decref(bad);
	c = ts_client_proxied(env.srv.port, "192.0.2.251");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, "made", TS_PASSWORD), 0);
	ts_expect_err(c, "user.timeline", json_pack("{s:s}", "id", erin), 403,
	              "forbidden");
	ts_client_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("user_timeline");
	TCase *tc = tcase_create("timeline");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, timeline_has_attempt_signins_and_changes);
	tcase_add_test(tc, timeline_refuses_unknown_and_non_admins);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
