/*
 * Idempotency keys around writes: the scope and params hash of a request,
 * the claim under the primary key, and the answer stored in the write's
 * transaction. See svc_idempotency.h for the contract.
 */
#include "svc_idempotency.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idempotency.h"
#include "json_num.h"
#include "repo_idempotency.h"
#include "xalloc.h"

static void
sha256_hex(const char *text, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)text, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

int
svc_idem_init(struct svc_idem *idem, const char *method, const char *key,
              const char *user_id, const char *form_token, json_t *params,
              struct pl_error *err)
{
	json_t *p;
	const char *k;
	json_t *v;
	void *tmp;
	char *text, *both;

	memset(idem, 0, sizeof *idem);
	if (!pl_idempotency_key_valid(key))
		return pl_error_violation(err, "idempotency_key", "format",
		                          "1 to 128 of A-Z a-z 0-9 . _ : -");
	if (user_id != NULL && user_id[0] != '\0')
		snprintf(idem->scope, sizeof idem->scope, "user:%s", user_id);
	else if (form_token != NULL && form_token[0] != '\0') {
		char h[65];

		sha256_hex(form_token, strlen(form_token), h);
		snprintf(idem->scope, sizeof idem->scope, "form:%s", h);
	} else
		return pl_error_violation(err, "idempotency_key", "scope",
		                          "needs a session or a form_token");
	snprintf(idem->key, sizeof idem->key, "%s", key);
	snprintf(idem->method, sizeof idem->method, "%s", method);
	p = json_object();
	json_object_foreach_safe (params, tmp, k, v) {
		if (strcmp(k, "idempotency_key") != 0 &&
		    strstr(k, "password") == NULL)
			json_object_set(p, k, v);
	}
	text = json_num_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(p);
	/* Allocation goes through xalloc: NULL is not an outcome here. */
	both = xasprintf("%s\n%s", method, text ? text : "");
	sha256_hex(both, strlen(both), idem->params_hash);
	free(both);
	free(text);
	return PL_OK;
}

/* The row found for idem: its answer, or 409 when it stands for another
 * request. */
static int
idem_found(const struct svc_idem *idem, const char *method, const char *hash,
           const char *result, json_t **out, struct pl_error *err)
{
	json_error_t jerr;

	if (strcmp(method, idem->method) != 0 ||
	    strcmp(hash, idem->params_hash) != 0)
		return pl_error_set(err, PL_ERR_CONFLICT,
		                    "idempotency_mismatch",
		                    "this idempotency_key was used for another "
		                    "request");
	if (result == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	*out = json_num_loadb(result, strlen(result), 0, &jerr);
	if (*out == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	return PL_OK;
}

static int
idem_read(struct db_conn *db, const struct svc_idem *idem, int *found,
          json_t **result, struct pl_error *err)
{
	char *method = NULL, *hash = NULL, *text = NULL;
	int rc;

	*found = 0;
	rc = repo_idempotency_get(db, idem->scope, idem->key, found, &method,
	                          &hash, &text, err);
	if (rc == PL_OK && *found)
		rc = idem_found(idem, method, hash, text, result, err);
	free(method);
	free(hash);
	free(text);
	return rc;
}

int
svc_idem_lookup(struct db_conn *db, const struct svc_idem *idem,
                json_t **result, struct pl_error *err)
{
	int found;

	*result = NULL;
	return idem_read(db, idem, &found, result, err);
}

int
svc_idem_begin(struct db_conn *db, const struct svc_idem *idem, json_t **result,
               struct pl_error *err)
{
	int claimed = 0, found = 0;

	*result = NULL;
	if (db_outer_begin(db, err) != PL_OK)
		return err->code;
	if (repo_idempotency_purge(db, idem->scope, idem->key, err) != PL_OK ||
	    repo_idempotency_claim(db, idem->scope, idem->key, idem->method,
	                           idem->params_hash, &claimed, err) != PL_OK) {
		db_outer_rollback(db);
		return err->code;
	}
	if (claimed)
		return PL_OK;
	/* Another request had the key: its transaction is over (the
	 * claim waited for it), so its answer is there to read. */
	idem_read(db, idem, &found, result, err);
	db_outer_rollback(db);
	if (err->code == PL_OK && !found)
		/* It expired between the purge and the claim. */
		pl_error_set(err, PL_ERR_CONFLICT, "idempotency_retry",
		             "this idempotency_key is busy, try again");
	return err->code;
}

int
svc_idem_commit(struct db_conn *db, const struct svc_idem *idem, json_t *result,
                struct pl_error *err)
{
	char *text = json_num_dumps(result, JSON_COMPACT);
	int rc;

	rc = repo_idempotency_answer(db, idem->scope, idem->key, text, err);
	free(text);
	if (rc != PL_OK) {
		db_outer_rollback(db);
		return rc;
	}
	return db_outer_commit(db, err);
}

void
svc_idem_rollback(struct db_conn *db)
{
	db_outer_rollback(db);
}
