/*
 * Drives one-batch database steps from the loop thread: each batch is sent
 * without blocking, a poll handle on the connection's socket reads its
 * results as they arrive, and a timer gives up on it at the connection's
 * deadline as a worker's wait would (503, the connection dropped). The
 * socket leaves the loop before the connection goes back to the pool; its
 * poll and timer handles stay, one pair per socket, for the next call on
 * it (a handle set up per call cost five more system calls per request).
 * Calls that find every connection lent out wait in a FIFO on the loop;
 * a returned connection admits the next (a worker's return wakes the loop
 * only while some wait), and one whose call ended on the loop goes to the
 * next straight away, its socket still polled, when the pool would lend it
 * again at once. With no call waiting it stays on the loop, parked, its
 * socket still polled, for the next call (db_pool_park) until it has been
 * idle CALL_LOOP_PARK_MS, a worker asks for it, or its socket has
 * something to read. A free slot without a connection is opened on a
 * worker (db_pool_borrow connects), for the first waiter.
 */
#include "call_loop.h"
#include "call_loop_watch.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "mono_time.h"
#include "xalloc.h"

struct call_loop {
	struct call_loop_queue *q;
	struct call_loop *next;    /* in q while waiting for a connection */
	long long wait_until;      /* mono_ms: then 503, as a worker's borrow */
	struct call_loop_watch *w; /* its socket's, once the loop waited */
	int want_write;
	int in_ping; /* the batch in flight is the connection's ping */
	int in_pre;  /* ... or pre's */
	struct rpc_call *rc;
	const struct rpc_step *st;
	const struct call_loop_pre *pre;
	call_loop_done_fn done;
	void *arg;
};

static void loop_expired(uv_timer_t *);
static void loop_batch_end(struct call_loop *, int rv);
static void loop_admit(struct call_loop_queue *);
static void loop_begin(struct call_loop *, int ping);
static struct call_loop *loop_pop(struct call_loop_queue *);

/* A connection for l, as db_pool_try_borrow lends one (0, *ping; >0: a
 * free slot to connect; <0: none): the newest parked one that may be
 * lent again at once first, its socket still polled (no ping: it was in
 * use a moment ago). */
static int
loop_lend(struct call_loop_queue *q, struct call_loop *l, int *ping)
{
	struct call_loop_watch *w;
	struct db_conn *db = call_loop_take_parked(q, &w);

	if (db == NULL)
		return db_pool_try_borrow(q->pool, &l->rc->db, ping);
	l->rc->db = db;
	l->w = w;
	w->l = l;
	*ping = 0;
	return 0;
}

/* The connection kept at loop_end goes to the first waiter, its socket
 * still polled; with none left (done may have changed that), back to the
 * pool. q->admitting meanwhile: a call started here that ends at once
 * gives its connection back rather than start the next from inside this
 * one, deeper each time. */
static void
loop_pass(struct call_loop_queue *q, struct db_conn *db,
          struct call_loop_watch *w)
{
	struct call_loop *next = q->admitting ? NULL : loop_pop(q);

	if (next == NULL) {
		if (w != NULL)
			uv_poll_stop(&w->poll);
		db_pool_return(q->pool, db);
	} else {
		next->rc->db = db;
		if ((next->w = w) != NULL)
			w->l = next;
		q->admitting = 1;
		loop_begin(next, 0);
		q->admitting = 0;
	}
	loop_admit(q);
}

/* The end: done hears rv. The connection goes straight to a call waiting
 * for one when the pool would lend it again at once (db_pool_keep), its
 * socket left in epoll (taking it out and putting it back costs three
 * system calls); otherwise the socket leaves the loop (stopping its poll
 * does that at once), the connection goes back, and a waiting call may
 * have one. */
static void
loop_end(struct call_loop *l, int rv)
{
	struct call_loop_queue *q = l->q;
	struct call_loop_watch *w = l->w;
	struct db_conn *db = l->rc->db;
	call_loop_done_fn done = l->done;
	void *arg = l->arg;
	int keep =
	    q->head != NULL && !q->admitting && db_pool_keep(q->pool, db);

	if (w != NULL) {
		uv_timer_stop(&w->timer);
		w->l = NULL;
	}
	l->rc->db = NULL;
	free(l);
	if (!keep && (q->head != NULL || !call_loop_park(q, db, w))) {
		if (w != NULL)
			uv_poll_stop(&w->poll);
		db_pool_return(q->pool, db);
	}
	done(arg, rv);
	if (keep)
		loop_pass(q, db, w);
	else
		loop_admit(q);
}

