/*
 * Where padlined finds its migrations and templates when no flag says:
 * next to the source tree when run from the build tree, else the installed
 * data directory.
 */
#ifndef PL_PATHS_H
#define PL_PATHS_H

#include "config.h"

/* Fills cfg->migrations_dir / templates_dir when unset. */
void paths_resolve(struct config *);

#endif
