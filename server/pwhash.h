/*
 * Password hashing: argon2id strings (libsodium crypto_pwhash_str) with the
 * configured limits, verification, and a dummy hash so an unknown username
 * costs the same time as a wrong password.
 */
#ifndef PL_PWHASH_H
#define PL_PWHASH_H

#include <sodium.h>

#include "config.h"
#include "pl_error.h"

#define PWHASH_STRBYTES crypto_pwhash_STRBYTES

/* Hashes password into out (NUL-terminated). 500 when out of memory. */
int pwhash_hash(const struct config *, const char *password,
                char out[PWHASH_STRBYTES], struct pl_error *);
/* 1 when password matches hash, 0 otherwise (also for a malformed hash). */
int pwhash_verify(const char *hash, const char *password);
/* 1 when hash was made with other limits than the configured ones. */
int pwhash_needs_rehash(const struct config *, const char *hash);
/* A valid hash of a random password, made once per process with the
 * configured limits: verifying against it costs what a real verify costs. */
const char *pwhash_dummy(const struct config *);

#define PWHASH_SHA256_HEX (crypto_hash_sha256_BYTES * 2 + 1)
/* SHA-256 of a high-entropy secret (session token, invitation code) as hex:
 * what the database stores instead of the secret. */
void pwhash_sha256_hex(const char *secret, char out[PWHASH_SHA256_HEX]);

#endif
