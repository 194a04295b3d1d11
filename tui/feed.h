/*
 * The live event feed shared by the dashboard and `padline watch`: Redis
 * SUBSCRIBE for speed, events.since for truth. It learns where the audit
 * log stands (or starts after a given id), backfills after every Redis
 * reconnect, polls events.since every 2 s while Redis is unreachable, and
 * hands each event to the consumer once (de-duplicated).
 */
#ifndef PL_TUI_FEED_H
#define PL_TUI_FEED_H

#include <jansson.h>
#include <uv.h>

#include "rpc_client.h"

#define FEED_POLL_MS 2000

struct feed;

enum feed_mode {
	FEED_STARTING, /* subscribing, or finding where the log stands */
	FEED_LIVE,     /* subscribed and located: nothing can be missed */
	FEED_POLLING   /* Redis unreachable: events.since every 2 s */
};

/* A new event (borrowed for the call). */
typedef void (*feed_event_cb)(void *ud, json_t *event);
/* The mode or the Redis error changed. */
typedef void (*feed_state_cb)(void *ud);

/* after < 0: from now on (the log's newest event); else after that id.
 * channel: server.hello's events.channel (sub_hello_channel). rpc must be
 * signed in as an administrator. NULL for a bad Redis URL. */
struct feed *feed_new(uv_loop_t *, struct rpc_client *, const char *redis_url,
                      const char *channel, long long after, feed_event_cb,
                      feed_state_cb, void *ud);
void feed_free(struct feed *);
enum feed_mode feed_mode(const struct feed *);
/* While polling: "redis://host:port: why" (never the password). */
void feed_problem(const struct feed *, char *buf, size_t size);
/* The newest event id handed over or known (for --since). */
long long feed_position(const struct feed *);

#endif
