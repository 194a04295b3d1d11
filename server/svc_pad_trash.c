/*
 * The trash: listing, undeleting and purging trashed pads, and the timer's
 * purge of expired ones. A trashed pad keeps its row (deleted_at set), its
 * backups and its shares, so undeleting brings all of it back; every other
 * pad service sees a trashed pad as missing.
 */
#include "svc_pad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "repo_pad.h"
#include "repo_pad_trash.h"
#include "xalloc.h"

/* Pads purged per transaction of the timer's purge. */
#define PURGE_BATCH 100

void
svc_pad_emit_many(struct db_conn *db, const char *action, const char *actor_id,
                  json_t *pads, json_t *extra)
{
	size_t i;
	json_t *p;

	json_array_foreach (pads, i, p) {
		json_t *subject = json_pack(
		    "{s:O, s:O, s:O}", "id", json_object_get(p, "id"),
		    "display_name", json_object_get(p, "display_name"),
		    "owner_id", json_object_get(p, "owner_id"));

		audit_emit(db, action, actor_id, subject, extra);
		json_decref(subject);
	}
}

static int
trash_not_found(struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
	                    "no such pad in your trash");
}

int
svc_pad_trash(struct padlined *app, struct db_conn *db, const char *user_id,
              int limit, const char *after, json_t **pads, json_t **next,
              struct pl_error *err)
{
	const char *kind = NULL, *key = NULL, *id = NULL;
	json_t *cursor = NULL;
	size_t n;

	*pads = *next = NULL;
	if (after &&
	    (svc_pad_cursor_read(after, &kind, &key, &id, &cursor) != 0 ||
	     strcmp(kind, "trash") != 0 || !svc_pad_time_key_ok(key))) {
		json_decref(cursor);
		return pl_error_violation(
		    err, "after", "format",
		    "after is not a cursor from pad.trash");
	}
	if (repo_pad_trash_list(db, user_id, key, id, limit + 1,
	                        app->cfg->trash_days, pads, err) == 0) {
		/* One row more than asked says whether a next page exists. */
		n = json_array_size(*pads);
		if (n > (size_t)limit) {
			json_t *last;
			char *c;

			json_array_remove(*pads, n - 1);
			last = json_array_get(*pads, n - 2);
			c = svc_pad_cursor_new(
			    "trash",
			    json_string_value(
			        json_object_get(last, "deleted_at")),
			    json_string_value(json_object_get(last, "id")));
			*next = json_string(c);
			free(c);
		} else {
			*next = json_null();
		}
	}
	json_decref(cursor);
	return err->code;
}

int
svc_pad_undelete(struct padlined *app, struct db_conn *db, const char *user_id,
                 const char *id, const char *new_name, json_t **pad,
                 struct pl_error *err)
{
	char name[PAD_NAME_MAX * 4 + 1];
	json_t *subject;

	(void)app;
	*pad = NULL;
	if (new_name && svc_pad_name_check(new_name, name, err) != 0)
		return err->code;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (repo_pad_undelete(db, id, user_id, new_name ? name : NULL, pad,
	                      err) != 0) {
		db_tx_rollback(db);
		return svc_pad_write_failed(db, err);
	}
	if (*pad == NULL) {
		db_tx_rollback(db);
		return trash_not_found(err);
	}
	subject =
	    json_pack("{s:O, s:O}", "id", json_object_get(*pad, "id"),
	              "display_name", json_object_get(*pad, "display_name"));
	svc_pad_emit(db, "pad.undeleted", user_id, subject, NULL);
	if (svc_pad_commit(db, err) != 0) {
		json_decref(*pad);
		*pad = NULL;
	}
	json_decref(subject);
	return err->code;
}

int
svc_pad_purge(struct padlined *app, struct db_conn *db, const char *user_id,
              const char *id, struct pl_error *err)
{
	json_t *pad = NULL;

	(void)app;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (repo_pad_purge(db, id, user_id, &pad, err) != 0 ||
	    db_tx_flush(db, err) != 0) {
		db_tx_rollback(db);
		json_decref(pad);
		return err->code;
	}
	if (pad == NULL) {
		db_tx_rollback(db);
		return trash_not_found(err);
	}
	svc_pad_emit(db, "pad.purged", user_id, pad, NULL);
	svc_pad_commit(db, err);
	json_decref(pad);
	return err->code;
}

/* One transaction of the purge: the lock, up to PURGE_BATCH pads and an
 * audit row each (no actor: the server did it), then their events. *n =
 * pads purged; -1 when another instance holds the lock. */
static int
purge_batch(struct padlined *app, struct db_conn *db, const char *key, int *n,
            struct pl_error *err)
{
	json_t *pads = NULL, *extra;
	int got = 0;

	*n = 0;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (repo_pad_purge_lock(db, key, &got, err) != 0)
		goto fail;
	if (!got) {
		db_tx_rollback(db);
		*n = -1;
		return PL_OK;
	}
	if (repo_pad_purge_expired(db, app->cfg->trash_days, PURGE_BATCH, &pads,
	                           err) != 0)
		goto fail;
	extra = json_pack("{s:s}", "reason", "expired");
	svc_pad_emit_many(db, "pad.purged", NULL, pads, extra);
	if (svc_pad_commit(db, err) == 0)
		*n = (int)json_array_size(pads);
	json_decref(extra);
	json_decref(pads);
	return err->code;
fail:
	db_tx_rollback(db);
	json_decref(pads);
	return err->code;
}

int
svc_pad_purge_expired(struct padlined *app, struct db_conn *db, int *purged,
                      struct pl_error *err)
{
	char key[256];
	int n;

	*purged = 0;
	/* One purge per schema at a time, whatever the instances. */
	snprintf(key, sizeof key, "padline:trash-purge:%s", app->cfg->schema);
	do {
		if (purge_batch(app, db, key, &n, err) != 0)
			return err->code;
		if (n > 0)
			*purged += n;
	} while (n == PURGE_BATCH);
	if (*purged > 0)
		log_info("trash_purged", "pads=%d", *purged);
	return PL_OK;
}
