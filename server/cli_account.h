/*
 * Account commands for an admin at a shell: `padlined passwd NAME`
 * (password on stdin), `disable NAME`, `enable NAME`, `list-users`. Same
 * rules, transactions, audit rows and events as the RPC methods.
 */
#ifndef PL_CLI_ACCOUNT_H
#define PL_CLI_ACCOUNT_H

struct padlined;

/* argv[0] is the command name. Each returns the process exit code. */
int cli_passwd(struct padlined *, int argc, char **argv);
/* disable or enable, by argv[0]. */
int cli_set_disabled(struct padlined *, int argc, char **argv);
int cli_list_users(struct padlined *, int argc, char **argv);

#endif
