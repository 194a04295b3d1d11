/*
 * Creating and listing invitations. The code is 24 random bytes in hex; the
 * registration transaction (svc_user.c) spends it.
 */
#include "svc_invitation.h"

#include <sodium.h>
#include <string.h>

#include "db.h"
#include "pwhash.h"
#include "outbox.h"
#include "repo_invitation.h"
#include "validate.h"

int
svc_invitation_create(struct padlined *app, struct db_conn *db,
                      const char *actor_id, long long expires_in,
                      const char *note, json_t **result, struct pl_error *err)
{
	unsigned char raw[24];
	char code[sizeof raw * 2 + 1], hash[PWHASH_SHA256_HEX], exp_text[40];

	(void)app;
	if (text_max_chars("note", note, 200, err) != PL_OK ||
	    text_no_controls("note", note, err) != PL_OK)
		return err->code;
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(code, sizeof code, raw, sizeof raw);
	pwhash_sha256_hex(code, hash);
	if (repo_invitation_insert(db, hash, note, actor_id, expires_in,
	                           exp_text, err) != 0)
		return err->code;
	*result = json_pack("{s:s, s:s}", "code", code, "expires_at", exp_text);
	sodium_memzero(code, sizeof code);
	return PL_OK;
}

int
svc_invitation_list(struct db_conn *db, json_t **result, struct pl_error *err)
{
	json_t *inv = NULL;

	if (repo_invitation_list(db, &inv, err) != 0)
		return err->code;
	*result = json_pack("{s:o}", "invitations", inv);
	return PL_OK;
}

static int
revoke_tx(struct db_conn *db, const char *actor_id, const char *id,
          json_t **item, struct pl_error *err)
{
	const char *status;

	if (repo_invitation_revoke(db, id, item, err) != 0)
		return err->code;
	if (*item == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such invitation");
	status = json_string_value(json_object_get(*item, "status"));
	if (status && strcmp(status, "used") == 0)
		return pl_error_set(err, PL_ERR_CONFLICT, "invitation_used",
		                    "this invitation was already used");
	audit_emit(db, "invitation.revoked", actor_id, *item, NULL);
	return PL_OK;
}

int
svc_invitation_revoke(struct padlined *app, struct db_conn *db,
                      const char *actor_id, const char *id, json_t **result,
                      struct pl_error *err)
{
	json_t *item = NULL;
	int rc;

	(void)app;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = revoke_tx(db, actor_id, id, &item, err);
	if (db_tx_finish(db, rc, err) != 0) {
		json_decref(item);
		return err->code;
	}
	*result = json_pack("{s:o}", "invitation", item);
	return PL_OK;
}
