/*
 * user.get / user.update / user.delete. Every change that could remove an
 * enabled admin first locks all enabled admins (in id order, the same
 * order for everyone, so no deadlock), then the target: the count it sees
 * is final until commit.
 */
#include "svc_user_admin.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "outbox.h"
#include "repo_session.h"
#include "repo_user.h"
#include "svc_account.h"
#include "svc_totp.h"
#include "validate.h"

int
svc_user_get(struct db_conn *db, const char *id, const char *username, int idle,
             json_t **result, struct pl_error *err)
{
	if (repo_user_detail(db, id, username, idle, result, err) != 0)
		return err->code;
	if (*result == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such user");
	return PL_OK;
}

static int
not_found(struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found", "no such user");
}

static int
last_admin(struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_CONFLICT, "last_admin",
	                    "this is the last enabled admin; make another "
	                    "admin first");
}

static int
has_admin(json_t *roles)
{
	size_t i;
	json_t *r;

	json_array_foreach (roles, i, r)
		if (json_is_string(r) &&
		    strcmp(json_string_value(r), "admin") == 0)
			return 1;
	return 0;
}

/* Locks the admins, then the target (*user, id); 404 when none. */
static int
lock_target(struct db_conn *db, const char *id, const char *username,
            json_t **user, char *tid, int *admins, int *is_enabled_admin,
            struct pl_error *err)
{
	/* Admins first, then the target: everyone locks in this order. */
	if (repo_user_lock_admins(db, id, admins, is_enabled_admin, err) != 0 ||
	    repo_user_lock(db, id, username, user, tid, err) != 0)
		return err->code;
	if (*user == NULL)
		return not_found(err);
	*is_enabled_admin = !json_is_true(json_object_get(*user, "disabled")) &&
	                    has_admin(json_object_get(*user, "roles"));
	return PL_OK;
}

static int
validate_change(const struct svc_user_change *c, struct pl_error *err)
{
	size_t i;
	json_t *r;

	json_array_foreach (c->roles, i, r)
		if (!json_is_string(r)) {
			pl_error_violation(err, "roles", "type",
			                   "roles must be strings");
			break;
		}
	if (c->set_email)
		email_validate(c->email, err);
	return err->code;
}

static json_t *
changed_fields(const struct svc_user_change *c)
{
	json_t *f = json_array();

	if (c->disabled >= 0)
		json_array_append_new(f, json_string("disabled"));
	if (c->roles)
		json_array_append_new(f, json_string("roles"));
	if (c->set_email)
		json_array_append_new(f, json_string("email"));
	if (c->totp_reset)
		json_array_append_new(f, json_string("totp"));
	return json_pack("{s:o}", "changed", f);
}

static int
update_tx(struct db_conn *db, const char *actor_id,
          const struct svc_user_change *c, json_t **user, struct pl_error *err)
{
	struct repo_user_patch p = {0};
	char tid[40], *roles = NULL;
	int admins = 0, enabled_admin = 0, rc;
	json_t *extra;

	if (lock_target(db, c->id, c->username, user, tid, &admins,
	                &enabled_admin, err) != 0)
		return err->code;
	if (enabled_admin && admins <= 1 &&
	    (c->disabled == 1 || (c->roles && !has_admin(c->roles))))
		return last_admin(err);
	json_decref(*user);
	*user = NULL;
	if (c->disabled >= 0)
		p.disabled = c->disabled ? "true" : "false";
	if (c->roles)
		p.roles = roles = json_dumps(c->roles, JSON_COMPACT);
	p.set_email = c->set_email;
	p.email = c->email && *c->email ? c->email : NULL;
	rc = repo_user_patch(db, tid, &p, user, err);
	free(roles);
	if (rc != 0)
		return rc;
	if (c->disabled == 1 &&
	    repo_session_delete_user(db, tid, NULL, err) != 0)
		return err->code;
	if (c->totp_reset) {
		json_decref(*user);
		if (svc_totp_reset_tx(db, tid, user, err) != 0)
			return err->code;
	}
	extra = changed_fields(c);
	audit_emit(db, "user.updated", actor_id, *user, extra);
	json_decref(extra);
	return rc;
}

int
svc_user_update(struct padlined *app, struct db_conn *db, const char *actor_id,
                const struct svc_user_change *c, json_t **user,
                struct pl_error *err)
{
	int rc;

	(void)app;
	*user = NULL;
	if (validate_change(c, err) != 0)
		return err->code;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = update_tx(db, actor_id, c, user, err);
	if (db_tx_finish(db, rc, err) != 0) {
		json_decref(*user);
		*user = NULL;
		return err->code;
	}
	return PL_OK;
}

static int
delete_tx(struct db_conn *db, const char *actor_id, const char *id,
          struct pl_error *err)
{
	json_t *user = NULL;
	char tid[40];
	int admins = 0, enabled_admin = 0;

	if (lock_target(db, id, NULL, &user, tid, &admins, &enabled_admin,
	                err) != 0)
		return err->code;
	json_decref(user);
	user = NULL;
	if (enabled_admin && admins <= 1)
		return last_admin(err);
	/* Pads, backups, shares, sessions and recovery codes cascade. */
	if (repo_user_delete(db, tid, &user, err) != 0)
		return err->code;
	if (user == NULL)
		return not_found(err);
	audit_emit(db, "user.deleted", actor_id, user, NULL);
	json_decref(user);
	return PL_OK;
}

int
svc_user_delete(struct padlined *app, struct db_conn *db, const char *actor_id,
                const char *id, struct pl_error *err)
{
	int rc;

	(void)app;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = delete_tx(db, actor_id, id, err);
	return db_tx_finish(db, rc, err);
}

int
svc_user_list_all(struct db_conn *db, json_t **users, struct pl_error *err)
{
	return repo_user_list_all(db, users, err);
}

int
svc_user_id_by_name(struct db_conn *db, const char *username, char *id,
                    struct pl_error *err)
{
	struct repo_user_auth a;

	if (repo_user_auth_by_name(db, username, &a, err) != 0)
		return err->code;
	sodium_memzero(a.hash, sizeof a.hash);
	if (a.user == NULL)
		return not_found(err);
	json_decref(a.user);
	snprintf(id, 40, "%s", a.id);
	return PL_OK;
}

int
svc_user_keeps_an_admin(struct db_conn *db, const char *id,
                        const char *roles_text, struct pl_error *err)
{
	json_t *roles = json_loads(roles_text ? roles_text : "[]", 0, NULL);
	int keeps = has_admin(roles), admins = 0, includes = 0;

	json_decref(roles);
	if (keeps)
		return PL_OK;
	if (repo_user_lock_admins(db, id, &admins, &includes, err) != 0)
		return err->code;
	return includes && admins <= 1 ? last_admin(err) : PL_OK;
}
