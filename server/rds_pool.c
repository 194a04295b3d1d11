/*
 * hiredis connections for worker threads. Contexts are lent one per borrower
 * under a mutex; a broken one is freed on return. After a failed connect the
 * pool waits a moment before trying again so a Redis outage costs requests
 * nothing but a branch.
 */
#include "rds_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mono_time.h"
#include "redis_url.h"
#include "xalloc.h"

#define RDS_TIMEOUT_MS 500
#define RDS_DOWN_BACKOFF_MS 1000

struct rds_pool {
	pthread_mutex_t lock;
	struct redis_url url;
	int size;
	int nidle;
	redisContext **idle;
	long long down_until_ms;
};

redisContext *
rds_connect(const char *url, int timeout_ms)
{
	struct pl_error err;
	redisContext *c;

	pl_error_init(&err);
	if (redis_url_connect_str(url, timeout_ms, &c, &err)) {
		log_warn("redis unavailable", "error=%s", err.message);
		pl_error_clear(&err);
	}
	return c;
}

struct rds_pool *
rds_pool_new(const char *url, int size, struct pl_error *err)
{
	struct rds_pool *p = xcalloc(1, sizeof *p);

	if (redis_url_parse(url, &p->url, err)) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->size = size;
	p->idle = xcalloc((size_t)size, sizeof *p->idle);
	return p;
}

void
rds_pool_free(struct rds_pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nidle; i++)
		redisFree(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	free(p->idle);
	redis_url_clear(&p->url);
	free(p);
}

redisContext *
rds_pool_borrow(struct rds_pool *p)
{
	redisContext *c = NULL;
	struct pl_error err;

	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0)
		c = p->idle[--p->nidle];
	else if (mono_ms() < p->down_until_ms) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (c != NULL)
		return c;
	pl_error_init(&err);
	if (redis_url_connect(&p->url, RDS_TIMEOUT_MS, &c, &err)) {
		pthread_mutex_lock(&p->lock);
		p->down_until_ms = mono_ms() + RDS_DOWN_BACKOFF_MS;
		pthread_mutex_unlock(&p->lock);
		log_debug("redis unavailable", "error=%s", err.message);
		pl_error_clear(&err);
	}
	return c;
}

void
rds_pool_return(struct rds_pool *p, redisContext *c, int broken)
{
	if (c == NULL)
		return;
	if (broken || c->err) {
		redisFree(c);
		return;
	}
	pthread_mutex_lock(&p->lock);
	if (p->nidle < p->size) {
		p->idle[p->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (c != NULL)
		redisFree(c);
}

int
rds_pool_ping(struct rds_pool *p)
{
	redisContext *rc = rds_pool_borrow(p);
	int up = 0;

	if (rc != NULL) {
		redisReply *r = redisCommand(rc, "PING");

		up = r != NULL && r->type == REDIS_REPLY_STATUS;
		if (r)
			freeReplyObject(r);
		rds_pool_return(p, rc, !up);
	}
	return up;
}
