/*
 * Test support: the e2e suites' fixture (a schema, a padlined on it, a
 * database connection, signed-in users) and the migrations directory the
 * migration suites copy and run.
 */
#include "tsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport_int.h"

/* Set by ts_env_stop in the runner's process; ts_run fails on it. */
int ts_env_unclean;

const char *
ts_templates_dir(void)
{
	static char dir[600];
	const char *src = getenv("PADLINE_SOURCE_DIR");

	TS_CHECK(src != NULL, "PADLINE_SOURCE_DIR is not set (run ctest)");
	snprintf(dir, sizeof dir, "%s/templates", src);
	return dir;
}

struct ts_client *
ts_env_login(const struct ts_env *e, const char *name)
{
	struct ts_client *c = ts_client_connect(e->srv.port);

	if (c != NULL && ts_login(c, name, TS_PASSWORD) != 0) {
		ts_client_free(c);
		return NULL;
	}
	return c;
}

struct ts_client *
ts_env_admin(const struct ts_env *e, const char *name)
{
	if (ts_create_user(e->schema, name, TS_PASSWORD, 1) != 0)
		return NULL;
	return ts_env_login(e, name);
}

struct ts_client *
ts_env_register(const struct ts_env *e, const char *name)
{
	struct ts_client *c = ts_client_connect(e->srv.port);
	json_t *r;

	TS_CHECK(c != NULL, "connect for %s", name);
	r = ts_register_fresh(c, name, TS_PASSWORD, NULL);
	TS_CHECK(ts_error_code(r) == 0, "register %s: %d", name,
	         ts_error_code(r));
	json_decref(r);
	TS_CHECK(ts_login(c, name, TS_PASSWORD) == 0, "login %s", name);
	return c;
}

/* What ts_env_start could not do, or NULL when everything is up. */
static const char *
env_up(struct ts_env *e, const struct ts_env_opts *o)
{
	const char *env[32];
	char tdir[700];
	int n = 0;

	if (o->templates) {
		snprintf(tdir, sizeof tdir, "PADLINE_TEMPLATES_DIR=%s",
		         ts_templates_dir());
		env[n++] = tdir;
	}
	for (const char *const *v = o->env; v && *v && n < 31; v++)
		env[n++] = *v;
	env[n] = NULL;
	ts_unique_schema(o->prefix ? o->prefix : "env", e->schema,
	                 sizeof e->schema);
	if (ts_server_start(&e->srv, e->schema, env, o->args) != 0)
		return "padlined did not start";
	e->db = ts_db_connect(e->schema);
	if (e->db == NULL)
		return "no database connection";
	for (int i = 0; i < TS_ENV_MAX_USERS && o->users[i].name; i++) {
		const struct ts_env_user *u = &o->users[i];

		if (ts_create_user(e->schema, u->name, TS_PASSWORD, u->admin))
			return u->name;
		if (u->client &&
		    (*u->client = ts_env_login(e, u->name)) == NULL)
			return u->name;
	}
	return NULL;
}

void
ts_env_start(struct ts_env *e, const struct ts_env_opts *o)
{
	const char *failed;

	memset(e, 0, sizeof *e);
	memcpy(e->users, o->users, sizeof e->users);
	e->restore = o->restore;
	failed = env_up(e, o);
	if (failed != NULL) {
		/* An unchecked fixture that fails gets no teardown. */
		ts_env_stop(e);
		TS_CHECK(0, "test environment %s: %s", o->prefix, failed);
	}
}

int
ts_env_stop(struct ts_env *e)
{
	int status = 0;

	if (e->restore)
		ts_stack(e->restore);
	e->restore = NULL;
	for (int i = 0; i < TS_ENV_MAX_USERS && e->users[i].name; i++) {
		if (e->users[i].client) {
			ts_client_free(*e->users[i].client);
			*e->users[i].client = NULL;
		}
	}
	memset(e->users, 0, sizeof e->users);
	if (e->db)
		PQfinish(e->db);
	e->db = NULL;
	if (e->srv.pid > 0) {
		status = ts_server_stop(&e->srv);
		if (status != 0) {
			fprintf(stderr, "padlined exit status %d, log %s\n",
			        status, e->srv.log_path);
			ts_env_unclean = 1;
		}
	}
	if (e->schema[0])
		ts_db_drop_schema(e->schema);
	e->schema[0] = '\0';
	return status;
}

