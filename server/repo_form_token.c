/*
 * form_token_uses statements: spend a nonce (a replay inserts nothing) and
 * purge the expired ones.
 */
#include "repo_form_token.h"

#include <string.h>

#include "db.h"

int
repo_form_token_spend(struct db_conn *db, const char *nonce,
                      const char *expires, int *fresh, struct pl_error *err)
{
	const char *params[] = {nonce, expires};
	PGresult *r;

	r = db_query_result(db,
	                    "INSERT INTO @form_token_uses (nonce, expires_at) "
	                    "VALUES ($1, to_timestamp($2::bigint)) "
	                    "ON CONFLICT DO NOTHING",
	                    2, params, err);
	if (r == NULL)
		return err->code;
	*fresh = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return PL_OK;
}

int
repo_form_token_purge(struct db_conn *db, struct pl_error *err)
{
	return db_query_run(db,
	                    "DELETE FROM @form_token_uses "
	                    "WHERE expires_at < now()",
	                    0, NULL, err);
}
