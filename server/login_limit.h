/*
 * Login attempt counters: reserved before the password is checked, so at
 * most the limit is ever tried, however many attempts arrive at once.
 * Counters live in Redis (shared by every padlined); while Redis cannot be
 * reached, in this process's memory, so there is still a limit (per
 * instance). Each counter expires `window` seconds after its first attempt.
 */
#ifndef PL_LOGIN_LIMIT_H
#define PL_LOGIN_LIMIT_H

#include "rds_pool.h"

struct login_limit;

struct login_limit *login_limit_new(struct rds_pool *);
void login_limit_free(struct login_limit *);

/*
 * Counts one attempt against both keys when neither has reached its limit
 * (max_user, max_peer) and returns 0; otherwise counts nothing and returns
 * the seconds until the blocking counter expires (>= 1). Atomic: two
 * callers can never both take the last attempt.
 */
int login_limit_reserve(struct login_limit *, const char *key_user,
                        int max_user, const char *key_peer, int max_peer,
                        int window);
/* After a successful login: clears the user counter and gives the peer its
 * reserved attempt back (only failures count against an address). */
void login_limit_success(struct login_limit *, const char *key_user,
                         const char *key_peer);

#endif
