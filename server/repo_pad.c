/*
 * pads statements. Times are set with clock_timestamp(), not now(): updates
 * of one pad are serialised by its row lock, and the clock at that point
 * keeps updated_at increasing in lock order. size is computed here from the
 * stored jsonb text, the one place that knows it.
 */
#include "repo_pad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "xalloc.h"

/* Times as RFC 3339 text, named as the JSON members. */
#define PAD_CREATED_AT REPO_TIME_SQL("created_at") " AS created_at"
#define PAD_UPDATED_AT REPO_TIME_SQL("updated_at") " AS updated_at"
#define P_CREATED_AT REPO_TIME_SQL("p.created_at") " AS created_at"
#define P_UPDATED_AT REPO_TIME_SQL("p.updated_at") " AS updated_at"

/* The columns of a whole pad read by its owner (pad_row's input). */
/* clang-format off */
#define PAD_HEAD_COLS                                                          \
	"id, display_name, version, size, "                                    \
	PAD_CREATED_AT ", " PAD_UPDATED_AT ", 'owner' AS access"
#define PAD_COLS PAD_HEAD_COLS ", data::text AS data"
/* clang-format on */

/* A pad row: the columns above, plus owner_id and owner_username when the
 * caller only views it. Without a data column it is a list summary. */
static json_t *
pad_row(const PGresult *r, int row)
{
	json_t *pad = json_pack(
	    "{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "id", db_get(r, row, "id"),
	    "display_name", db_get(r, row, "display_name"), "version",
	    (json_int_t)db_get_ll(r, row, "version"), "size",
	    (json_int_t)db_get_ll(r, row, "size"), "created_at",
	    db_get(r, row, "created_at"), "updated_at",
	    db_get(r, row, "updated_at"), "access", db_get(r, row, "access"));

	/* Unreadable data (logged by db_get_json) is no pad at all: the
	 * caller answers 500, never a pad without its data. */
	if (PQfnumber(r, "data") >= 0 &&
	    json_object_set_new(pad, "data", db_get_json(r, row, "data"))) {
		json_decref(pad);
		return NULL;
	}
	if (strcmp(db_get(r, row, "access"), "viewer") == 0)
		json_object_set_new(
		    pad, "owner",
		    json_pack("{s:s, s:s}", "id", db_get(r, row, "owner_id"),
		              "username", db_get(r, row, "owner_username")));
	return pad;
}

