/*
 * The pad service: input rules, ownership and transactions over the pad,
 * backup and template repositories. Every function takes the caller's user
 * id; a pad of another user is 404, as if it did not exist, unless it is
 * shared with the caller: then reads work and every change is 403
 * read_only. Audit rows are written in the same transaction as the change
 * and published after COMMIT.
 */
#ifndef PL_SVC_PAD_H
#define PL_SVC_PAD_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

struct padlined;

#define PAD_NAME_MAX 100 /* characters */
/* Room for PAD_NAME_MAX characters of up to 4 UTF-8 bytes each. */
#define PAD_NAME_BYTES (PAD_NAME_MAX * 4 + 1)
#define PAD_LIST_DEFAULT 100
#define PAD_LIST_MAX 1000

/* What pad.list asks for; NULL strings are absent. */
struct svc_pad_list_req {
	int limit;         /* 1..PAD_LIST_MAX */
	const char *after; /* the previous page's next cursor */
	const char *sort;  /* created (default), updated, name */
	const char *order; /* asc, desc; NULL: the sort's own */
	const char *q;     /* substring of the name, any case */
};

int svc_template_list(struct padlined *, struct db_conn *, json_t **templates,
                      struct pl_error *);
/* One page of the pads the user owns or views (summaries, no data); *next =
 * the cursor of the following page, or json null after the last. */
int svc_pad_list(struct padlined *, struct db_conn *, const char *user_id,
                 const struct svc_pad_list_req *, json_t **pads, json_t **next,
                 struct pl_error *);
/* svc_pad_list in two halves for the loop thread: queue checks the request
 * and queues the page on db as a one-batch transaction (nothing queued when
 * it refuses); end gets the batch's outcome (rc: db_tx_commit's) and
 * returns svc_pad_list's. b (svc_pad_list_batch_new) holds the page
 * meanwhile and points into req's strings, which must outlive it. */
struct svc_pad_list_batch;
struct svc_pad_list_batch *svc_pad_list_batch_new(void);
void svc_pad_list_batch_free(struct svc_pad_list_batch *);
int svc_pad_list_queue(struct db_conn *, const char *user_id,
                       const struct svc_pad_list_req *,
                       struct svc_pad_list_batch *b, struct pl_error *);
int svc_pad_list_end(struct svc_pad_list_batch *b, int rc, json_t **pads,
                     json_t **next, struct pl_error *);
/* By id (own or shared), or (id NULL) by display_name (own). */
int svc_pad_get(struct padlined *, struct db_conn *, const char *user_id,
                const char *id, const char *display_name, json_t **pad,
                struct pl_error *);
/* svc_pad_get in two halves for the loop thread: queue checks the name
 * and queues the read on db as a one-batch transaction (nothing queued
 * when it refuses); end gets the batch's outcome (rc: db_tx_commit's) and
 * returns svc_pad_get's, *pad the pad (a new reference) or NULL. */
int svc_pad_get_queue(struct db_conn *, const char *user_id, const char *id,
                      const char *display_name, json_t **pad,
                      struct pl_error *);
int svc_pad_get_end(json_t **pad, int rc, struct pl_error *);
/* A pad just created, without a tree: the row read back, its name and its
 * data as compact JSON text, printed as replies print it (the text stored,
 * or a template's data). The caller answers with them (a pad as
 * svc_pad_get's, access "owner"). */
struct svc_pad_new {
	char id[37];
	char name[PAD_NAME_BYTES];
	/* The row's, set when the batch is read. */
	long long version, size;
	char created_at[32], updated_at[32]; /* RFC 3339 UTC */
	char *data;                          /* owned: svc_pad_new_clear */
};
void svc_pad_new_clear(struct svc_pad_new *);
/* data (borrowed) NULL = {} or the template's data; template NULL = none.
 * Giving both data and template is a violation. On success nw is the new
 * pad; nw needs svc_pad_new_clear either way. */
int svc_pad_create(struct padlined *, struct db_conn *, const char *user_id,
                   const char *display_name, json_t *data, const char *tmpl,
                   struct svc_pad_new *nw, struct pl_error *);
/*
 * pad.create in two halves, for a caller that sends the batch and waits for
 * it itself (the loop thread): svc_pad_create_queue checks the values and
 * queues the pad and its audit row on db as a one-batch transaction
 * (db_tx_begin_one), without a template (whose data must be read first:
 * svc_pad_create). The caller commits it (db_tx_send … db_tx_commit_end)
 * and hands the outcome (0 or the error code, err set) to
 * svc_pad_create_end, which leaves nw as svc_pad_create does.
 */
int svc_pad_create_queue(struct padlined *, struct db_conn *,
                         const char *user_id, const char *display_name,
                         json_t *data, struct svc_pad_new *nw,
                         struct pl_error *);
int svc_pad_create_end(struct db_conn *, struct svc_pad_new *nw, int rc,
                       struct pl_error *);
/* display_name / data NULL = unchanged. New data backs the old data up.
 * if_version > 0: unless the pad is at that version nothing is written and
 * the error is 409 version_conflict with data.current {version,
 * updated_at}. */
int svc_pad_update(struct padlined *, struct db_conn *, const char *user_id,
                   const char *id, const char *display_name, json_t *data,
                   long long if_version, json_t **pad, struct pl_error *);
/* Moves the pad to the trash (kept trash_days; its backups and shares
 * stay with it, unseen until it comes back). */
int svc_pad_delete(struct padlined *, struct db_conn *, const char *user_id,
                   const char *id, struct pl_error *);

