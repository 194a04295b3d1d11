/* A slow query on some connections never stalls the others: a session
 * outside padlined holds a pad's row lock for 5 s while several clients'
 * pad.update calls wait on it, and 16 more clients create pads at full
 * speed. Their creates must go on while the lock is held (counted, not
 * timed), and the waiting updates must all go through once it is gone.
 * Also when the waiters hold every worker: pad.create, pad.get and
 * pad.list are sent from the loop thread and need none (nor does the
 * session check before them). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"
#include "tsupport.h"

#define CREATORS 16
/* More waiting requests than the old default pool (4 connections on two
 * cores) had connections: there, every worker waited on the lock. */
#define WAITERS 8
#define HOLD_S 5
/* Far fewer than a loaded 2-core machine makes in 5 s (hundreds), far
 * more than a stalled server's zero. */
#define MIN_CREATES_DURING_LOCK 20

/* The second server: few workers, more connections. */
#define FEW_WORKERS 4
#define FEW_POOL 16

/* The third: fewer connections than workers. */
#define SMALL_POOL 2

static struct ts_env tenv, tenv_few, tenv_small;

static atomic_long creates;
static atomic_int stop_creating;
static atomic_int create_errors;

static void *
creator_run(void *arg)
{
	struct ts_client *c = arg;
	char name[64];

	for (long i = 0; !atomic_load(&stop_creating); i++) {
		json_t *r;

		snprintf(name, sizeof name, "c%p-%ld", arg, i);
		r = ts_call(c, "pad.create",
		            json_pack("{s:s, s:{s:s}}", "display_name", name,
		                      "data", "text", "hello"));
		if (r == NULL || ts_error_code(r) != 0) {
			atomic_fetch_add(&create_errors, 1);
			json_decref(r);
			break;
		}
		json_decref(r);
		atomic_fetch_add(&creates, 1);
	}
	return NULL;
}

/* Signs in once per user, then resumes that session: many sign-ins from
 * one address would meet the login limits. */
static struct ts_client *
signed_in(const struct ts_env *e, const char *user, char *token, size_t size)
{
	struct ts_client *c;
	json_t *r;

	if (token[0])
		c = ts_client_resume(e->srv.port, token, TS_PATIENCE_MS);
	else {
		c = ts_client_connect(e->srv.port);
		ck_assert_ptr_nonnull(c);
		r = ts_call(c, "session.login",
		            json_pack("{s:s, s:s}", "username", user,
		                      "password", TS_PASSWORD));
		ck_assert_int_eq(ts_error_code(r), 0);
		snprintf(
		    token, size, "%s",
		    json_string_value(json_object_get(ts_result(r), "token")));
		json_decref(r);
	}
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Returns once min_waiting of padlined's statements wait for a lock (seen
 * from watch, outside the lock's transaction, whose view of
 * pg_stat_activity stays as first read). */
static void
lock_waiters_seen(PGconn *watch, int min_waiting)
{
	char want[16];
	const char *wparams[1] = {want};

	snprintf(want, sizeof want, "%d", min_waiting);
	ck_assert_int_ge(
	    ts_db_wait_count(watch,
	                     "SELECT least(count(*), $1::int) FROM "
	                     "pg_stat_activity WHERE wait_event_type = 'Lock' "
	                     "AND application_name = 'padlined'",
	                     1, wparams, min_waiting, TS_PATIENCE_MS),
	    min_waiting);
}

/* The version of pad id, read by db. */
static long
pad_version(PGconn *db, const char *id)
{
	const char *params[1] = {id};

	return ts_db_count(db, "SELECT version FROM pads WHERE id = $1::uuid",
	                   1, params);
}

/* The slow query: db's transaction (begun here) holds pad id's row, each
 * waiter sends a pad.update of it, and this returns once min_waiting of
 * them wait inside PostgreSQL for the lock (seen from watch, outside the
 * lock's transaction, whose view of pg_stat_activity stays as first
 * read). */