/* Sends the batch just queued (rv: the queueing's outcome) and waits for
 * it, or ends it now when it failed or was read at once. */
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
	if (sent == 0 && l->w == NULL) {
		if ((l->w = call_loop_watch_get(
		         l->q, db_conn_socket(rc->db))) == NULL) {
			/* Not a socket the loop can watch: given up on, as
			 * at the deadline. */
			db_tx_expire(rc->db, &rc->err);
			sent = -1;
		} else {
			l->w->l = l;
		}
	}
	if (sent != 0) {
		loop_batch_end(l, db_tx_commit_end(rc->db, &rc->err));
		return;
	}
	/* Between one call's batches the poll stays on: the socket is read
	 * only when the next batch waits. */
	call_loop_watch_start(l->w, l->want_write);
	uv_timer_start(&l->w->timer, loop_expired,
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
	if (l->w != NULL)
		uv_timer_stop(&l->w->timer);
	if (l->in_ping) {
		l->in_ping = 0;
		/* A connection that failed its ping goes back (closed);
		 * a worker borrows again, and connects. */
		if (rv != PL_OK) {
			pl_error_clear(&l->rc->err);
			pl_error_init(&l->rc->err);
			loop_end(l, RPC_STEP_WORKER);
			return;
		}
		rv = loop_queue_first(l);
	} else if (!l->in_pre) {
		loop_end(l, l->st->end(l->rc, rv));
		return;
	} else {
		l->in_pre = 0;
		if ((rv = l->pre->end(l->arg, rv)) != PL_OK) {
			loop_end(l, rv);
			return;
		}
		rv = l->st->queue(l->rc);
	}
	if (rv == RPC_STEP_WORKER)
		loop_end(l, rv);
	else
		loop_send(l, rv);
}

void
call_loop_ready(uv_poll_t *p, int status, int events)
{
	struct call_loop_watch *w = p->data;
	struct call_loop *l = w->l;
	int rv;

	(void)status;
	(void)events;
	if (l == NULL) {
		/* Parked: the server closed it, or says something nobody
		 * asked for. Back to the pool, which closes a closed one. */
		if (w->parked != NULL) {
			db_conn_read_idle(w->parked);
			call_loop_unpark(w->q, w);
		} else {
			uv_poll_stop(p);
		}
		return;
	}
	/* A poll error is the socket's: libpq's read says what it was. */
	rv = db_tx_read(l->rc->db, &l->want_write, &l->rc->err);
	if (rv != 0)
		loop_batch_end(l, db_tx_commit_end(l->rc->db, &l->rc->err));
	else
		call_loop_watch_start(w, l->want_write);
}

static void
loop_expired(uv_timer_t *t)
{
	struct call_loop_watch *w = t->data;
	struct call_loop *l = w->l;

	db_tx_expire(l->rc->db, &l->rc->err);
	loop_batch_end(l, db_tx_commit_end(l->rc->db, &l->rc->err));
}

/* The first batch on the connection just lent. */
static void
loop_begin(struct call_loop *l, int ping)
{
	l->in_ping = ping;
	if (ping)
		loop_send(l, db_tx_begin_one(l->rc->db, &l->rc->err));
	else if (loop_queue_first(l) == RPC_STEP_WORKER)
		loop_end(l, RPC_STEP_WORKER);
	else
		loop_send(l, PL_OK);
}

/* At most this many connects at once for the loop's waiters. */
#define LOOP_CONNECTS_MAX 2

struct loop_connect {
	uv_work_t work;
	struct call_loop_queue *q;
	struct db_conn *db;
	struct pl_error err;
};

static void
loop_connect_work(uv_work_t *w)
{
	struct loop_connect *k = w->data;

	db_pool_borrow(k->q->pool, &k->db, &k->err);
}

static struct call_loop *
loop_pop(struct call_loop_queue *q)
{
	struct call_loop *l = q->head;

	if (l != NULL) {
		if ((q->head = l->next) == NULL)
			q->tail = NULL;
		atomic_fetch_sub(&q->waiting, 1);
	}
	return l;
}

/* The connection opened (or the failure to) goes to the first waiter; a
 * connection nobody waits for any more goes back to the pool. */
static void
loop_connect_after(uv_work_t *w, int status)
{
	struct loop_connect *k = w->data;
	struct call_loop_queue *q = k->q;
	struct call_loop *l = loop_pop(q);

	q->connecting--;
	if (status != 0 && k->err.code == 0)
		pl_error_set(&k->err, PL_ERR_INTERNAL, "internal",
		             "request cancelled");
	if (l == NULL) {
		if (k->db != NULL)
			db_pool_return(q->pool, k->db);
	} else if (k->db != NULL) {
		l->rc->db = k->db;
		loop_begin(l, 0);
	} else {
		call_loop_done_fn done = l->done;
		void *arg = l->arg;

		pl_error_set(&l->rc->err, k->err.code, k->err.reason, "%s",
		             k->err.message);
		free(l);
		done(arg, k->err.code);
	}
	pl_error_clear(&k->err);
	free(k);
	loop_admit(q);
}

static void
loop_connect(struct call_loop_queue *q)
{
	struct loop_connect *k;

	if (q->connecting >= LOOP_CONNECTS_MAX)
		return;
	k = xcalloc(1, sizeof *k);
	k->work.data = k;
	k->q = q;
	pl_error_init(&k->err);
	q->connecting++;
	uv_queue_work(q->loop, &k->work, loop_connect_work, loop_connect_after);
}

