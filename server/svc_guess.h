/*
 * Every secret check is a guess: a sign-in's password and code, and a
 * signed-in user's current password or code, all count against the same
 * login limits (login_limit.h) per account and per peer address. A guess
 * is reserved before its secret is checked and released with what the
 * check found; one that finds the tries left held by guesses in flight
 * waits for them (its caller retries it) instead of being refused, so 429
 * only ever comes from failures.
 */
#ifndef PL_SVC_GUESS_H
#define PL_SVC_GUESS_H

#include "login_limit.h"
#include "pl_error.h"

struct padlined;

/* Room for a counter key (schema, prefix and a folded name). */
#define LOGIN_KEY_MAX 640

/* How long a guess waits for guesses in flight before 503. */
#define GUESS_WAIT_MS 10000

struct svc_guess {
	char key_user[LOGIN_KEY_MAX]; /* ...:user:<id> or ...:name:<folded> */
	char key_peer[LOGIN_KEY_MAX]; /* ...:ip:<peer> */
	struct login_hold hold;
	long long wait_until_ms; /* monotonic; 0 before the first try */
};

/* The counters of a guess at account user_id (or, NULL, at the unknown name
 * folded) from peer: padline:login:<schema>:user:<id> (or :name:<folded>)
 * and padline:login:<schema>:ip:<peer>. */
void svc_guess_init(struct padlined *, struct svc_guess *, const char *user_id,
                    const char *folded, const char *peer);
/*
 * Reserves the guess: 0 with *retry_ms 0 when held; 0 with *retry_ms > 0
 * when the tries left are held by guesses in flight (call again after that
 * many ms); 429 too_many_attempts with retry_after when failures reached a
 * limit; 503 attempts_in_flight when it waited GUESS_WAIT_MS in vain.
 */
int svc_guess_reserve(struct padlined *, struct svc_guess *, int *retry_ms,
                      struct pl_error *);
/* Releases a held guess (nothing otherwise) with its outcome. */
void svc_guess_done(struct padlined *, struct svc_guess *, enum login_outcome);
/* svc_guess_done with the outcome of a check that returned rc: right when
 * 0, wrong when 401, else no guess. */
void svc_guess_settle(struct padlined *, struct svc_guess *, int rc);

#endif
