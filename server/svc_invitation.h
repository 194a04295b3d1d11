/*
 * Invitations for invite-only registration: a random code shown once to
 * the admin who creates it; only its SHA-256 is kept.
 */
#ifndef PL_SVC_INVITATION_H
#define PL_SVC_INVITATION_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

#define INVITATION_DEFAULT_TTL (7 * 86400)

struct padlined;

/* *result {code, expires_at}; note may be NULL. */
int svc_invitation_create(struct padlined *, struct db_conn *,
                          const char *actor_id, long long expires_in,
                          const char *note, json_t **result, struct pl_error *);
/* *result {invitations}. */
int svc_invitation_list(struct db_conn *, json_t **result, struct pl_error *);

/* invitation.revoke: *result {invitation} (its list item, status revoked);
 * audit invitation.revoked. 404 unknown id, 409 invitation_used. */
int svc_invitation_revoke(struct padlined *, struct db_conn *,
                          const char *actor_id, const char *id, json_t **result,
                          struct pl_error *);

#endif
