/* Pads end to end, pad.list: keyset pages in each sort and both orders (ties
 * on the sort key included) walk exactly the rows PostgreSQL orders the same
 * way, shared
 * pads among them; case-insensitive substring search with LIKE's wildcards
 * taken literally; parameter errors; and a walk while another connection
 * keeps creating pads sees every pad that existed before it exactly once. */
#include <pthread.h>
#include <stdatomic.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

/* Inserts n pads for username directly (fast fixtures): names are
 * printf(fmt, i) for i in 1..n; with same_time all get one created_at and
 * updated_at (ties broken by id). */
static void
insert_pads(const char *username, const char *fmt, int n, int same_time)
{
	char count[16];
	const char *p[] = {username, fmt, count};

	snprintf(count, sizeof count, "%d", n);
	ck_assert_int_eq(
	    ts_db_count(tenv.db,
	                same_time
	                    ? "WITH i AS (INSERT INTO pads (owner_id, "
	                      "display_name, data, size, created_at, "
	                      "updated_at) SELECT u.id, format($2, g), "
	                      "'{}', 2, now(), now() FROM users u, "
	                      "generate_series(1, $3::int) g WHERE "
	                      "u.username = $1 RETURNING 1) SELECT count(*) "
	                      "FROM i"
	                    : "WITH i AS (INSERT INTO pads (owner_id, "
	                      "display_name, data, size, created_at, "
	                      "updated_at) SELECT u.id, format($2, g), "
	                      "'{}', 2, clock_timestamp(), clock_timestamp() "
	                      "FROM users u, generate_series(1, $3::int) g "
	                      "WHERE u.username = $1 RETURNING 1) SELECT "
	                      "count(*) FROM i",
	                3, p),
	    n);
}

/* Walks every page of pad.list (params besides limit/after in base,
 * borrowed) with pages of limit; returns the ids in order (new array) and
 * asserts no id comes twice and no page is longer than limit. */
static json_t *
walk(struct ts_client *c, json_t *base, int limit)
{
	json_t *ids = json_array(), *seen = json_object(), *next = NULL;

	for (int pages = 0;; pages++) {
		json_t *params = json_deep_copy(base), *res, *p;
		size_t i;

		ck_assert_int_lt(pages, 100000);
		json_object_set_new(params, "limit", json_integer(limit));
		if (next)
			json_object_set(params, "after", next);
		json_decref(next);
		res = ts_ok(c, "pad.list", params);
		ck_assert_int_le(json_array_size(json_object_get(res, "pads")),
		                 limit);
		json_array_foreach (json_object_get(res, "pads"), i, p) {
			const char *id =
			    json_string_value(json_object_get(p, "id"));

			ck_assert_msg(json_object_get(seen, id) == NULL,
			              "pad %s listed twice", id);
			json_object_set_new(seen, id, json_true());
			json_array_append_new(ids, json_string(id));
		}
		next = json_incref(json_object_get(res, "next"));
		json_decref(res);
		if (json_is_null(next))
			break;
		ck_assert(json_is_string(next));
	}
	json_decref(next);
	json_decref(seen);
	return ids;
}

/* The ids sql returns (one column), as an array. */
static json_t *
ids_of(const char *sql)
{
	PGresult *r = PQexec(tenv.db, sql);
	json_t *ids = json_array();

	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(ids, json_string(PQgetvalue(r, i, 0)));
	PQclear(r);
	return ids;
}

#define ALICE_SEES                                                             \
	"FROM pads p JOIN users u ON u.username = 'alice' "                    \
	"WHERE p.owner_id = u.id OR p.id IN (SELECT pad_id FROM pad_shares "   \
	"WHERE user_id = u.id) "

static void
assert_same_ids(json_t *got, json_t *want, const char *what)
{
	char *g = json_dumps(got, 0), *w = json_dumps(want, 0);

	ck_assert_msg(json_equal(got, want), "%s: got %zu ids, want %zu", what,
	              json_array_size(got), json_array_size(want));
	free(g);
	free(w);
}

