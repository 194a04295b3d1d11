/* Admin methods end to end: every one refuses anonymous (401) and normal
 * users (403); user.list pages newest first with prefix search; user.stats
 * counts; invitations store only a hash; events.since backfills; ten
 * concurrent user.sync of one new id leave one row and one created:true. */
#include <check.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *admin;

static const char *const admin_methods[] = {
    "user.sync",         "user.list",       "user.stats",
    "invitation.create", "invitation.list", "events.since",
};

START_TEST(anonymous_401_user_403)
{
	struct ts_client *anon = ts_client_connect(tenv.srv.port);
	struct ts_client *user = ts_client_connect(tenv.srv.port);
	json_t *r;

	ck_assert_int_eq(ts_create_user(tenv.schema, "plain", TS_PASSWORD, 0),
	                 0);
	ck_assert_int_eq(ts_login(user, "plain", TS_PASSWORD), 0);
	for (size_t i = 0; i < sizeof admin_methods / sizeof admin_methods[0];
	     i++) {
		r = ts_call(anon, admin_methods[i], NULL);
		ck_assert_msg(ts_error_code(r) == 401, "%s anonymous: %d",
		              admin_methods[i], ts_error_code(r));
		json_decref(r);
		r = ts_call(user, admin_methods[i], NULL);
		ck_assert_msg(ts_error_code(r) == 403, "%s as user: %d",
		              admin_methods[i], ts_error_code(r));
		json_decref(r);
	}
	ts_client_free(anon);
	ts_client_free(user);
}
END_TEST

static json_t *
list_sorted(const char *query, const char *sort, const char *order, int limit,
            const char *before)
{
	json_t *p = json_pack("{s:i}", "limit", limit);

	if (query)
		json_object_set_new(p, "query", json_string(query));
	if (sort)
		json_object_set_new(p, "sort", json_string(sort));
	if (order)
		json_object_set_new(p, "order", json_string(order));
	if (before)
		json_object_set_new(p, "before", json_string(before));
	return ts_call(admin, "user.list", p);
}

/* Frees the previous cursor and the reply; the page's next (malloc'd) or
 * NULL on the last page. */
static char *
take_next(char *prev, json_t *r)
{
	const char *n =
	    json_string_value(json_object_get(ts_result(r), "next"));
	char *next = n ? strdup(n) : NULL;

	free(prev);
	json_decref(r);
	return next;
}

static json_t *
list(const char *query, int limit, const char *before)
{
	return list_sorted(query, NULL, NULL, limit, before);
}

/* How many users a search of up to 10 finds. */
static size_t
list_count(const char *query)
{
	json_t *r = list(query, 10, NULL);
	size_t n = json_array_size(json_object_get(ts_result(r), "users"));

	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	return n;
}

START_TEST(list_pages_newest_first_and_searches)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char name[32], *next = NULL;
	json_t *r, *users;
	int seen = 0, expect = 9;

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "pager%d", i);
		r = ts_register_fresh(c, name, TS_PASSWORD, NULL);
		ck_assert_int_eq(ts_error_code(r), 0);
		json_decref(r);
	}
	/* Pages of 2 over the 5 pagers, newest first. */
	do {
		r = list("PAGER", 2, next);
		ck_assert_int_eq(ts_error_code(r), 0);
		users = json_object_get(ts_result(r), "users");
		for (size_t i = 0; i < json_array_size(users); i++) {
			snprintf(name, sizeof name, "pager%d", 4 - seen);
			ck_assert_str_eq(
			    json_string_value(json_object_get(
			        json_array_get(users, i), "username")),
			    name);
			ck_assert_ptr_null(json_object_get(
			    json_array_get(users, i), "password_hash"));
			seen++;
		}
		next = take_next(next, r);
	} while (next && --expect > 0);
	ck_assert_int_eq(seen, 5);
	/* LIKE characters in the query are literal. */
	ck_assert_int_eq(list_count("pager_"), 0);
	ck_assert_int_eq(list_count("pager3"), 1);
	r = ts_call(admin, "user.list", json_pack("{s:i}", "limit", 0));
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

/* The search matches any part of a username or email, in any case (the
 * dashboard's / does; user.list used to match prefixes only). */