static void
lock_with_waiters(PGconn *db, PGconn *watch, const char *id,
                  struct ts_client **waiters, int nwait, int min_waiting)
{
	const char *params[1] = {id};
	char req[512];

	ts_db_exec(db, "BEGIN");
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM (SELECT id FROM "
	                             "pads WHERE id = $1::uuid FOR UPDATE) l",
	                             1, params),
	                 1);
	for (int i = 0; i < nwait; i++) {
		int n = snprintf(req, sizeof req,
		                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
		                 "\"pad.update\",\"params\":{\"id\":\"%s\","
		                 "\"data\":{\"n\":%d}}}\n",
		                 100 + i, id, i + 1);

		ck_assert_int_eq(ts_client_send_raw(waiters[i], req, (size_t)n),
		                 0);
	}
	lock_waiters_seen(watch, min_waiting);
}

/* Once lock_with_waiters' transaction has ended, every waiting update
 * goes through (and its client is freed). */
static void
waiters_answered(struct ts_client **waiters, int nwait)
{
	for (int i = 0; i < nwait; i++) {
		char *line =
		    ts_client_read_line(waiters[i], TS_PATIENCE_MS, NULL);
		json_t *r;

		ck_assert_ptr_nonnull(line);
		r = json_loads(line, 0, NULL);
		free(line);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(ts_error_code(r), 0);
		json_decref(r);
		ts_client_free(waiters[i]);
	}
}

/* nwait waiters, and creates go on while every waiter waits in
 * PostgreSQL (at least min_waiting of them before the creators start). */
static void
lock_stalls_only_waiters(const struct ts_env *e, int nwait, int min_waiting)
{
	char alice_token[256] = "", bob_token[256] = "";
	struct ts_client *alice = signed_in(e, "alice", alice_token,
	                                    sizeof alice_token),
	                 *waiters[WAITERS], *creators[CREATORS];
	pthread_t th[CREATORS];
	PGconn *db = ts_db_connect(e->schema),
	       *watch = ts_db_connect(e->schema);
	char id[64];
	long before, during;
	json_t *r;

	ck_assert_int_le(nwait, WAITERS);
	atomic_store(&creates, 0);
	atomic_store(&stop_creating, 0);
	atomic_store(&create_errors, 0);

	r = ts_call(alice, "pad.create",
	            json_pack("{s:s, s:{s:i}}", "display_name", "locked",
	                      "data", "n", 0));
	ck_assert_int_eq(ts_error_code(r), 0);
	snprintf(id, sizeof id, "%s",
	         json_string_value(json_object_get(
	             json_object_get(ts_result(r), "pad"), "id")));
	json_decref(r);
	for (int i = 0; i < nwait; i++)
		waiters[i] =
		    signed_in(e, "alice", alice_token, sizeof alice_token);
	for (int i = 0; i < CREATORS; i++)
		creators[i] = signed_in(e, "bob", bob_token, sizeof bob_token);

	/* Every waiter's pad.update queues behind the lock, and
	 * min_waiting of them wait before the creators start. */
	lock_with_waiters(db, watch, id, waiters, nwait, min_waiting);
	for (int i = 0; i < CREATORS; i++)
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, creator_run, creators[i]), 0);
	before = atomic_load(&creates);
	sleep(HOLD_S);
	during = atomic_load(&creates) - before;
	/* Still held: no update has gone through. */
	ck_assert_int_eq(pad_version(db, id), 1);
	ts_db_exec(db, "COMMIT");
	atomic_store(&stop_creating, 1);
	for (int i = 0; i < CREATORS; i++)
		pthread_join(th[i], NULL);
	printf("pad.create completed while the row lock was held (%d s): %ld\n",
	       HOLD_S, during);
	ck_assert_int_eq(atomic_load(&create_errors), 0);
	ck_assert_int_ge(during, MIN_CREATES_DURING_LOCK);

	waiters_answered(waiters, nwait);
	ck_assert_int_eq(pad_version(db, id), 1 + nwait);
	for (int i = 0; i < CREATORS; i++)
		ts_client_free(creators[i]);
	ts_client_free(alice);
	PQfinish(watch);
	PQfinish(db);
}