START_TEST(pages_walk_each_sort)
{
	/* Each sort in its own order (order absent or named), then reversed. */
	const struct {
		const char *sort, *order, *sql;
	} sorts[] = {
	    {"created", NULL,
	     "SELECT p.id " ALICE_SEES "ORDER BY p.created_at, p.id"},
	    {"updated", NULL,
	     "SELECT p.id " ALICE_SEES "ORDER BY p.updated_at DESC, p.id DESC"},
	    {"name", "asc",
	     "SELECT p.id " ALICE_SEES "ORDER BY lower(p.display_name), p.id"},
	    {"created", "desc",
	     "SELECT p.id " ALICE_SEES "ORDER BY p.created_at DESC, p.id DESC"},
	    {"updated", "asc",
	     "SELECT p.id " ALICE_SEES "ORDER BY p.updated_at, p.id"},
	    {"name", "desc",
	     "SELECT p.id " ALICE_SEES
	     "ORDER BY lower(p.display_name) DESC, p.id DESC"},
	};
	json_t *res, *want, *got, *p;
	size_t i;
	int shared = 0;

	insert_pads("alice", "pad %s", 40, 1); /* one timestamp for all */
	insert_pads("alice", "Pad %s x", 30, 0);
	insert_pads("bob", "Bob pad %s", 5, 0);
	/* Bob shares three of his with alice. */
	res = ts_ok(bob, "pad.list", NULL);
	json_array_foreach (json_object_get(res, "pads"), i, p) {
		if (i >= 3)
			break;
		json_decref(ts_ok(bob, "pad.share",
		                  json_pack("{s:O, s:s}", "id",
		                            json_object_get(p, "id"),
		                            "username", "alice")));
	}
	json_decref(res);
	/* And alice changes a few, so updated differs from created. */
	res = ts_ok(alice, "pad.list", json_pack("{s:i}", "limit", 5));
	json_array_foreach (json_object_get(res, "pads"), i, p)
		json_decref(ts_ok(alice, "pad.update",
		                  json_pack("{s:O, s:{s:i}}", "id",
		                            json_object_get(p, "id"), "data",
		                            "n", (int)i)));
	json_decref(res);

	for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
		json_t *base = json_pack("{s:s}", "sort", sorts[s].sort);
		char what[32];

		if (sorts[s].order)
			json_object_set_new(base, "order",
			                    json_string(sorts[s].order));
		snprintf(what, sizeof what, "%s %s", sorts[s].sort,
		         sorts[s].order ? sorts[s].order : "");
		want = ids_of(sorts[s].sql);
		ck_assert_int_eq(json_array_size(want), 73);
		for (int limit = 1; limit <= 101; limit += 50) {
			got = walk(alice, base, limit);
			assert_same_ids(got, want, what);
			json_decref(got);
		}
		got = walk(alice, base, 7);
		assert_same_ids(got, want, what);
		json_decref(got);
		json_decref(want);
		json_decref(base);
	}
	/* The default: created, 100 per page, so one page here. */
	res = ts_ok(alice, "pad.list", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 73);
	ck_assert(json_is_null(json_object_get(res, "next")));
	json_array_foreach (json_object_get(res, "pads"), i, p) {
		ck_assert_ptr_null(json_object_get(p, "data"));
		ck_assert_ptr_nonnull(json_object_get(p, "version"));
		if (strcmp(json_string_value(json_object_get(p, "access")),
		           "viewer") == 0)
			shared++;
	}
	ck_assert_int_eq(shared, 3);
	json_decref(res);
}
END_TEST

START_TEST(list_params_are_checked)
{
	json_t *res;
	char after[512];

	insert_pads("alice", "p%s", 3, 0);
	ts_expect_violation(alice, "pad.list", json_pack("{s:i}", "limit", 0),
	                    "limit", "range");
	ts_expect_violation(alice, "pad.list",
	                    json_pack("{s:i}", "limit", 1001), "limit",
	                    "range");
	json_decref(
	    ts_ok(alice, "pad.list", json_pack("{s:i}", "limit", 1000)));
	ts_expect_violation(alice, "pad.list",
	                    json_pack("{s:s}", "sort", "size"), "sort", "enum");
	ts_expect_violation(alice, "pad.list",
	                    json_pack("{s:s}", "order", "up"), "order", "enum");
	ts_expect_violation(alice, "pad.list",
	                    json_pack("{s:s}", "after", "nope"), "after",
	                    "format");
	/* base64url of ["created","not a time","..."]: a forged cursor is a
	 * 400, not a database error. */
	ts_expect_violation(
	    alice, "pad.list",
	    json_pack("{s:s}", "after",
	              "WyJjcmVhdGVkIiwibm90IGEgdGltZSIsIjAwMDAwMDAw"
	              "LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMCJd"),
	    "after", "format");
	res = ts_ok(alice, "pad.list", json_pack("{s:i}", "limit", 1));
	snprintf(after, sizeof after, "%s",
	         json_string_value(json_object_get(res, "next")));
	json_decref(res);
	/* A cursor keeps its sort: another sort is refused, none follows it. */
	ts_expect_violation(
	    alice, "pad.list",
	    json_pack("{s:s, s:s}", "after", after, "sort", "name"), "after",
	    "format");
	res = ts_ok(alice, "pad.list",
	            json_pack("{s:s, s:i}", "after", after, "limit", 5));
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 2);
	json_decref(res);
	/* And its order: the other one is refused, none follows it. */
	ts_expect_violation(
	    alice, "pad.list",
	    json_pack("{s:s, s:s}", "after", after, "order", "desc"), "after",
	    "format");
	res = ts_ok(alice, "pad.list",
	            json_pack("{s:s, s:i, s:s}", "order", "desc", "limit", 1,
	                      "sort", "name"));
	snprintf(after, sizeof after, "%s",
	         json_string_value(json_object_get(res, "next")));
	json_decref(res);
	res = ts_ok(alice, "pad.list",
	            json_pack("{s:s, s:i}", "after", after, "limit", 5));
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 2);
	json_decref(res);
}
END_TEST

