/*
 * TOTP two-factor rules: enrolment (begin → a pending secret, enable with a
 * first code → recovery codes), checking a code or a recovery code (each
 * accepted once), turning it off. Secrets are sealed with a key derived
 * from PADLINE_SECRET before they reach the database.
 */
#ifndef PL_SVC_TOTP_H
#define PL_SVC_TOTP_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

struct padlined;

/* *result {secret, otpauth_uri}; 409 totp_enabled when already on. */
int svc_totp_begin(struct padlined *, struct db_conn *, const char *user_id,
                   json_t **result, struct pl_error *);
/* Confirms the pending secret with a code: *result {recovery_codes} (10,
 * shown once). 409 totp_not_pending without a begin; 400 code/invalid. */
int svc_totp_enable(struct padlined *, struct db_conn *, const char *actor_id,
                    const char *user_id, const char *code, json_t **result,
                    struct pl_error *);
/* code is a TOTP code or a recovery code: 0 when accepted (and spent),
 * 401 invalid_totp otherwise, 409 totp_not_enabled when TOTP is off. */
int svc_totp_verify(struct padlined *, struct db_conn *, const char *user_id,
                    const char *code, struct pl_error *);
/* After the password was checked: verifies code, then turns TOTP off and
 * drops the recovery codes; *result {user}. */
int svc_totp_disable(struct padlined *, struct db_conn *, const char *user_id,
                     const char *code, json_t **result, struct pl_error *);
/* In the caller's transaction: TOTP off, secrets and recovery codes gone
 * (user.update totp_reset). *user the public object afterwards. */
int svc_totp_reset_tx(struct db_conn *, const char *user_id, json_t **user,
                      struct pl_error *);

#endif
