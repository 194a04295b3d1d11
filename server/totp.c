/*
 * TOTP arithmetic (liboath), secret sealing and recovery codes. liboath's
 * validate answers which window position matched, which gives the step a
 * code belongs to: what the replay guard stores.
 */
#include "totp.h"

#include <ctype.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void
oath_start(void)
{
	oath_init();
}

void
totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES])
{
	randombytes_buf(secret, TOTP_SECRET_BYTES);
}

void
totp_secret_base32(const unsigned char secret[TOTP_SECRET_BYTES],
                   char out[TOTP_BASE32_MAX])
{
	unsigned buf = 0;
	int bits = 0;
	size_t n = 0;

	/* RFC 4648 upper-case alphabet, as authenticator apps expect. */
	for (size_t i = 0; i < TOTP_SECRET_BYTES; i++) {
		buf = (buf << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			out[n++] = (char)toupper(
			    (unsigned char)b32[(buf >> (bits - 5)) & 31]);
			bits -= 5;
		}
	}
	if (bits > 0)
		out[n++] =
		    (char)toupper((unsigned char)b32[(buf << (5 - bits)) & 31]);
	out[n] = '\0';
}

char *
totp_uri(const char *username, const char *base32)
{
	/* Usernames are [A-Za-z0-9_.-]: nothing to percent-encode. */
	return xasprintf("otpauth://totp/padline:%s?secret=%s&issuer=padline"
	                 "&algorithm=SHA1&digits=%d&period=%d",
	                 username, base32, TOTP_DIGITS, TOTP_STEP);
}

static void
derive(const char *server_secret, const char *context, unsigned char key[32])
{
	crypto_generichash(key, 32, (const unsigned char *)server_secret,
	                   strlen(server_secret),
	                   (const unsigned char *)context, strlen(context));
}

void
totp_seal(const char *server_secret,
          const unsigned char secret[TOTP_SECRET_BYTES],
          char out[TOTP_SEALED_HEX])
{
	unsigned char key[32];
	unsigned char box[crypto_secretbox_NONCEBYTES +
	                  crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES];

	derive(server_secret, "padline totp secrets v1", key);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret,
	                      TOTP_SECRET_BYTES, box, key);
	sodium_bin2hex(out, TOTP_SEALED_HEX, box, sizeof box);
	sodium_memzero(key, sizeof key);
}

int
totp_open(const char *server_secret, const char *sealed,
          unsigned char secret[TOTP_SECRET_BYTES], struct pl_error *err)
{
	unsigned char key[32];
	unsigned char box[crypto_secretbox_NONCEBYTES +
	                  crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES];
	size_t len = 0;
	int bad;

	if (sealed == NULL ||
	    sodium_hex2bin(box, sizeof box, sealed, strlen(sealed), NULL, &len,
	                   NULL) != 0 ||
	    len != sizeof box)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "stored TOTP secret is malformed");
	derive(server_secret, "padline totp secrets v1", key);
	bad = crypto_secretbox_open_easy(
	    secret, box + crypto_secretbox_NONCEBYTES,
	    sizeof box - crypto_secretbox_NONCEBYTES, box, key);
	sodium_memzero(key, sizeof key);
	if (bad)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "stored TOTP secret does not decrypt (was "
		                    "PADLINE_SECRET changed?)");
	return PL_OK;
}

int
totp_is_code(const char *code)
{
	size_t n = 0;

	for (; code[n]; n++)
		if (!isdigit((unsigned char)code[n]))
			return 0;
	return n == TOTP_DIGITS;
}

int
totp_check(const unsigned char secret[TOTP_SECRET_BYTES], time_t now,
           const char *code, long long *step)
{
	int pos = 0, rc;

	if (!totp_is_code(code))
		return 0;
	pthread_once(&oath_once, oath_start);
	rc = oath_totp_validate2((const char *)secret, TOTP_SECRET_BYTES, now,
	                         TOTP_STEP, 0, TOTP_WINDOW, &pos, code);
	if (rc < 0)
		return 0;
	*step = (long long)(now / TOTP_STEP) + pos;
	return 1;
}

void
recovery_code_new(char out[RECOVERY_CODE_MAX])
{
	size_t n = 0;

	for (int i = 0; i < 10; i++) {
		if (i == 5)
			out[n++] = '-';
		out[n++] = b32[randombytes_uniform(32)];
	}
	out[n] = '\0';
}

void
recovery_code_hash(const char *server_secret, const char *user_id,
                   const char *code, char out[RECOVERY_HASH_HEX])
{
	unsigned char key[32], h[32];
	crypto_generichash_state st;
	char norm[64];
	size_t n = 0;

	for (const char *p = code; *p && n + 1 < sizeof norm; p++)
		if (isalnum((unsigned char)*p))
			norm[n++] = (char)tolower((unsigned char)*p);
	derive(server_secret, "padline recovery codes v1", key);
	crypto_generichash_init(&st, key, sizeof key, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)user_id,
	                          strlen(user_id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)norm, n);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(out, RECOVERY_HASH_HEX, h, sizeof h);
	sodium_memzero(key, sizeof key);
	sodium_memzero(norm, sizeof norm);
}
