/*
 * Repository for users: one SQL statement per function, no policy. Users
 * come back as the public JSON object (built by PostgreSQL, times RFC 3339
 * UTC); the password hash only ever leaves through repo_user_auth.
 */
#ifndef PL_REPO_USER_H
#define PL_REPO_USER_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"
#include "pwhash.h"

/* What login needs about one user. */
struct repo_user_auth {
	char id[40];
	char hash[PWHASH_STRBYTES]; /* "" when the user has no password */
	int is_admin;
	json_t *user;     /* owned public object; NULL when not found */
	char folded[400]; /* the name as lower() folds it (found or not) */
};

/* The fields user.sync writes. NULL strings are SQL NULL. */
struct repo_user_sync {
	const char *id, *username, *email, *name, *given_name, *family_name;
	int email_verified;
	const char *roles; /* JSON array text */
};

/* 1 in *taken when a user with that name (case-insensitively) exists. */
int repo_user_name_taken(struct db_conn *, const char *username, int *taken,
                         struct pl_error *);
/* Inserts a user (status "active" or "pending"; NULL is active); *user is
 * the new public object. A name clash surfaces as db_sqlstate(db)
 * "23505". */
int repo_user_insert(struct db_conn *, const char *username, const char *email,
                     const char *hash, const char *roles, const char *status,
                     json_t **user, struct pl_error *);
/* Looks a user up by name, case-insensitively; out->user NULL if none.
 * out->folded is PostgreSQL's lower() of the name either way. */
int repo_user_auth_by_name(struct db_conn *, const char *username,
                           struct repo_user_auth *out, struct pl_error *);
int repo_user_set_hash(struct db_conn *, const char *id, const char *hash,
                       struct pl_error *);
/* Insert-or-update by id; *created 1 when the row is new. */
int repo_user_upsert(struct db_conn *, const struct repo_user_sync *,
                     json_t **user, int *created, struct pl_error *);
/* What user.list orders by (ties by id, in the same direction). */
enum repo_user_sort {
	REPO_USER_SORT_CREATED,
	REPO_USER_SORT_USERNAME, /* case-insensitive */
	REPO_USER_SORT_EMAIL,    /* case-insensitive, none first */
	REPO_USER_SORTS
};
/* Up to limit in the order sort/desc; pattern is a LIKE pattern matched
 * case-insensitively against username or email (NULL = all): anywhere
 * ('%part%', trigram indexes) or, when prefix, from the start ('part%',
 * the lower() text_pattern_ops indexes). before_id is a keyset cursor: the
 * rows after that user in this order (NULL = start). *users new array. */
int repo_user_list(struct db_conn *, const char *pattern, int prefix,
                   const char *before_id, enum repo_user_sort sort, int desc,
                   int limit, json_t **users, struct pl_error *);
/* The same order and cursor over every account, as the rows a filter is
 * matched against (REPO_USER_ROW_JSON: {user, raw_status, admin, peer,
 * network, shape, flags, rules}) (new array). */
int repo_user_list_rows(struct db_conn *, const char *before_id,
                        enum repo_user_sort sort, int desc, int limit,
                        json_t **rows, struct pl_error *);
/* {total, last_hour, last_24h, per_minute[60]} (new reference). */
int repo_user_stats(struct db_conn *, json_t **stats, struct pl_error *);

/* ---- account lifecycle ---- */

/* Like repo_user_auth_by_name, by id. */
int repo_user_auth_by_id(struct db_conn *, const char *id,
                         struct repo_user_auth *out, struct pl_error *);
/* Sets the hash only while it is still old_hash (NULL: whatever it is), so
 * two concurrent changes cannot both win; *changed 0 when it moved. */
int repo_user_swap_hash(struct db_conn *, const char *id, const char *old_hash,
                        const char *new_hash, int *changed, struct pl_error *);
/* Locks (FOR UPDATE, in id order so lockers never deadlock) every enabled
 * admin; *count of them, *includes 1 when id is one. */
int repo_user_lock_admins(struct db_conn *, const char *id, int *count,
                          int *includes, struct pl_error *);
/* Locks the row of user id (or username when id is NULL): *user NULL when
 * there is none. id_out (size >= 40) gets its id. */
int repo_user_lock(struct db_conn *, const char *id, const char *username,
                   json_t **user, char *id_out, struct pl_error *);
/* The fields user.update writes: NULL leaves a field as it is. */
struct repo_user_patch {
	const char *disabled; /* "true" / "false" */
	const char *roles;    /* JSON array text */
	int set_email;        /* 1: email = email (NULL clears it) */
	const char *email;
};
int repo_user_patch(struct db_conn *, const char *id,
                    const struct repo_user_patch *, json_t **user,
                    struct pl_error *);
/* Deletes the user; pads, backups, shares, sessions and recovery codes go
 * by cascade in the same statement. *user the deleted public object (NULL
 * when there was none). */
int repo_user_delete(struct db_conn *, const char *id, json_t **user,
                     struct pl_error *);
/* {user, pads, sessions, last_login_at} of one user by id or username
 * (NULL = by the other), its sessions those still live with idle seconds
 * as the idle limit; *detail NULL when there is none. */
int repo_user_detail(struct db_conn *, const char *id, const char *username,
                     int idle, json_t **detail, struct pl_error *);
/* After a login: last_login_at = now() and the session's peer. */
int repo_user_logged_in(struct db_conn *, const char *id,
                        const char *token_hash, const char *peer,
                        struct pl_error *);
/* Every user, oldest first, as [{username, roles, disabled, totp_enabled,
 * created_at, last_login_at}] for `padlined list-users`. */
int repo_user_list_all(struct db_conn *, json_t **users, struct pl_error *);

/* The SELECT-list expression of the public user object over alias u. */
#define REPO_USER_JSON                                                         \
	"json_build_object('id', u.id, 'username', u.username, 'email', "      \
	"u.email, 'email_verified', u.email_verified, 'name', u.name, "        \
	"'given_name', u.given_name, 'family_name', u.family_name, 'roles', "  \
	"u.roles, 'totp_enabled', u.totp_enabled, 'disabled', u.disabled, "    \
	"'status', CASE WHEN u.status <> 'active' THEN u.status "              \
	"WHEN u.disabled THEN 'disabled' ELSE 'active' END, "                  \
	"'created_at', "                                                       \
	"to_char(u.created_at AT TIME ZONE 'UTC', "                            \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'updated_at', "                 \
	"to_char(u.updated_at AT TIME ZONE 'UTC', "                            \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"

/* An account as a filter sees it (svc_user_bulk.h), over u and its latest
 * registration attempt a (REPO_USER_ATTEMPT joined after FROM @users u). */
#define REPO_USER_ROW_JSON                                                     \
	"json_build_object('user', " REPO_USER_JSON ", 'raw_status', "         \
	"u.status, 'admin', u.roles ? 'admin', 'peer', a.peer, 'network', "    \
	"a.network, 'shape', a.shape, 'flags', a.flags, 'rules', a.rules)"
#define REPO_USER_ATTEMPT                                                      \
	"LEFT JOIN LATERAL (SELECT s.peer, s.network, s.shape, s.flags, "      \
	"s.rules FROM "                                                        \
	"@signup_attempts s WHERE s.user_id = u.id ORDER BY s.id DESC LIMIT "  \
	"1) a ON true "

#endif
