/*
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, ±1 step) over liboath, the
 * sealing of secrets at rest (libsodium secretbox under a key derived from
 * PADLINE_SECRET) and recovery codes (random, shown once, stored as a keyed
 * hash). No database here: svc_totp.c decides, repo_totp.c stores.
 */
#ifndef PL_TOTP_H
#define PL_TOTP_H

#include <stddef.h>
#include <time.h>

#include "pl_error.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1 /* steps accepted either side of now */
/* Hex of nonce || MAC || secret. */
#define TOTP_SEALED_HEX ((24 + 16 + TOTP_SECRET_BYTES) * 2 + 1)
#define TOTP_BASE32_MAX 64
#define RECOVERY_COUNT 10
#define RECOVERY_CODE_MAX 16 /* "xxxxx-xxxxx" and its NUL */
#define RECOVERY_HASH_HEX 65

/* A fresh random secret. */
void totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES]);
/* Base32 (RFC 4648, no padding needed for 20 bytes) for otpauth URIs. */
void totp_secret_base32(const unsigned char secret[TOTP_SECRET_BYTES],
                        char out[TOTP_BASE32_MAX]);
/* otpauth://totp/padline:NAME?... (malloc'd). */
char *totp_uri(const char *username, const char *base32);

/* Encrypts / decrypts a secret with the key derived from server_secret.
 * totp_open fails (500) on a sealed text that does not authenticate, e.g.
 * after PADLINE_SECRET changed. */
void totp_seal(const char *server_secret,
               const unsigned char secret[TOTP_SECRET_BYTES],
               char out[TOTP_SEALED_HEX]);
int totp_open(const char *server_secret, const char *sealed,
              unsigned char secret[TOTP_SECRET_BYTES], struct pl_error *);

/* 1 when code looks like a TOTP code (exactly TOTP_DIGITS digits). */
int totp_is_code(const char *code);
/* Checks code against now ±TOTP_WINDOW; on a match returns 1 and sets
 * *step (the absolute 30 s step it belongs to), else 0. */
int totp_check(const unsigned char secret[TOTP_SECRET_BYTES], time_t now,
               const char *code, long long *step);

/* A new recovery code "xxxxx-xxxxx" (50 random bits, base32 letters). */
void recovery_code_new(char out[RECOVERY_CODE_MAX]);
/* Keyed hash of a code as typed (case, spaces and dashes ignored), bound
 * to the user, so a stolen table cannot be brute-forced offline without
 * the server secret. */
void recovery_code_hash(const char *server_secret, const char *user_id,
                        const char *code, char out[RECOVERY_HASH_HEX]);

#endif
