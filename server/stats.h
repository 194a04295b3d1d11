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

struct padlined;
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
 * The signup defense's counters, any thread. Labels come from fixed sets
 * (anything else is not counted), never from what a client sent:
 * - an attempt screened (trusted registrations are not), by outcome:
 *   created, held, refused, invalid, duplicate or failed (screened, then
 *   not created for another reason: a spent form token, an invitation, the
 *   database);
 * - an alarm raised (its event committed): mode "enforce" (signup.alarm)
 *   or "shadow" (signup.shadow);
 * - a rule that fired on an attempt, by mode and action (alarm, hold,
 *   block);
 * - accounts decided by user.approve or user.reject (status "active" or
 *   "rejected"), n at a time.
 */
void stats_signup_attempt(struct stats *, const char *outcome);
void stats_signup_alarm(struct stats *, int shadow);
void stats_signup_rule_hit(struct stats *, int shadow, const char *action);
void stats_signup_decided(struct stats *, const char *status, long long n);

/*
 * Events put on the channel (the publisher thread and the relay, any
 * thread): how many, and in how many signed groups (event_sig.h). Their
 * ratio is what one signature covers, which is what a subscriber pays per
 * event to verify.
 */
void stats_events_sent(struct stats *, long long events, long long groups);
/* Of those, events the relay sent (left unpublished by the publisher:
 * Redis away, the queue full, a stop or a crash). */
void stats_events_relayed(struct stats *, long long events);

/*
 * What the server.stats report asks PostgreSQL and Redis. Filling it blocks
 * on both, so it is a worker's job; the loop thread keeps a copy (metrics).
 */
struct stats_probe {
	int db_up, redis_up;
	long long unpublished; /* outbox rows not yet published (db_up) */
	double oldest_s;       /* age of the oldest of them, 0 when none */
};
void stats_probe(struct padlined *, struct stats_probe *);

/*
 * The server.stats result: {version, uptime_s, connections, requests: {total,
 * errors, methods: {NAME: {count, errors, p50_ms, p99_ms}}}, db: {up, pool,
 * in_use, waiting}, redis: {up}, outbox: {unpublished, oldest_s},
 * logins_failed_15m, signup: {attempts: {OUTCOME: n}, alarms: {MODE: n},
 * rule_hits: {MODE: {ACTION: n}}, decisions: {approved, rejected}},
 * events: {published, groups, relayed}}, from the
 * counters, the pool's usage and probe. With a NULL probe (nothing probed yet)
 * db.up, redis and outbox are left out. Never blocks: the loop thread may call
 * it. New reference.
 */
json_t *stats_report_json(struct padlined *, const struct stats_probe *);

#endif
