/*
 * A signed-in user's own account: user.change_password, session.list,
 * session.revoke, session.reauth, account.activity and the TOTP methods.
 * Methods that need the current password check it under hash admission
 * (STEP_HASH) between two database steps, like login, so no connection is held
 * while argon2 runs. Each such check (and the code of user.totp_disable) is a
 * guess against the same limits as a sign-in (svc_guess.h), reserved in a step
 * of its own.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "breached.h"
#include "params.h"
#include "pwhash.h"
#include "rpc.h"
#include "svc_account.h"
#include "svc_audit.h"
#include "svc_guess.h"
#include "svc_session.h"
#include "svc_totp.h"
#include "validate.h"
#include "xalloc.h"

/* State of a method that confirms the current password first. */
struct confirm {
	char *password;     /* current password, wiped on free */
	char *new_password; /* change_password only */
	char *code;         /* totp_disable only */
	char hash[PWHASH_STRBYTES];
	char new_hash[PWHASH_STRBYTES];
	int ok;
	struct svc_guess guess; /* the account's login limits */
};

static void
wipe_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static void
confirm_free(void *p)
{
	struct confirm *c = p;

	wipe_free(c->password);
	wipe_free(c->new_password);
	wipe_free(c->code);
	sodium_memzero(c, sizeof *c);
	free(c);
}

static void
confirm_abandon(struct rpc_call *call)
{
	struct confirm *c = call->state;

	svc_guess_done(call->app, &c->guess, LOGIN_NO_GUESS);
}

static struct confirm *
confirm_new(struct rpc_call *call, const char *password)
{
	struct confirm *c = xcalloc(1, sizeof *c);

	c->password = xstrdup(password);
	svc_guess_init(call->app, &c->guess, call->session.user_id, NULL,
	               call->peer);
	call->state = c;
	call->state_free = confirm_free;
	call->abandon = confirm_abandon;
	return c;
}

static int
confirm_lookup(struct rpc_call *call)
{
	struct confirm *c = call->state;

	return svc_account_password_hash(call->db, call->session.user_id,
	                                 c->hash, &call->err);
}

static int
confirm_reserve(struct rpc_call *call)
{
	struct confirm *c = call->state;

	if (svc_guess_reserve(call->app, &c->guess, &call->retry_ms,
	                      &call->err) != 0)
		return call->err.code;
	return call->retry_ms > 0 ? RPC_STEP_RETRY : PL_OK;
}

/* Verifies the current password, then hashes the new one if any. A wrong
 * password is a failed guess; a right one ends the guess, unless a code
 * is still to be checked. */
static int
confirm_verify(struct rpc_call *call)
{
	struct confirm *c = call->state;

	c->ok = c->hash[0] && pwhash_verify(c->hash, c->password);
	if (!c->hash[0])
		pwhash_verify(pwhash_dummy(call->app->cfg), c->password);
	if (!c->ok)
		svc_guess_done(call->app, &c->guess, LOGIN_WRONG);
	else if (c->code == NULL)
		svc_guess_done(call->app, &c->guess, LOGIN_RIGHT);
	if (c->ok && c->new_password)
		return pwhash_hash(call->app->cfg, c->new_password, c->new_hash,
		                   &call->err);
	return PL_OK;
}

/* A wrong password (or code) in what: its audit row, then 401. */
static int
wrong_password(struct rpc_call *call, enum svc_secret_check what)
{
	svc_session_secret_failed(call->app, call->db, what,
	                          call->session.user_id, call->peer);
	return pl_error_set(&call->err, PL_ERR_UNAUTHORIZED,
	                    "invalid_credentials", "wrong password");
}

static int
change_check(struct rpc_call *call)
{
	const char *cur = NULL, *pw = NULL;
	struct confirm *c;

	params_str(call->params, "current_password", 1, &cur, &call->err);
	params_str(call->params, "new_password", 1, &pw, &call->err);
	if (call->err.code)
		return call->err.code;
	/* Both before any hash: a refused change costs no argon2 time. */
	password_validate(pw, &call->err);
	breached_check(call->app->breached, pw, "password", &call->err);
	if (call->err.code) {
		size_t i;
		json_t *v;

		/* The policy names its field password; here it is new. */
		json_array_foreach (call->err.violations, i, v)
			json_object_set_new(v, "field",
			                    json_string("new_password"));
		return call->err.code;
	}
	c = confirm_new(call, cur);
	c->new_password = xstrdup(pw);
	return confirm_lookup(call);
}

static int
change_store(struct rpc_call *call)
{
	struct confirm *c = call->state;

	if (!c->ok)
		return wrong_password(call, SVC_SECRET_CHANGE_PASSWORD);
	if (svc_account_set_password(call->app, call->db, call->session.user_id,
	                             call->session.user_id, c->hash,
	                             c->new_hash, call->session.token_hash,
	                             NULL, &call->err) != 0)
		return call->err.code;
	call->result = json_pack("{s:b}", "changed", 1);
	return PL_OK;
}

const struct rpc_method rpc_user_change_password = {
    .name = "user.change_password",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, change_check},
              {STEP_CPU, confirm_reserve},
              {STEP_HASH, confirm_verify},
              {STEP_DB, change_store}},
};

