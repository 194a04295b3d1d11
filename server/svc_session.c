/*
 * Login, resume, logout. A sign-in is a guess (svc_guess.h), reserved
 * before the password is checked, per account and per peer address: the
 * account is the user the name resolves to, or the name as PostgreSQL
 * folds it when none; the schema keeps deployments (and test suites)
 * apart. A wrong password, or a wrong code after the right one, is a
 * failure; a sign-in that passes every check clears the account's count.
 */
#include "svc_session.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pwhash.h"
#include "outbox.h"
#include "repo_session.h"
#include "repo_user.h"
#include "svc_account.h"
#include "validate.h"
#include "xalloc.h"

struct svc_login {
	/* Longer names cannot exist; cut (on a character boundary) so the
	 * lookup and the counter keys stay small. */
	char username[USERNAME_MAX * 2 + 2];
	char *password;
	struct repo_user_auth auth;
	struct svc_guess guess;
	int ok;
	char rehash[PWHASH_STRBYTES];
};

struct svc_login *
svc_session_login_new(const char *username, const char *password)
{
	struct svc_login *l = xcalloc(1, sizeof *l);

	l->password = xstrdup(password);
	/* Surrounding whitespace is not part of a name. */
	svc_account_trim_username(username, l->username, sizeof l->username);
	return l;
}

void
svc_session_login_free(void *p)
{
	struct svc_login *l = p;

	if (l == NULL)
		return;
	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	json_decref(l->auth.user);
	free(l);
}

int
svc_session_lookup(struct db_conn *db, struct svc_login *l,
                   struct pl_error *err)
{
	return repo_user_auth_by_name(db, l->username, &l->auth, err);
}

int
svc_session_reserve(struct padlined *app, struct svc_login *l, const char *peer,
                    int *retry_ms, struct pl_error *err)
{
	/* Keyed by the resolved user, so every spelling the database folds
	 * to that user shares one counter. */
	if (l->guess.key_user[0] == '\0')
		svc_guess_init(app, &l->guess,
		               l->auth.user != NULL ? l->auth.id : NULL,
		               l->auth.folded, peer);
	return svc_guess_reserve(app, &l->guess, retry_ms, err);
}

void
svc_session_login_abandon(struct padlined *app, struct svc_login *l)
{
	svc_guess_done(app, &l->guess, LOGIN_NO_GUESS);
}

void
svc_session_verify(struct padlined *app, struct svc_login *l)
{
	const struct config *cfg = app->cfg;
	struct pl_error err;

	pl_error_init(&err);
	if (l->auth.user != NULL && l->auth.hash[0] != '\0') {
		l->ok = pwhash_verify(l->auth.hash, l->password);
		if (l->ok && pwhash_needs_rehash(cfg, l->auth.hash) &&
		    pwhash_hash(cfg, l->password, l->rehash, &err) != 0)
			l->rehash[0] = '\0';
		pl_error_clear(&err);
	} else {
		/* Same work as a real check: no timing hint that the name
		 * is unknown. */
		pwhash_verify(pwhash_dummy(cfg), l->password);
		l->ok = 0;
	}
	/* A wrong password frees its try for the next guess at once. */
	if (!l->ok)
		svc_guess_done(app, &l->guess, LOGIN_WRONG);
}

/* The audit row action about a wrong secret (subject: user_id, or
 * nothing), published. */
static void
guess_failed(struct padlined *app, struct db_conn *db, const char *action,
             const char *user_id, const char *peer)
{
	json_t *subject = user_id ? json_pack("{s:s}", "id", user_id) : NULL;
	json_t *details = json_pack("{s:s}", "peer", peer);

	/* Never what was typed as the name: it may be a password, and the
	 * event reaches every dashboard. The peer stays in the audit row
	 * only (events carry details.subject). Outside a transaction: the
	 * row is written and its event published now. */
	(void)app;
	audit_emit(db, action, NULL, subject, details);
	json_decref(subject);
	json_decref(details);
}

void
svc_session_login_failed(struct padlined *app, struct db_conn *db,
                         const char *user_id, const char *peer)
{
	guess_failed(app, db, "session.login_failed", user_id, peer);
}

