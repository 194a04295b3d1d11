/*
 * call_loop.c's handles on PostgreSQL sockets and its parked connections
 * (call_loop_watch.c); private to the two.
 */
#ifndef PL_CALL_LOOP_WATCH_H
#define PL_CALL_LOOP_WATCH_H

#include <uv.h>

#include "call_loop.h"
#include "db.h"

/* One socket's handles, made the first time the loop waits on it and
 * kept while the loop lives: a socket number that comes back (another
 * connection, or a client's socket in between) has them ready. Neither
 * is active unless a loop call holds the socket's connection or the
 * connection is parked on it: the socket is never closed while the loop
 * polls it. */
struct call_loop_watch {
	uv_poll_t poll;
	uv_timer_t timer;
	struct call_loop *l;          /* the call waiting on it, if any */
	int writing;                  /* the poll waits for writable, too */
	struct db_conn *parked;       /* its idle connection, parked */
	struct call_loop_watch *next; /* in q->parked */
	struct call_loop_queue *q;
};

/* The handles for socket fd (made on first use), NULL when the loop
 * cannot poll it. */
struct call_loop_watch *call_loop_watch_get(struct call_loop_queue *, int fd);
/* Polls for what the batch waits for. Only a change restarts the poll:
 * uv_poll_start takes the socket out of epoll before it puts it back. */
void call_loop_watch_start(struct call_loop_watch *, int want_write);
/* The poll's callback (call_loop.c). */
void call_loop_ready(uv_poll_t *, int status, int events);

/* Parks db, whose call just ended on the loop with none waiting, on w
 * when the pool lets it stay lent (db_pool_park): 1 when it did. */
int call_loop_park(struct call_loop_queue *, struct db_conn *db,
                   struct call_loop_watch *w);
/* Takes w's parked connection off the loop and back to the pool. */
void call_loop_unpark(struct call_loop_queue *, struct call_loop_watch *w);
/* Every parked connection back to the pool (a worker waits for one). */
void call_loop_unpark_all(struct call_loop_queue *);
/* The newest parked connection the pool lends again at once
 * (db_pool_keep), *w its handles, the poll still on; NULL when none is
 * (the others went back). */
struct db_conn *call_loop_take_parked(struct call_loop_queue *,
                                      struct call_loop_watch **w);

#endif