/* Check's fixtures take no argument: a few slots, each with its own pair
 * of functions, hold what ts_env_fixture was given. */
#define FIXTURE_SLOTS 4
static struct {
	struct ts_env *env;
	const struct ts_env_opts *opts;
	enum ts_env_scope scope;
} fixtures[FIXTURE_SLOTS];

/* A checked teardown runs in the test's process: it may fail the test. */
static void
fixture_stop(int i)
{
	int status = ts_env_stop(fixtures[i].env);

	if (fixtures[i].scope == TS_PER_TEST_CLEAN)
		TS_CHECK(status == 0, "padlined did not exit cleanly: %d",
		         status);
}

#define FIXTURE_SLOT(i)                                                        \
	static void fixture_setup##i(void)                                     \
	{                                                                      \
		ts_env_start(fixtures[i].env, fixtures[i].opts);               \
	}                                                                      \
	static void fixture_teardown##i(void)                                  \
	{                                                                      \
		fixture_stop(i);                                               \
	}
FIXTURE_SLOT(0)
FIXTURE_SLOT(1)
FIXTURE_SLOT(2)
FIXTURE_SLOT(3)
static const SFun fixture_setups[FIXTURE_SLOTS] = {
    fixture_setup0, fixture_setup1, fixture_setup2, fixture_setup3};
static const SFun fixture_teardowns[FIXTURE_SLOTS] = {
    fixture_teardown0, fixture_teardown1, fixture_teardown2, fixture_teardown3};

void
ts_env_fixture(TCase *tc, struct ts_env *env, const struct ts_env_opts *opts,
               enum ts_env_scope scope)
{
	static int used;
	int i = used++;

	TS_CHECK(i < FIXTURE_SLOTS, "more than %d ts_env_fixture calls",
	         FIXTURE_SLOTS);
	fixtures[i].env = env;
	fixtures[i].opts = opts;
	fixtures[i].scope = scope;
	if (scope == TS_PER_SUITE)
		tcase_add_unchecked_fixture(tc, fixture_setups[i],
		                            fixture_teardowns[i]);
	else
		tcase_add_checked_fixture(tc, fixture_setups[i],
		                          fixture_teardowns[i]);
}

char *
ts_migrations_dir(void)
{
	const char *src = getenv("PADLINE_SOURCE_DIR");
	char *p = NULL;

	TS_CHECK(src != NULL, "PADLINE_SOURCE_DIR is not set (run ctest)");
	TS_CHECK(asprintf(&p, "%s/migrations", src) > 0, "asprintf");
	return p;
}

char *
ts_migrations_copy(const char *extra, const char *text)
{
	char *dir = strdup("/tmp/padline-mig-XXXXXX"),
	     *src = ts_migrations_dir();
	char cmd[1024];
	FILE *f;

	TS_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(cmd, sizeof cmd, "cp %s/*.sql %s/", src, dir);
	TS_CHECK(system(cmd) == 0, "%s", cmd);
	free(src);
	if (extra) {
		snprintf(cmd, sizeof cmd, "%s/%s", dir, extra);
		f = fopen(cmd, "w");
		TS_CHECK(f != NULL, "%s", cmd);
		fputs(text, f);
		fclose(f);
	}
	return dir;
}

void
ts_migrations_remove(char *dir)
{
	ts_remove_tree(dir);
	TS_CHECK(access(dir, F_OK) != 0, "%s is still there", dir);
	free(dir);
}

int
ts_migrate(const char *schema, const char *dir, const char *a1, const char *a2,
           const char *a3, char **out, char **err)
{
	const char *args[] = {"migrate", a1, a2, a3, NULL};
	const char *envv[2] = {NULL, NULL};
	char *env = NULL;
	int rc;

	if (dir)
		TS_CHECK(asprintf(&env, "PADLINE_MIGRATIONS_DIR=%s", dir) > 0,
		         "asprintf");
	envv[0] = env;
	rc = ts_padlined_run(schema, envv, args, NULL, 120, out, err);
	free(env);
	return rc;
}

char *
ts_db_text(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	char *v;

	TS_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1,
	         "%s: %s", sql, PQerrorMessage(db));
	v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}
