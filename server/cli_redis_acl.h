/*
 * `padlined redis-acl NAME [--password-stdin]`: prints the Redis (>= 6.2)
 * ACL SETUSER command for a dashboard user that may only SUBSCRIBE to this
 * deployment's events channel (and PING), for `redis-cli` to run.
 */
#ifndef PL_CLI_REDIS_ACL_H
#define PL_CLI_REDIS_ACL_H

struct config;

/* argv[0] is "redis-acl". Returns the process exit code. */
int cli_redis_acl(const struct config *, int argc, char **argv);

#endif
