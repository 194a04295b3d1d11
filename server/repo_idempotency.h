/*
 * idempotency_keys: the answers of writes sent with an idempotency_key,
 * one row per (scope, key), written in the write's own transaction.
 */
#ifndef PL_REPO_IDEMPOTENCY_H
#define PL_REPO_IDEMPOTENCY_H

#include "db.h"
#include "pl_error.h"

/* Deletes a few expired rows (other instances' concurrent purges skip the
 * rows this one holds) and this (scope, key)'s if it has expired. */
int repo_idempotency_purge(struct db_conn *, const char *scope, const char *key,
                           struct pl_error *);
/* Inserts (scope, key) with no answer yet; *claimed = 0 when the row
 * exists. Waits, on the primary key, for a concurrent transaction holding
 * the same key to end. */
int repo_idempotency_claim(struct db_conn *, const char *scope, const char *key,
                           const char *method, const char *params_hash,
                           int *claimed, struct pl_error *);
/* The unexpired row of (scope, key): *found, and its method, params hash
 * and answer (owned copies, *result NULL when it has none). */
int repo_idempotency_get(struct db_conn *, const char *scope, const char *key,
                         int *found, char **method, char **params_hash,
                         char **result, struct pl_error *);
/* Stores the answer of a claimed key. */
int repo_idempotency_answer(struct db_conn *, const char *scope,
                            const char *key, const char *result,
                            struct pl_error *);

#endif
