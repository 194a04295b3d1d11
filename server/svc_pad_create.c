/*
 * pad.create: the pad and its audit row as one batch, committed by its
 * Sync; in two halves (queue, end) for the loop thread, which sends the
 * batch and waits for it itself, and whole for a worker.
 */
#include "svc_pad.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "repo_pad.h"
#include "repo_template.h"
#include "xalloc.h"

/* Checks the values and queues the pad and its audit row as one batch
 * (nothing is sent before the commit); a template's data is read first. */
static int
pad_create_queue(struct padlined *app, struct db_conn *db, const char *user_id,
                 const char *display_name, json_t *data, const char *tmpl,
                 struct svc_pad_new *nw, struct pl_error *err)
{
	char name[PAD_NAME_BYTES], *text = NULL, id[37];
	json_t *t = NULL, *subject;

	memset(nw, 0, sizeof *nw);
	svc_pad_name_check(display_name ? display_name : "", name, err);
	if (data != NULL && tmpl != NULL)
		pl_error_violation(err, "template", "exclusive",
		                   "give either data or a template");
	else if (data != NULL)
		svc_pad_data_check(app, data, &text, err);
	if (err->code) {
		free(text);
		return err->code;
	}
	if (tmpl != NULL) {
		if (repo_template_get(db, tmpl, &t, err) != 0)
			return err->code;
		if (t == NULL)
			return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
			                    "no such template");
		/* Templates are the operator's: no size limit. */
		nw->tree = json_incref(json_object_get(t, "data"));
		text = json_dumps(nw->tree, JSON_COMPACT);
		json_decref(t);
		if (text == NULL)
			return pl_error_set(err, PL_ERR_INTERNAL, "internal",
			                    "internal error");
	}
	if (text == NULL)
		text = xstrdup("{}");
	if (nw->tree == NULL)
		nw->tree = data != NULL ? json_incref(data) : json_object();
	/* One round trip, one batch: the pad and its audit row, committed
	 * by the batch's Sync (no BEGIN or COMMIT to send and run). */
	svc_pad_new_id(id);
	subject = json_pack("{s:s, s:s}", "id", id, "display_name", name);
	if (db_tx_begin_one(db, err) == 0) {
		if (repo_pad_create(db, id, user_id, name, text, &nw->pad,
		                    err) != 0)
			db_tx_rollback(db);
		else
			svc_pad_emit(db, "pad.created", user_id, subject, NULL);
	}
	json_decref(subject);
	free(text);
	return err->code;
}

int
svc_pad_create_queue(struct padlined *app, struct db_conn *db,
                     const char *user_id, const char *display_name,
                     json_t *data, struct svc_pad_new *nw, struct pl_error *err)
{
	return pad_create_queue(app, db, user_id, display_name, data, NULL, nw,
	                        err);
}

int
svc_pad_create_end(struct db_conn *db, struct svc_pad_new *nw, int rc,
                   json_t **pad, struct pl_error *err)
{
	if (rc != 0)
		svc_pad_write_failed(db, err);
	/* The pad's data is the tree just stored (jsonb keeps its meaning,
	 * not its key order): the one parse was the request's. */
	else if (nw->pad != NULL)
		json_object_set(nw->pad, "data", nw->tree);
	json_decref(nw->tree);
	nw->tree = NULL;
	*pad = err->code ? NULL : nw->pad;
	if (err->code)
		json_decref(nw->pad);
	nw->pad = NULL;
	return err->code;
}

int
svc_pad_create(struct padlined *app, struct db_conn *db, const char *user_id,
               const char *display_name, json_t *data, const char *tmpl,
               json_t **pad, struct pl_error *err)
{
	struct svc_pad_new nw;
	int rc = pad_create_queue(app, db, user_id, display_name, data, tmpl,
	                          &nw, err);

	if (rc == PL_OK)
		rc = db_tx_commit(db, err);
	return svc_pad_create_end(db, &nw, rc, pad, err);
}
