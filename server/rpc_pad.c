/*
 * pad.* and template.list: decode params, call svc_pad, shape the result.
 * Each method is one STEP_DB step; rules and transactions live in svc_pad.c.
 * pad.create, pad.get and pad.list also run from the loop thread (.queue,
 * .end).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_write.h"
#include "params.h"
#include "rpc.h"
#include "svc_pad.h"
#include "svc_share.h"
#include "xalloc.h"

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

/* pad.list's params into req. */
static int
pad_list_params(struct rpc_call *call, struct svc_pad_list_req *req)
{
	long long limit;

	if (params_int(call->params, "limit", 0, 1, PAD_LIST_MAX,
	               PAD_LIST_DEFAULT, &limit, &call->err) ||
	    params_str(call->params, "after", 0, &req->after, &call->err) ||
	    params_str(call->params, "sort", 0, &req->sort, &call->err) ||
	    params_str(call->params, "order", 0, &req->order, &call->err) ||
	    params_str(call->params, "q", 0, &req->q, &call->err))
		return call->err.code;
	req->limit = (int)limit;
	return PL_OK;
}

/* {"pads": pads, "next": next}, both stolen. */
static int
pad_list_result(struct rpc_call *call, int rc, json_t *pads, json_t *next)
{
	if (rc != PL_OK)
		return rc;
	call->result = json_pack("{s:o, s:o}", "pads", pads, "next", next);
	return PL_OK;
}

static int
pad_list_run(struct rpc_call *call)
{
	struct svc_pad_list_req req = {0};
	json_t *pads = NULL, *next = NULL;
	int rc;

	if (pad_list_params(call, &req) != PL_OK)
		return call->err.code;
	rc = svc_pad_list(call->app, call->db, call->session.user_id, &req,
	                  &pads, &next, &call->err);
	return pad_list_result(call, rc, pads, next);
}

static void
pad_list_state_free(void *state)
{
	svc_pad_list_batch_free(state);
}

/* pad.list from the loop thread (rpc.h). A page longer than the default
 * is built on a worker: turning up to 1000 pads into JSON on the loop
 * would hold every other connection meanwhile. */
static int
pad_list_queue(struct rpc_call *call)
{
	struct svc_pad_list_req req = {0};

	if (pad_list_params(call, &req) != PL_OK)
		return call->err.code;
	if (req.limit > PAD_LIST_DEFAULT)
		return RPC_STEP_WORKER;
	call->state = svc_pad_list_batch_new();
	call->state_free = pad_list_state_free;
	return svc_pad_list_queue(call->db, call->session.user_id, &req,
	                          call->state, &call->err);
}

static int
pad_list_end(struct rpc_call *call, int rv)
{
	json_t *pads = NULL, *next = NULL;
	int rc;

	if (call->state == NULL) /* the params were refused */
		return rv;
	rc = svc_pad_list_end(call->state, rv, &pads, &next, &call->err);
	return pad_list_result(call, rc, pads, next);
}

/* if_version: the version the client last read; 0 when absent. */
static int
pad_if_version(struct rpc_call *call, long long *v)
{
	return params_int(call->params, "if_version", 0, 1, INT32_MAX, 0, v,
	                  &call->err);
}

/* pad.get's params: an id, or else a display_name. */
static int
pad_get_params(struct rpc_call *call, const char **id, const char **name)
{
	*id = *name = NULL;
	if (json_object_get(call->params, "id") != NULL ||
	    json_object_get(call->params, "display_name") == NULL)
		return pad_id(call, "id", id);
	return params_str(call->params, "display_name", 1, name, &call->err);
}

