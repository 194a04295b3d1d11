/*
 * Publishing audit rows to the deployment's Redis channel
 * (config events_channel, padline:events:<schema> by default) as
 * {id, action, at, subject}, signed (event_sig.h). The request that wrote a row
 * hands its event to the publisher thread (events_publisher.h); the relay
 * publishes rows left unpublished. Every PUBLISH first claims the event in
 * Redis, so the two (or another padlined) never publish it twice. Redis being
 * down never fails the request: the row waits for the relay.
 */
#ifndef PL_EVENTS_H
#define PL_EVENTS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "db.h"
#include "events_publisher.h"
#include "repo_audit.h"

struct app;

/* One event to publish: its audit id and its JSON text (borrowed). */
struct event_msg {
	long long id;
	const char *event;
};

/*
 * After commit: hands the row's event to the publisher, which publishes
 * it within moments. Marking it published is batched (events_flush_marks,
 * run by the relay every second and at exit), which keeps a write and its
 * commit off every request. Never fails the caller.
 */
void events_publish_one(struct app *, struct db_conn *,
                        const struct audit_row *);
/*
 * Works out the claim script's SHA-1 (OpenSSL) once. Call it from the main
 * thread before others publish: OpenSSL's first use in a thread leaves
 * per-thread state that threads libuv never joins would leak.
 */
void events_script_init(void);
/*
 * Signs n events with sk (event_sig.h: a signature per group of up to
 * EVENT_SIG_GROUP_MAX) and publishes them on rc in one pipelined write,
 * each through the claim script; published[i] is 1 when msgs[i] is on the
 * channel now or was before. -1 when the connection failed (drop it),
 * else 0. Runs on the publisher thread and the relay, never on a request.
 */
int events_redis_send(redisContext *rc, const char *channel,
                      const unsigned char *sk, const struct event_msg *msgs,
                      size_t n, int *published);
/* Records that an event is on the channel; the next flush marks its row. */
void events_published(long long id);
/* Marks the rows published since the last flush. */
void events_flush_marks(struct db_conn *);
/* Flushes pending marks, then publishes up to limit unpublished rows older
 * than the grace period, oldest first; returns how many were published, or
 * -1 when Redis or PostgreSQL was unavailable. */
int events_relay(struct app *, struct db_conn *, int limit);

#endif
