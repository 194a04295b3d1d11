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

struct app;

#define PAD_NAME_MAX 100 /* characters */
#define PAD_LIST_DEFAULT 100
#define PAD_LIST_MAX 1000

/* What pad.list asks for; NULL strings are absent. */
struct svc_pad_list_req {
	int limit;         /* 1..PAD_LIST_MAX */
	const char *after; /* the previous page's next cursor */
	const char *sort;  /* created (default), updated, name */
	const char *q;     /* substring of the name, any case */
};

int svc_template_list(struct app *, struct db_conn *, json_t **templates,
                      struct pl_error *);
/* One page of the pads the user owns or views (summaries, no data); *next =
 * the cursor of the following page, or json null after the last. */
int svc_pad_list(struct app *, struct db_conn *, const char *user_id,
                 const struct svc_pad_list_req *, json_t **pads, json_t **next,
                 struct pl_error *);
/* By id (own or shared), or (id NULL) by display_name (own). */
int svc_pad_get(struct app *, struct db_conn *, const char *user_id,
                const char *id, const char *display_name, json_t **pad,
                struct pl_error *);
/* data (borrowed) NULL = {} or the template's data; template NULL = none.
 * Giving both data and template is a violation. */
int svc_pad_create(struct app *, struct db_conn *, const char *user_id,
                   const char *display_name, json_t *data, const char *tmpl,
                   json_t **pad, struct pl_error *);
/* display_name / data NULL = unchanged. New data backs the old data up.
 * if_version > 0: unless the pad is at that version nothing is written and
 * the error is 409 version_conflict with data.current {version,
 * updated_at}. */
int svc_pad_update(struct app *, struct db_conn *, const char *user_id,
                   const char *id, const char *display_name, json_t *data,
                   long long if_version, json_t **pad, struct pl_error *);
int svc_pad_delete(struct app *, struct db_conn *, const char *user_id,
                   const char *id, struct pl_error *);
int svc_pad_backups(struct app *, struct db_conn *, const char *user_id,
                    const char *id, int with_data, json_t **backups,
                    struct pl_error *);
/* One backup with its data, {id, created_at, size, data}. */
int svc_pad_backup_get(struct app *, struct db_conn *, const char *user_id,
                       const char *id, const char *backup_id, json_t **backup,
                       struct pl_error *);
/* Backs the current data up, then copies backup_id's data back; if_version
 * as for svc_pad_update. */
int svc_pad_restore(struct app *, struct db_conn *, const char *user_id,
                    const char *id, const char *backup_id, long long if_version,
                    json_t **pad, struct pl_error *);

/* For the pad services (svc_share.c): */
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
