/*
 * server.stats' machinery: request counters since start, per-method latency
 * histograms in 20-second slots (the newest 15 make the five-minute window),
 * failed sign-ins by the minute, and the report that adds the pool, the
 * outbox and Redis. Recording costs two clock reads and a few relaxed
 * atomic adds on the loop thread; reading merges the slots.
 */
#include "stats.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db_pool.h"
#include "rds_pool.h"
#include "mono_time.h"
#include "repo_audit.h"
#include "rpc.h"
#include "xalloc.h"

#define SLOT_S 20          /* seconds one latency slot covers */
#define SLOTS 16           /* ring size: one more than the window */
#define WINDOW_SLOTS 15    /* 15 x 20 s = the last five minutes */
#define BUCKETS 120        /* log scale: four per power of two of us */
#define LOGIN_SLOTS 16     /* one-minute failed sign-in counters */
#define LOGIN_WINDOW 15    /* minutes read */
#define NEVER (-1000000LL) /* epoch of a slot never written */

struct lat_slot {
	atomic_llong epoch; /* which SLOT_S period the buckets hold */
	atomic_ullong bucket[BUCKETS];
};

struct method_stats {
	atomic_ullong count, errors; /* since start */
	struct lat_slot slot[SLOTS];
};

struct stats {
	long long started_us;
	size_t nmethods; /* entries of the method table, in its order */
	struct method_stats *method;
	/* Method pointer -> index, open addressing: no scan per request. */
	const struct rpc_method **slot_key;
	size_t *slot_index, slot_mask;
	atomic_ullong total, errors;
	atomic_llong connections;
	atomic_llong login_epoch[LOGIN_SLOTS]; /* minute each counter holds */
	atomic_ullong login_failed[LOGIN_SLOTS];
	/* The signup defense's, indexed as the name tables below. */
	atomic_ullong signup_attempts[6], signup_alarms[2];
	atomic_ullong signup_hits[2][3], signup_decided[2];
	atomic_ullong events_published, event_groups, events_relayed;
};

static const char *const signup_outcomes[] = {"created", "held",      "refused",
                                              "invalid", "duplicate", "failed"};
static const char *const signup_modes[] = {"enforce", "shadow"};
static const char *const signup_actions[] = {"alarm", "hold", "block"};
static const char *const signup_decisions[] = {"approved", "rejected"};

static size_t
method_hash(const struct rpc_method *m)
{
	return (size_t)(((uintptr_t)m >> 3) * 0x9E3779B97F4A7C15ULL >> 32);
}

struct stats *
stats_new(void)
{
	struct stats *st = xcalloc(1, sizeof *st);

	st->started_us = mono_us();
	st->nmethods = rpc_method_count();
	st->method = xcalloc(st->nmethods, sizeof *st->method);
	for (size_t i = 0; i < st->nmethods; i++)
		for (int s = 0; s < SLOTS; s++)
			atomic_init(&st->method[i].slot[s].epoch, NEVER);
	for (int s = 0; s < LOGIN_SLOTS; s++)
		atomic_init(&st->login_epoch[s], NEVER);
	for (st->slot_mask = 1; st->slot_mask < 2 * st->nmethods;)
		st->slot_mask <<= 1;
	st->slot_key = xcalloc(st->slot_mask, sizeof *st->slot_key);
	st->slot_index = xcalloc(st->slot_mask, sizeof *st->slot_index);
	st->slot_mask--;
	for (size_t i = 0; i < st->nmethods; i++) {
		size_t h = method_hash(rpc_method_at(i)) & st->slot_mask;

		while (st->slot_key[h] != NULL)
			h = (h + 1) & st->slot_mask;
		st->slot_key[h] = rpc_method_at(i);
		st->slot_index[h] = i;
	}
	return st;
}

void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	free(st->method);
	free(st->slot_key);
	free(st->slot_index);
	free(st);
}

