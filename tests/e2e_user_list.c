/*
 * user.list with the filter language, against real padlined, PostgreSQL
 * and Redis: a wave from one network listed exactly (and `!` the rest),
 * status and domain terms, paging and order as without a filter, the
 * accounts user.bulk would change being the ones listed, a bad filter
 * refused with its position, `query` working as before, and one call
 * reading at most 50 000 accounts. Signups get their address from a PROXY
 * header sent from the trusted 127.0.0.1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define WAVE_NET "net:203.0.113.0/24"

static struct ts_env tenv;
static const char *const trust_env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32",
                                        NULL};
static const struct ts_env_opts opts = {.prefix = "ulist", .env = trust_env};

/* Registers username with email from src; fails the test when refused. */
static void
signup(const char *src, const char *username, const char *email)
{
	json_t *r = ts_register_proxied(tenv.srv.port, src, username, email);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(ts_error_code(r) == 0, "register %s: %d %s", username,
	              ts_error_code(r), ts_error_reason(r));
	json_decref(r);
}

/* The wave: wave0..wave5 from three addresses of 203.0.113.0/24 (two at
 * evil.example); calm0..calm3 from elsewhere. The admin "boss" has no
 * registration attempt at all. */
static struct ts_client *
accounts(void)
{
	char src[32], name[32], email[64];
	struct ts_client *adm;

	for (int i = 0; i < 6; i++) {
		snprintf(src, sizeof src, "203.0.113.%d", 10 + i % 3);
		snprintf(name, sizeof name, "wave%d", i);
		snprintf(email, sizeof email, "%s@%s", name,
		         i < 2 ? "evil.example" : "example.org");
		signup(src, name, email);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(src, sizeof src, "%s.%d",
		         i % 2 ? "198.51.100" : "192.0.2", 20 + i);
		snprintf(name, sizeof name, "calm%d", i);
		snprintf(email, sizeof email, "%s@example.org", name);
		signup(src, name, email);
	}
	/* Signed in through the proxy: every 127.0.0.1 connection is the
	 * trusted proxy's. */
	ck_assert_int_eq(ts_create_user(tenv.schema, "boss", TS_PASSWORD, 1),
	                 0);
	adm = ts_client_proxied(tenv.srv.port, "192.0.2.250");
	ck_assert_ptr_nonnull(adm);
	ck_assert_int_eq(ts_login(adm, "boss", TS_PASSWORD), 0);
	return adm;
}

/* user.list's usernames by username for filter (params's other members
 * as given; params is taken). */
static void
listed(struct ts_client *adm, json_t *params, char *buf, size_t size)
{
	json_t *res;

	if (!json_object_get(params, "sort"))
		json_object_set_new(params, "sort", json_string("username"));
	res = ts_ok(adm, "user.list", params);
	ts_usernames(res, buf, size);
	json_decref(res);
}

static void
filtered(struct ts_client *adm, const char *filter, char *buf, size_t size)
{
	listed(adm, json_pack("{s:s}", "filter", filter), buf, size);
}

START_TEST(filter_lists_exactly_the_wave)
{
	struct ts_client *adm = accounts();
	char names[512];

	filtered(adm, WAVE_NET, names, sizeof names);
	ck_assert_str_eq(names, "wave0 wave1 wave2 wave3 wave4 wave5");
	filtered(adm, "!" WAVE_NET, names, sizeof names);
	ck_assert_str_eq(names, "boss calm0 calm1 calm2 calm3");
	filtered(adm, "ip:203.0.113.11", names, sizeof names);
	ck_assert_str_eq(names, "wave1 wave4");
	filtered(adm, "domain:evil.example", names, sizeof names);
	ck_assert_str_eq(names, "wave0 wave1");
	filtered(adm, WAVE_NET " !domain:evil.example", names, sizeof names);
	ck_assert_str_eq(names, "wave2 wave3 wave4 wave5");

	ts_db_exec(tenv.db, "UPDATE users SET disabled = true WHERE username "
	                    "IN ('wave3', 'calm1')");
	filtered(adm, "status:disabled", names, sizeof names);
	ck_assert_str_eq(names, "calm1 wave3");
	filtered(adm, WAVE_NET " status:disabled", names, sizeof names);
	ck_assert_str_eq(names, "wave3");

	/* Free text: any part of the username or email, as query does. */
	filtered(adm, "ALM2", names, sizeof names);
	ck_assert_str_eq(names, "calm2");
	filtered(adm, "evil", names, sizeof names);
	ck_assert_str_eq(names, "wave0 wave1");
	/* An empty filter is no filter. */
	filtered(adm, " ", names, sizeof names);
	ck_assert_str_eq(names, "boss calm0 calm1 calm2 calm3 wave0 wave1 "
	                        "wave2 wave3 wave4 wave5");
	ts_client_free(adm);
}
END_TEST

/* The pages of a filtered list: limit, the cursor and the order work as
 * they do without a filter. */
