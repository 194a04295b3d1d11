/*
 * pads statements. Times are set with clock_timestamp(), not now(): updates
 * of one pad are serialised by its row lock, and the clock at that point
 * keeps updated_at increasing in lock order.
 */
#include "repo_pad.h"

#include <string.h>

#include "db.h"

#define PAD_COLS                                                               \
	"id, display_name, data::text AS data, " REPO_TIME_SQL(                \
	    "created_at") " AS created_at, " REPO_TIME_SQL("updated_at") " AS" \
	                                                                 " "   \
	                                                                 "upd" \
	                                                                 "ate" \
	                                                                 "d_"  \
	                                                                 "at"

static json_t *
pad_row(const PGresult *r, int row)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s}", "id",
	                 db_get(r, row, "id"), "display_name",
	                 db_get(r, row, "display_name"), "data",
	                 db_get_json(r, row, "data"), "created_at",
	                 db_get(r, row, "created_at"), "updated_at",
	                 db_get(r, row, "updated_at"));
}

/* Runs a statement returning at most one pad row into *pad. */
static int
pad_one(PGconn *db, const char *sql, int n, const char *const *params,
        json_t **pad, struct pl_error *err)
{
	PGresult *r = db_exec(db, sql, n, params, err);

	*pad = NULL;
	if (r == NULL)
		return err->code;
	/* NULL: the data could not be read (logged by db_get_json). */
	if (PQntuples(r) > 0 && (*pad = pad_row(r, 0)) == NULL) {
		PQclear(r);
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	}
	PQclear(r);
	return 0;
}

int
repo_pad_create(PGconn *db, const char *owner_id, const char *display_name,
                const char *data, json_t **pad, struct pl_error *err)
{
	const char *p[] = {owner_id, display_name, data};

	return pad_one(
	    db,
	    "INSERT INTO pads (owner_id, display_name, data, "
	    "created_at, updated_at) VALUES ($1::uuid, $2, $3::jsonb, "
	    "clock_timestamp(), clock_timestamp()) RETURNING " PAD_COLS,
	    3, p, pad, err);
}

int
repo_pad_get(PGconn *db, const char *id, const char *owner_id, json_t **pad,
             struct pl_error *err)
{
	const char *p[] = {id, owner_id};

	return pad_one(db,
	               "SELECT " PAD_COLS " FROM pads WHERE id = $1::uuid "
	               "AND owner_id = $2::uuid",
	               2, p, pad, err);
}

int
repo_pad_get_by_name(PGconn *db, const char *owner_id, const char *display_name,
                     json_t **pad, struct pl_error *err)
{
	const char *p[] = {owner_id, display_name};

	return pad_one(db,
	               "SELECT " PAD_COLS
	               " FROM pads WHERE owner_id = $1::uuid "
	               "AND display_name = $2",
	               2, p, pad, err);
}

