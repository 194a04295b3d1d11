/*
 * idempotency_keys statements: purge, claim, read and answer. The claim is
 * an INSERT on the primary key, so two requests with one key never both
 * run: the second waits for the first's transaction and then finds its row.
 */
#include "repo_idempotency.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* How many expired rows one write deletes besides its own: more than the
 * one row it adds, so the table shrinks to a day of writes. */
#define IDEMPOTENCY_PURGE_BATCH "16"

int
repo_idempotency_purge(struct db_conn *db, const char *scope, const char *key,
                       struct pl_error *err)
{
	const char *params[] = {scope, key, IDEMPOTENCY_PURGE_BATCH};

	return db_query_run(
	    db,
	    "DELETE FROM @idempotency_keys "
	    "WHERE created_at < now() - interval '24 hours' "
	    "AND ((scope = $1 AND key = $2) OR ctid IN ("
	    " SELECT ctid FROM @idempotency_keys"
	    " WHERE created_at < now() - interval '24 hours'"
	    " ORDER BY created_at LIMIT $3::int FOR UPDATE SKIP LOCKED))",
	    3, params, err);
}

int
repo_idempotency_claim(struct db_conn *db, const char *scope, const char *key,
                       const char *method, const char *params_hash,
                       int *claimed, struct pl_error *err)
{
	const char *params[] = {scope, key, method, params_hash};
	PGresult *r;

	r = db_query_result(db,
	                    "INSERT INTO @idempotency_keys "
	                    "(scope, key, method, params_hash) "
	                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
	                    4, params, err);
	if (r == NULL)
		return err->code;
	*claimed = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return PL_OK;
}

static char *
dup_col(const PGresult *r, const char *col)
{
	return PQgetisnull(r, 0, PQfnumber(r, col))
	           ? NULL
	           : xstrdup(db_get(r, 0, col));
}

int
repo_idempotency_get(struct db_conn *db, const char *scope, const char *key,
                     int *found, char **method, char **params_hash,
                     char **result, struct pl_error *err)
{
	const char *params[] = {scope, key};
	PGresult *r;

	r = db_query_result(db,
	                    "SELECT method, params_hash, result "
	                    "FROM @idempotency_keys "
	                    "WHERE scope = $1 AND key = $2 "
	                    "AND created_at >= now() - interval '24 hours'",
	                    2, params, err);
	if (r == NULL)
		return err->code;
	*found = PQntuples(r) == 1;
	if (*found) {
		*method = dup_col(r, "method");
		*params_hash = dup_col(r, "params_hash");
		*result = dup_col(r, "result");
	}
	PQclear(r);
	return PL_OK;
}

int
repo_idempotency_answer(struct db_conn *db, const char *scope, const char *key,
                        const char *result, struct pl_error *err)
{
	const char *params[] = {scope, key, result};

	return db_query_run(db,
	                    "UPDATE @idempotency_keys SET result = $3 "
	                    "WHERE scope = $1 AND key = $2",
	                    3, params, err);
}
