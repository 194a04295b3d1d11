/*
 * login_failures statements: check two counters against their limits
 * (purging the expired ones on the way), count a failure, clear a counter.
 */
#include "repo_login_limit.h"

#include <stdio.h>
#include <stdlib.h>

int
repo_login_limit_wait(struct db_conn *db, const char *key_user, int max_user,
                      const char *key_peer, int max_peer, int *wait,
                      struct pl_error *err)
{
	char mu[24], mp[24];
	const char *params[] = {key_user, mu, key_peer, mp};
	PGresult *r;

	snprintf(mu, sizeof mu, "%d", max_user);
	snprintf(mp, sizeof mp, "%d", max_peer);
	/* The purge and the check see the same snapshot: the check skips
	 * the rows being purged itself. */
	r = db_query_result(
	    db,
	    "WITH gone AS (DELETE FROM @login_failures "
	    "WHERE expires_at <= now()) "
	    "SELECT coalesce(max(ceil(extract(epoch FROM "
	    "expires_at - now()))), 0)::int FROM @login_failures "
	    "WHERE expires_at > now() AND ((key = $1 AND failures >= $2::int) "
	    "OR (key = $3 AND failures >= $4::int))",
	    4, params, err);
	if (r == NULL)
		return err->code;
	*wait = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return PL_OK;
}

int
repo_login_limit_fail(struct db_conn *db, const char *key_user,
                      const char *key_peer, int window, struct pl_error *err)
{
	char w[24];
	const char *params[] = {key_user, key_peer, w};

	snprintf(w, sizeof w, "%d", window < 1 ? 1 : window);
	return db_query_run(
	    db,
	    "INSERT INTO @login_failures AS f (key, failures, expires_at) "
	    "VALUES ($1, 1, now() + make_interval(secs => $3::int)), "
	    "($2, 1, now() + make_interval(secs => $3::int)) "
	    "ON CONFLICT (key) DO UPDATE SET "
	    "failures = CASE WHEN f.expires_at <= now() THEN 1 "
	    "ELSE f.failures + 1 END, "
	    "expires_at = CASE WHEN f.expires_at <= now() "
	    "THEN excluded.expires_at ELSE f.expires_at END",
	    3, params, err);
}

int
repo_login_limit_clear(struct db_conn *db, const char *key,
                       struct pl_error *err)
{
	const char *params[] = {key};

	return db_query_run(db, "DELETE FROM @login_failures WHERE key = $1", 1,
	                    params, err);
}
