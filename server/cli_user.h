/*
 * `padlined create-user NAME [--admin] [--email ADDR]`: reads the password
 * from stdin (no echo on a tty) and runs the same validation, hashing,
 * transaction, audit row and event as user.register.
 */
#ifndef PL_CLI_USER_H
#define PL_CLI_USER_H

#include <stddef.h>

#include "db.h"
#include "pl_error.h"

struct padlined;

/* One line from stdin into buf (line end removed), without echo when
 * stdin is a terminal; -1 at end of input. */
int cli_read_password(char *buf, size_t size);
/* The error and each violation on stderr. */
void cli_print_error(const struct pl_error *);
/* Applies pending migrations (under the usual locks) and connects; NULL
 * with err set on failure. Close with db_close. */
struct db_conn *cli_db_open(struct padlined *, struct pl_error *);

/* argv[0] is "create-user". Returns the process exit code. */
int cli_create_user(struct padlined *, int argc, char **argv);

#endif
