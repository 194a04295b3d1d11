/*
 * pad.* and template.list: decode params, call svc_pad, shape the result.
 * Each method is one STEP_DB step; rules and transactions live in svc_pad.c.
 */
#include <string.h>

#include "params.h"
#include "rpc.h"
#include "svc_pad.h"

/* Wraps a service result as {key: value}; value is stolen. */
static int
pad_result(struct rpc_call *call, int rc, const char *key, json_t *value)
{
	if (rc != PL_OK)
		return rc;
	call->result = json_pack("{s:o}", key, value);
	return PL_OK;
}

/* The "id" param every method but list/create needs. */
static int
pad_id(struct rpc_call *call, const char *key, const char **id)
{
	return params_uuid(call->params, key, 1, id, &call->err);
}

static int
template_list_run(struct rpc_call *call)
{
	json_t *t = NULL;
	int rc = svc_template_list(call->app, call->db, &t, &call->err);

	return pad_result(call, rc, "templates", t);
}

static int
pad_list_run(struct rpc_call *call)
{
	json_t *pads = NULL;
	int rc = svc_pad_list(call->app, call->db, call->session.user_id, &pads,
	                      &call->err);

	return pad_result(call, rc, "pads", pads);
}

static int
pad_get_run(struct rpc_call *call)
{
	const char *id = NULL, *name = NULL;
	json_t *pad = NULL;
	int rc;

	if (json_object_get(call->params, "id") != NULL ||
	    json_object_get(call->params, "display_name") == NULL) {
		if (pad_id(call, "id", &id) != PL_OK)
			return call->err.code;
	} else if (params_str(call->params, "display_name", 1, &name,
	                      &call->err) != PL_OK) {
		return call->err.code;
	}
	rc = svc_pad_get(call->app, call->db, call->session.user_id, id, name,
	                 &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

/* data is any JSON value here (the service checks it is an object);
 * null counts as absent. */
static json_t *
pad_data_param(struct rpc_call *call)
{
	json_t *data = json_object_get(call->params, "data");

	return json_is_null(data) ? NULL : data;
}

static int
pad_create_run(struct rpc_call *call)
{
	const char *name = NULL, *tmpl = NULL;
	json_t *pad = NULL;
	int rc;

	if (params_str(call->params, "display_name", 1, &name, &call->err) ||
	    params_str(call->params, "template", 0, &tmpl, &call->err))
		return call->err.code;
	rc = svc_pad_create(call->app, call->db, call->session.user_id, name,
	                    pad_data_param(call), tmpl, &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

static int
pad_update_run(struct rpc_call *call)
{
	const char *id, *name = NULL;
	json_t *pad = NULL;
	int rc;

	if (pad_id(call, "id", &id) ||
	    params_str(call->params, "display_name", 0, &name, &call->err))
		return call->err.code;
	rc = svc_pad_update(call->app, call->db, call->session.user_id, id,
	                    name, pad_data_param(call), &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

static int
pad_delete_run(struct rpc_call *call)
{
	const char *id;

	if (pad_id(call, "id", &id))
		return call->err.code;
	if (svc_pad_delete(call->app, call->db, call->session.user_id, id,
	                   &call->err) != PL_OK)
		return call->err.code;
	call->result = json_pack("{s:b}", "deleted", 1);
	return PL_OK;
}

static int
pad_backups_run(struct rpc_call *call)
{
	const char *id;
	json_t *backups = NULL;
	int with_data, rc;

	if (pad_id(call, "id", &id) ||
	    params_bool(call->params, "data", 0, 0, &with_data, &call->err))
		return call->err.code;
	rc = svc_pad_backups(call->app, call->db, call->session.user_id, id,
	                     with_data, &backups, &call->err);
	return pad_result(call, rc, "backups", backups);
}

static int
pad_restore_run(struct rpc_call *call)
{
	const char *id, *backup_id;
	json_t *pad = NULL;
	int rc;

	if (pad_id(call, "id", &id) || pad_id(call, "backup_id", &backup_id))
		return call->err.code;
	rc = svc_pad_restore(call->app, call->db, call->session.user_id, id,
	                     backup_id, &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

#define PAD_METHOD(sym, mname, mauth, fn)                                      \
	const struct rpc_method sym = {                                        \
	    .name = mname,                                                     \
	    .auth = mauth,                                                     \
	    .steps = {{STEP_DB, fn}},                                          \
	}

PAD_METHOD(rpc_template_list, "template.list", RPC_AUTH_NONE,
           template_list_run);
PAD_METHOD(rpc_pad_list, "pad.list", RPC_AUTH_USER, pad_list_run);
PAD_METHOD(rpc_pad_get, "pad.get", RPC_AUTH_USER, pad_get_run);
PAD_METHOD(rpc_pad_create, "pad.create", RPC_AUTH_USER, pad_create_run);
PAD_METHOD(rpc_pad_update, "pad.update", RPC_AUTH_USER, pad_update_run);
PAD_METHOD(rpc_pad_delete, "pad.delete", RPC_AUTH_USER, pad_delete_run);
PAD_METHOD(rpc_pad_backups, "pad.backups", RPC_AUTH_USER, pad_backups_run);
PAD_METHOD(rpc_pad_restore, "pad.restore", RPC_AUTH_USER, pad_restore_run);
