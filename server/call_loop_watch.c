/*
 * The loop's handles on PostgreSQL sockets (one poll and one timer per
 * socket number, for the loop's life) and the connections parked on them
 * between calls: idle, still polled, for the next call on the loop.
 */
#include "call_loop_watch.h"

#include <stdlib.h>
#include <string.h>

#include "db_pool.h"
#include "xalloc.h"

/* How long a connection stays parked; below the pool's ping idle (1 s),
 * so a parked one is lent as a just-used one would be, without a ping. */
#define CALL_LOOP_PARK_MS 500

/* Polls for what the batch waits for. Only a change restarts the poll:
 * uv_poll_start takes the socket out of epoll before it puts it back. */
void
call_loop_watch_start(struct call_loop_watch *w, int want_write)
{
	if (uv_is_active((uv_handle_t *)&w->poll) && w->writing == want_write)
		return;
	w->writing = want_write;
	uv_poll_start(&w->poll, UV_READABLE | (want_write ? UV_WRITABLE : 0),
	              call_loop_ready);
}

struct call_loop_watch *
call_loop_watch_get(struct call_loop_queue *q, int fd)
{
	struct call_loop_watch *w;

	if (fd < 0)
		return NULL;
	if ((size_t)fd >= q->nwatch) {
		size_t n = q->nwatch ? q->nwatch : 64;

		while (n <= (size_t)fd)
			n *= 2;
		q->watch = xreallocarray(q->watch, n, sizeof *q->watch);
		memset(q->watch + q->nwatch, 0,
		       (n - q->nwatch) * sizeof *q->watch);
		q->nwatch = n;
	}
	if ((w = q->watch[fd]) != NULL)
		return w;
	w = xcalloc(1, sizeof *w);
	if (uv_poll_init(q->loop, &w->poll, fd) != 0) {
		free(w);
		return NULL;
	}
	uv_timer_init(q->loop, &w->timer);
	w->poll.data = w->timer.data = w;
	w->q = q;
	return q->watch[fd] = w;
}

static void loop_park_expired(uv_timer_t *t);

void
call_loop_unpark(struct call_loop_queue *q, struct call_loop_watch *w)
{
	struct call_loop_watch **pp = &q->parked;
	struct db_conn *db = w->parked;

	while (*pp != w)
		pp = &(*pp)->next;
	*pp = w->next;
	w->next = NULL;
	w->parked = NULL;
	uv_poll_stop(&w->poll);
	uv_timer_stop(&w->timer);
	db_pool_return(q->pool, db);
}

void
call_loop_unpark_all(struct call_loop_queue *q)
{
	while (q->parked != NULL)
		call_loop_unpark(q, q->parked);
}

int
call_loop_park(struct call_loop_queue *q, struct db_conn *db,
               struct call_loop_watch *w)
{
	if (w == NULL || !db_pool_park(q->pool, db))
		return 0;
	call_loop_watch_start(w, 0);
	w->parked = db;
	w->next = q->parked;
	q->parked = w;
	uv_timer_start(&w->timer, loop_park_expired, CALL_LOOP_PARK_MS, 0);
	return 1;
}

static void
loop_park_expired(uv_timer_t *t)
{
	struct call_loop_watch *w = t->data;

	call_loop_unpark(w->q, w);
}

struct db_conn *
call_loop_take_parked(struct call_loop_queue *q, struct call_loop_watch **out)
{
	struct call_loop_watch *w;

	while ((w = q->parked) != NULL) {
		struct db_conn *db = w->parked;

		if (!db_pool_keep(q->pool, db)) {
			call_loop_unpark(q, w);
			continue;
		}
		q->parked = w->next;
		w->next = NULL;
		w->parked = NULL;
		uv_timer_stop(&w->timer);
		*out = w;
		return db;
	}
	*out = NULL;
	return NULL;
}
