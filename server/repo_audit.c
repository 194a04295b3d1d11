/*
 * audit_log statements. The table doubles as the event outbox, so the event
 * shape ({id, action, at, subject}) is produced here by SQL, in one place,
 * for both the live publisher and events.since backfill.
 */
#include "repo_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_num.h"
#include "xalloc.h"

/* The event JSON for audit rows; "at" in RFC 3339 UTC with microseconds. */
#define AUDIT_EVENT_SQL                                                        \
	"json_build_object('id', id, 'action', action, 'at', "                 \
	"to_char(at AT TIME ZONE 'UTC', "                                      \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "                               \
	"'subject', COALESCE(details->'subject', '{}'::jsonb))::text"

/* ctx: the struct db_conn * whose transaction wrote the row. */
static int
decode_audit_row(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct db_conn *db = *(struct db_conn **)ctx;
	const char *event = db_get(r, 0, "event");

	(void)err;
	if (PQntuples(r) == 1 && event != NULL)
		db_tx_event(db, db_get_ll(r, 0, "id"), event);
	return 0;
}

int
repo_audit_insert_text(struct db_conn *db, const char *action,
                       const char *actor_id, const char *subject_id,
                       const char *details, struct pl_error *err)
{
	const char *params[] = {action, actor_id, subject_id,
	                        details ? details : "{}"};

	/* The parameters are copied out when the statement is queued. */
	return db_query(db,
	                "INSERT INTO @audit_log (action, actor_id, subject_id, "
	                "details) VALUES ($1, $2::uuid, $3::uuid, $4::jsonb) "
	                "RETURNING id, " AUDIT_EVENT_SQL " AS event",
	                4, params, decode_audit_row, &db, sizeof db, err);
}

int
repo_audit_insert(struct db_conn *db, const char *action, const char *actor_id,
                  const char *subject_id, json_t *details, struct pl_error *err)
{
	char *text = details ? json_num_dumps(details, JSON_COMPACT) : NULL;
	int rc =
	    repo_audit_insert_text(db, action, actor_id, subject_id, text, err);

	free(text);
	return rc;
}

int
repo_audit_insert_quiet(struct db_conn *db, const char *action,
                        const char *actor_id, json_t *subjects, json_t *details,
                        struct pl_error *err)
{
	char *subj = json_num_dumps(subjects, JSON_COMPACT);
	char *text = details ? json_num_dumps(details, JSON_COMPACT) : NULL;
	const char *params[] = {action, actor_id, subj, text ? text : "{}"};
	int rc;

	/* Published already as far as the relay is concerned: no event. */
	rc = db_query_run(
	    db,
	    "INSERT INTO @audit_log (action, actor_id, subject_id, details, "
	    "published_at, audit_only) SELECT $1, $2::uuid, "
	    "(CASE WHEN jsonb_typeof(s->'id') = 'string' THEN s->>'id' END)"
	    "::uuid, $4::jsonb || jsonb_build_object('subject', s), now(), "
	    "true FROM jsonb_array_elements($3::jsonb) AS s",
	    4, params, err);
	free(subj);
	free(text);
	return rc;
}

int
repo_audit_since(struct db_conn *db, long long after, int limit,
                 json_t **events, struct pl_error *err)
{
	char a[32], l[16];
	const char *params[] = {a, l};
	PGresult *r;

	snprintf(a, sizeof a, "%lld", after);
	snprintf(l, sizeof l, "%d", limit);
	r = db_query_result(db,
	                    "SELECT " AUDIT_EVENT_SQL
	                    " AS event FROM @audit_log WHERE id > $1::bigint "
	                    "AND audit_only IS NOT TRUE ORDER BY id LIMIT "
	                    "$2::int",
	                    2, params, err);
	if (r == NULL)
		return err->code;
	*events = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*events, db_get_json(r, i, "event"));
	PQclear(r);
	return 0;
}

int
repo_audit_lock_unpublished(struct db_conn *db, int limit, int grace_s,
                            struct audit_event **rows, size_t *n,
                            struct pl_error *err)
{
	char l[16], g[16];
	const char *params[] = {l, g};
	PGresult *r;

