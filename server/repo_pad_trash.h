/*
 * Repository for the trash and for imports: statements over many pads at
 * once (a page of the trash, the purge of expired pads, an owner's names).
 * The single-pad moves in and out of the trash are in repo_pad.h.
 */
#ifndef PL_REPO_PAD_TRASH_H
#define PL_REPO_PAD_TRASH_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/*
 * One page of the owner's trash, most recently trashed first, after the
 * pad (after_key = its deleted_at as rendered, after_id) when after_key is
 * not NULL: [{id, display_name, version, size, created_at, updated_at,
 * deleted_at, purge_at, backups}] (no data; purge_at = deleted_at + days,
 * backups = how many it has), at most limit rows.
 */
int repo_pad_trash_list(struct db_conn *, const char *owner_id,
                        const char *after_key, const char *after_id, int limit,
                        int days, json_t **pads, struct pl_error *);
/* 1 in *got when this transaction now holds the purge's advisory lock of
 * key (released by its end), 0 when another transaction holds it. */
int repo_pad_purge_lock(struct db_conn *, const char *key, int *got,
                        struct pl_error *);
/* Deletes at most limit pads trashed more than days ago, skipping rows
 * another transaction holds; *pads = [{id, display_name, owner_id}]. */
int repo_pad_purge_expired(struct db_conn *, int days, int limit, json_t **pads,
                           struct pl_error *);
/* *names = {display_name: true} of the owner's live pads. */
int repo_pad_names(struct db_conn *, const char *owner_id, json_t **names,
                   struct pl_error *);

#endif