static int
sessions_run(struct rpc_call *call)
{
	return svc_account_sessions(call->app, call->db, call->session.user_id,
	                            call->session.token_hash, &call->result,
	                            &call->err);
}

const struct rpc_method rpc_session_list = {
    .name = "session.list",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, sessions_run}},
};

static int
revoke_run(struct rpc_call *call)
{
	const char *id = NULL;
	int current = 0;

	if (params_uuid(call->params, "id", 1, &id, &call->err) != 0)
		return call->err.code;
	if (svc_account_revoke(call->app, call->db, call->session.user_id, id,
	                       call->session.token_hash, &current,
	                       &call->result, &call->err) != 0)
		return call->err.code;
	/* Revoking the session in use signs this connection out now. */
	if (current)
		call->session_change = -1;
	return PL_OK;
}

const struct rpc_method rpc_session_revoke = {
    .name = "session.revoke",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, revoke_run}},
};

static int
totp_begin_run(struct rpc_call *call)
{
	return svc_totp_begin(call->app, call->db, call->session.user_id,
	                      &call->result, &call->err);
}

const struct rpc_method rpc_user_totp_begin = {
    .name = "user.totp_begin",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, totp_begin_run}},
};

static int
totp_enable_run(struct rpc_call *call)
{
	const char *code = NULL;

	if (params_str(call->params, "code", 1, &code, &call->err) != 0)
		return call->err.code;
	return svc_totp_enable(call->app, call->db, call->session.user_id,
	                       call->session.user_id, code, &call->result,
	                       &call->err);
}

const struct rpc_method rpc_user_totp_enable = {
    .name = "user.totp_enable",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, totp_enable_run}},
};

static int
totp_disable_check(struct rpc_call *call)
{
	const char *pw = NULL, *code = NULL;
	struct confirm *c;

	params_str(call->params, "password", 1, &pw, &call->err);
	params_str(call->params, "code", 1, &code, &call->err);
	if (call->err.code)
		return call->err.code;
	c = confirm_new(call, pw);
	c->code = xstrdup(code);
	return confirm_lookup(call);
}

static int
totp_disable_store(struct rpc_call *call)
{
	struct confirm *c = call->state;
	int rc;

	if (!c->ok)
		return wrong_password(call, SVC_SECRET_TOTP_DISABLE);
	rc = svc_totp_disable(call->app, call->db, call->session.user_id,
	                      c->code, &call->result, &call->err);
	svc_guess_settle(call->app, &c->guess, rc);
	if (rc == PL_ERR_UNAUTHORIZED)
		svc_session_secret_failed(call->app, call->db,
		                          SVC_SECRET_TOTP_DISABLE,
		                          call->session.user_id, call->peer);
	return rc;
}

const struct rpc_method rpc_user_totp_disable = {
    .name = "user.totp_disable",
    .auth = RPC_AUTH_USER,
    .fresh = 1,
    .steps = {{STEP_DB, totp_disable_check},
              {STEP_CPU, confirm_reserve},
              {STEP_HASH, confirm_verify},
              {STEP_DB, totp_disable_store}},
};

static int
reauth_check(struct rpc_call *call)
{
	const char *pw = NULL, *code = NULL;
	struct confirm *c;

	params_str(call->params, "password", 1, &pw, &call->err);
	params_str(call->params, "totp", 0, &code, &call->err);
	if (call->err.code)
		return call->err.code;
	c = confirm_new(call, pw);
	/* Never NULL: a right password ends the guess only with the
	 * code's check (svc_account_reauth). */
	c->code = xstrdup(code ? code : "");
	return confirm_lookup(call);
}

static int
reauth_store(struct rpc_call *call)
{
	struct confirm *c = call->state;
	int rc;

	if (!c->ok)
		return wrong_password(call, SVC_SECRET_REAUTH);
	rc = svc_account_reauth(call->app, call->db, call->session.user_id,
	                        call->session.token_hash, c->code,
	                        &call->result, &call->err);
	/* Asking for the code is no guess; a wrong code is. */
	if (rc == PL_ERR_UNAUTHORIZED && *c->code == '\0')
		svc_guess_done(call->app, &c->guess, LOGIN_NO_GUESS);
	else
		svc_guess_settle(call->app, &c->guess, rc);
	if (rc == PL_ERR_UNAUTHORIZED && *c->code != '\0')
		svc_session_secret_failed(call->app, call->db,
		                          SVC_SECRET_REAUTH,
		                          call->session.user_id, call->peer);
	return rc;
}

const struct rpc_method rpc_session_reauth = {
    .name = "session.reauth",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, reauth_check},
              {STEP_CPU, confirm_reserve},
              {STEP_HASH, confirm_verify},
              {STEP_DB, reauth_store}},
};

static int
activity_run(struct rpc_call *call)
{
	const char *after = NULL;
	long long limit = 0;

	params_int(call->params, "limit", 0, 1, 200, 50, &limit, &call->err);
	params_str(call->params, "after", 0, &after, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_audit_activity(call->db, call->session.user_id, after,
	                          (int)limit, &call->result, &call->err);
}

const struct rpc_method rpc_account_activity = {
    .name = "account.activity",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, activity_run}},
};
