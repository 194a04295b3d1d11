/*
 * Login attempt counters. Each key (an account, an address) has a failure
 * counter and a set of attempts in flight: an attempt is reserved before
 * its secret is checked, and only while failures plus attempts in flight
 * are below the limit, so at most the limit is ever tried however many
 * arrive at once; when it is released, only a wrong guess counts as a
 * failure. Counters live in Redis (shared by every padlined); while Redis
 * cannot be reached, in this process's memory, so there is still a limit
 * (per instance; svc_guess.c adds the fallback the operator chose: the
 * failures shared through PostgreSQL, or no sign-ins at all). A failure counter
 * expires `window` seconds after its first failure; an attempt in flight that
 * is never released (its padlined died) after LOGIN_LIMIT_LEASE_S.
 */
#ifndef PL_LOGIN_LIMIT_H
#define PL_LOGIN_LIMIT_H

#include "rds_pool.h"

struct login_limit;

/* Longer than any check (hash admission queue included) should take. */
#define LOGIN_LIMIT_LEASE_S 60
/* login_limit_reserve: the tries left are all held by attempts in flight. */
#define LOGIN_LIMIT_BUSY (-1)

/* One reserved attempt: where it is held and its random id. */
struct login_hold {
	int where; /* 0 none, else LOGIN_HELD_REDIS or LOGIN_HELD_MEMORY */
	char id[33];
};
#define LOGIN_HELD_REDIS 1
#define LOGIN_HELD_MEMORY 2

/* What the check of a reserved attempt found. */
enum login_outcome {
	LOGIN_NO_GUESS = 0, /* nothing was judged (an error, a missing code) */
	LOGIN_WRONG = 1,    /* a failure on both keys */
	LOGIN_RIGHT = 2     /* clears the account's failures */
};

/* fallback: PADLINE_LOGIN_LIMIT_FALLBACK, named in the log when Redis is
 * lost (the string must outlive the struct). */
struct login_limit *login_limit_new(struct rds_pool *, const char *fallback);
void login_limit_free(struct login_limit *);

/*
 * Reserves one attempt against both keys and returns 0 with *hold set.
 * When either key has max failures, holds nothing and returns the seconds
 * until that counter expires (>= 1); when failures plus attempts in flight
 * reach max on either, holds nothing and returns LOGIN_LIMIT_BUSY. Atomic:
 * two callers can never both take the last try.
 */
int login_limit_reserve(struct login_limit *, const char *key_user,
                        int max_user, const char *key_peer, int max_peer,
                        int window, struct login_hold *hold);
/* Ends a reserved attempt (nothing when hold holds none) with its outcome:
 * a wrong guess counts on both keys, a right one clears the account's
 * counter (an address counts failures only). Returns 1 when the outcome
 * was counted in memory (Redis away), else 0. */
int login_limit_release(struct login_limit *, const char *key_user,
                        const char *key_peer, int window,
                        struct login_hold *hold, enum login_outcome);

#endif
