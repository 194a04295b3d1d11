/*
 * SQL for TOTP state and recovery codes. Single use is decided by the
 * statements themselves (a conditional UPDATE, a DELETE ... RETURNING), so
 * two logins racing with one code cannot both pass.
 */
#include "repo_totp.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "repo_user.h"

int
repo_totp_get(struct db_conn *db, const char *user_id, struct repo_totp *out,
              struct pl_error *err)
{
	const char *p[1] = {user_id};
	PGresult *r =
	    db_query_result(db,
	                    "SELECT totp_enabled, totp_secret_enc, "
	                    "       totp_pending_enc, "
	                    "       coalesce(totp_last_step, -1) AS step "
	                    "FROM @users "
	                    "WHERE id = $1::uuid",
	                    1, p, err);
	const char *v;

	memset(out, 0, sizeof *out);
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0) {
		out->found = 1;
		out->enabled = db_get_bool(r, 0, "totp_enabled");
		v = db_get(r, 0, "totp_secret_enc");
		snprintf(out->secret, sizeof out->secret, "%s", v ? v : "");
		v = db_get(r, 0, "totp_pending_enc");
		snprintf(out->pending, sizeof out->pending, "%s", v ? v : "");
		out->last_step = db_get_ll(r, 0, "step");
	}
	PQclear(r);
	return PL_OK;
}

int
repo_totp_set_pending(struct db_conn *db, const char *user_id,
                      const char *sealed, struct pl_error *err)
{
	const char *p[2] = {user_id, sealed};

	return db_query_run(db,
	                    "UPDATE @users SET totp_pending_enc = $2 "
	                    "WHERE id = $1::uuid",
	                    2, p, err);
}

int
repo_totp_enable(struct db_conn *db, const char *user_id, const char *pending,
                 long long step, json_t **user, struct pl_error *err)
{
	char st[24];
	const char *p[3] = {user_id, pending, st};

	snprintf(st, sizeof st, "%lld", step);
	return db_query_json(
	    db,
	    "UPDATE @users AS u "
	    "SET totp_secret_enc = u.totp_pending_enc, "
	    "    totp_pending_enc = NULL, totp_enabled = true, "
	    "    totp_last_step = $3::bigint, updated_at = now() "
	    "WHERE u.id = $1::uuid AND u.totp_pending_enc = $2 "
	    "RETURNING " REPO_USER_JSON " AS j",
	    3, p, user, err);
}

int
repo_totp_use_step(struct db_conn *db, const char *user_id, long long step,
                   int *fresh, struct pl_error *err)
{
	char st[24];
	const char *p[2] = {user_id, st};

	snprintf(st, sizeof st, "%lld", step);
	return db_query_hit(db,
	                    "UPDATE @users SET totp_last_step = $2::bigint "
	                    "WHERE id = $1::uuid AND totp_enabled "
	                    "  AND (totp_last_step IS NULL "
	                    "       OR totp_last_step < $2::bigint)",
	                    2, p, fresh, err);
}

int
repo_totp_clear(struct db_conn *db, const char *user_id, json_t **user,
                struct pl_error *err)
{
	const char *p[1] = {user_id};

	return db_query_json(
	    db,
	    "UPDATE @users AS u "
	    "SET totp_enabled = false, totp_secret_enc = NULL, "
	    "    totp_pending_enc = NULL, totp_last_step = NULL, "
	    "    updated_at = now() "
	    "WHERE u.id = $1::uuid "
	    "RETURNING " REPO_USER_JSON " AS j",
	    1, p, user, err);
}

int
repo_recovery_insert(struct db_conn *db, const char *user_id,
                     const char *hashes, struct pl_error *err)
{
	const char *p[2] = {user_id, hashes};

	return db_query_run(db,
	                    "INSERT INTO @recovery_codes (user_id, code_hash) "
	                    "SELECT $1::uuid, h FROM unnest($2::text[]) AS h",
	                    2, p, err);
}

int
repo_recovery_delete_all(struct db_conn *db, const char *user_id,
                         struct pl_error *err)
{
	const char *p[1] = {user_id};

	return db_query_run(db,
	                    "DELETE FROM @recovery_codes "
	                    "WHERE user_id = $1::uuid",
	                    1, p, err);
}

int
repo_recovery_use(struct db_conn *db, const char *user_id, const char *hash,
                  int *used, struct pl_error *err)
{
	const char *p[2] = {user_id, hash};

	return db_query_hit(db,
	                    "DELETE FROM @recovery_codes "
	                    "WHERE user_id = $1::uuid AND code_hash = $2",
	                    2, p, used, err);
}
