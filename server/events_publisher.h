/*
 * The events publisher: one thread that signs committed audit events and
 * sends them to Redis in pipelined batches, off the request path. Pushing never
 * blocks on Redis and never fails the caller; an event it cannot send stays
 * unpublished in audit_log for the relay (events.h). Only the outbox
 * (outbox.c) pushes to it.
 */
#ifndef PL_EVENTS_PUBLISHER_H
#define PL_EVENTS_PUBLISHER_H

#include "events.h"
#include "rds_pool.h"

struct events_publisher;

/* Starts the thread; NULL (logged) if it cannot. The thread signs what it
 * publishes with sk (copied), counts it in stats (borrowed, may be NULL)
 * and tells relay (borrowed) what went out. An event waits at most
 * gather_ms for its signed group to fill. */
struct events_publisher *
events_publisher_new(struct rds_pool *, struct stats *stats,
                     struct events_relay *relay, const char *channel,
                     const unsigned char *sk, int gather_ms);
/* Queues a copy of event (audit row id). A NULL publisher, a full queue
 * or a stopping one leaves the row for the relay. */
void events_publisher_push(struct events_publisher *, long long id,
                           const char *event);
/* Sends what is queued (for a couple of seconds at most), then stops the
 * thread and frees it. */
void events_publisher_free(struct events_publisher *);

#endif
