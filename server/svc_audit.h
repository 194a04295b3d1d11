/*
 * The audit log as admins read it (events.since): rows after a cursor, for
 * dashboards catching up on what they missed while disconnected; and as a
 * user reads their own security events (account.activity), and as an
 * admin reads one account's (user.timeline).
 */
#ifndef PL_SVC_AUDIT_H
#define PL_SVC_AUDIT_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* *result {events}: at most limit audit rows with id > after, oldest
 * first. */
int svc_audit_since(struct db_conn *, long long after, int limit,
                    json_t **result, struct pl_error *);
/* account.activity: *result {events, next}: at most limit of user_id's
 * security events (repo_audit_activity), newest first, older than the
 * cursor after (NULL: from the newest); next is the cursor of the page
 * after, null on the last. 400 after/format for a bad cursor. */
int svc_audit_activity(struct db_conn *, const char *user_id, const char *after,
                       int limit, json_t **result, struct pl_error *);

/* user.timeline: *result {user, attempt, events, next}: the account
 * (404 not_found when there is none), the registration attempt that
 * created it (null when none is kept, and on every page but the first)
 * and its security events as account.activity pages them. */
int svc_audit_timeline(struct db_conn *, const char *user_id, const char *after,
                       int limit, json_t **result, struct pl_error *);

#endif
