/*
 * Repository for template_pads: the read side and the startup upsert
 * templates.c runs per file. One SQL statement per function.
 */
#ifndef PL_REPO_TEMPLATE_H
#define PL_REPO_TEMPLATE_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* [{name, display_name}] ordered by name. */
int repo_template_list(struct db_conn *, json_t **templates, struct pl_error *);
/* *tpl = {name, display_name, data} or NULL when there is none. */
int repo_template_get(struct db_conn *, const char *name, json_t **tpl,
                      struct pl_error *);
/* Inserts or replaces template name; a row already equal is not touched
 * (its updated_at stays). */
int repo_template_upsert(struct db_conn *, const char *name,
                         const char *display_name, json_t *data,
                         struct pl_error *);

#endif
