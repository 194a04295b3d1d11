/*
 * Repository for bulk actions on accounts: the accounts a filter is
 * matched against (each with its registration attempt), the batches with
 * every account's prior state, and the purge of rejected accounts. One SQL
 * statement per function, no policy.
 */
#ifndef PL_REPO_USER_BULK_H
#define PL_REPO_USER_BULK_H

#include <jansson.h>

#include "db.h"
#include "pl_error.h"

/* Up to limit accounts with id > after (NULL: from the first), by id, as
 * {user (the public object), raw_status, admin, peer, network, shape,
 * flags, rules} (the last five from the account's latest registration
 * attempt, null when it has none) (new array). */
int repo_user_bulk_scan(struct db_conn *, const char *after, int limit,
                        json_t **rows, struct pl_error *);
/* The same rows for up to limit pending accounts, newest first (new
 * array). */
int repo_user_bulk_pending(struct db_conn *, int limit, json_t **rows,
                           struct pl_error *);
/* The same rows for the accounts among ids (a uuid[] literal), locked FOR
 * UPDATE in id order (new array). */
int repo_user_bulk_lock(struct db_conn *, const char *ids, json_t **rows,
                        struct pl_error *);
/* A new batch; *id its id. */
int repo_user_bulk_batch_insert(struct db_conn *, const char *actor_id,
                                const char *action, const char *filter,
                                long long count, long long *id,
                                struct pl_error *);
/* Applies action (disable, enable, approve, reject) to the accounts among
 * ids and keeps each one's prior state in batch; *users the changed public
 * objects, by username (new array). */
int repo_user_bulk_apply(struct db_conn *, long long batch, const char *ids,
                         const char *action, json_t **users, struct pl_error *);
/* Ends every session of the accounts among ids. */
int repo_user_bulk_end_sessions(struct db_conn *, const char *ids,
                                struct pl_error *);
/* Locks batch id: *batch {id, action, filter, count, undone} or NULL when
 * there is none. */
int repo_user_bulk_batch_lock(struct db_conn *, long long id, json_t **batch,
                              struct pl_error *);
/* Puts back the prior state the batch kept for each of its accounts that
 * still exists and marks it undone by actor_id; *users the restored public
 * objects, by username (new array). */
int repo_user_bulk_restore(struct db_conn *, long long batch,
                           const char *actor_id, json_t **users,
                           struct pl_error *);
/* Deletes up to limit accounts rejected more than days ago (their pads,
 * sessions and the rest by cascade), unless another instance holds the
 * purge's advisory lock for this transaction; *users the deleted public
 * objects (new array). */
int repo_user_bulk_purge_rejected(struct db_conn *, int days, int limit,
                                  json_t **users, struct pl_error *);

#endif