/* 0..3 us exactly, then four buckets per power of two up to ~18 minutes. */
static int
bucket_of(long long us)
{
	unsigned long long v = us > 0 ? (unsigned long long)us : 0;
	int e, idx;

	if (v < 4)
		return (int)v;
	e = 63 - __builtin_clzll(v);
	idx = (e - 1) * 4 + (int)((v >> (e - 2)) & 3);
	return idx < BUCKETS ? idx : BUCKETS - 1;
}

/* The middle of a bucket, in milliseconds. */
static double
bucket_ms(int idx)
{
	int e = idx / 4 + 1, sub = idx % 4;
	double low, width;

	if (idx < 4)
		return idx / 1000.0;
	low = (double)((4ULL + (unsigned)sub) << (e - 2));
	width = (double)(1ULL << (e - 2));
	return (low + width / 2) / 1000.0;
}

/*
 * Only the loop thread writes, so resetting a stale slot races with no other
 * writer; a reader merging at that instant may see it half cleared, which
 * costs a few samples at a slot boundary and nothing else.
 */
static void
slot_add(atomic_llong *epoch, atomic_ullong *counts, int n, long long now,
         int idx)
{
	if (atomic_load_explicit(epoch, memory_order_relaxed) != now) {
		for (int b = 0; b < n; b++)
			atomic_store_explicit(&counts[b], 0,
			                      memory_order_relaxed);
		atomic_store_explicit(epoch, now, memory_order_release);
	}
	atomic_fetch_add_explicit(&counts[idx], 1, memory_order_relaxed);
}

static size_t
method_index(const struct stats *st, const struct rpc_method *m)
{
	for (size_t h = method_hash(m) & st->slot_mask; st->slot_key[h];
	     h = (h + 1) & st->slot_mask)
		if (st->slot_key[h] == m)
			return st->slot_index[h];
	return st->nmethods;
}

void
stats_request_done(struct stats *st, const struct rpc_method *m,
                   const struct pl_error *err, long long started_us)
{
	long long now = mono_us();
	size_t i;

	if (st == NULL)
		return;
	atomic_fetch_add_explicit(&st->total, 1, memory_order_relaxed);
	if (err->code != 0)
		atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
	if ((i = method_index(st, m)) < st->nmethods) {
		struct method_stats *ms = &st->method[i];
		long long period = now / 1000000 / SLOT_S;
		struct lat_slot *s = &ms->slot[period % SLOTS];

		atomic_fetch_add_explicit(&ms->count, 1, memory_order_relaxed);
		if (err->code != 0)
			atomic_fetch_add_explicit(&ms->errors, 1,
			                          memory_order_relaxed);
		slot_add(&s->epoch, s->bucket, BUCKETS, period,
		         bucket_of(now - started_us));
	}
	if (err->code == PL_ERR_UNAUTHORIZED &&
	    strcmp(err->reason, "invalid_credentials") == 0 &&
	    strcmp(m->name, "session.login") == 0) {
		long long minute = now / 60000000;
		int k = (int)(minute % LOGIN_SLOTS);

		slot_add(&st->login_epoch[k], &st->login_failed[k], 1, minute,
		         0);
	}
}

