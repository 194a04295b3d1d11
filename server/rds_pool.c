/*
 * hiredis connections for worker threads. Contexts are lent one per borrower
 * under a mutex; a broken one is freed on return. After a failed connect the
 * pool waits a moment before trying again so a Redis outage costs requests
 * nothing but a branch. Through Sentinel, a thread follows +switch-master
 * and retires every connection made before the switch.
 */
#include "rds_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "mono_time.h"
#include "redis_url.h"
#include "xalloc.h"

#define RDS_TIMEOUT_MS 500
#define RDS_DOWN_BACKOFF_MS 1000

/* A context lent out and the master generation it was made in. */
struct rds_lent {
	redisContext *c;
	unsigned gen;
};

struct rds_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct redis_url url;
	int size;
	int nidle;
	redisContext **idle;
	unsigned *idle_gen;
	int nlent, lent_cap;
	struct rds_lent *lent;
	long long down_until_ms;
	unsigned gen; /* bumped by each +switch-master */
	int watching, stopping;
	redisContext *watch_ctx; /* the Sentinel subscription, under lock */
	pthread_t watcher;
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

/* Under lock: every idle connection predates the switch; drop them. */
static void
retire_idle(struct rds_pool *p)
{
	for (int i = 0; i < p->nidle; i++)
		redisFree(p->idle[i]);
	p->nidle = 0;
	p->gen++;
	p->down_until_ms = 0;
}

/* 0 while the subscription stands, after a +switch-master for our master. */
static void
watch_one(struct rds_pool *p, redisContext *c)
{
	size_t mlen = strlen(p->url.master);
	redisReply *r = redisCommand(c, "SUBSCRIBE +switch-master");

	if (r == NULL)
		return;
	freeReplyObject(r);
	while (redisGetReply(c, (void **)&r) == REDIS_OK) {
		/* "message" "+switch-master" "NAME oldip oldport ip port" */
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_STRING &&
		    r->element[2]->len > mlen &&
		    strncmp(r->element[2]->str, p->url.master, mlen) == 0 &&
		    r->element[2]->str[mlen] == ' ') {
			pthread_mutex_lock(&p->lock);
			retire_idle(p);
			pthread_mutex_unlock(&p->lock);
			log_info("redis master switched", "master=%s",
			         p->url.master);
		}
		freeReplyObject(r);
	}
}

static void *
watcher_main(void *arg)
{
	struct rds_pool *p = arg;
	struct timeval tv = {RDS_TIMEOUT_MS / 1000,
	                     (RDS_TIMEOUT_MS % 1000) * 1000};

	for (int i = 0;; i = (i + 1) % p->url.nsentinels) {
		const struct redis_url_node *n = &p->url.sentinels[i];
		redisContext *c = redisConnectWithTimeout(n->host, n->port, tv);
		struct timespec ts;

		pthread_mutex_lock(&p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			if (c)
				redisFree(c);
			break;
		}
		if (c != NULL && c->err == 0) {
			p->watch_ctx = c;
			pthread_mutex_unlock(&p->lock);
			/* Blocks until the Sentinel goes (keepalive finds a
			 * dead one) or rds_pool_free shuts the socket. */
			redisEnableKeepAlive(c);
			watch_one(p, c);
			pthread_mutex_lock(&p->lock);
			p->watch_ctx = NULL;
			/* The switch may have come while we were away. */
			retire_idle(p);
		}
		if (c)
			redisFree(c);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!p->stopping)
			pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
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
	pthread_cond_init(&p->wake, NULL);
	p->size = size;
	p->idle = xcalloc((size_t)size, sizeof *p->idle);
	p->idle_gen = xcalloc((size_t)size, sizeof *p->idle_gen);
	if (p->url.master != NULL &&
	    pthread_create(&p->watcher, NULL, watcher_main, p) == 0)
		p->watching = 1;
	return p;
}

void
rds_pool_free(struct rds_pool *p)
{
	if (p == NULL)
		return;
	if (p->watching) {
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		if (p->watch_ctx != NULL)
			shutdown(p->watch_ctx->fd, SHUT_RDWR);
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->watcher, NULL);
	}
	for (int i = 0; i < p->nidle; i++)
		redisFree(p->idle[i]);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->idle);
	free(p->idle_gen);
	free(p->lent);
	redis_url_clear(&p->url);
	free(p);
}

/* Under lock: remembers which generation c was made in. */
static void
lend(struct rds_pool *p, redisContext *c, unsigned gen)
{
	if (p->nlent == p->lent_cap) {
		p->lent_cap = p->lent_cap ? p->lent_cap * 2 : 8;
		p->lent = xreallocarray(p->lent, (size_t)p->lent_cap,
		                        sizeof *p->lent);
	}
	p->lent[p->nlent].c = c;
	p->lent[p->nlent++].gen = gen;
}

redisContext *
rds_pool_borrow(struct rds_pool *p)
{
	redisContext *c = NULL;
	struct pl_error err;
	unsigned gen;

	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0) {
		p->nidle--;
		c = p->idle[p->nidle];
		lend(p, c, p->idle_gen[p->nidle]);
	} else if (mono_ms() < p->down_until_ms) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	gen = p->gen;
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
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	lend(p, c, gen);
	pthread_mutex_unlock(&p->lock);
	return c;
}

void
rds_pool_return(struct rds_pool *p, redisContext *c, int broken)
{
	unsigned gen = 0;

	if (c == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->nlent; i++)
		if (p->lent[i].c == c) {
			gen = p->lent[i].gen;
			p->lent[i] = p->lent[--p->nlent];
			break;
		}
	/* One made before a master switch talks to the old master. */
	if (!broken && c->err == 0 && gen == p->gen && p->nidle < p->size) {
		p->idle_gen[p->nidle] = gen;
		p->idle[p->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (c != NULL)
		redisFree(c);
}

enum rds_state
rds_pool_probe(struct rds_pool *p)
{
	redisContext *rc = rds_pool_borrow(p);
	enum rds_state st = RDS_DOWN;
	redisReply *r;

	if (rc == NULL)
		return RDS_DOWN;
	r = redisCommand(rc, "ROLE");
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING)
		st = strcmp(r->element[0]->str, "master") == 0 ? RDS_UP
		                                               : RDS_READONLY;
	else if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	         !redis_reply_wrong_node(r)) {
		/* ROLE refused (an ACL user without it): PING will do. */
		freeReplyObject(r);
		r = redisCommand(rc, "PING");
		st = r != NULL && r->type == REDIS_REPLY_STATUS ? RDS_UP
		                                                : RDS_DOWN;
	} else if (redis_reply_wrong_node(r))
		st = RDS_READONLY;
	if (r)
		freeReplyObject(r);
	/* Not on the master: drop it, so the next one asks again. */
	rds_pool_return(p, rc, st != RDS_UP);
	return st;
}

int
rds_pool_ping(struct rds_pool *p)
{
	return rds_pool_probe(p) == RDS_UP;
}
