/*
 * Pad sharing rules and transactions over repo_share. The pad's row is not
 * locked: a share references the pad, so a concurrent delete either waits
 * for the share's transaction or makes its insert fail, never leaves an
 * orphan.
 */
#include "svc_share.h"

#include <string.h>

#include "db.h"
#include "repo_share.h"
#include "svc_pad.h"

static int
share_username_check(const char *username, struct pl_error *err)
{
	if (username == NULL || username[0] == '\0')
		return pl_error_violation(err, "username", "required",
		                          "username is required");
	return PL_OK;
}

int
svc_pad_share(struct padlined *app, struct db_conn *db, const char *user_id,
              const char *id, const char *username, const char *role,
              json_t **share, struct pl_error *err)
{
	enum repo_share_result res;
	json_t *head = NULL;

	(void)app; /* the outbox needs none: kept for the callers' shape */
	*share = NULL;
	share_username_check(username, err);
	if (role == NULL)
		role = "viewer";
	if (strcmp(role, "viewer") != 0)
		pl_error_violation(err, "role", "enum",
		                   "role must be viewer (read-only)");
	if (err->code)
		return err->code;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (svc_pad_owned(db, user_id, id, 0, &head, err) != 0 ||
	    repo_share_insert(db, id, user_id, username, role, &res, share,
	                      err) != 0)
		goto fail;
	switch (res) {
	case REPO_SHARE_NO_USER:
		pl_error_set(err, PL_ERR_NOT_FOUND, "no_such_user",
		             "no such user");
		goto fail;
	case REPO_SHARE_OWNER:
		pl_error_violation(err, "username", "self",
		                   "you own this pad already");
		goto fail;
	case REPO_SHARE_EXISTED:
		db_tx_rollback(db); /* nothing changed */
		break;
	case REPO_SHARE_INSERTED:
		svc_pad_emit(db, "pad.shared", user_id, head,
		             json_pack("{s:O}", "share", *share));
		svc_pad_commit(db, err);
		break;
	}
	json_decref(head);
	if (err->code) {
		json_decref(*share);
		*share = NULL;
	}
	return err->code;
fail:
	db_tx_rollback(db);
	json_decref(head);
	json_decref(*share);
	*share = NULL;
	return err->code;
}

int
svc_pad_unshare(struct padlined *app, struct db_conn *db, const char *user_id,
                const char *id, const char *username, struct pl_error *err)
{
	json_t *head = NULL, *share = NULL;

	(void)app;
	if (share_username_check(username, err) != 0 ||
	    db_tx_begin(db, err) != 0)
		return err->code;
	if (svc_pad_owned(db, user_id, id, 0, &head, err) != 0 ||
	    repo_share_delete(db, id, username, &share, err) != 0)
		goto fail;
	if (share == NULL) {
		pl_error_set(err, PL_ERR_NOT_FOUND, "not_shared",
		             "this pad is not shared with that user");
		goto fail;
	}
	svc_pad_emit(db, "pad.unshared", user_id, head,
	             json_pack("{s:o}", "share", share));
	svc_pad_commit(db, err);
	json_decref(head);
	return err->code;
fail:
	db_tx_rollback(db);
	json_decref(head);
	json_decref(share);
	return err->code;
}

int
svc_pad_shares(struct padlined *app, struct db_conn *db, const char *user_id,
               const char *id, json_t **shares, struct pl_error *err)
{
	json_t *head = NULL;

	(void)app;
	*shares = NULL;
	if (svc_pad_read_begin(db, user_id, id, &head, err) == 0)
		repo_share_list(db, id, shares, err);
	if (svc_pad_read_end(db, user_id, id, &head, err) != 0) {
		json_decref(*shares);
		*shares = NULL;
	}
	json_decref(head);
	return err->code;
}