START_TEST(row_lock_stalls_only_its_waiters)
{
	lock_stalls_only_waiters(&tenv, WAITERS, 1);
}
END_TEST

#define IN_FLIGHT 8

/* A session outside padlined inserts bob's pad "taken" and keeps its
 * transaction open, and IN_FLIGHT clients of bob's (signed in on e) send
 * pad.create of that name, each to wait for that transaction's outcome;
 * returns once min_waiting of them wait inside PostgreSQL, with the
 * session (db_rollback_answered ends it). */
static PGconn *
taken_name_held(const struct ts_env *e, struct ts_client **c, int min_waiting)
{
	char token[256] = "", req[256];
	PGconn *db = ts_db_connect(e->schema),
	       *watch = ts_db_connect(e->schema);

	for (int i = 0; i < IN_FLIGHT; i++)
		c[i] = signed_in(e, "bob", token, sizeof token);
	ts_db_exec(db, "BEGIN");
	ts_db_exec(db, "INSERT INTO pads (owner_id, display_name) SELECT id, "
	               "'taken' FROM users WHERE username = 'bob'");
	for (int i = 0; i < IN_FLIGHT; i++) {
		int n = snprintf(req, sizeof req,
		                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
		                 "\"pad.create\",\"params\":{\"display_name\":"
		                 "\"taken\"}}\n",
		                 i + 1);

		ck_assert_int_eq(ts_client_send_raw(c[i], req, (size_t)n), 0);
	}
	lock_waiters_seen(watch, min_waiting);
	PQfinish(watch);
	return db;
}

/* Ends taken_name_held's transaction: every create is answered, one with
 * the pad, the others with 409 name_taken (never 503), and their clients
 * are freed. */
static void
db_rollback_answered(PGconn *db, struct ts_client **c)
{
	ts_db_exec(db, "ROLLBACK");
	for (int i = 0; i < IN_FLIGHT; i++) {
		char *line = ts_client_read_line(c[i], TS_PATIENCE_MS, NULL);
		json_t *r;
		int code;

		ck_assert_ptr_nonnull(line);
		r = json_loads(line, 0, NULL);
		free(line);
		code = ts_error_code(r);
		json_decref(r);
		ck_assert_msg(code == 0 || code == 409,
		              "pad.create %d answered %d", i + 1, code);
		ts_client_free(c[i]);
	}
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM pads WHERE "
	                             "display_name = 'taken'",
	                             0, NULL),
	                 1);
	PQfinish(db);
}

/* More pad.create calls wait inside PostgreSQL at once than there are
 * workers. Also what opens the connections the next part needs: the pool
 * connects only when calls need more connections than it has open. */
static void
more_in_flight_than_workers(const struct ts_env *e)
{
	struct ts_client *c[IN_FLIGHT];

	db_rollback_answered(taken_name_held(e, c, FEW_WORKERS + 1), c);
}

/* pad.create calls beyond the pool wait for a connection on the loop
 * thread, not on workers: with SMALL_POOL connections waiting on a lock
 * (an uncommitted insert of the name they create) and IN_FLIGHT calls in
 * all, server.hello (a worker's, no database) is still answered, and once
 * the lock is gone every create is answered, none with 503. A worker
 * waiting for a connection would hold it until the lock is gone or its
 * wait ends (503 pool_exhausted). */
