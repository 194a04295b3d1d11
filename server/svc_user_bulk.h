/*
 * Bulk actions on accounts (user.bulk, user.bulk_undo): a filter of the
 * filter language matched by the server against every account and its
 * registration attempt, an action applied to the matching accounts in one
 * transaction that keeps each one's prior state as a batch, and the undo
 * that puts exactly that state back. Also the purge of rejected accounts.
 */
#ifndef PL_SVC_USER_BULK_H
#define PL_SVC_USER_BULK_H

#include <jansson.h>

#include "db.h"
#include "pl_error.h"

struct padlined;
struct filter;

#define USER_BULK_MAX 100000 /* accounts one bulk action may change */
#define USER_BULK_SAMPLE 10

/*
 * user.bulk: action is disable, enable, approve or reject; filter a
 * non-empty filter expression. Admins and the actor are never matched.
 * *result {batch_id (null for a dry run or when nothing matched), count,
 * sample: [user]}; a dry run changes nothing and writes nothing.
 */
int svc_user_bulk(struct padlined *, struct db_conn *, const char *actor_id,
                  const char *filter, const char *action, int dry_run,
                  json_t **result, struct pl_error *);
/* user.held: the pending accounts (the newest HELD_SCAN at most) that
 * match filter (NULL or "": all), newest first: {users: the first limit,
 * each with signup {peer, network, shape, flags, rules} from its
 * registration attempt, count: how many match, more: true when there were
 * more pending accounts than were read}. */
int svc_user_held(struct db_conn *, const char *filter, int limit,
                  json_t **result, struct pl_error *);
/* user.bulk_undo: *result {batch_id, count, sample}; 404 no such batch,
 * 409 already_undone. */
int svc_user_bulk_undo(struct padlined *, struct db_conn *,
                       const char *actor_id, long long batch_id,
                       json_t **result, struct pl_error *);
/* Whether f matches the account of row (a row of repo_user_bulk_scan or
 * repo_user_list_rows: the account with its registration attempt). The
 * one place an account meets a filter: user.list, user.held and user.bulk
 * agree on what a filter picks. */
int svc_user_row_matches(const struct filter *f, json_t *row);
/* ids, an array of checked UUIDs (the caller's or the database's), as a
 * uuid[] literal, which then needs no quoting; caller frees. */
char *user_ids_literal(json_t *ids);
/* Deletes accounts rejected more than PADLINE_REJECT_PURGE_DAYS ago (once
 * across instances), each with a user.deleted event; best effort. */
void svc_user_bulk_purge_rejected(struct padlined *, struct db_conn *);

#endif
