/*
 * Owns the Redis subscription: find the master (through Sentinel, on a
 * worker thread), connect, AUTH if the URL has a password, SUBSCRIBE to the
 * channel server.hello named, verify each message's signature (event_sig.h)
 * before decoding it as JSON, check with a heartbeat that the server still
 * answers, and reconnect with backoff.
 */
#include "sub.h"

#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_sig.h"
#include "log.h"
#include "protocol.h"
#include "redis_url.h"
#include "xalloc.h"

#define SUB_BACKOFF_MIN 250
#define SUB_BACKOFF_MAX 5000
#define SUB_CONNECT_MS 2000
#define SUB_RESOLVE_MS 1000 /* each Sentinel's connect and answer */
#define SUB_BEAT_MS 1000
#define SUB_BEAT_LOST_MS 5000

struct sub {
	uv_loop_t *loop;
	struct redis_url url;
	char *channel;
	redisAsyncContext *ac;
	uv_timer_t retry;
	uv_timer_t watchdog; /* gives up on a connect that never completes */
	uv_timer_t beat;     /* the heartbeat while subscribed */
	uv_work_t resolve;   /* asking the Sentinels, off the loop */
	int resolving;
	char *master_host; /* what the Sentinels said (resolve's result) */
	int master_port;
	long long beat_sent_ms; /* 0 when no heartbeat is awaited */
	unsigned backoff;
	char error[160]; /* why the last connection failed ("" = none) */
	int up;
	int closing;
	int has_key; /* verifier holds the server's key */
	struct event_sig_verifier verifier;
	sub_event_cb on_event;
	sub_state_cb on_state;
	sub_drop_cb on_drop;
	void *ud;
};

static void sub_connect(struct sub *);

static void
sub_set_up(struct sub *s, int up)
{
	if (s->up == up)
		return;
	s->up = up;
	if (s->on_state)
		s->on_state(s->ud, up);
}

static void
sub_on_retry(uv_timer_t *t)
{
	sub_connect(t->data);
}

static void
sub_schedule(struct sub *s)
{
	if (s->closing)
		return;
	uv_timer_start(&s->retry, sub_on_retry, s->backoff, 0);
	s->backoff =
	    s->backoff * 2 > SUB_BACKOFF_MAX ? SUB_BACKOFF_MAX : s->backoff * 2;
}

static void
sub_on_message(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *rep = r;
	struct sub *s = priv;
	json_t *ev;
	const char *text = NULL;
	size_t text_len = 0;
	enum event_sig_verdict verdict;

	(void)ac;
	if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements < 3)
		return;
	if (strcmp(rep->element[0]->str, "subscribe") == 0) {
		s->beat_sent_ms = 0;
		uv_timer_stop(&s->watchdog);
		s->backoff = SUB_BACKOFF_MIN;
		s->error[0] = '\0';
		sub_set_up(s, 1);
		return;
	}
	if (strcmp(rep->element[0]->str, "message") != 0 ||
	    rep->element[2]->type != REDIS_REPLY_STRING)
		return;
	verdict = s->has_key
	              ? event_sig_verify(&s->verifier, rep->element[2]->str,
	                                 rep->element[2]->len, &text, &text_len)
	              : EVENT_SIG_MALFORMED;
	ev = verdict == EVENT_SIG_OK ? json_loadb(text, text_len, 0, NULL)
	                             : NULL;
	if (ev == NULL && verdict == EVENT_SIG_OK)
		verdict = EVENT_SIG_MALFORMED; /* signed, yet not JSON */
	if (ev && s->on_event)
		s->on_event(s->ud, ev);
	else if (!ev && s->on_drop)
		s->on_drop(s->ud, verdict);
	json_decref(ev);
}

static void
sub_on_connect(const redisAsyncContext *ac, int status)
{
	struct sub *s = ac->data;

	if (s && status != REDIS_OK) {
		snprintf(s->error, sizeof s->error, "%s",
		         ac->errstr[0] ? ac->errstr : "cannot connect");
		s->ac = NULL; /* hiredis frees it */
		sub_schedule(s);
		if (s->on_state)
			s->on_state(s->ud, 0);
	}
}

