/*
 * Audit rows → the deployment's Redis channel (padline:events:<schema>). The
 * request that wrote a row publishes it right after commit; the relay sweeps
 * rows left unpublished (Redis was down, or the process died) once they are
 * older than a grace period, locking them with SKIP LOCKED so several padlined
 * never publish the same row at once. A row is marked published only after
 * its PUBLISH (the request path marks in batches at the next relay tick), so
 * another instance's relay, or one after a crash, may find a row already
 * published: every PUBLISH therefore goes through a Redis script that first
 * claims the event id (SET NX with a TTL), and a claimed id is not published
 * again. Subscribers see each event once, unless a row stays unmarked longer
 * than the claim lives (PostgreSQL unreachable for EVENTS_CLAIM_TTL_S); they
 * still drop repeats by id.
 */
#include "events.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "log.h"
#include "repo_audit.h"
#include "xalloc.h"

/* Rows younger than this belong to the request that wrote them. */
#define EVENTS_RELAY_GRACE_S 3

/* How long an event id stays claimed: far longer than a row waits for its
 * mark while PostgreSQL is up (a relay tick or two), short enough that the
 * claims of a busy deployment stay small. */
#define EVENTS_CLAIM_TTL_S 300

/* PUBLISH unless the id was claimed already (then -1): one atomic step. */
static const char publish_once_lua[] =
    "if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then "
    "return redis.call('PUBLISH', ARGV[1], ARGV[3]) end return -1";

/*
 * 0 when the event is published now or was before, -1 on a Redis error.
 * The claim names the id and a hash of the event's text (the same SQL
 * writes it on every path): ids start over when a schema is recreated or
 * restored, and a new event must not pass for an old one.
 */
static int
events_redis_publish(redisContext *rc, const char *channel, long long id,
                     const char *event)
{
	unsigned char h[16];
	char hex[sizeof h * 2 + 1];
	redisReply *r;
	int ok;

	crypto_generichash(h, sizeof h, (const unsigned char *)event,
	                   strlen(event), NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	r = redisCommand(rc, "EVAL %s 1 %s:sent:%lld:%s %s %d %s",
	                 publish_once_lua, channel, id, hex, channel,
	                 EVENTS_CLAIM_TTL_S, event);
	ok = r != NULL && r->type == REDIS_REPLY_INTEGER;

	if (r)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

/* Ids published but not yet marked, shared by every worker thread. */
static pthread_mutex_t marks_mu = PTHREAD_MUTEX_INITIALIZER;
static long long *marks;
static size_t nmarks, marks_cap;

static void
mark_later(long long id)
{
	pthread_mutex_lock(&marks_mu);
	if (nmarks == marks_cap) {
		marks_cap = marks_cap ? marks_cap * 2 : 256;
		marks = xreallocarray(marks, marks_cap, sizeof *marks);
	}
	marks[nmarks++] = id;
	pthread_mutex_unlock(&marks_mu);
}

void
events_flush_marks(struct db_conn *db)
{
	struct pl_error err;
	long long *ids;
	size_t n;
	char *list, *p;

	pthread_mutex_lock(&marks_mu);
	ids = marks;
	n = nmarks;
	marks = NULL;
	nmarks = marks_cap = 0;
	pthread_mutex_unlock(&marks_mu);
	if (n == 0)
		return;
	/* "{1,2,3}": at most 20 digits and a comma per id. */
	p = list = xmalloc(n * 21 + 3);
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ",%lld" : "%lld", ids[i]);
	strcpy(p, "}");
	pl_error_init(&err);
	if (repo_audit_mark_published_many(db, list, &err) != 0) {
		/* Put them back for the next flush. */
		for (size_t i = 0; i < n; i++)
			mark_later(ids[i]);
	}
	pl_error_clear(&err);
	free(list);
	free(ids);
}

void
events_publish_one(struct app *app, struct db_conn *db,
                   const struct audit_row *row)
{
	struct pl_error err;
	redisContext *rc;
	char *event = NULL;
	const char *text = row->event;

	pl_error_init(&err);
	if ((rc = rds_pool_borrow(app->rds)) == NULL) {
		log_debug("event left for the relay",
		          "id=%lld reason=redis_down", row->id);
		return;
	}
	if (*text == '\0') {
		if (repo_audit_event(db, row->id, &event, &err) != 0 ||
		    event == NULL) {
			rds_pool_return(app->rds, rc, 0);
			pl_error_clear(&err);
			return;
		}
		text = event;
	}
	if (events_redis_publish(rc, app->cfg->events_channel, row->id, text) !=
	    0) {
		log_warn("publishing event failed; left for the relay",
		         "id=%lld", row->id);
		rds_pool_return(app->rds, rc, 1);
		free(event);
		return;
	}
	rds_pool_return(app->rds, rc, 0);
	free(event);
	mark_later(row->id);
}

int
events_relay(struct app *app, struct db_conn *db, int limit)
{
	struct pl_error err;
	redisContext *rc;
	PGresult *rows = NULL;
	int n = 0, broken = 0;

	pl_error_init(&err);
	events_flush_marks(db);
	if ((rc = rds_pool_borrow(app->rds)) == NULL)
		return -1;
	if (db_tx_begin(db, &err) != 0 ||
	    repo_audit_lock_unpublished(db, limit, EVENTS_RELAY_GRACE_S, &rows,
	                                &err) != 0) {
		db_tx_rollback(db);
		rds_pool_return(app->rds, rc, 0);
		pl_error_clear(&err);
		return -1;
	}
	for (int i = 0; i < PQntuples(rows); i++) {
		long long id = db_get_ll(rows, i, "id");

		if (events_redis_publish(rc, app->cfg->events_channel, id,
		                         db_get(rows, i, "event")) != 0) {
			broken = 1;
			break;
		}
		if (repo_audit_mark_published(db, id, &err) != 0)
			break;
		n++;
	}
	PQclear(rows);
	if (db_tx_commit(db, &err) != 0) {
		db_tx_rollback(db);
		n = -1;
	}
	rds_pool_return(app->rds, rc, broken);
	if (n > 0)
		log_info("relayed events", "count=%d", n);
	pl_error_clear(&err);
	return broken ? -1 : n;
}
