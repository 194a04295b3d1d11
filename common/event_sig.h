/*
 * Signed events: the wire format of a message on the events channel, shared
 * by padlined (which signs) and padline (which verifies). A message is
 *
 *     es1.<signature: 128 hex>.<hashes: 64 hex each, 1 to 8>.<event JSON>
 *
 * The signature is Ed25519 (libsodium) over "padline events v1\n" followed
 * by the BLAKE2b-256 of each event of one group, in order; the event JSON
 * after the third dot is one of them, byte for byte. padlined signs the
 * events it sends in one pipelined write as groups of up to 8, so one
 * signature serves several events (Ed25519 signing costs about as much as
 * the rest of a publish) and every message still stands alone: a verifier
 * checks the signature, then that the hash of the exact bytes it is about to
 * read is in the group. The key pair is derived from PADLINE_SECRET, so
 * every instance of a deployment signs alike; server.hello names the public
 * key (events.public_key, 64 hex).
 */
#ifndef PL_EVENT_SIG_H
#define PL_EVENT_SIG_H

#include <stddef.h>

#define EVENT_SIG_PK_BYTES 32
#define EVENT_SIG_SK_BYTES 64
#define EVENT_SIG_PK_HEX 65 /* 64 hex + NUL */
/* Events one signature covers at most. */
#define EVENT_SIG_GROUP_MAX 8
/* Longer messages are refused unread: events are a few hundred bytes. */
#define EVENT_SIG_MSG_MAX 65536

enum event_sig_verdict {
	EVENT_SIG_OK = 0,
	EVENT_SIG_OVERSIZED, /* longer than EVENT_SIG_MSG_MAX */
	EVENT_SIG_MALFORMED, /* not "es1.<sig>.<hashes>.<event>" (unsigned) */
	EVENT_SIG_BAD        /* signed, but not by this key or not this event */
};

/* The deployment's key pair from its secret (deterministic). */
void event_sig_keys(const char *secret, unsigned char pk[EVENT_SIG_PK_BYTES],
                    unsigned char sk[EVENT_SIG_SK_BYTES]);
/* pk as 64 lowercase hex; hex back to pk (0, or -1 unless exactly 64 hex). */
void event_sig_pk_hex(const unsigned char pk[EVENT_SIG_PK_BYTES],
                      char out[EVENT_SIG_PK_HEX]);
int event_sig_pk_parse(const char *hex, unsigned char pk[EVENT_SIG_PK_BYTES]);
/*
 * Signs events[0..n) (n at most EVENT_SIG_GROUP_MAX) with one signature:
 * out[i] is the message to publish for events[i] (malloc'd, NUL-ended,
 * out_len[i] bytes).
 */
void event_sig_sign_group(const unsigned char sk[EVENT_SIG_SK_BYTES],
                          const char *const *events, size_t n, char **out,
                          size_t *out_len);

/* A verifier remembers the last group it checked, so the other events of a
 * group cost a hash, not a signature check. */
struct event_sig_verifier {
	unsigned char pk[EVENT_SIG_PK_BYTES];
	char last[128 + 1 + 64 * EVENT_SIG_GROUP_MAX]; /* signature, hashes */
	size_t last_len;                               /* 0: none yet */
};

void event_sig_verifier_init(struct event_sig_verifier *,
                             const unsigned char pk[EVENT_SIG_PK_BYTES]);
/* EVENT_SIG_OK with *event, *event_len pointing into msg at the signed
 * event; else why it was refused. */
enum event_sig_verdict event_sig_verify(struct event_sig_verifier *,
                                        const char *msg, size_t len,
                                        const char **event, size_t *event_len);

#endif
