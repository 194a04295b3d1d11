/*
 * What a registration's events tell a console against real padlined,
 * PostgreSQL and Redis: user.created and user.held carry the attempt's
 * network, fill time and flags (subject.signup), and the registrant's own
 * answer does not. Addresses come from a PROXY header from 127.0.0.1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;
static const char *const trust_env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32",
                                        NULL};
static const struct ts_env_opts opts = {.prefix = "sigev", .env = trust_env};

static json_t *
signup(const char *src, const char *username, const char *email)
{
	json_t *r = ts_register_proxied(tenv.srv.port, src, username, email);

	ck_assert_ptr_nonnull(r);
	return r;
}

/* The event's subject.signup, asserted to say network and flag. */
static void
assert_signup(json_t *ev, const char *network, const char *flag)
{
	json_t *s = json_object_get(json_object_get(ev, "subject"), "signup");
	json_t *flags = json_object_get(s, "flags");
	size_t i;
	json_t *f;
	int found = 0;

	ck_assert_msg(json_is_object(s), "no subject.signup");
	ck_assert_str_eq(json_string_value(json_object_get(s, "network")),
	                 network);
	ck_assert(json_is_integer(json_object_get(s, "fill_ms")));
	ck_assert_int_ge(json_integer_value(json_object_get(s, "fill_ms")), 0);
	ck_assert(json_is_array(flags));
	json_array_foreach (flags, i, f)
		found |= strcmp(json_string_value(f), flag) == 0;
	ck_assert_msg(found, "flag %s missing", flag);
}

START_TEST(created_and_held_carry_the_attempt)
{
	redisContext *sub = ts_event_subscribe(tenv.schema);
	struct ts_client *admin;
	json_t *r, *ev;

	ck_assert_ptr_nonnull(sub);
	r = signup("203.0.113.7", "netted", "n@mailinator.com");
	ck_assert_int_eq(ts_error_code(r), 0);
	/* The registrant's answer is the plain user object. */
	ck_assert_ptr_null(
	    json_object_get(json_object_get(ts_result(r), "user"), "signup"));
	json_decref(r);
	ev = ts_event_wait(sub, "user.created", "username", "netted",
	                   TS_PATIENCE_MS);
	ck_assert_ptr_nonnull(ev);
	assert_signup(ev, "203.0.113.0/24", "fast");
	assert_signup(ev, "203.0.113.0/24", "disposable");
	json_decref(ev);

	ck_assert_int_eq(ts_create_user(tenv.schema, "boss", TS_PASSWORD, 1),
	                 0);
	admin = ts_client_proxied(tenv.srv.port, "192.0.2.250");
	ck_assert_int_eq(ts_login(admin, "boss", TS_PASSWORD), 0);
	r = ts_call(admin, "rule.put",
	            json_pack("{s:s, s:s, s:s}", "name", "hold-net", "when",
	                      "net:198.51.100.0/24", "action", "hold"));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	json_decref(signup("198.51.100.9", "waiter", NULL));
	ev = ts_event_wait(sub, "user.held", "username", "waiter",
	                   TS_PATIENCE_MS);
	ck_assert_ptr_nonnull(ev);
	assert_signup(ev, "198.51.100.0/24", "fast");
	json_decref(ev);
	ts_client_free(admin);
	redisFree(sub);
}
END_TEST

/* An account made by an admin was not screened: no signup member. */
START_TEST(unscreened_accounts_have_none)
{
	redisContext *sub = ts_event_subscribe(tenv.schema);
	json_t *ev;

	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(ts_create_user(tenv.schema, "made", TS_PASSWORD, 0),
	                 0);
	ev = ts_event_wait(sub, "user.created", "username", "made",
	                   TS_PATIENCE_MS);
	ck_assert_ptr_nonnull(ev);
	ck_assert_ptr_null(
	    json_object_get(json_object_get(ev, "subject"), "signup"));
	json_decref(ev);
	redisFree(sub);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("signup_events");
	TCase *tc = tcase_create("signup_events");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, created_and_held_carry_the_attempt);
	tcase_add_test(tc, unscreened_accounts_have_none);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