START_TEST(list_searches_substrings)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	static const char *const names[] = {"bulk051", "xbulk052", "bulk06",
	                                    "zzz"};
	json_t *r, *users;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *tok = ts_form_token(c);

		json_decref(ts_register_with(
		    c, tok, names[i], TS_PASSWORD,
		    i == 3 ? "Mail.BULK05@example.org" : NULL, NULL));
		free(tok);
	}
	r = list("bulk05", 10, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	users = json_object_get(ts_result(r), "users");
	/* zzz by its email, xbulk052 from the middle, bulk051 by prefix */
	ck_assert_int_eq(json_array_size(users), 3);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(users, 0), "username")),
	                 "zzz");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(users, 1), "username")),
	                 "xbulk052");
	json_decref(r);
	/* Case-insensitive, mid-word; % is literal: nobody has one. */
	ck_assert_int_eq(list_count("ULK05"), 3);
	ck_assert_int_eq(list_count("%"), 0);
	/* 1 or 2 characters match the start of a name or email only (the
	 * indexes answer that at a million users): "bu" finds bulk051 and
	 * bulk06, not xbulk052; "lk" finds none; "ma" finds zzz's email. */
	r = list("bu", 10, NULL);
	users = json_object_get(ts_result(r), "users");
	ck_assert_int_eq(json_array_size(users), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(users, 0), "username")),
	                 "bulk06");
	json_decref(r);
	ck_assert_int_eq(list_count("LK"), 0);
	ck_assert_int_eq(list_count("Ma"), 1);
	ck_assert_int_eq(list_count("_"), 0); /* literal */
	ts_client_free(c);
}
END_TEST

/* The usernames of a user.list page whose names start with prefix, in
 * order, joined by spaces (other suites' users are skipped). */
static void
page_names(json_t *r, const char *prefix, char *out, size_t size)
{
	json_t *users = json_object_get(ts_result(r), "users");
	size_t i;
	json_t *u;

	out[0] = '\0';
	json_array_foreach (users, i, u) {
		const char *n =
		    json_string_value(json_object_get(u, "username"));

		if (n && strncmp(n, prefix, strlen(prefix)) == 0)
			snprintf(out + strlen(out), size - strlen(out), "%s%s",
			         out[0] ? " " : "", n);
	}
}

/* sort/order pick one of the whitelisted orders; the cursor pages in that
 * order; anything else is a 400 naming the param (never SQL). */
