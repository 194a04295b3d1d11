/*
 * Signup sliding windows (signup_window.h): a Lua script over sorted sets
 * scored by wall-clock ms, so instances count together; the same over a
 * small table in memory while Redis is away.
 */
#include "signup_window.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mono_time.h"
#include "rds_pool.h"
#include "xalloc.h"

#define MAX_REQS 32
#define LOCAL_SETS 2048
#define LOCAL_CLAIMS 1024

/*
 * KEYS: set and claim key of each count, in pairs (a claim key of one
 * space is no claim). ARGV: now ms, attempt id, then per count its window
 * ms, threshold and how long its set must keep members (the longest window
 * over that set). Returns count and claimed per count.
 */
static const char count_lua[] =
    "local now = tonumber(ARGV[1]) "
    "local out = {} "
    "for i = 1, #KEYS / 2 do "
    "  local z, c = KEYS[2 * i - 1], KEYS[2 * i] "
    "  local w = tonumber(ARGV[3 * i]) "
    "  local th = tonumber(ARGV[3 * i + 1]) "
    "  local keep = tonumber(ARGV[3 * i + 2]) "
    "  redis.call('ZADD', z, now, ARGV[2]) "
    "  redis.call('ZREMRANGEBYSCORE', z, '-inf', now - keep) "
    "  redis.call('PEXPIRE', z, keep) "
    "  local n = redis.call('ZCOUNT', z, now - w, '+inf') "
    "  local got = 0 "
    "  if n >= th and c ~= ' ' then "
    "    if redis.call('SET', c, '1', 'NX', 'PX', w) then got = 1 end "
    "  end "
    "  out[2 * i - 1] = n "
    "  out[2 * i] = got "
    "end "
    "return out";

struct local_set {
	char key[SIGNUP_WINDOW_KEY];
	long long *at; /* ms, oldest first */
	size_t n, cap;
	long long keep_until;
};

struct local_claim {
	char key[SIGNUP_WINDOW_KEY];
	long long until;
};

struct signup_windows {
	struct rds_pool *rds;
	char prefix[128];
	pthread_mutex_t lock;
	int degraded; /* guarded by lock */
	struct local_set *sets;
	struct local_claim *claims;
};

struct signup_windows *
signup_windows_new(struct rds_pool *rds, const char *prefix)
{
	struct signup_windows *w = xcalloc(1, sizeof *w);

	w->rds = rds;
	snprintf(w->prefix, sizeof w->prefix, "%s", prefix);
	pthread_mutex_init(&w->lock, NULL);
	w->sets = xcalloc(LOCAL_SETS, sizeof *w->sets);
	w->claims = xcalloc(LOCAL_CLAIMS, sizeof *w->claims);
	return w;
}

void
signup_windows_free(struct signup_windows *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < LOCAL_SETS; i++)
		free(w->sets[i].at);
	pthread_mutex_destroy(&w->lock);
	free(w->sets);
	free(w->claims);
	free(w);
}

/* Logs the switch between Redis and memory once each way. */
static void
note_redis(struct signup_windows *w, int up)
{
	int changed;

	pthread_mutex_lock(&w->lock);
	changed = w->degraded == up;
	w->degraded = !up;
	pthread_mutex_unlock(&w->lock);
	if (changed && !up)
		log_warn("signup detectors count per instance", "reason=%s",
		         "redis unavailable");
	else if (changed)
		log_info("signup detectors count on redis again", "%s", "");
}

/* The longest window of any req over the same set as reqs[i], in ms. */
static long long
keep_ms(const struct signup_window_req *reqs, size_t n, size_t i)
{
	long long keep = 0;

	for (size_t j = 0; j < n; j++)
		if (strcmp(reqs[j].zkey, reqs[i].zkey) == 0 &&
		    reqs[j].window_s > keep)
			keep = reqs[j].window_s;
	return keep * 1000;
}

static int
redis_count(struct signup_windows *w, const char *id,
            struct signup_window_req *reqs, size_t n, long long now)
{
	char keys[MAX_REQS * 2][SIGNUP_WINDOW_KEY + 128];
	char nums[MAX_REQS * 3 + 1][24];
	const char *argv[4 + MAX_REQS * 5 + 2];
	int argc = 0, ok;
	char nkeys[16];
	redisContext *rc;
	redisReply *r;

