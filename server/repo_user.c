/*
 * SQL for the users table. Each function runs exactly one statement; the
 * callers (svc_user.c, svc_session.c) own transactions and rules.
 */
#include "repo_user.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "repo_session.h"

/* ctx: int *; 1 when the statement returned a row. */
static int
decode_any_row(const PGresult *r, void *ctx, struct pl_error *err)
{
	(void)err;
	**(int **)ctx = PQntuples(r) > 0;
	return 0;
}

/* The first row's "j" and, when created is set, whether that row was
 * "created". */
struct user_out {
	json_t **user;
	int *created;
};

static int
decode_user(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct user_out *o = ctx;

	(void)err;
	if (PQntuples(r) == 0)
		return 0;
	*o->user = db_get_json(r, 0, "j");
	if (o->created)
		*o->created = db_get_bool(r, 0, "created");
	return 0;
}

int
repo_user_name_taken(struct db_conn *db, const char *username, int *taken,
                     struct pl_error *err)
{
	const char *p[1] = {username};

	*taken = 0;
	return db_query(db,
	                "SELECT 1 FROM @users WHERE lower(username) = "
	                "lower($1)",
	                1, p, decode_any_row, &taken, sizeof taken, err);
}

int
repo_user_insert(struct db_conn *db, const char *username, const char *email,
                 const char *hash, const char *roles, const char *status,
                 json_t **user, struct pl_error *err)
{
	const char *p[5] = {username, email, hash, roles ? roles : "[]",
	                    status ? status : "active"};
	struct user_out o = {user, NULL};

	*user = NULL;
	return db_query(db,
	                "INSERT INTO @users AS u (username, email, "
	                "password_hash, roles, status) VALUES ($1, $2, "
	                "$3, $4::jsonb, $5) RETURNING " REPO_USER_JSON " AS j",
	                5, p, decode_user, &o, sizeof o, err);
}

/* ctx: struct repo_user_auth *, filled from the first row (id,
 * password_hash, is_admin, j); out->user stays NULL when there is no
 * row. */
static int
decode_auth(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct repo_user_auth *out = *(struct repo_user_auth **)ctx;

	(void)err;
	if (PQntuples(r) > 0 && db_get(r, 0, "folded") != NULL)
		snprintf(out->folded, sizeof out->folded, "%s",
		         db_get(r, 0, "folded"));
	if (db_get(r, 0, "id") != NULL) {
		const char *h = db_get(r, 0, "password_hash");

		snprintf(out->id, sizeof out->id, "%s", db_get(r, 0, "id"));
		snprintf(out->hash, sizeof out->hash, "%s", h ? h : "");
		out->is_admin = db_get_bool(r, 0, "is_admin");
		out->user = db_get_json(r, 0, "j");
	}
	return PL_OK;
}

int
repo_user_auth_by_name(struct db_conn *db, const char *username,
                       struct repo_user_auth *out, struct pl_error *err)
{
	const char *p[1] = {username};
	/* One row either way: folded is the name as lower() folds it. */
	memset(out, 0, sizeof *out);
	return db_query(
	    db,
	    "SELECT lower($1) AS folded, u.id, "
	    "u.password_hash, u.roles ? 'admin' AS is_admin, " REPO_USER_JSON
	    " AS j "
	    "FROM (SELECT 1) AS one "
	    "LEFT JOIN @users u ON lower(u.username) = lower($1)",
	    1, p, decode_auth, &out, sizeof out, err);
}

int
repo_user_set_hash(struct db_conn *db, const char *id, const char *hash,
                   struct pl_error *err)
{
	const char *p[2] = {id, hash};

	return db_query_run(
	    db, "UPDATE @users SET password_hash = $2 WHERE id = $1::uuid", 2,
	    p, err);
}

int
repo_user_upsert(struct db_conn *db, const struct repo_user_sync *s,
                 json_t **user, int *created, struct pl_error *err)
{
	const char *p[8] = {
	    s->id,          s->username,
	    s->email,       s->email_verified ? "true" : "false",
	    s->name,        s->given_name,
	    s->family_name, s->roles ? s->roles : "[]"};
	struct user_out o = {user, created};

	*user = NULL;
	*created = 0;
	return db_query(
	    db,
	    "INSERT INTO @users AS u (id, username, email, email_verified, "
	    "name, given_name, family_name, roles) VALUES ($1::uuid, $2, $3, "
	    "$4::boolean, $5, $6, $7, $8::jsonb) ON CONFLICT (id) DO UPDATE "
	    "SET username = EXCLUDED.username, email = EXCLUDED.email, "
	    "email_verified = EXCLUDED.email_verified, name = EXCLUDED.name, "
	    "given_name = EXCLUDED.given_name, family_name = "
	    "EXCLUDED.family_name, roles = EXCLUDED.roles, updated_at = now() "
	    "RETURNING " REPO_USER_JSON " AS j, (u.xmax = 0) AS created",
	    8, p, decode_user, &o, sizeof o, err);
}

