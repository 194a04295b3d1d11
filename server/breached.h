/*
 * The breached-password list (PADLINE_BREACHED_PASSWORDS): SHA-1 hashes
 * with how often each appeared in known breaches, searched in place in a
 * read-only mapping, so 100 million hashes cost no memory of our own and a
 * lookup is a binary search. Two forms, told apart by the first bytes:
 *  - text, as Have I Been Pwned publishes it: "HASH:COUNT" lines sorted by
 *    hash, 40 hex digits, LF or CRLF; searched by a binary search over
 *    byte offsets that backs up to the start of a line;
 *  - binary, made by `padlined breached-import`: BREACHED_MAGIC, a
 *    little-endian 64-bit count, then count records of a 20-byte hash and
 *    a little-endian 32-bit count, sorted. Checked (sorted, complete) once
 *    at import, so opening it is instant.
 */
#ifndef PL_BREACHED_H
#define PL_BREACHED_H

#include <stddef.h>
#include <stdint.h>

#include "pl_error.h"

#define BREACHED_MAGIC "padline-breach1\n" /* 16 bytes */
#define BREACHED_MAGIC_LEN 16
#define BREACHED_HEADER_LEN 24 /* magic + uint64 count */
#define BREACHED_HASH_LEN 20
#define BREACHED_RECORD_LEN 24 /* hash + uint32 count */

struct breached;

/* Maps path and checks its shape (binary: magic and size; text: the first
 * line). Returns 0 and *out, or an error naming the file and the fault. */
int breached_open(const char *path, struct breached **out,
                  struct pl_error *err);
void breached_free(struct breached *);
/* Hashes in the list (binary form), or 0 for the text form. */
uint64_t breached_size(const struct breached *);
/* How many breaches the SHA-1 hash appears in; 0 when it is not listed. */
uint64_t breached_lookup(const struct breached *,
                         const unsigned char sha1[BREACHED_HASH_LEN]);
/* The same for a password (hashed with OpenSSL's SHA-1). */
uint64_t breached_count(const struct breached *, const char *password);
/*
 * When the list (NULL: none configured, always passes) holds password,
 * adds the violation {field, "breached", "this password appears in 3 861
 * known breaches"} and returns PL_ERR_VALIDATION; else PL_OK.
 */
int breached_check(const struct breached *, const char *password,
                   const char *field, struct pl_error *err);
/* Parses 40 hex digits (either case) into a hash; returns 0 or -1. */
int breached_hex(const char *hex, unsigned char out[BREACHED_HASH_LEN]);
/* Parses one text line of len bytes without its "\n" (a trailing "\r" is
 * allowed): 40 hex digits, ':', a decimal count. Returns 0 or -1. */
int breached_parse_line(const char *line, size_t len,
                        unsigned char hash[BREACHED_HASH_LEN], uint64_t *count);
/* Writes n with a space between groups of three digits ("3 861"). */
void breached_format_count(uint64_t n, char *out, size_t outsz);

#endif