	argv[argc++] = "EVAL";
	argv[argc++] = count_lua;
	snprintf(nkeys, sizeof nkeys, "%zu", n * 2);
	argv[argc++] = nkeys;
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[2 * i], sizeof keys[0], "%s%s", w->prefix,
		         reqs[i].zkey);
		if (reqs[i].claim[0])
			snprintf(keys[2 * i + 1], sizeof keys[0], "%s%s",
			         w->prefix, reqs[i].claim);
		else
			snprintf(keys[2 * i + 1], sizeof keys[0], " ");
		argv[argc++] = keys[2 * i];
		argv[argc++] = keys[2 * i + 1];
	}
	snprintf(nums[0], sizeof nums[0], "%lld", now);
	argv[argc++] = nums[0];
	argv[argc++] = id;
	for (size_t i = 0; i < n; i++) {
		snprintf(nums[3 * i + 1], sizeof nums[0], "%lld",
		         (long long)reqs[i].window_s * 1000);
		snprintf(nums[3 * i + 2], sizeof nums[0], "%d",
		         reqs[i].threshold);
		snprintf(nums[3 * i + 3], sizeof nums[0], "%lld",
		         keep_ms(reqs, n, i));
		argv[argc++] = nums[3 * i + 1];
		argv[argc++] = nums[3 * i + 2];
		argv[argc++] = nums[3 * i + 3];
	}
	rc = rds_pool_borrow(w->rds);
	if (rc == NULL)
		return -1;
	r = redisCommandArgv(rc, argc, argv, NULL);
	ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 * n;
	for (size_t i = 0; ok && i < 2 * n; i++)
		ok = r->element[i]->type == REDIS_REPLY_INTEGER;
	for (size_t i = 0; ok && i < n; i++) {
		reqs[i].count = r->element[2 * i]->integer;
		reqs[i].claimed = r->element[2 * i + 1]->integer == 1;
	}
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warn("signup window script failed", "error=%s", r->str);
	if (r)
		freeReplyObject(r);
	rds_pool_return(w->rds, rc, r == NULL);
	return ok ? 0 : -1;
}

/* The set for key (under lock), made when missing: a dead slot or, when
 * all are live, the one whose members go first. */
static struct local_set *
local_set(struct signup_windows *w, const char *key, long long now)
{
	struct local_set *free_slot = NULL, *oldest = NULL;

	for (int i = 0; i < LOCAL_SETS; i++) {
		struct local_set *s = &w->sets[i];

		if (s->key[0] && s->keep_until <= now) {
			s->key[0] = '\0';
			s->n = 0;
		}
		if (s->key[0] == '\0') {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (strcmp(s->key, key) == 0)
			return s;
		if (oldest == NULL || s->keep_until < oldest->keep_until)
			oldest = s;
	}
	if (free_slot == NULL)
		free_slot = oldest;
	free_slot->n = 0;
	snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
	return free_slot;
}

/* Takes claim key for window_ms unless a live claim holds it. */
static int
local_claim(struct signup_windows *w, const char *key, long long until,
            long long now)
{
	struct local_claim *slot = NULL;

	for (int i = 0; i < LOCAL_CLAIMS; i++) {
		struct local_claim *c = &w->claims[i];

		if (c->until > now && strcmp(c->key, key) == 0)
			return 0;
		if (slot == NULL || c->until < slot->until)
			slot = c;
	}
	snprintf(slot->key, sizeof slot->key, "%s", key);
	slot->until = until;
	return 1;
}

static void
local_count(struct signup_windows *w, struct signup_window_req *reqs, size_t n,
            long long now)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < n; i++) {
		long long keep = keep_ms(reqs, n, i);
		long long from = now - (long long)reqs[i].window_s * 1000;
		struct local_set *s = local_set(w, reqs[i].zkey, now);
		size_t drop = 0;

		/* Once per set and attempt: the first req naming it adds. */
		int first = 1;

		for (size_t j = 0; j < i; j++)
			if (strcmp(reqs[j].zkey, reqs[i].zkey) == 0)
				first = 0;
		while (drop < s->n && s->at[drop] <= now - keep)
			drop++;
		if (drop > 0) {
			memmove(s->at, s->at + drop,
			        (s->n - drop) * sizeof *s->at);
			s->n -= drop;
		}
		if (first) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 16;
				s->at = xrealloc(s->at, s->cap * sizeof *s->at);
			}
			s->at[s->n++] = now;
			s->keep_until = now + keep;
		}
		reqs[i].count = 0;
		for (size_t k = 0; k < s->n; k++)
			reqs[i].count += s->at[k] > from;
		reqs[i].claimed =
		    reqs[i].count >= reqs[i].threshold && reqs[i].claim[0] &&
		    local_claim(w, reqs[i].claim,
		                now + (long long)reqs[i].window_s * 1000, now);
	}
	pthread_mutex_unlock(&w->lock);
}

int
signup_windows_count(struct signup_windows *w, const char *id,
                     struct signup_window_req *reqs, size_t n)
{
	long long now = wall_ms();

	if (n > MAX_REQS)
		n = MAX_REQS;
	if (n == 0)
		return 0;
	if (redis_count(w, id, reqs, n, now) == 0) {
		note_redis(w, 1);
		return 0;
	}
	note_redis(w, 0);
	local_count(w, reqs, n, now);
	return 1;
}
