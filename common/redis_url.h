/*
 * The one Redis URL grammar of padline, shared by padlined, padline and the
 * tests: redis://[user[:password]@]host[:port][/db]. user and password are
 * percent-decoded; host may be an IPv6 literal in brackets ([::1]).
 * Connecting authenticates (AUTH password, or AUTH user password for an ACL
 * user) and SELECTs the db. A URL is logged only through redis_url_redacted.
 */
#ifndef PL_REDIS_URL_H
#define PL_REDIS_URL_H

#include <hiredis/hiredis.h>

#include "pl_error.h"

#define REDIS_URL_DEFAULT_PORT 6379

struct redis_url {
	char *user;     /* NULL when absent (password-only AUTH or none) */
	char *password; /* NULL when absent */
	char *host;     /* without brackets for IPv6 */
	int port;
	int db;
};

/*
 * Fills u (caller frees with redis_url_clear). NULL or "" means
 * redis://127.0.0.1:6379/0. Returns 0 or PL_ERR_VALIDATION; the message
 * never contains the password.
 */
int redis_url_parse(const char *url, struct redis_url *u, struct pl_error *);
void redis_url_clear(struct redis_url *);
/* "redis://user:***@host:port/db" (no "***" without a password); free(). */
char *redis_url_redacted(const struct redis_url *);
/* Same from a string; an unparsable URL renders as "redis://(invalid)". */
char *redis_url_redact(const char *url);
/*
 * Connects, AUTHs and SELECTs, with timeout_ms for connect and commands.
 * On success *out is the context (redisFree it); on failure returns
 * PL_ERR_UNAVAILABLE (unreachable) or PL_ERR_UNAUTHORIZED (AUTH refused)
 * with a message naming the redacted URL and Redis' own words.
 */
int redis_url_connect(const struct redis_url *, int timeout_ms,
                      redisContext **out, struct pl_error *);
/* Parse + connect in one step for one-off connections. */
int redis_url_connect_str(const char *url, int timeout_ms, redisContext **out,
                          struct pl_error *);

#endif