START_TEST(creates_beyond_the_pool_hold_no_worker)
{
	struct ts_client *c[IN_FLIGHT],
	    *hello = ts_client_connect(tenv_small.srv.port);
	PGconn *db;
	json_t *r;

	ck_assert_ptr_nonnull(hello);
	db = taken_name_held(&tenv_small, c, SMALL_POOL);
	r = ts_call(hello, "server.hello", NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	db_rollback_answered(db, c);
	ts_client_free(hello);
}
END_TEST

/* Every worker waits on the lock; pad.create needs none. */
START_TEST(creates_go_on_while_every_worker_waits)
{
	more_in_flight_than_workers(&tenv_few);
	lock_stalls_only_waiters(&tenv_few, FEW_WORKERS, FEW_WORKERS);
}
END_TEST

/* id of the pad in a pad.create or pad.get answer r (freed). */
static void
answered_pad_id(json_t *r, char *id, size_t size)
{
	ck_assert_int_eq(ts_error_code(r), 0);
	snprintf(id, size, "%s",
	         json_string_value(json_object_get(
	             json_object_get(ts_result(r), "pad"), "id")));
	json_decref(r);
}

/* pad.get of id by c, answered with access: the pad (*r holds it). */
static json_t *
got_pad(struct ts_client *c, const char *id, const char *access, json_t **r)
{
	json_t *pad;

	*r = ts_call(c, "pad.get", json_pack("{s:s}", "id", id));
	ck_assert_ptr_nonnull(*r);
	ck_assert_int_eq(ts_error_code(*r), 0);
	pad = json_object_get(ts_result(*r), "pad");
	ck_assert_str_eq(json_string_value(json_object_get(pad, "access")),
	                 access);
	return pad;
}

/* pad.list's answer r (freed): its pads' count; *next its cursor ("" at
 * the end). */
static size_t
listed(json_t *r, char *next, size_t size)
{
	json_t *n;
	size_t count;

	ck_assert_int_eq(ts_error_code(r), 0);
	n = json_object_get(ts_result(r), "next");
	snprintf(next, size, "%s",
	         json_is_string(n) ? json_string_value(n) : "");
	count = json_array_size(json_object_get(ts_result(r), "pads"));
	json_decref(r);
	return count;
}

/* pad.get and pad.list need no worker either: while every worker's
 * pad.update waits on a row lock (held until they have been answered),
 * they answer by id, by name, not found, a page and the next, a search
 * and a pad shared with the caller. A call that needed a worker would not
 * be answered until the lock is gone. */
START_TEST(reads_go_on_while_every_worker_waits)
{
	const struct ts_env *e = &tenv_few;
	char alice_token[256] = "", bob_token[256] = "", id[64], shared[64],
	     next[512], name_id[64];
	struct ts_client *alice = signed_in(e, "alice", alice_token,
	                                    sizeof alice_token),
	                 *bob, *waiters[FEW_WORKERS];
	PGconn *db = ts_db_connect(e->schema),
	       *watch = ts_db_connect(e->schema);
	json_t *r, *pad;

	answered_pad_id(ts_call(alice, "pad.create",
	                        json_pack("{s:s, s:{s:i}}", "display_name",
	                                  "read-locked", "data", "n", 0)),
	                id, sizeof id);
	answered_pad_id(ts_call(alice, "pad.create",
	                        json_pack("{s:s, s:{s:s}}", "display_name",
	                                  "read-shared", "data", "t", "x")),
	                shared, sizeof shared);
	r = ts_call(alice, "pad.share",
	            json_pack("{s:s, s:s}", "id", shared, "username", "bob"));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	bob = signed_in(e, "bob", bob_token, sizeof bob_token);
	for (int i = 0; i < FEW_WORKERS; i++)
		waiters[i] =
		    signed_in(e, "alice", alice_token, sizeof alice_token);

	lock_with_waiters(db, watch, id, waiters, FEW_WORKERS, FEW_WORKERS);

	/* Every worker waits: each of these is answered from the loop. */
	pad = got_pad(alice, id, "owner", &r);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(pad, "data"), "n")),
	                 0);
	json_decref(r);
	r = ts_call(alice, "pad.get",
	            json_pack("{s:s}", "display_name", "read-shared"));
	ck_assert_ptr_nonnull(r);
	answered_pad_id(r, name_id, sizeof name_id);
	ck_assert_str_eq(name_id, shared);
	ts_expect_err(
	    alice, "pad.get",
	    json_pack("{s:s}", "id", "00000000-0000-4000-8000-000000000000"),
	    404, NULL);
	ts_expect_err(alice, "pad.get", json_pack("{s:s}", "display_name", ""),
	              400, NULL);
	got_pad(bob, shared, "viewer", &r);
	json_decref(r);
	ck_assert_uint_eq(
	    listed(ts_call(alice, "pad.list",
	                   json_pack("{s:s, s:i, s:s}", "q", "read-", "limit",
	                             1, "sort", "name")),
	           next, sizeof next),
	    1);
	ck_assert_str_ne(next, "");
	ck_assert_uint_eq(
	    listed(ts_call(alice, "pad.list",
	                   json_pack("{s:s, s:i, s:s}", "q", "read-", "limit",
	                             1, "after", next)),
	           next, sizeof next),
	    1);
	ts_expect_err(alice, "pad.list", json_pack("{s:s}", "after", "nope"),
	              400, NULL);
	ck_assert_uint_eq(
	    listed(ts_call(bob, "pad.list", json_pack("{s:s}", "q", "read-")),
	           next, sizeof next),
	    1);
	ck_assert_str_eq(next, "");
	/* Still held: no update has gone through. */
	ck_assert_int_eq(pad_version(db, id), 1);
	ts_db_exec(db, "COMMIT");
	waiters_answered(waiters, FEW_WORKERS);
	ts_client_free(bob);
	ts_client_free(alice);
	PQfinish(watch);
	PQfinish(db);
}
END_TEST

