/*
 * `padline export` and `padline import` (transfer.c): pads with their
 * backups as JSON lines, signed in with PADLINE_TOKEN or the TUI's saved
 * session for the server. No curses.
 */
#ifndef PL_TUI_TRANSFER_H
#define PL_TUI_TRANSFER_H

#include <stdio.h>

/* Writes the caller's pads (all: and those shared with them) to out, one
 * JSON object per line; counts on stderr. Exit status. */
int transfer_export(const char *server, int all, FILE *out);
/* Imports path ("-" = stdin): the whole file is checked first (a bad line
 * is named and nothing is imported), then sent with pad.import; a failed
 * request removes what earlier ones imported. Exit status. */
int transfer_import(const char *server, const char *path);

#endif
