/*
 * Login, resume, logout. An attempt is counted before the password is
 * checked (login_limit.c), per account and per peer address:
 * padline:login:<schema>:user:<id> for a name that resolves to a user,
 * ...:name:<name as PostgreSQL folds it> for one that does not, and
 * ...:ip:<peer>; the schema keeps deployments (and test suites) apart.
 */
#include "svc_session.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "login_limit.h"
#include "pwhash.h"
#include "repo_audit.h"
#include "repo_session.h"

/* The counter keys of one login; keyed by the resolved user, so every
 * spelling the database folds to that user shares one counter. */
static void
login_keys(struct app *app, const struct repo_user_auth *auth, const char *peer,
           char *ku, char *kp, size_t size)
{
	if (auth->user != NULL)
		snprintf(ku, size, "padline:login:%s:user:%s", app->cfg->schema,
		         auth->id);
	else
		snprintf(ku, size, "padline:login:%s:name:%s", app->cfg->schema,
		         auth->folded);
	snprintf(kp, size, "padline:login:%s:ip:%s", app->cfg->schema, peer);
}

int
svc_session_lookup(PGconn *db, const char *username,
                   struct repo_user_auth *auth, struct pl_error *err)
{
	return repo_user_auth_by_name(db, username, auth, err);
}

int
svc_session_reserve(struct app *app, const struct repo_user_auth *auth,
                    const char *peer, struct pl_error *err)
{
	char ku[LOGIN_KEY_MAX], kp[LOGIN_KEY_MAX];
	int wait;

	login_keys(app, auth, peer, ku, kp, sizeof ku);
	wait = login_limit_reserve(
	    app->limits, ku, app->cfg->login_max_failures, kp,
	    app->cfg->login_max_failures_ip, app->cfg->login_window);
	if (wait == 0)
		return PL_OK;
	pl_error_set(err, PL_ERR_TOO_MANY, "too_many_attempts",
	             "too many failed sign-in attempts; try again later");
	err->retry_after = wait;
	return err->code;
}

void
svc_session_login_failed(struct app *app, PGconn *db, const char *user_id,
                         const char *peer)
{
	struct pl_error err;
	struct audit_row audit = {0};
	json_t *details;

	/* Never what was typed as the name: it may be a password, and the
	 * event reaches every dashboard. The peer stays in the audit row
	 * only (events carry details.subject). */
	pl_error_init(&err);
	details = user_id ? json_pack("{s:{s:s}, s:s}", "subject", "id",
	                              user_id, "peer", peer)
	                  : json_pack("{s:{}, s:s}", "subject", "peer", peer);
	if (repo_audit_insert(db, "session.login_failed", NULL, user_id,
	                      details, &audit, &err) == 0)
		events_publish_one(app, db, &audit);
	json_decref(details);
	pl_error_clear(&err);
}

int
svc_session_login_ok(struct app *app, PGconn *db,
                     const struct repo_user_auth *auth, const char *peer,
                     const char *rehash, json_t **result, struct rpc_session *s,
                     struct pl_error *err)
{
	unsigned char raw[32];
	char token[sizeof raw * 2 + 1], exp_text[40];
	char ku[LOGIN_KEY_MAX], kp[LOGIN_KEY_MAX];
	const char *user_id = auth->id;

	login_keys(app, auth, peer, ku, kp, sizeof ku);
	login_limit_success(app->limits, ku, kp);
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
	if (repo_session_insert(db, s->token_hash, user_id,
	                        app->cfg->session_ttl, &s->expires_at, exp_text,
	                        err) != 0)
		return err->code;
	s->active = 1;
	s->is_admin = auth->is_admin;
	snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
	*result = json_pack("{s:s, s:s, s:O}", "token", token, "expires_at",
	                    exp_text, "user", auth->user);
	sodium_memzero(token, sizeof token);
	return PL_OK;
}

int
svc_session_resume(struct app *app, PGconn *db, const char *token,
                   json_t **user, struct rpc_session *s, struct pl_error *err)
{
	(void)app;
	memset(s, 0, sizeof *s);
	pwhash_sha256_hex(token, s->token_hash);
	if (repo_session_lookup(db, s->token_hash, user, s->user_id,
	                        &s->is_admin, &s->expires_at, err) != 0)
		return err->code;
	if (*user == NULL)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "invalid_session",
		                    "the session is unknown or has expired");
	s->active = 1;
	return PL_OK;
}

int
svc_session_recheck(PGconn *db, const struct rpc_session *cur, int need_admin,
                    long long now_ms, struct rpc_session *out,
                    struct pl_error *err)
{
	struct repo_session_state st;

	if (repo_session_state(db, cur->token_hash, &st, err) != 0)
		return err->code;
	if (!st.alive)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "session_ended",
		                    "the session has ended (signed out or "
		                    "expired); sign in again");
	*out = *cur;
	out->is_admin = st.is_admin;
	out->checked_ms = now_ms;
	if (need_admin && !st.is_admin)
		return pl_error_set(err, PL_ERR_FORBIDDEN, "forbidden",
		                    "this method needs the admin role");
	return PL_OK;
}

int
svc_session_logout(PGconn *db, const char *token_hash, struct pl_error *err)
{
	return repo_session_delete(db, token_hash, err);
}
