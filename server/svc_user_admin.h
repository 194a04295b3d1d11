/*
 * What an admin does to other accounts: look one up with its pads
 * and sessions, disable/enable, change roles or email, reset 2FA, delete.
 * The last enabled admin can never be disabled, demoted or deleted (409
 * last_admin), decided under row locks so two admins demoting each other at
 * once cannot both succeed. Also used by the padlined CLI commands.
 */
#ifndef PL_SVC_USER_ADMIN_H
#define PL_SVC_USER_ADMIN_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

struct padlined;

/* A user.update request; the user is id, or username when id is NULL. */
struct svc_user_change {
	const char *id;
	const char *username;
	int disabled;  /* -1 keep, 0 enable, 1 disable */
	json_t *roles; /* array of strings, NULL keeps (borrowed) */
	int set_email; /* 1: email becomes email (NULL or "" clears) */
	const char *email;
	int totp_reset; /* 1: TOTP off, secrets and recovery codes gone */
};

/* user.get: *result {user, pads, sessions, last_login_at}; 404. The
 * sessions are the live ones (idle: the idle limit in seconds). */
int svc_user_get(struct db_conn *, const char *id, const char *username,
                 int idle, json_t **result, struct pl_error *);
/* user.update: one transaction (audit user.updated with the changed
 * fields), disabling ends every session of the user; *user afterwards. */
int svc_user_update(struct padlined *, struct db_conn *, const char *actor_id,
                    const struct svc_user_change *, json_t **user,
                    struct pl_error *);
/* user.delete: the user with pads, backups, shares, sessions; the audit
 * row user.deleted stays. 404, 409 last_admin. */
int svc_user_delete(struct padlined *, struct db_conn *, const char *actor_id,
                    const char *id, struct pl_error *);
/* In the caller's transaction, before user id's roles become roles_text
 * (a JSON array): 409 last_admin when that drops the admin role of the
 * last enabled admin (user.sync). Locks the admins like user.update. */
int svc_user_keeps_an_admin(struct db_conn *, const char *id,
                            const char *roles_text, struct pl_error *);
/* The id (size >= 40) of the user named username; 404 when none. */
int svc_user_id_by_name(struct db_conn *, const char *username, char *id,
                        struct pl_error *);
/* padlined list-users: [{username, roles, disabled, totp_enabled,
 * created_at, last_login_at}] oldest first. */
int svc_user_list_all(struct db_conn *, json_t **users, struct pl_error *);

#endif
