/*
 * `padlined rules list|add|rm`: the signup defense's rules from the
 * command line, through the same service (audit row and event) as
 * rule.list, rule.put and rule.delete.
 */
#ifndef PL_CLI_RULES_H
#define PL_CLI_RULES_H

struct padlined;

/* argv[0] is "rules". Returns the process exit code. */
int cli_rules(struct padlined *, int argc, char **argv);

#endif
