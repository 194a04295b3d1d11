/*
 * Audit rows → the deployment's Redis channel (padline:events:<schema>): the
 * signing and claim script every PUBLISH goes through, the batched marks and
 * the relay (its state in struct events_relay, owned by struct padlined).
 * A committed transaction's events go to the publisher thread
 * (events_publisher.c, through outbox.c's sink); the relay sweeps rows left
 * unpublished (Redis was down, the process died) once they are older than a
 * grace period, locking them with SKIP LOCKED so several padlined never
 * publish the same row at once. A row is marked published only after its
 * PUBLISH (in batches, at the next relay tick), so another instance's relay,
 * or one after a crash, may find a row already published: every PUBLISH
 * therefore goes through a Redis script that first claims the event id (SET
 * NX with a TTL), and a claimed id is not published again. Subscribers see
 * each event once, unless a row stays unmarked longer than the claim lives
 * (PostgreSQL unreachable for EVENTS_CLAIM_TTL_S); they still drop repeats
 * by id.
 */
#include "events.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "event_sig.h"
#include "log.h"
#include "num_text.h"
#include "redis_url.h"
#include "repo_audit.h"
#include "stats.h"
#include "xalloc.h"

/* Rows younger than this belong to the request that wrote them. */
#define EVENTS_RELAY_GRACE_S 3

/* How long an event id stays claimed: far longer than a row waits for its
 * mark while PostgreSQL is up (a relay tick or two), short enough that the
 * claims of a busy deployment stay small. */
#define EVENTS_CLAIM_TTL_S 300
/* Its text, as each claim sends it. */
#define EVENTS_TEXT_(x) #x
#define EVENTS_TEXT(x) EVENTS_TEXT_(x)
#define EVENTS_CLAIM_TTL_TEXT EVENTS_TEXT(EVENTS_CLAIM_TTL_S)

/* PUBLISH unless the id was claimed already (then -1): one atomic step. */
static const char publish_once_lua[] =
    "if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then "
    "return redis.call('PUBLISH', ARGV[1], ARGV[3]) end return -1";

/* Its SHA-1, for EVALSHA: only the digest travels with each event, and
 * Redis looks the script up instead of hashing its text every time. */
static char publish_once_sha[41];
static pthread_once_t publish_once_sha_once = PTHREAD_ONCE_INIT;

static void
publish_once_sha_init(void)
{
	unsigned char md[20];
	size_t n = 0;

	if (EVP_Q_digest(NULL, "SHA1", NULL, publish_once_lua,
	                 strlen(publish_once_lua), md, &n) == 1 &&
	    n == sizeof md)
		sodium_bin2hex(publish_once_sha, sizeof publish_once_sha, md,
		               sizeof md);
}

/*
 * Queues one event's script call on rc: wire (wire_len bytes) is the signed
 * message to publish. The claim names the id and a hash of the event's text
 * (the same SQL writes it on every path): ids start over when a schema is
 * recreated or restored, and a new event must not pass for an old one.
 * by_sha: EVALSHA, else EVAL with the whole script (which also loads it
 * into Redis's cache).
 */
static int
events_append(redisContext *rc, const char *channel, const struct event_msg *m,
              const char *wire, size_t wire_len, int by_sha)
{
	unsigned char h[16];
	char key[512];
	const char *argv[7];
	size_t argl[7], cl = strlen(channel), el = strlen(m->event), kl;

	crypto_generichash(h, sizeof h, (const unsigned char *)m->event, el,
	                   NULL, 0);
	/* <channel>:sent:<id>:<hash>; the channel is a schema's name with a
	 * prefix, far below the buffer. Arguments go as they are (no format
	 * string to parse), the event text never copied into a format. */
	if (cl + sizeof ":sent:" + NUM_TEXT_LL + sizeof h * 2 + 1 > sizeof key)
		return REDIS_ERR;
	memcpy(key, channel, cl);
	memcpy(key + cl, ":sent:", sizeof ":sent:" - 1);
	kl = cl + sizeof ":sent:" - 1;
	kl += num_text_ll(key + kl, m->id);
	key[kl++] = ':';
	sodium_bin2hex(key + kl, sizeof h * 2 + 1, h, sizeof h);
	argv[0] = by_sha ? "EVALSHA" : "EVAL";
	argv[1] = by_sha ? publish_once_sha : publish_once_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = channel;
	argv[5] = EVENTS_CLAIM_TTL_TEXT;
	argv[6] = wire;
	for (int i = 0; i < 7; i++)
		argl[i] = strlen(argv[i]);
	argl[4] = cl;
	argl[6] = wire_len;
	return redisAppendCommandArgv(rc, 7, argv, argl);
}

