/*
 * Signup defense, admin methods: rule.list, rule.put, rule.delete,
 * rule.test, user.held, user.approve, user.reject, user.bulk, user.bulk_undo,
 * signup.stats, signup.attempts. They decode params; svc_signup and
 * svc_user_bulk do the rest.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "params.h"
#include "rpc.h"
#include "svc_signup.h"
#include "svc_user_bulk.h"
#include "validate.h"

static int
rule_list_run(struct rpc_call *call)
{
	return svc_signup_rules(call->app, call->db, &call->result, &call->err);
}

static int
rule_put_run(struct rpc_call *call)
{
	struct svc_signup_rule in = {.mode = "enforce"};
	struct pl_error *err = &call->err;

	params_str(call->params, "name", 1, &in.name, err);
	params_str(call->params, "when", 1, &in.when, err);
	params_str(call->params, "action", 1, &in.action, err);
	params_str(call->params, "mode", 0, &in.mode, err);
	params_int(call->params, "threshold", 0, 1, 1000000, 0, &in.threshold,
	           err);
	params_int(call->params, "window_s", 0, 1, 86400 * 30, 0, &in.window_s,
	           err);
	params_bool(call->params, "enabled", 0, 1, &in.enabled, err);
	if (err->code)
		return err->code;
	if (in.mode == NULL)
		in.mode = "enforce";
	return svc_signup_rule_put(call->app, call->db, call->session.user_id,
	                           &in, &call->result, err);
}

static int
rule_delete_run(struct rpc_call *call)
{
	long long id = 0;
	char text[24];

	params_int(call->params, "id", 1, 1, (long long)1 << 62, 0, &id,
	           &call->err);
	if (call->err.code)
		return call->err.code;
	snprintf(text, sizeof text, "%lld", id);
	return svc_signup_rule_delete(call->app, call->db,
	                              call->session.user_id, text,
	                              &call->result, &call->err);
}

/* ids: 1 to 1000 UUIDs. */
static int
decide(struct rpc_call *call, const char *status)
{
	json_t *ids = json_object_get(call->params, "ids"), *id;
	size_t i;

	if (!json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > 1000)
		return pl_error_violation(&call->err, "ids", "type",
		                          "ids is an array of 1 to 1000 user "
		                          "ids");
	json_array_foreach (ids, i, id)
		if (!json_is_string(id) || !text_is_uuid(json_string_value(id)))
			return pl_error_violation(&call->err, "ids", "format",
			                          "each id is a UUID");
	return svc_signup_decide(call->app, call->db, call->session.user_id,
	                         ids, status, &call->result, &call->err);
}

static int
approve_run(struct rpc_call *call)
{
	return decide(call, "active");
}

static int
reject_run(struct rpc_call *call)
{
	return decide(call, "rejected");
}

static int
held_run(struct rpc_call *call)
{
	const char *filter = NULL;
	long long limit = 200;

	params_str(call->params, "filter", 0, &filter, &call->err);
	params_int(call->params, "limit", 0, 1, 1000, 200, &limit, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_user_held(call->db, filter, (int)limit, &call->result,
	                     &call->err);
}

static int
bulk_run(struct rpc_call *call)
{
	const char *filter = NULL, *action = NULL;
	int dry = 0;

	params_str(call->params, "filter", 1, &filter, &call->err);
	params_str(call->params, "action", 1, &action, &call->err);
	params_bool(call->params, "dry_run", 0, 0, &dry, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_user_bulk(call->app, call->db, call->session.user_id, filter,
	                     action, dry, &call->result, &call->err);
}

static int
bulk_undo_run(struct rpc_call *call)
{
	long long id = 0;

	params_int(call->params, "batch_id", 1, 1, (long long)1 << 62, 0, &id,
	           &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_user_bulk_undo(call->app, call->db, call->session.user_id,
	                          id, &call->result, &call->err);
}

static int
stats_run(struct rpc_call *call)
{
	long long w = 60;

	params_int(call->params, "window_min", 0, 1, 1440, 60, &w, &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_signup_stats(call->app, call->db, (int)w, &call->result,
	                        &call->err);
}

static int
attempts_run(struct rpc_call *call)
{
	const char *filter = NULL;
	long long limit = 50, after = 0;

	params_str(call->params, "filter", 0, &filter, &call->err);
	params_int(call->params, "limit", 0, 1, 500, 50, &limit, &call->err);
	params_int(call->params, "after", 0, 1, (long long)1 << 62, 0, &after,
	           &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_signup_attempts(call->db, filter, (int)limit, after,
	                           &call->result, &call->err);
}

/* {name?, id?, since_h?}: one rule (by name or stored id) or all. */
static int
rule_test_run(struct rpc_call *call)
{
	const char *name = NULL;
	long long id = 0, since_h = 24;

	params_str(call->params, "name", 0, &name, &call->err);
	params_int(call->params, "id", 0, 1, (long long)1 << 62, 0, &id,
	           &call->err);
	params_int(call->params, "since_h", 0, 1, 24 * 30, 24, &since_h,
	           &call->err);
	if (call->err.code)
		return call->err.code;
	return svc_signup_replay(call->app, call->db, since_h * 3600, name, id,
	                         &call->result, &call->err);
}

#define SIGNUP_ADMIN_METHOD(var, mname, fn)                                    \
	const struct rpc_method var = {                                        \
	    .name = mname,                                                     \
	    .auth = RPC_AUTH_ADMIN,                                            \
	    .steps = {{STEP_DB, fn}},                                          \
	}

SIGNUP_ADMIN_METHOD(rpc_rule_list, "rule.list", rule_list_run);
/* Reads the stored attempts and changes nothing: no fresh session. */
SIGNUP_ADMIN_METHOD(rpc_rule_test, "rule.test", rule_test_run);

/* A rule change can let a wave in or lock signups out: it needs a fresh
 * session, as user.update and user.delete do. */
const struct rpc_method rpc_rule_put = {
    .name = "rule.put",
    .auth = RPC_AUTH_ADMIN,
    .fresh = 1,
    .steps = {{STEP_DB, rule_put_run}},
};
const struct rpc_method rpc_rule_delete = {
    .name = "rule.delete",
    .auth = RPC_AUTH_ADMIN,
    .fresh = 1,
    .steps = {{STEP_DB, rule_delete_run}},
};
/* Changes many accounts at once (a dry run too: the console asks once,
 * before showing the count it acts on). */
const struct rpc_method rpc_user_bulk = {
    .name = "user.bulk",
    .auth = RPC_AUTH_ADMIN,
    .fresh = 1,
    .steps = {{STEP_DB, bulk_run}},
};
const struct rpc_method rpc_user_bulk_undo = {
    .name = "user.bulk_undo",
    .auth = RPC_AUTH_ADMIN,
    .fresh = 1,
    .steps = {{STEP_DB, bulk_undo_run}},
};
SIGNUP_ADMIN_METHOD(rpc_user_held, "user.held", held_run);
SIGNUP_ADMIN_METHOD(rpc_user_approve, "user.approve", approve_run);
SIGNUP_ADMIN_METHOD(rpc_user_reject, "user.reject", reject_run);
SIGNUP_ADMIN_METHOD(rpc_signup_stats, "signup.stats", stats_run);
SIGNUP_ADMIN_METHOD(rpc_signup_attempts, "signup.attempts", attempts_run);
