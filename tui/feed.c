/*
 * The event feed (see feed.h). One owner of "subscribe, locate, backfill,
 * poll, de-duplicate", so the dashboard and `padline watch` cannot drift.
 */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "baseline.h"
#include "event_pin.h"
#include "event_sig.h"
#include "models.h"
#include "sub.h"
#include "xalloc.h"

#define FEED_PAGE 500
/* A signed event at or below where the feed started, and older than this
 * before it started, is a replay. Younger ones may be real: a row committed
 * just before the start is published a moment after it. */
#define FEED_REPLAY_AGE_S 300

struct feed {
	struct rpc_client *rpc;
	struct sub *sub;
	struct seen_set seen;
	long long max_id; /* newest event id known */
	int located;      /* max_id is where the log stood: gaps can fill */
	int fetching;     /* an events.since page is in flight */
	int failed_once;  /* Redis has failed at least once */
	int subscribed_once;
	long long floor; /* where the feed started (FEED_REPLAY_AGE_S) */
	time_t started;
	unsigned long dropped, replayed;
	char refused[256]; /* the events key changed: why ("" = it did not) */
	uv_timer_t poll;
	feed_event_cb on_event;
	feed_state_cb on_state;
	void *ud;
};

static void feed_fetch(struct feed *);
static void feed_fetch_after(struct feed *, long long after);

static void
feed_deliver(struct feed *f, json_t *ev)
{
	long long id = json_integer_value(json_object_get(ev, "id"));

	if (event_is_new(&f->seen, ev) != 1)
		return;
	if (id > f->max_id)
		f->max_id = id;
	f->on_event(f->ud, ev);
}

static void
on_since(void *ud, json_t *result, const struct pl_error *err)
{
	struct feed *f = ud;
	json_t *events = json_object_get(result, "events");
	size_t i;
	json_t *ev;

	f->fetching = 0;
	if (err->code)
		return; /* the next poll or reconnect asks again */
	json_array_foreach (events, i, ev)
		feed_deliver(f, ev);
	/* The next page starts where this one ended, not at max_id: a live
	 * event that came meanwhile moved max_id past the rest of the gap. */
	if (json_array_size(events) >= FEED_PAGE)
		feed_fetch_after(
		    f, json_integer_value(json_object_get(
		           json_array_get(events, json_array_size(events) - 1),
		           "id")));
}

/* Asks events.since for what came after `after` (one page at a time). */
static void
feed_fetch_after(struct feed *f, long long after)
{
	if (f->fetching || f->located <= 0)
		return;
	f->fetching = 1;
	rpc_send(f->rpc, "events.since",
	         json_pack("{s:I, s:i}", "after", (json_int_t)after, "limit",
	                   FEED_PAGE),
	         on_since, f);
}

static void
feed_fetch(struct feed *f)
{
	feed_fetch_after(f, f->max_id);
}

static void
on_baseline(void *ud, long long last)
{
	struct feed *f = ud;

	if (last < 0) {
		/* No answer (server away): try again on the next poll. */
		f->located = -1;
		return;
	}
	if (last > f->max_id)
		f->max_id = last;
	if (last > f->floor)
		f->floor = last;
	f->located = 1;
	if (!sub_is_up(f->sub))
		feed_fetch(f);
	f->on_state(f->ud);
}

static void
on_poll(uv_timer_t *t)
{
	struct feed *f = t->data;

	if (f->located < 0) {
		f->located = 0;
		baseline_find(f->rpc, on_baseline, f);
		return;
	}
	if (!sub_is_up(f->sub))
		feed_fetch(f);
}

static void
on_sub_event(void *ud, json_t *ev)
{
	struct feed *f = ud;

	time_t at = rfc3339_parse(json_string_value(json_object_get(ev, "at")));

	/* Signed, yet from well before the start: an old event sent again,
	 * by whoever kept a copy. */
	if (json_integer_value(json_object_get(ev, "id")) <= f->floor &&
	    at < f->started - FEED_REPLAY_AGE_S) {
		f->replayed++;
		f->on_state(f->ud);
		return;
	}
	feed_deliver(f, ev);
}

