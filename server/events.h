/*
 * Publishing audit rows to the deployment's Redis channel
 * (config events_channel, padline:events:<schema> by default) as
 * {id, action, at, subject}, signed (event_sig.h): the send every PUBLISH
 * goes through and the relay, which marks rows published and publishes the
 * ones left behind. The publisher thread (events_publisher.h) sends what
 * requests committed (outbox.h) through events_redis_send and reports what
 * went out to the relay; nothing here calls the publisher. Every PUBLISH
 * first claims the event in Redis, so the two (or another padlined) never
 * publish it twice. Redis being down never fails the request: the row waits
 * for the relay.
 */
#ifndef PL_EVENTS_H
#define PL_EVENTS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "db.h"
#include "rds_pool.h"

struct stats;

/* One event to publish: its audit id and its JSON text (borrowed). */
struct event_msg {
	long long id;
	const char *event;
};

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
 * channel now or was before. What went out now is counted in stats
 * (stats_events_sent; NULL: not counted). -1 when the connection failed
 * (drop it), else how many went out now (not claimed before). Runs on the
 * publisher thread and the relay, never on a request.
 */
int events_redis_send(redisContext *rc, struct stats *, const char *channel,
                      const unsigned char *sk, const struct event_msg *msgs,
                      size_t n, int *published);
/*
 * The relay's state: where it publishes and the ids published but not yet
 * marked in audit_log, shared by the publisher thread and the relay pass
 * (their own lock). One per process, owned by struct padlined (app.h). rds,
 * stats, channel and sk are borrowed and must outlive it.
 */
struct events_relay;
struct events_relay *events_relay_new(struct rds_pool *, struct stats *,
                                      const char *channel,
                                      const unsigned char *sk);
void events_relay_free(struct events_relay *);
/* Records that an event is on the channel; the next flush marks its row.
 * Any thread. */
void events_relay_published(struct events_relay *, long long id);
/* Marks the rows published since the last flush (in batches, which keeps a
 * write and its commit off every request). */
void events_relay_flush(struct events_relay *, struct db_conn *);
/* Flushes pending marks, then publishes up to limit unpublished rows older
 * than the grace period, oldest first; returns how many were published, or
 * -1 when Redis or PostgreSQL was unavailable. */
int events_relay_run(struct events_relay *, struct db_conn *, int limit);

#endif
