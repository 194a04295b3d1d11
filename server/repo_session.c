/*
 * SQL for the sessions table. Expiry is decided by PostgreSQL's clock so
 * every padlined agrees on it.
 */
#include "repo_session.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "repo_user.h"

struct expiry_out {
	long long *at;
	char *text;
};

static int
decode_expiry(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct expiry_out *o = ctx;
	const char *t = db_get(r, 0, "t");

	(void)err;
	*o->at = db_get_ll(r, 0, "e");
	snprintf(o->text, 40, "%s", t ? t : "");
	return 0;
}

int
repo_session_insert(struct db_conn *db, const char *token_hash,
                    const char *user_id, int ttl, long long *expires_at,
                    char *exp_text, struct pl_error *err)
{
	char t[16];
	const char *p[3] = {token_hash, user_id, t};
	struct expiry_out o = {expires_at, exp_text};

	snprintf(t, sizeof t, "%d", ttl);
	return db_query(
	    db,
	    "INSERT INTO @sessions (token_hash, user_id, expires_at) "
	    "VALUES ($1, $2::uuid, now() + make_interval(secs => "
	    "$3::int)) RETURNING ceil(extract(epoch FROM expires_at))::bigint "
	    "AS e, to_char(expires_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS t",
	    3, p, decode_expiry, &o, sizeof o, err);
}

int
repo_session_lookup(struct db_conn *db, const char *token_hash, int idle,
                    json_t **user, struct repo_session_found *f,
                    struct pl_error *err)
{
	char idle_s[16];
	const char *p[2] = {token_hash, idle_s};
	PGresult *r;

	snprintf(idle_s, sizeof idle_s, "%d", idle);
	r = db_query_result(
	    db,
	    "SELECT u.id, u.roles ? 'admin' AS is_admin, "
	    "ceil(extract(epoch FROM s.expires_at))::bigint AS e, " REPO_SESSION_LIVE
	    " AS live, " REPO_USER_JSON " AS j FROM @sessions s JOIN @users "
	    "u ON u.id = s.user_id WHERE s.token_hash = $1 "
	    "AND NOT u.disabled",
	    2, p, err);

	*user = NULL;
	memset(f, 0, sizeof *f);
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0 && !db_get_bool(r, 0, "live"))
		f->expired = 1;
	else if (PQntuples(r) > 0) {
		*user = db_get_json(r, 0, "j");
		snprintf(f->user_id, sizeof f->user_id, "%s",
		         db_get(r, 0, "id"));
		f->is_admin = db_get_bool(r, 0, "is_admin");
		f->expires_at = db_get_ll(r, 0, "e");
	}
	PQclear(r);
	return PL_OK;
}

int
repo_session_delete(struct db_conn *db, const char *token_hash,
                    struct pl_error *err)
{
	const char *p[1] = {token_hash};

	return db_query_run(db, "DELETE FROM @sessions WHERE token_hash = $1",
	                    1, p, err);
}

int
repo_session_purge(struct db_conn *db, struct pl_error *err)
{
	return db_query_run(db,
	                    "DELETE FROM @sessions WHERE expires_at <= now()",
	                    0, NULL, err);
}

static int
decode_state(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct repo_session_state *st = *(struct repo_session_state **)ctx;

	(void)err;
	st->found = PQntuples(r) == 1;
	st->alive = st->found && db_get_bool(r, 0, "live");
	st->is_admin = st->alive && db_get_bool(r, 0, "is_admin");
	st->fresh = st->alive && db_get_bool(r, 0, "fresh");
	return 0;
}

int
repo_session_state(struct db_conn *db, const char *token_hash, int idle,
                   int reauth_window, double touch_s,
                   struct repo_session_state *st, struct pl_error *err)
{
	char idle_s[16], win_s[16], touch[32];
	const char *p[4] = {token_hash, idle_s, win_s, touch};

	snprintf(idle_s, sizeof idle_s, "%d", idle);
	snprintf(win_s, sizeof win_s, "%d", reauth_window);
	snprintf(touch, sizeof touch, "%.3f", touch_s);
	memset(st, 0, sizeof *st);
	/* A disabled user's session is dead too. last_used_at moves only
	 * when it is older than touch_s, so the recheck rarely writes. */
	return db_query(
	    db,
	    "WITH found AS ("
	    "  SELECT s.token_hash, s.last_used_at, "
	    "         u.roles ? 'admin' AS is_admin, " REPO_SESSION_LIVE
	    "         AS live, s.reauth_at > now() - "
	    "         make_interval(secs => $3::int) AS fresh "
	    "  FROM @sessions s JOIN @users u ON u.id = s.user_id "
	    "  WHERE s.token_hash = $1 AND NOT u.disabled), "
	    "touch AS ("
	    "  UPDATE @sessions SET last_used_at = now() "
	    "  WHERE token_hash = (SELECT token_hash FROM found "
	    "    WHERE live AND last_used_at < now() - "
	    "    make_interval(secs => $4::float8))) "
	    "SELECT is_admin, live, fresh FROM found",
	    4, p, decode_state, &st, sizeof st, err);
}

int
repo_session_set_reauth(struct db_conn *db, const char *token_hash,
                        struct pl_error *err)
{
	const char *p[1] = {token_hash};

	return db_query_run(
	    db, "UPDATE @sessions SET reauth_at = now() WHERE token_hash = $1",
	    1, p, err);
}

int
repo_session_list(struct db_conn *db, const char *user_id,
                  const char *current_hash, int idle, json_t **sessions,
                  struct pl_error *err)
{
	char idle_s[16];
	const char *p[3] = {user_id, idle_s, current_hash};

	snprintf(idle_s, sizeof idle_s, "%d", idle);
	return db_query_json_all(
	    db,
	    "SELECT " REPO_SESSION_JSON "  || jsonb_build_object('current', "
	    "                        s.token_hash = $3) AS j "
	    "FROM @sessions s "
	    "WHERE s.user_id = $1::uuid AND " REPO_SESSION_LIVE
	    " ORDER BY s.created_at DESC, s.id",
	    3, p, sessions, err);
}

int
repo_session_revoke(struct db_conn *db, const char *user_id, const char *id,
                    const char *current_hash, int *deleted, int *current,
                    struct pl_error *err)
{
	const char *p[3] = {user_id, id, current_hash};
	PGresult *r =
	    db_query_result(db,
	                    "DELETE FROM @sessions "
	                    "WHERE user_id = $1::uuid AND id = $2::uuid "
	                    "RETURNING token_hash = $3 AS current",
	                    3, p, err);

	*deleted = *current = 0;
	if (r == NULL)
		return err->code;
	if (PQntuples(r) == 1) {
		*deleted = 1;
		*current = db_get_bool(r, 0, "current");
	}
	PQclear(r);
	return PL_OK;
}

int
repo_session_delete_user(struct db_conn *db, const char *user_id,
                         const char *keep_hash, struct pl_error *err)
{
	const char *p[2] = {user_id, keep_hash};

	return db_query_run(db,
	                    "DELETE FROM @sessions "
	                    "WHERE user_id = $1::uuid "
	                    "  AND ($2::text IS NULL OR token_hash <> $2)",
	                    2, p, err);
}
