/*
 * user.bulk over a wave of accounts against real padlined, PostgreSQL and
 * Redis (scripts/stack env, or DATABASE_URL of a durable cluster;
 * PADLINE_BIN the padlined to measure): N wave accounts (each with its
 * registration attempt from 203.0.113.0/24, flagged fast) among as many
 * others, then per round the wall time of the dry run, the run (disable)
 * and its undo, as the admin's client sees them; last, user.list with the
 * filter (a page of the wave, and a filter that matches no account, which
 * reads every account up to user.list's limit of what one call reads).
 *   bench_user_bulk [--accounts N] [--rounds R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define FILTER "net:203.0.113.0/24 flag:fast"
#define PW "Bench-Adm1n-pass!"

static const char *const env[] = {"PADLINE_LOG=warn", NULL};

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long long
median(long long *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_ll);
	return v[n / 2];
}

/* Calls method and returns its result's count; its wall time in *ms. */
static long long
timed(struct ts_client *c, const char *method, json_t *params, long long *ms)
{
	long long t0 = ts_now_ms(), n;
	json_t *r = ts_call(c, method, params);

	*ms = ts_now_ms() - t0;
	if (r == NULL || ts_result(r) == NULL) {
		char *t = r ? json_dumps(r, 0) : NULL;

		fprintf(stderr, "bench: %s failed: %s\n", method,
		        t ? t : "no answer");
		exit(1);
	}
	n = json_integer_value(json_object_get(ts_result(r), "count"));
	if (strcmp(method, "user.bulk") == 0 &&
	    !json_is_null(json_object_get(ts_result(r), "batch_id")))
		n = n * 1000000000LL + json_integer_value(json_object_get(
		                           ts_result(r), "batch_id"));
	json_decref(r);
	return n;
}

/* One user.list {filter} as the admin's client sees it. */
static void
list_time(struct ts_client *c, const char *filter)
{
	long long t0 = ts_now_ms(), ms;
	json_t *r =
	    ts_call(c, "user.list",
	            json_pack("{s:s, s:i}", "filter", filter, "limit", 100));

	ms = ts_now_ms() - t0;
	if (r == NULL || ts_result(r) == NULL) {
		fprintf(stderr, "bench: user.list failed\n");
		exit(1);
	}
	printf("user.list {filter \"%s\", limit 100}: %zu users, next %s, "
	       "%lld ms\n",
	       filter, json_array_size(json_object_get(ts_result(r), "users")),
	       json_is_null(json_object_get(ts_result(r), "next")) ? "null"
	                                                           : "set",
	       ms);
	json_decref(r);
}

static void
populate(const char *schema, int n)
{
	PGconn *db = ts_db_connect(schema);
	char sql[1024];

	snprintf(sql, sizeof sql,
	         "INSERT INTO users (username, email) SELECT 'wave' || i, "
	         "'wave' || i || '@wave.example' FROM generate_series(1, %d) "
	         "i; INSERT INTO users (username, email) SELECT 'other' || i, "
	         "'other' || i || '@example.org' FROM generate_series(1, %d) i",
	         n, n);
	ts_db_exec(db, sql);
	ts_db_exec(
	    db, "INSERT INTO signup_attempts (outcome, user_id, username, "
	        "email_domain, peer, network, fill_ms, shape, flags) SELECT "
	        "'created', id, username, split_part(email, '@', 2), "
	        "CASE WHEN username LIKE 'wave%' THEN '203.0.113.' || "
	        "(1 + abs(hashtext(username)) % 250) ELSE '198.51.100.' || "
	        "(1 + abs(hashtext(username)) % 250) END, CASE WHEN "
	        "username LIKE 'wave%' THEN '203.0.113.0/24' ELSE "
	        "'198.51.100.0/24' END, 400, 'a4d5', CASE WHEN username "
	        "LIKE 'wave%' THEN '{fast}'::text[] ELSE '{}' END FROM users "
	        "WHERE username LIKE 'wave%' OR username LIKE 'other%'");
	ts_db_exec(db, "ANALYZE");
	PQfinish(db);
}

int
main(int argc, char **argv)
{
	int n = 10000, rounds = 3;
	struct ts_server srv;
	struct ts_client *c;
	char schema[64];
	long long *dry, *run, *undo, got;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--accounts") == 0)
			n = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
	}
	if (n < 1 || rounds < 1)
		return 2;
	ts_unique_schema("bbulk", schema, sizeof schema);
	if (ts_server_start(&srv, schema, env, NULL) != 0)
		return 1;
	populate(schema, n);
	if (ts_create_user(schema, "benchadm", PW, 1) != 0)
		return 1;
	c = ts_client_connect(srv.port);
	if (c == NULL || ts_login(c, "benchadm", PW) != 0)
		return 1;
	dry = calloc((size_t)rounds, sizeof *dry);
	run = calloc((size_t)rounds, sizeof *run);
	undo = calloc((size_t)rounds, sizeof *undo);
	for (int r = 0; r < rounds; r++) {
		long long batch;

		got = timed(c, "user.bulk",
		            json_pack("{s:s, s:s, s:b}", "filter", FILTER,
		                      "action", "disable", "dry_run", 1),
		            &dry[r]);
		if (got != n) {
			fprintf(stderr, "bench: dry run counted %lld\n", got);
			return 1;
		}
		got = timed(c, "user.bulk",
		            json_pack("{s:s, s:s}", "filter", FILTER, "action",
		                      "disable"),
		            &run[r]);
		batch = got % 1000000000LL;
		if (got / 1000000000LL != n) {
			fprintf(stderr, "bench: run changed %lld\n",
			        got / 1000000000LL);
			return 1;
		}
		got = timed(c, "user.bulk_undo",
		            json_pack("{s:I}", "batch_id", batch), &undo[r]);
		if (got != n) {
			fprintf(stderr, "bench: undo restored %lld\n", got);
			return 1;
		}
		printf("round %d: dry run %lld ms, run %lld ms, undo %lld ms\n",
		       r + 1, dry[r], run[r], undo[r]);
	}
	printf("user.bulk over %d of %d accounts (filter \"%s\"), median of "
	       "%d rounds, wall ms: dry run %lld, run (disable) %lld, undo "
	       "%lld\n",
	       n, 2 * n + 1, FILTER, rounds, median(dry, rounds),
	       median(run, rounds), median(undo, rounds));
	list_time(c, FILTER);
	list_time(c, "domain:nowhere.example");
	free(dry);
	free(run);
	free(undo);
	ts_client_free(c);
	ts_server_stop(&srv);
	ts_db_drop_schema(schema);
	return 0;
}