	*rows = NULL;
	*n = 0;
	snprintf(l, sizeof l, "%d", limit);
	snprintf(g, sizeof g, "%d", grace_s);
	r = db_query_result(db,
	                    "SELECT id, " AUDIT_EVENT_SQL
	                    " AS event FROM @audit_log "
	                    "WHERE published_at IS NULL AND at < now() - "
	                    "make_interval(secs => $2::int) ORDER BY id "
	                    "LIMIT $1::int FOR UPDATE SKIP LOCKED",
	                    2, params, err);
	if (r == NULL)
		return err->code;
	*n = (size_t)PQntuples(r);
	*rows = xcalloc(*n ? *n : 1, sizeof **rows);
	for (size_t i = 0; i < *n; i++) {
		(*rows)[i].id = db_get_ll(r, (int)i, "id");
		(*rows)[i].event = xstrdup(db_get(r, (int)i, "event"));
	}
	PQclear(r);
	return 0;
}

void
repo_audit_events_free(struct audit_event *rows, size_t n)
{
	for (size_t i = 0; i < n && rows != NULL; i++)
		free(rows[i].event);
	free(rows);
}

int
repo_audit_mark_published_many(struct db_conn *db, const char *ids,
                               struct pl_error *err)
{
	const char *params[] = {ids};

	return db_query_run(
	    db,
	    "UPDATE @audit_log SET published_at = now() "
	    "WHERE id = ANY($1::bigint[]) AND published_at IS NULL",
	    1, params, err);
}

int
repo_audit_outbox(struct db_conn *db, long long *unpublished, double *oldest_s,
                  struct pl_error *err)
{
	PGresult *r = db_query_result(
	    db,
	    "SELECT count(*) AS n, "
	    "       COALESCE(extract(epoch FROM now() - min(at)), 0) AS oldest "
	    "FROM @audit_log "
	    "WHERE published_at IS NULL",
	    0, NULL, err);

	if (r == NULL)
		return err->code;
	*unpublished = db_get_ll(r, 0, "n");
	*oldest_s = strtod(db_get(r, 0, "oldest"), NULL);
	PQclear(r);
	return 0;
}

int
repo_audit_activity(struct db_conn *db, const char *user_id, long long before,
                    int limit, json_t **items, struct pl_error *err)
{
	char b[32], l[16];
	const char *params[] = {user_id, before > 0 ? b : NULL, l};

	snprintf(b, sizeof b, "%lld", before);
	snprintf(l, sizeof l, "%d", limit);
	/* Only what is about the user's own security; pads are not. The
	 * actor is named only when it is somebody else (an admin). */
	return db_query_json_all(
	    db,
	    "SELECT jsonb_strip_nulls(jsonb_build_object("
	    "  'id', a.id, 'action', a.action, "
	    "  'at', to_char(a.at AT TIME ZONE 'UTC', " DB_TIME_US "), "
	    "  'peer', a.details->>'peer', "
	    "  'by', CASE WHEN a.actor_id IS DISTINCT FROM a.subject_id THEN "
	    "    (SELECT jsonb_build_object('id', u.id, 'username', "
	    "       u.username) FROM @users u WHERE u.id = a.actor_id) END"
	    ")) AS j FROM @audit_log a "
	    "WHERE a.subject_id = $1::uuid "
	    "  AND ($2::bigint IS NULL OR a.id < $2::bigint) "
	    "  AND a.action IN ('session.login', 'session.login_failed', "
	    "    'session.reauth_failed', 'user.change_password_failed', "
	    "    'user.totp_disable_failed', 'user.password_changed', "
	    "    'user.totp_enabled', 'user.totp_disabled', "
	    "    'user.recovery_code_used', 'session.revoked', "
	    "    'user.updated', 'user.created', 'user.bulk', "
	    "    'user.bulk_undone') "
	    "ORDER BY a.id DESC LIMIT $3::int",
	    3, params, items, err);
}
