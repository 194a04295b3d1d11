/*
 * Repository for two-factor state: the TOTP columns of users (sealed
 * secrets, the last accepted step) and the recovery_codes table (keyed
 * hashes only). One statement per function; svc_totp.c owns the rules.
 */
#ifndef PL_REPO_TOTP_H
#define PL_REPO_TOTP_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"
#include "totp.h"

struct repo_totp {
	int found;
	int enabled;
	char secret[TOTP_SEALED_HEX];  /* sealed, "" when none */
	char pending[TOTP_SEALED_HEX]; /* sealed, "" when none */
	long long last_step;           /* -1 when none */
};

int repo_totp_get(struct db_conn *, const char *user_id, struct repo_totp *out,
                  struct pl_error *);
int repo_totp_set_pending(struct db_conn *, const char *user_id,
                          const char *sealed, struct pl_error *);
/* Makes the pending secret (still equal to pending) the secret, with step
 * as its last used step; *user the public object, NULL when the pending
 * secret changed meanwhile. */
int repo_totp_enable(struct db_conn *, const char *user_id, const char *pending,
                     long long step, json_t **user, struct pl_error *);
/* Records step as used when it is newer than the last one: *fresh 0 on a
 * replay (or a concurrent use of the same code). */
int repo_totp_use_step(struct db_conn *, const char *user_id, long long step,
                       int *fresh, struct pl_error *);
/* Turns TOTP off and forgets both secrets; *user the public object. */
int repo_totp_clear(struct db_conn *, const char *user_id, json_t **user,
                    struct pl_error *);

/* Replaces nothing: inserts the hashes (a PostgreSQL array literal). */
int repo_recovery_insert(struct db_conn *, const char *user_id,
                         const char *hashes, struct pl_error *);
int repo_recovery_delete_all(struct db_conn *, const char *user_id,
                             struct pl_error *);
/* Spends one code: *used 1 when it existed (and is now gone). */
int repo_recovery_use(struct db_conn *, const char *user_id, const char *hash,
                      int *used, struct pl_error *);

#endif
