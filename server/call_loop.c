/*
 * Drives one-batch database steps from the loop thread: each batch is sent
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
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_timer_t timer;
	int open_handles; /* both handles, once the loop waited */
	int want_write;
	int in_ping; /* the batch in flight is the connection's ping */
	int in_pre;  /* ... or pre's */
	struct db_pool *pool;
	struct rpc_call *rc;
	const struct rpc_step *st;
	const struct call_loop_pre *pre;
	call_loop_done_fn done;
	void *arg;
};

static void loop_ready(uv_poll_t *, int, int);
static void loop_expired(uv_timer_t *);

static void
loop_closed(uv_handle_t *h)
{
	struct call_loop *l = h->data;

	if (--l->open_handles == 0)
		free(l);
}

/* The end: the socket leaves the loop (closing the poll handle does that
 * at once; the memory waits for the close callbacks), the connection goes
 * back, and done hears rv. */
static void
loop_end(struct call_loop *l, int rv)
{
	struct rpc_call *rc = l->rc;
	struct db_pool *pool = l->pool;
	call_loop_done_fn done = l->done;
	void *arg = l->arg;

	if (l->open_handles) {
		uv_close((uv_handle_t *)&l->poll, loop_closed);
		uv_close((uv_handle_t *)&l->timer, loop_closed);
	} else {
		free(l);
	}
	db_pool_return(pool, rc->db);
	rc->db = NULL;
	done(arg, rv);
}

/* Sends the batch just queued (rv: the queueing's outcome) and waits for
 * it, or ends it now when it failed or was read at once. */
static void loop_batch_end(struct call_loop *, int rv);

static void
loop_send(struct call_loop *l, int rv)
{
	struct rpc_call *rc = l->rc;
	int sent;

	if (rv != PL_OK) {
		/* Refused before anything went out. */
		loop_batch_end(l, rv);
		return;
	}
	sent = db_tx_send(rc->db, &l->want_write, &rc->err);
	if (sent == 0 && !l->open_handles) {
		if (uv_poll_init(l->loop, &l->poll, db_conn_socket(rc->db)) !=
		    0) {
			/* Not a socket the loop can watch: given up on, as
			 * at the deadline. */
			db_tx_expire(rc->db, &rc->err);
			sent = -1;
		} else {
			uv_timer_init(l->loop, &l->timer);
			l->poll.data = l->timer.data = l;
			l->open_handles = 2;
		}
	}
	if (sent != 0) {
		loop_batch_end(l, db_tx_commit_end(rc->db, &rc->err));
		return;
	}
	uv_poll_start(&l->poll, UV_READABLE | (l->want_write ? UV_WRITABLE : 0),
	              loop_ready);
	uv_timer_start(&l->timer, loop_expired,
	               (uint64_t)db_conn_timeout_ms(rc->db), 0);
}

/* The batch after the ping: pre's, or the step's. */
static int
loop_queue_first(struct call_loop *l)
{
	return l->pre != NULL ? l->pre->queue(l->arg) : l->st->queue(l->rc);
}

/* A batch is over (rv: its outcome): the ping's leads to pre's, pre's to
 * the step's. */
static void
loop_batch_end(struct call_loop *l, int rv)
{
	if (l->open_handles) {
		uv_poll_stop(&l->poll);
		uv_timer_stop(&l->timer);
	}
	if (l->in_ping) {
		l->in_ping = 0;
		/* A connection that failed its ping goes back (closed);
		 * a worker borrows again, and connects. */
		if (rv != PL_OK ||
		    (rv = loop_queue_first(l)) == RPC_STEP_WORKER) {
			pl_error_clear(&l->rc->err);
			pl_error_init(&l->rc->err);
			loop_end(l, RPC_STEP_WORKER);
			return;
		}
		loop_send(l, rv);
		return;
	}
	if (!l->in_pre) {
		loop_end(l, l->st->end(l->rc, rv));
		return;
	}
	l->in_pre = 0;
	if ((rv = l->pre->end(l->arg, rv)) != PL_OK) {
		loop_end(l, rv);
		return;
	}
	if ((rv = l->st->queue(l->rc)) == RPC_STEP_WORKER) {
		loop_end(l, rv);
		return;
	}
	loop_send(l, rv);
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
		loop_batch_end(l, db_tx_commit_end(l->rc->db, &l->rc->err));
	else if (was != l->want_write)
		uv_poll_start(&l->poll,
		              UV_READABLE | (l->want_write ? UV_WRITABLE : 0),
		              loop_ready);
}

static void
loop_expired(uv_timer_t *t)
{
	struct call_loop *l = t->data;

	db_tx_expire(l->rc->db, &l->rc->err);
	loop_batch_end(l, db_tx_commit_end(l->rc->db, &l->rc->err));
}

int
call_loop_start(uv_loop_t *loop, struct db_pool *pool, struct rpc_call *rc,
                const struct rpc_step *st, const struct call_loop_pre *pre,
                call_loop_done_fn done, void *arg)
{
	struct call_loop *l;
	int rv, ping;

	if (db_pool_try_borrow(pool, &rc->db, &ping) != 0)
		return -1;
	l = xcalloc(1, sizeof *l);
	l->loop = loop;
	l->pool = pool;
	l->rc = rc;
	l->st = st;
	l->pre = pre;
	l->in_ping = ping;
	l->in_pre = pre != NULL;
	l->done = done;
	l->arg = arg;
	if (ping)
		rv = db_tx_begin_one(rc->db, &rc->err);
	else if ((rv = loop_queue_first(l)) == RPC_STEP_WORKER) {
		db_pool_return(pool, rc->db);
		rc->db = NULL;
		free(l);
		return -1;
	}
	loop_send(l, rv);
	return 0;
}
