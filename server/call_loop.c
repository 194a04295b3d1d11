/*
 * Drives a one-batch database step from the loop thread: the batch is sent
 * without blocking, a poll handle on the connection's socket reads its
 * results as they arrive, and a timer gives up on it at the connection's
 * deadline as a worker's wait would (503, the connection dropped). The
 * connection goes back to the pool only after its socket left the loop.
 */
#include "call_loop.h"

#include <stdlib.h>

#include "db.h"
#include "xalloc.h"

struct call_loop {
	uv_poll_t poll;
	uv_timer_t timer;
	int open_handles; /* freed when both are closed */
	int want_write;
	struct db_pool *pool;
	struct rpc_call *rc;
	const struct rpc_step *st;
	call_loop_done_fn done;
	void *arg;
};

static void
loop_closed(uv_handle_t *h)
{
	struct call_loop *l = h->data;

	if (--l->open_handles == 0)
		free(l);
}

/* The step's end: its .end gets the batch's outcome; the connection goes
 * back once the loop no longer watches its socket. */
static void
loop_end(struct call_loop *l, int rv)
{
	struct rpc_call *rc = l->rc;

	rv = l->st->end(rc, rv);
	db_pool_return(l->pool, rc->db);
	rc->db = NULL;
	l->done(l->arg, rv);
}

static void
loop_finish(struct call_loop *l)
{
	int rv = db_tx_commit_end(l->rc->db, &l->rc->err);

	/* Closing the poll handle takes the socket out of the loop now;
	 * the memory waits for the close callbacks. */
	uv_close((uv_handle_t *)&l->poll, loop_closed);
	uv_close((uv_handle_t *)&l->timer, loop_closed);
	loop_end(l, rv);
}

static void loop_ready(uv_poll_t *, int, int);

static void
loop_watch(struct call_loop *l)
{
	uv_poll_start(&l->poll, UV_READABLE | (l->want_write ? UV_WRITABLE : 0),
	              loop_ready);
}

static void
loop_ready(uv_poll_t *p, int status, int events)
{
	struct call_loop *l = p->data;
	int was = l->want_write, rv;

	(void)status;
	(void)events;
	/* A poll error is the socket's: libpq's read says what it was. */
	rv = db_tx_read(l->rc->db, &l->want_write, &l->rc->err);
	if (rv != 0)
		loop_finish(l);
	else if (was != l->want_write)
		loop_watch(l);
}

static void
loop_expired(uv_timer_t *t)
{
	struct call_loop *l = t->data;

	db_tx_expire(l->rc->db, &l->rc->err);
	loop_finish(l);
}

int
call_loop_start(uv_loop_t *loop, struct db_pool *pool, struct rpc_call *rc,
                const struct rpc_step *st, call_loop_done_fn done, void *arg)
{
	struct call_loop *l;
	int rv, sent;

	if (db_pool_try_borrow(pool, &rc->db) != 0)
		return -1;
	if ((rv = st->queue(rc)) == RPC_STEP_WORKER) {
		db_pool_return(pool, rc->db);
		rc->db = NULL;
		return -1;
	}
	l = xcalloc(1, sizeof *l);
	l->pool = pool;
	l->rc = rc;
	l->st = st;
	l->done = done;
	l->arg = arg;
	if (rv != PL_OK) {
		/* Refused before anything went out. */
		loop_end(l, rv);
		free(l);
		return 0;
	}
	sent = db_tx_send(rc->db, &l->want_write, &rc->err);
	if (sent == 0 &&
	    uv_poll_init(loop, &l->poll, db_conn_socket(rc->db)) != 0) {
		/* Not a socket the loop can watch: given up on, as at the
		 * deadline. */
		db_tx_expire(rc->db, &rc->err);
		sent = -1;
	}
	if (sent != 0) {
		loop_end(l, db_tx_commit_end(rc->db, &rc->err));
		free(l);
		return 0;
	}
	uv_timer_init(loop, &l->timer);
	l->poll.data = l->timer.data = l;
	l->open_handles = 2;
	loop_watch(l);
	uv_timer_start(&l->timer, loop_expired,
	               (uint64_t)db_conn_timeout_ms(rc->db), 0);
	return 0;
}
