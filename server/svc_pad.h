/*
 * The pad service: input rules, ownership and transactions over the pad,
 * backup and template repositories. Every function takes the caller's user
 * id; a pad of another user is 404, as if it did not exist. Audit rows are
 * written in the same transaction as the change and published after COMMIT.
 */
#ifndef PL_SVC_PAD_H
#define PL_SVC_PAD_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"

struct app;

#define PAD_NAME_MAX 100 /* characters */

int svc_template_list(struct app *, PGconn *, json_t **templates,
                      struct pl_error *);
/* The user's pads (summaries), oldest first. */
int svc_pad_list(struct app *, PGconn *, const char *user_id, json_t **pads,
                 struct pl_error *);
/* By id, or (id NULL) by display_name. */
int svc_pad_get(struct app *, PGconn *, const char *user_id, const char *id,
                const char *display_name, json_t **pad, struct pl_error *);
/* data (borrowed) NULL = {} or the template's data; template NULL = none.
 * Giving both data and template is a violation. */
int svc_pad_create(struct app *, PGconn *, const char *user_id,
                   const char *display_name, json_t *data, const char *tmpl,
                   json_t **pad, struct pl_error *);
/* display_name / data NULL = unchanged. New data backs the old data up. */
int svc_pad_update(struct app *, PGconn *, const char *user_id, const char *id,
                   const char *display_name, json_t *data, json_t **pad,
                   struct pl_error *);
int svc_pad_delete(struct app *, PGconn *, const char *user_id, const char *id,
                   struct pl_error *);
int svc_pad_backups(struct app *, PGconn *, const char *user_id, const char *id,
                    int with_data, json_t **backups, struct pl_error *);
/* Backs the current data up, then copies backup_id's data back. */
int svc_pad_restore(struct app *, PGconn *, const char *user_id, const char *id,
                    const char *backup_id, json_t **pad, struct pl_error *);

#endif
