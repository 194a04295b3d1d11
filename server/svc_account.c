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
#include "config.h"
#include "db.h"
#include "outbox.h"
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

/* With TOTP on for user: 401 totp_required without a code, invalid_totp
 * unless svc_totp_verify accepts it. */
static int
totp_gate(struct padlined *app, struct db_conn *db, const char *user_id,
          json_t *user, const char *totp, struct pl_error *err)
{
	if (!json_is_true(json_object_get(user, "totp_enabled")))
		return PL_OK;
	if (totp == NULL || *totp == '\0')
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "totp_required",
		                    "enter the code from your authenticator "
		                    "app (or a recovery code)");
	return svc_totp_verify(app, db, user_id, totp, err);
}

int
svc_account_login_gate(struct padlined *app, struct db_conn *db,
                       const char *user_id, json_t *user, const char *totp,
                       const char *peer, struct pl_error *err)
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
	if (totp_gate(app, db, user_id, user, totp, err) != 0) {
		if (err->code == PL_ERR_UNAUTHORIZED &&
		    strcmp(err->reason, "invalid_totp") == 0)
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
svc_account_user(struct db_conn *db, const char *user_id, json_t **user,
                 char hash[PWHASH_STRBYTES], struct pl_error *err)
{
	struct repo_user_auth a;

	*user = NULL;
	if (repo_user_auth_by_id(db, user_id, &a, err) != 0)
		return err->code;
	if (hash)
		snprintf(hash, PWHASH_STRBYTES, "%s", a.hash);
	sodium_memzero(a.hash, sizeof a.hash);
	if (a.user == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such user");
	*user = a.user;
	return PL_OK;
}

int
svc_account_password_hash(struct db_conn *db, const char *user_id,
                          char hash[PWHASH_STRBYTES], struct pl_error *err)
{
	json_t *user;

	if (svc_account_user(db, user_id, &user, hash, err) != 0)
		return err->code;
	json_decref(user);
	return PL_OK;
}

int
svc_account_reauth(struct padlined *app, struct db_conn *db,
                   const char *user_id, const char *token_hash,
                   const char *code, json_t **result, struct pl_error *err)
{
	json_t *user;
	int rc;

	if (svc_account_user(db, user_id, &user, NULL, err) != 0)
		return err->code;
	rc = totp_gate(app, db, user_id, user, code, err);
	json_decref(user);
	if (rc != 0)
		return rc;
	if (repo_session_set_reauth(db, token_hash, err) != 0)
		return err->code;
	*result = json_pack("{s:i}", "fresh_s", app->cfg->reauth_window);
	return PL_OK;
}

static int
set_password_tx(struct db_conn *db, const char *actor_id, const char *user_id,
                const char *old_hash, const char *new_hash,
                const char *keep_hash, json_t **user, struct pl_error *err)
{
	struct repo_user_auth a;
	int changed = 0;

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
	audit_emit(db, "user.password_changed", actor_id, a.user, NULL);
	sodium_memzero(a.hash, sizeof a.hash);
	if (user)
		*user = json_incref(a.user);
	json_decref(a.user);
	return PL_OK;
}

int
svc_account_set_password(struct padlined *app, struct db_conn *db,
                         const char *actor_id, const char *user_id,
                         const char *old_hash, const char *new_hash,
                         const char *keep_hash, json_t **user,
                         struct pl_error *err)
{
	int rc;

	(void)app;
	if (user)
		*user = NULL;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = set_password_tx(db, actor_id, user_id, old_hash, new_hash,
	                     keep_hash, user, err);
	rc = db_tx_finish(db, rc, err);
	if (rc != 0 && user) {
		json_decref(*user);
		*user = NULL;
	}
	return rc;
}

int
svc_account_sessions(struct padlined *app, struct db_conn *db,
                     const char *user_id, const char *current_hash,
                     json_t **result, struct pl_error *err)
{
	json_t *list = NULL;

	if (repo_session_list(db, user_id, current_hash, app->cfg->session_idle,
	                      &list, err) != 0)
		return err->code;
	*result = json_pack("{s:o}", "sessions", list);
	return PL_OK;
}

int
svc_account_revoke(struct padlined *app, struct db_conn *db,
                   const char *user_id, const char *id,
                   const char *current_hash, int *current, json_t **result,
                   struct pl_error *err)
{
	struct repo_user_auth a = {0};
	json_t *extra;
	int deleted = 0, rc;

	(void)app;
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
		audit_emit(db, "session.revoked", user_id, a.user, extra);
		json_decref(extra);
	}
	json_decref(a.user);
	sodium_memzero(a.hash, sizeof a.hash);
	if (db_tx_finish(db, rc, err) != 0)
		return err->code;
	*result = json_pack("{s:b}", "revoked", 1);
	return PL_OK;
}
