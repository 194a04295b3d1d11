/*
 * login_failures: the login failure counters kept in PostgreSQL while Redis
 * is away (PADLINE_LOGIN_LIMIT_FALLBACK=postgres), so every instance shares
 * them. Transient by design: an UNLOGGED table whose rows expire.
 */
#ifndef PL_REPO_LOGIN_LIMIT_H
#define PL_REPO_LOGIN_LIMIT_H

#include "db.h"
#include "pl_error.h"

/* Purges expired counters and sets *wait to the seconds until the later of
 * the two counters that reached its max expires (0: neither did). */
int repo_login_limit_wait(struct db_conn *, const char *key_user, int max_user,
                          const char *key_peer, int max_peer, int *wait,
                          struct pl_error *);
/* Counts one failure on both keys; a counter's window starts at its first
 * failure (an expired one starts afresh). */
int repo_login_limit_fail(struct db_conn *, const char *key_user,
                          const char *key_peer, int window, struct pl_error *);
/* Forgets key's failures (a right guess clears the account's counter). */
int repo_login_limit_clear(struct db_conn *, const char *key,
                           struct pl_error *);

#endif