static void
sub_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct sub *s = ac->data;

	if (!s) /* sub_free'd */
		return;
	snprintf(s->error, sizeof s->error, "%s",
	         status != REDIS_OK && ac->errstr[0] ? ac->errstr
	                                             : "connection lost");
	s->ac = NULL;
	uv_timer_stop(&s->beat);
	sub_set_up(s, 0);
	sub_schedule(s);
}

/* Gives up on the connection (why: copied first, it may be ac's own words)
 * and tries again after the backoff. */
static void
sub_abandon(struct sub *s, const char *why)
{
	snprintf(s->error, sizeof s->error, "%s", why);
	s->ac->data = NULL;
	redisAsyncFree(s->ac);
	s->ac = NULL;
	uv_timer_stop(&s->beat);
	sub_schedule(s);
	if (s->up)
		sub_set_up(s, 0);
	else if (s->on_state)
		s->on_state(s->ud, 0);
}

/*
 * The heartbeat: SUBSCRIBE again to the same channel, which Redis confirms
 * like the first time (hiredis 0.14 drops the PONG of a PING in subscribed
 * mode, so a PING could not be seen answered). A master that hangs keeps
 * the connection open and says nothing: without an answer within
 * SUB_BEAT_LOST_MS the subscription counts as lost and is made again,
 * which makes the caller backfill.
 */
static void
sub_on_beat(uv_timer_t *t)
{
	struct sub *s = t->data;

	if (!s->ac || !s->up)
		return;
	if (s->beat_sent_ms == 0) {
		s->beat_sent_ms = (long long)uv_now(s->loop);
		redisAsyncCommand(s->ac, sub_on_message, s, "SUBSCRIBE %s",
		                  s->channel);
		return;
	}
	if ((long long)uv_now(s->loop) - s->beat_sent_ms < SUB_BEAT_LOST_MS)
		return;
	sub_abandon(s, "no answer from Redis");
}

/*
 * hiredis 0.14's libuv adapter drops poll errors, so a refused connection
 * never reaches the connect callback: without this the subscriber would
 * wait forever after Redis restarts.
 */
static void
sub_on_watchdog(uv_timer_t *t)
{
	struct sub *s = t->data;

	if (!s->ac || s->up)
		return;
	sub_abandon(s, s->ac->err && s->ac->errstr[0]
	                   ? s->ac->errstr
	                   : "Connection refused or no answer");
}

/* Frees s once its three timers have closed and no lookup is running. */
static void
sub_maybe_free(struct sub *s)
{
	if (s->closing == 4 && !s->resolving) {
		redis_url_clear(&s->url);
		free(s->master_host);
		free(s->channel);
		free(s);
	}
}

/* On a worker thread: touches only master_host/master_port. */
static void
sub_resolve_work(uv_work_t *w)
{
	struct sub *s = w->data;
	struct pl_error err;

	pl_error_init(&err);
	free(s->master_host);
	s->master_host = NULL;
	redis_url_master_addr(&s->url, SUB_RESOLVE_MS, &s->master_host,
	                      &s->master_port, &err);
	pl_error_clear(&err);
}

static void sub_connect_to(struct sub *, const char *host, int port);

static void
sub_resolve_done(uv_work_t *w, int status)
{
	struct sub *s = w->data;

	s->resolving = 0;
	if (s->closing) {
		sub_maybe_free(s);
		return;
	}
	if (status != 0 || s->master_host == NULL) {
		snprintf(s->error, sizeof s->error,
		         "no Sentinel named the master");
		sub_schedule(s);
		if (s->on_state)
			s->on_state(s->ud, 0);
		return;
	}
	sub_connect_to(s, s->master_host, s->master_port);
}

/* Through Sentinel, asks where the master is first (every time: after a
 * failover it is elsewhere). */
static void
sub_connect(struct sub *s)
{
	if (s->url.master == NULL) {
		sub_connect_to(s, s->url.host, s->url.port);
		return;
	}
	if (s->resolving)
		return; /* one lookup at a time: its end connects */
	s->resolving = 1;
	s->resolve.data = s;
	if (uv_queue_work(s->loop, &s->resolve, sub_resolve_work,
	                  sub_resolve_done) != 0) {
		s->resolving = 0;
		sub_schedule(s);
	}
}

