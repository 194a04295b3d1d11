/*
 * Login attempt counters (login_limit.h): one Lua script per operation, so
 * checking, counting and setting the expiry are a single atomic step in
 * Redis; the same rules over a small table in memory while Redis is down.
 */
#include "login_limit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "xalloc.h"

/* Enough for every address and name under attack at once on one instance;
 * when full, the counter closest to expiring is reused. */
#define LOCAL_SLOTS 4096
#define LOCAL_KEY 192

/*
 * KEYS: user, peer. ARGV: window, max user, max peer. Returns 0 when the
 * attempt was counted, else the seconds to wait. A counter found without
 * an expiry (left by an older padlined) gets one here, so no lockout is
 * ever permanent.
 */
static const char reserve_lua[] =
    "local lim = {tonumber(ARGV[2]), tonumber(ARGV[3])} "
    "local wait = 0 "
    "for i = 1, 2 do "
    "  if tonumber(redis.call('GET', KEYS[i]) or '0') >= lim[i] then "
    "    local t = redis.call('TTL', KEYS[i]) "
    "    if t < 0 then redis.call('EXPIRE', KEYS[i], ARGV[1]) "
    "      t = tonumber(ARGV[1]) end "
    "    if t > wait then wait = t end "
    "  end "
    "end "
    "if wait > 0 then return wait end "
    "for i = 1, 2 do "
    "  redis.call('INCR', KEYS[i]) "
    "  if redis.call('TTL', KEYS[i]) < 0 then "
    "    redis.call('EXPIRE', KEYS[i], ARGV[1]) end "
    "end "
    "return 0";

/* KEYS: user, peer. */
static const char success_lua[] =
    "redis.call('DEL', KEYS[1]) "
    "if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then "
    "  redis.call('DECR', KEYS[2]) end "
    "return 0";

struct local_counter {
	char key[LOCAL_KEY];
	long long count;
	time_t expires;
};

struct login_limit {
	struct rds_pool *rds;
	pthread_mutex_t lock;
	int degraded; /* 1 while counting in memory; guarded by lock */
	struct local_counter *slots;
};

struct login_limit *
login_limit_new(struct rds_pool *rds)
{
	struct login_limit *l = xcalloc(1, sizeof *l);

	l->rds = rds;
	pthread_mutex_init(&l->lock, NULL);
	l->slots = xcalloc(LOCAL_SLOTS, sizeof *l->slots);
	return l;
}

void
login_limit_free(struct login_limit *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l->slots);
	free(l);
}

/* Logs the switch between Redis and memory once each way. */
static void
note_redis(struct login_limit *l, int up)
{
	int changed;

	pthread_mutex_lock(&l->lock);
	changed = l->degraded == up;
	l->degraded = !up;
	pthread_mutex_unlock(&l->lock);
	if (changed && !up)
		log_warn("login limits fall back to per-instance counters",
		         "reason=%s", "redis unavailable");
	else if (changed)
		log_info("login limits back on redis", "%s", "");
}

/* Runs script on both keys; 0 with *out set, or -1 when Redis failed. */
static int
redis_eval(struct login_limit *l, const char *script, const char *k1,
           const char *k2, int window, int max1, int max2, long long *out)
{
	redisContext *rc = rds_pool_borrow(l->rds);
	redisReply *r;
	int ok;

	if (rc == NULL) {
		note_redis(l, 0);
		return -1;
	}
	r = redisCommand(rc, "EVAL %s 2 %s %s %d %d %d", script, k1, k2, window,
	                 max1, max2);
	ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
	if (ok)
		*out = r->integer;
	else if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warn("login limit script failed", "error=%s", r->str);
	if (r)
		freeReplyObject(r);
	rds_pool_return(l->rds, rc, r == NULL);
	note_redis(l, ok);
	return ok ? 0 : -1;
}

/* The live counter for key, or NULL; with window > 0, a fresh one expiring
 * then when there is none (reusing an expired slot, else the one expiring
 * first). Under lock. */
static struct local_counter *
local_find(struct login_limit *l, const char *key, time_t now, int window)
{
	struct local_counter *free_slot = NULL, *oldest = NULL;

	for (int i = 0; i < LOCAL_SLOTS; i++) {
		struct local_counter *c = &l->slots[i];

		if (c->key[0] != '\0' && c->expires <= now)
			c->key[0] = '\0';
		if (c->key[0] == '\0') {
			if (free_slot == NULL)
				free_slot = c;
			continue;
		}
		if (strncmp(c->key, key, LOCAL_KEY - 1) == 0)
			return c;
		if (oldest == NULL || c->expires < oldest->expires)
			oldest = c;
	}
	if (window <= 0)
		return NULL;
	if (free_slot == NULL)
		free_slot = oldest;
	snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
	free_slot->count = 0;
	free_slot->expires = now + window;
	return free_slot;
}

static int
local_reserve(struct login_limit *l, const char *k1, int max1, const char *k2,
              int max2, int window)
{
	time_t now = time(NULL);
	struct local_counter *c[2];
	const int max[2] = {max1, max2};
	long long wait = 0;

	if (window < 1)
		window = 1;
	pthread_mutex_lock(&l->lock);
	c[0] = local_find(l, k1, now, 0);
	c[1] = local_find(l, k2, now, 0);
	for (int i = 0; i < 2; i++)
		if (c[i] != NULL && c[i]->count >= max[i] &&
		    c[i]->expires - now > wait)
			wait = c[i]->expires - now;
	if (wait == 0) {
		c[0] = local_find(l, k1, now, window);
		c[1] = local_find(l, k2, now, window);
		c[0]->count++;
		c[1]->count++;
	}
	pthread_mutex_unlock(&l->lock);
	return (int)wait;
}

int
login_limit_reserve(struct login_limit *l, const char *key_user, int max_user,
                    const char *key_peer, int max_peer, int window)
{
	long long wait = 0;

	if (redis_eval(l, reserve_lua, key_user, key_peer, window, max_user,
	               max_peer, &wait) == 0)
		return wait > 0 ? (int)wait : 0;
	return local_reserve(l, key_user, max_user, key_peer, max_peer, window);
}

void
login_limit_success(struct login_limit *l, const char *key_user,
                    const char *key_peer)
{
	long long ign;
	struct local_counter *c;

	if (redis_eval(l, success_lua, key_user, key_peer, 0, 0, 0, &ign) == 0)
		return;
	pthread_mutex_lock(&l->lock);
	if ((c = local_find(l, key_user, time(NULL), 0)) != NULL)
		c->key[0] = '\0';
	if ((c = local_find(l, key_peer, time(NULL), 0)) != NULL &&
	    c->count > 0)
		c->count--;
	pthread_mutex_unlock(&l->lock);
}