/* user.list's statements, one per order and kind of match: the key is an
 * expression over a table alias, the cursor row compares (key, id) the way
 * the order runs. Only these compile-time strings reach the database (a
 * whitelist). */
#define SORT_CREATED(t) t ".created_at"
#define SORT_USERNAME(t) "lower(" t ".username)"
#define SORT_EMAIL(t) "coalesce(lower(" t ".email), '')"
/* clang-format off */
/* Any part, case-insensitively: the trigram indexes (user-search-trgm). */
#define MATCH_PART \
	"        OR u.username ILIKE $1 ESCAPE '\\'\n" \
	"        OR u.email ILIKE $1 ESCAPE '\\')\n"
/* The start, case-insensitively: the text_pattern_ops indexes. */
#define MATCH_START \
	"        OR lower(u.username) LIKE lower($1)\n" \
	"        OR lower(u.email) LIKE lower($1))\n"
/* Every account, with its attempt: what a filter is matched against
 * (repo_user_list_rows; $1 is always NULL). */
#define MATCH_NONE ")\n"
#define USER_LIST_SQL(key, cmp, dir, match) \
	USER_PAGE_SQL(REPO_USER_JSON, "", key, cmp, dir, match)
#define USER_ROWS_SQL(key, cmp, dir) \
	USER_PAGE_SQL(REPO_USER_ROW_JSON, REPO_USER_ATTEMPT, key, cmp, dir, \
	              MATCH_NONE)
#define USER_PAGE_SQL(row, join, key, cmp, dir, match) \
	"SELECT " row " AS j\n" \
	"  FROM @users u " join "\n" \
	" WHERE ($1::text IS NULL\n" \
	match \
	"   AND ($2::uuid IS NULL\n" \
	"        OR (" key("u") ", u.id) " cmp " (SELECT " key("b") ", b.id\n" \
	"                                  FROM @users b\n" \
	"                                 WHERE b.id = $2::uuid))\n" \
	" ORDER BY " key("u") " " dir ", u.id " dir "\n" \
	" LIMIT $3::int"
#define USER_LIST_SQL_ALL(key, cmp, dir) \
	{USER_LIST_SQL(key, cmp, dir, MATCH_PART), \
	 USER_LIST_SQL(key, cmp, dir, MATCH_START), \
	 USER_ROWS_SQL(key, cmp, dir)}
/* clang-format on */

/* The kinds of statement per order: a match anywhere, from the start, or
 * the rows a filter reads. */
enum { LIST_PART, LIST_START, LIST_ROWS, LIST_KINDS };

static const char *const user_list_sql[REPO_USER_SORTS][2][LIST_KINDS] = {
    [REPO_USER_SORT_CREATED] = {USER_LIST_SQL_ALL(SORT_CREATED, ">", "ASC"),
                                USER_LIST_SQL_ALL(SORT_CREATED, "<", "DESC")},
    [REPO_USER_SORT_USERNAME] = {USER_LIST_SQL_ALL(SORT_USERNAME, ">", "ASC"),
                                 USER_LIST_SQL_ALL(SORT_USERNAME, "<", "DESC")},
    [REPO_USER_SORT_EMAIL] = {USER_LIST_SQL_ALL(SORT_EMAIL, ">", "ASC"),
                              USER_LIST_SQL_ALL(SORT_EMAIL, "<", "DESC")},
};

static int
list_run(struct db_conn *db, const char *pattern, int kind,
         const char *before_id, enum repo_user_sort sort, int desc, int limit,
         json_t **out, struct pl_error *err)
{
	char lim[16];
	const char *p[3] = {pattern, before_id, lim};
	PGresult *r;

	snprintf(lim, sizeof lim, "%d", limit);
	/* Planned per search: no generic plan fits both "a" and "3fa9c". */
	r = db_query_result_custom(db, user_list_sql[sort][desc ? 1 : 0][kind],
	                           3, p, err);
	if (r == NULL)
		return err->code;
	*out = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*out, db_get_json(r, i, "j"));
	PQclear(r);
	return PL_OK;
}