static void
on_sub_drop(void *ud, int verdict)
{
	struct feed *f = ud;

	(void)verdict;
	f->dropped++;
	f->on_state(f->ud);
}

static void
on_sub_state(void *ud, int up)
{
	struct feed *f = ud;

	if (!up) {
		f->failed_once = 1;
	} else {
		/* Whatever was published while away comes from the log. */
		if (f->subscribed_once || f->failed_once)
			feed_fetch(f);
		f->subscribed_once = 1;
	}
	f->on_state(f->ud);
}

/* The key hello names, checked against the pin: 1 with pk filled, 0 when
 * hello has none (every message will be dropped), -1 when refused. A pin
 * that cannot be written (a read-only state directory) only loses the
 * check against later changes: the key is still hello's. */
static int
feed_key(struct feed *f, const char *server, json_t *hello,
         const char *pin_path, unsigned char pk[32])
{
	struct pl_error err;
	char hex[65];

	if (sub_hello_key(hello, pk) != 0)
		return 0;
	event_sig_pk_hex(pk, hex);
	pl_error_init(&err);
	if (event_pin_check(pin_path, server, hex, &err) == PL_ERR_FORBIDDEN) {
		snprintf(f->refused, sizeof f->refused, "%s", err.message);
		pl_error_clear(&err);
		return -1;
	}
	pl_error_clear(&err);
	return 1;
}

struct feed *
feed_new(uv_loop_t *loop, struct rpc_client *rpc, const char *redis_url,
         const char *server, json_t *hello, const char *pin_path,
         long long after, feed_event_cb on_event, feed_state_cb on_state,
         void *ud)
{
	struct feed *f = xcalloc(1, sizeof *f);
	unsigned char pk[32];
	int key;

	f->rpc = rpc;
	f->started = time(NULL);
	f->on_event = on_event;
	f->on_state = on_state;
	f->ud = ud;
	key = feed_key(f, server, hello, pin_path, pk);
	/* Refused: no Redis at all; events.since (from the server itself)
	 * still fills the feed. */
	if (key >= 0) {
		f->sub = sub_new(loop, redis_url, sub_hello_channel(hello),
		                 key ? pk : NULL, on_sub_event, on_sub_state,
		                 on_sub_drop, f);
		if (!f->sub) {
			free(f);
			return NULL;
		}
	}
	uv_timer_init(loop, &f->poll);
	f->poll.data = f;
	uv_timer_start(&f->poll, on_poll, FEED_POLL_MS, FEED_POLL_MS);
	if (after >= 0) {
		f->max_id = f->floor = after;
		f->located = 1;
		feed_fetch(f); /* catch up from there */
	} else {
		baseline_find(rpc, on_baseline, f);
	}
	return f;
}

static void
on_poll_closed(uv_handle_t *h)
{
	free(h->data);
}

void
feed_free(struct feed *f)
{
	if (!f)
		return;
	sub_free(f->sub);
	uv_timer_stop(&f->poll);
	uv_close((uv_handle_t *)&f->poll, on_poll_closed);
}

enum feed_mode
feed_mode(const struct feed *f)
{
	if (f->refused[0])
		return FEED_REFUSED;
	if (sub_is_up(f->sub))
		return f->located > 0 ? FEED_LIVE : FEED_STARTING;
	return f->failed_once ? FEED_POLLING : FEED_STARTING;
}

void
feed_problem(const struct feed *f, char *buf, size_t size)
{
	char where[300];

	if (f->refused[0]) {
		snprintf(buf, size, "%s", f->refused);
		return;
	}
	sub_where(f->sub, where, sizeof where);
	snprintf(buf, size, "%s: %s", where,
	         sub_error(f->sub)[0] ? sub_error(f->sub) : "unreachable");
}

long long
feed_position(const struct feed *f)
{
	return f->max_id;
}

void
feed_dropped(const struct feed *f, unsigned long *unsigned_n,
             unsigned long *replayed_n)
{
	*unsigned_n = f->dropped;
	*replayed_n = f->replayed;
}
