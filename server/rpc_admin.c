/*
 * Admin methods: user.sync, user.list, user.stats, user.get, user.update,
 * user.delete, invitation.create, invitation.list, invitation.revoke,
 * events.since, user.timeline. The dispatcher has already checked the
 * admin role; these only decode params and shape results.
 */
#include "app.h"
#include "params.h"
#include "rpc.h"
#include "svc_audit.h"
#include "svc_invitation.h"
#include "svc_user.h"
#include "svc_user_admin.h"

static int
sync_run(struct rpc_call *call)
{
	struct svc_user_sync in = {0};
	json_t *roles = json_object_get(call->params, "roles");
	struct pl_error *err = &call->err;

	params_uuid(call->params, "id", 1, &in.id, err);
	params_str(call->params, "username", 1, &in.username, err);
	params_str(call->params, "email", 0, &in.email, err);
	params_bool(call->params, "email_verified", 0, 0, &in.email_verified,
	            err);
	params_str(call->params, "name", 0, &in.name, err);
	params_str(call->params, "given_name", 0, &in.given_name, err);
	params_str(call->params, "family_name", 0, &in.family_name, err);
	if (json_is_null(roles))
		roles = NULL;
	if (roles && !json_is_array(roles))
		pl_error_violation(err, "roles", "type",
		                   "roles must be an array of strings");
	if (err->code)
		return err->code;
	return svc_user_sync(call->app, call->db, call->session.user_id, &in,
	                     roles, &call->result, err);
}

static int
list_run(struct rpc_call *call)
{
	struct svc_user_list_in in = {0};
	long long limit = 50;

	params_str(call->params, "query", 0, &in.query, &call->err);
	params_str(call->params, "filter", 0, &in.filter, &call->err);
	params_str(call->params, "sort", 0, &in.sort, &call->err);
	params_str(call->params, "order", 0, &in.order, &call->err);
	params_int(call->params, "limit", 0, 1, 500, 50, &limit, &call->err);
	params_uuid(call->params, "before", 0, &in.before, &call->err);
	if (call->err.code)
		return call->err.code;
	in.limit = (int)limit;
	return svc_user_list(call->db, &in, &call->result, &call->err);
}

static int
stats_run(struct rpc_call *call)
{
	return svc_user_stats(call->db, &call->result, &call->err);
}

static int
invitation_create_run(struct rpc_call *call)
{
	const char *note = NULL;
	long long expires_in = 0;

	params_int(call->params, "expires_in", 0, 60, 365LL * 86400,
	           INVITATION_DEFAULT_TTL, &expires_in, &call->err);
	params_str(call->params, "note", 0, &note, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_invitation_create(call->app, call->db, call->session.user_id,
	                             expires_in, note, &call->result,
	                             &call->err);
}

static int
invitation_list_run(struct rpc_call *call)
{
	return svc_invitation_list(call->db, &call->result, &call->err);
}

static int
events_since_run(struct rpc_call *call)
{
	long long after = 0, limit = 100;

	params_int(call->params, "after", 1, 0, 1LL << 62, 0, &after,
	           &call->err);
	params_int(call->params, "limit", 0, 1, 1000, 100, &limit, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_audit_since(call->db, after, (int)limit, &call->result,
	                       &call->err);
}

static int
timeline_run(struct rpc_call *call)
{
	const char *id = NULL, *after = NULL;
	long long limit = 0;

	params_uuid(call->params, "id", 1, &id, &call->err);
	params_int(call->params, "limit", 0, 1, 200, 50, &limit, &call->err);
	params_str(call->params, "after", 0, &after, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_audit_timeline(call->db, id, after, (int)limit,
	                          &call->result, &call->err);
}

static int
get_run(struct rpc_call *call)
{
	const char *id = NULL, *name = NULL;

	params_uuid(call->params, "id", 0, &id, &call->err);
	params_str(call->params, "username", 0, &name, &call->err);
	if (call->err.code)
		return call->err.code;
	if (id == NULL && name == NULL)
		return pl_error_violation(&call->err, "id", "required",
		                          "give id or username");
	return svc_user_get(call->db, id, name, call->app->cfg->session_idle,
	                    &call->result, &call->err);
}

static int
update_run(struct rpc_call *call)
{
	struct svc_user_change c = {.disabled = -1};
	json_t *roles = json_object_get(call->params, "roles");
	json_t *email = json_object_get(call->params, "email");
	struct pl_error *err = &call->err;
	json_t *user = NULL;
	int disabled = 0;

	params_uuid(call->params, "id", 1, &c.id, err);
	if (json_object_get(call->params, "disabled") &&
	    params_bool(call->params, "disabled", 1, 0, &disabled, err) == 0)
		c.disabled = disabled;
	params_bool(call->params, "totp_reset", 0, 0, &c.totp_reset, err);
	if (roles && !json_is_null(roles)) {
		if (json_is_array(roles))
			c.roles = roles;
		else
			pl_error_violation(err, "roles", "type",
			                   "roles must be an array of strings");
	}
	if (email) {
		c.set_email = 1;
		params_str(call->params, "email", 0, &c.email, err);
	}
	if (err->code)
		return err->code;
	if (svc_user_update(call->app, call->db, call->session.user_id, &c,
	                    &user, err) != 0)
		return err->code;
	call->result = json_pack("{s:o}", "user", user);
	return PL_OK;
}

static int
delete_run(struct rpc_call *call)
{
	const char *id = NULL;

	if (params_uuid(call->params, "id", 1, &id, &call->err) != 0 ||
	    svc_user_delete(call->app, call->db, call->session.user_id, id,
	                    &call->err) != 0)
		return call->err.code;
	call->result = json_pack("{s:b}", "deleted", 1);
	return PL_OK;
}

static int
invitation_revoke_run(struct rpc_call *call)
{
	const char *id = NULL;

	if (params_uuid(call->params, "id", 1, &id, &call->err) != 0)
		return call->err.code;
	return svc_invitation_revoke(call->app, call->db, call->session.user_id,
	                             id, &call->result, &call->err);
}

#define ADMIN_DB_METHOD(var, mname, fn)                                        \
	const struct rpc_method var = {                                        \
	    .name = mname,                                                     \
	    .auth = RPC_AUTH_ADMIN,                                            \
	    .steps = {{STEP_DB, fn}},                                          \
	}

ADMIN_DB_METHOD(rpc_user_sync, "user.sync", sync_run);
ADMIN_DB_METHOD(rpc_user_list, "user.list", list_run);
ADMIN_DB_METHOD(rpc_user_stats, "user.stats", stats_run);
ADMIN_DB_METHOD(rpc_invitation_create, "invitation.create",
                invitation_create_run);
ADMIN_DB_METHOD(rpc_invitation_list, "invitation.list", invitation_list_run);
ADMIN_DB_METHOD(rpc_events_since, "events.since", events_since_run);
ADMIN_DB_METHOD(rpc_user_get, "user.get", get_run);
ADMIN_DB_METHOD(rpc_user_timeline, "user.timeline", timeline_run);
/* What cannot be undone or locks people out needs a fresh session. */
const struct rpc_method rpc_user_update = {
    .name = "user.update",
    .auth = RPC_AUTH_ADMIN,
    .fresh = 1,
    .steps = {{STEP_DB, update_run}},
};
const struct rpc_method rpc_user_delete = {
    .name = "user.delete",
    .auth = RPC_AUTH_ADMIN,
    .fresh = 1,
    .steps = {{STEP_DB, delete_run}},
};
ADMIN_DB_METHOD(rpc_invitation_revoke, "invitation.revoke",
                invitation_revoke_run);
