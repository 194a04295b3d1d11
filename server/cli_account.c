/*
 * padlined passwd / disable / enable / list-users. Whoever runs these holds
 * the database, so there is no session: the audit rows have no actor. The
 * last-admin rule still applies to disable (409 last_admin).
 */
#include "cli_account.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "breached.h"
#include "cli_user.h"
#include "db.h"
#include "pwhash.h"
#include "svc_account.h"
#include "svc_user_admin.h"
#include "validate.h"

static int
usage(const char *cmd)
{
	fprintf(stderr, "usage: padlined %s%s\n", cmd,
	        strcmp(cmd, "list-users") == 0 ? ""
	        : strcmp(cmd, "passwd") == 0   ? " NAME  (password on stdin)"
	                                       : " NAME");
	return 2;
}

static void
print_user(json_t *user)
{
	char *text = json_dumps(user, JSON_COMPACT);

	printf("%s\n", text ? text : "{}");
	free(text);
}

/* Hashes the new password, then one transaction: hash, every session of
 * the user ends, audit user.password_changed. */
static int
passwd(struct padlined *app, const char *name, const char *pw,
       struct pl_error *err)
{
	char hash[PWHASH_STRBYTES], id[40], uname[USERNAME_MAX + 1];
	json_t *user = NULL;
	struct db_conn *db;
	int rc;

	svc_account_trim_username(name, uname, sizeof uname);
	password_validate(pw, err);
	breached_check(app->breached, pw, "password", err);
	if (err->code || pwhash_hash(app->cfg, pw, hash, err) != 0)
		return -1;
	if ((db = cli_db_open(app, err)) == NULL)
		return -1;
	rc = svc_user_id_by_name(db, uname, id, err);
	if (rc == 0)
		rc = svc_account_set_password(app, db, NULL, id, NULL, hash,
		                              NULL, &user, err);
	sodium_memzero(hash, sizeof hash);
	db_conn_free(db);
	if (rc == 0)
		print_user(user);
	json_decref(user);
	return rc ? -1 : 0;
}

int
cli_passwd(struct padlined *app, int argc, char **argv)
{
	char pw[PASSWORD_MAX + 4];
	struct pl_error err;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return usage(argv[0]);
	if (cli_read_password(pw, sizeof pw) != 0) {
		fprintf(stderr, "padlined: no password on stdin\n");
		return 1;
	}
	pl_error_init(&err);
	rc = passwd(app, argv[1], pw, &err);
	sodium_memzero(pw, sizeof pw);
	if (rc != 0)
		cli_print_error(&err);
	pl_error_clear(&err);
	return rc ? 1 : 0;
}

int
cli_set_disabled(struct padlined *app, int argc, char **argv)
{
	struct svc_user_change c = {.disabled = -1};
	char uname[USERNAME_MAX + 1];
	struct pl_error err;
	json_t *user = NULL;
	struct db_conn *db;
	int rc = -1;

	if (argc != 2 || argv[1][0] == '-')
		return usage(argv[0]);
	svc_account_trim_username(argv[1], uname, sizeof uname);
	c.username = uname;
	c.disabled = strcmp(argv[0], "disable") == 0;
	pl_error_init(&err);
	if ((db = cli_db_open(app, &err)) != NULL) {
		rc = svc_user_update(app, db, NULL, &c, &user, &err);
		db_conn_free(db);
	}
	if (rc == 0)
		print_user(user);
	else
		cli_print_error(&err);
	json_decref(user);
	pl_error_clear(&err);
	return rc ? 1 : 0;
}

int
cli_list_users(struct padlined *app, int argc, char **argv)
{
	struct pl_error err;
	json_t *users = NULL, *u;
	struct db_conn *db;
	size_t i;
	int rc = -1;

	if (argc != 1)
		return usage(argv[0]);
	pl_error_init(&err);
	if ((db = cli_db_open(app, &err)) != NULL) {
		rc = svc_user_list_all(db, &users, &err);
		db_conn_free(db);
	}
	if (rc != 0) {
		cli_print_error(&err);
		pl_error_clear(&err);
		return 1;
	}
	printf("%-32s %-8s %-8s %-4s %-20s %s\n", "USERNAME", "ROLES", "STATE",
	       "2FA", "CREATED", "LAST LOGIN");
	json_array_foreach (users, i, u) {
		char *roles =
		    json_dumps(json_object_get(u, "roles"), JSON_COMPACT);
		const char *last =
		    json_string_value(json_object_get(u, "last_login_at"));

		printf("%-32s %-8s %-8s %-4s %-20.19s %.19s\n",
		       json_string_value(json_object_get(u, "username")),
		       roles && strstr(roles, "\"admin\"") ? "admin" : "-",
		       json_is_true(json_object_get(u, "disabled")) ? "disabled"
		                                                    : "enabled",
		       json_is_true(json_object_get(u, "totp_enabled")) ? "on"
		                                                        : "off",
		       json_string_value(json_object_get(u, "created_at")),
		       last ? last : "never");
		free(roles);
	}
	json_decref(users);
	pl_error_clear(&err);
	return 0;
}
