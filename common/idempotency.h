/*
 * Safe retries, the facts padlined and padline share: which methods take an
 * idempotency_key (the writes) and what a key may look like. One list, so
 * the client never sends a key the server would not honour.
 */
#ifndef PL_IDEMPOTENCY_H
#define PL_IDEMPOTENCY_H

#include <stddef.h>

/* Longest key; a key is 1..this of [A-Za-z0-9._:-]. */
#define PL_IDEMPOTENCY_KEY_MAX 128
/* How long padlined keeps an answer for its key, in seconds. */
#define PL_IDEMPOTENCY_TTL 86400

/* 1 when method is a write that takes an idempotency_key. */
int pl_idempotent_method(const char *method);
/* 1 when key is a well-formed idempotency key. */
int pl_idempotency_key_valid(const char *key);
/* Writes the i-th method of the list (NULL past the end): for the docs'
 * tests. */
const char *pl_idempotent_method_at(size_t i);

#endif
