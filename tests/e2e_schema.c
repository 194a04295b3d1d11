/* Migrations and templates against real PostgreSQL with real padlined
 * processes: a changed applied migration is refused, Pad.ws's legacy
 * canvas tables are migrated (in a database of their own, since they live
 * in public) and rolling that step back keeps the imported rows, templates load
 * and a broken template file is skipped, and what PostgreSQL says along the
 * way (notices) reaches the log as logfmt lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static char *
copy_dir(const char *what)
{
	char *dir = strdup("/tmp/padline-e2e-XXXXXX"), cmd[1024];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cp %s/%s/* %s/",
	         getenv("PADLINE_SOURCE_DIR"), what, dir);
	ck_assert_int_eq(system(cmd), 0);
	return dir;
}

static void
remove_dir(char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

static void
prepend(const char *path, const char *text)
{
	char buf[65536];
	size_t len;
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	ck_assert_uint_lt(len, sizeof buf);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fwrite(buf, 1, len, f);
	fclose(f);
}

START_TEST(changed_applied_migration_is_refused)
{
	char schema[64], *dir = copy_dir("migrations"), *env = NULL,
	                 *err = NULL;
	char path[600];
	const char *args[] = {"migrate", NULL}, *envv[2];

	ck_assert_int_gt(asprintf(&env, "PADLINE_MIGRATIONS_DIR=%s", dir), 0);
	envv[0] = env;
	envv[1] = NULL;
	ts_unique_schema("mchg", schema, sizeof schema);
	ck_assert_int_eq(
	    ts_padlined_run(schema, envv, args, NULL, 120, NULL, NULL), 0);
	snprintf(path, sizeof path, "%s/2026_11_01_0020-create-audit-log.sql",
	         dir);
	/* An edit to the up part (a down part may change freely). */
	prepend(path, "-- an innocent-looking edit\n");
	ck_assert_int_ne(
	    ts_padlined_run(schema, envv, args, NULL, 120, NULL, &err), 0);
	ck_assert_msg(strstr(err, "2026_11_01_0020-create-audit-log.sql") &&
	                  strstr(err, "changed"),
	              "error does not name the changed file: %s", err);
	free(err);
	free(env);
	remove_dir(dir);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(legacy_canvas_tables_are_migrated)
{
	char dbname[64], url[512], *env = NULL;
	const char *base = getenv("DATABASE_URL"), *slash = strrchr(base, '/');
	const char *args[] = {"migrate", NULL}, *envv[2];
	/* --force: the down steps after the import drop columns with values. */
	const char *down[] = {"migrate", "--to", "2026_11_01_0020", "--force",
	                      NULL};
	PGconn *admin = ts_db_connect(NULL), *db;
	char sql[256];

	snprintf(dbname, sizeof dbname, "t_legacy_%d", (int)getpid());
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	ts_db_exec(admin, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	ts_db_exec(admin, sql);
	snprintf(url, sizeof url, "%.*s/%s", (int)(slash - base), base, dbname);
	db = PQconnectdb(url);
	ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
	/* Pad.ws's shapes: one canvas per user, backups with timestamps. */
	ts_db_exec(
	    db,
	    "CREATE TABLE public.canvas_data (user_id uuid PRIMARY KEY, "
	    "data jsonb);"
	    "CREATE TABLE public.canvas_backups (id serial PRIMARY KEY, "
	    "user_id uuid, canvas_data jsonb, timestamp timestamptz);"
	    "INSERT INTO canvas_data VALUES "
	    "('11111111-1111-1111-1111-111111111111', "
	    "'{\"elements\": [1, 2], \"appState\": {}}'),"
	    "('22222222-2222-2222-2222-222222222222', '{}');"
	    "INSERT INTO canvas_backups (user_id, canvas_data, timestamp) "
	    "VALUES ('11111111-1111-1111-1111-111111111111', "
	    "'{\"elements\": [1]}', '2024-01-02T03:04:05Z'),"
	    "('11111111-1111-1111-1111-111111111111', '{\"elements\": []}', "
	    "'2024-01-01T00:00:00Z'),"
	    "('11111111-1111-1111-1111-111111111111', '{}', NULL);");
	ck_assert_int_gt(asprintf(&env, "DATABASE_URL=%s", url), 0);
	envv[0] = env;
	envv[1] = NULL;
	ck_assert_int_eq(
	    ts_padlined_run("pad_ws", envv, args, NULL, 120, NULL, NULL), 0);
	ts_db_exec(db, "SET search_path TO pad_ws, public");
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM users WHERE "
	                             "username LIKE 'migrated_user_%' AND "
	                             "password_hash IS NULL",
	                             0, NULL),
	                 2);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM pads WHERE "
	                             "display_name = 'Untitled'",
	                             0, NULL),
	                 2);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM pads WHERE data = "
	                "'{\"elements\": [1, 2], \"appState\": {}}'::jsonb "
	                "AND owner_id = '11111111-1111-1111-1111-111111111111'",
	                0, NULL),
	    1);
	/* Two backups with timestamps kept; the one without is skipped. */
	ck_assert_int_eq(
	    ts_db_count(db, "SELECT count(*) FROM backups", 0, NULL), 2);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM backups WHERE "
	                             "created_at = '2024-01-02T03:04:05Z'",
	                             0, NULL),
	                 1);
	/* Running again moves nothing twice. */
	ck_assert_int_eq(
	    ts_padlined_run("pad_ws", envv, args, NULL, 120, NULL, NULL), 0);
	ck_assert_int_eq(ts_db_count(db, "SELECT count(*) FROM pads", 0, NULL),
	                 2);
	/* Rolling the import back keeps what it imported: it only forgets
	 * that it ran. */
	ck_assert_int_eq(
	    ts_padlined_run("pad_ws", envv, down, NULL, 120, NULL, NULL), 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM schema_migrations "
	                             "WHERE version LIKE '%legacy-canvas'",
	                             0, NULL),
	                 0);
	ck_assert_int_eq(ts_db_count(db, "SELECT count(*) FROM pads", 0, NULL),
	                 2);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM users WHERE "
	                             "username LIKE 'migrated_user_%'",
	                             0, NULL),
	                 2);
	ck_assert_int_eq(
	    ts_db_count(db, "SELECT count(*) FROM backups", 0, NULL), 2);
	PQfinish(db);
	snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
	ts_db_exec(admin, sql);
	PQfinish(admin);
	free(env);
}
END_TEST

