/*
 * Sessions: login attempts limited per account and per peer address
 * (login_limit.h: reserved before the password check), session tokens (32
 * random bytes, only their SHA-256 stored), resume, the periodic re-check
 * of a bound session, and logout.
 */
#ifndef PL_SVC_SESSION_H
#define PL_SVC_SESSION_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"
#include "repo_user.h"
#include "rpc.h"

struct app;

/* Room for a counter key (schema, prefix and a folded name). */
#define LOGIN_KEY_MAX 640

/* Looks username up (*auth; auth->user NULL when unknown, auth->folded
 * the name as the database folds it either way). */
int svc_session_lookup(PGconn *, const char *username,
                       struct repo_user_auth *auth, struct pl_error *);
/*
 * Reserves one attempt against the account looked up (or the unknown name
 * as folded) and against peer, before any password is checked: 429 with
 * retry_after when either is at its limit. No database: Redis, or this
 * instance's own counters while Redis is down (login_limit.h).
 */
int svc_session_reserve(struct app *, const struct repo_user_auth *,
                        const char *peer, struct pl_error *);
/* Writes the audit row session.login_failed (subject: the user id when the
 * name resolved, nothing typed otherwise) and publishes it. */
void svc_session_login_failed(struct app *, PGconn *, const char *user_id,
                              const char *peer);
/* After a successful password check: clears the account's counter and
 * refunds the peer's, stores rehash (may be NULL) as the new hash, creates
 * the session. *result is {token, expires_at, user}; *s the binding. */
int svc_session_login_ok(struct app *, PGconn *, const struct repo_user_auth *,
                         const char *peer, const char *rehash, json_t **result,
                         struct rpc_session *s, struct pl_error *);
/* The user of a live session token; 401 invalid_session otherwise. */
int svc_session_resume(struct app *, PGconn *, const char *token, json_t **user,
                       struct rpc_session *s, struct pl_error *);
/*
 * The periodic re-check of the session bound to a connection (cur): 401
 * session_ended when it has ended; otherwise *out is cur with what the
 * database says now (roles: an admin demoted elsewhere is a plain user from
 * here on) and checked_ms = now_ms, and a method needing admin rights
 * (need_admin) the user no longer has is 403.
 */
int svc_session_recheck(PGconn *, const struct rpc_session *cur, int need_admin,
                        long long now_ms, struct rpc_session *out,
                        struct pl_error *);
int svc_session_logout(PGconn *, const char *token_hash, struct pl_error *);

#endif
