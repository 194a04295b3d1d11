/*
 * Sessions: login attempts limited per account and per peer address
 * (svc_guess.h: reserved before the password check), session tokens (32
 * random bytes, only their SHA-256 stored), resume, the periodic re-check
 * of a bound session, and logout.
 */
#ifndef PL_SVC_SESSION_H
#define PL_SVC_SESSION_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"
#include "svc_guess.h"

struct padlined;

/* What a person reads when the session has expired. */
#define SVC_SESSION_EXPIRED_MSG "your session expired; sign in again"

/* Who a session belongs to: what a connection binds after a login or a
 * resume (plain values; the protocol layer keeps its own binding). */
struct svc_session_info {
	char user_id[40];    /* uuid text */
	char token_hash[72]; /* hex of the session token's hash */
	int is_admin;
	long long expires_at; /* unix seconds */
};

/*
 * One sign-in attempt, kept across the steps of session.login so the
 * argon2 work runs without a database connection held: lookup (database),
 * reserve (Redis), verify (hash admission), finish (database).
 */
struct svc_login;

/* Copies password (wiped when freed); username is trimmed of surrounding
 * whitespace and cut to a length no name can exceed. */
struct svc_login *svc_session_login_new(const char *username,
                                        const char *password);
/* Takes a struct svc_login * (void * so it can be a call's state_free). */
void svc_session_login_free(void *);
/* Looks the name up; an unknown name is not an error here (it fails in
 * finish, after the same work as a known one). */
int svc_session_lookup(struct db_conn *, struct svc_login *, struct pl_error *);
/*
 * Reserves the attempt against the account looked up (or the unknown name
 * as folded) and against peer, before any password is checked: as
 * svc_guess_reserve (*retry_ms > 0: call again then; 429 with retry_after
 * when either is locked). No database: Redis, or this instance's own
 * counters while Redis is down (login_limit.h).
 */
int svc_session_reserve(struct padlined *, struct svc_login *, const char *peer,
                        int *retry_ms, struct pl_error *);
/* Releases a reserved attempt that will not be checked (a step that could
 * not run). */
void svc_session_login_abandon(struct padlined *, struct svc_login *);
/* The password check: against a dummy hash for an unknown name (no timing
 * hint), and a new hash made when the stored one uses outdated limits. A
 * wrong password is counted (and its try freed) here. */
void svc_session_verify(struct padlined *, struct svc_login *);
/*
 * 401 invalid_credentials (with its audit row) when the check failed;
 * otherwise the account's gate (disabled, TOTP), which ends the attempt (a
 * wrong code counts, passing clears the account's counter), then stores a
 * rehash and creates the session.
 * *result is {token, expires_at, user}; *s what to bind.
 */
int svc_session_login_finish(struct padlined *, struct db_conn *,
                             struct svc_login *, const char *totp,
                             const char *peer, json_t **result,
                             struct svc_session_info *s, struct pl_error *);
/* Writes the audit row session.login_failed (subject: the user id when the
 * name resolved, nothing typed otherwise) and publishes it. */
void svc_session_login_failed(struct padlined *, struct db_conn *,
                              const char *user_id, const char *peer);
/* Secrets a signed-in user confirms, each a guess (svc_guess.h). */
enum svc_secret_check {
	SVC_SECRET_REAUTH,
	SVC_SECRET_CHANGE_PASSWORD,
	SVC_SECRET_TOTP_DISABLE,
};
/* Writes the audit row of a wrong password or code in what
 * (session.reauth_failed, user.change_password_failed,
 * user.totp_disable_failed; subject {id}, peer in the row) and publishes
 * it. */
void svc_session_secret_failed(struct padlined *, struct db_conn *,
                               enum svc_secret_check what, const char *user_id,
                               const char *peer);
/* The user of a live session token; 401 session_expired when it has
 * expired, invalid_session otherwise. */
int svc_session_resume(struct padlined *, struct db_conn *, const char *token,
                       json_t **user, struct svc_session_info *s,
                       struct pl_error *);
/* The user of the live session token_hash (user.me); 401 invalid_session
 * when it has ended, session_expired when it has expired. */
int svc_session_user(struct padlined *, struct db_conn *,
                     const char *token_hash, json_t **user, struct pl_error *);
/*
 * The periodic re-check of the session token_hash bound to a connection,
 * which also marks it used: 401 session_expired when it has expired (idle
 * longer than PADLINE_SESSION_IDLE, or past PADLINE_SESSION_TTL), 401
 * session_ended when it has ended otherwise; otherwise *is_admin is what
 * the database says now (an admin demoted elsewhere is a plain user from
 * here on), and a method needing admin rights (need_admin) the user no
 * longer has is 403. need_fresh: 401 reauth_required unless the session
 * signed in or re-authenticated within PADLINE_REAUTH_WINDOW.
 */
int svc_session_recheck(struct padlined *, struct db_conn *,
                        const char *token_hash, int need_admin, int need_fresh,
                        int *is_admin, struct pl_error *);
/* svc_session_recheck in two halves, for a caller that sends the batch and
 * waits for it itself (the loop thread): _queue queues the check on db as
 * a one-batch transaction (db_tx_begin_one) and sets *chk (the caller
 * frees it, also after a failure); the caller commits it (db_tx_send …
 * db_tx_commit_end) and _end, given the outcome (0 or the error code, err
 * set), answers as svc_session_recheck. */
struct svc_session_check;
int svc_session_recheck_queue(struct padlined *, struct db_conn *,
                              const char *token_hash,
                              struct svc_session_check **chk,
                              struct pl_error *);
int svc_session_recheck_end(struct svc_session_check *chk, int rv,
                            int need_admin, int need_fresh, int *is_admin,
                            struct pl_error *);
int svc_session_logout(struct db_conn *, const char *token_hash,
                       struct pl_error *);

#endif
