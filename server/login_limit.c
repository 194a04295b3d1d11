/*
 * Login attempt counters (login_limit.h): one Lua script per operation, so
 * checking, reserving and counting are each a single atomic step in Redis;
 * the same rules over a small table in memory while Redis is down.
 */
#include "login_limit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mono_time.h"
#include "redis_url.h"
#include "xalloc.h"

/* Enough for every address and name under attack at once on one instance;
 * when full, the counter closest to expiring is reused. */
#define LOCAL_SLOTS 4096
#define LOCAL_KEY 192
/* Attempts in flight for a key live in a sorted set beside its failure
 * counter, scored by when their lease ends. */
#define FLIGHT_SUFFIX ":inflight"

/*
 * KEYS: user failures, peer failures, user in flight, peer in flight.
 * ARGV: window, max user, max peer, attempt id, now (ms), lease (ms).
 * Returns 0 when the attempt was added to both sets, -1 when the tries
 * left are held by attempts in flight, else the seconds to wait. A counter
 * found without an expiry (left by an older padlined) gets one here, so no
 * lockout is ever permanent; attempts whose lease ended are dropped first.
 */
static const char reserve_lua[] =
    "local lim = {tonumber(ARGV[2]), tonumber(ARGV[3])} "
    "local now = tonumber(ARGV[5]) "
    "local wait, busy = 0, false "
    "for i = 1, 2 do "
    "  local f = tonumber(redis.call('GET', KEYS[i]) or '0') "
    "  if f >= lim[i] then "
    "    local t = redis.call('TTL', KEYS[i]) "
    "    if t < 0 then redis.call('EXPIRE', KEYS[i], ARGV[1]) "
    "      t = tonumber(ARGV[1]) end "
    "    if t > wait then wait = t end "
    "  else "
    "    redis.call('ZREMRANGEBYSCORE', KEYS[i + 2], '-inf', now) "
    "    if f + redis.call('ZCARD', KEYS[i + 2]) >= lim[i] then "
    "      busy = true end "
    "  end "
    "end "
    "if wait > 0 then return wait end "
    "if busy then return -1 end "
    "for i = 3, 4 do "
    "  redis.call('ZADD', KEYS[i], now + tonumber(ARGV[6]), ARGV[4]) "
    "  redis.call('PEXPIRE', KEYS[i], ARGV[6]) "
    "end "
    "return 0";

/* KEYS as reserve. ARGV: window, attempt id, outcome (enum login_outcome).
 * A failure counter's window starts at its first failure. */
static const char release_lua[] =
    "redis.call('ZREM', KEYS[3], ARGV[2]) "
    "redis.call('ZREM', KEYS[4], ARGV[2]) "
    "if ARGV[3] == '1' then "
    "  for i = 1, 2 do "
    "    redis.call('INCR', KEYS[i]) "
    "    if redis.call('TTL', KEYS[i]) < 0 then "
    "      redis.call('EXPIRE', KEYS[i], ARGV[1]) end "
    "  end "
    "elseif ARGV[3] == '2' then "
    "  redis.call('DEL', KEYS[1]) "
    "end "
    "return 0";

/* A key's failures (expiring `window` after the first) and attempts in
 * flight (forgotten a lease after the last reserved, should a release
 * never come). */
struct local_counter {
	char key[LOCAL_KEY];
	long long count;
	time_t expires;
	long long flight;
	time_t flight_expires;
};

struct login_limit {
	struct rds_pool *rds;
	const char *fallback; /* PADLINE_LOGIN_LIMIT_FALLBACK, for the log */
	pthread_mutex_t lock;
	int degraded; /* 1 while counting in memory; guarded by lock */
	struct local_counter *slots;
};

struct login_limit *
login_limit_new(struct rds_pool *rds, const char *fallback)
{
	struct login_limit *l = xcalloc(1, sizeof *l);

	l->rds = rds;
	l->fallback = fallback;
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
		log_warn("login limits fall back", "to=%s reason=%s",
		         l->fallback, "redis unavailable");
	else if (changed)
		log_info("login limits back on redis", "%s", "");
}

/* Runs script over the four keys of a user and a peer with its args; 0
 * with *out set, or -1 when Redis failed. */
static int
redis_eval(struct login_limit *l, const char *script, const char *ku,
           const char *kp, int nargs, const char **args, long long *out)
{
	char fu[LOCAL_KEY * 4], fp[LOCAL_KEY * 4];
	const char *argv[16] = {"EVAL", script, "4", ku, kp, fu, fp};
	int argc = 7;
	redisContext *rc = rds_pool_borrow(l->rds);
	redisReply *r;
	int ok, broken;

	if (rc == NULL) {
		note_redis(l, 0);
		return -1;
	}
	snprintf(fu, sizeof fu, "%s" FLIGHT_SUFFIX, ku);
	snprintf(fp, sizeof fp, "%s" FLIGHT_SUFFIX, kp);
	for (int i = 0; i < nargs && argc < 16; i++)
		argv[argc++] = args[i];
	r = redisCommandArgv(rc, argc, argv, NULL);
	ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
	if (ok)
		*out = r->integer;
	else if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warn("login limit script failed", "error=%s", r->str);
	/* READONLY or MASTERDOWN: a failover under way; drop the connection
	 * so the next one asks where the master is now. */
	broken = r == NULL || redis_reply_wrong_node(r);
	if (r)
		freeReplyObject(r);
	rds_pool_return(l->rds, rc, broken);
	note_redis(l, ok);
	return ok ? 0 : -1;
}

