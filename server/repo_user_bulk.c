/*
 * Repository for bulk actions on accounts and the purge of rejected ones
 * (see repo_user_bulk.h).
 */
#include "repo_user_bulk.h"

#include <stdio.h>

#include "repo_user.h"

int
repo_user_bulk_scan(struct db_conn *db, const char *after, int limit,
                    json_t **rows, struct pl_error *err)
{
	char l[16];
	/* From the nil uuid (never an account's) rather than an OR, so each
	 * page is an index range scan. */
	const char *p[] = {
	    after ? after : "00000000-0000-0000-0000-000000000000", l};

	snprintf(l, sizeof l, "%d", limit);
	return db_query_json_all(db,
	                         "SELECT " REPO_USER_ROW_JSON
	                         " AS j FROM @users u " REPO_USER_ATTEMPT
	                         "WHERE u.id > $1::uuid ORDER BY u.id LIMIT "
	                         "$2::int",
	                         2, p, rows, err);
}

int
repo_user_bulk_pending(struct db_conn *db, int limit, json_t **rows,
                       struct pl_error *err)
{
	char l[16];
	const char *p[] = {l};

	snprintf(l, sizeof l, "%d", limit);
	return db_query_json_all(db,
	                         "SELECT " REPO_USER_ROW_JSON
	                         " AS j FROM @users u " REPO_USER_ATTEMPT
	                         "WHERE u.status = 'pending' ORDER BY "
	                         "u.created_at DESC, u.id DESC LIMIT $1::int",
	                         1, p, rows, err);
}

int
repo_user_bulk_lock(struct db_conn *db, const char *ids, json_t **rows,
                    struct pl_error *err)
{
	const char *p[] = {ids};

	return db_query_json_all(db,
	                         "SELECT " REPO_USER_ROW_JSON
	                         " AS j FROM @users u " REPO_USER_ATTEMPT
	                         "WHERE u.id = ANY($1::uuid[]) ORDER BY u.id "
	                         "FOR UPDATE OF u",
	                         1, p, rows, err);
}

static int
decode_id(const PGresult *r, void *ctx, struct pl_error *err)
{
	long long *id = *(long long **)ctx;

	(void)err;
	if (PQntuples(r) == 1)
		*id = db_get_ll(r, 0, "id");
	return 0;
}

int
repo_user_bulk_batch_insert(struct db_conn *db, const char *actor_id,
                            const char *action, const char *filter,
                            long long count, long long *id,
                            struct pl_error *err)
{
	char n[24];
	const char *p[] = {actor_id, action, filter, n};

	snprintf(n, sizeof n, "%lld", count);
	*id = 0;
	return db_query(db,
	                "INSERT INTO @user_bulk_batches (actor_id, action, "
	                "filter, count) VALUES ($1::uuid, $2, $3, $4::int) "
	                "RETURNING id",
	                4, p, decode_id, &id, sizeof id, err);
}

int
repo_user_bulk_apply(struct db_conn *db, long long batch, const char *ids,
                     const char *action, json_t **users, struct pl_error *err)
{
	char b[24];
	const char *p[] = {b, ids, action};

	snprintf(b, sizeof b, "%lld", batch);
	/* The rows are locked already (repo_user_bulk_lock): t is what
	 * they hold now. */
	return db_query_json(
	    db,
	    "WITH t AS (SELECT u.id, u.status, u.disabled, u.rejected_at FROM "
	    "@users u WHERE u.id = ANY($2::uuid[])), "
	    "c AS (UPDATE @users u SET "
	    "disabled = CASE $3 WHEN 'disable' THEN true WHEN 'enable' THEN "
	    "false WHEN 'reject' THEN true ELSE u.disabled END, "
	    "status = CASE $3 WHEN 'approve' THEN 'active' WHEN 'reject' THEN "
	    "'rejected' ELSE u.status END, "
	    "rejected_at = CASE $3 WHEN 'reject' THEN now() WHEN 'approve' "
	    "THEN NULL ELSE u.rejected_at END, updated_at = now() "
	    "FROM t WHERE u.id = t.id RETURNING u.*, t.status AS p_status, "
	    "t.disabled AS p_disabled, t.rejected_at AS p_rejected_at), "
	    "k AS (INSERT INTO @user_bulk_accounts (batch_id, user_id, "
	    "prior_status, prior_disabled, prior_rejected_at) SELECT "
	    "$1::bigint, id, p_status, p_disabled, p_rejected_at FROM c) "
	    "SELECT coalesce(json_agg(" REPO_USER_JSON
	    " ORDER BY u.username), '[]') AS j FROM c u",
	    3, p, users, err);
}

int
repo_user_bulk_end_sessions(struct db_conn *db, const char *ids,
                            struct pl_error *err)
{
	const char *p[] = {ids};

	return db_query_run(
	    db, "DELETE FROM @sessions WHERE user_id = ANY($1::uuid[])", 1, p,
	    err);
}

int
repo_user_bulk_batch_lock(struct db_conn *db, long long id, json_t **batch,
                          struct pl_error *err)
{
	char b[24];
	const char *p[] = {b};

	snprintf(b, sizeof b, "%lld", id);
	return db_query_json(
	    db,
	    "SELECT json_build_object('id', b.id, 'action', b.action, "
	    "'filter', b.filter, 'count', b.count, 'undone', b.undone_at IS "
	    "NOT NULL) AS j FROM @user_bulk_batches b WHERE b.id = $1::bigint "
	    "FOR UPDATE",
	    1, p, batch, err);
}

int
repo_user_bulk_restore(struct db_conn *db, long long batch,
                       const char *actor_id, json_t **users,
                       struct pl_error *err)
{
	char b[24];
	const char *p[] = {b, actor_id};

	snprintf(b, sizeof b, "%lld", batch);
	return db_query_json(
	    db,
	    "WITH m AS (UPDATE @user_bulk_batches SET undone_at = now(), "
	    "undone_by = $2::uuid WHERE id = $1::bigint), "
	    "c AS (UPDATE @users u SET status = k.prior_status, disabled = "
	    "k.prior_disabled, rejected_at = k.prior_rejected_at, updated_at = "
	    "now() FROM @user_bulk_accounts k WHERE k.batch_id = $1::bigint "
	    "AND u.id = k.user_id RETURNING u.*) "
	    "SELECT coalesce(json_agg(" REPO_USER_JSON
	    " ORDER BY u.username), '[]') AS j FROM c u",
	    2, p, users, err);
}

int
repo_user_bulk_purge_rejected(struct db_conn *db, int days, int limit,
                              json_t **users, struct pl_error *err)
{
	char d[16], l[16];
	const char *p[] = {d, l};

	snprintf(d, sizeof d, "%d", days);
	snprintf(l, sizeof l, "%d", limit);
	/* The lock is the transaction's: one instance purges at a time. */
	return db_query_json_all(
	    db,
	    "WITH l AS (SELECT pg_try_advisory_xact_lock("
	    "hashtext('padline.users.reject_purge')) AS got), "
	    "d AS (DELETE FROM @users u WHERE (SELECT got FROM l) AND u.id IN "
	    "(SELECT x.id FROM @users x WHERE x.status = 'rejected' AND "
	    "x.rejected_at <= now() - $1::int * interval '1 day' ORDER BY "
	    "x.rejected_at LIMIT $2::int) RETURNING u.*) "
	    "SELECT " REPO_USER_JSON " AS j FROM d u",
	    2, p, users, err);
}
