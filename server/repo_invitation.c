/*
 * SQL for the invitations table. Whether an invitation may be used is read
 * under FOR UPDATE so two registrations racing on one code serialise.
 */
#include "repo_invitation.h"

#include <stdio.h>

#include "db.h"

#define RFC3339(col)                                                           \
	"to_char(" col " AT TIME ZONE 'UTC', "                                 \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

int
repo_invitation_insert(PGconn *db, const char *code_hash, const char *note,
                       const char *created_by, long long expires_in,
                       char *exp_text, struct pl_error *err)
{
	char e[24];
	const char *p[4] = {code_hash, note, created_by, e};
	PGresult *r;

	snprintf(e, sizeof e, "%lld", expires_in);
	r = db_exec(db,
	            "INSERT INTO invitations (code_hash, note, created_by, "
	            "expires_at) VALUES ($1, $2, $3::uuid, now() + "
	            "make_interval(secs => $4::bigint)) RETURNING " RFC3339(
	                "expires_at") " AS t",
	            4, p, err);
	if (r == NULL)
		return err->code;
	snprintf(exp_text, 40, "%s", db_get(r, 0, "t"));
	PQclear(r);
	return PL_OK;
}

int
repo_invitation_lock(PGconn *db, const char *code_hash,
                     enum invitation_state *state, char *id,
                     struct pl_error *err)
{
	const char *p[1] = {code_hash};
	PGresult *r =
	    db_exec(db,
	            "SELECT id, used, expires_at <= now() AS expired "
	            "FROM invitations WHERE code_hash = $1 FOR UPDATE",
	            1, p, err);

	if (r == NULL)
		return err->code;
	*state = INV_MISSING;
	if (PQntuples(r) > 0) {
		snprintf(id, 40, "%s", db_get(r, 0, "id"));
		*state = db_get_bool(r, 0, "used")      ? INV_USED
		         : db_get_bool(r, 0, "expired") ? INV_EXPIRED
		                                        : INV_USABLE;
	}
	PQclear(r);
	return PL_OK;
}

int
repo_invitation_mark_used(PGconn *db, const char *id, const char *user_id,
                          struct pl_error *err)
{
	const char *p[2] = {id, user_id};

	return db_run(db,
	              "UPDATE invitations SET used = true, used_by_id = "
	              "$2::uuid, used_at = now() WHERE id = $1::uuid",
	              2, p, err);
}

int
repo_invitation_list(PGconn *db, json_t **invitations, struct pl_error *err)
{
	PGresult *r = db_exec(
	    db,
	    "SELECT json_build_object('id', id, 'note', note, 'created_by', "
	    "created_by, 'created_at', " RFC3339(
	        "created_at") ", "
	                      "'expires_at', " RFC3339(
	                          "expires_at") ", 'used', used, "
	                                        "'used_by_id', used_by_id, "
	                                        "'used_at', " RFC3339(
	                                            "used_at") ") AS j "
	                                                       "FROM "
	                                                       "invitations "
	                                                       "ORDER BY "
	                                                       "created_at "
	                                                       "DESC, id DESC "
	                                                       "LIMIT 1000",
	    0, NULL, err);

	if (r == NULL)
		return err->code;
	*invitations = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*invitations, db_get_json(r, i, "j"));
	PQclear(r);
	return PL_OK;
}
