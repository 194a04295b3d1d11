/* Pads end to end, phase 2 migrations: 0100 backfilling version and size
 * of pads made before it, and first migrations of several schemas racing
 * for the pg_trgm extension of a new database. */
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

/* A copy of the migrations directory without the phase-2 migration. */
static void
migrations_before(char *dir, size_t size)
{
	char src[600], from[1200], to[1200];
	DIR *d;
	struct dirent *e;

	snprintf(src, sizeof src, "%s/migrations",
	         getenv("PADLINE_SOURCE_DIR"));
	snprintf(dir, size, "%s/pads-migrations-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = opendir(src);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0 ||
		    strcmp(e->d_name, "2026_11_27_0100-pads-phase2.sql") >= 0)
			continue;
		snprintf(from, sizeof from, "%s/%s", src, e->d_name);
		snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
		ck_assert_int_eq(symlink(from, to), 0);
	}
	closedir(d);
}

static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1200];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

START_TEST(migration_backfills_version_and_size)
{
	char dir[700], env_dir[800], tdir[700];
	const char *env[] = {env_dir, tdir, NULL};
	struct ts_client *c;
	json_t *res;
	const char *big = "{\"list\": [1, 2, 3], \"t\": \"\xc3\xa9\"}";
	const char *migrate[] = {"migrate", NULL};
	const char *passwd[] = {"passwd", "olduser", NULL};

	/* No fixture: a schema that starts on the old migrations. */
	ts_env_stop(&tenv);
	alice = bob = NULL;
	migrations_before(dir, sizeof dir);
	snprintf(env_dir, sizeof env_dir, "PADLINE_MIGRATIONS_DIR=%s", dir);
	snprintf(tdir, sizeof tdir, "PADLINE_TEMPLATES_DIR=%s",
	         ts_templates_dir());
	ts_unique_schema("padsmig", tenv.schema, sizeof tenv.schema);
	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, env, migrate, NULL, 120, NULL, NULL),
	    0);
	tenv.db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(ts_db_count(tenv.db,
	                             "SELECT count(*) FROM information_schema."
	                             "columns WHERE table_schema = "
	                             "current_schema() AND table_name = 'pads' "
	                             "AND column_name = 'version'",
	                             0, NULL),
	                 0);
	/* A user and pads as the previous release wrote them: this binary's
	 * methods need the later migrations' columns, so SQL writes them. */
	ts_db_exec(tenv.db, "INSERT INTO users (username) VALUES ('olduser')");
	for (int i = 0; i < 5; i++) {
		char name[16];
		const char *p[] = {name, big};

		snprintf(name, sizeof name, "Old %d", i);
		PQclear(PQexec(tenv.db, "BEGIN"));
		ck_assert_int_eq(
		    ts_db_count(tenv.db,
		                "WITH i AS (INSERT INTO pads (owner_id, "
		                "display_name, data) SELECT id, $1, $2::jsonb "
		                "FROM users WHERE username = 'olduser' "
		                "RETURNING 1) SELECT count(*) FROM i",
		                2, p),
		    1);
		PQclear(PQexec(tenv.db, "COMMIT"));
	}

	/* The same schema under the full migrations. */
	ck_assert_int_eq(ts_server_start(&tenv.srv, tenv.schema, env + 1, NULL),
	                 0);
	ck_assert_int_eq(ts_padlined_run(tenv.schema, env + 1, passwd,
	                                 TS_PASSWORD "\n", 120, NULL, NULL),
	                 0);
	ck_assert_int_eq(
	    ts_db_count(tenv.db,
	                "SELECT count(*) FROM schema_migrations WHERE "
	                "version LIKE '2026_11_27_0100%'",
	                0, NULL),
	    1);
	ck_assert_int_eq(
	    ts_db_count(
	        tenv.db,
	        "SELECT count(*) FROM pads WHERE version = 1 AND size = "
	        "octet_length(data::text) AND size > 0",
	        0, NULL),
	    5);
	c = ts_client_connect(tenv.srv.port);
	ck_assert_int_eq(ts_login(c, "olduser", TS_PASSWORD), 0);
	res = ts_ok(c, "pad.list", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 5);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_array_get(json_object_get(res, "pads"), 0), "size")),
	    ts_db_count(tenv.db,
	                "SELECT octet_length(data::text) FROM pads LIMIT 1", 0,
	                NULL));
	json_decref(res);
	ts_client_free(c);
	remove_dir(dir);
}
END_TEST

/* Runs `padlined migrate` for one schema of a database (DATABASE_URL). */
struct migrator {
	pthread_t th;
	char schema[64];
	const char *env_url;
	int rc;
	char *errout;
};

static void *
migrator_run(void *arg)
{
	struct migrator *m = arg;
	const char *env[] = {m->env_url, NULL};
	const char *args[] = {"migrate", NULL};

	m->rc =
	    ts_padlined_run(m->schema, env, args, NULL, 120, NULL, &m->errout);
	return NULL;
}

#define MIGRATORS 6

START_TEST(first_migrations_race_for_the_extension)
{
	struct migrator m[MIGRATORS];
	const char *url = getenv("DATABASE_URL"), *slash;
	char dbname[64], sql[128], newurl[600], env_url[700];
	PGconn *c;

	/* A database of its own: the extension is per database, and this one
	 * has none yet, like a new deployment with several instances. */
	ck_assert_ptr_nonnull(url);
	slash = strrchr(url, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(dbname, sizeof dbname, "padline_trgm_%d", (int)getpid());
	snprintf(newurl, sizeof newurl, "%.*s/%s", (int)(slash - url), url,
	         dbname);
	snprintf(env_url, sizeof env_url, "DATABASE_URL=%s", newurl);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	ts_db_exec(tenv.db, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	ts_db_exec(tenv.db, sql);
	for (int i = 0; i < MIGRATORS; i++) {
		memset(&m[i], 0, sizeof m[i]);
		snprintf(m[i].schema, sizeof m[i].schema, "race_%d", i);
		m[i].env_url = env_url;
		ck_assert_int_eq(
		    pthread_create(&m[i].th, NULL, migrator_run, &m[i]), 0);
	}
	for (int i = 0; i < MIGRATORS; i++)
		pthread_join(m[i].th, NULL);
	for (int i = 0; i < MIGRATORS; i++) {
		ck_assert_msg(m[i].rc == 0, "migrator %d exited %d: %.2000s", i,
		              m[i].rc, m[i].errout ? m[i].errout : "");
		free(m[i].errout);
	}
	c = PQconnectdb(newurl);
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	ck_assert_int_eq(ts_db_count(c,
	                             "SELECT count(*) FROM pg_extension e "
	                             "JOIN pg_namespace n ON n.oid = "
	                             "e.extnamespace WHERE e.extname = "
	                             "'pg_trgm' AND n.nspname = 'public'",
	                             0, NULL),
	                 1);
	ck_assert_int_eq(ts_db_count(c,
	                             "SELECT count(*) FROM pg_indexes WHERE "
	                             "indexname = 'pads_name_trgm_idx'",
	                             0, NULL),
	                 MIGRATORS);
	PQfinish(c);
	snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", dbname);
	ts_db_exec(tenv.db, sql);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_migrate");
	TCase *tc = tcase_create("migrate");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, migration_backfills_version_and_size);
	tcase_add_test(tc, first_migrations_race_for_the_extension);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