START_TEST(list_sorts_and_pages_in_order)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	static const char *const names[] = {"srtB", "srta", "srtC", "srtd"};
	static const char *const emails[] = {"z@example.org", NULL,
	                                     "a@example.org", "M@example.org"};
	/* Newest first by default; names A-Z in any case; no email first. */
	static const struct {
		const char *sort, *order, *want;
	} orders[] = {
	    {NULL, NULL, "srtd srtC srta srtB"},
	    {"created_at", "asc", "srtB srta srtC srtd"},
	    {"username", NULL, "srta srtB srtC srtd"},
	    {"username", "desc", "srtd srtC srtB srta"},
	    {"email", NULL, "srta srtC srtd srtB"},
	};
	char got[256], all[256] = "";
	json_t *r;
	char *next = NULL;

	for (size_t i = 0; i < 4; i++) {
		char *tok = ts_form_token(c);

		r = ts_register_with(c, tok, names[i], TS_PASSWORD, emails[i],
		                     NULL);
		ck_assert_int_eq(ts_error_code(r), 0);
		json_decref(r);
		free(tok);
	}
	for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
		r = list_sorted("srt", orders[i].sort, orders[i].order, 10,
		                NULL);
		page_names(r, "srt", got, sizeof got);
		ck_assert_str_eq(got, orders[i].want);
		json_decref(r);
	}
	/* Pages of one by username: the cursor follows the order. */
	for (int i = 0; i < 6; i++) {
		r = list_sorted("srt", "username", NULL, 1, next);
		ck_assert_int_eq(ts_error_code(r), 0);
		page_names(r, "srt", got, sizeof got);
		/* Appended piecewise: the names are short, and a snprintf
		 * of both at -O3 warns that they might not be. */
		if (all[0] && got[0])
			strncat(all, " ", sizeof all - strlen(all) - 1);
		strncat(all, got, sizeof all - strlen(all) - 1);
		next = take_next(next, r);
		if (!next)
			break;
	}
	ck_assert_ptr_null(next);
	ck_assert_str_eq(all, "srta srtB srtC srtd");
	r = list_sorted("srt", "password_hash", NULL, 10, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "sort", "enum"));
	json_decref(r);
	r = list_sorted("srt", "username; DROP TABLE users", NULL, 10, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	r = list_sorted("srt", "username", "sideways", 10, NULL);
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "order", "enum"));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(stats_counts)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r, *pm;
	long long before, total = 0, sum = 0;

	r = ts_call(admin, "user.stats", NULL);
	before = json_integer_value(json_object_get(ts_result(r), "total"));
	json_decref(r);
	for (int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof name, "stat%d", i);
		json_decref(ts_register_fresh(c, name, TS_PASSWORD, NULL));
	}
	r = ts_call(admin, "user.stats", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	total = json_integer_value(json_object_get(ts_result(r), "total"));
	ck_assert_int_eq(total, before + 3);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "last_hour")),
	    total);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "last_24h")),
	    total);
	pm = json_object_get(ts_result(r), "per_minute");
	ck_assert_int_eq(json_array_size(pm), 60);
	for (size_t i = 0; i < 60; i++)
		sum += json_integer_value(json_array_get(pm, i));
	ck_assert_int_eq(sum, total); /* all created within this hour */
	ck_assert(json_integer_value(json_array_get(pm, 59)) +
	              json_integer_value(json_array_get(pm, 58)) >=
	          3);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(invitation_code_only_hashed)
{
	json_t *r = ts_call(
	    admin, "invitation.create",
	    json_pack("{s:i, s:s}", "expires_in", 3600, "note", "welcome"));
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[sizeof h * 2 + 1];
	const char *code, *p[2];
	char saved[128];
	PGconn *db;

	ck_assert_int_eq(ts_error_code(r), 0);
	code = json_string_value(json_object_get(ts_result(r), "code"));
	ck_assert_ptr_nonnull(code);
	snprintf(saved, sizeof saved, "%s", code);
	code = saved;
	ck_assert_ptr_nonnull(json_object_get(ts_result(r), "expires_at"));
	crypto_hash_sha256(h, (const unsigned char *)code, strlen(code));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	db = ts_db_connect(tenv.schema);
	p[0] = hex;
	p[1] = code;
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM invitations WHERE "
	                             "code_hash = $1 AND note = 'welcome' AND "
	                             "NOT used AND expires_at < now() + "
	                             "interval '2 hours'",
	                             1, p),
	                 1);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM invitations i WHERE "
	                             "i::text LIKE '%' || $1 || '%'",
	                             1, p + 1),
	                 0);
	PQfinish(db);
	json_decref(r);
	r = ts_call(admin, "invitation.list", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert(
	    json_array_size(json_object_get(ts_result(r), "invitations")) >= 1);
	char *text = json_dumps(ts_result(r), 0);
	ck_assert_ptr_null(strstr(text, code)); /* shown once, at creation */
	free(text);
	json_decref(r);
}
END_TEST

START_TEST(events_since_backfills)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r, *events;
	long long last = 0;
	int found = 0;

	r = ts_call(admin, "events.since", json_pack("{s:i}", "after", 0));
	ck_assert_int_eq(ts_error_code(r), 0);
	events = json_object_get(ts_result(r), "events");
	for (size_t i = 0; i < json_array_size(events); i++)
		last = json_integer_value(
		    json_object_get(json_array_get(events, i), "id"));
	json_decref(r);
	json_decref(ts_register_fresh(c, "backfill", TS_PASSWORD, NULL));
	r = ts_call(
	    admin, "events.since",
	    json_pack("{s:I, s:i}", "after", (json_int_t)last, "limit", 10));
	events = json_object_get(ts_result(r), "events");
	for (size_t i = 0; i < json_array_size(events); i++) {
		json_t *e = json_array_get(events, i);
		const char *u = json_string_value(
		    json_object_get(json_object_get(e, "subject"), "username"));

		ck_assert(json_integer_value(json_object_get(e, "id")) > last);
		if (u && strcmp(u, "backfill") == 0 &&
		    strcmp(json_string_value(json_object_get(e, "action")),
		           "user.created") == 0)
			found++;
	}
	ck_assert_int_eq(found, 1);
	json_decref(r);
	r = ts_call(admin, "events.since", NULL);
	ck_assert_int_eq(ts_error_code(r), 400); /* after is required */
	json_decref(r);
	ts_client_free(c);
}
END_TEST