int
main(void)
{
	/* The lock is held for HOLD_S: the waiters' statements must not hit
	 * their deadline meanwhile. Workers and pool are the defaults: what
	 * an operator who sets nothing gets. */
	static const char *const env[] = {"PADLINE_DB_QUERY_TIMEOUT=60", NULL};
	static const struct ts_env_opts opts = {
	    .prefix = "slowq",
	    .env = env,
	    .users = {{"alice", 0, NULL}, {"bob", 0, NULL}},
	};
	static const char *const env_few[] = {
	    "PADLINE_DB_QUERY_TIMEOUT=60",
	    "PADLINE_WORKERS=" PL_STR(FEW_WORKERS),
	    "PADLINE_POOL_SIZE=" PL_STR(FEW_POOL), NULL};
	static const struct ts_env_opts opts_few = {
	    .prefix = "slowqw",
	    .env = env_few,
	    .users = {{"alice", 0, NULL}, {"bob", 0, NULL}},
	};
	static const char *const env_small[] = {
	    "PADLINE_DB_QUERY_TIMEOUT=60",
	    "PADLINE_WORKERS=" PL_STR(FEW_WORKERS),
	    "PADLINE_POOL_SIZE=" PL_STR(SMALL_POOL), NULL};
	static const struct ts_env_opts opts_small = {
	    .prefix = "slowqp",
	    .env = env_small,
	    .users = {{"bob", 0, NULL}},
	};
	Suite *s = suite_create("e2e_slow_query");
	TCase *tc = tcase_create("lock");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, row_lock_stalls_only_its_waiters);
	suite_add_tcase(s, tc);
	tc = tcase_create("few_workers");
	ts_env_fixture(tc, &tenv_few, &opts_few, TS_PER_SUITE);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, creates_go_on_while_every_worker_waits);
	tcase_add_test(tc, reads_go_on_while_every_worker_waits);
	suite_add_tcase(s, tc);
	tc = tcase_create("small_pool");
	ts_env_fixture(tc, &tenv_small, &opts_small, TS_PER_SUITE);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, creates_beyond_the_pool_hold_no_worker);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
