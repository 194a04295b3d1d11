/*
 * The outbox hook of struct db_conn: the events a transaction wrote, kept
 * until it ends and handed to the event sink once it has committed (db.h).
 */
#include "db_conn.h"

#include <stdlib.h>

#include "xalloc.h"

/* A rolled-back transaction's events never happened: those from the
 * from'th on (a savepoint's rollback keeps what came before it). */
void
db_events_drop_from(struct db_conn *c, size_t from)
{
	for (size_t i = from; i < c->nev; i++)
		free(c->ev[i].event);
	if (c->nev > from)
		c->nev = from;
}

void
db_events_drop(struct db_conn *c)
{
	db_events_drop_from(c, 0);
}

/* After commit: every event, in order, to the sink. */
void
db_events_deliver(struct db_conn *c)
{
	for (size_t i = 0; i < c->nev && c->sink != NULL; i++)
		c->sink(c->sink_arg, c->ev[i].id, c->ev[i].event);
	db_events_drop(c);
}

void
db_conn_set_event_sink(struct db_conn *c, db_event_sink_fn sink, void *arg)
{
	c->sink = sink;
	c->sink_arg = arg;
}

void
db_tx_event(struct db_conn *c, long long id, const char *event)
{
	if (c->nev == c->capev) {
		c->capev = c->capev ? c->capev * 2 : 4;
		c->ev = xreallocarray(c->ev, c->capev, sizeof *c->ev);
	}
	c->ev[c->nev++] = (struct db_event){id, xstrdup(event)};
	/* Inside an outer transaction nothing has committed yet. */
	if (!c->in_tx && !c->outer)
		db_events_deliver(c);
}
