/*
 * backups statements. created_at is clock_timestamp(): backups of one pad are
 * taken under its row lock, so the clock at insert orders them the way the
 * updates happened, which "newest first" and pruning rely on.
 */
#include "repo_backup.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "repo_pad.h"

#define BACKUP_CREATED_AT REPO_TIME_SQL("created_at") " AS created_at, version"

int
repo_backup_insert(struct db_conn *db, const char *pad_id, struct pl_error *err)
{
	const char *p[] = {pad_id};

	return db_query_run(
	    db,
	    "INSERT INTO @backups (source_id, data, version, created_at) "
	    "SELECT id, data, version, clock_timestamp() "
	    "FROM @pads "
	    "WHERE id = $1::uuid",
	    1, p, err);
}

/* Sets b's version when the backup has one (not before it was recorded, not
 * an imported one). */
static void
backup_version(json_t *b, const PGresult *r, int row)
{
	if (db_get(r, row, "version"))
		json_object_set_new(b, "version",
		                    json_integer(db_get_ll(r, row, "version")));
}

/* ctx: json_t **; every row, with data when the statement read it. */
static int
decode_backups(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **backups = *(json_t ***)ctx;
	int with_data = PQfnumber(r, "data") >= 0;

	*backups = json_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *b =
		    json_pack("{s:s, s:s, s:I}", "id", db_get(r, i, "id"),
		              "created_at", db_get(r, i, "created_at"), "size",
		              (json_int_t)db_get_ll(r, i, "size"));

		json_array_append_new(*backups, b);
		backup_version(b, r, i);
		/* NULL data: unreadable, logged by db_get_json. */
		if (with_data &&
		    json_object_set_new(b, "data", db_get_json(r, i, "data"))) {
			json_decref(*backups);
			*backups = NULL;
			return pl_error_set(err, PL_ERR_INTERNAL, "internal",
			                    "internal error");
		}
	}
	return 0;
}

int
repo_backup_list(struct db_conn *db, const char *pad_id, int with_data,
                 json_t **backups, struct pl_error *err)
{
	const char *p[] = {pad_id};

	*backups = NULL;
	return db_query(db,
	                with_data ? "SELECT id, " BACKUP_CREATED_AT ", "
	                            "       octet_length(data::text) AS size, "
	                            "       data::text AS data "
	                            "FROM @backups "
	                            "WHERE source_id = $1::uuid "
	                            "ORDER BY created_at DESC, id DESC"
	                          : "SELECT id, " BACKUP_CREATED_AT ", "
	                            "       octet_length(data::text) AS size "
	                            "FROM @backups "
	                            "WHERE source_id = $1::uuid "
	                            "ORDER BY created_at DESC, id DESC",
	                1, p, decode_backups, &backups, sizeof backups, err);
}

int
repo_backup_prune(struct db_conn *db, const char *pad_id, int keep,
                  struct pl_error *err)
{
	char k[16];
	const char *p[] = {pad_id, k};

	snprintf(k, sizeof k, "%d", keep);
	return db_query_run(db,
	                    "DELETE FROM @backups "
	                    "WHERE id IN (SELECT id "
	                    "             FROM @backups "
	                    "             WHERE source_id = $1::uuid "
	                    "             ORDER BY created_at DESC, id DESC "
	                    "             OFFSET $2::int)",
	                    2, p, err);
}

/* ctx: json_t **; the backup row, if any. */
static int
decode_backup(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **backup = *(json_t ***)ctx;

	if (PQntuples(r) > 0 &&
	    (*backup =
	         json_pack("{s:s, s:s, s:I, s:o}", "id", db_get(r, 0, "id"),
	                   "created_at", db_get(r, 0, "created_at"), "size",
	                   (json_int_t)db_get_ll(r, 0, "size"), "data",
	                   db_get_json(r, 0, "data"))) == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	if (*backup)
		backup_version(*backup, r, 0);
	return 0;
}

int
repo_backup_get(struct db_conn *db, const char *id, const char *pad_id,
                json_t **backup, struct pl_error *err)
{
	const char *p[] = {id, pad_id};

	*backup = NULL;
	return db_query(
	    db,
	    "SELECT id, " BACKUP_CREATED_AT ", "
	    "       octet_length(data::text) AS size, data::text AS data "
	    "FROM @backups "
	    "WHERE id = $1::uuid AND source_id = $2::uuid",
	    2, p, decode_backup, &backup, sizeof backup, err);
}

/* ctx: double *; -1 when there is no backup. */
static int
decode_age(const PGresult *r, void *ctx, struct pl_error *err)
{
	const char *v = db_get(r, 0, "age");

	(void)err;
	**(double **)ctx = v ? strtod(v, NULL) : -1;
	return 0;
}

int
repo_backup_newest_age(struct db_conn *db, const char *pad_id, double *age,
                       struct pl_error *err)
{
	const char *p[] = {pad_id};

	*age = -1;
	return db_query(
	    db,
	    "SELECT extract(epoch FROM clock_timestamp() - max(created_at)) "
	    "       AS age "
	    "FROM @backups "
	    "WHERE source_id = $1::uuid",
	    1, p, decode_age, &age, sizeof age, err);
}

int
repo_backup_add(struct db_conn *db, const char *pad_id, const char *data,
                struct pl_error *err)
{
	const char *p[] = {pad_id, data};

	return db_query_run(
	    db,
	    "INSERT INTO @backups (source_id, data, created_at) "
	    "VALUES ($1::uuid, $2::jsonb, clock_timestamp())",
	    2, p, err);
}
