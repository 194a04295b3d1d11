/*
 * session.login / resume / logout. Login takes four steps so the argon2
 * verification runs under hash admission and no database connection is
 * held while Redis is asked: lookup (DB), attempt reservation (CPU, Redis),
 * verify (HASH, against a dummy hash for unknown users), then session (DB).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "params.h"
#include "pwhash.h"
#include "rpc.h"
#include "svc_account.h"
#include "svc_session.h"
#include "validate.h"
#include "xalloc.h"

struct login {
	/* Longer names cannot exist; cut (on a character boundary) so the
	 * lookup and the counter keys stay small. */
	char username[USERNAME_MAX * 2 + 2];
	char *password;
	struct repo_user_auth auth;
	int ok;
	char rehash[PWHASH_STRBYTES];
};

static void
login_free(void *p)
{
	struct login *l = p;

	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	json_decref(l->auth.user);
	free(l);
}

static int
login_lookup(struct rpc_call *call)
{
	const char *name = NULL, *pw = NULL;
	struct login *l;

	params_str(call->params, "username", 1, &name, &call->err);
	params_str(call->params, "password", 1, &pw, &call->err);
	if (call->err.code)
		return call->err.code;
	l = xcalloc(1, sizeof *l);
	l->password = xstrdup(pw);
	call->state = l;
	call->state_free = login_free;
	/* Surrounding whitespace is not part of a name. */
	svc_account_trim_username(name, l->username, sizeof l->username);
	return svc_session_lookup(call->db, l->username, &l->auth, &call->err);
}

static int
login_reserve(struct rpc_call *call)
{
	struct login *l = call->state;

	return svc_session_reserve(call->app, &l->auth, call->peer, &call->err);
}

static int
login_verify(struct rpc_call *call)
{
	struct login *l = call->state;
	const struct config *cfg = call->app->cfg;

	if (l->auth.user != NULL && l->auth.hash[0] != '\0') {
		l->ok = pwhash_verify(l->auth.hash, l->password);
		if (l->ok && pwhash_needs_rehash(cfg, l->auth.hash) &&
		    pwhash_hash(cfg, l->password, l->rehash, &call->err) != 0)
			l->rehash[0] = '\0';
		pl_error_clear(&call->err);
	} else {
		/* Same work as a real check: no timing hint that the name
		 * is unknown. */
		pwhash_verify(pwhash_dummy(cfg), l->password);
		l->ok = 0;
	}
	return PL_OK;
}

static int
login_finish(struct rpc_call *call)
{
	struct login *l = call->state;

	if (!l->ok) {
		svc_session_login_failed(call->app, call->db,
		                         l->auth.user ? l->auth.id : NULL,
		                         call->peer);
		return pl_error_set(&call->err, PL_ERR_UNAUTHORIZED,
		                    "invalid_credentials",
		                    "wrong username or password");
	}
	if (svc_account_login_gate(
	        call->app, call->db, l->auth.id, l->auth.user,
	        json_string_value(json_object_get(call->params, "totp")),
	        call->peer, &call->err) != 0)
		return call->err.code;
	if (svc_session_login_ok(call->app, call->db, &l->auth, call->peer,
	                         l->rehash[0] ? l->rehash : NULL, &call->result,
	                         &call->new_session, &call->err) != 0)
		return call->err.code;
	svc_account_logged_in(call->db, l->auth.id,
	                      call->new_session.token_hash, call->peer);
	call->session_change = 1;
	return PL_OK;
}

const struct rpc_method rpc_session_login = {
    .name = "session.login",
    .auth = RPC_AUTH_NONE,
    .steps = {{STEP_DB, login_lookup},
              {STEP_CPU, login_reserve},
              {STEP_HASH, login_verify},
              {STEP_DB, login_finish}},
};

static int
resume_run(struct rpc_call *call)
{
	const char *token = NULL;
	json_t *user = NULL;

	if (params_str(call->params, "token", 1, &token, &call->err) != 0)
		return call->err.code;
	if (svc_session_resume(call->app, call->db, token, &user,
	                       &call->new_session, &call->err) != 0)
		return call->err.code;
	call->session_change = 1;
	call->result = json_pack("{s:o}", "user", user);
	return PL_OK;
}

const struct rpc_method rpc_session_resume = {
    .name = "session.resume",
    .auth = RPC_AUTH_NONE,
    .steps = {{STEP_DB, resume_run}},
};

static int
logout_run(struct rpc_call *call)
{
	if (svc_session_logout(call->db, call->session.token_hash,
	                       &call->err) != 0)
		return call->err.code;
	call->session_change = -1;
	call->result = json_pack("{s:b}", "logged_out", 1);
	return PL_OK;
}

const struct rpc_method rpc_session_logout = {
    .name = "session.logout",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, logout_run}},
};