void
svc_session_secret_failed(struct padlined *app, struct db_conn *db,
                          enum svc_secret_check what, const char *user_id,
                          const char *peer)
{
	static const char *const actions[] = {
	    [SVC_SECRET_REAUTH] = "session.reauth_failed",
	    [SVC_SECRET_CHANGE_PASSWORD] = "user.change_password_failed",
	    [SVC_SECRET_TOTP_DISABLE] = "user.totp_disable_failed",
	};

	guess_failed(app, db, actions[what], user_id, peer);
}

/* After every check passed: stores rehash (may be NULL) as the new hash,
 * creates the session. */
static int
login_ok(struct padlined *app, struct db_conn *db,
         const struct repo_user_auth *auth, const char *peer,
         const char *rehash, json_t **result, struct svc_session_info *s,
         struct pl_error *err)
{
	unsigned char raw[32];
	char token[sizeof raw * 2 + 1], exp_text[40];
	const char *user_id = auth->id;
	json_t *peer_json;

	/* Best effort, never failing the login: replacing a hash made with
	 * old limits, and now and then sweeping expired sessions. */
	if (rehash || randombytes_uniform(100) == 0) {
		struct pl_error ign;

		pl_error_init(&ign);
		if (rehash)
			repo_user_set_hash(db, user_id, rehash, &ign);
		else
			repo_session_purge(db, &ign);
		pl_error_clear(&ign);
	}
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, sizeof token, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	memset(s, 0, sizeof *s);
	pwhash_sha256_hex(token, s->token_hash);
	/* One round trip: the session and the account's last login. */
	if (db_tx_begin(db, err) != 0)
		return err->code;
	db_tx_batch(db);
	if (repo_session_insert(db, s->token_hash, user_id,
	                        app->cfg->session_ttl, &s->expires_at, exp_text,
	                        err) != 0)
		goto fail;
	svc_account_logged_in(db, user_id, s->token_hash, peer);
	/* The user's activity lists sign-ins with their address. */
	peer_json = json_pack("{s:s}", "peer", peer);
	audit_emit(db, "session.login", user_id, auth->user, peer_json);
	json_decref(peer_json);
	if (db_tx_commit(db, err) != 0)
		goto fail;
	s->is_admin = auth->is_admin;
	snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
	*result = json_pack("{s:s, s:s, s:O}", "token", token, "expires_at",
	                    exp_text, "user", auth->user);
	sodium_memzero(token, sizeof token);
	return PL_OK;
fail:
	db_tx_rollback(db);
	sodium_memzero(token, sizeof token);
	return err->code;
}

int
svc_session_login_finish(struct padlined *app, struct db_conn *db,
                         struct svc_login *l, const char *totp,
                         const char *peer, json_t **result,
                         struct svc_session_info *s, struct pl_error *err)
{
	int rc;

	if (!l->ok) {
		svc_session_login_failed(
		    app, db, l->auth.user ? l->auth.id : NULL, peer);
		return pl_error_set(err, PL_ERR_UNAUTHORIZED,
		                    "invalid_credentials",
		                    "wrong username or password");
	}
	rc = svc_account_login_gate(app, db, l->auth.id, l->auth.user, totp,
	                            peer, err);
	/* Asking for the code is no guess; a wrong code is. */
	if (rc == PL_ERR_UNAUTHORIZED && (totp == NULL || *totp == '\0'))
		svc_guess_done(app, &l->guess, LOGIN_NO_GUESS);
	else
		svc_guess_settle(app, &l->guess, rc);
	if (rc != 0)
		return rc;
	if (login_ok(app, db, &l->auth, peer, l->rehash[0] ? l->rehash : NULL,
	             result, s, err) != 0)
		return err->code;
	return PL_OK;
}

/* 401 session_expired when f says the token's session has expired,
 * otherwise 401 with reason and message. */
static int
session_gone(const struct repo_session_found *f, const char *reason,
             const char *message, struct pl_error *err)
{
	if (f->expired)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "session_expired",
		                    "%s", SVC_SESSION_EXPIRED_MSG);
	return pl_error_set(err, PL_ERR_UNAUTHORIZED, reason, "%s", message);
}

