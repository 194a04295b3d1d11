/*
 * The publisher thread: requests hand it their events after commit and go
 * on answering; it waits for a whole signed group (or not long), signs and
 * sends what is waiting to Redis in one pipelined write and records what
 * went out with the relay, whose next flush marks it (events.c). It
 * depends on events.c, never the reverse. What it cannot send (Redis
 * down, the queue full, shutdown) stays unpublished in audit_log, where
 * the relay finds it.
 */
#include "events_publisher.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_sig.h"
#include "events.h"
#include "log.h"
#include "mono_time.h"
#include "xalloc.h"

/* Events waiting beyond this are left for the relay: a Redis that stalls
 * must not grow padlined without bound. */
#define EVENTS_QUEUE_MAX 65536
/* At most this many in one write, so one reply wait stays short. */
#define EVENTS_BATCH_MAX 512
/* How long shutdown keeps sending what is queued. */
#define EVENTS_DRAIN_MS 2000
/* A stream goes out in whole signed groups (EVENT_SIG_GROUP_MAX events
 * under one Ed25519 signature, event_sig.h): signing, and checking on
 * every subscriber, costs about a group what it costs an event. So the
 * thread sends the whole groups once the oldest has waited batch_us (5
 * ms, or gather_us if less) or EVENTS_BATCH_MAX are queued, and a group
 * still filling once its oldest event has waited gather_us
 * (PADLINE_EVENTS_GATHER_MS, 20 by default): an event alone goes out
 * within gather_us, a stream of a few hundred a second fills its groups,
 * and a stream of thousands goes out several groups to a write, one wake
 * and one Redis round trip for them all rather than one a group. After a
 * send the thread waits gather_us before it calls itself idle: until then
 * a first event needs no wake (it looks at the queue when that wait
 * ends). */
#define EVENTS_BATCH_WAIT_US 5000

struct pending {
	long long id;
	long long queued_us; /* mono_us() when pushed */
	char *event;         /* owned */
};

struct events_publisher {
	struct rds_pool *rds;
	struct stats *stats;        /* counts what went out */
	struct events_relay *relay; /* told what went out, for its marks */
	char *channel;
	unsigned char sk[EVENT_SIG_SK_BYTES]; /* signs every event */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pending *q; /* a ring of cap entries */
	size_t head, len, cap;
	int stopping;
	int idle;          /* waits for a push to wake it */
	long long dropped; /* since the last warning */
	long long gather_us;
	long long batch_us; /* the most a whole group waits for others */
};

/* Takes up to max queued events into out; the caller holds mu. */
static size_t
take(struct events_publisher *p, struct pending *out, size_t max)
{
	size_t n = p->len < max ? p->len : max;

	for (size_t i = 0; i < n; i++)
		out[i] = p->q[(p->head + i) % p->cap];
	p->head = (p->head + n) % p->cap;
	p->len -= n;
	return n;
}

/* How many queued events to send now (the caller holds mu): everything
 * once its oldest has waited gather_us, the whole groups once their oldest
 * has waited batch_us, all at once when a write's worth is queued or the
 * thread is stopping. When that is none, *due_us says when it will be. */
static size_t
ready(const struct events_publisher *p, long long now_us, long long *due_us)
{
	size_t n = p->len < EVENTS_BATCH_MAX ? p->len : EVENTS_BATCH_MAX;
	size_t whole = n - n % EVENT_SIG_GROUP_MAX;
	long long oldest = p->q[p->head].queued_us;

	if (p->stopping || n == EVENTS_BATCH_MAX ||
	    now_us >= oldest + p->gather_us)
		return n;
	if (whole > 0 && now_us >= oldest + p->batch_us)
		return whole;
	if (whole > 0)
		*due_us = oldest + p->batch_us;
	else
		*due_us = oldest + p->gather_us;
	return 0;
}

