/*
 * The method table: name → entry. Adding a method (docs/architecture.md)
 * adds one extern and one line here; the dispatcher never changes. A linear
 * scan: the table is small.
 */
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

extern const struct rpc_method rpc_server_hello;
extern const struct rpc_method rpc_server_health;
extern const struct rpc_method rpc_server_stats;
extern const struct rpc_method rpc_events_since;
extern const struct rpc_method rpc_invitation_create;
extern const struct rpc_method rpc_invitation_list;
extern const struct rpc_method rpc_session_login;
extern const struct rpc_method rpc_session_logout;
extern const struct rpc_method rpc_session_resume;
extern const struct rpc_method rpc_user_list;
extern const struct rpc_method rpc_user_me;
extern const struct rpc_method rpc_user_register;
extern const struct rpc_method rpc_user_stats;
extern const struct rpc_method rpc_user_sync;
extern const struct rpc_method rpc_template_list;
extern const struct rpc_method rpc_pad_list;
extern const struct rpc_method rpc_pad_get;
extern const struct rpc_method rpc_pad_create;
extern const struct rpc_method rpc_pad_update;
extern const struct rpc_method rpc_pad_delete;
extern const struct rpc_method rpc_pad_backups;
extern const struct rpc_method rpc_pad_restore;
extern const struct rpc_method rpc_pad_backup_get;
extern const struct rpc_method rpc_pad_share;
extern const struct rpc_method rpc_pad_unshare;
extern const struct rpc_method rpc_pad_shares;
extern const struct rpc_method rpc_pad_trash;
extern const struct rpc_method rpc_pad_undelete;
extern const struct rpc_method rpc_pad_purge;
extern const struct rpc_method rpc_pad_import;
extern const struct rpc_method rpc_user_change_password;
extern const struct rpc_method rpc_session_list;
extern const struct rpc_method rpc_session_revoke;
extern const struct rpc_method rpc_user_totp_begin;
extern const struct rpc_method rpc_user_totp_enable;
extern const struct rpc_method rpc_user_totp_disable;
extern const struct rpc_method rpc_user_get;
extern const struct rpc_method rpc_user_timeline;
extern const struct rpc_method rpc_user_update;
extern const struct rpc_method rpc_session_reauth;
extern const struct rpc_method rpc_account_activity;
extern const struct rpc_method rpc_user_delete;
extern const struct rpc_method rpc_invitation_revoke;
extern const struct rpc_method rpc_rule_list;
extern const struct rpc_method rpc_rule_put;
extern const struct rpc_method rpc_rule_test;
extern const struct rpc_method rpc_rule_delete;
extern const struct rpc_method rpc_user_held;
extern const struct rpc_method rpc_user_approve;
extern const struct rpc_method rpc_user_reject;
extern const struct rpc_method rpc_user_bulk;
extern const struct rpc_method rpc_user_bulk_undo;
extern const struct rpc_method rpc_signup_stats;
extern const struct rpc_method rpc_signup_attempts;

static const struct rpc_method *const rpc_table[] = {
    &rpc_server_health,
    &rpc_server_hello,
    &rpc_events_since,
    &rpc_invitation_create,
    &rpc_invitation_list,
    &rpc_session_login,
    &rpc_session_logout,
    &rpc_session_resume,
    &rpc_user_list,
    &rpc_user_me,
    &rpc_user_register,
    &rpc_user_stats,
    &rpc_user_sync,
    &rpc_template_list,
    &rpc_pad_list,
    &rpc_pad_get,
    &rpc_pad_create,
    &rpc_pad_update,
    &rpc_pad_delete,
    &rpc_pad_backups,
    &rpc_pad_restore,
    &rpc_server_stats,
    /* pads: backups and sharing */
    &rpc_pad_backup_get,
    &rpc_pad_share,
    &rpc_pad_unshare,
    &rpc_pad_shares,
    &rpc_pad_trash,
    &rpc_pad_undelete,
    &rpc_pad_purge,
    &rpc_pad_import,
    /* accounts: the user's own, and admins' */
    &rpc_user_change_password,
    &rpc_session_list,
    &rpc_session_revoke,
    &rpc_user_totp_begin,
    &rpc_user_totp_enable,
    &rpc_user_totp_disable,
    &rpc_user_get,
    &rpc_user_timeline,
    &rpc_session_reauth,
    &rpc_account_activity,
    &rpc_user_update,
    &rpc_user_delete,
    &rpc_invitation_revoke,
    /* signup defense */
    &rpc_rule_list,
    &rpc_rule_put,
    &rpc_rule_test,
    &rpc_rule_delete,
    &rpc_user_held,
    &rpc_user_approve,
    &rpc_user_reject,
    &rpc_user_bulk,
    &rpc_user_bulk_undo,
    &rpc_signup_stats,
    &rpc_signup_attempts,
};

const struct rpc_method *
rpc_method_find(const char *name)
{
	for (size_t i = 0; i < sizeof rpc_table / sizeof rpc_table[0]; i++)
		if (strcmp(rpc_table[i]->name, name) == 0)
			return rpc_table[i];
	return NULL;
}

/* For the docs test and server.stats: the table in order. */
size_t
rpc_method_count(void)
{
	return sizeof rpc_table / sizeof rpc_table[0];
}

const struct rpc_method *
rpc_method_at(size_t i)
{
	return i < rpc_method_count() ? rpc_table[i] : NULL;
}
