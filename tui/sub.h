/*
 * Redis SUBSCRIBE to the deployment's events channel (server.hello's
 * events.channel) for the dashboard and `padline watch`, checking each
 * message's signature against hello's events.public_key: hiredis async on the
 * libuv loop, reconnecting with backoff (250 ms doubling to 5 s). on_state
 * reports up/down so the caller backfills with events.since after every
 * (re)subscription.
 */
#ifndef PL_TUI_SUB_H
#define PL_TUI_SUB_H

#include <jansson.h>
#include <uv.h>

struct sub;

/* event is borrowed for the duration of the call; it came signed by the
 * server's key (event_sig.h). */
typedef void (*sub_event_cb)(void *ud, json_t *event);
/* A message that was dropped unread: why (enum event_sig_verdict). */
typedef void (*sub_drop_cb)(void *ud, int verdict);
/* up = 1 once subscribed; 0 when the connection is lost or an attempt to
 * connect failed (sub_error says why; called on every failed attempt). */
typedef void (*sub_state_cb)(void *ud, int up);

/* url: common/redis_url.h's grammar (NULL = 127.0.0.1:6379); channel from
 * sub_hello_channel (NULL = the pre-hello padline:events); pk: the key
 * events must be signed with (32 bytes, copied; NULL: none is, so every
 * message is dropped). Anyone who may PUBLISH on the channel can put
 * anything there: only messages that verify reach on_event. */
struct sub *sub_new(uv_loop_t *, const char *url, const char *channel,
                    const unsigned char *pk, sub_event_cb, sub_state_cb,
                    sub_drop_cb, void *ud);
/* hello's events.channel (borrowed), NULL from a server without one. */
const char *sub_hello_channel(json_t *hello);
/* hello's events.public_key into pk: 0, or -1 when missing or not 64 hex. */
int sub_hello_key(json_t *hello, unsigned char pk[32]);
void sub_free(struct sub *);
int sub_is_up(const struct sub *);
/* Why the last connection attempt failed ("" while up or before any). */
const char *sub_error(const struct sub *);
/* "redis://host:port" — the server, never the password. */
void sub_where(const struct sub *, char *buf, size_t size);

#endif
