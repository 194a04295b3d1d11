/*
 * Repository for sessions: rows keyed by the SHA-256 hex of the token (the
 * token itself is never stored). One statement per function.
 */
#ifndef PL_REPO_SESSION_H
#define PL_REPO_SESSION_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* Inserts a session living ttl seconds; fills *expires_at (unix seconds,
 * rounded up: a connection's own check never ends a session before
 * PostgreSQL does) and exp_text (RFC 3339 UTC, size >= 40). */
int repo_session_insert(struct db_conn *, const char *token_hash,
                        const char *user_id, int ttl, long long *expires_at,
                        char *exp_text, struct pl_error *);
/* What a token's row says: the session lives, or has expired (idle or
 * past its absolute limit) and is still there. */
struct repo_session_found {
	int expired;
	char user_id[40]; /* uuid text, when live */
	int is_admin;
	long long expires_at; /* unix seconds */
};
/* The session with that hash: *user (public object, new ref) when it lives
 * (not past expires_at, used within idle seconds, its user not disabled),
 * NULL otherwise; *f what is known about it. */
int repo_session_lookup(struct db_conn *, const char *token_hash, int idle,
                        json_t **user, struct repo_session_found *f,
                        struct pl_error *);
int repo_session_delete(struct db_conn *, const char *token_hash,
                        struct pl_error *);
/* What the periodic re-check of a bound session reads: one row per live
 * session, so fields the session's rights depend on (roles, and whether the
 * account is disabled) are re-read together. */
struct repo_session_state {
	int found;    /* the row exists and its user is not disabled */
	int alive;    /* found, not expired (absolute or idle) */
	int is_admin; /* the user's roles include "admin" */
	int fresh;    /* signed in or re-authenticated within the window */
};
/* Also marks the session used when its last use is older than touch_s
 * seconds (so most calls read only). Inside a batch, *st is set when the
 * batch is read. */
int repo_session_state(struct db_conn *, const char *token_hash, int idle,
                       int reauth_window, double touch_s,
                       struct repo_session_state *, struct pl_error *);
/* The session proved its password now (session.reauth). */
int repo_session_set_reauth(struct db_conn *, const char *token_hash,
                            struct pl_error *);
/* The user's live sessions (not expired, used within idle seconds),
 * newest first: [{id, created_at, last_used_at, expires_at, peer,
 * current}] where current marks current_hash. */
int repo_session_list(struct db_conn *, const char *user_id,
                      const char *current_hash, int idle, json_t **sessions,
                      struct pl_error *);
/* Deletes session id of user_id; *deleted 0 when it is not theirs,
 * *current 1 when it was the one with current_hash. */
int repo_session_revoke(struct db_conn *, const char *user_id, const char *id,
                        const char *current_hash, int *deleted, int *current,
                        struct pl_error *);
/* Deletes every session of user_id except keep_hash (NULL: all). */
int repo_session_delete_user(struct db_conn *, const char *user_id,
                             const char *keep_hash, struct pl_error *);
/* Deletes every expired session. */
int repo_session_purge(struct db_conn *, struct pl_error *);

/* The jsonb list item of session s: {id, peer, created_at, last_used_at,
 * expires_at}. */
#define REPO_SESSION_JSON                                                        \
	"jsonb_build_object('id', s.id, 'peer', s.peer, "                        \
	"'created_at', to_char(s.created_at AT TIME ZONE 'UTC', " DB_TIME_US     \
	"), "                                                                    \
	"'last_used_at', to_char(s.last_used_at AT TIME ZONE 'UTC', " DB_TIME_US \
	"), "                                                                    \
	"'expires_at', to_char(s.expires_at AT TIME ZONE 'UTC', " DB_TIME_US     \
	"))"

/* A boolean SQL expression over sessions s and the idle limit as parameter
 * $2: the session has neither reached expires_at nor been idle longer. */
#define REPO_SESSION_LIVE                                                      \
	"(s.expires_at > now() AND s.last_used_at > now() - "                  \
	"make_interval(secs => $2::int))"

#endif