static void
send_batch(struct events_publisher *p, struct pending *b, size_t n)
{
	struct event_msg msgs[EVENTS_BATCH_MAX];
	int published[EVENTS_BATCH_MAX], broken;
	redisContext *rc = rds_pool_borrow(p->rds);

	if (rc == NULL) {
		log_debug("events left for the relay",
		          "count=%zu reason=redis_down", n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		msgs[i].id = b[i].id;
		msgs[i].event = b[i].event;
	}
	broken = events_redis_send(rc, p->stats, p->channel, p->sk, msgs, n,
	                           published) < 0;
	rds_pool_return(p->rds, rc, broken);
	if (broken)
		log_warn("publishing events failed; left for the relay",
		         "count=%zu", n);
	for (size_t i = 0; i < n; i++)
		if (published[i] && !broken)
			events_relay_published(p->relay, b[i].id);
}

/* Waits on cv (the caller holds mu) until woken or until mono_us()
 * reaches until_us. */
static void
wait_until(struct events_publisher *p, long long until_us)
{
	struct timespec ts = {(time_t)(until_us / 1000000),
	                      (long)(until_us % 1000000) * 1000};

	pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

static void *
publisher_main(void *arg)
{
	struct events_publisher *p = arg;
	struct pending b[EVENTS_BATCH_MAX];
	long long drain_until = 0, linger_us = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		long long due_us = 0;
		size_t n;

		if (p->len == 0 && !p->stopping && linger_us > mono_us()) {
			/* Just sent: a stream's next group comes soon. */
			wait_until(p, linger_us);
			continue;
		}
		p->idle = 1;
		while (p->len == 0 && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		p->idle = 0;
		if (p->stopping && drain_until == 0)
			drain_until = mono_ms() + EVENTS_DRAIN_MS;
		if (p->len == 0 || (p->stopping && mono_ms() > drain_until))
			break;
		if ((n = ready(p, mono_us(), &due_us)) == 0) {
			/* Woken by a full write, by stopping, or at due. */
			wait_until(p, due_us);
			continue;
		}
		n = take(p, b, n);
		pthread_mutex_unlock(&p->mu);
		send_batch(p, b, n);
		for (size_t i = 0; i < n; i++)
			free(b[i].event);
		linger_us = mono_us() + p->gather_us;
		pthread_mutex_lock(&p->mu);
	}
	/* Whatever is left stays unpublished for the relay. */
	while (p->len > 0) {
		size_t n = take(p, b, EVENTS_BATCH_MAX);

		for (size_t i = 0; i < n; i++)
			free(b[i].event);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct events_publisher *
events_publisher_new(struct rds_pool *rds, struct stats *stats,
                     struct events_relay *relay, const char *channel,
                     const unsigned char *sk, int gather_ms)
{
	struct events_publisher *p = xcalloc(1, sizeof *p);
	pthread_condattr_t ca;

	p->rds = rds;
	p->stats = stats;
	p->relay = relay;
	p->gather_us = gather_ms * 1000LL;
	p->batch_us = p->gather_us < EVENTS_BATCH_WAIT_US
	                  ? p->gather_us
	                  : EVENTS_BATCH_WAIT_US;
	memcpy(p->sk, sk, sizeof p->sk);
	p->channel = xstrdup(channel);
	p->cap = 1024;
	p->q = xcalloc(p->cap, sizeof *p->q);
	pthread_mutex_init(&p->mu, NULL);
	/* The gather's deadline is on mono_us()'s clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->thread, NULL, publisher_main, p) != 0) {
		log_error("cannot start the events publisher", "%s", "");
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p->q);
		free(p->channel);
		sodium_memzero(p->sk, sizeof p->sk);
		free(p);
		return NULL;
	}
	return p;
}

/* Doubles the ring, keeping the order; the caller holds mu. */
static void
grow(struct events_publisher *p)
{
	struct pending *q = xcalloc(p->cap * 2, sizeof *q);

	for (size_t i = 0; i < p->len; i++)
		q[i] = p->q[(p->head + i) % p->cap];
	free(p->q);
	p->q = q;
	p->head = 0;
	p->cap *= 2;
}

void
events_publisher_push(struct events_publisher *p, long long id,
                      const char *event)
{
	long long dropped = 0;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->stopping || p->len >= EVENTS_QUEUE_MAX) {
		/* Warn once per thousand, not once per event. */
		if (p->dropped++ % 1000 == 0)
			dropped = p->dropped;
	} else {
		if (p->len == p->cap)
			grow(p);
		p->q[(p->head + p->len) % p->cap] =
		    (struct pending){id, mono_us(), xstrdup(event)};
		/* The first wakes an idle thread to start the wait, a
		 * write's worth ends it. */
		if ((++p->len == 1 && p->idle) || p->len == EVENTS_BATCH_MAX)
			pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (dropped)
		log_warn("events queue full; left for the relay",
		         "dropped=%lld", dropped);
}

void
events_publisher_free(struct events_publisher *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->q);
	free(p->channel);
	sodium_memzero(p->sk, sizeof p->sk);
	free(p);
}
