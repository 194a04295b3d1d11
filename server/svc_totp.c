/*
 * TOTP enrolment, verification and removal. Replays are refused by storing
 * the step of the last accepted code and accepting only later steps (one
 * conditional UPDATE); recovery codes are spent by a DELETE ... RETURNING.
 */
#include "svc_totp.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "outbox.h"
#include "repo_totp.h"
#include "repo_user.h"
#include "svc_account.h"
#include "totp.h"
#include "xalloc.h"

static int
invalid(struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_UNAUTHORIZED, "invalid_totp",
	                    "wrong, used or expired code");
}

int
svc_totp_begin(struct padlined *app, struct db_conn *db, const char *user_id,
               json_t **result, struct pl_error *err)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	char sealed[TOTP_SEALED_HEX], b32[TOTP_BASE32_MAX], *uri;
	json_t *user;
	int rc;

	if (svc_account_user(db, user_id, &user, NULL, err) != 0)
		return err->code;
	if (json_is_true(json_object_get(user, "totp_enabled"))) {
		json_decref(user);
		return pl_error_set(err, PL_ERR_CONFLICT, "totp_enabled",
		                    "two-factor sign-in is already on; turn "
		                    "it off first");
	}
	totp_secret_new(secret);
	totp_seal(app->cfg->secret, secret, sealed);
	totp_secret_base32(secret, b32);
	sodium_memzero(secret, sizeof secret);
	rc = repo_totp_set_pending(db, user_id, sealed, err);
	if (rc == 0) {
		uri = totp_uri(
		    json_string_value(json_object_get(user, "username")), b32);
		*result =
		    json_pack("{s:s, s:s}", "secret", b32, "otpauth_uri", uri);
		sodium_memzero(uri, strlen(uri));
		free(uri);
	}
	sodium_memzero(b32, sizeof b32);
	json_decref(user);
	return rc;
}

/* Ten fresh codes: their hashes replace the old ones, the codes go to
 * *codes (shown once). */
static int
recovery_renew(struct padlined *app, struct db_conn *db, const char *user_id,
               json_t **codes, struct pl_error *err)
{
	char code[RECOVERY_CODE_MAX], hash[RECOVERY_HASH_HEX];
	char arr[RECOVERY_COUNT * (RECOVERY_HASH_HEX + 1) + 3];
	size_t n = 0;

	*codes = json_array();
	arr[n++] = '{';
	for (int i = 0; i < RECOVERY_COUNT; i++) {
		recovery_code_new(code);
		recovery_code_hash(app->cfg->secret, user_id, code, hash);
		json_array_append_new(*codes, json_string(code));
		n += (size_t)snprintf(arr + n, sizeof arr - n, "%s%s",
		                      i ? "," : "", hash);
	}
	snprintf(arr + n, sizeof arr - n, "}");
	sodium_memzero(code, sizeof code);
	if (repo_recovery_delete_all(db, user_id, err) != 0 ||
	    repo_recovery_insert(db, user_id, arr, err) != 0) {
		json_decref(*codes);
		*codes = NULL;
		return err->code;
	}
	return PL_OK;
}

static int
enable_tx(struct padlined *app, struct db_conn *db, const char *actor_id,
          const char *user_id, const char *pending, long long step,
          json_t **codes, struct pl_error *err)
{
	json_t *user = NULL;
	int rc;

	if (repo_totp_enable(db, user_id, pending, step, &user, err) != 0)
		return err->code;
	if (user == NULL)
		return pl_error_set(err, PL_ERR_CONFLICT, "totp_not_pending",
		                    "enrolment was restarted meanwhile; use "
		                    "the newest secret");
	rc = recovery_renew(app, db, user_id, codes, err);
	if (rc == 0)
		audit_emit(db, "user.totp_enabled", actor_id, user, NULL);
	json_decref(user);
	return rc;
}

