/* The PostgreSQL pool under contention, against the stack's database:
 * threads borrow and return (some connections killed server-side, some
 * returned mid-transaction, so slots get new connections while others are
 * returned) and a connection is never lent to two borrowers at once. Run
 * under -fsanitize=thread it also shows db_pool_return reads other slots
 * only under the pool's lock. And a connection is kept by its borrower for
 * the next call only when the pool would lend it again at once; a parked
 * one counts idle, and a worker that would wait for it asks for it back. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_pool.h"
#include "tsupport.h"

#define THREADS 8
#define ROUNDS 150
#define SLOTS 3

static struct db_pool *pool;
static pthread_mutex_t lent_mu = PTHREAD_MUTEX_INITIALIZER;
static struct db_conn *lent[THREADS];
static int doubles;

static void
mark(int self, struct db_conn *c)
{
	pthread_mutex_lock(&lent_mu);
	for (int i = 0; i < THREADS; i++)
		if (c != NULL && i != self && lent[i] == c)
			doubles++;
	lent[self] = c;
	pthread_mutex_unlock(&lent_mu);
}

static void *
worker(void *arg)
{
	int self = (int)(long)arg;

	for (int i = 0; i < ROUNDS; i++) {
		struct pl_error err;
		struct db_conn *c;
		PGresult *r;

		pl_error_init(&err);
		if (db_pool_borrow(pool, &c, &err) != 0) {
			/* 503 pool_exhausted or a reconnect backoff: fine
			 * under this load, as long as it is an error. */
			pl_error_clear(&err);
			continue;
		}
		mark(self, c);
		if (i % 17 == self)
			r = PQexec(db_conn_pg(c), "SELECT pg_terminate_backend("
			                          "pg_backend_pid())");
		else if (i % 5 == 0)
			r = PQexec(db_conn_pg(c), "BEGIN");
		else
			r = PQexec(db_conn_pg(c), "SELECT 1");
		PQclear(r);
		mark(self, NULL);
		db_pool_return(pool, c);
	}
	return NULL;
}

/* Opens the suite's pool of slots connections on the stack's database. */
static void
open_pool(int slots)
{
	const char *url = getenv("DATABASE_URL");

	ck_assert_ptr_nonnull(url);
	pool = db_pool_new(url, "public", slots, 10, 30, 1);
	ck_assert_ptr_nonnull(pool);
}

START_TEST(never_lent_twice)
{
	pthread_t t[THREADS];

	open_pool(SLOTS);
	for (long i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, (void *)i),
		                 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(doubles, 0);
	ck_assert(db_pool_ping(pool));
	db_pool_free(pool);
}
END_TEST

static void *
borrow_once(void *arg)
{
	struct pl_error err;
	struct db_conn *c;

	(void)arg;
	pl_error_init(&err);
	if (db_pool_borrow(pool, &c, &err) == 0)
		db_pool_return(pool, c);
	pl_error_clear(&err);
	return NULL;
}

/* Starts a worker that borrows once, and waits until it waits for a slot
 * (u: the usage then). */
static void
start_waiting_borrower(pthread_t *t, struct db_pool_usage *u)
{
	ck_assert_int_eq(pthread_create(t, NULL, borrow_once, NULL), 0);
	for (int i = 0; i < 3000; i++) {
		db_pool_usage(pool, u);
		if (u->waiting > 0)
			break;
		usleep(10000);
	}
	ck_assert_int_eq(u->waiting, 1);
}

/* The loop thread keeps a connection for its next call only where the
 * pool would lend it again at once: not while a worker waits for a slot,
 * not when the connection is no longer usable. */
START_TEST(kept_only_as_it_would_be_lent_again)
{
	struct db_pool_usage u;
	struct pl_error err;
	struct db_conn *c;
	pthread_t t;

	open_pool(1);
	pl_error_init(&err);
	ck_assert_int_eq(db_pool_borrow(pool, &c, &err), 0);
	ck_assert_int_eq(db_pool_keep(pool, c), 1);
	/* Still lent: a worker that asks now waits for it. */
	start_waiting_borrower(&t, &u);
	ck_assert_int_eq(db_pool_keep(pool, c), 0);
	db_pool_return(pool, c);
	pthread_join(t, NULL);

	ck_assert_int_eq(db_pool_borrow(pool, &c, &err), 0);
	PQclear(PQexec(db_conn_pg(c),
	               "SELECT pg_terminate_backend(pg_backend_pid())"));
	PQclear(PQexec(db_conn_pg(c), "SELECT 1"));
	ck_assert_int_eq(db_pool_keep(pool, c), 0);
	db_pool_return(pool, c);
	pl_error_clear(&err);
	db_pool_free(pool);
}
END_TEST

static _Atomic int wants;

static void
wanted(void *arg)
{
	(void)arg;
	wants++;
}

/* A connection parked on the loop counts idle in the usage; a worker that
 * finds every slot lent while one is parked calls the want hook (the loop
 * then gives it back) and gets it; once a worker waits, nothing parks. */
START_TEST(parked_given_back_when_a_worker_wants_it)
{
	struct db_pool_usage u;
	struct pl_error err;
	struct db_conn *c;
	pthread_t t;

	open_pool(1);
	db_pool_set_want_hook(pool, wanted, NULL);
	pl_error_init(&err);
	ck_assert_int_eq(db_pool_borrow(pool, &c, &err), 0);
	db_pool_usage(pool, &u);
	ck_assert_int_eq(u.in_use, 1);
	ck_assert_int_eq(db_pool_park(pool, c), 1);
	db_pool_usage(pool, &u);
	ck_assert_int_eq(u.in_use, 0);
	ck_assert_int_eq(wants, 0);
	/* Taken again by the loop: in use. */
	ck_assert_int_eq(db_pool_keep(pool, c), 1);
	db_pool_usage(pool, &u);
	ck_assert_int_eq(u.in_use, 1);
	ck_assert_int_eq(db_pool_park(pool, c), 1);

	/* The hook runs before the worker counts itself waiting. */
	start_waiting_borrower(&t, &u);
	ck_assert_int_ge(wants, 1);
	/* While a worker waits, the loop cannot keep or park it. */
	ck_assert_int_eq(db_pool_park(pool, c), 0);
	ck_assert_int_eq(db_pool_keep(pool, c), 0);
	db_pool_return(pool, c);
	pthread_join(t, NULL);
	db_pool_usage(pool, &u);
	ck_assert_int_eq(u.in_use, 0);
	ck_assert_int_eq(u.waiting, 0);
	pl_error_clear(&err);
	db_pool_free(pool);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("db_pool");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, never_lent_twice);
	tcase_add_test(tc, kept_only_as_it_would_be_lent_again);
	tcase_add_test(tc, parked_given_back_when_a_worker_wants_it);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
