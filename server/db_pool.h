/*
 * A fixed pool of PostgreSQL connections shared by the worker threads.
 * pool_borrow() pings a connection before lending it, resets a broken one and
 * recycles one older than an hour; while PostgreSQL is down it fails fast
 * with 503 rather than blocking the worker.
 */
#ifndef PL_DB_POOL_H
#define PL_DB_POOL_H

#include <libpq-fe.h>

#include "db.h"
#include "pl_error.h"

struct db_pool;

#define DB_POOL_WAIT_MS 5000 /* longest wait for a free slot: then 503 */

/* prepare: as db_conn_new's, for every connection of the pool;
 * query_timeout: seconds each round trip may take (db_conn_set_timeout). */
struct db_pool *db_pool_new(const char *conninfo, const char *schema, int size,
                            int connect_timeout, int query_timeout,
                            int prepare);
void db_pool_free(struct db_pool *);
/* Every connection lent from now on hands its committed events to sink
 * (db_conn_set_event_sink; NULL: none). Call it before the workers run. */
void db_pool_set_event_sink(struct db_pool *, db_event_sink_fn, void *arg);
/* Lends a healthy connection (its statements name the pool's schema) or
 * fails 503. */
int db_pool_borrow(struct db_pool *, struct db_conn **out, struct pl_error *);
/* Lends a connection only when one is free and connected (no wait,
 * connect or recycle due) and no worker waits for one: for the loop
 * thread, which must not block. 0 with *out set; 1 when a slot is free but
 * needs a worker (to connect, recycle, or answer that PostgreSQL is down);
 * -1 when every slot is lent out or workers wait for one. *ping: the
 * connection has been idle long enough that db_pool_borrow would ping it
 * first, which is the borrower's to do (an empty one-batch transaction,
 * db_tx_begin_one and db_tx_send; a broken one goes back, and the borrow
 * is made again on a worker, which reconnects). */
int db_pool_try_borrow(struct db_pool *, struct db_conn **out, int *ping);
/* fn(arg) runs after every db_pool_return, on the returning thread (the
 * loop thread's waiters hear of a free slot). Set it before workers run. */
void db_pool_set_release_hook(struct db_pool *, void (*fn)(void *), void *arg);
/*
 * Takes a connection back. A connection left inside a transaction or in a
 * bad state is rolled back or closed so the next borrower starts clean.
 */
void db_pool_return(struct db_pool *, struct db_conn *);
/* For a borrower that would give c back and borrow again at once (the
 * loop thread, with calls waiting): 1 when c stays lent, as
 * db_pool_return then db_pool_try_borrow would lend it again (clean, not
 * due to recycle, PostgreSQL not down, no worker waiting for a slot); 0
 * when it must go back (db_pool_return). */
int db_pool_keep(struct db_pool *, struct db_conn *c);
/* As db_pool_keep, for the loop thread when no call waits: c stays lent,
 * parked (its socket still polled for the next call, which takes it with
 * db_pool_keep), and db_pool_usage counts it idle. A worker that would
 * wait for a slot while some are parked calls the want hook first, and
 * the loop gives its parked ones back (db_pool_return). */
int db_pool_park(struct db_pool *, struct db_conn *c);
/* fn(arg) runs, on the asking worker's thread under the pool's lock, when
 * it would wait for a slot while some connection is parked. Set it before
 * workers run. */
void db_pool_set_want_hook(struct db_pool *, void (*fn)(void *), void *arg);
/* One-off connection with the same settings (migrations: they set the
 * schema's search_path inside each of their transactions). */
PGconn *db_connect(const char *conninfo, int timeout, struct pl_error *);
/* db_connect as a struct db_conn, unnamed statements (create-user and the
 * other one-off tools that run services). */
struct db_conn *db_conn_open(const char *conninfo, const char *schema,
                             int timeout, struct pl_error *);
/* What server.stats shows of the pool: connections, lent out, threads
 * waiting for one. A snapshot under the pool's lock. */
struct db_pool_usage {
	int size, in_use, waiting;
};
void db_pool_usage(struct db_pool *, struct db_pool_usage *);
/* True when the server answered a trivial query just now. */
int db_pool_ping(struct db_pool *);

#endif
