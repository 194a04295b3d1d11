/*
 * Repository for audit_log, which is also the event outbox: rows are written
 * in the caller's transaction; published_at stays NULL until the event has
 * gone to Redis (see events.c).
 */
#ifndef PL_REPO_AUDIT_H
#define PL_REPO_AUDIT_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* One unpublished event: its row's id and its JSON text (owned). */
struct audit_event {
	long long id;
	char *event;
};

/* Inserts one row; actor_id / subject_id may be NULL; details is borrowed
 * (NULL = {}). The INSERT returns the row's event, which goes to
 * db_tx_event: the connection publishes it after commit (db.h, the outbox
 * hook), so publishing costs no second read. Services call audit_emit
 * (outbox.h), not this. */
int repo_audit_insert(struct db_conn *, const char *action,
                      const char *actor_id, const char *subject_id,
                      json_t *details, struct pl_error *);
/* repo_audit_insert with details already printed as compact JSON (as
 * json_num_dumps would print them; NULL = {}). */
int repo_audit_insert_text(struct db_conn *, const char *action,
                           const char *actor_id, const char *subject_id,
                           const char *details, struct pl_error *);
/* One row per subject of the array subjects (each a public object whose
 * "id" is the row's subject_id), with details (borrowed; NULL = {}) and
 * {subject}: audit rows that are not events (never published, not in
 * repo_audit_since). Services call audit_emit_quiet (outbox.h). */
int repo_audit_insert_quiet(struct db_conn *, const char *action,
                            const char *actor_id, json_t *subjects,
                            json_t *details, struct pl_error *);
/* Events with id > after, oldest first, at most limit, as an array of
 * {id, action, at, subject} (new reference). */
int repo_audit_since(struct db_conn *, long long after, int limit,
                     json_t **events, struct pl_error *);
/* The security events about user_id (sign-ins, failed guesses, password,
 * TOTP and session changes, admins' changes), newest first, with id <
 * before (0: from the newest), at most limit: [{id, action, at, peer?,
 * by?: {id, username}}] (new reference). */
int repo_audit_activity(struct db_conn *, const char *user_id, long long before,
                        int limit, json_t **items, struct pl_error *);

/* In the caller's transaction: locks up to limit unpublished rows older than
 * grace_s seconds (FOR UPDATE SKIP LOCKED), oldest first. *rows (*n of
 * them) is the caller's to free with repo_audit_events_free. */
int repo_audit_lock_unpublished(struct db_conn *, int limit, int grace_s,
                                struct audit_event **rows, size_t *n,
                                struct pl_error *);
void repo_audit_events_free(struct audit_event *, size_t n);
/* Marks a batch published; ids is a PostgreSQL array literal "{1,2,3}". */
int repo_audit_mark_published_many(struct db_conn *, const char *ids,
                                   struct pl_error *);
/* The outbox's backlog: unpublished rows and the age in seconds of the
 * oldest (0 when there is none). */
int repo_audit_outbox(struct db_conn *, long long *unpublished,
                      double *oldest_s, struct pl_error *);

#endif