int
svc_session_resume(struct padlined *app, struct db_conn *db, const char *token,
                   json_t **user, struct svc_session_info *s,
                   struct pl_error *err)
{
	struct repo_session_found f;

	memset(s, 0, sizeof *s);
	pwhash_sha256_hex(token, s->token_hash);
	if (repo_session_lookup(db, s->token_hash, app->cfg->session_idle, user,
	                        &f, err) != 0)
		return err->code;
	if (*user == NULL)
		return session_gone(&f, "invalid_session",
		                    "the session is unknown or has expired",
		                    err);
	snprintf(s->user_id, sizeof s->user_id, "%s", f.user_id);
	s->is_admin = f.is_admin;
	s->expires_at = f.expires_at;
	return PL_OK;
}

/* Reads through the sessions table, so a session logged out (or a user
 * deleted) elsewhere answers 401 here too. */
int
svc_session_user(struct padlined *app, struct db_conn *db,
                 const char *token_hash, json_t **user, struct pl_error *err)
{
	struct repo_session_found f;

	*user = NULL;
	if (repo_session_lookup(db, token_hash, app->cfg->session_idle, user,
	                        &f, err) != 0)
		return err->code;
	if (*user == NULL)
		return session_gone(&f, "invalid_session",
		                    "the session has ended; sign in again",
		                    err);
	return PL_OK;
}

struct svc_session_check {
	struct repo_session_state st;
};

/* Marking a use once a minute is enough for an idle limit of minutes; a
 * short one (tests) needs it more often. */
static double
session_touch_s(const struct config *cfg)
{
	return cfg->session_idle / 4.0 < 60 ? cfg->session_idle / 4.0 : 60;
}

static int
recheck_answer(const struct repo_session_state *st, int need_admin,
               int need_fresh, int *is_admin, struct pl_error *err)
{
	if (st->found && !st->alive)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "session_expired",
		                    "%s", SVC_SESSION_EXPIRED_MSG);
	if (!st->alive)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "session_ended",
		                    "the session has ended (signed out or "
		                    "expired); sign in again");
	*is_admin = st->is_admin;
	if (need_admin && !st->is_admin)
		return pl_error_set(err, PL_ERR_FORBIDDEN, "forbidden",
		                    "this method needs the admin role");
	if (need_fresh && !st->fresh)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "reauth_required",
		                    "confirm your password to do this "
		                    "(session.reauth)");
	return PL_OK;
}

int
svc_session_recheck(struct padlined *app, struct db_conn *db,
                    const char *token_hash, int need_admin, int need_fresh,
                    int *is_admin, struct pl_error *err)
{
	const struct config *cfg = app->cfg;
	struct repo_session_state st;

	if (repo_session_state(db, token_hash, cfg->session_idle,
	                       cfg->reauth_window, session_touch_s(cfg), &st,
	                       err) != 0)
		return err->code;
	return recheck_answer(&st, need_admin, need_fresh, is_admin, err);
}

int
svc_session_recheck_queue(struct padlined *app, struct db_conn *db,
                          const char *token_hash,
                          struct svc_session_check **chk, struct pl_error *err)
{
	const struct config *cfg = app->cfg;

	*chk = xcalloc(1, sizeof **chk);
	if (db_tx_begin_one(db, err) != 0)
		return err->code;
	if (repo_session_state(db, token_hash, cfg->session_idle,
	                       cfg->reauth_window, session_touch_s(cfg),
	                       &(*chk)->st, err) != 0)
		db_tx_rollback(db);
	return err->code;
}

int
svc_session_recheck_end(struct svc_session_check *chk, int rv, int need_admin,
                        int need_fresh, int *is_admin, struct pl_error *err)
{
	if (rv != PL_OK)
		return err->code ? err->code : rv;
	return recheck_answer(&chk->st, need_admin, need_fresh, is_admin, err);
}

int
svc_session_logout(struct db_conn *db, const char *token_hash,
                   struct pl_error *err)
{
	return repo_session_delete(db, token_hash, err);
}