START_TEST(without_legacy_tables_nothing_is_migrated)
{
	char schema[64];
	const char *args[] = {"migrate", NULL};
	PGconn *db;

	ts_unique_schema("mnol", schema, sizeof schema);
	ck_assert_int_eq(
	    ts_padlined_run(schema, NULL, args, NULL, 120, NULL, NULL), 0);
	db = ts_db_connect(schema);
	ck_assert_int_eq(ts_db_count(db, "SELECT count(*) FROM users", 0, NULL),
	                 0);
	ck_assert_int_eq(ts_db_count(db, "SELECT count(*) FROM pads", 0, NULL),
	                 0);
	PQfinish(db);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(templates_load_and_a_broken_one_is_skipped)
{
	char schema[64], *dir = copy_dir("templates"), path[600], *env = NULL;
	const char *envv[2];
	struct ts_server srv;
	FILE *f, *log;
	char line[4096];
	int logged = 0;
	PGconn *db;

	snprintf(path, sizeof path, "%s/broken-one.json", dir);
	f = fopen(path, "w");
	fputs(
	    "{\"display_name\": \"Broken\", \"data\": {\"unterminated\": [}\n",
	    f);
	fclose(f);
	snprintf(path, sizeof path, "%s/not-an-object.json", dir);
	f = fopen(path, "w");
	fputs("{\"display_name\": \"Array\", \"data\": [1, 2]}\n", f);
	fclose(f);
	ck_assert_int_gt(asprintf(&env, "PADLINE_TEMPLATES_DIR=%s", dir), 0);
	envv[0] = env;
	envv[1] = NULL;
	ts_unique_schema("tmpl", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, envv, NULL), 0);
	db = ts_db_connect(schema);
	ck_assert_int_ge(
	    ts_db_count(db, "SELECT count(*) FROM template_pads", 0, NULL), 4);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM template_pads "
	                             "WHERE name IN ('broken-one', "
	                             "'not-an-object')",
	                             0, NULL),
	                 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM template_pads "
	                             "WHERE name = 'kanban' AND "
	                             "jsonb_typeof(data->'columns') = 'array'",
	                             0, NULL),
	                 1);
	PQfinish(db);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	log = fopen(srv.log_path, "r");
	ck_assert_ptr_nonnull(log);
	while (fgets(line, sizeof line, log))
		if (strstr(line, "template skipped") &&
		    (strstr(line, "broken-one.json") ||
		     strstr(line, "not-an-object.json")))
			logged++;
	fclose(log);
	ck_assert_int_eq(logged, 2);
	free(env);
	remove_dir(dir);
	ts_db_drop_schema(schema);
}
END_TEST

/* A NOTICE (here pg_trgm's "already exists, skipping" from a migration of
 * a fresh schema, the first thing create-user does) is a log line like any
 * other, never libpq's raw "NOTICE:  ..." on stderr. */
START_TEST(server_notices_are_logged)
{
	char schema[64], *err = NULL, *line, *save = NULL;
	const char *args[] = {"create-user", "nora", NULL};
	PGconn *admin = ts_db_connect(NULL);
	int logged = 0;

	ts_db_exec(admin,
	           "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public");
	PQfinish(admin);
	ts_unique_schema("notice", schema, sizeof schema);
	ck_assert_int_eq(ts_padlined_run(schema, NULL, args,
	                                 "Notice-Pass-0123!\n", 120, NULL,
	                                 &err),
	                 0);
	for (line = strtok_r(err, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(strncmp(line, "ts=", 3) == 0,
		              "a raw line in the log: %s", line);
		if (strstr(line, "level=info msg=\"database notice\"") &&
		    strstr(line, "sqlstate=42710") && strstr(line, "pg_trgm"))
			logged = 1;
	}
	ck_assert_msg(logged, "the notice was not logged");
	free(err);
	ts_db_drop_schema(schema);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_schema");
	TCase *tc = tcase_create("schema");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, changed_applied_migration_is_refused);
	tcase_add_test(tc, legacy_canvas_tables_are_migrated);
	tcase_add_test(tc, without_legacy_tables_nothing_is_migrated);
	tcase_add_test(tc, templates_load_and_a_broken_one_is_skipped);
	tcase_add_test(tc, server_notices_are_logged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