/* ctx: json_t **; the first pad row, if any. */
static int
decode_pad(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **pad = *(json_t ***)ctx;

	/* NULL: the data could not be read (logged by db_get_json). */
	if (PQntuples(r) > 0 && (*pad = pad_row(r, 0)) == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	return 0;
}

/* Runs (or queues) a statement returning at most one pad row into *pad. */
static int
pad_one(struct db_conn *db, const char *sql, int n, const char *const *params,
        json_t **pad, struct pl_error *err)
{
	*pad = NULL;
	return db_query(db, sql, n, params, decode_pad, &pad, sizeof pad, err);
}

/* ctx: json_t **; {id, display_name, version, updated_at} of the first
 * row, or {id, display_name} when the row has no version. */
static int
decode_head(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **head = *(json_t ***)ctx;

	(void)err;
	if (PQntuples(r) == 0)
		return 0;
	*head = json_pack("{s:s, s:s}", "id", db_get(r, 0, "id"),
	                  "display_name", db_get(r, 0, "display_name"));
	if (PQfnumber(r, "version") >= 0)
		json_object_set_new(*head, "version",
		                    json_integer(db_get_ll(r, 0, "version")));
	if (PQfnumber(r, "updated_at") >= 0)
		json_object_set_new(*head, "updated_at",
		                    json_string(db_get(r, 0, "updated_at")));
	return 0;
}

static const char pad_insert_sql[] =
    "INSERT INTO @pads (id, owner_id, display_name, data, "
    "                  size, created_at, updated_at) "
    "SELECT $4::uuid, $1::uuid, $2, n.d, "
    "       octet_length(n.d::text), "
    "       clock_timestamp(), clock_timestamp() "
    "FROM (SELECT $3::jsonb AS d) n "
    "RETURNING " PAD_HEAD_COLS;

int
repo_pad_create(struct db_conn *db, const char *id, const char *owner_id,
                const char *display_name, const char *data, json_t **pad,
                struct pl_error *err)
{
	const char *p[] = {owner_id, display_name, data, id};

	return pad_one(db, pad_insert_sql, 4, p, pad, err);
}

/* Where decode_made puts the row (db_query keeps a copy of it). */
struct pad_made {
	long long *version, *size;
	char *created_at, *updated_at;
};

/* Copies a time into a REPO_TIME_BYTES buffer; one that does not fit is
 * no time this statement prints. */
static int
made_time(const PGresult *r, const char *col, char *out, struct pl_error *err)
{
	const char *v = db_get(r, 0, col);
	size_t n = strlen(v);

	if (n >= REPO_TIME_BYTES)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	memcpy(out, v, n + 1);
	return 0;
}

/* ctx: struct pad_made; the inserted row. */
static int
decode_made(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct pad_made *m = ctx;

	if (PQntuples(r) != 1)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	*m->version = db_get_ll(r, 0, "version");
	*m->size = db_get_ll(r, 0, "size");
	if (made_time(r, "created_at", m->created_at, err) ||
	    made_time(r, "updated_at", m->updated_at, err))
		return err->code;
	return 0;
}

int
repo_pad_create_made(struct db_conn *db, const char *id, const char *owner_id,
                     const char *display_name, const char *data,
                     long long *version, long long *size, char *created_at,
                     char *updated_at, struct pl_error *err)
{
	const char *p[] = {owner_id, display_name, data, id};
	struct pad_made m = {version, size, created_at, updated_at};

	return db_query(db, pad_insert_sql, 4, p, decode_made, &m, sizeof m,
	                err);
}

int
repo_pad_get(struct db_conn *db, const char *id, const char *user_id,
             json_t **pad, struct pl_error *err)
{
	const char *p[] = {id, user_id};

	return pad_one(
	    db,
	    "SELECT p.id, p.display_name, p.data::text AS data, p.version, "
	    "       p.size, " P_CREATED_AT ", " P_UPDATED_AT ", "
	    "       CASE WHEN p.owner_id = $2::uuid THEN 'owner' "
	    "            ELSE 'viewer' END AS access, "
	    "       u.id AS owner_id, u.username AS owner_username "
	    "FROM @pads p JOIN @users u ON u.id = p.owner_id "
	    "WHERE p.id = $1::uuid AND p.deleted_at IS NULL "
	    "  AND (p.owner_id = $2::uuid "
	    "       OR EXISTS (SELECT 1 FROM @pad_shares s "
	    "                  WHERE s.pad_id = p.id AND s.user_id = $2::uuid))",
	    2, p, pad, err);
}

int
repo_pad_get_by_name(struct db_conn *db, const char *owner_id,
                     const char *display_name, json_t **pad,
                     struct pl_error *err)
{
	const char *p[] = {owner_id, display_name};

	return pad_one(db,
	               "SELECT " PAD_COLS " "
	               "FROM @pads "
	               "WHERE owner_id = $1::uuid AND display_name = $2 "
	               "  AND deleted_at IS NULL",
	               2, p, pad, err);
}

int
repo_pad_head(struct db_conn *db, const char *id, const char *owner_id,
              int lock, json_t **head, struct pl_error *err)
{
	const char *p[] = {id, owner_id};

	*head = NULL;
	return db_query(
	    db,
	    lock ? "SELECT id, display_name, version, " PAD_UPDATED_AT " "
	           "FROM @pads "
	           "WHERE id = $1::uuid AND owner_id = $2::uuid "
	           "  AND deleted_at IS NULL "
	           "FOR UPDATE"
	         : "SELECT id, display_name, version, " PAD_UPDATED_AT " "
	           "FROM @pads "
	           "WHERE id = $1::uuid AND owner_id = $2::uuid "
	           "  AND deleted_at IS NULL",
	    2, p, decode_head, &head, sizeof head, err);
}

/*
 * pad.list, one statement per sort and direction, with and without a
 * search, from one template: the caller's own pads and the pads shared
 * with them, each side read in its index order (or backwards) from the
 * keyset position up to the limit, then merged. $1 user, $2/$3 sort key
 * and id of the last row seen, $4 rows, $5 ILIKE pattern. KEY is the sort
 * expression (KEYT its type, KEYOUT its text for the cursor: NULL for
 * times, which are the created_at or updated_at column already), DIR the
 * direction, AFTER the keyset condition: PAD_LIST_AFTER with CMP < or >,
 * but on the first page of names Z to A, which no key starts before,
 * PAD_LIST_TYPED ($2/$3 only typed: a one-time filter).
 */
/* clang-format off */
#define PAD_LIST_AFTER(KEY, KEYT, CMP)                                         \
	"(" KEY ", p.id) " CMP " ($2::" KEYT ", $3::uuid)"
#define PAD_LIST_TYPED(KEYT) "($2::" KEYT ", $3::uuid) IS NOT NULL"
#define PAD_LIST_SIDE(FROM, WHO, OWNER, KEY, AFTER, DIR, SEARCH)               \
	"(SELECT p.id, p.display_name, p.version, p.size, p.created_at, "      \
	"        p.updated_at, " OWNER ", " KEY " AS k "                       \
	" FROM " FROM " "                                                      \
	" WHERE " WHO " = $1::uuid AND p.deleted_at IS NULL "                  \
	"   AND " AFTER " " SEARCH " "                                          \
	" ORDER BY " KEY " " DIR ", p.id " DIR " "                             \
	" LIMIT $4::int) "
#define PAD_LIST_SQL(KEY, KEYOUT, AFTER, DIR, SEARCH)                          \
	"SELECT id, display_name, version, size, " PAD_CREATED_AT ", "         \
	"       " PAD_UPDATED_AT ", access, owner_id, owner_username, "        \
	"       " KEYOUT " AS k "                                              \
	"FROM (" PAD_LIST_SIDE("@pads p", "p.owner_id",                         \
	                       "'owner' AS access, NULL::uuid AS owner_id, "   \
	                       "NULL::text AS owner_username",                 \
	                       KEY, AFTER, DIR, SEARCH)                        \
	"      UNION ALL "                                                     \
	"      " PAD_LIST_SIDE("@pad_shares s JOIN @pads p ON p.id = s.pad_id "  \
	                       "JOIN @users u ON u.id = p.owner_id",            \
	                       "s.user_id", "'viewer', u.id, u.username",      \
	                       KEY, AFTER, DIR, SEARCH) ") x "                 \
	"ORDER BY x.k " DIR ", x.id " DIR " "                                  \
	"LIMIT $4::int"
#define PAD_LIST_SEARCH "AND p.display_name ILIKE $5"

/* Both searches (without, with) of one sort in one direction. */
#define PAD_LIST_BOTH(KEY, KEYOUT, AFTER, DIR)                                 \
	{PAD_LIST_SQL(KEY, KEYOUT, AFTER, DIR, ""),                            \
	 PAD_LIST_SQL(KEY, KEYOUT, AFTER, DIR, PAD_LIST_SEARCH)}
#define PAD_CREATED_KEY "p.created_at"
#define PAD_UPDATED_KEY "p.updated_at"
#define PAD_NAME_KEY "lower(p.display_name)"

/* [sort][reverse][search]: each sort in its own direction, then the
 * other way (pad.list's order). */
static const char *const pad_list_sql[3][2][2] = {
	[REPO_PAD_CREATED] = {
		PAD_LIST_BOTH(PAD_CREATED_KEY, "NULL",
		              PAD_LIST_AFTER(PAD_CREATED_KEY, "timestamptz", ">"),
		              "ASC"),
		PAD_LIST_BOTH(PAD_CREATED_KEY, "NULL",
		              PAD_LIST_AFTER(PAD_CREATED_KEY, "timestamptz", "<"),
		              "DESC")},
	[REPO_PAD_UPDATED] = {
		PAD_LIST_BOTH(PAD_UPDATED_KEY, "NULL",
		              PAD_LIST_AFTER(PAD_UPDATED_KEY, "timestamptz", "<"),
		              "DESC"),
		PAD_LIST_BOTH(PAD_UPDATED_KEY, "NULL",
		              PAD_LIST_AFTER(PAD_UPDATED_KEY, "timestamptz", ">"),
		              "ASC")},
	[REPO_PAD_NAME] = {
		PAD_LIST_BOTH(PAD_NAME_KEY, "k",
		              PAD_LIST_AFTER(PAD_NAME_KEY, "text", ">"), "ASC"),
		PAD_LIST_BOTH(PAD_NAME_KEY, "k",
		              PAD_LIST_AFTER(PAD_NAME_KEY, "text", "<"), "DESC")},
};
/* Names Z to A from the start: no text sorts after every name. */
static const char *const pad_list_names_desc_first[2] =
	PAD_LIST_BOTH(PAD_NAME_KEY, "k", PAD_LIST_TYPED("text"), "DESC");
/* clang-format on */

/* The column holding each sort's key as text. */
static const char *const pad_list_key[3] = {
    [REPO_PAD_CREATED] = "created_at",
    [REPO_PAD_UPDATED] = "updated_at",
    [REPO_PAD_NAME] = "k",
};

/* Where a first page starts: before every row in the direction asked
 * ([sort][reverse]; names Z to A have their own first statement). */
#define PAD_ID_MIN "00000000-0000-0000-0000-000000000000"
#define PAD_ID_MAX "ffffffff-ffff-ffff-ffff-ffffffffffff"
static const char *const pad_list_start[3][2][2] = {
    [REPO_PAD_CREATED] = {{"-infinity", PAD_ID_MIN}, {"infinity", PAD_ID_MAX}},
    [REPO_PAD_UPDATED] = {{"infinity", PAD_ID_MAX}, {"-infinity", PAD_ID_MIN}},
    [REPO_PAD_NAME] = {{"", PAD_ID_MIN}, {"", PAD_ID_MIN}},
};

/* "%q%" with ILIKE's own wildcards and escape character escaped. */
static char *
pad_like_pattern(const char *q)
{
	char *pat = xmalloc(strlen(q) * 2 + 3), *o = pat;

	*o++ = '%';
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return pat;
}

/* Where decode_list puts a page (db_query keeps a copy of it). */
struct pad_listed {
	json_t **pads, **keys;
	const char *key; /* the sort key's column */
};

/* ctx: struct pad_listed; every row, and its sort key. */
static int
decode_list(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct pad_listed *l = ctx;

	(void)err;
	*l->pads = json_array();
	*l->keys = json_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_array_append_new(*l->pads, pad_row(r, i));
		json_array_append_new(*l->keys,
		                      json_string(db_get(r, i, l->key)));
	}
	return 0;
}