void
stats_request_refused(struct stats *st, const struct rpc_method *m)
{
	size_t i;

	if (st == NULL)
		return;
	atomic_fetch_add_explicit(&st->total, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
	if (m != NULL && (i = method_index(st, m)) < st->nmethods) {
		atomic_fetch_add_explicit(&st->method[i].count, 1,
		                          memory_order_relaxed);
		atomic_fetch_add_explicit(&st->method[i].errors, 1,
		                          memory_order_relaxed);
	}
}

void
stats_connection(struct stats *st, int delta)
{
	if (st != NULL)
		atomic_fetch_add_explicit(&st->connections, delta,
		                          memory_order_relaxed);
}

/* The index of name in names (n of them), or n. */
static size_t
index_of(const char *const *names, size_t n, const char *name)
{
	size_t i = 0;

	while (i < n && name != NULL && strcmp(names[i], name) != 0)
		i++;
	return i;
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void
bump(atomic_ullong *counter, long long n)
{
	atomic_fetch_add_explicit(counter, (unsigned long long)n,
	                          memory_order_relaxed);
}

void
stats_signup_attempt(struct stats *st, const char *outcome)
{
	size_t i =
	    index_of(signup_outcomes, COUNT_OF(signup_outcomes), outcome);

	if (st != NULL && i < COUNT_OF(signup_outcomes))
		bump(&st->signup_attempts[i], 1);
}

void
stats_signup_alarm(struct stats *st, int shadow)
{
	if (st != NULL)
		bump(&st->signup_alarms[shadow != 0], 1);
}

void
stats_signup_rule_hit(struct stats *st, int shadow, const char *action)
{
	size_t i = index_of(signup_actions, COUNT_OF(signup_actions), action);

	if (st != NULL && i < COUNT_OF(signup_actions))
		bump(&st->signup_hits[shadow != 0][i], 1);
}

void
stats_signup_decided(struct stats *st, const char *status, long long n)
{
	size_t i = strcmp(status, "active") == 0     ? 0
	           : strcmp(status, "rejected") == 0 ? 1
	                                             : 2;

	if (st != NULL && i < 2 && n > 0)
		bump(&st->signup_decided[i], n);
}

void
stats_events_sent(struct stats *st, long long events, long long groups)
{
	if (st == NULL)
		return;
	bump(&st->events_published, events);
	bump(&st->event_groups, groups);
}

void
stats_events_relayed(struct stats *st, long long events)
{
	if (st != NULL)
		bump(&st->events_relayed, events);
}

static json_t *
counters_json(const char *const *names, size_t n, const atomic_ullong *c)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(
		    o, names[i],
		    json_integer((json_int_t)atomic_load_explicit(
		        &c[i], memory_order_relaxed)));
	return o;
}

/* Every label of the fixed sets, zeros included: a series exists from the
 * start, so a rate over it is never "no data". */
static json_t *
signup_json(const struct stats *st)
{
	json_t *hits = json_object();

	for (size_t m = 0; m < COUNT_OF(signup_modes); m++)
		json_object_set_new(hits, signup_modes[m],
		                    counters_json(signup_actions,
		                                  COUNT_OF(signup_actions),
		                                  st->signup_hits[m]));
	return json_pack(
	    "{s:o, s:o, s:o, s:o}", "attempts",
	    counters_json(signup_outcomes, COUNT_OF(signup_outcomes),
	                  st->signup_attempts),
	    "alarms",
	    counters_json(signup_modes, COUNT_OF(signup_modes),
	                  st->signup_alarms),
	    "rule_hits", hits, "decisions",
	    counters_json(signup_decisions, COUNT_OF(signup_decisions),
	                  st->signup_decided));
}

/* p in (0, 1]: the bucket holding the ceil(p * n)-th sample, or null. */
static json_t *
percentile_json(const unsigned long long *hist, unsigned long long n, double p)
{
	unsigned long long rank = (unsigned long long)(p * (double)n), seen = 0;

	if (n == 0)
		return json_null();
	if (rank < 1 || (double)rank < p * (double)n)
		rank++;
	for (int b = 0; b < BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank)
			return json_real(bucket_ms(b));
	}
	return json_real(bucket_ms(BUCKETS - 1));
}

static json_t *
method_json(const struct method_stats *ms, long long period)
{
	unsigned long long hist[BUCKETS] = {0}, n = 0;

	for (int s = 0; s < SLOTS; s++) {
		const struct lat_slot *sl = &ms->slot[s];
		long long age = period - atomic_load_explicit(
		                             &sl->epoch, memory_order_acquire);

		if (age < 0 || age >= WINDOW_SLOTS)
			continue;
		for (int b = 0; b < BUCKETS; b++) {
			unsigned long long c = atomic_load_explicit(
			    &sl->bucket[b], memory_order_relaxed);

			hist[b] += c;
			n += c;
		}
	}
	return json_pack(
	    "{s:I, s:I, s:o, s:o}", "count",
	    (json_int_t)atomic_load_explicit(&ms->count, memory_order_relaxed),
	    "errors",
	    (json_int_t)atomic_load_explicit(&ms->errors, memory_order_relaxed),
	    "p50_ms", percentile_json(hist, n, 0.50), "p99_ms",
	    percentile_json(hist, n, 0.99));
}

