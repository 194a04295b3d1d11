/*
 * Repository for pads: one SQL statement per function, no policy. Every
 * statement filters by owner_id, so another user's pad looks exactly like a
 * missing one. Pads come back as JSON {id, display_name, data, created_at,
 * updated_at} with RFC 3339 UTC times.
 */
#ifndef PL_REPO_PAD_H
#define PL_REPO_PAD_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"

/* SQL rendering a timestamptz column as RFC 3339 UTC with microseconds. */
#define REPO_TIME_SQL(col)                                                     \
	"to_char(" col " AT TIME ZONE 'UTC', "                                 \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Inserts a pad (data is JSON object text); *pad is a new reference.
 * A name clash fails with db_last_sqlstate() "23505". */
int repo_pad_create(PGconn *, const char *owner_id, const char *display_name,
                    const char *data, json_t **pad, struct pl_error *);
/* *pad = the pad, or NULL when the owner has no such pad. */
int repo_pad_get(PGconn *, const char *id, const char *owner_id, json_t **pad,
                 struct pl_error *);
int repo_pad_get_by_name(PGconn *, const char *owner_id,
                         const char *display_name, json_t **pad,
                         struct pl_error *);
/* *found = 1 when the owner has the pad; with lock, the row is also locked
 * FOR UPDATE until the caller's transaction ends. */
int repo_pad_exists(PGconn *, const char *id, const char *owner_id, int lock,
                    int *found, struct pl_error *);
/* The owner's pads, oldest first, as [{id, display_name, created_at,
 * updated_at, size}] (size = bytes of the data's text). */
int repo_pad_list(PGconn *, const char *owner_id, json_t **pads,
                  struct pl_error *);
/* Sets display_name and/or data (NULL keeps the column) and updated_at;
 * *pad = the new row or NULL when none matched. */
int repo_pad_update(PGconn *, const char *id, const char *owner_id,
                    const char *display_name, const char *data, json_t **pad,
                    struct pl_error *);
/* Deletes the pad (its backups go by cascade); *pad = {id, display_name} of
 * the deleted row, or NULL when none matched. */
int repo_pad_delete(PGconn *, const char *id, const char *owner_id,
                    json_t **pad, struct pl_error *);

#endif
