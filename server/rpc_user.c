/*
 * user.register (validate on CPU, the signup defense's screen, hash under
 * admission, one transaction on a pooled connection) and user.me.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "params.h"
#include "rpc.h"
#include "svc_session.h"
#include "svc_signup.h"
#include "svc_user.h"

static int
register_check(struct rpc_call *call)
{
	const char *token = NULL, *name = NULL, *pw = NULL, *email = NULL,
	           *inv = NULL;
	struct svc_new_user *nu;

	params_str(call->params, "form_token", 0, &token, &call->err);
	params_str(call->params, "username", 0, &name, &call->err);
	params_str(call->params, "password", 0, &pw, &call->err);
	params_str(call->params, "email", 0, &email, &call->err);
	params_str(call->params, "invitation", 0, &inv, &call->err);
	nu = svc_new_user_new(
	    call->err.code ? NULL : name, call->err.code ? NULL : pw,
	    call->err.code ? NULL : email, call->err.code ? NULL : inv,
	    call->err.code ? NULL : token);
	call->state = nu;
	call->state_free = svc_new_user_free;
	snprintf(nu->peer, sizeof nu->peer, "%s", call->peer);
	if (call->err.code == 0)
		svc_user_validate(call->app, nu, &call->err);
	/* A refused attempt is recorded too: the screen (with a
	 * connection) answers it. */
	nu->invalid = call->err;
	pl_error_init(&call->err);
	return PL_OK;
}

static int
register_screen(struct rpc_call *call)
{
	return svc_signup_screen(call->app, call->db, call->state, &call->err);
}

static int
register_hash(struct rpc_call *call)
{
	return svc_user_hash(call->app, call->state, &call->err);
}

static int
register_store(struct rpc_call *call)
{
	json_t *user = NULL;

	if (svc_user_create(call->app, call->db, call->state, &user,
	                    &call->err) != 0)
		return call->err.code;
	call->result = json_pack("{s:o}", "user", user);
	return PL_OK;
}

const struct rpc_method rpc_user_register = {
    .name = "user.register",
    .auth = RPC_AUTH_NONE,
    .steps = {{STEP_CPU, register_check},
              {STEP_DB, register_screen},
              {STEP_HASH, register_hash},
              {STEP_DB, register_store}},
};

/* Through the sessions table (svc_session_user): a session ended elsewhere
 * answers 401 here too. */
static int
me_run(struct rpc_call *call)
{
	json_t *user = NULL;

	if (svc_session_user(call->app, call->db, call->session.token_hash,
	                     &user, &call->err) != 0)
		return call->err.code;
	call->result = json_pack("{s:o}", "user", user);
	return PL_OK;
}

const struct rpc_method rpc_user_me = {
    .name = "user.me",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, me_run}},
};
