/*
 * padlined's network side: the libuv loop, client connections, framing,
 * dispatch of requests through their steps on the worker pool, and the
 * outbox relay timer. One loop thread owns every client; workers only touch
 * the call they were handed.
 */
#ifndef PL_SERVER_H
#define PL_SERVER_H

#include "app.h"

/* Listens on cfg->listen_host:listen_port (and for metrics on
 * cfg->metrics_host:metrics_port when set) and runs until SIGTERM/SIGINT,
 * after which in-flight requests are answered before it returns 0. */
int server_run(struct padlined *, struct pl_error *);

#endif
