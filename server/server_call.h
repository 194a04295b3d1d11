/*
 * One request's journey through its method's steps on the worker pool, and
 * the admission queue that keeps at most hash_concurrency STEP_HASH steps on
 * workers at once, fair across peer networks. Loop-thread only, apart from the
 * step bodies.
 */
#ifndef PL_SERVER_CALL_H
#define PL_SERVER_CALL_H

#include <uv.h>

#include "app.h"
#include "call_loop.h"
#include "fair_queue.h"
#include "jsonrpc.h"
#include "rpc.h"

struct client;
struct call;
struct call_bulk;

struct call_sched {
	uv_loop_t *loop;
	struct padlined *app;
	int hash_running;
	/* Calls waiting for a hash slot, one FIFO per peer network served
	 * round-robin: a login storm from one block queues behind itself,
	 * not in front of everyone else. */
	struct fairq hash_wait;
	int bulk_running; /* call_bulk_queue jobs on workers */
	struct call_bulk *bulk_head, *bulk_tail; /* and waiting for one */
	struct call_loop_queue loopq; /* steps sent from the loop thread */
};

void call_sched_init(struct call_sched *, uv_loop_t *, struct padlined *);
/* After the loop has ended: nothing refers to the scheduler any more. */
void call_sched_stop(struct call_sched *);
/* Starts a call for entry slot of the client's current line (0 for a single
 * request, the index in a batch); takes over req (its root is freed when the
 * call ends). */
void call_start(struct call_sched *, struct client *, int slot,
                const struct rpc_method *, struct jsonrpc_request *req,
                const char *peer, const struct rpc_session *);

/* Runs bulk work (parsing a big line) on the worker pool like
 * uv_queue_work(w, run, after), but at most workers - hash_concurrency - 1
 * and cores - 1 (at least 1) at once, first come first served: calls'
 * steps always find a worker instead of queueing behind every big line
 * being parsed. */
void call_bulk_queue(struct call_sched *, uv_work_t *w, uv_work_cb run,
                     uv_after_work_cb after);

/* Implemented by server_dispatch.c: the reply line (owned) for the
 * client's entry slot. */
void server_call_done(struct client *, int slot, char *line, size_t len,
                      int session_change, const struct rpc_session *);

#endif
