/*
 * Repository for invitations: only the SHA-256 hex of a code is stored. One
 * statement per function; the registration transaction locks a row with
 * repo_invitation_lock before marking it used.
 */
#ifndef PL_REPO_INVITATION_H
#define PL_REPO_INVITATION_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

enum invitation_state {
	INV_MISSING,
	INV_USABLE,
	INV_USED,
	INV_EXPIRED,
	INV_REVOKED
};

/* Inserts an invitation valid for expires_in seconds; exp_text (size >= 40)
 * gets its expiry, RFC 3339 UTC. created_by and note may be NULL. */
int repo_invitation_insert(struct db_conn *, const char *code_hash,
                           const char *note, const char *created_by,
                           long long expires_in, char *exp_text,
                           struct pl_error *);
/* SELECT ... FOR UPDATE of the invitation with that hash (in the caller's
 * transaction): fills *state and id (size >= 40) when it exists. */
int repo_invitation_lock(struct db_conn *, const char *code_hash,
                         enum invitation_state *state, char *id,
                         struct pl_error *);
int repo_invitation_mark_used(struct db_conn *, const char *id,
                              const char *user_id, struct pl_error *);
/* Newest first, never the hash: [{id, note, created_at, expires_at,
 * status: open|used|expired|revoked, used_by?: {id, username}, used_at?,
 * created_by}] (new reference). */
int repo_invitation_list(struct db_conn *, json_t **invitations,
                         struct pl_error *);
/* Marks invitation id revoked unless it is used or already revoked;
 * *item its list item afterwards (NULL when there is no such id). */
int repo_invitation_revoke(struct db_conn *, const char *id, json_t **item,
                           struct pl_error *);

#endif
