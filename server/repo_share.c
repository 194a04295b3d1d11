/*
 * pad_shares statements. Sharing twice keeps the first row (and its
 * created_at); (xmax = 0) tells a fresh insert from a conflict's update, so
 * the service audits only real changes.
 */
#include "repo_share.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "repo_pad.h"

#define SHARE_COLS                                                             \
	"u.username, s.role, " REPO_TIME_SQL("s.created_at") " AS created_at"

static json_t *
share_row(const PGresult *r, int row)
{
	return json_pack(
	    "{s:s, s:s, s:s}", "username", db_get(r, row, "username"), "role",
	    db_get(r, row, "role"), "created_at", db_get(r, row, "created_at"));
}

int
repo_share_insert(struct db_conn *db, const char *pad_id, const char *owner_id,
                  const char *username, const char *role,
                  enum repo_share_result *result, json_t **share,
                  struct pl_error *err)
{
	const char *p[] = {pad_id, owner_id, username, role};
	PGresult *r;

	*share = NULL;
	r = db_query_result(
	    db,
	    "WITH u AS (SELECT id, username FROM @users "
	    "           WHERE lower(username) = lower($3)), "
	    "s AS (INSERT INTO @pad_shares (pad_id, user_id, role) "
	    "      SELECT $1::uuid, u.id, $4 FROM u WHERE u.id <> $2::uuid "
	    "      ON CONFLICT (pad_id, user_id) DO UPDATE SET role = EXCLUDED.role "
	    "      RETURNING user_id, role, created_at, (xmax = 0) AS inserted) "
	    "SELECT " SHARE_COLS ", s.inserted "
	    "FROM u LEFT JOIN s ON s.user_id = u.id",
	    4, p, err);
	if (r == NULL)
		return err->code;
	if (PQntuples(r) == 0)
		*result = REPO_SHARE_NO_USER;
	else if (db_get(r, 0, "role") == NULL)
		*result = REPO_SHARE_OWNER;
	else {
		*result = db_get_bool(r, 0, "inserted") ? REPO_SHARE_INSERTED
		                                        : REPO_SHARE_EXISTED;
		*share = share_row(r, 0);
	}
	PQclear(r);
	return 0;
}

int
repo_share_delete(struct db_conn *db, const char *pad_id, const char *username,
                  json_t **share, struct pl_error *err)
{
	const char *p[] = {pad_id, username};
	PGresult *r;

	*share = NULL;
	r = db_query_result(db,
	                    "DELETE FROM @pad_shares s USING @users u "
	                    "WHERE s.pad_id = $1::uuid AND s.user_id = u.id "
	                    "  AND lower(u.username) = lower($2) "
	                    "RETURNING " SHARE_COLS,
	                    2, p, err);
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0)
		*share = share_row(r, 0);
	PQclear(r);
	return 0;
}

/* ctx: json_t **; every row. */
static int
decode_shares(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **shares = *(json_t ***)ctx;

	(void)err;
	*shares = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*shares, share_row(r, i));
	return 0;
}

int
repo_share_list(struct db_conn *db, const char *pad_id, json_t **shares,
                struct pl_error *err)
{
	const char *p[] = {pad_id};

	*shares = NULL;
	return db_query(db,
	                "SELECT " SHARE_COLS " "
	                "FROM @pad_shares s JOIN @users u ON u.id = s.user_id "
	                "WHERE s.pad_id = $1::uuid "
	                "ORDER BY s.created_at, lower(u.username)",
	                1, p, decode_shares, &shares, sizeof shares, err);
}

int
repo_share_role(struct db_conn *db, const char *pad_id, const char *user_id,
                char role[16], struct pl_error *err)
{
	const char *p[] = {pad_id, user_id};
	PGresult *r;

	role[0] = '\0';
	r = db_query_result(db,
	                    "SELECT role "
	                    "FROM @pad_shares "
	                    "WHERE pad_id = $1::uuid AND user_id = $2::uuid",
	                    2, p, err);
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0)
		snprintf(role, 16, "%s", db_get(r, 0, "role"));
	PQclear(r);
	return 0;
}
