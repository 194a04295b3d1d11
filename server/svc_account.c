/*
 * Password change, own sessions, and login's checks after the password.
 * Sessions ended here (password change, revoke) vanish from the sessions
 * table, so every connection using them fails its next periodic re-check.
 */
#include "svc_account.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "events.h"
#include "repo_audit.h"
#include "repo_session.h"
#include "repo_user.h"
#include "svc_session.h"
#include "svc_totp.h"
#include "validate.h"

void
svc_account_trim_username(const char *in, char *out, size_t size)
{
	const char *s = in ? in : "", *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	text_copy_n(out, size, s, (size_t)(e - s));
}

int
svc_account_audit(struct db_conn *db, const char *action, const char *actor_id,
                  json_t *user, json_t *extra, struct audit_row *audit,
                  struct pl_error *err)
{
	json_t *details = json_pack("{s:O}", "subject", user);
	int rc;

	if (extra)
		json_object_update(details, extra);
	/* The audit row is the transaction's last statement: it goes out
	 * with COMMIT, one round trip. */
	db_tx_batch(db);
	rc = repo_audit_insert(db, action, actor_id,
	                       json_string_value(json_object_get(user, "id")),
	                       details, audit, err);
	json_decref(details);
	return rc;
}

int
svc_account_end(struct app *app, struct db_conn *db, int rc,
                struct audit_row *audit, struct pl_error *err)
{
	if (rc == 0 && db_tx_commit(db, err) == 0) {
		if (audit->id)
			events_publish_one(app, db, audit);
		return PL_OK;
	}
	db_tx_rollback(db);
	return err->code ? err->code : PL_ERR_INTERNAL;
}

int
svc_account_login_gate(struct app *app, struct db_conn *db, const char *user_id,
                       json_t *user, const char *totp, const char *peer,
                       struct pl_error *err)
{
	/* Only after the right password: the state of an account is not
	 * told to whoever merely knows its name. */
	const char *status = json_string_value(json_object_get(user, "status"));

	if (status && strcmp(status, "pending") == 0)
		return pl_error_set(err, PL_ERR_FORBIDDEN, "pending_approval",
		                    "this account waits for an administrator's "
		                    "approval");
	if (json_is_true(json_object_get(user, "disabled")))
		return pl_error_set(err, PL_ERR_FORBIDDEN, "account_disabled",
		                    "this account is disabled");
	if (!json_is_true(json_object_get(user, "totp_enabled")))
		return PL_OK;
	if (totp == NULL || *totp == '\0')
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "totp_required",
		                    "enter the code from your authenticator "
		                    "app (or a recovery code)");
	if (svc_totp_verify(app, db, user_id, totp, err) != 0) {
		if (err->code == PL_ERR_UNAUTHORIZED)
			svc_session_login_failed(app, db, user_id, peer);
		return err->code;
	}
	return PL_OK;
}

void
svc_account_logged_in(struct db_conn *db, const char *user_id,
                      const char *token_hash, const char *peer)
{
	struct pl_error ign;

	pl_error_init(&ign);
	repo_user_logged_in(db, user_id, token_hash, peer, &ign);
	pl_error_clear(&ign);
}

int
svc_account_password_hash(struct db_conn *db, const char *user_id,
                          char hash[PWHASH_STRBYTES], struct pl_error *err)
{
	struct repo_user_auth a;

	if (repo_user_auth_by_id(db, user_id, &a, err) != 0)
		return err->code;
	snprintf(hash, PWHASH_STRBYTES, "%s", a.hash);
	sodium_memzero(a.hash, sizeof a.hash);
	if (a.user == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such user");
	json_decref(a.user);
	return PL_OK;
}

static int
set_password_tx(struct db_conn *db, const char *actor_id, const char *user_id,
                const char *old_hash, const char *new_hash,
                const char *keep_hash, json_t **user, struct audit_row *audit,
                struct pl_error *err)
{
	struct repo_user_auth a;
	int changed = 0, rc;

	if (repo_user_swap_hash(db, user_id, old_hash, new_hash, &changed,
	                        err) != 0)
		return err->code;
	if (!changed)
		return pl_error_set(err, PL_ERR_CONFLICT, "password_changed",
		                    "the password was changed meanwhile; try "
		                    "again");
	if (repo_session_delete_user(db, user_id, keep_hash, err) != 0 ||
	    repo_user_auth_by_id(db, user_id, &a, err) != 0)
		return err->code;
	if (a.user == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such user");
	rc = svc_account_audit(db, "user.password_changed", actor_id, a.user,
	                       NULL, audit, err);
	sodium_memzero(a.hash, sizeof a.hash);
	if (rc == 0 && user)
		*user = json_incref(a.user);
	json_decref(a.user);
	return rc;
}

int
svc_account_set_password(struct app *app, struct db_conn *db,
                         const char *actor_id, const char *user_id,
                         const char *old_hash, const char *new_hash,
                         const char *keep_hash, json_t **user,
                         struct pl_error *err)
{
	struct audit_row audit = {0};
	int rc;

	if (user)
		*user = NULL;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = set_password_tx(db, actor_id, user_id, old_hash, new_hash,
	                     keep_hash, user, &audit, err);
	rc = svc_account_end(app, db, rc, &audit, err);
	if (rc != 0 && user) {
		json_decref(*user);
		*user = NULL;
	}
	return rc;
}

int
svc_account_sessions(struct db_conn *db, const char *user_id,
                     const char *current_hash, json_t **result,
                     struct pl_error *err)
{
	json_t *list = NULL;

	if (repo_session_list(db, user_id, current_hash, &list, err) != 0)
		return err->code;
	*result = json_pack("{s:o}", "sessions", list);
	return PL_OK;
}

int
svc_account_revoke(struct app *app, struct db_conn *db, const char *user_id,
                   const char *id, const char *current_hash, int *current,
                   json_t **result, struct pl_error *err)
{
	struct audit_row audit = {0};
	struct repo_user_auth a = {0};
	json_t *extra;
	int deleted = 0, rc;

	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = repo_session_revoke(db, user_id, id, current_hash, &deleted,
	                         current, err);
	if (rc == 0 && !deleted)
		rc = pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                  "no such session");
	if (rc == 0)
		rc = repo_user_auth_by_id(db, user_id, &a, err);
	if (rc == 0 && a.user) {
		extra = json_pack("{s:s}", "session_id", id);
		rc = svc_account_audit(db, "session.revoked", user_id, a.user,
		                       extra, &audit, err);
		json_decref(extra);
	}
	json_decref(a.user);
	sodium_memzero(a.hash, sizeof a.hash);
	if (svc_account_end(app, db, rc, &audit, err) != 0)
		return err->code;
	*result = json_pack("{s:b}", "revoked", 1);
	return PL_OK;
}