int
repo_user_list(struct db_conn *db, const char *pattern, int prefix,
               const char *before_id, enum repo_user_sort sort, int desc,
               int limit, json_t **users, struct pl_error *err)
{
	return list_run(db, pattern, prefix ? LIST_START : LIST_PART, before_id,
	                sort, desc, limit, users, err);
}

int
repo_user_list_rows(struct db_conn *db, const char *before_id,
                    enum repo_user_sort sort, int desc, int limit,
                    json_t **rows, struct pl_error *err)
{
	return list_run(db, NULL, LIST_ROWS, before_id, sort, desc, limit, rows,
	                err);
}

int
repo_user_stats(struct db_conn *db, json_t **stats, struct pl_error *err)
{
	PGresult *r = db_query_result(
	    db,
	    "SELECT json_build_object("
	    "'total', (SELECT count(*) FROM @users), "
	    "'last_hour', (SELECT count(*) FROM @users WHERE created_at > "
	    "now() - interval '1 hour'), "
	    "'last_24h', (SELECT count(*) FROM @users WHERE created_at > "
	    "now() - interval '24 hours'), "
	    "'per_minute', (SELECT json_agg(coalesce(c.n, 0) ORDER BY s.m) "
	    "FROM generate_series(date_trunc('minute', now()) - "
	    "interval '59 minutes', date_trunc('minute', now()), "
	    "interval '1 minute') AS s(m) LEFT JOIN (SELECT "
	    "date_trunc('minute', created_at) AS b, count(*) AS n FROM @users "
	    "WHERE created_at >= date_trunc('minute', now()) - "
	    "interval '59 minutes' GROUP BY 1) c ON c.b = s.m)) AS j",
	    0, NULL, err);

	if (r == NULL)
		return err->code;
	*stats = db_get_json(r, 0, "j");
	PQclear(r);
	return PL_OK;
}

/* ---- account lifecycle --------------------------------------------- */

int
repo_user_auth_by_id(struct db_conn *db, const char *id,
                     struct repo_user_auth *out, struct pl_error *err)
{
	const char *p[1] = {id};

	memset(out, 0, sizeof *out);
	return db_query(db,
	                "SELECT u.id, u.password_hash, "
	                "       u.roles ? 'admin' AS is_admin, "
	                "       " REPO_USER_JSON " AS j "
	                "FROM @users u "
	                "WHERE u.id = $1::uuid",
	                1, p, decode_auth, &out, sizeof out, err);
}

int
repo_user_swap_hash(struct db_conn *db, const char *id, const char *old_hash,
                    const char *new_hash, int *changed, struct pl_error *err)
{
	const char *p[3] = {id, old_hash, new_hash};

	return db_query_hit(db,
	                    "UPDATE @users "
	                    "SET password_hash = $3, updated_at = now() "
	                    "WHERE id = $1::uuid "
	                    "  AND ($2::text IS NULL OR password_hash = $2)",
	                    3, p, changed, err);
}

struct admins_out {
	int *count, *includes;
};

static int
decode_admins(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct admins_out *o = ctx;

	(void)err;
	*o->count = PQntuples(r);
	for (int i = 0; i < *o->count; i++)
		if (db_get_bool(r, i, "is_target"))
			*o->includes = 1;
	return 0;
}

int
repo_user_lock_admins(struct db_conn *db, const char *id, int *count,
                      int *includes, struct pl_error *err)
{
	const char *p[1] = {id};
	struct admins_out o = {count, includes};

	*count = *includes = 0;
	return db_query(db,
	                "SELECT id, id = $1::uuid AS is_target "
	                "FROM @users "
	                "WHERE roles ? 'admin' AND NOT disabled "
	                "ORDER BY id "
	                "FOR UPDATE",
	                1, p, decode_admins, &o, sizeof o, err);
}

struct lock_out {
	json_t **user;
	char *id;
};

static int
decode_lock(const PGresult *r, void *ctx, struct pl_error *err)
{
	struct lock_out *o = ctx;

	(void)err;
	if (PQntuples(r) == 0)
		return 0;
	if ((*o->user = db_get_json(r, 0, "j")) != NULL)
		snprintf(o->id, 40, "%s",
		         json_string_value(json_object_get(*o->user, "id")));
	return 0;
}

