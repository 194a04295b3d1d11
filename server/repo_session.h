/*
 * Repository for sessions: rows keyed by the SHA-256 hex of the token (the
 * token itself is never stored). One statement per function.
 */
#ifndef PL_REPO_SESSION_H
#define PL_REPO_SESSION_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"

/* Inserts a session living ttl seconds; fills *expires_at (unix seconds)
 * and exp_text (RFC 3339 UTC, size >= 40). */
int repo_session_insert(PGconn *, const char *token_hash, const char *user_id,
                        int ttl, long long *expires_at, char *exp_text,
                        struct pl_error *);
/* The live session with that hash: *user (public object, new ref, NULL when
 * none or expired), user_id (size >= 40), *is_admin, *expires_at. */
int repo_session_lookup(PGconn *, const char *token_hash, json_t **user,
                        char *user_id, int *is_admin, long long *expires_at,
                        struct pl_error *);
int repo_session_delete(PGconn *, const char *token_hash, struct pl_error *);
/* What the periodic re-check of a bound session reads: one row per live
 * session, so fields the session's rights depend on (roles now; an account
 * flag such as `disabled` goes here too) are re-read together. */
struct repo_session_state {
	int alive;    /* exists and has not expired */
	int is_admin; /* the user's roles include "admin" */
};
int repo_session_state(PGconn *, const char *token_hash,
                       struct repo_session_state *, struct pl_error *);
/* Deletes every expired session. */
int repo_session_purge(PGconn *, struct pl_error *);

#endif
