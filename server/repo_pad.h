/*
 * Repository for pads: one SQL statement per function, no policy. Every
 * statement filters by owner (or, for reads, by owner or viewer), so another
 * user's pad looks exactly like a missing one. Pads come back as JSON {id,
 * display_name, data, version, size, created_at, updated_at, access} with
 * RFC 3339 UTC times; a pad shared with the caller also has owner {id,
 * username}.
 */
#ifndef PL_REPO_PAD_H
#define PL_REPO_PAD_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* SQL rendering a timestamptz column as RFC 3339 UTC with microseconds. */
#define REPO_TIME_SQL(col)                                                     \
	"to_char(" col " AT TIME ZONE 'UTC', "                                 \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The orders pad.list pages through (each has its own index). */
enum repo_pad_sort {
	REPO_PAD_CREATED, /* oldest first */
	REPO_PAD_UPDATED, /* most recently changed first */
	REPO_PAD_NAME,    /* lower(display_name), A to Z */
};

/* One page request of repo_pad_list. */
struct repo_pad_page {
	enum repo_pad_sort sort;
	const char *q;         /* substring of the name, any case; NULL = all */
	const char *after_key; /* sort key of the last row seen; NULL = start */
	const char *after_id;  /* its id (with after_key) */
	int limit;             /* rows wanted */
	int reverse;           /* against the sort's own direction */
};

/* Inserts pad id (chosen by the caller, so statements queued after this
 * one in a transaction can name it; data is JSON object text); *pad is a
 * new reference, without "data": the caller holds the tree it sent, and
 * reading the stored text back would parse it a second time. A name clash
 * fails with db_sqlstate(db) "23505". */
int repo_pad_create(struct db_conn *, const char *id, const char *owner_id,
                    const char *display_name, const char *data, json_t **pad,
                    struct pl_error *);
/* repo_pad_create without a tree: what the pad's answer needs besides
 * its id, name and data (which the caller sent), read into the caller's
 * buffers when the statement's result is read. Times as REPO_TIME_SQL
 * prints them, in REPO_TIME_BYTES. */
#define REPO_TIME_BYTES 32
int repo_pad_create_made(struct db_conn *, const char *id, const char *owner_id,
                         const char *display_name, const char *data,
                         long long *version, long long *size, char *created_at,
                         char *updated_at, struct pl_error *);
/* *pad = the pad when user_id owns it or it is shared with user_id (then
 * access is "viewer" and owner is set), else NULL. */
int repo_pad_get(struct db_conn *, const char *id, const char *user_id,
                 json_t **pad, struct pl_error *);
/* Own pads only: names are unique per owner. */
int repo_pad_get_by_name(struct db_conn *, const char *owner_id,
                         const char *display_name, json_t **pad,
                         struct pl_error *);
/* *head = {id, display_name, version, updated_at} when the owner has the
 * pad, else NULL; with lock, the row is also locked FOR UPDATE until the
 * caller's transaction ends. */
int repo_pad_head(struct db_conn *, const char *id, const char *owner_id,
                  int lock, json_t **head, struct pl_error *);
/*
 * One page of the pads user_id owns or views, in page->sort order, as
 * [{id, display_name, version, size, created_at, updated_at, access,
 * owner?}] (no data), at most page->limit rows; *keys = their sort keys
 * (strings, same order) for the next page's after_key. In a batch (a
 * one-batch transaction) both are set when the batch is read.
 */
int repo_pad_list(struct db_conn *, const char *user_id,
                  const struct repo_pad_page *page, json_t **pads,
                  json_t **keys, struct pl_error *);
/* Sets display_name and/or data (NULL keeps the column), size, updated_at
 * and version + 1; *pad = the new row or NULL when none matched. */
int repo_pad_update(struct db_conn *, const char *id, const char *owner_id,
                    const char *display_name, const char *data, json_t **pad,
                    struct pl_error *);
/* Moves the caller's live pad to the trash (deleted_at = now; its backups
 * and shares stay, unseen); *pad = {id, display_name} or NULL when the owner
 * has no such live pad. */
int repo_pad_trash(struct db_conn *, const char *id, const char *owner_id,
                   json_t **pad, struct pl_error *);
/* Takes a trashed pad out of the trash, renamed when display_name is not
 * NULL; *pad = the whole pad or NULL when the owner has no such trashed pad.
 * A name clash with a live pad fails with db_sqlstate(db) "23505". */
int repo_pad_undelete(struct db_conn *, const char *id, const char *owner_id,
                      const char *display_name, json_t **pad,
                      struct pl_error *);
/* Deletes a trashed pad for good (backups and shares by cascade); *pad =
 * {id, display_name} or NULL when the owner has no such trashed pad. */
int repo_pad_purge(struct db_conn *, const char *id, const char *owner_id,
                   json_t **pad, struct pl_error *);

#endif
