/*
 * A small pool of hiredis connections for the worker threads (a
 * redisContext is not thread-safe). Redis is optional at run time: when it
 * is down, borrow fails quickly and callers degrade (events wait in the
 * outbox, rate limits fail open, form-token replay falls back to the DB).
 */
#ifndef PL_RDS_POOL_H
#define PL_RDS_POOL_H

#include <hiredis/hiredis.h>

#include "pl_error.h"

struct rds_pool;

/* NULL, with err filled, when url is not a valid Redis URL
 * (common/redis_url.h). */
struct rds_pool *rds_pool_new(const char *url, int size, struct pl_error *);
void rds_pool_free(struct rds_pool *);
/* A connected context, or NULL when Redis cannot be reached right now. */
redisContext *rds_pool_borrow(struct rds_pool *);
/* Give back; pass broken=1 after an I/O or protocol error to drop it. */
void rds_pool_return(struct rds_pool *, redisContext *, int broken);
/* True when a pooled connection answered PING just now (server.health,
 * server.stats). Blocks up to the connection's timeouts: not on the loop. */
int rds_pool_ping(struct rds_pool *);
/*
 * One-off connection (migration lock, create-user), AUTH and SELECT done;
 * NULL on failure, logged with the password redacted.
 */
redisContext *rds_connect(const char *url, int timeout_ms);

#endif
