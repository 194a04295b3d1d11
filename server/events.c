/*
 * Audit rows → Redis channel padline:events. The request that wrote a row
 * publishes it right after commit; the relay sweeps rows left unpublished
 * (Redis was down, or the process died) once they are older than a grace
 * period, locking them with SKIP LOCKED so several padlined never publish
 * the same row twice. Delivery is at least once: a crash between PUBLISH and
 * the UPDATE repeats an event, which subscribers drop by id.
 */
#include "events.h"

#include <stdlib.h>

#include "app.h"
#include "db.h"
#include "log.h"
#include "repo_audit.h"

/* Rows younger than this belong to the request that wrote them. */
#define EVENTS_RELAY_GRACE_S 3

static int
events_redis_publish(redisContext *rc, const char *event)
{
	redisReply *r = redisCommand(rc, "PUBLISH %s %s", EVENTS_CHANNEL, event);
	int ok = r != NULL && r->type == REDIS_REPLY_INTEGER;

	if (r)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

void
events_publish_one(struct app *app, PGconn *db, long long id)
{
	struct pl_error err;
	redisContext *rc;
	char *event = NULL;

	pl_error_init(&err);
	if ((rc = rds_pool_borrow(app->rds)) == NULL) {
		log_debug("event left for the relay", "id=%lld reason=redis_down",
			  id);
		return;
	}
	if (repo_audit_event(db, id, &event, &err) != 0 || event == NULL) {
		rds_pool_return(app->rds, rc, 0);
		pl_error_clear(&err);
		return;
	}
	if (events_redis_publish(rc, event) != 0) {
		log_warn("publishing event failed; left for the relay",
			 "id=%lld", id);
		rds_pool_return(app->rds, rc, 1);
		free(event);
		return;
	}
	rds_pool_return(app->rds, rc, 0);
	free(event);
	repo_audit_mark_published(db, id, &err);
	pl_error_clear(&err);
}

int
events_relay(struct app *app, PGconn *db, int limit)
{
	struct pl_error err;
	redisContext *rc;
	PGresult *rows = NULL;
	int n = 0, broken = 0;

	pl_error_init(&err);
	if ((rc = rds_pool_borrow(app->rds)) == NULL)
		return -1;
	if (db_begin(db, &err) != 0 ||
	    repo_audit_lock_unpublished(db, limit, EVENTS_RELAY_GRACE_S, &rows,
					&err) != 0) {
		db_rollback(db);
		rds_pool_return(app->rds, rc, 0);
		pl_error_clear(&err);
		return -1;
	}
	for (int i = 0; i < PQntuples(rows); i++) {
		long long id = db_get_ll(rows, i, "id");

		if (events_redis_publish(rc, db_get(rows, i, "event")) != 0) {
			broken = 1;
			break;
		}
		if (repo_audit_mark_published(db, id, &err) != 0)
			break;
		n++;
	}
	PQclear(rows);
	if (db_commit(db, &err) != 0) {
		db_rollback(db);
		n = -1;
	}
	rds_pool_return(app->rds, rc, broken);
	if (n > 0)
		log_info("relayed events", "count=%d", n);
	pl_error_clear(&err);
	return broken ? -1 : n;
}
