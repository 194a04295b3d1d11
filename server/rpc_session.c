/*
 * session.login / resume / logout. Login takes four steps so the argon2
 * verification runs under hash admission and no database connection is
 * held while Redis is asked: lookup (DB), attempt reservation (CPU, Redis;
 * retried while the tries left are held by attempts in flight), verify
 * (HASH, against a dummy hash for unknown users), then session (DB).
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "params.h"
#include "rpc.h"
#include "svc_session.h"

/* The connection's binding for the session the service created. */
static void
session_bind(struct rpc_session *s, const struct svc_session_info *in)
{
	memset(s, 0, sizeof *s);
	s->active = 1;
	snprintf(s->user_id, sizeof s->user_id, "%s", in->user_id);
	snprintf(s->token_hash, sizeof s->token_hash, "%s", in->token_hash);
	s->is_admin = in->is_admin;
	s->expires_at = in->expires_at;
}

static void
login_abandon(struct rpc_call *call)
{
	svc_session_login_abandon(call->app, call->state);
}

static int
login_lookup(struct rpc_call *call)
{
	const char *name = NULL, *pw = NULL;

	params_str(call->params, "username", 1, &name, &call->err);
	params_str(call->params, "password", 1, &pw, &call->err);
	if (call->err.code)
		return call->err.code;
	call->state = svc_session_login_new(name, pw);
	call->state_free = svc_session_login_free;
	call->abandon = login_abandon;
	return svc_session_lookup(call->db, call->state, &call->err);
}

static int
login_reserve(struct rpc_call *call)
{
	if (svc_session_reserve(call->app, call->state, call->peer,
	                        &call->retry_ms, &call->err) != 0)
		return call->err.code;
	return call->retry_ms > 0 ? RPC_STEP_RETRY : PL_OK;
}

static int
login_verify(struct rpc_call *call)
{
	svc_session_verify(call->app, call->state);
	return PL_OK;
}

static int
login_finish(struct rpc_call *call)
{
	struct svc_session_info info;

	if (svc_session_login_finish(
	        call->app, call->db, call->state,
	        json_string_value(json_object_get(call->params, "totp")),
	        call->peer, &call->result, &info, &call->err) != 0)
		return call->err.code;
	session_bind(&call->new_session, &info);
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
	struct svc_session_info info;

	if (params_str(call->params, "token", 1, &token, &call->err) != 0)
		return call->err.code;
	if (svc_session_resume(call->app, call->db, token, &user, &info,
	                       &call->err) != 0)
		return call->err.code;
	session_bind(&call->new_session, &info);
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
