/*
 * Pad templates: every <name>.json of the templates directory is upserted
 * into template_pads by name at startup. A malformed file is logged by name
 * and skipped; it never stops the server.
 */
#ifndef PL_TEMPLATES_H
#define PL_TEMPLATES_H

#include "db.h"
#include "pl_error.h"

/* A template file: {"display_name": "...", "data": {...}}. */
int templates_load(struct db_conn *, const char *dir, int *loaded, int *skipped,
                   struct pl_error *);

#endif
