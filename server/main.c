/*
 * padlined's entry point: configuration, then one of serve (the default),
 * migrate or create-user. Startup order (docs/architecture.md): PostgreSQL
 * (with retries) → migrations under the Redis + advisory locks → templates →
 * listen. A failed migration exits non-zero; it never serves a half-migrated
 * schema.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "app.h"
#include "breached.h"
#include "cli_breached.h"
#include "disposable.h"
#include "svc_signup.h"
#include "db.h"
#include "db_probe.h"
#include "cli_account.h"
#include "cli_redis_acl.h"
#include "cli_rules.h"
#include "cli_user.h"
#include "outbox.h"
#include "log.h"
#include "migrate.h"
#include "notify.h"
#include "paths.h"
#include "server.h"
#include "stats.h"
#include "templates.h"
#include "xalloc.h"

/* The shipped list is part of the installation: without it (or with a bad
 * extra file) padlined does not start. */
static int
app_open_disposable(struct padlined *app, struct pl_error *err)
{
	char *list = paths_data_file(DISPOSABLE_FILE);
	int rc = disposable_open(list, app->cfg->disposable_extra,
	                         &app->disposable, err);

	if (rc == 0)
		log_info("disposable email domains loaded", "count=%zu",
		         disposable_size(app->disposable));
	free(list);
	return rc;
}

/* Fills err with what failed; the caller exits (nothing is freed). */
static int
app_open(struct padlined *app, struct config *cfg, struct pl_error *err)
{
	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	/* The lists first: one that cannot be read stops the start before
	 * anything else is made, and running without a check the operator
	 * asked for would be a surprise. */
	if (cfg->breached_passwords &&
	    breached_open(cfg->breached_passwords, &app->breached, err) != 0)
		return err->code;
	if (app_open_disposable(app, err) != 0) {
		breached_free(app->breached);
		return err->code;
	}
	app->db = db_pool_new(cfg->database_url, cfg->schema, cfg->pool_size,
	                      cfg->db_connect_timeout, cfg->db_query_timeout,
	                      strcmp(cfg->db_prepare, "on") == 0);
	app->db_probe = db_probe_new(cfg->database_url, cfg->schema,
	                             cfg->db_connect_timeout);
	if (app->db_probe == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                    "cannot start the health probe thread");
	/* config_validate has checked the URL: this cannot fail today. */
	app->rds = rds_pool_new(cfg->redis_url, cfg->workers + 2, err);
	if (app->rds == NULL)
		return err->code;
	app->limits = login_limit_new(app->rds, cfg->login_limit_fallback);
	app->signup = signup_defense_new(app);
	app->stats = stats_new();
	event_sig_keys(cfg->secret, app->events_pk, app->events_sk);
	if (outbox_open(app, err) != 0)
		return err->code;
	/* The form-token key is derived, so the raw secret is never used as
	 * a MAC key directly and can be any length. */
	crypto_generichash(app->form_key, sizeof app->form_key,
	                   (const unsigned char *)cfg->secret,
	                   strlen(cfg->secret),
	                   (const unsigned char *)"padline form tokens", 19);
	return 0;
}

static void
app_close(struct padlined *app)
{
	outbox_close(app);
	db_pool_free(app->db);
	db_probe_free(app->db_probe);
	login_limit_free(app->limits);
	signup_defense_free(app->signup);
	breached_free(app->breached);
	disposable_free(app->disposable);
	rds_pool_free(app->rds);
	stats_free(app->stats);
	sodium_memzero(app->form_key, sizeof app->form_key);
	sodium_memzero(app->events_sk, sizeof app->events_sk);
}

static int
run_migrate(struct padlined *app)
{
	struct pl_error err;

	pl_error_init(&err);
	if (migrate_run(app->cfg, app->migrations_version,
	                sizeof app->migrations_version, &err) != 0) {
		log_error("migration failed; not starting", "error=%s",
		          err.message);
		fprintf(stderr, "padlined: migration failed: %s\n",
		        err.message);
		pl_error_clear(&err);
		return -1;
	}
	log_info("schema is current", "schema=%s version=%s", app->cfg->schema,
	         app->migrations_version);
	return 0;
}

static int
migrate_usage(FILE *f, int rc)
{
	fprintf(f, "usage: padlined [options] migrate [--to VERSION [--force]] "
	           "| --status\n"
	           "  (none)        apply every pending migration\n"
	           "  --to VERSION  move the schema up or down to VERSION (a "
	           "version, its\n"
	           "                file name or a unique prefix; 0 = before "
	           "the first)\n"
	           "  --force       let a down step lose data (drop tables "
	           "with rows or\n"
	           "                columns with values, delete or change "
	           "rows, touch\n"
	           "                anything outside the schema); refused "
	           "and named\n"
	           "                otherwise\n"
	           "  --status      list applied and pending versions with "
	           "checksums\n"
	           "exit status: 0 done; 1 failed or refused; 2 bad command "
	           "line;\n"
	           "  3 (--status) a version is changed, unknown or newer\n");
	return rc;
}