static json_t *
requests_json(const struct stats *st, long long now)
{
	json_t *methods = json_object();
	long long period = now / 1000000 / SLOT_S;

	for (size_t i = 0; i < st->nmethods; i++)
		if (atomic_load_explicit(&st->method[i].count,
		                         memory_order_relaxed) > 0)
			json_object_set_new(
			    methods, rpc_method_at(i)->name,
			    method_json(&st->method[i], period));
	return json_pack(
	    "{s:I, s:I, s:o}", "total",
	    (json_int_t)atomic_load_explicit(&st->total, memory_order_relaxed),
	    "errors",
	    (json_int_t)atomic_load_explicit(&st->errors, memory_order_relaxed),
	    "methods", methods);
}

static long long
logins_failed(const struct stats *st, long long now)
{
	long long minute = now / 60000000, sum = 0;

	for (int k = 0; k < LOGIN_SLOTS; k++) {
		long long age =
		    minute - atomic_load_explicit(&st->login_epoch[k],
		                                  memory_order_acquire);

		if (age >= 0 && age < LOGIN_WINDOW)
			sum += (long long)atomic_load_explicit(
			    &st->login_failed[k], memory_order_relaxed);
	}
	return sum;
}

void
stats_probe(struct padlined *app, struct stats_probe *probe)
{
	struct pl_error err;
	struct db_conn *db;

	memset(probe, 0, sizeof *probe);
	pl_error_init(&err);
	if (db_pool_borrow(app->db, &db, &err) == 0) {
		probe->db_up = repo_audit_outbox(db, &probe->unpublished,
		                                 &probe->oldest_s, &err) == 0;
		db_pool_return(app->db, db);
	}
	pl_error_clear(&err);
	probe->redis_up = rds_pool_ping(app->rds);
}

json_t *
stats_report_json(struct padlined *app, const struct stats_probe *probe)
{
	struct stats *st = app->stats;
	struct db_pool_usage use;
	long long now = mono_us();
	json_t *report, *db = json_object();

	db_pool_usage(app->db, &use);
	if (probe != NULL)
		json_object_set_new(db, "up", json_boolean(probe->db_up));
	json_object_set_new(db, "pool", json_integer(use.size));
	json_object_set_new(db, "in_use", json_integer(use.in_use));
	json_object_set_new(db, "waiting", json_integer(use.waiting));
	report = json_pack(
	    "{s:s, s:I, s:I, s:o, s:o}", "version", PADLINE_VERSION, "uptime_s",
	    (json_int_t)((now - st->started_us) / 1000000), "connections",
	    (json_int_t)atomic_load_explicit(&st->connections,
	                                     memory_order_relaxed),
	    "requests", requests_json(st, now), "db", db);
	if (probe != NULL) {
		json_object_set_new(report, "redis",
		                    json_pack("{s:b}", "up", probe->redis_up));
		json_object_set_new(
		    report, "outbox",
		    probe->db_up
		        ? json_pack("{s:I, s:f}", "unpublished",
		                    (json_int_t)probe->unpublished, "oldest_s",
		                    probe->oldest_s)
		        : json_pack("{s:n, s:n}", "unpublished", "oldest_s"));
	}
	json_object_set_new(report, "logins_failed_15m",
	                    json_integer(logins_failed(st, now)));
	json_object_set_new(report, "signup", signup_json(st));
	json_object_set_new(
	    report, "events",
	    json_pack("{s:I, s:I, s:I}", "published",
	              (json_int_t)atomic_load_explicit(&st->events_published,
	                                               memory_order_relaxed),
	              "groups",
	              (json_int_t)atomic_load_explicit(&st->event_groups,
	                                               memory_order_relaxed),
	              "relayed",
	              (json_int_t)atomic_load_explicit(&st->events_relayed,
	                                               memory_order_relaxed)));
	return report;
}
