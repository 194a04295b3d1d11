/*
 * pad.create: the pad and its audit row as one batch, committed by its
 * Sync; in two halves (queue, end) for the loop thread, which sends the
 * batch and waits for it itself, and whole for a worker. The new pad comes
 * back as values and text, not a tree: its answer is printed from them.
 */
#include "svc_pad.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_num.h"
#include "outbox.h"
#include "repo_pad.h"
#include "repo_template.h"
#include "xalloc.h"

_Static_assert(sizeof((struct svc_pad_new *)0)->created_at == REPO_TIME_BYTES,
               "a new pad's times are read into REPO_TIME_BYTES");

/* A template's data: the text stored (as jsonb reads it) and, in *reply,
 * as answers print it. */
static int
pad_template_data(struct db_conn *db, const char *tmpl, char **text,
                  char **reply, struct pl_error *err)
{
	json_t *t = NULL, *data;

	if (repo_template_get(db, tmpl, &t, err) != 0)
		return err->code;
	if (t == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such template");
	/* Templates are the operator's: no size limit. */
	data = json_object_get(t, "data");
	*text = json_dumps(data, JSON_COMPACT);
	*reply = json_num_dumps(data, JSON_COMPACT);
	json_decref(t);
	if (*text == NULL || *reply == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	return PL_OK;
}

/* Checks the values and queues the pad and its audit row as one batch
 * (nothing is sent before the commit); a template's data is read first. */
static int
pad_create_queue(struct padlined *app, struct db_conn *db, const char *user_id,
                 const char *display_name, json_t *data, const char *tmpl,
                 struct svc_pad_new *nw, struct pl_error *err)
{
	char *text = NULL;

	memset(nw, 0, sizeof *nw);
	svc_pad_name_check(display_name ? display_name : "", nw->name, err);
	if (data != NULL && tmpl != NULL)
		pl_error_violation(err, "template", "exclusive",
		                   "give either data or a template");
	else if (data != NULL)
		svc_pad_data_check(app, data, &nw->data, err);
	if (err->code)
		return err->code;
	if (tmpl != NULL &&
	    pad_template_data(db, tmpl, &text, &nw->data, err) != PL_OK) {
		free(text);
		return err->code;
	}
	if (nw->data == NULL)
		nw->data = xstrdup("{}");
	/* One round trip, one batch: the pad and its audit row, committed
	 * by the batch's Sync (no BEGIN or COMMIT to send and run). */
	svc_pad_new_id(nw->id);
	if (db_tx_begin_one(db, err) == 0) {
		if (repo_pad_create_made(
		        db, nw->id, user_id, nw->name,
		        text != NULL ? text : nw->data, &nw->version, &nw->size,
		        nw->created_at, nw->updated_at, err) != 0)
			db_tx_rollback(db);
		else
			audit_emit_named(db, "pad.created", user_id, nw->id,
			                 nw->name, user_id);
	}
	free(text);
	return err->code;
}

void
svc_pad_new_clear(struct svc_pad_new *nw)
{
	free(nw->data);
	nw->data = NULL;
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
                   struct pl_error *err)
{
	if (rc != 0)
		svc_pad_write_failed(db, err);
	/* The pad's data is the text just stored (jsonb keeps its meaning,
	 * not its key order): the one parse was the request's. */
	if (err->code)
		svc_pad_new_clear(nw);
	return err->code;
}

int
svc_pad_create(struct padlined *app, struct db_conn *db, const char *user_id,
               const char *display_name, json_t *data, const char *tmpl,
               struct svc_pad_new *nw, struct pl_error *err)
{
	int rc = pad_create_queue(app, db, user_id, display_name, data, tmpl,
	                          nw, err);

	if (rc == PL_OK)
		rc = db_tx_commit(db, err);
	return svc_pad_create_end(db, nw, rc, err);
}
