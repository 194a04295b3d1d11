/*
 * Sessions: login attempts limited per username and per peer address
 * (counters in Redis, shared by every padlined), session tokens (32 random
 * bytes, only their SHA-256 stored), resume and logout.
 */
#ifndef PL_SVC_SESSION_H
#define PL_SVC_SESSION_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"
#include "rpc.h"

struct app;

/* 429 with retry_after when username or peer is locked out. Redis being
 * down lets the attempt through (fail open, logged). */
int svc_session_check_limits(struct app *, const char *username,
                             const char *peer, struct pl_error *);
/* Counts a failed attempt against username and peer; writes the audit row
 * session.login_failed (user_id may be NULL) and publishes it. */
void svc_session_login_failed(struct app *, PGconn *, const char *username,
                              const char *user_id, const char *peer);
/* After a successful password check: resets the username counter, stores
 * rehash (may be NULL) as the new hash, creates the session. *result is
 * {token, expires_at, user} (user is borrowed); *s the binding. */
int svc_session_login_ok(struct app *, PGconn *, const char *username,
                         const char *user_id, int is_admin, json_t *user,
                         const char *rehash, json_t **result,
                         struct rpc_session *s, struct pl_error *);
/* The user of a live session token; 401 invalid_session otherwise. */
int svc_session_resume(struct app *, PGconn *, const char *token, json_t **user,
                       struct rpc_session *s, struct pl_error *);
int svc_session_logout(PGconn *, const char *token_hash, struct pl_error *);

#endif
