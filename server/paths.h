/*
 * Where padlined finds its migrations, templates and shipped lists when no
 * flag says:
 * next to the source tree when run from the build tree, else the installed
 * data directory.
 */
#ifndef PL_PATHS_H
#define PL_PATHS_H

#include "config.h"

/* Fills cfg->migrations_dir / templates_dir when unset. */
void paths_resolve(struct config *);
/* The shipped data file name: data/NAME in the source tree, NAME in the
 * installed data directory (share/padline). Caller frees. */
char *paths_data_file(const char *name);

#endif
