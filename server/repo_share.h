/*
 * Repository for pad_shares (who may view whose pad): one SQL statement per
 * function, no policy. Callers check that the caller owns the pad first;
 * users are named by username, matched case-insensitively as at login.
 */
#ifndef PL_REPO_SHARE_H
#define PL_REPO_SHARE_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* The outcome of repo_share_insert. */
enum repo_share_result {
	REPO_SHARE_NO_USER,  /* no user has that name */
	REPO_SHARE_OWNER,    /* the user is owner_id: nothing written */
	REPO_SHARE_EXISTED,  /* already shared: role set, *share is the row */
	REPO_SHARE_INSERTED, /* a new share: *share is the row */
};

/* Shares pad_id (owned by owner_id) with username in role; *share =
 * {username, role, created_at} unless the result says no row. */
int repo_share_insert(struct db_conn *, const char *pad_id,
                      const char *owner_id, const char *username,
                      const char *role, enum repo_share_result *result,
                      json_t **share, struct pl_error *);
/* Deletes the share of pad_id with username; *share = {username, role,
 * created_at} of the deleted row, or NULL when there was none. */
int repo_share_delete(struct db_conn *, const char *pad_id,
                      const char *username, json_t **share, struct pl_error *);
/* The pad's shares, oldest first, as [{username, role, created_at}]. */
int repo_share_list(struct db_conn *, const char *pad_id, json_t **shares,
                    struct pl_error *);
/* *role = user_id's role on pad_id ("viewer"), or "" when none; role has
 * room for 16 bytes. */
int repo_share_role(struct db_conn *, const char *pad_id, const char *user_id,
                    char role[16], struct pl_error *);

#endif
