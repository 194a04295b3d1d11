/*
 * padlined breached-import: turns Have I Been Pwned's sorted "HASH:COUNT"
 * text into the compact binary form breached.h searches, checking on the
 * way that every line is well formed and the hashes strictly ascend.
 */
#ifndef PL_CLI_BREACHED_H
#define PL_CLI_BREACHED_H

#include <stdio.h>

#include "pl_error.h"

/*
 * Reads the text list at in ("-": standard input) and writes the binary
 * list to out (through out.tmp, renamed when complete). Reports progress
 * to progress (may be NULL) every few million lines. Refuses a malformed,
 * unsorted or repeated line with its line number.
 */
int breached_import(const char *in, const char *out, FILE *progress,
                    struct pl_error *err);
/* `padlined breached-import IN OUT`; returns the exit status. */
int cli_breached_import(int argc, char **argv);

#endif
