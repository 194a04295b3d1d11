/*
 * form_token_uses: the spent nonces of single-use form tokens, shared by
 * every instance through PostgreSQL.
 */
#ifndef PL_REPO_FORM_TOKEN_H
#define PL_REPO_FORM_TOKEN_H

#include "db.h"
#include "pl_error.h"

/* Records nonce as spent until expires (unix seconds); *fresh = 1 when it
 * was not spent before, 0 on a replay. */
int repo_form_token_spend(struct db_conn *, const char *nonce,
                          const char *expires, int *fresh, struct pl_error *);
/* Forgets nonces whose tokens have expired anyway. */
int repo_form_token_purge(struct db_conn *, struct pl_error *);

#endif
