/*
 * Read-only mode (`padline --readonly`, PADLINE_READONLY=1): a console that
 * only watches, for an SSH ForceCommand. No call that changes something
 * leaves the client, keys that would change something refuse with a
 * message, and no outside program (the editor) is started. The flag
 * lives in the environment, where main.c puts --readonly, so a screen asks
 * it without being handed it.
 */
#ifndef PL_TUI_READONLY_H
#define PL_TUI_READONLY_H

#include <stdbool.h>

#include "pl_error.h"

struct app;

/* Checks PADLINE_READONLY: unset, "", "0" or "1"; anything else is an
 * error (a typo must not leave a console writable). */
int readonly_check_env(struct pl_error *err);
/* Turns read-only mode on (for this process and what it starts). */
void readonly_set(void);
/* Whether read-only mode is on. */
bool readonly_on(void);
/* Whether a read-only console may call method: reads, and signing in and
 * out. Anything else (and any method added later) is refused before it is
 * sent (rpc_client.c), whichever key asked for it. */
bool readonly_allows(const char *method);
/* In read-only mode, says "Read-only console: <what> is not allowed." on
 * the status line and returns 1; otherwise returns 0. */
int readonly_refuse(struct app *, const char *what);

#endif