/* Waiting calls, in order, while connections can be lent. */
static void
loop_admit(struct call_loop_queue *q)
{
	if (q->admitting)
		return; /* the outer admit goes on */
	q->admitting = 1;
	while (q->head != NULL) {
		struct call_loop *l = q->head;
		int ping, r = loop_lend(q, l, &ping);

		if (r < 0)
			break;
		if (r > 0) {
			/* A free slot to connect: the waiters wait for it. */
			loop_connect(q);
			break;
		}
		loop_begin(loop_pop(q), ping);
	}
	q->admitting = 0;
}

/* Waiters past DB_POOL_WAIT_MS are answered as a worker waiting for a
 * slot would be: 503 pool_exhausted. */
static void
loop_wait_expired(uv_timer_t *t)
{
	struct call_loop_queue *q = t->data;
	long long now = mono_ms();
	struct call_loop *l;

	while (q->head != NULL && q->head->wait_until <= now) {
		call_loop_done_fn done;
		void *arg;

		l = loop_pop(q);
		done = l->done;
		arg = l->arg;
		pl_error_set(&l->rc->err, PL_ERR_UNAVAILABLE, "pool_exhausted",
		             "server busy, try again shortly");
		free(l);
		done(arg, PL_ERR_UNAVAILABLE);
	}
	if (q->head != NULL)
		uv_timer_start(&q->expire, loop_wait_expired,
		               (uint64_t)(q->head->wait_until - now), 0);
}

static void
loop_wake(uv_async_t *a)
{
	struct call_loop_queue *q = a->data;

	if (atomic_exchange(&q->wanted, 0))
		call_loop_unpark_all(q);
	loop_admit(q);
}

/* A worker would wait for a slot while some are parked: the loop gives
 * them back. */
static void
loop_wanted(void *arg)
{
	struct call_loop_queue *q = arg;

	atomic_store(&q->wanted, 1);
	uv_async_send(&q->wake);
}

/* A slot came free on some thread: the loop hears of it while calls wait
 * (its own returns admit them in loop_end). */
static void
loop_released(void *arg)
{
	struct call_loop_queue *q = arg;
	uv_thread_t self = uv_thread_self();

	if (atomic_load(&q->waiting) > 0 &&
	    !uv_thread_equal(&self, &q->loop_thread))
		uv_async_send(&q->wake);
}

void
call_loop_queue_init(struct call_loop_queue *q, uv_loop_t *loop,
                     struct db_pool *pool)
{
	q->loop = loop;
	q->pool = pool;
	q->loop_thread = uv_thread_self();
	atomic_init(&q->waiting, 0);
	q->admitting = 0;
	q->connecting = 0;
	q->head = q->tail = NULL;
	q->watch = NULL;
	q->nwatch = 0;
	q->parked = NULL;
	atomic_init(&q->wanted, 0);
	uv_async_init(loop, &q->wake, loop_wake);
	q->wake.data = q;
	uv_timer_init(loop, &q->expire);
	q->expire.data = q;
	db_pool_set_release_hook(pool, loop_released, q);
	db_pool_set_want_hook(pool, loop_wanted, q);
}

void
call_loop_queue_stop(struct call_loop_queue *q)
{
	db_pool_set_release_hook(q->pool, NULL, NULL);
	db_pool_set_want_hook(q->pool, NULL, NULL);
	/* The loop has ended: every handle closed with the others, the
	 * parked connections' polls too. */
	for (struct call_loop_watch *w = q->parked; w != NULL; w = w->next)
		db_pool_return(q->pool, w->parked);
	q->parked = NULL;
	for (size_t i = 0; i < q->nwatch; i++)
		free(q->watch[i]);
	free(q->watch);
	q->watch = NULL;
	q->nwatch = 0;
}

/* Puts l at the end of the waiters, with its DB_POOL_WAIT_MS. */
static void
loop_wait(struct call_loop_queue *q, struct call_loop *l)
{
	l->wait_until = mono_ms() + DB_POOL_WAIT_MS;
	if (q->tail != NULL)
		q->tail->next = l;
	else
		q->head = l;
	q->tail = l;
	if (!uv_is_active((uv_handle_t *)&q->expire))
		uv_timer_start(&q->expire, loop_wait_expired, DB_POOL_WAIT_MS,
		               0);
}

void
call_loop_start(struct call_loop_queue *q, struct rpc_call *rc,
                const struct rpc_step *st, const struct call_loop_pre *pre,
                call_loop_done_fn done, void *arg)
{
	struct call_loop *l = xcalloc(1, sizeof *l);
	int r, ping = 0;

	l->q = q;
	l->rc = rc;
	l->st = st;
	l->pre = pre;
	l->in_pre = pre != NULL;
	l->done = done;
	l->arg = arg;
	/* Behind calls already waiting; counted as waiting before looking,
	 * so a slot freed from now on wakes the loop, and one freed before
	 * is seen. */
	atomic_fetch_add(&q->waiting, 1);
	if (q->head == NULL) {
		if ((r = loop_lend(q, l, &ping)) == 0) {
			atomic_fetch_sub(&q->waiting, 1);
			loop_begin(l, ping);
			return;
		}
		if (r > 0) /* a free slot to connect */
			loop_connect(q);
	}
	loop_wait(q, l);
}
