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

/*
 * Runs pre (when not NULL), then st (a STEP_DB step with .queue and .end),
 * for rc on a connection lent at once by pool (pinged first when it has
 * been idle, as a worker's borrow would): 0 when started (done follows,
 * maybe before this returns), -1 when nothing was done and the step must
 * run on a worker (no connection ready, or .queue declined). done hears
 * RPC_STEP_WORKER when that was found out later (the ping failed, or
 * .queue declined after pre).
 */
int call_loop_start(uv_loop_t *, struct db_pool *, struct rpc_call *rc,
                    const struct rpc_step *st, const struct call_loop_pre *pre,
                    call_loop_done_fn done, void *arg);

#endif