/* `padlined migrate [--to VERSION [--force]] | --status`. */
static int
cmd_migrate(struct padlined *app, int argc, char **argv)
{
	struct migrate_request req = {NULL, 0};
	struct migrate_result res;
	struct pl_error err;
	int status = 0, attention = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			req.to = argv[++i];
		else if (strncmp(argv[i], "--to=", 5) == 0)
			req.to = argv[i] + 5;
		else if (strcmp(argv[i], "--force") == 0)
			req.force = 1;
		else if (strcmp(argv[i], "--status") == 0)
			status = 1;
		else
			return migrate_usage(stderr, 2);
	}
	if (status && (req.to || req.force))
		return migrate_usage(stderr, 2);
	pl_error_init(&err);
	rc = status ? migrate_status(app->cfg, stdout, &attention, &err)
	            : migrate_to(app->cfg, &req, &res, &err);
	if (rc != 0) {
		fprintf(stderr, "padlined: migration failed: %s\n",
		        err.message);
		pl_error_clear(&err);
		return 1;
	}
	if (!status)
		printf("migrations: %d applied, %d reverted; schema %s at "
		       "%s\n",
		       res.applied, res.reverted, app->cfg->schema,
		       res.latest[0] ? res.latest : "0 (none applied)");
	/* Scripts (an upgrade, a monitor) tell a schema padlined refuses
	 * from a healthy one without parsing the report. */
	return attention > 0 ? 3 : 0;
}

static void
load_templates(struct padlined *app)
{
	struct pl_error err;
	int loaded = 0, skipped = 0;
	struct db_conn *db;

	pl_error_init(&err);
	db = db_conn_open(app->cfg->database_url, app->cfg->schema,
	                  app->cfg->db_connect_timeout, &err);
	if (db == NULL || templates_load(db, app->cfg->templates_dir, &loaded,
	                                 &skipped, &err) != 0)
		log_warn("templates not loaded", "error=%s dir=%s", err.message,
		         app->cfg->templates_dir);
	else
		log_info("templates loaded", "loaded=%d skipped=%d dir=%s",
		         loaded, skipped, app->cfg->templates_dir);
	db_conn_free(db);
	pl_error_clear(&err);
}

static int
serve(struct padlined *app)
{
	struct pl_error err;
	char n[16];
	int rc;

	notify_status("migrating schema %s", app->cfg->schema);
	if (run_migrate(app) != 0)
		return 1;
	notify_status("loading templates");
	load_templates(app);
	/* libuv reads this once, at the first uv_queue_work. */
	snprintf(n, sizeof n, "%d", app->cfg->workers);
	setenv("UV_THREADPOOL_SIZE", n, 1);
	pl_error_init(&err);
	rc = server_run(app, &err);
	if (rc != 0) {
		log_error("server failed", "error=%s", err.message);
		fprintf(stderr, "padlined: %s\n", err.message);
	}
	pl_error_clear(&err);
	return rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct padlined app;
	struct pl_error err;
	int first = -1, help = 0, version = 0, rc = 0;
	const char *cmd;

	xalloc_install();    /* before anything allocates */
	json_object_seed(0); /* before any thread creates an object */
	/* A client that vanishes mid-reply must cost a write error, not the
	 * process. */
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "padlined: libsodium failed to initialise\n");
		return 1;
	}
	pl_error_init(&err);
	if (config_init(&cfg, &err) != 0 ||
	    config_parse_args(&cfg, argc, argv, &first, &help, &version,
	                      &err) != 0) {
		fprintf(stderr, "padlined: %s\n", err.message);
		config_free(&cfg);
		return 2;
	}
	if (help || version) {
		if (help)
			config_usage(stdout);
		else
			printf("padlined %s\n", PADLINE_VERSION);
		config_free(&cfg);
		return 0;
	}
	cmd = first < 0 ? "serve" : argv[first];
	/* `migrate --help` needs no database: answer before validation. */
	for (int i = first + 1; first >= 0 && i < argc; i++)
		if (strcmp(cmd, "migrate") == 0 &&
		    strcmp(argv[i], "--help") == 0) {
			config_free(&cfg);
			return migrate_usage(stdout, 0);
		}
	/* breached-import needs neither a database nor a secret. */
	if (strcmp(cmd, "breached-import") == 0) {
		rc = cli_breached_import(argc - first, argv + first);
		config_free(&cfg);
		return rc;
	}
	if (cfg.secret == NULL && strcmp(cmd, "serve") != 0)
		cfg.secret = xstrdup("unused-outside-serve"); /* no tokens */
	if (cfg.database_url == NULL && strcmp(cmd, "redis-acl") == 0)
		cfg.database_url = xstrdup(""); /* prints, connects nowhere */
	if (config_validate(&cfg, &err) != 0) {
		fprintf(stderr, "padlined: %s\n", err.message);
		config_free(&cfg);
		return 2;
	}
	log_set_level(cfg.log_level);
	if (strcmp(cmd, "redis-acl") == 0) {
		rc = cli_redis_acl(&cfg, argc - first, argv + first);
		config_free(&cfg);
		return rc;
	}
	paths_resolve(&cfg);
	if (app_open(&app, &cfg, &err) != 0) {
		fprintf(stderr, "padlined: %s\n", err.message);
		pl_error_clear(&err);
		config_free(&cfg);
		return 1;
	}
	if (strcmp(cmd, "serve") == 0)
		rc = serve(&app);
	else if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(&app, argc - first, argv + first);
	else if (strcmp(cmd, "create-user") == 0) {
		rc = cli_create_user(&app, argc - first, argv + first);
	} else if (strcmp(cmd, "passwd") == 0) {
		rc = cli_passwd(&app, argc - first, argv + first);
	} else if (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) {
		rc = cli_set_disabled(&app, argc - first, argv + first);
	} else if (strcmp(cmd, "list-users") == 0) {
		rc = cli_list_users(&app, argc - first, argv + first);
	} else if (strcmp(cmd, "rules") == 0) {
		rc = cli_rules(&app, argc - first, argv + first);
	} else {
		fprintf(stderr,
		        "padlined: unknown command \"%s\" (see --help)\n", cmd);
		rc = 2;
	}
	app_close(&app);
	config_free(&cfg);
	return rc;
}