int
svc_totp_enable(struct padlined *app, struct db_conn *db, const char *actor_id,
                const char *user_id, const char *code, json_t **result,
                struct pl_error *err)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	struct repo_totp t;
	json_t *codes = NULL;
	long long step = 0;
	int ok, rc;

	if (repo_totp_get(db, user_id, &t, err) != 0)
		return err->code;
	if (t.enabled)
		return pl_error_set(err, PL_ERR_CONFLICT, "totp_enabled",
		                    "two-factor sign-in is already on");
	if (t.pending[0] == '\0')
		return pl_error_set(err, PL_ERR_CONFLICT, "totp_not_pending",
		                    "call user.totp_begin first");
	if (totp_open(app->cfg->secret, t.pending, secret, err) != 0)
		return err->code;
	ok = totp_check(secret, time(NULL), code, &step);
	sodium_memzero(secret, sizeof secret);
	if (!ok)
		return pl_error_violation(
		    err, "code", "invalid",
		    "that code does not match; check the "
		    "device's clock and try the next one");
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc =
	    enable_tx(app, db, actor_id, user_id, t.pending, step, &codes, err);
	if (db_tx_finish(db, rc, err) != 0) {
		json_decref(codes);
		return err->code;
	}
	*result = json_pack("{s:o}", "recovery_codes", codes);
	return PL_OK;
}

/* Spends a recovery code, with its audit row, in one transaction. */
static int
use_recovery(struct padlined *app, struct db_conn *db, const char *user_id,
             const char *code, struct pl_error *err)
{
	char hash[RECOVERY_HASH_HEX];
	struct repo_user_auth a = {0};
	int used = 0, rc;

	recovery_code_hash(app->cfg->secret, user_id, code, hash);
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = repo_recovery_use(db, user_id, hash, &used, err);
	if (rc == 0 && !used)
		rc = invalid(err);
	if (rc == 0)
		rc = repo_user_auth_by_id(db, user_id, &a, err);
	sodium_memzero(a.hash, sizeof a.hash);
	if (rc == 0 && a.user)
		audit_emit(db, "user.recovery_code_used", user_id, a.user,
		           NULL);
	json_decref(a.user);
	return db_tx_finish(db, rc, err);
}

int
svc_totp_verify(struct padlined *app, struct db_conn *db, const char *user_id,
                const char *code, struct pl_error *err)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	struct repo_totp t;
	long long step = 0;
	int ok, fresh = 0;

	if (repo_totp_get(db, user_id, &t, err) != 0)
		return err->code;
	if (!t.enabled)
		return pl_error_set(err, PL_ERR_CONFLICT, "totp_not_enabled",
		                    "two-factor sign-in is off");
	if (!totp_is_code(code))
		return use_recovery(app, db, user_id, code, err);
	if (totp_open(app->cfg->secret, t.secret, secret, err) != 0)
		return err->code;
	ok = totp_check(secret, time(NULL), code, &step);
	sodium_memzero(secret, sizeof secret);
	/* A step at or before the last accepted one is a replay (or an
	 * older code seen after a newer one): refused either way. */
	if (!ok || step <= t.last_step)
		return invalid(err);
	if (repo_totp_use_step(db, user_id, step, &fresh, err) != 0)
		return err->code;
	return fresh ? PL_OK : invalid(err);
}

int
svc_totp_reset_tx(struct db_conn *db, const char *user_id, json_t **user,
                  struct pl_error *err)
{
	*user = NULL;
	if (repo_recovery_delete_all(db, user_id, err) != 0 ||
	    repo_totp_clear(db, user_id, user, err) != 0)
		return err->code;
	if (*user == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such user");
	return PL_OK;
}

int
svc_totp_disable(struct padlined *app, struct db_conn *db, const char *user_id,
                 const char *code, json_t **result, struct pl_error *err)
{
	json_t *user = NULL;
	int rc;

	if (svc_totp_verify(app, db, user_id, code, err) != 0)
		return err->code;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = svc_totp_reset_tx(db, user_id, &user, err);
	if (rc == 0)
		audit_emit(db, "user.totp_disabled", user_id, user, NULL);
	if (db_tx_finish(db, rc, err) != 0) {
		json_decref(user);
		return err->code;
	}
	*result = json_pack("{s:o}", "user", user);
	return PL_OK;
}
