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
#include <time.h>

#include "log.h"
#include "xalloc.h"

#define RDS_TIMEOUT_MS 500
#define RDS_DOWN_BACKOFF_MS 1000

struct rds_pool {
	pthread_mutex_t lock;
	char *url;
	int size;
	int nidle;
	redisContext **idle;
	long long down_until_ms;
};

static long long
rds_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
rds_parse_url(const char *url, char *host, size_t hostsz, int *port, int *db)
{
	const char *p = url, *colon, *slash;
	size_t hlen;

	*port = 6379;
	*db = 0;
	if (strncmp(p, "redis://", 8) == 0)
		p += 8;
	if (strchr(p, '@') != NULL)
		p = strchr(p, '@') + 1; /* credentials are not supported */
	slash = strchr(p, '/');
	colon = strchr(p, ':');
	if (colon != NULL && slash != NULL && colon > slash)
		colon = NULL;
	hlen = colon   ? (size_t)(colon - p)
	       : slash ? (size_t)(slash - p)
	               : strlen(p);
	if (hlen == 0 || hlen >= hostsz)
		return -1;
	memcpy(host, p, hlen);
	host[hlen] = '\0';
	if (colon != NULL && (*port = atoi(colon + 1)) <= 0)
		return -1;
	if (slash != NULL && slash[1] != '\0')
		*db = atoi(slash + 1);
	return 0;
}

/* url for the log: the password of its user info replaced by "***". */
static void
rds_url_redacted(const char *url, char *out, size_t size)
{
	const char *scheme = strstr(url, "://");
	const char *info = scheme ? scheme + 3 : url;
	const char *at = strchr(info, '@'), *colon;

	if (at == NULL) {
		snprintf(out, size, "%s", url);
		return;
	}
	colon = memchr(info, ':', (size_t)(at - info));
	/* "user:pw@" keeps the user; a bare "pw@" is all secret. */
	snprintf(out, size, "%.*s***%s",
	         (int)(colon ? colon + 1 - url : info - url), url, at);
}

redisContext *
rds_connect(const char *url, int timeout_ms)
{
	char host[256];
	int port, db;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *c;

	if (url == NULL || rds_parse_url(url, host, sizeof host, &port, &db))
		return NULL;
	c = redisConnectWithTimeout(host, port, tv);
	if (c == NULL || c->err) {
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (db != 0) {
		redisReply *r = redisCommand(c, "SELECT %d", db);
		int ok = r && r->type != REDIS_REPLY_ERROR;

		if (r)
			freeReplyObject(r);
		if (!ok) {
			redisFree(c);
			return NULL;
		}
	}
	return c;
}

struct rds_pool *
rds_pool_new(const char *url, int size)
{
	struct rds_pool *p = xcalloc(1, sizeof *p);

	pthread_mutex_init(&p->lock, NULL);
	p->url = xstrdup(url);
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
	free(p->url);
	free(p);
}

redisContext *
rds_pool_borrow(struct rds_pool *p)
{
	redisContext *c = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0)
		c = p->idle[--p->nidle];
	else if (rds_now_ms() < p->down_until_ms) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (c != NULL)
		return c;
	c = rds_connect(p->url, RDS_TIMEOUT_MS);
	if (c == NULL) {
		pthread_mutex_lock(&p->lock);
		p->down_until_ms = rds_now_ms() + RDS_DOWN_BACKOFF_MS;
		pthread_mutex_unlock(&p->lock);
		char shown[512];

		rds_url_redacted(p->url, shown, sizeof shown);
		log_debug("redis unavailable", "url=%s", shown);
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
