/*
 * What server.stats reports: counters since start and per-method latency
 * percentiles over the last five minutes, kept without a lock on the request
 * path. Requests are recorded by the loop thread (the only writer) with
 * relaxed atomics; server.stats reads them from a worker and merges the
 * time slots. Everything here is this instance's; the database and Redis
 * parts of the report are probed when asked.
 */
#ifndef PL_STATS_H
#define PL_STATS_H

#include <jansson.h>

#include "pl_error.h"

struct app;
struct rpc_method;
struct stats;

/* Sized for the method table (rpc_method_count()). */
struct stats *stats_new(void);
void stats_free(struct stats *);

/*
 * A dispatched request that started at started_us (mono_us()) finished
 * with err (code 0: success). Loop thread
 * only. A session.login that failed on its credentials also counts toward
 * logins_failed_15m. NULL stats is fine (nothing recorded).
 */
void stats_request_done(struct stats *, const struct rpc_method *,
                        const struct pl_error *err, long long started_us);
/*
 * A request answered before any method ran: an unknown method, a line that
 * is not a request, not signed in, not an admin, a line or batch over its
 * limit, a connection over the limit. Counts in total and errors, and in
 * m's count and errors when m names a method (NULL: none). Loop thread.
 */
void stats_request_refused(struct stats *, const struct rpc_method *m);
/* A client connection opened (+1) or closed (-1). */
void stats_connection(struct stats *, int delta);

/*
 * The server.stats result: {version, uptime_s, connections, requests: {total,
 * errors, methods: {NAME: {count, errors, p50_ms, p99_ms}}}, db: {up, pool,
 * in_use, waiting}, redis: {up}, outbox: {unpublished, oldest_s},
 * logins_failed_15m}. redis_up is probed by the caller. New reference.
 */
int stats_report(struct app *, int redis_up, json_t **result,
                 struct pl_error *);

#endif
