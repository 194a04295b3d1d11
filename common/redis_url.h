/*
 * The one Redis URL grammar of padline, shared by padlined, padline and the
 * tests: redis://[user[:password]@]host[:port][/db], or, through Redis
 * Sentinel, redis+sentinel://[user[:password]@]host[:port][,host[:port]...]
 * /MASTER[/db] (Sentinel port 26379 by default). user and password are
 * percent-decoded and are the master's; a host may be an IPv6 literal in
 * brackets ([::1]). Connecting asks the Sentinels (in order, without
 * credentials) where MASTER is, authenticates (AUTH password, or AUTH user
 * password for an ACL user), SELECTs the db and, through Sentinel, checks
 * with ROLE that the node is the master. A URL is logged only through
 * redis_url_redacted.
 */
#ifndef PL_REDIS_URL_H
#define PL_REDIS_URL_H

#include <hiredis/hiredis.h>

#include "pl_error.h"

#define REDIS_URL_DEFAULT_PORT 6379
#define REDIS_URL_SENTINEL_PORT 26379
#define REDIS_URL_MAX_SENTINELS 16

struct redis_url_node {
	char *host; /* without brackets for IPv6 */
	int port;
};

struct redis_url {
	char *user;     /* NULL when absent (password-only AUTH or none) */
	char *password; /* NULL when absent */
	char *host;     /* without brackets; through Sentinel, the first one */
	int port;
	int db;
	char *master; /* the Sentinel master name; NULL for redis:// */
	int nsentinels;
	struct redis_url_node *sentinels; /* nsentinels of them */
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
/*
 * Through Sentinel: asks each Sentinel in turn for the master's address;
 * fills *host (free()) and *port, or returns PL_ERR_UNAVAILABLE. For a
 * redis:// URL, its own host and port.
 */
int redis_url_master_addr(const struct redis_url *, int timeout_ms, char **host,
                          int *port, struct pl_error *);
/*
 * A reply that says this node cannot take writes or answer for the data
 * set (READONLY: a replica, e.g. a demoted master; MASTERDOWN: a replica
 * cut from its master; LOADING): the connection is pointed at the wrong
 * node and must be dropped, never read as success or as a refusal.
 */
int redis_reply_wrong_node(const redisReply *);
/* Parse + connect in one step for one-off connections. */
int redis_url_connect_str(const char *url, int timeout_ms, redisContext **out,
                          struct pl_error *);

#endif
