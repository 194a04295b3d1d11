/*
 * The audit log as admins read it (events.since): rows after a cursor, for
 * dashboards catching up on what they missed while disconnected.
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

#endif
