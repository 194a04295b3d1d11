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
repo_invitation_insert(struct db_conn *db, const char *code_hash,
                       const char *note, const char *created_by,
                       long long expires_in, char *exp_text,
                       struct pl_error *err)
{
	char e[24];
	const char *p[4] = {code_hash, note, created_by, e};
	PGresult *r;

	snprintf(e, sizeof e, "%lld", expires_in);
	r = db_query_result(
	    db,
	    "INSERT INTO @invitations (code_hash, note, created_by, "
	    "                         expires_at) "
	    "VALUES ($1, $2, $3::uuid, "
	    "        now() + make_interval(secs => $4::bigint)) "
	    "RETURNING " RFC3339("expires_at") " AS t",
	    4, p, err);
	if (r == NULL)
		return err->code;
	snprintf(exp_text, 40, "%s", db_get(r, 0, "t"));
	PQclear(r);
	return PL_OK;
}

int
repo_invitation_lock(struct db_conn *db, const char *code_hash,
                     enum invitation_state *state, char *id,
                     struct pl_error *err)
{
	const char *p[1] = {code_hash};
	PGresult *r =
	    db_query_result(db,
	                    "SELECT id, used, expires_at <= now() AS expired, "
	                    "       revoked_at IS NOT NULL AS revoked "
	                    "FROM @invitations "
	                    "WHERE code_hash = $1 "
	                    "FOR UPDATE",
	                    1, p, err);

	if (r == NULL)
		return err->code;
	*state = INV_MISSING;
	if (PQntuples(r) > 0) {
		snprintf(id, 40, "%s", db_get(r, 0, "id"));
		*state = db_get_bool(r, 0, "used")      ? INV_USED
		         : db_get_bool(r, 0, "revoked") ? INV_REVOKED
		         : db_get_bool(r, 0, "expired") ? INV_EXPIRED
		                                        : INV_USABLE;
	}
	PQclear(r);
	return PL_OK;
}

int
repo_invitation_mark_used(struct db_conn *db, const char *id,
                          const char *user_id, struct pl_error *err)
{
	const char *p[2] = {id, user_id};

	return db_query_run(
	    db,
	    "UPDATE @invitations "
	    "SET used = true, used_by_id = $2::uuid, used_at = now() "
	    "WHERE id = $1::uuid",
	    2, p, err);
}

/* The list item of invitation i (alias), with who used it. */
/* clang-format off */
#define INVITATION_ITEM                                                        \
	"json_strip_nulls(json_build_object("                                  \
	"  'id', i.id, 'note', i.note, 'created_by', i.created_by, "           \
	"  'created_at', " RFC3339("i.created_at") ", "                        \
	"  'expires_at', " RFC3339("i.expires_at") ", "                        \
	"  'used_at', " RFC3339("i.used_at") ", "                              \
	"  'revoked_at', " RFC3339("i.revoked_at") ", "                        \
	"  'status', CASE WHEN i.used THEN 'used' "                            \
	"                 WHEN i.revoked_at IS NOT NULL THEN 'revoked' "       \
	"                 WHEN i.expires_at <= now() THEN 'expired' "          \
	"                 ELSE 'open' END, "                                   \
	"  'used_by', (SELECT json_build_object('id', u.id, "                  \
	"                                       'username', u.username) "      \
	"              FROM @users u "                                          \
	"              WHERE u.id = i.used_by_id)))"
/* clang-format on */

int
repo_invitation_list(struct db_conn *db, json_t **invitations,
                     struct pl_error *err)
{
	return db_query_json_all(db,
	                         "SELECT " INVITATION_ITEM " AS j "
	                         "FROM @invitations i "
	                         "ORDER BY i.created_at DESC, i.id DESC "
	                         "LIMIT 1000",
	                         0, NULL, invitations, err);
}

int
repo_invitation_revoke(struct db_conn *db, const char *id, json_t **item,
                       struct pl_error *err)
{
	const char *p[1] = {id};

	return db_query_json(
	    db,
	    "WITH upd AS ("
	    "  UPDATE @invitations SET revoked_at = now() "
	    "  WHERE id = $1::uuid AND NOT used "
	    "    AND revoked_at IS NULL "
	    "  RETURNING id, revoked_at) "
	    "SELECT " INVITATION_ITEM " AS j "
	    "FROM (SELECT v.id, v.note, v.created_by, "
	    "             v.created_at, v.expires_at, v.used, "
	    "             v.used_by_id, v.used_at, "
	    "             coalesce(upd.revoked_at, "
	    "                      v.revoked_at) AS revoked_at "
	    "      FROM @invitations v "
	    "      LEFT JOIN upd ON upd.id = v.id "
	    "      WHERE v.id = $1::uuid) AS i",
	    1, p, item, err);
}
