/*
 * Where padline keeps its per-user state: $XDG_STATE_HOME/padline (or
 * ~/.local/state/padline), directories 0700.
 */
#ifndef PL_STATE_DIR_H
#define PL_STATE_DIR_H

#include <stddef.h>

/* $XDG_STATE_HOME/padline/name (or ~/.local/state/padline/name) into buf;
 * -1 when neither variable is set or buf is too small. */
int state_path(const char *name, char *buf, size_t size);
/* Creates the directories above path, mode 0700 (path is restored). */
void state_mkdirs(char *path);

#endif
