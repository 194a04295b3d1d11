/*
 * A small pool of hiredis connections for the worker threads (a
 * redisContext is not thread-safe). Redis is optional at run time: when it
 * is down, borrow fails quickly and callers degrade (events wait in the
 * outbox, rate limits fail open, form-token replay falls back to the DB).
 * The URL may name Sentinels (redis+sentinel://, common/redis_url.h): each
 * new connection asks them where the master is.
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
enum rds_state {
	RDS_DOWN,
	RDS_UP,      /* the master answered */
	RDS_READONLY /* a replica answered (ROLE, or READONLY/MASTERDOWN) */
};
/* What a pooled connection says just now (ROLE; PING when ROLE is not
 * allowed). Blocks up to the connection's timeouts: not on the loop. */
enum rds_state rds_pool_probe(struct rds_pool *);
/* rds_pool_probe() == RDS_UP (server.stats, metrics). */
int rds_pool_ping(struct rds_pool *);
/*
 * One-off connection (migration lock, create-user), AUTH and SELECT done;
 * NULL on failure, logged with the password redacted.
 */
redisContext *rds_connect(const char *url, int timeout_ms);

#endif