struct syncer {
	int port;
	const char *token, *id, *username;
	pthread_barrier_t *go;
	int code, created;
};

static void *
sync_one(void *arg)
{
	struct syncer *s = arg;
	struct ts_client *c = ts_client_connect(s->port);
	json_t *r;

	json_decref(ts_call(c, "session.resume",
	                    json_pack("{s:s}", "token", s->token)));
	pthread_barrier_wait(s->go);
	r = ts_call(c, "user.sync",
	            json_pack("{s:s, s:s, s:s, s:b, s:s, s:[s]}", "id", s->id,
	                      "username", s->username, "email",
	                      "synced@example.com", "email_verified", 1, "name",
	                      "Syn Ced", "roles", "editor"));
	s->code = r ? ts_error_code(r) : -1;
	s->created = json_is_true(json_object_get(ts_result(r), "created"));
	json_decref(r);
	ts_client_free(c);
	return NULL;
}

/* Ten syncs of one new id at once: all succeed, one creates. */
static void
sync_race(const char *token, const char *id, const char *username)
{
	struct syncer ss[10];
	pthread_t th[10];
	pthread_barrier_t go;
	const char *p[1] = {id};
	int created = 0;
	PGconn *db;

	pthread_barrier_init(&go, NULL, 10);
	for (int i = 0; i < 10; i++) {
		ss[i] = (struct syncer){tenv.srv.port, token, id, username,
		                        &go,           -1,    0};
		pthread_create(&th[i], NULL, sync_one, &ss[i]);
	}
	for (int i = 0; i < 10; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(ss[i].code == 0, "%s sync %d: %d", username, i,
		              ss[i].code);
		created += ss[i].created;
	}
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(created, 1);
	db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM users WHERE id = "
	                             "$1 AND email_verified AND roles = "
	                             "'[\"editor\"]' AND password_hash IS NULL",
	                             1, p),
	                 1);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "subject_id = $1 AND action = "
	                             "'user.created'",
	                             1, p),
	                 1);
	PQfinish(db);
}

START_TEST(concurrent_sync_one_row)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = ts_call(c, "session.login",
	                    json_pack("{s:s, s:s}", "username", "boss",
	                              "password", TS_PASSWORD));
	const char *token =
	    json_string_value(json_object_get(ts_result(r), "token"));
	char id[40], name[32];

	ck_assert_ptr_nonnull(token);
	/* Several rounds: the collision window is narrow. */
	for (int round = 0; round < 12; round++) {
		snprintf(id, sizeof id,
		         "0b6f3c1e-4a5d-4e2b-9c7a-1d2e3f4051%02d", round);
		snprintf(name, sizeof name, "synced%d", round);
		sync_race(token, id, name);
	}
	json_decref(r);
	/* Taking someone else's name is a conflict, not a 500. */
	r = ts_call(admin, "user.sync",
	            json_pack("{s:s, s:s}", "id",
	                      "0b6f3c1e-4a5d-4e2b-9c7a-1d2e3f405199",
	                      "username", "SYNCED0"));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "username_taken");
	json_decref(r);
	r = ts_call(
	    admin, "user.sync",
	    json_pack("{s:s, s:s}", "id", "not-a-uuid", "username", "x1x"));
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "adm",
                                        .users = {{"boss", 1, &admin}}};

int
main(void)
{
	Suite *s = suite_create("e2e_admin");
	TCase *tc = tcase_create("adm");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, anonymous_401_user_403);
	tcase_add_test(tc, list_pages_newest_first_and_searches);
	tcase_add_test(tc, list_searches_substrings);
	tcase_add_test(tc, stats_counts);
	tcase_add_test(tc, invitation_code_only_hashed);
	tcase_add_test(tc, events_since_backfills);
	tcase_add_test(tc, concurrent_sync_one_row);
	tcase_add_test(tc, list_sorts_and_pages_in_order);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