int
repo_pad_list(struct db_conn *db, const char *user_id,
              const struct repo_pad_page *pg, json_t **pads, json_t **keys,
              struct pl_error *err)
{
	char limit[16], *pattern = pg->q ? pad_like_pattern(pg->q) : NULL;
	int rev = pg->reverse != 0, rc;
	const char *const *start = pad_list_start[pg->sort][rev];
	const char *p[] = {user_id, pg->after_key ? pg->after_key : start[0],
	                   pg->after_key ? pg->after_id : start[1], limit,
	                   pattern};
	const char *sql = pad_list_sql[pg->sort][rev][pattern != NULL];
	struct pad_listed l = {pads, keys, pad_list_key[pg->sort]};

	*pads = *keys = NULL;
	if (pg->sort == REPO_PAD_NAME && rev && !pg->after_key)
		sql = pad_list_names_desc_first[pattern != NULL];
	snprintf(limit, sizeof limit, "%d", pg->limit);
	rc = db_query(db, sql, pattern ? 5 : 4, p, decode_list, &l, sizeof l,
	              err);
	free(pattern);
	return rc;
}

int
repo_pad_update(struct db_conn *db, const char *id, const char *owner_id,
                const char *display_name, const char *data, json_t **pad,
                struct pl_error *err)
{
	const char *p[] = {id, owner_id, display_name, data};

