/*
 * The line protocol's shared facts, one copy for padlined, padline and the
 * tests: default address, line limits and the events channel naming. A
 * server advertises the channel it publishes on in server.hello (events:
 * {channel}); clients subscribe to that, never to a name of their own.
 */
#ifndef PL_PROTOCOL_H
#define PL_PROTOCOL_H

#define PL_STR_(x) #x
#define PL_STR(x) PL_STR_(x)

#define PL_DEFAULT_HOST "127.0.0.1"
#define PL_DEFAULT_PORT 7411
#define PL_DEFAULT_ADDR PL_DEFAULT_HOST ":" PL_STR(PL_DEFAULT_PORT)

/* padlined's default limit on one request line (PADLINE_MAX_LINE). */
#define PL_MAX_LINE_DEFAULT 4194304
/* How long a reply line a client accepts (pad.get of a large pad). */
#define PL_CLIENT_MAX_LINE (16u << 20)

/* Events go to PL_EVENTS_CHANNEL_PREFIX <schema> unless
 * PADLINE_EVENTS_CHANNEL names another channel. */
#define PL_EVENTS_CHANNEL_PREFIX "padline:events:"
/* What servers before per-deployment channels published on; clients fall
 * back to it when hello does not name a channel. */
#define PL_EVENTS_CHANNEL_LEGACY "padline:events"

#endif
