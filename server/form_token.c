/*
 * Form tokens: hex(nonce[16] | issued[8, big endian, unix ms] | mac[32])
 * where mac is crypto_auth (HMAC-SHA-512/256) of nonce|issued under
 * app->form_key; a token expires form_token_ttl seconds after its issue.
 * Single use is recorded in PostgreSQL, shared by every padlined.
 */
#include "form_token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "mono_time.h"
#include "repo_form_token.h"

#define FT_NONCE 16
#define FT_BODY (FT_NONCE + 8)
#define FT_RAW (FT_BODY + crypto_auth_BYTES)
#define FT_HEX (FT_RAW * 2)

int
form_token_issue(struct padlined *app, char *out, size_t outsz,
                 struct pl_error *err)
{
	unsigned char raw[FT_RAW];
	unsigned long long issued;

	if (outsz < FT_HEX + 1)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	randombytes_buf(raw, FT_NONCE);
	issued = (unsigned long long)wall_ms();
	for (int i = 0; i < 8; i++)
		raw[FT_NONCE + i] = (unsigned char)(issued >> (56 - 8 * i));
	crypto_auth(raw + FT_BODY, raw, FT_BODY, app->form_key);
	sodium_bin2hex(out, outsz, raw, FT_RAW);
	return PL_OK;
}

static int
form_token_bad(struct pl_error *err, const char *rule, const char *msg)
{
	return pl_error_violation(err, "form_token", rule, msg);
}

/* MAC and expiry; fills raw (the decoded token), *issued (unix ms) and
 * *exp (unix seconds). */
static int
form_token_verify(struct padlined *app, const char *token, unsigned char *raw,
                  unsigned long long *issued, unsigned long long *exp,
                  struct pl_error *err)
{
	size_t len = 0;

	*exp = *issued = 0;
	if (token == NULL || *token == '\0')
		return form_token_bad(err, "required",
		                      "a form token from server.hello is "
		                      "required");
	if (strlen(token) != FT_HEX ||
	    sodium_hex2bin(raw, FT_RAW, token, FT_HEX, NULL, &len, NULL) != 0 ||
	    len != FT_RAW ||
	    crypto_auth_verify(raw + FT_BODY, raw, FT_BODY, app->form_key) != 0)
		return form_token_bad(err, "invalid",
		                      "the form token is not valid");
	for (int i = 0; i < 8; i++)
		*issued = *issued << 8 | raw[FT_NONCE + i];
	*exp = *issued / 1000 + (unsigned long long)app->cfg->form_token_ttl;
	if (*exp <= (unsigned long long)time(NULL))
		return form_token_bad(err, "expired",
		                      "the form token has expired; ask "
		                      "server.hello for a new one");
	return PL_OK;
}

int
form_token_check(struct padlined *app, const char *token, struct pl_error *err)
{
	unsigned char raw[FT_RAW];
	unsigned long long exp, issued;

	return form_token_verify(app, token, raw, &issued, &exp, err);
}

long long
form_token_fill_ms(struct padlined *app, const char *token)
{
	unsigned char raw[FT_RAW];
	unsigned long long exp, issued;
	struct pl_error err;
	long long now = wall_ms();

	pl_error_init(&err);
	if (form_token_verify(app, token, raw, &issued, &exp, &err) != 0) {
		pl_error_clear(&err);
		return -1;
	}
	return now > (long long)issued ? now - (long long)issued : 0;
}

int
form_token_consume(struct padlined *app, struct db_conn *db, const char *token,
                   struct pl_error *err)
{
	unsigned char raw[FT_RAW];
	unsigned long long exp = 0, issued = 0;
	char nonce[FT_NONCE * 2 + 1], exps[24];
	int fresh = 0;

	if (form_token_verify(app, token, raw, &issued, &exp, err) != PL_OK)
		return err->code;
	sodium_bin2hex(nonce, sizeof nonce, raw, FT_NONCE);
	snprintf(exps, sizeof exps, "%llu", exp);
	if (repo_form_token_spend(db, nonce, exps, &fresh, err) != 0)
		return err->code;
	if (!fresh)
		return form_token_bad(err, "reused",
		                      "the form token was already used");
	/* Housekeeping: spent nonces are only needed until they expire. */
	if (randombytes_uniform(100) == 0) {
		struct pl_error ign;

		pl_error_init(&ign);
		repo_form_token_purge(db, &ign);
		pl_error_clear(&ign);
	}
	return PL_OK;
}