	return pad_one(db,
	               "UPDATE @pads "
	               "SET display_name = COALESCE($3, display_name), "
	               "    data = COALESCE(n.d, data), "
	               "    size = COALESCE(octet_length(n.d::text), size), "
	               "    version = version + 1, "
	               "    updated_at = clock_timestamp() "
	               "FROM (SELECT $4::jsonb AS d) n "
	               "WHERE id = $1::uuid AND owner_id = $2::uuid "
	               "  AND deleted_at IS NULL "
	               "RETURNING " PAD_COLS,
	               4, p, pad, err);
}

int
repo_pad_trash(struct db_conn *db, const char *id, const char *owner_id,
               json_t **pad, struct pl_error *err)
{
	const char *p[] = {id, owner_id};

	*pad = NULL;
	return db_query(db,
	                "UPDATE @pads SET deleted_at = clock_timestamp() "
	                "WHERE id = $1::uuid AND owner_id = $2::uuid "
	                "  AND deleted_at IS NULL "
	                "RETURNING id, display_name",
	                2, p, decode_head, &pad, sizeof pad, err);
}

int
repo_pad_undelete(struct db_conn *db, const char *id, const char *owner_id,
                  const char *display_name, json_t **pad, struct pl_error *err)
{
	const char *p[] = {id, owner_id, display_name};

	return pad_one(db,
	               "UPDATE @pads "
	               "SET deleted_at = NULL, "
	               "    display_name = COALESCE($3, display_name) "
	               "WHERE id = $1::uuid AND owner_id = $2::uuid "
	               "  AND deleted_at IS NOT NULL "
	               "RETURNING " PAD_COLS,
	               3, p, pad, err);
}

int
repo_pad_purge(struct db_conn *db, const char *id, const char *owner_id,
               json_t **pad, struct pl_error *err)
{
	const char *p[] = {id, owner_id};

	*pad = NULL;
	return db_query(db,
	                "DELETE FROM @pads "
	                "WHERE id = $1::uuid AND owner_id = $2::uuid "
	                "  AND deleted_at IS NOT NULL "
	                "RETURNING id, display_name",
	                2, p, decode_head, &pad, sizeof pad, err);
}