/* Signs msgs in groups of EVENT_SIG_GROUP_MAX: wire[i] for msgs[i]. */
static void
events_sign(const unsigned char *sk, const struct event_msg *msgs, size_t n,
            char **wire, size_t *wire_len)
{
	for (size_t i = 0; i < n; i += EVENT_SIG_GROUP_MAX) {
		const char *texts[EVENT_SIG_GROUP_MAX];
		size_t k =
		    n - i < EVENT_SIG_GROUP_MAX ? n - i : EVENT_SIG_GROUP_MAX;

		for (size_t j = 0; j < k; j++)
			texts[j] = msgs[i + j].event;
		event_sig_sign_group(sk, texts, k, wire + i, wire_len + i);
	}
}

/* Counts the events of msgs that went on the channel now (sent[i]) and the
 * signed groups they went in; returns how many events. */
static int
events_count(struct stats *stats, const char *sent, size_t n)
{
	long long events = 0, groups = 0;

	for (size_t i = 0; i < n; i += EVENT_SIG_GROUP_MAX) {
		long long in_group = 0;

		for (size_t j = i; j < n && j < i + EVENT_SIG_GROUP_MAX; j++)
			in_group += sent[j];
		events += in_group;
		groups += in_group > 0;
	}
	stats_events_sent(stats, events, groups);
	return (int)events;
}

void
events_script_init(void)
{
	pthread_once(&publish_once_sha_once, publish_once_sha_init);
}

int
events_redis_send(redisContext *rc, struct stats *stats, const char *channel,
                  const unsigned char *sk, const struct event_msg *msgs,
                  size_t n, int *published)
{
	/* again[i]: msgs[i] goes (again) in this pass; sent[i]: it was
	 * published now (not claimed before). */
	char *again = xmalloc(n ? n : 1), *sent = xcalloc(n ? n : 1, 1);
	char **wire = xcalloc(n ? n : 1, sizeof *wire);
	size_t *wire_len = xcalloc(n ? n : 1, sizeof *wire_len);
	int rc_ = 0, sent_now;

	events_script_init();
	events_sign(sk, msgs, n, wire, wire_len);
	memset(again, 1, n);
	memset(published, 0, n * sizeof *published);
	/* All of them in one write, then the replies in order. A script
	 * missing from Redis's cache (a restart, SCRIPT FLUSH) makes a second
	 * pass send those as EVAL, which loads it again. */
	for (int pass = 0, by_sha = publish_once_sha[0] != '\0'; pass < 2;
	     pass++, by_sha = 0) {
		size_t queued = 0, missing = 0;

		for (size_t i = 0; i < n; i++) {
			if (!again[i])
				continue;
			if (events_append(rc, channel, &msgs[i], wire[i],
			                  wire_len[i], by_sha) != 0) {
				rc_ = -1;
				goto out;
			}
			queued++;
		}
		for (size_t i = 0; i < n && queued > 0; i++) {
			redisReply *r;

			if (!again[i])
				continue;
			queued--;
			again[i] = 0;
			if (redisGetReply(rc, (void **)&r) != REDIS_OK) {
				rc_ = -1;
				goto out;
			}
			if (redis_reply_wrong_node(r)) {
				/* A replica (a demoted master) or one cut
				 * from its master: nothing went out, and
				 * this connection must go. */
				freeReplyObject(r);
				rc_ = -1;
				goto out;
			}
			if (r->type == REDIS_REPLY_INTEGER) {
				published[i] = 1;
				sent[i] = r->integer >= 0;
			} else if (by_sha && r->type == REDIS_REPLY_ERROR &&
			           strncmp(r->str, "NOSCRIPT", 8) == 0) {
				again[i] = 1;
				missing++;
			}
			freeReplyObject(r);
		}
		if (missing == 0)
			break;
	}
out:
	sent_now = events_count(stats, sent, n);
	for (size_t i = 0; i < n; i++)
		free(wire[i]);
	free(wire);
	free(wire_len);
	free(again);
	free(sent);
	return rc_ < 0 ? rc_ : sent_now;
}

struct events_relay {
	struct rds_pool *rds;    /* borrowed */
	struct stats *stats;     /* borrowed: counts what the relay sends */
	const char *channel;     /* borrowed */
	const unsigned char *sk; /* borrowed: signs what the relay sends */
	pthread_mutex_t mu;      /* guards marks */
	long long *marks;        /* published, not yet marked */
	size_t nmarks, marks_cap;
};

