/*
 * The saved sessions (session_file.c), one per server so a token only ever
 * goes back to the server that issued it: server is the address as given
 * (--server, "[tls://]host[:port]"). No curses.
 */
#ifndef PL_TUI_SESSION_FILE_H
#define PL_TUI_SESSION_FILE_H

#include <stddef.h>

#include "pl_error.h"

/* Saves token as server's session (0600, atomically): 0 or an error code
 * with a message. */
int session_save(const char *server, const char *token, struct pl_error *);
/* Fills token with server's saved session: 0, or -1 (token "") when there
 * is none or the file names another server (address, scheme or TLS pin). */
int session_load(const char *server, char *token, size_t size);
/* Removes server's saved session (signed out, or refused by the server). */
void session_forget(const char *server);
/* Removes the single session file of older versions (it names no server,
 * so it is never sent anywhere); 1 when there was one. */
int session_drop_legacy(void);

#endif
