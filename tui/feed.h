/*
 * The live event feed shared by the dashboard and `padline watch`: Redis
 * SUBSCRIBE for speed, events.since for truth. It learns where the audit
 * log stands (or starts after a given id), backfills after every Redis
 * reconnect, polls events.since every 2 s while Redis is unreachable, and
 * hands each event to the consumer once (de-duplicated). Only events signed
 * by the server's pinned key come from Redis, and only they (or
 * events.since) move where the backfill resumes.
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
	FEED_POLLING,  /* Redis unreachable: events.since every 2 s */
	FEED_REFUSED   /* the server's events key is not the pinned one: no
	                  Redis, events.since every 2 s (feed_problem says) */
};

/* A new event (borrowed for the call). */
typedef void (*feed_event_cb)(void *ud, json_t *event);
/* The mode or the Redis error changed. */
typedef void (*feed_state_cb)(void *ud);

/* after < 0: from now on (the log's newest event); else after that id.
 * hello: server.hello's answer from server (as given to padline), for the
 * channel and the events key, pinned in pin_path (event_pin.h). rpc must be
 * signed in as an administrator. NULL for a bad Redis URL. */
struct feed *feed_new(uv_loop_t *, struct rpc_client *, const char *redis_url,
                      const char *server, json_t *hello, const char *pin_path,
                      long long after, feed_event_cb, feed_state_cb, void *ud);
void feed_free(struct feed *);
enum feed_mode feed_mode(const struct feed *);
/* While polling: "redis://host:port: why" (never the password); when
 * refused: why. */
void feed_problem(const struct feed *, char *buf, size_t size);
/* Redis messages dropped unread: not signed by the server's key (forged,
 * truncated, oversized, or no key in hello), and signed ones replayed (an
 * event at or below where the feed started, from over five minutes before
 * it started). */
void feed_dropped(const struct feed *, unsigned long *unsigned_n,
                  unsigned long *replayed_n);
/* The newest event id handed over or known (for --since). */
long long feed_position(const struct feed *);

#endif
