/*
 * `padlined create-user NAME [--admin] [--email ADDR]`: reads the password
 * from stdin (no echo on a tty) and runs the same validation, hashing,
 * transaction, audit row and event as user.register.
 */
#ifndef PL_CLI_USER_H
#define PL_CLI_USER_H

struct app;

/* argv[0] is "create-user". Returns the process exit code. */
int cli_create_user(struct app *, int argc, char **argv);

#endif