int
repo_pad_exists(PGconn *db, const char *id, const char *owner_id, int lock,
                int *found, struct pl_error *err)
{
	const char *p[] = {id, owner_id};
	PGresult *r;

	r = db_exec(db,
	            lock ? "SELECT 1 FROM pads WHERE id = $1::uuid AND "
	                   "owner_id = $2::uuid FOR UPDATE"
	                 : "SELECT 1 FROM pads WHERE id = $1::uuid AND "
	                   "owner_id = $2::uuid",
	            2, p, err);
	if (r == NULL)
		return err->code;
	*found = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

int
repo_pad_list(PGconn *db, const char *owner_id, json_t **pads,
              struct pl_error *err)
{
	const char *p[] = {owner_id};
	PGresult *r;

	r = db_exec(
	    db,
	    "SELECT id, display_name, " REPO_TIME_SQL(
	        "created_at") " AS created_at, " REPO_TIME_SQL("updated_at") " "
	                                                                     "A"
	                                                                     "S"
	                                                                     " "
	                                                                     "u"
	                                                                     "p"
	                                                                     "d"
	                                                                     "a"
	                                                                     "t"
	                                                                     "e"
	                                                                     "d"
	                                                                     "_"
	                                                                     "a"
	                                                                     "t"
	                                                                     ","
	                                                                     " "
	                                                                     "o"
	                                                                     "c"
	                                                                     "t"
	                                                                     "e"
	                                                                     "t"
	                                                                     "_"
	                                                                     "l"
	                                                                     "e"
	                                                                     "n"
	                                                                     "g"
	                                                                     "t"
	                                                                     "h"
	                                                                     "("
	                                                                     "d"
	                                                                     "a"
	                                                                     "t"
	                                                                     "a"
	                                                                     ":"
	                                                                     ":"
	                                                                     "t"
	                                                                     "e"
	                                                                     "x"
	                                                                     "t"
	                                                                     ")"
	                                                                     " "
	                                                                     "A"
	                                                                     "S"
	                                                                     " "
	                                                                     "s"
	                                                                     "i"
	                                                                     "z"
	                                                                     "e"
	                                                                     " "
	                                                                     "F"
	                                                                     "R"
	                                                                     "O"
	                                                                     "M"
	                                                                     " "
	                                                                     "p"
	                                                                     "a"
	                                                                     "d"
	                                                                     "s"
	                                                                     " "
	                                                                     "W"
	                                                                     "H"
	                                                                     "E"
	                                                                     "R"
	                                                                     "E"
	                                                                     " "
	                                                                     "o"
	                                                                     "w"
	                                                                     "n"
	                                                                     "e"
	                                                                     "r"
	                                                                     "_"
	                                                                     "i"
	                                                                     "d"
	                                                                     " "
	                                                                     "="
	                                                                     " "
	                                                                     "$"
	                                                                     "1"
	                                                                     ":"
	                                                                     ":"
	                                                                     "u"
	                                                                     "u"
	                                                                     "i"
	                                                                     "d"
	                                                                     " "
	                                                                     "O"
	                                                                     "R"
	                                                                     "D"
	                                                                     "E"
	                                                                     "R"
	                                                                     " "
	                                                                     "B"
	                                                                     "Y"
	                                                                     " "
	                                                                     "c"
	                                                                     "r"
	                                                                     "e"
	                                                                     "a"
	                                                                     "t"
	                                                                     "e"
	                                                                     "d"
	                                                                     "_"
	                                                                     "a"
	                                                                     "t"
	                                                                     ","
	                                                                     " "
	                                                                     "i"
	                                                                     "d",
	    1, p, err);
	if (r == NULL)
		return err->code;
	*pads = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(
		    *pads, json_pack("{s:s, s:s, s:s, s:s, s:I}", "id",
		                     db_get(r, i, "id"), "display_name",
		                     db_get(r, i, "display_name"), "created_at",
		                     db_get(r, i, "created_at"), "updated_at",
		                     db_get(r, i, "updated_at"), "size",
		                     (json_int_t)db_get_ll(r, i, "size")));
	PQclear(r);
	return 0;
}

int
repo_pad_update(PGconn *db, const char *id, const char *owner_id,
                const char *display_name, const char *data, json_t **pad,
                struct pl_error *err)
{
	const char *p[] = {id, owner_id, display_name, data};

	return pad_one(db,
	               "UPDATE pads SET display_name = COALESCE($3, "
	               "display_name), data = COALESCE($4::jsonb, data), "
	               "updated_at = clock_timestamp() WHERE id = $1::uuid AND "
	               "owner_id = $2::uuid RETURNING " PAD_COLS,
	               4, p, pad, err);
}

int
repo_pad_delete(PGconn *db, const char *id, const char *owner_id, json_t **pad,
                struct pl_error *err)
{
	const char *p[] = {id, owner_id};
	PGresult *r;

	r = db_exec(db,
	            "DELETE FROM pads WHERE id = $1::uuid AND owner_id = "
	            "$2::uuid RETURNING id, display_name",
	            2, p, err);
	*pad = NULL;
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0)
		*pad = json_pack("{s:s, s:s}", "id", db_get(r, 0, "id"),
		                 "display_name", db_get(r, 0, "display_name"));
	PQclear(r);
	return 0;
}
