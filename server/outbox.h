/*
 * The outbox: the one way a change writes its audit row and its event.
 * A service calls audit_emit inside its transaction; the row goes out with
 * the transaction's other statements (no round trip of its own), and when
 * the transaction commits the connection hands the row's event to the
 * publisher thread (the outbox hook, db.h); a rollback drops it. What the
 * publisher cannot send stays unpublished in audit_log for the relay
 * (events.h). No service names the publisher.
 */
#ifndef PL_OUTBOX_H
#define PL_OUTBOX_H

#include <jansson.h>

#include "db.h"
#include "pl_error.h"

struct padlined;

/*
 * Queues the audit row of action, in the transaction open on db (outside
 * one it is written and published at once). actor_id: who acted (NULL: the
 * server, a tool); subject: the public object the event is about (borrowed;
 * its "id", if a string, is the row's subject_id; NULL: {}); details: more
 * for the audit row only, never in the event (borrowed; NULL: none). It
 * switches the transaction to batching (db_tx_batch), so write it after
 * the reads the transaction decides on, usually just before db_tx_commit.
 * A failure fails the transaction: db_tx_commit reports it.
 */
void audit_emit(struct db_conn *db, const char *action, const char *actor_id,
                json_t *subject, json_t *details);

/* The audit row's details audit_emit writes: details' members and
 * "subject" (new reference; both arguments borrowed). */
json_t *audit_details_new(json_t *subject, json_t *details);

/*
 * audit_emit of the subject {"id": id, "display_name": display_name,
 * "owner_id": owner_id} (all three strings) and no details: the row's
 * details are printed (audit_subject_text), not built as a tree and dumped,
 * which cost a tenth of a pad.create's instructions.
 */
void audit_emit_named(struct db_conn *db, const char *action,
                      const char *actor_id, const char *id,
                      const char *display_name, const char *owner_id);
/* The details text of audit_emit_named: the same text as audit_emit
 * writes for that subject (malloc'd). */
char *audit_subject_text(const char *id, const char *display_name,
                         const char *owner_id);

/*
 * Audit rows that are not events, one per public object of the array
 * subjects (borrowed), each with details (borrowed; NULL: none), queued
 * like audit_emit's in one statement: what a change of many accounts
 * writes beside its one event (an audit_emit of its own).
 */
void audit_emit_quiet(struct db_conn *db, const char *action,
                      const char *actor_id, json_t *subjects, json_t *details);

/* Starts the relay state and the publisher thread (app->relay,
 * app->events) and makes every connection of app->db publish what it
 * commits. */
int outbox_open(struct padlined *, struct pl_error *);
/* A connection opened outside the pool (a one-off tool) publishes too. */
void outbox_attach(struct padlined *, struct db_conn *);
/* Sends what is queued (a couple of seconds at most), stops the thread,
 * marks what went out, frees the relay state. */
void outbox_close(struct padlined *);

#endif
