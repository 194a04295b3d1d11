/*
 * Trash and import statements over many pads. deleted_at orders the trash
 * and decides expiry; both are answered by the partial indexes on trashed
 * rows only, so a large trash costs the live pad lists nothing.
 */
#include "repo_pad_trash.h"

#include <stdio.h>

#include "db.h"
#include "repo_pad.h"

int
repo_pad_trash_list(struct db_conn *db, const char *owner_id,
                    const char *after_key, const char *after_id, int limit,
                    int days, json_t **pads, struct pl_error *err)
{
	char lim[16], d[16];
	const char *p[] = {owner_id, after_key ? after_key : "infinity",
	                   after_key ? after_id
	                             : "ffffffff-ffff-ffff-ffff-ffffffffffff",
	                   lim, d};
	PGresult *r;

	*pads = NULL;
	snprintf(lim, sizeof lim, "%d", limit);
	snprintf(d, sizeof d, "%d", days);
	/* clang-format off */
	r = db_query_result(
	    db,
	    "SELECT p.id, p.display_name, p.version, p.size, "
	    "       " REPO_TIME_SQL("p.created_at") " AS created_at, "
	    "       " REPO_TIME_SQL("p.updated_at") " AS updated_at, "
	    "       " REPO_TIME_SQL("p.deleted_at") " AS deleted_at, "
	    "       " REPO_TIME_SQL("(p.deleted_at + make_interval(days => $5::int))")
	    " AS purge_at, "
	    "       (SELECT count(*) FROM @backups b "
	    "        WHERE b.source_id = p.id) AS backups "
	    "FROM @pads p "
	    "WHERE p.owner_id = $1::uuid AND p.deleted_at IS NOT NULL "
	    "  AND (p.deleted_at, p.id) < ($2::timestamptz, $3::uuid) "
	    "ORDER BY p.deleted_at DESC, p.id DESC "
	    "LIMIT $4::int",
	    5, p, err);
	/* clang-format on */
	if (r == NULL)
		return err->code;
	*pads = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(
		    *pads,
		    json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I}",
		              "id", db_get(r, i, "id"), "display_name",
		              db_get(r, i, "display_name"), "version",
		              (json_int_t)db_get_ll(r, i, "version"), "size",
		              (json_int_t)db_get_ll(r, i, "size"), "created_at",
		              db_get(r, i, "created_at"), "updated_at",
		              db_get(r, i, "updated_at"), "deleted_at",
		              db_get(r, i, "deleted_at"), "purge_at",
		              db_get(r, i, "purge_at"), "backups",
		              (json_int_t)db_get_ll(r, i, "backups")));
	PQclear(r);
	return 0;
}

int
repo_pad_purge_lock(struct db_conn *db, const char *key, int *got,
                    struct pl_error *err)
{
	const char *p[] = {key};

	return db_query_hit(db,
	                    "SELECT 1 WHERE pg_try_advisory_xact_lock("
	                    "hashtext($1))",
	                    1, p, got, err);
}

int
repo_pad_purge_expired(struct db_conn *db, int days, int limit, json_t **pads,
                       struct pl_error *err)
{
	char d[16], lim[16];
	const char *p[] = {d, lim};

	snprintf(d, sizeof d, "%d", days);
	snprintf(lim, sizeof lim, "%d", limit);
	return db_query_json_all(
	    db,
	    "WITH x AS (SELECT id FROM @pads "
	    "           WHERE deleted_at IS NOT NULL "
	    "             AND deleted_at <= clock_timestamp() "
	    "                 - make_interval(days => $1::int) "
	    "           ORDER BY deleted_at LIMIT $2::int "
	    "           FOR UPDATE SKIP LOCKED) "
	    "DELETE FROM @pads p USING x WHERE p.id = x.id "
	    "RETURNING json_build_object('id', p.id, 'display_name', "
	    "p.display_name, 'owner_id', p.owner_id) AS j",
	    2, p, pads, err);
}

int
repo_pad_names(struct db_conn *db, const char *owner_id, json_t **names,
               struct pl_error *err)
{
	const char *p[] = {owner_id};
	PGresult *r;

	*names = NULL;
	r = db_query_result(db,
	                    "SELECT display_name FROM @pads "
	                    "WHERE owner_id = $1::uuid AND deleted_at IS NULL",
	                    1, p, err);
	if (r == NULL)
		return err->code;
	*names = json_object();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_set_new(*names, db_get(r, i, "display_name"),
		                    json_true());
	PQclear(r);
	return 0;
}