static int
pad_get_run(struct rpc_call *call)
{
	const char *id, *name;
	json_t *pad = NULL;
	int rc;

	if (pad_get_params(call, &id, &name) != PL_OK)
		return call->err.code;
	rc = svc_pad_get(call->app, call->db, call->session.user_id, id, name,
	                 &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

static void
pad_get_state_free(void *state)
{
	json_t **pad = state;

	json_decref(*pad);
	free(pad);
}

/* pad.get from the loop thread (rpc.h); the state is the pad read. */
static int
pad_get_queue(struct rpc_call *call)
{
	const char *id, *name;

	if (pad_get_params(call, &id, &name) != PL_OK)
		return call->err.code;
	call->state = xcalloc(1, sizeof(json_t *));
	call->state_free = pad_get_state_free;
	return svc_pad_get_queue(call->db, call->session.user_id, id, name,
	                         call->state, &call->err);
}

static int
pad_get_end(struct rpc_call *call, int rv)
{
	json_t **pad = call->state;
	int rc;

	if (pad == NULL) /* the params were refused */
		return rv;
	rc = svc_pad_get_end(pad, rv, &call->err);
	if (rc == PL_OK) {
		rc = pad_result(call, rc, "pad", *pad);
		*pad = NULL; /* the result has it */
	}
	return rc;
}

/* data is any JSON value here (the service checks it is an object);
 * null counts as absent. */
static json_t *
pad_data_param(struct rpc_call *call)
{
	json_t *data = json_object_get(call->params, "data");

	return json_is_null(data) ? NULL : data;
}

/* {"pad": the new pad}, printed from its values: the same text as the
 * tree svc_pad_get's pad would dump to (the order of its members too),
 * without building one. */
static int
pad_created_result(struct rpc_call *call, int rc, const struct svc_pad_new *nw)
{
	struct json_write w = {0};

	if (rc != PL_OK)
		return rc;
	json_write_lit(&w, "{\"pad\":{\"id\":");
	json_write_str(&w, nw->id);
	json_write_lit(&w, ",\"display_name\":");
	json_write_str(&w, nw->name);
	json_write_lit(&w, ",\"version\":");
	json_write_ll(&w, nw->version);
	json_write_lit(&w, ",\"size\":");
	json_write_ll(&w, nw->size);
	json_write_lit(&w, ",\"created_at\":");
	json_write_str(&w, nw->created_at);
	json_write_lit(&w, ",\"updated_at\":");
	json_write_str(&w, nw->updated_at);
	json_write_lit(&w, ",\"access\":\"owner\",\"data\":");
	json_write_raw(&w, nw->data, strlen(nw->data));
	json_write_lit(&w, "}}");
	call->result_text = json_write_take(&w, NULL);
	return PL_OK;
}

static int
pad_create_run(struct rpc_call *call)
{
	const char *name = NULL, *tmpl = NULL;
	struct svc_pad_new nw;
	int rc;

	if (params_str(call->params, "display_name", 1, &name, &call->err) ||
	    params_str(call->params, "template", 0, &tmpl, &call->err))
		return call->err.code;
	rc = svc_pad_create(call->app, call->db, call->session.user_id, name,
	                    pad_data_param(call), tmpl, &nw, &call->err);
	rc = pad_created_result(call, rc, &nw);
	svc_pad_new_clear(&nw);
	return rc;
}

static void
pad_new_free(void *state)
{
	svc_pad_new_clear(state);
	free(state);
}

/* pad.create from the loop thread (rpc.h); one with a template reads the
 * template first, on a worker. */
static int
pad_create_queue(struct rpc_call *call)
{
	const char *name = NULL;
	struct svc_pad_new *nw;

	if (json_object_get(call->params, "template") != NULL)
		return RPC_STEP_WORKER;
	if (params_str(call->params, "display_name", 1, &name, &call->err))
		return call->err.code;
	nw = xcalloc(1, sizeof *nw);
	call->state = nw;
	call->state_free = pad_new_free;
	return svc_pad_create_queue(call->app, call->db, call->session.user_id,
	                            name, pad_data_param(call), nw, &call->err);
}

static int
pad_create_end(struct rpc_call *call, int rv)
{
	int rc;

	if (call->state == NULL) /* the params were refused */
		return rv;
	rc = svc_pad_create_end(call->db, call->state, rv, &call->err);
	return pad_created_result(call, rc, call->state);
}

static int
pad_update_run(struct rpc_call *call)
{
	const char *id, *name = NULL;
	json_t *pad = NULL;
	long long if_version;
	int rc;

	if (pad_id(call, "id", &id) ||
	    params_str(call->params, "display_name", 0, &name, &call->err) ||
	    pad_if_version(call, &if_version))
		return call->err.code;
	rc =
	    svc_pad_update(call->app, call->db, call->session.user_id, id, name,
	                   pad_data_param(call), if_version, &pad, &call->err);
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
	long long if_version;
	int rc;

	if (pad_id(call, "id", &id) || pad_id(call, "backup_id", &backup_id) ||
	    pad_if_version(call, &if_version))
		return call->err.code;
	rc = svc_pad_restore(call->app, call->db, call->session.user_id, id,
	                     backup_id, if_version, &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

static int
pad_backup_get_run(struct rpc_call *call)
{
	const char *id, *backup_id;
	json_t *backup = NULL;
	int rc;

	if (pad_id(call, "id", &id) || pad_id(call, "backup_id", &backup_id))
		return call->err.code;
	rc = svc_pad_backup_get(call->app, call->db, call->session.user_id, id,
	                        backup_id, &backup, &call->err);
	return pad_result(call, rc, "backup", backup);
}

static int
pad_share_run(struct rpc_call *call)
{
	const char *id, *username, *role = NULL;
	json_t *share = NULL;
	int rc;

	if (pad_id(call, "id", &id) ||
	    params_str(call->params, "username", 1, &username, &call->err) ||
	    params_str(call->params, "role", 0, &role, &call->err))
		return call->err.code;
	rc = svc_pad_share(call->app, call->db, call->session.user_id, id,
	                   username, role, &share, &call->err);
	return pad_result(call, rc, "share", share);
}

static int
pad_unshare_run(struct rpc_call *call)
{
	const char *id, *username;

	if (pad_id(call, "id", &id) ||
	    params_str(call->params, "username", 1, &username, &call->err))
		return call->err.code;
	if (svc_pad_unshare(call->app, call->db, call->session.user_id, id,
	                    username, &call->err) != PL_OK)
		return call->err.code;
	call->result = json_pack("{s:b}", "unshared", 1);
	return PL_OK;
}

static int
pad_shares_run(struct rpc_call *call)
{
	const char *id;
	json_t *shares = NULL;
	int rc;

	if (pad_id(call, "id", &id))
		return call->err.code;
	rc = svc_pad_shares(call->app, call->db, call->session.user_id, id,
	                    &shares, &call->err);
	return pad_result(call, rc, "shares", shares);
}

static int
pad_trash_run(struct rpc_call *call)
{
	json_t *pads = NULL, *next = NULL;
	const char *after = NULL;
	long long limit;

	if (params_int(call->params, "limit", 0, 1, PAD_LIST_MAX,
	               PAD_LIST_DEFAULT, &limit, &call->err) ||
	    params_str(call->params, "after", 0, &after, &call->err))
		return call->err.code;
	if (svc_pad_trash(call->app, call->db, call->session.user_id,
	                  (int)limit, after, &pads, &next, &call->err) != PL_OK)
		return call->err.code;
	call->result = json_pack("{s:o, s:o}", "pads", pads, "next", next);
	return PL_OK;
}

static int
pad_undelete_run(struct rpc_call *call)
{
	const char *id, *name = NULL;
	json_t *pad = NULL;
	int rc;

	if (pad_id(call, "id", &id) ||
	    params_str(call->params, "new_name", 0, &name, &call->err))
		return call->err.code;
	rc = svc_pad_undelete(call->app, call->db, call->session.user_id, id,
	                      name, &pad, &call->err);
	return pad_result(call, rc, "pad", pad);
}

static int
pad_purge_run(struct rpc_call *call)
{
	const char *id;

	if (pad_id(call, "id", &id))
		return call->err.code;
	if (svc_pad_purge(call->app, call->db, call->session.user_id, id,
	                  &call->err) != PL_OK)
		return call->err.code;
	call->result = json_pack("{s:b}", "purged", 1);
	return PL_OK;
}

static int
pad_import_run(struct rpc_call *call)
{
	json_t *result = NULL;

	if (svc_pad_import(call->app, call->db, call->session.user_id,
	                   json_object_get(call->params, "pads"), &result,
	                   &call->err) != PL_OK)
		return call->err.code;
	call->result = result;
	return PL_OK;
}

#define PAD_METHOD(sym, mname, mauth, fn)                                      \
	const struct rpc_method sym = {                                        \
	    .name = mname,                                                     \
	    .auth = mauth,                                                     \
	    .steps = {{STEP_DB, fn}},                                          \
	}

PAD_METHOD(rpc_template_list, "template.list", RPC_AUTH_NONE,
           template_list_run);
const struct rpc_method rpc_pad_list = {
    .name = "pad.list",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, pad_list_run, pad_list_queue, pad_list_end}},
};
const struct rpc_method rpc_pad_get = {
    .name = "pad.get",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, pad_get_run, pad_get_queue, pad_get_end}},
};
const struct rpc_method rpc_pad_create = {
    .name = "pad.create",
    .auth = RPC_AUTH_USER,
    .steps = {{STEP_DB, pad_create_run, pad_create_queue, pad_create_end}},
};
PAD_METHOD(rpc_pad_update, "pad.update", RPC_AUTH_USER, pad_update_run);
PAD_METHOD(rpc_pad_delete, "pad.delete", RPC_AUTH_USER, pad_delete_run);
PAD_METHOD(rpc_pad_backups, "pad.backups", RPC_AUTH_USER, pad_backups_run);
PAD_METHOD(rpc_pad_restore, "pad.restore", RPC_AUTH_USER, pad_restore_run);
PAD_METHOD(rpc_pad_backup_get, "pad.backup_get", RPC_AUTH_USER,
           pad_backup_get_run);
PAD_METHOD(rpc_pad_share, "pad.share", RPC_AUTH_USER, pad_share_run);
PAD_METHOD(rpc_pad_unshare, "pad.unshare", RPC_AUTH_USER, pad_unshare_run);
PAD_METHOD(rpc_pad_shares, "pad.shares", RPC_AUTH_USER, pad_shares_run);
PAD_METHOD(rpc_pad_trash, "pad.trash", RPC_AUTH_USER, pad_trash_run);
PAD_METHOD(rpc_pad_undelete, "pad.undelete", RPC_AUTH_USER, pad_undelete_run);
PAD_METHOD(rpc_pad_purge, "pad.purge", RPC_AUTH_USER, pad_purge_run);
PAD_METHOD(rpc_pad_import, "pad.import", RPC_AUTH_USER, pad_import_run);
