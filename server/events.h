/*
 * Publishing audit rows to Redis channel padline:events as
 * {id, action, at, subject}. An event is published by whoever locks its
 * unpublished row first (FOR UPDATE SKIP LOCKED), so the request that wrote it
 * and the background relay (or another padlined) never publish it twice.
 * Redis being down never fails the request: the row waits for the relay.
 */
#ifndef PL_EVENTS_H
#define PL_EVENTS_H

#include <libpq-fe.h>

struct app;

#define EVENTS_CHANNEL "padline:events"

/* After commit: tries to publish audit row id now. Never fails the caller. */
void events_publish_one(struct app *, PGconn *, long long id);
/* Publishes up to limit unpublished rows, oldest first; returns how many
 * were published, or -1 when Redis or PostgreSQL was unavailable. */
int events_relay(struct app *, PGconn *, int limit);

#endif
