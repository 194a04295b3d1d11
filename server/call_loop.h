/*
 * A request's database step run from the loop thread: its statements go to
 * PostgreSQL as one batch on a pooled connection, and the loop reads the
 * results as the socket is ready (non-blocking libpq), so the request holds
 * no worker, and costs no thread hand-off, while PostgreSQL works.
 */
#ifndef PL_CALL_LOOP_H
#define PL_CALL_LOOP_H

#include <uv.h>

#include "db_pool.h"
#include "rpc.h"

/* Called on the loop once the step has ended, with what it returned. */
typedef void (*call_loop_done_fn)(void *arg, int rv);

/* A batch the step waits for on the same connection (the caller's session
 * check): queue queues it on rc->db as a one-batch transaction; end gets
 * its outcome and returns PL_OK for the step to go on, or the error that
 * ends the call. */
struct call_loop_pre {
	int (*queue)(void *arg);
	int (*end)(void *arg, int rv);
};

/* The loop thread's calls waiting for a connection (every one lent out),
 * first come first served, and how a worker that gives one back wakes the
 * loop for them. Loop thread only, but for waiting and wake. */
struct call_loop;
struct call_loop_watch;
struct call_loop_queue {
	uv_loop_t *loop;
	struct db_pool *pool;
	uv_async_t wake;
	uv_timer_t expire; /* the first waiter's DB_POOL_WAIT_MS */
	uv_thread_t loop_thread;
	_Atomic int waiting;
	int admitting;
	int connecting; /* connects on workers for the waiters */
	struct call_loop *head, *tail;
	struct call_loop_watch **watch; /* by socket number */
	size_t nwatch;
	struct call_loop_watch *parked; /* idle connections, newest first */
	_Atomic int wanted;             /* a worker asked for them back */
};

/* Sets q up on loop (its handle closes with the loop's others) and hooks
 * it to pool's releases. */
void call_loop_queue_init(struct call_loop_queue *q, uv_loop_t *,
                          struct db_pool *pool);

/* Unhooks q from its pool's releases and frees its sockets' handles (the
 * loop has ended, its handles closed). */
void call_loop_queue_stop(struct call_loop_queue *q);

/*
 * Runs pre (when not NULL), then st (a STEP_DB step with .queue and .end),
 * for rc on a connection of q's pool (pinged first when it has been idle,
 * as a worker's borrow would; waited for, in q, when all are lent out, and
 * opened on a worker when a slot has none). done follows, maybe before
 * this returns; it hears RPC_STEP_WORKER when the step must run on a
 * worker after all (the ping failed, or .queue declined).
 */
void call_loop_start(struct call_loop_queue *q, struct rpc_call *rc,
                     const struct rpc_step *st, const struct call_loop_pre *pre,
                     call_loop_done_fn done, void *arg);

#endif