int
repo_user_lock(struct db_conn *db, const char *id, const char *username,
               json_t **user, char *id_out, struct pl_error *err)
{
	const char *p[2] = {id, username};
	struct lock_out o = {user, id_out};

	*user = NULL;
	return db_query(db,
	                "SELECT " REPO_USER_JSON " AS j "
	                "FROM @users u "
	                "WHERE ($1::uuid IS NOT NULL AND u.id = $1::uuid) "
	                "   OR ($1::uuid IS NULL "
	                "       AND lower(u.username) = lower($2)) "
	                "FOR UPDATE",
	                2, p, decode_lock, &o, sizeof o, err);
}

int
repo_user_patch(struct db_conn *db, const char *id,
                const struct repo_user_patch *in, json_t **user,
                struct pl_error *err)
{
	const char *p[5] = {id, in->disabled, in->roles,
	                    in->set_email ? "true" : "false", in->email};

	return db_query_json(
	    db,
	    "UPDATE @users AS u "
	    "SET disabled = coalesce($2::boolean, u.disabled), "
	    "    roles = coalesce($3::jsonb, u.roles), "
	    "    email = CASE WHEN $4::boolean THEN $5 ELSE u.email END, "
	    "    updated_at = now() "
	    "WHERE u.id = $1::uuid "
	    "RETURNING " REPO_USER_JSON " AS j",
	    5, p, user, err);
}

int
repo_user_delete(struct db_conn *db, const char *id, json_t **user,
                 struct pl_error *err)
{
	const char *p[1] = {id};

	return db_query_json(db,
	                     "DELETE FROM @users AS u "
	                     "WHERE u.id = $1::uuid "
	                     "RETURNING " REPO_USER_JSON " AS j",
	                     1, p, user, err);
}

int
repo_user_detail(struct db_conn *db, const char *id, const char *username,
                 int idle, json_t **detail, struct pl_error *err)
{
	char idle_s[16];
	const char *p[3] = {id, idle_s, username};

	snprintf(idle_s, sizeof idle_s, "%d", idle);
	return db_query_json(
	    db,
	    "SELECT json_build_object("
	    "  'user', " REPO_USER_JSON ", "
	    "  'last_login_at', to_char(u.last_login_at AT TIME ZONE 'UTC', " DB_TIME_US
	    "), "
	    "  'pads', coalesce((SELECT json_agg(json_build_object("
	    "      'id', p.id, 'display_name', p.display_name, "
	    "      'created_at', to_char(p.created_at AT TIME ZONE 'UTC', " DB_TIME_US
	    "), "
	    "      'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', " DB_TIME_US
	    ")) "
	    "      ORDER BY p.created_at, p.id) "
	    "    FROM @pads p WHERE p.owner_id = u.id AND p.deleted_at IS NULL), "
	    "    '[]'::json), "
	    "  'sessions', coalesce((SELECT json_agg(" REPO_SESSION_JSON
	    "      ORDER BY s.created_at DESC, s.id) "
	    "    FROM @sessions s "
	    "    WHERE s.user_id = u.id AND " REPO_SESSION_LIVE "), "
	    "    '[]'::json)) AS j "
	    "FROM @users u "
	    "WHERE ($1::uuid IS NOT NULL AND u.id = $1::uuid) "
	    "   OR ($1::uuid IS NULL AND lower(u.username) = lower($3))",
	    3, p, detail, err);
}

int
repo_user_logged_in(struct db_conn *db, const char *id, const char *token_hash,
                    const char *peer, struct pl_error *err)
{
	const char *p[3] = {id, token_hash, peer};

	return db_query_run(db,
	                    "WITH s AS ("
	                    "  UPDATE @sessions SET peer = left($3, 64) "
	                    "  WHERE token_hash = $2) "
	                    "UPDATE @users SET last_login_at = now() "
	                    "WHERE id = $1::uuid",
	                    3, p, err);
}

int
repo_user_list_all(struct db_conn *db, json_t **users, struct pl_error *err)
{
	return db_query_json_all(
	    db,
	    "SELECT json_build_object("
	    "  'username', u.username, 'roles', u.roles, "
	    "  'disabled', u.disabled, 'totp_enabled', u.totp_enabled, "
	    "  'created_at', to_char(u.created_at AT TIME ZONE 'UTC', " DB_TIME_US
	    "), "
	    "  'last_login_at', to_char(u.last_login_at AT TIME ZONE 'UTC', " DB_TIME_US
	    ")) AS j "
	    "FROM @users u "
	    "ORDER BY u.created_at, u.id",
	    0, NULL, users, err);
}
