/*
 * Creating and listing invitations. The code is 24 random bytes in hex; the
 * registration transaction (svc_user.c) spends it.
 */
#include "svc_invitation.h"

#include <sodium.h>
#include <string.h>

#include "pwhash.h"
#include "repo_invitation.h"
#include "validate.h"

int
svc_invitation_create(struct app *app, PGconn *db, const char *actor_id,
                      long long expires_in, const char *note, json_t **result,
                      struct pl_error *err)
{
	unsigned char raw[24];
	char code[sizeof raw * 2 + 1], hash[PWHASH_SHA256_HEX], exp_text[40];

	(void)app;
	if (text_max_chars("note", note, 200, err) != PL_OK)
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
svc_invitation_list(PGconn *db, json_t **result, struct pl_error *err)
{
	json_t *inv = NULL;

	if (repo_invitation_list(db, &inv, err) != 0)
		return err->code;
	*result = json_pack("{s:o}", "invitations", inv);
	return PL_OK;
}
