/*
 * Publishing audit rows to the deployment's Redis channel
 * (config events_channel, padline:events:<schema> by default) as
 * {id, action, at, subject}. An event is published by whoever locks its
 * unpublished row first (FOR UPDATE SKIP LOCKED), so the request that wrote it
 * and the background relay (or another padlined) never publish it twice.
 * Redis being down never fails the request: the row waits for the relay.
 */
#ifndef PL_EVENTS_H
#define PL_EVENTS_H

#include "repo_audit.h"
#include "db.h"

struct app;

/*
 * After commit: publishes the row now. Marking it published is batched
 * (events_flush_marks, run by the relay every second and at exit), which
 * keeps a write and its commit off every request. Never fails the caller.
 */
void events_publish_one(struct app *, struct db_conn *,
                        const struct audit_row *);
/* Marks the rows published since the last flush. */
void events_flush_marks(struct db_conn *);
/* Flushes pending marks, then publishes up to limit unpublished rows older
 * than the grace period, oldest first; returns how many were published, or
 * -1 when Redis or PostgreSQL was unavailable. */
int events_relay(struct app *, struct db_conn *, int limit);

#endif
