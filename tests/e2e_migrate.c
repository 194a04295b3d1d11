/* Startup migrations with real processes: three padlined started at the same
 * moment on an empty schema all come up and each migration is applied once,
 * by one migrator (schema_migrations.applied_by);
 * `padlined migrate` is idempotent; a broken migration stops startup with a
 * non-zero exit naming the file and leaves nothing half-applied. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsupport.h"

static int
count_migration_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0)
			n++;
	}
	closedir(d);
	return n;
}

struct starter {
	struct ts_server srv;
	const char *schema;
	int rc;
};

static void *
start_one(void *arg)
{
	struct starter *s = arg;

	s->rc = ts_server_start(&s->srv, s->schema, NULL, NULL);
	return NULL;
}

START_TEST(three_instances_migrate_once)
{
	char schema[64];
	struct starter st[3];
	pthread_t th[3];
	char *dir = ts_migrations_dir();
	int files = count_migration_files(dir);
	char *latest;
	PGconn *db;

	ts_unique_schema("race", schema, sizeof schema);
	for (int i = 0; i < 3; i++) {
		memset(&st[i], 0, sizeof st[i]);
		st[i].schema = schema;
		pthread_create(&th[i], NULL, start_one, &st[i]);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(st[i].rc == 0, "instance %d did not come up", i);
	db = ts_db_connect(schema);
	latest = ts_db_text(db, "SELECT max(version) FROM schema_migrations");
	/* Each server's own record: all three answer and report the same,
	 * latest, schema version. */
	for (int i = 0; i < 3; i++) {
		struct ts_client *c = ts_client_connect(st[i].srv.port);
		json_t *r = ts_call(c, "server.health", NULL);

		ck_assert_str_eq(
		    json_string_value(json_object_get(ts_result(r), "db")),
		    "up");
		ck_assert_str_eq(json_string_value(json_object_get(
		                     ts_result(r), "migrations")),
		                 latest);
		json_decref(r);
		ts_client_free(c);
	}
	/* Each migration was applied exactly once (the primary key keeps a
	 * second run from recording it twice, and that run would have
	 * failed its instance), every one by the same single migrator. The
	 * rows are the record: counting "applied" log lines raced with the
	 * log level and with tsupport's port-clash retry, which starts a
	 * fresh log file for an instance that already migrated. */
	ck_assert_int_eq(
	    ts_db_count(db, "SELECT count(*) FROM schema_migrations", 0, NULL),
	    files);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(DISTINCT version) FROM "
	                             "schema_migrations",
	                             0, NULL),
	                 files);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(DISTINCT applied_by) FROM "
	                             "schema_migrations WHERE applied_by IS "
	                             "NOT NULL",
	                             0, NULL),
	                 1);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM schema_migrations "
	                             "WHERE applied_by IS NULL",
	                             0, NULL),
	                 0);
	PQfinish(db);
	free(latest);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ts_server_stop(&st[i].srv), 0);
	ts_db_drop_schema(schema);
	free(dir);
}
END_TEST

START_TEST(migrate_command_is_idempotent)
{
	char schema[64];
	const char *args[] = {"migrate", NULL};
	char *out = NULL;

	ts_unique_schema("mcli", schema, sizeof schema);
	ck_assert_int_eq(
	    ts_padlined_run(schema, NULL, args, NULL, 120, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "schema"));
	free(out);
	ck_assert_int_eq(
	    ts_padlined_run(schema, NULL, args, NULL, 120, NULL, NULL), 0);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(broken_migration_stops_startup)
{
	char schema[64], tmpl[] = "/tmp/padline-mig-XXXXXX", cmd[8192], *env;
	char *dir = ts_migrations_dir(), *err = NULL;
	const char *args[] = {"migrate", NULL};
	const char *envv[2];
	struct ts_server srv;
	PGconn *db;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(cmd, sizeof cmd, "cp %s/*.sql %s/", dir, tmpl);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s/2099_01_01_0000-broken.sql", tmpl);
	f = fopen(cmd, "w");
	fputs("CREATE TABLE half_done (id int);\nSELECT no_such_column FROM "
	      "no_such_table;\n",
	      f);
	fclose(f);
	ck_assert_int_gt(asprintf(&env, "PADLINE_MIGRATIONS_DIR=%s", tmpl), 0);
	envv[0] = env;
	envv[1] = NULL;

	ts_unique_schema("mbrk", schema, sizeof schema);
	ck_assert_int_ne(
	    ts_padlined_run(schema, envv, args, NULL, 120, NULL, &err), 0);
	ck_assert_msg(strstr(err, "2099_01_01_0000-broken.sql") != NULL,
	              "error does not name the file: %s", err);
	free(err);
	/* serve refuses too: it never listens on a half-migrated schema. */
	ck_assert_int_ne(ts_server_start(&srv, schema, envv, NULL), 0);
	/* The broken file's own transaction was rolled back. */
	db = ts_db_connect(schema);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM "
	                             "information_schema.tables WHERE "
	                             "table_name = 'half_done'",
	                             0, NULL),
	                 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM schema_migrations "
	                             "WHERE version LIKE '2099%'",
	                             0, NULL),
	                 0);
	PQfinish(db);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
	ck_assert_int_eq(system(cmd), 0);
	ts_db_drop_schema(schema);
	free(env);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_migrate");
	TCase *tc = tcase_create("migrate");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, three_instances_migrate_once);
	tcase_add_test(tc, migrate_command_is_idempotent);
	tcase_add_test(tc, broken_migration_stops_startup);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
