/*
 * argon2id hashing for padlined. Always called from STEP_HASH (or the CLI),
 * so the cost is admitted by the hash_concurrency machinery, never here.
 */
#include "pwhash.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy_hash[PWHASH_STRBYTES];

int
pwhash_hash(const struct config *cfg, const char *password,
            char out[PWHASH_STRBYTES], struct pl_error *err)
{
	if (crypto_pwhash_str(out, password, strlen(password),
	                      cfg->pwhash_opslimit,
	                      (size_t)cfg->pwhash_memlimit) != 0)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	return PL_OK;
}

int
pwhash_verify(const char *hash, const char *password)
{
	if (hash == NULL || *hash == '\0')
		return 0;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int
pwhash_needs_rehash(const struct config *cfg, const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, cfg->pwhash_opslimit,
	                                      (size_t)cfg->pwhash_memlimit) !=
	       0;
}

const char *
pwhash_dummy(const struct config *cfg)
{
	pthread_mutex_lock(&dummy_lock);
	if (dummy_hash[0] == '\0') {
		unsigned char rnd[24];
		char pw[sizeof rnd * 2 + 1];
		struct pl_error err;

		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
		pl_error_init(&err);
		if (pwhash_hash(cfg, pw, dummy_hash, &err) != 0)
			dummy_hash[0] = '\0';
		pl_error_clear(&err);
	}
	pthread_mutex_unlock(&dummy_lock);
	return dummy_hash;
}

void
pwhash_sha256_hex(const char *secret, char out[PWHASH_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(out, PWHASH_SHA256_HEX, h, sizeof h);
}
