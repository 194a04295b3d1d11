/*
 * Owns the signed-event wire format (event_sig.h): key derivation, signing
 * a group of events, and checking one message. Everything here is libsodium:
 * Ed25519 for the signature, BLAKE2b for the events' hashes.
 */
#include "event_sig.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define SIG_HEX 128
#define HASH_BYTES 32
#define HASH_HEX 64
#define CONTEXT "padline events v1\n"
#define PREFIX "es1."

void
event_sig_keys(const char *secret, unsigned char pk[EVENT_SIG_PK_BYTES],
               unsigned char sk[EVENT_SIG_SK_BYTES])
{
	unsigned char key_seed[crypto_sign_SEEDBYTES];

	/* Derived under its own context, as the form-token key is: the raw
	 * secret never becomes a key and the two keys are unrelated. */
	if (sodium_init() < 0)
		abort();
	crypto_generichash(key_seed, sizeof key_seed,
	                   (const unsigned char *)secret, strlen(secret),
	                   (const unsigned char *)"padline event signing", 21);
	crypto_sign_seed_keypair(pk, sk, key_seed);
	sodium_memzero(key_seed, sizeof key_seed);
}

void
event_sig_pk_hex(const unsigned char pk[EVENT_SIG_PK_BYTES],
                 char out[EVENT_SIG_PK_HEX])
{
	sodium_bin2hex(out, EVENT_SIG_PK_HEX, pk, EVENT_SIG_PK_BYTES);
}

/* Exactly 2 * n hex digits into n bytes. */
static int
unhex(const char *hex, size_t hex_len, unsigned char *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;

	if (hex_len != 2 * n ||
	    sodium_hex2bin(out, n, hex, hex_len, NULL, &got, &end) != 0 ||
	    got != n || end != hex + hex_len)
		return -1;
	return 0;
}

int
event_sig_pk_parse(const char *hex, unsigned char pk[EVENT_SIG_PK_BYTES])
{
	return hex ? unhex(hex, strlen(hex), pk, EVENT_SIG_PK_BYTES) : -1;
}

void
event_sig_sign_group(const unsigned char sk[EVENT_SIG_SK_BYTES],
                     const char *const *events, size_t n, char **out,
                     size_t *out_len)
{
	unsigned char
	    signed_[sizeof CONTEXT - 1 + HASH_BYTES * EVENT_SIG_GROUP_MAX];
	unsigned char sig[crypto_sign_BYTES];
	char head[sizeof PREFIX - 1 + SIG_HEX + 1 +
	          HASH_HEX * EVENT_SIG_GROUP_MAX + 2];
	size_t hl, ctx = sizeof CONTEXT - 1;

	memcpy(signed_, CONTEXT, ctx);
	for (size_t i = 0; i < n; i++)
		crypto_generichash(signed_ + ctx + i * HASH_BYTES, HASH_BYTES,
		                   (const unsigned char *)events[i],
		                   strlen(events[i]), NULL, 0);
	crypto_sign_detached(sig, NULL, signed_, ctx + n * HASH_BYTES, sk);
	/* The head is the same for every event of the group. */
	memcpy(head, PREFIX, sizeof PREFIX - 1);
	hl = sizeof PREFIX - 1;
	sodium_bin2hex(head + hl, SIG_HEX + 1, sig, sizeof sig);
	hl += SIG_HEX;
	head[hl++] = '.';
	sodium_bin2hex(head + hl, HASH_HEX * n + 1, signed_ + ctx,
	               HASH_BYTES * n);
	hl += HASH_HEX * n;
	head[hl++] = '.';
	for (size_t i = 0; i < n; i++) {
		size_t el = strlen(events[i]);

		out[i] = xmalloc(hl + el + 1);
		memcpy(out[i], head, hl);
		memcpy(out[i] + hl, events[i], el + 1);
		out_len[i] = hl + el;
	}
}

void
event_sig_verifier_init(struct event_sig_verifier *v,
                        const unsigned char pk[EVENT_SIG_PK_BYTES])
{
	if (sodium_init() < 0)
		abort();
	memcpy(v->pk, pk, EVENT_SIG_PK_BYTES);
	v->last_len = 0;
}

enum event_sig_verdict
event_sig_verify(struct event_sig_verifier *v, const char *msg, size_t len,
                 const char **event, size_t *event_len)
{
	unsigned char
	    signed_[sizeof CONTEXT - 1 + HASH_BYTES * EVENT_SIG_GROUP_MAX];
	unsigned char sig[crypto_sign_BYTES], mine[HASH_BYTES];
	size_t ctx = sizeof CONTEXT - 1, pre = sizeof PREFIX - 1, nh, hashes;
	const char *dot, *body;
	int found = 0;

	if (len > EVENT_SIG_MSG_MAX)
		return EVENT_SIG_OVERSIZED;
	if (len < pre + SIG_HEX + 1 || memcmp(msg, PREFIX, pre) != 0 ||
	    msg[pre + SIG_HEX] != '.')
		return EVENT_SIG_MALFORMED;
	hashes = pre + SIG_HEX + 1;
	dot = memchr(msg + hashes, '.', len - hashes);
	if (dot == NULL)
		return EVENT_SIG_MALFORMED;
	nh = (size_t)(dot - (msg + hashes));
	if (nh == 0 || nh % HASH_HEX != 0 ||
	    nh / HASH_HEX > EVENT_SIG_GROUP_MAX)
		return EVENT_SIG_MALFORMED;
	nh /= HASH_HEX;
	memcpy(signed_, CONTEXT, ctx);
	if (unhex(msg + pre, SIG_HEX, sig, sizeof sig) != 0 ||
	    unhex(msg + hashes, nh * HASH_HEX, signed_ + ctx,
	          nh * HASH_BYTES) != 0)
		return EVENT_SIG_MALFORMED;
	body = dot + 1;
	crypto_generichash(mine, sizeof mine, (const unsigned char *)body,
	                   (size_t)(msg + len - body), NULL, 0);
	for (size_t i = 0; i < nh && !found; i++)
		found = sodium_memcmp(mine, signed_ + ctx + i * HASH_BYTES,
		                      HASH_BYTES) == 0;
	if (!found)
		return EVENT_SIG_BAD;
	/* The group checked last: its signature and hashes, as sent. */
	if (!(v->last_len == (size_t)(dot - (msg + pre)) &&
	      memcmp(v->last, msg + pre, v->last_len) == 0)) {
		if (crypto_sign_verify_detached(
		        sig, signed_, ctx + nh * HASH_BYTES, v->pk) != 0)
			return EVENT_SIG_BAD;
		v->last_len = (size_t)(dot - (msg + pre));
		memcpy(v->last, msg + pre, v->last_len);
	}
	*event = body;
	*event_len = (size_t)(msg + len - body);
	return EVENT_SIG_OK;
}
