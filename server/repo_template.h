/*
 * Repository for template_pads (read side; templates.c upserts them at
 * startup). One SQL statement per function.
 */
#ifndef PL_REPO_TEMPLATE_H
#define PL_REPO_TEMPLATE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"

/* [{name, display_name}] ordered by name. */
int repo_template_list(PGconn *, json_t **templates, struct pl_error *);
/* *tpl = {name, display_name, data} or NULL when there is none. */
int repo_template_get(PGconn *, const char *name, json_t **tpl,
                      struct pl_error *);

#endif
