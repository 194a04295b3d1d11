/*
 * The Prometheus endpoint (PADLINE_METRICS_LISTEN): a listener on the
 * server's loop that answers GET /metrics with the figures of server.stats.
 * What needs PostgreSQL or Redis is probed on a worker every few seconds
 * and kept, so a scrape reads only counters and that copy and never waits
 * on either. Loop thread only.
 */
#ifndef PL_METRICS_H
#define PL_METRICS_H

#include <uv.h>

#include "app.h"

struct metrics;

/*
 * Listens on cfg->metrics_host:metrics_port and starts probing; *out is
 * NULL when no address is configured. On failure err says why and the
 * caller runs the loop once so what was opened can close.
 */
int metrics_start(uv_loop_t *, struct padlined *, struct metrics **out,
                  struct pl_error *);
/* Stops listening and probing and closes its connections; the struct goes
 * when the last of them has closed. NULL is fine. */
void metrics_stop(struct metrics *);

#endif