/* The live counter for key, or NULL; with create, a fresh one when there
 * is none (reusing a dead slot, else the one expiring first). Under lock. */
static struct local_counter *
local_find(struct login_limit *l, const char *key, time_t now, int create)
{
	struct local_counter *free_slot = NULL, *oldest = NULL;

	for (int i = 0; i < LOCAL_SLOTS; i++) {
		struct local_counter *c = &l->slots[i];

		if (c->expires <= now)
			c->count = 0;
		if (c->flight_expires <= now)
			c->flight = 0;
		if (c->count == 0 && c->flight == 0)
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
	if (!create)
		return NULL;
	if (free_slot == NULL)
		free_slot = oldest;
	memset(free_slot, 0, sizeof *free_slot);
	snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
	return free_slot;
}

static int
local_reserve(struct login_limit *l, const char *k1, int max1, const char *k2,
              int max2, struct login_hold *hold)
{
	time_t now = time(NULL);
	struct local_counter *c[2];
	const char *key[2] = {k1, k2};
	const int max[2] = {max1, max2};
	long long wait = 0;
	int busy = 0;

	pthread_mutex_lock(&l->lock);
	for (int i = 0; i < 2; i++) {
		c[i] = local_find(l, key[i], now, 0);
		if (c[i] != NULL && c[i]->count >= max[i] &&
		    c[i]->expires - now > wait)
			wait = c[i]->expires - now;
		if (c[i] != NULL && c[i]->count + c[i]->flight >= max[i])
			busy = 1;
	}
	if (wait == 0 && !busy) {
		for (int i = 0; i < 2; i++) {
			c[i] = local_find(l, key[i], now, 1);
			c[i]->flight++;
			c[i]->flight_expires = now + LOGIN_LIMIT_LEASE_S;
		}
		hold->where = LOGIN_HELD_MEMORY;
	}
	pthread_mutex_unlock(&l->lock);
	if (wait > 0)
		return (int)wait;
	return busy ? LOGIN_LIMIT_BUSY : 0;
}

/* In memory: ends an attempt held here (held) and counts its outcome. */
static void
local_release(struct login_limit *l, const char *k1, const char *k2, int window,
              int held, enum login_outcome outcome)
{
	time_t now = time(NULL);
	const char *key[2] = {k1, k2};

	pthread_mutex_lock(&l->lock);
	for (int i = 0; i < 2; i++) {
		struct local_counter *c =
		    local_find(l, key[i], now, outcome == LOGIN_WRONG);

		if (c == NULL)
			continue;
		if (held && c->flight > 0)
			c->flight--;
		if (outcome == LOGIN_WRONG && c->count++ == 0)
			c->expires = now + (window < 1 ? 1 : window);
		else if (outcome == LOGIN_RIGHT && i == 0)
			c->count = 0;
	}
	pthread_mutex_unlock(&l->lock);
}

int
login_limit_reserve(struct login_limit *l, const char *key_user, int max_user,
                    const char *key_peer, int max_peer, int window,
                    struct login_hold *hold)
{
	char a[4][24];
	const char *args[6] = {a[0], a[1], a[2], hold->id, a[3], NULL};
	char lease[24];
	unsigned char raw[16];
	long long rv = 0;

	memset(hold, 0, sizeof *hold);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hold->id, sizeof hold->id, raw, sizeof raw);
	snprintf(a[0], sizeof a[0], "%d", window);
	snprintf(a[1], sizeof a[1], "%d", max_user);
	snprintf(a[2], sizeof a[2], "%d", max_peer);
	snprintf(a[3], sizeof a[3], "%lld", wall_ms());
	snprintf(lease, sizeof lease, "%d", LOGIN_LIMIT_LEASE_S * 1000);
	args[5] = lease;
	if (redis_eval(l, reserve_lua, key_user, key_peer, 6, args, &rv) == 0) {
		if (rv == 0)
			hold->where = LOGIN_HELD_REDIS;
		return rv > 0 ? (int)rv : rv < 0 ? LOGIN_LIMIT_BUSY : 0;
	}
	return local_reserve(l, key_user, max_user, key_peer, max_peer, hold);
}

int
login_limit_release(struct login_limit *l, const char *key_user,
                    const char *key_peer, int window, struct login_hold *hold,
                    enum login_outcome outcome)
{
	char w[24], o[4];
	const char *args[3] = {w, hold->id, o};
	long long ign;
	int where = hold->where;

	if (where == 0)
		return 0;
	hold->where = 0;
	snprintf(w, sizeof w, "%d", window);
	snprintf(o, sizeof o, "%d", (int)outcome);
	/* Held in memory, it ends there; held in Redis, it ends there, or
	 * (Redis lost meanwhile) its outcome counts in memory and its
	 * reservation ends with its lease. */
	if (where == LOGIN_HELD_REDIS &&
	    redis_eval(l, release_lua, key_user, key_peer, 3, args, &ign) == 0)
		return 0;
	local_release(l, key_user, key_peer, window, where == LOGIN_HELD_MEMORY,
	              outcome);
	return 1;
}
