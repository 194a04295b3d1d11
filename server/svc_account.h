/*
 * A signed-in user's own account: changing the password, listing
 * and revoking sessions, and the checks login makes after the password
 * (disabled → 403, the TOTP step).
 */
#ifndef PL_SVC_ACCOUNT_H
#define PL_SVC_ACCOUNT_H

#include <jansson.h>
#include <stddef.h>

#include "db.h"
#include "pl_error.h"
#include "pwhash.h"

struct padlined;

/* Copies in without surrounding whitespace (as registration does) into
 * out, cut to size. */
void svc_account_trim_username(const char *in, char *out, size_t size);

/* After the password matched: 403 account_disabled; with TOTP on, 401
 * totp_required without a code, 401 invalid_totp for a wrong, replayed or
 * spent one (counted as a failed login). totp may be NULL. */
int svc_account_login_gate(struct padlined *, struct db_conn *,
                           const char *user_id, json_t *user, const char *totp,
                           const char *peer, struct pl_error *);
/* With the new session, in login's transaction: last_login_at and the
 * session's peer. Returns nothing; a failure fails that transaction. */
void svc_account_logged_in(struct db_conn *, const char *user_id,
                           const char *token_hash, const char *peer);

/* The account user_id: *user its public object (new reference), and hash
 * its password hash when not NULL ("" when it has none); 404 not_found
 * when the user is gone. */
int svc_account_user(struct db_conn *, const char *user_id, json_t **user,
                     char hash[PWHASH_STRBYTES], struct pl_error *);
/* The user's password hash into hash ("" when the user has none, e.g.
 * synced from an identity provider); 404 when the user is gone. */
int svc_account_password_hash(struct db_conn *, const char *user_id,
                              char hash[PWHASH_STRBYTES], struct pl_error *);

/* session.reauth after the password matched: with TOTP on, code must be
 * accepted (401 totp_required without one, invalid_totp when wrong); then
 * session token_hash is fresh again. *result {fresh_s}. */
int svc_account_reauth(struct padlined *, struct db_conn *, const char *user_id,
                       const char *token_hash, const char *code,
                       json_t **result, struct pl_error *);

/* One transaction: the new hash (only while the hash is still old_hash;
 * NULL: any), every session of the user but keep_hash (NULL: all) ends,
 * audit user.password_changed; then the event. 409 password_changed when
 * another change won. *user may be NULL (not wanted). */
int svc_account_set_password(struct padlined *, struct db_conn *,
                             const char *actor_id, const char *user_id,
                             const char *old_hash, const char *new_hash,
                             const char *keep_hash, json_t **user,
                             struct pl_error *);

/* session.list: *result {sessions}, those neither expired nor idle. */
int svc_account_sessions(struct padlined *, struct db_conn *,
                         const char *user_id, const char *current_hash,
                         json_t **result, struct pl_error *);
/* session.revoke: 404 unless session id is the user's own; *current 1
 * when it was the caller's own session (current_hash). */
int svc_account_revoke(struct padlined *, struct db_conn *, const char *user_id,
                       const char *id, const char *current_hash, int *current,
                       json_t **result, struct pl_error *);

#endif