START_TEST(filter_pages_and_orders_like_the_plain_list)
{
	struct ts_client *adm = accounts();
	char names[512];
	json_t *res;
	const char *next;

	res = ts_ok(adm, "user.list",
	            json_pack("{s:s, s:s, s:i}", "filter", WAVE_NET, "sort",
	                      "username", "limit", 4));
	ts_usernames(res, names, sizeof names);
	ck_assert_str_eq(names, "wave0 wave1 wave2 wave3");
	next = json_string_value(json_object_get(res, "next"));
	ck_assert_ptr_nonnull(next);
	listed(adm,
	       json_pack("{s:s, s:i, s:s}", "filter", WAVE_NET, "limit", 4,
	                 "before", next),
	       names, sizeof names);
	ck_assert_str_eq(names, "wave4 wave5");
	json_decref(res);

	res = ts_ok(adm, "user.list",
	            json_pack("{s:s, s:s, s:s, s:i}", "filter", WAVE_NET,
	                      "sort", "username", "order", "desc", "limit", 3));
	ts_usernames(res, names, sizeof names);
	ck_assert_str_eq(names, "wave5 wave4 wave3");
	listed(adm,
	       json_pack("{s:s, s:s, s:i, s:O}", "filter", WAVE_NET, "order",
	                 "desc", "limit", 3, "before",
	                 json_object_get(res, "next")),
	       names, sizeof names);
	ck_assert_str_eq(names, "wave2 wave1 wave0");
	json_decref(res);

	/* The last page says there is none after it. */
	res = ts_ok(adm, "user.list",
	            json_pack("{s:s, s:i}", "filter", WAVE_NET, "limit", 6));
	ck_assert(json_is_null(json_object_get(res, "next")));
	ck_assert_int_eq(json_array_size(json_object_get(res, "users")), 6);
	json_decref(res);
	ts_client_free(adm);
}
END_TEST

/* What the list shows is what a bulk action on the same filter changes
 * (admins, never changed in bulk, aside). */
START_TEST(bulk_dry_run_counts_what_the_filter_lists)
{
	struct ts_client *adm = accounts();
	json_t *list, *dry;

	list = ts_ok(adm, "user.list",
	             json_pack("{s:s, s:i}", "filter", WAVE_NET " !wave5",
	                       "limit", 500));
	dry = ts_ok(adm, "user.bulk",
	            json_pack("{s:s, s:s, s:b}", "filter", WAVE_NET " !wave5",
	                      "action", "disable", "dry_run", 1));
	ck_assert_int_eq(json_array_size(json_object_get(list, "users")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(dry, "count")), 5);
	json_decref(list);
	json_decref(dry);
	ts_client_free(adm);
}
END_TEST

START_TEST(bad_filter_and_query_with_filter_are_refused)
{
	struct ts_client *adm = accounts();
	json_t *data;

	data = ts_err_data(adm, "user.list",
	                   json_pack("{s:s}", "filter", "wave nett:1.2.3.4"),
	                   -32602, "bad_filter");
	ck_assert_int_eq(json_integer_value(json_object_get(data, "position")),
	                 6);
	json_decref(data);
	ts_expect_violation(
	    adm, "user.list",
	    json_pack("{s:s, s:s}", "query", "wave", "filter", WAVE_NET),
	    "filter", "exclusive");
	ts_expect_violation(adm, "user.list", json_pack("{s:i}", "filter", 7),
	                    "filter", "type");
	ts_client_free(adm);
}
END_TEST

/* query, for clients from before the filter: any part from 3 characters
 * on, the start for 1 or 2. */
START_TEST(query_still_searches_names_and_emails)
{
	struct ts_client *adm = accounts();
	char names[512];

	listed(adm, json_pack("{s:s}", "query", "ave"), names, sizeof names);
	ck_assert_str_eq(names, "wave0 wave1 wave2 wave3 wave4 wave5");
	listed(adm, json_pack("{s:s}", "query", "evil.ex"), names,
	       sizeof names);
	ck_assert_str_eq(names, "wave0 wave1");
	listed(adm, json_pack("{s:s}", "query", "ca"), names, sizeof names);
	ck_assert_str_eq(names, "calm0 calm1 calm2 calm3");
	/* Literal: a filter's syntax means nothing to query. */
	listed(adm, json_pack("{s:s}", "query", WAVE_NET), names, sizeof names);
	ck_assert_str_eq(names, "");
	ts_client_free(adm);
}
END_TEST

/* One filtered call reads at most 50 000 accounts: past that it answers a
 * short page (here an empty one) whose next is the last account it read,
 * and the next page goes on from there to the match. */
START_TEST(filter_reads_at_most_50000_accounts_a_call)
{
	struct ts_client *adm = accounts();
	char names[512];
	json_t *res;
	const char *next;

	/* The match is older than 50 000 others: the newest first are read
	 * first. */
	signup("192.0.2.99", "needle", "needle@example.org");
	ts_db_exec(tenv.db, "UPDATE users SET created_at = created_at - "
	                    "interval '1 day' WHERE username = 'needle'");
	ts_db_exec(tenv.db, "INSERT INTO users (username) SELECT 'hay' || i "
	                    "FROM generate_series(1, 50000) i");
	res = ts_ok(adm, "user.list",
	            json_pack("{s:s, s:i}", "filter", "needle", "limit", 10));
	ck_assert_int_eq(json_array_size(json_object_get(res, "users")), 0);
	next = json_string_value(json_object_get(res, "next"));
	ck_assert_ptr_nonnull(next);
	/* next is the 50 000th account read: the oldest of the hay. */
	ck_assert_int_eq(ts_db_count1(tenv.db,
	                              "SELECT count(*) FROM users WHERE id = "
	                              "$1::uuid AND username LIKE 'hay%'",
	                              next),
	                 1);
	listed(adm,
	       json_pack("{s:s, s:i, s:s, s:s}", "filter", "needle", "limit",
	                 10, "before", next, "sort", "created_at"),
	       names, sizeof names);
	ck_assert_str_eq(names, "needle");
	json_decref(res);
	ts_client_free(adm);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("user_list");
	TCase *tc = tcase_create("user_list");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, filter_lists_exactly_the_wave);
	tcase_add_test(tc, filter_pages_and_orders_like_the_plain_list);
	tcase_add_test(tc, bulk_dry_run_counts_what_the_filter_lists);
	tcase_add_test(tc, bad_filter_and_query_with_filter_are_refused);
	tcase_add_test(tc, query_still_searches_names_and_emails);
	tcase_add_test(tc, filter_reads_at_most_50000_accounts_a_call);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