static void
sub_connect_to(struct sub *s, const char *host, int port)
{
	redisAsyncContext *ac = redisAsyncConnect(host, port);

	if (!ac || ac->err) {
		snprintf(s->error, sizeof s->error, "%s",
		         ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		sub_schedule(s);
		if (s->on_state)
			s->on_state(s->ud, 0);
		return;
	}
	ac->data = s;
	redisLibuvAttach(ac, s->loop);
	redisAsyncSetConnectCallback(ac, sub_on_connect);
	redisAsyncSetDisconnectCallback(ac, sub_on_disconnect);
	s->ac = ac;
	uv_timer_start(&s->watchdog, sub_on_watchdog, SUB_CONNECT_MS, 0);
	s->beat_sent_ms = 0;
	uv_timer_start(&s->beat, sub_on_beat, SUB_BEAT_MS, SUB_BEAT_MS);
	if (s->url.user && s->url.password)
		redisAsyncCommand(ac, NULL, NULL, "AUTH %s %s", s->url.user,
		                  s->url.password);
	else if (s->url.password)
		redisAsyncCommand(ac, NULL, NULL, "AUTH %s", s->url.password);
	redisAsyncCommand(ac, sub_on_message, s, "SUBSCRIBE %s", s->channel);
}

struct sub *
sub_new(uv_loop_t *loop, const char *url, const char *channel,
        const unsigned char *pk, sub_event_cb on_event, sub_state_cb on_state,
        sub_drop_cb on_drop, void *ud)
{
	struct sub *s = xcalloc(1, sizeof *s);
	struct pl_error err;

	s->loop = loop;
	pl_error_init(&err);
	if (redis_url_parse(url, &s->url, &err)) {
		pl_error_clear(&err);
		free(s);
		return NULL;
	}
	s->channel = xstrdup(channel ? channel : PL_EVENTS_CHANNEL_LEGACY);
	if (pk) {
		event_sig_verifier_init(&s->verifier, pk);
		s->has_key = 1;
	}
	s->on_event = on_event;
	s->on_state = on_state;
	s->on_drop = on_drop;
	s->ud = ud;
	s->backoff = SUB_BACKOFF_MIN;
	uv_timer_init(loop, &s->retry);
	s->retry.data = s;
	uv_timer_init(loop, &s->watchdog);
	s->watchdog.data = s;
	uv_timer_init(loop, &s->beat);
	s->beat.data = s;
	sub_connect(s);
	return s;
}

/* Three timers: s is freed when the last one has closed (closing counts
 * from 1) and no Sentinel lookup is running. */
static void
sub_on_timer_close(uv_handle_t *h)
{
	struct sub *s = h->data;

	s->closing++;
	sub_maybe_free(s);
}

void
sub_free(struct sub *s)
{
	if (!s)
		return;
	s->closing = 1;
	s->on_state = NULL;
	s->on_event = NULL;
	s->on_drop = NULL;
	uv_timer_stop(&s->retry);
	uv_timer_stop(&s->watchdog);
	uv_timer_stop(&s->beat);
	/* Freed, not disconnected: a disconnect waits for the answers still
	 * owed (an AUTH in flight), and the loop that would bring them is
	 * ending, so the context would never be freed. */
	if (s->ac) {
		s->ac->data = NULL;
		redisAsyncFree(s->ac);
		s->ac = NULL;
	}
	uv_close((uv_handle_t *)&s->retry, sub_on_timer_close);
	uv_close((uv_handle_t *)&s->watchdog, sub_on_timer_close);
	uv_close((uv_handle_t *)&s->beat, sub_on_timer_close);
}

const char *
sub_hello_channel(json_t *hello)
{
	return json_string_value(
	    json_object_get(json_object_get(hello, "events"), "channel"));
}

int
sub_hello_key(json_t *hello, unsigned char pk[32])
{
	return event_sig_pk_parse(
	    json_string_value(json_object_get(json_object_get(hello, "events"),
	                                      "public_key")),
	    pk);
}

int
sub_is_up(const struct sub *s)
{
	return s && s->up;
}

const char *
sub_error(const struct sub *s)
{
	return s ? s->error : "";
}

void
sub_where(const struct sub *s, char *buf, size_t size)
{
	if (s && s->url.master) {
		char *r = redis_url_redacted(&s->url);

		snprintf(buf, size, "%s", r);
		free(r);
	} else if (s)
		snprintf(buf, size,
		         strchr(s->url.host, ':') ? "redis://[%s]:%d"
		                                  : "redis://%s:%d",
		         s->url.host, s->url.port);
	else
		snprintf(buf, size, "redis");
}
