/*
 * Safe retries: a write sent with an idempotency_key runs inside a
 * transaction that also records its answer under (scope, key), so the same
 * key again — after a lost answer, on any instance — gets that answer
 * instead of a second write. The service's own transaction becomes a
 * savepoint of it (db_outer_begin). Only answers that succeeded are kept:
 * an error rolls the claim back with the write, and a retry runs again.
 * The same key with other params (or another method) is 409
 * idempotency_mismatch. Keys live PL_IDEMPOTENCY_TTL; each write purges a
 * few expired ones.
 */
#ifndef PL_SVC_IDEMPOTENCY_H
#define PL_SVC_IDEMPOTENCY_H

#include <jansson.h>

#include "db.h"
#include "pl_error.h"

/* Who a key belongs to and what it stands for. */
struct svc_idem {
	char scope[80];       /* "user:<id>" or "form:<sha-256 hex>" */
	char key[129];        /* the client's key */
	char method[64];      /* the method it was sent with */
	char params_hash[65]; /* sha-256 hex of method and params */
};

/* Fills idem for a request: scope from user_id (a session) or else
 * form_token (user.register); params without idempotency_key and without
 * passwords (a fast hash of them is not kept) are hashed with method. 400
 * (violation on idempotency_key: format, or scope when there is neither a
 * user nor a form token). */
int svc_idem_init(struct svc_idem *, const char *method, const char *key,
                  const char *user_id, const char *form_token, json_t *params,
                  struct pl_error *);
/* A stored answer, without claiming: *result (new reference) or NULL. For
 * a method's first step when its write comes in a later one. */
int svc_idem_lookup(struct db_conn *, const struct svc_idem *, json_t **result,
                    struct pl_error *);
/* Opens the transaction around the write and claims the key. *result is
 * the stored answer of an earlier request (the transaction is then over)
 * or NULL: run the write, then svc_idem_commit or svc_idem_rollback. */
int svc_idem_begin(struct db_conn *, const struct svc_idem *, json_t **result,
                   struct pl_error *);
/* Records result (borrowed) as the key's answer and commits the write. */
int svc_idem_commit(struct db_conn *, const struct svc_idem *, json_t *result,
                    struct pl_error *);
/* The write failed: nothing of it, nor of the claim, stays. */
void svc_idem_rollback(struct db_conn *);

#endif