START_TEST(search_is_a_case_insensitive_substring)
{
	const char *names[] = {"Alpha notes", "ALPHABET",    "beta",
	                       "100% real",   "under_score", "underXscore",
	                       "back\\slash", "ba"};
	const struct {
		const char *q;
		int n;
	} cases[] = {{"alpha", 3}, {"ALPHA", 3}, {"%", 1},   {"_", 1},
	             {"\\", 1},    {"a", 7},     {"zzz", 0}, {"", 9}};
	json_t *res, *got;
	char bobs[40];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ts_pad_create(alice, names[i], NULL);
	snprintf(bobs, sizeof bobs, "%s",
	         ts_pad_create(bob, "bob's alphas", NULL));
	json_decref(
	    ts_ok(bob, "pad.share",
	          json_pack("{s:s, s:s}", "id", bobs, "username", "alice")));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *base = json_pack("{s:s}", "q", cases[i].q);

		res = ts_ok(alice, "pad.list", json_deep_copy(base));
		ck_assert_msg((int)json_array_size(
		                  json_object_get(res, "pads")) == cases[i].n,
		              "q=%s: %zu pads, want %d", cases[i].q,
		              json_array_size(json_object_get(res, "pads")),
		              cases[i].n);
		json_decref(res);
		/* Paged one by one, in each sort, the same count. */
		got = walk(alice, base, 1);
		ck_assert_int_eq(json_array_size(got), cases[i].n);
		json_decref(got);
		json_object_set_new(base, "sort", json_string("name"));
		got = walk(alice, base, 2);
		ck_assert_int_eq(json_array_size(got), cases[i].n);
		json_decref(got);
		json_decref(base);
	}
	ts_expect_violation(alice, "pad.list", json_pack("{s:i}", "q", 1), "q",
	                    "type");
}
END_TEST

#define PRE 400
#define NEW 150

struct creator {
	pthread_t th;
	atomic_int made;
	int failed;
};

static void *
creator_run(void *arg)
{
	struct creator *cr = arg;
	struct ts_client *c = ts_env_login(&tenv, "alice");

	cr->failed = c == NULL;
	for (int i = 1; c != NULL && i <= NEW; i++) {
		char name[32];
		json_t *r;

		/* Names between the existing ones, in every sort. */
		snprintf(name, sizeof name, "Pad %d new", i * PRE / NEW);
		r = ts_call(c, "pad.create",
		            json_pack("{s:s}", "display_name", name));
		if (r == NULL || ts_result(r) == NULL)
			cr->failed = 1;
		json_decref(r);
		atomic_fetch_add(&cr->made, 1);
	}
	ts_client_free(c);
	return NULL;
}

START_TEST(walk_is_stable_while_pads_are_created)
{
	const char *sorts[] = {"created", "name", "updated"};
	struct creator cr = {.failed = 0};
	json_t *before, *got, *base;
	long long deadline = ts_now_ms() + 60000;
	int round;

	insert_pads("alice", "Pad %s", PRE / 2, 1);
	insert_pads("alice", "Pad %s b", PRE / 2, 0);
	before = ids_of("SELECT p.id " ALICE_SEES "ORDER BY p.id");
	atomic_init(&cr.made, 0);
	ck_assert_int_eq(pthread_create(&cr.th, NULL, creator_run, &cr), 0);
	/* Walk only once creating is under way. */
	while (atomic_load(&cr.made) == 0 && ts_now_ms() < deadline)
		usleep(1000);
	for (round = 0; atomic_load(&cr.made) < NEW || round < 3; round++) {
		json_t *seen = json_object(), *id;
		size_t i;

		base = json_pack("{s:s}", "sort", sorts[round % 3]);
		got = walk(alice, base, 13);
		json_array_foreach (got, i, id)
			json_object_set(seen, json_string_value(id), id);
		/* Every pad that existed before the walk, once (walk checks
		 * the once). */
		json_array_foreach (before, i, id)
			ck_assert_msg(json_object_get(
			                  seen, json_string_value(id)) != NULL,
			              "%s walk skipped pad %s",
			              sorts[round % 3], json_string_value(id));
		json_decref(seen);
		json_decref(got);
		json_decref(base);
		ck_assert_int_lt(ts_now_ms(), deadline + 240000);
	}
	fprintf(stderr, "stable walk: %d walks while %d pads were created\n",
	        round, NEW);
	pthread_join(cr.th, NULL);
	ck_assert(!cr.failed);
	base = json_object();
	got = walk(alice, base, 1000);
	ck_assert_int_eq(json_array_size(got), PRE + NEW);
	json_decref(got);
	json_decref(base);
	json_decref(before);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_list");
	TCase *tc = tcase_create("list");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 400);
	tcase_add_test(tc, pages_walk_each_sort);
	tcase_add_test(tc, list_params_are_checked);
	tcase_add_test(tc, search_is_a_case_insensitive_substring);
	tcase_add_test(tc, walk_is_stable_while_pads_are_created);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
