/*
 * `padlined create-user`: a user (or admin) made from the command line.
 * Same rules, hash, transaction, audit row and event as user.register; no
 * form token or invitation (whoever runs it holds the database).
 */
#include "cli_user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "db.h"
#include "db_pool.h"
#include "migrate.h"
#include "outbox.h"
#include "svc_user.h"

int
cli_read_password(char *buf, size_t size)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), hidden = 0;
	char *ok;
	size_t n;

	if (tty) {
		fprintf(stderr, "Password: ");
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			hidden =
			    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	ok = fgets(buf, (int)size, stdin);
	if (hidden)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (tty)
		fputc('\n', stderr);
	if (ok == NULL)
		return -1;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

void
cli_print_error(const struct pl_error *err)
{
	size_t i;
	json_t *v;

	fprintf(stderr, "padlined: %s\n", err->message);
	json_array_foreach (err->violations, i, v)
		fprintf(stderr, "  %s: %s\n",
		        json_string_value(json_object_get(v, "field")),
		        json_string_value(json_object_get(v, "message")));
}

static int
usage(void)
{
	fprintf(stderr, "usage: padlined create-user NAME [--admin] "
	                "[--email ADDR]  (password on stdin)\n");
	return 2;
}

struct db_conn *
cli_db_open(struct padlined *app, struct pl_error *err)
{
	char version[64];
	struct db_conn *db;

	if (migrate_run(app->cfg, version, sizeof version, err) != 0)
		return NULL;
	db = db_conn_open(app->cfg->database_url, app->cfg->schema,
	                  app->cfg->db_connect_timeout, err);
	/* Its events go out now, not at the server's next relay pass. */
	outbox_attach(app, db);
	return db;
}

static int
create(struct padlined *app, struct svc_new_user *nu, struct pl_error *err)
{
	json_t *user = NULL;
	struct db_conn *db;
	char *text;

	if (svc_user_validate(app, nu, err) != 0 ||
	    svc_user_hash(app, nu, err) != 0)
		return -1;
	/* The schema may not exist yet: create-user can come first. */
	if ((db = cli_db_open(app, err)) == NULL)
		return -1;
	if (svc_user_create(app, db, nu, &user, err) != 0) {
		db_conn_free(db);
		return -1;
	}
	db_conn_free(db);
	text = json_dumps(user, JSON_COMPACT);
	printf("%s\n", text ? text : "{}");
	free(text);
	json_decref(user);
	return 0;
}

int
cli_create_user(struct padlined *app, int argc, char **argv)
{
	const char *name = NULL, *email = NULL;
	char pw[PASSWORD_MAX + 4];
	struct svc_new_user *nu;
	struct pl_error err;
	int admin = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--admin") == 0)
			admin = 1;
		else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email = argv[++i];
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else
			return usage();
	}
	if (name == NULL)
		return usage();
	if (cli_read_password(pw, sizeof pw) != 0) {
		fprintf(stderr, "padlined: no password on stdin\n");
		return 1;
	}
	nu = svc_new_user_new(name, pw, email, NULL, NULL);
	sodium_memzero(pw, sizeof pw);
	nu->trusted = 1;
	nu->admin = admin;
	pl_error_init(&err);
	rc = create(app, nu, &err);
	if (rc != 0)
		cli_print_error(&err);
	pl_error_clear(&err);
	svc_new_user_free(nu);
	return rc ? 1 : 0;
}