struct events_relay *
events_relay_new(struct rds_pool *rds, struct stats *stats, const char *channel,
                 const unsigned char *sk)
{
	struct events_relay *r = xcalloc(1, sizeof *r);

	r->rds = rds;
	r->stats = stats;
	r->channel = channel;
	r->sk = sk;
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void
events_relay_free(struct events_relay *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->marks);
	free(r);
}

void
events_relay_published(struct events_relay *r, long long id)
{
	pthread_mutex_lock(&r->mu);
	if (r->nmarks == r->marks_cap) {
		r->marks_cap = r->marks_cap ? r->marks_cap * 2 : 256;
		r->marks =
		    xreallocarray(r->marks, r->marks_cap, sizeof *r->marks);
	}
	r->marks[r->nmarks++] = id;
	pthread_mutex_unlock(&r->mu);
}

/* ids as a PostgreSQL array literal, "{1,2,3}"; caller frees. */
static char *
id_array(const long long *ids, size_t n)
{
	/* At most 20 digits and a comma per id. */
	char *list = xmalloc(n * NUM_TEXT_LL + 3), *p = list;

	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p += num_text_ll(p, ids[i]);
	}
	strcpy(p, "}");
	return list;
}

void
events_relay_flush(struct events_relay *r, struct db_conn *db)
{
	struct pl_error err;
	long long *ids;
	size_t n;
	char *list;

	pthread_mutex_lock(&r->mu);
	ids = r->marks;
	n = r->nmarks;
	r->marks = NULL;
	r->nmarks = r->marks_cap = 0;
	pthread_mutex_unlock(&r->mu);
	if (n == 0)
		return;
	list = id_array(ids, n);
	pl_error_init(&err);
	if (repo_audit_mark_published_many(db, list, &err) != 0) {
		/* Put them back for the next flush. */
		for (size_t i = 0; i < n; i++)
			events_relay_published(r, ids[i]);
	}
	pl_error_clear(&err);
	free(list);
	free(ids);
}

int
events_relay_run(struct events_relay *r, struct db_conn *db, int limit)
{
	struct pl_error err;
	redisContext *rc;
	struct audit_event *rows = NULL;
	struct event_msg *msgs;
	long long *ids;
	char *list;
	size_t nrows = 0;
	int n, broken, sent, *published, marked = 0;

	pl_error_init(&err);
	events_relay_flush(r, db);
	if ((rc = rds_pool_borrow(r->rds)) == NULL)
		return -1;
	if (db_tx_begin(db, &err) != 0 ||
	    repo_audit_lock_unpublished(db, limit, EVENTS_RELAY_GRACE_S, &rows,
	                                &nrows, &err) != 0) {
		db_tx_rollback(db);
		rds_pool_return(r->rds, rc, 0);
		pl_error_clear(&err);
		return -1;
	}
	n = (int)nrows;
	msgs = xcalloc(nrows ? nrows : 1, sizeof *msgs);
	published = xcalloc(nrows ? nrows : 1, sizeof *published);
	for (size_t i = 0; i < nrows; i++) {
		msgs[i].id = rows[i].id;
		msgs[i].event = rows[i].event;
	}
	sent = events_redis_send(rc, r->stats, r->channel, r->sk, msgs, nrows,
	                         published);
	broken = sent < 0;
	/* Events the publisher should have sent: Redis was away, or
	 * padlined stopped before it could. */
	if (sent > 0)
		stats_events_relayed(r->stats, sent);
	/* What went out is marked in one statement, in the transaction
	 * that holds the rows' locks. */
	ids = xcalloc(nrows ? nrows : 1, sizeof *ids);
	for (int i = 0; i < n && !broken; i++)
		if (published[i])
			ids[marked++] = msgs[i].id;
	n = marked;
	if (marked > 0) {
		list = id_array(ids, (size_t)marked);
		if (repo_audit_mark_published_many(db, list, &err) != 0)
			n = 0;
		free(list);
	}
	free(ids);
	free(msgs);
	free(published);
	repo_audit_events_free(rows, nrows);
	if (db_tx_commit(db, &err) != 0) {
		db_tx_rollback(db);
		n = -1;
	}
	rds_pool_return(r->rds, rc, broken);
	if (n > 0)
		log_info("relayed events", "count=%d", n);
	pl_error_clear(&err);
	return broken ? -1 : n;
}