/* The trash (svc_pad_trash.c). One page of the caller's trashed pads, most
 * recently trashed first; *next as for svc_pad_list. */
int svc_pad_trash(struct padlined *, struct db_conn *, const char *user_id,
                  int limit, const char *after, json_t **pads, json_t **next,
                  struct pl_error *);
/* Takes the pad out of the trash, renamed to new_name when not NULL; a
 * live pad of the same name is 409 name_taken. */
int svc_pad_undelete(struct padlined *, struct db_conn *, const char *user_id,
                     const char *id, const char *new_name, json_t **pad,
                     struct pl_error *);
/*
 * pad.import (svc_pad_import.c), in one transaction: entries {display_name,
 * data, backups?: [data, newest first]} become new pads of the caller (a
 * name the caller already uses, or an earlier entry took, gets " (2)", " (3)"
 * ...), entries {id, backups} add backups to the caller's own pad. *result
 * = {pads: [{id, display_name, renamed}], backups: N}.
 */
int svc_pad_import(struct padlined *, struct db_conn *, const char *user_id,
                   json_t *entries, json_t **result, struct pl_error *);
#define PAD_IMPORT_MAX 1000 /* entries per pad.import */
/* Deletes a trashed pad and its backups for good. */
int svc_pad_purge(struct padlined *, struct db_conn *, const char *user_id,
                  const char *id, struct pl_error *);
/* Purges the pads trashed more than trash_days ago, unless another
 * instance is at it (a transaction-level advisory lock); *purged = how
 * many. For the server's timer. */
int svc_pad_purge_expired(struct padlined *, struct db_conn *, int *purged,
                          struct pl_error *);
int svc_pad_backups(struct padlined *, struct db_conn *, const char *user_id,
                    const char *id, int with_data, json_t **backups,
                    struct pl_error *);
/* One backup with its data, {id, created_at, size, data}. */
int svc_pad_backup_get(struct padlined *, struct db_conn *, const char *user_id,
                       const char *id, const char *backup_id, json_t **backup,
                       struct pl_error *);
/* Backs the current data up, then copies backup_id's data back; if_version
 * as for svc_pad_update. */
int svc_pad_restore(struct padlined *, struct db_conn *, const char *user_id,
                    const char *id, const char *backup_id, long long if_version,
                    json_t **pad, struct pl_error *);

/* For the pad services (svc_share.c, svc_pad_trash.c): */
/* 403 read_only when the pad is shared with the caller, else 404. */
int svc_pad_not_owned(struct db_conn *, const char *user_id, const char *id,
                      struct pl_error *);
/* Checks a pad name (trimmed into out, PAD_NAME_BYTES). */
int svc_pad_name_check(const char *name, char *out, struct pl_error *);
/* A failed pads write's error, 409 name_taken for a name clash. */
int svc_pad_write_failed(struct db_conn *, struct pl_error *);
/* svc_pad_emit for many pads at once, in the open transaction: an audit
 * row each (pads: [{id, display_name, owner_id}], borrowed; extra
 * borrowed, may be NULL; actor_id may be NULL for the server's own work).
 * The caller commits (svc_pad_commit). */
void svc_pad_emit_many(struct db_conn *, const char *action,
                       const char *actor_id, json_t *pads, json_t *extra);
/* Checks data is an object within max_pad_bytes; *text = its compact JSON
 * (malloc'd) when it passes. */
int svc_pad_data_check(struct padlined *, json_t *data, char **text,
                       struct pl_error *);
/* A new random (version 4) pad id. */
void svc_pad_new_id(char id[37]);
/* Opaque list cursors: base64url of JSON [kind, key, id] (malloc'd), and
 * back (-1 when after is not one; *owned holds the strings). */
char *svc_pad_cursor_new(const char *kind, const char *key, const char *id);
int svc_pad_cursor_read(const char *after, const char **kind, const char **key,
                        const char **id, json_t **owned);
/* 1 when k is a time as the repositories render it. */
int svc_pad_time_key_ok(const char *k);
/* *head = {id, display_name, version, updated_at} of the caller's own pad
 * (row locked with lock), else the error a non-owner gets: 403 read_only
 * for a viewer, 404 for everyone else. */
int svc_pad_owned(struct db_conn *, const char *user_id, const char *id,
                  int lock, json_t **head, struct pl_error *);
/*
 * A read of the caller's own pad in one round trip: read_begin opens a
 * read-only batch with the pad's ownership check (*head, once sent); the
 * caller queues its reads of the pad; read_end sends them all and fails
 * with what a non-owner gets (403 read_only, 404) when *head stayed NULL —
 * the caller then drops what it read.
 */
int svc_pad_read_begin(struct db_conn *, const char *user_id, const char *id,
                       json_t **head, struct pl_error *);
int svc_pad_read_end(struct db_conn *, const char *user_id, const char *id,
                     json_t **head, struct pl_error *);
/* The audit row of a change to pad ({id, display_name}, borrowed) by its
 * owner, in the open transaction (audit_emit, outbox.h): the event's
 * subject is {id, display_name, owner_id}; extra (stolen, may be NULL)
 * adds details to the row. */
void svc_pad_emit(struct db_conn *, const char *action, const char *user_id,
                  json_t *pad, json_t *extra);
/* Commits a change to a pad; on failure rolls back, a unique violation
 * becoming 409 name_taken. */
int svc_pad_commit(struct db_conn *, struct pl_error *);

#endif
