/* Going back with real processes and real PostgreSQL, and what a down step
 * may lose: up → down → up leaves the same schema (pg_dump) and data; a down
 * step that would lose data (drop, delete or change it) or touch another
 * schema is refused, naming it, unless --force. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "migrate_down_suite.h"
#include "tsupport.h"

/* pg_dump of the schema, without what differs between two identical
 * schemas (comments, SET lines, \restrict keys, blank lines). */
static char *
dump(const char *schema, const char *what)
{
	char cmd[1024], line[4096];
	size_t len = 0, cap = 1;
	char *text = calloc(1, 1);
	FILE *p;

	snprintf(cmd, sizeof cmd,
	         "pg_dump %s --no-owner -n %s "
	         "--exclude-table-data=%s.schema_migrations '%s'",
	         what, schema, schema, getenv("DATABASE_URL"));
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof line, p)) {
		size_t n = strlen(line);

		if (line[0] == '\n' || strncmp(line, "--", 2) == 0 ||
		    line[0] == '\\' || strncmp(line, "SET ", 4) == 0 ||
		    strncmp(line, "SELECT pg_catalog.set_config", 28) == 0)
			continue;
		while (len + n + 1 > cap)
			text = realloc(text, cap *= 2);
		memcpy(text + len, line, n + 1);
		len += n;
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_gt(len, 0);
	return text;
}

static void
expect_steps(const char *out, int applied, int reverted)
{
	int a, r;

	steps(out, &a, &r);
	ck_assert_int_eq(a, applied);
	ck_assert_int_eq(r, reverted);
}

/* Runs migrate with up to three arguments; it must succeed with these
 * numbers of steps. */
static void
migrate_ok(const char *schema, const char *dir, const char *a1, const char *a2,
           const char *a3, int applied, int reverted)
{
	char *out = NULL, *err = NULL;
	int rc = ts_migrate(schema, dir, a1, a2, a3, &out, &err);

	ck_assert_msg(rc == 0, "migrate %s %s %s: exit %d: %s", a1 ? a1 : "",
	              a2 ? a2 : "", a3 ? a3 : "", rc, err);
	expect_steps(out, applied, reverted);
	free(out);
	free(err);
}

/* A user with two pads and one audit row. */
static void
add_data(PGconn *db)
{
	ts_db_exec(db, "INSERT INTO users (username) VALUES ('alice');"
	               "INSERT INTO pads (owner_id, display_name, data) "
	               "SELECT id, 'p1', '{\"a\": 1}' FROM users;"
	               "INSERT INTO pads (owner_id, display_name) "
	               "SELECT id, 'p2' FROM users;"
	               "INSERT INTO audit_log (action) VALUES ('pad.create');"
	               /* what padlined keeps beside the data it writes */
	               "UPDATE pads SET size = octet_length(data::text)");
}

/* How many shipped migrations are later than version ("" : all of them):
 * other migrations may come after these tests were written. */
static int
later_than(const char *version)
{
	char *dir = ts_migrations_dir();
	struct migration *v;
	struct pl_error err;
	size_t n;
	int later = 0;

	pl_error_init(&err);
	ck_assert_int_eq(migrate_list(dir, &v, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		later += strcmp(v[i].version, version) > 0;
	migrate_list_free(v, n);
	free(dir);
	return later;
}

/* A schema migrated with the note migration too, holding add_data's
 * rows; *dir is the migrations copy. */
static PGconn *
noted_schema(const char *prefix, char *schema, size_t size, char **dir)
{
	PGconn *db;

	*dir = ts_migrations_copy(NOTE_FILE, NOTE_SQL);
	ts_unique_schema(prefix, schema, size);
	migrate_ok(schema, *dir, NULL, NULL, NULL, later_than("") + 1, 0);
	db = ts_db_connect(schema);
	add_data(db);
	return db;
}

START_TEST(up_down_up_keeps_schema_and_data)
{
	char schema[64], *dir, *s1, *s2, *d1, *d2;
	PGconn *db = noted_schema("mdud", schema, sizeof schema, &dir);

	s1 = dump(schema, "--schema-only");
	d1 = dump(schema, "--data-only");
	/* Down past the note column (empty: no data lost), the later
	 * migrations (whose down steps drop columns with values, such as
	 * pads.version: --force) and the legacy import (which only forgets
	 * it ran), then up again: the same schema and the same data. */
	migrate_ok(schema, dir, "--to", V0020, "--force", 0,
	           later_than(V0020) + 1);
	ck_assert_int_eq(count(db, NOTE_COLUMNS), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM schema_migrations"),
	                 3);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 2);
	migrate_ok(schema, dir, NULL, NULL, NULL, later_than(V0020) + 1, 0);
	s2 = dump(schema, "--schema-only");
	d2 = dump(schema, "--data-only");
	ck_assert_str_eq(s2, s1);
	ck_assert_str_eq(d2, d1);
	free(s1);
	free(s2);
	free(d2);
	free(d1);

	/* All the way down (every table empty) and back. */
	ts_db_exec(db, "DELETE FROM audit_log; DELETE FROM users");
	s1 = dump(schema, "--schema-only");
	migrate_ok(schema, dir, "--to", "0", NULL, 0, later_than("") + 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pg_tables WHERE "
	                           "schemaname = current_schema()"),
	                 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM schema_migrations"),
	                 0);
	migrate_ok(schema, dir, NULL, NULL, NULL, later_than("") + 1, 0);
	s2 = dump(schema, "--schema-only");
	ck_assert_str_eq(s2, s1);
	free(s1);
	free(s2);
	PQfinish(db);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(destructive_down_needs_force)
{
	char schema[64], *dir, *err = NULL;
	PGconn *db = noted_schema("mdes", schema, sizeof schema, &dir);

	ts_db_exec(db, "UPDATE pads SET note = 'keep me' WHERE display_name "
	               "= 'p1'");
	/* A column with a value: refused, named, nothing changed. */
	ck_assert_int_ne(
	    ts_migrate(schema, dir, "--to", V0030, NULL, NULL, &err), 0);
	ck_assert_msg(strstr(err, "column pads.note (1 value)") &&
	                  strstr(err, NOTE_VERSION) && strstr(err, "--force"),
	              "refusal does not name what it would drop: %s", err);
	free(err);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads WHERE note = "
	                           "'keep me'"),
	                 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM schema_migrations"),
	                 later_than("") + 1);
	/* Forced: the column goes, the pads stay. */
	migrate_ok(schema, dir, "--to", V0030, "--force", 0,
	           later_than(V0030) + 1);
	ck_assert_int_eq(count(db, NOTE_COLUMNS), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 2);
	/* Two steps down, the second of which drops the audit log's row:
	 * refused before either runs (0030 would have been harmless). */
	ck_assert_int_ne(
	    ts_migrate(schema, dir, "--to", V0010, NULL, NULL, &err), 0);
	ck_assert_msg(strstr(err, "table audit_log (1 row)") &&
	                  strstr(err, V0020),
	              "refusal does not name the table: %s", err);
	free(err);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM schema_migrations"),
	                 later_than("") - later_than(V0030));
	migrate_ok(schema, dir, "--to", V0010, "--force", 0,
	           later_than(V0010) - later_than(V0030));
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pg_tables WHERE "
	                           "tablename = 'audit_log' AND schemaname = "
	                           "current_schema()"),
	                 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 2);
	PQfinish(db);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

/* A down step that empties a table it keeps (TRUNCATE, DELETE) loses data
 * too. */
START_TEST(emptying_a_table_is_destructive)
{
	char schema[64],
	    *err = NULL,
	    *dir = ts_migrations_copy("2099_01_01_0000-purge-audit.sql",
	                              "SELECT 1;\n-- migrate:down\n"
	                              "TRUNCATE audit_log;\n");
	PGconn *db;

	ts_unique_schema("mtru", schema, sizeof schema);
	ck_assert_int_eq(ts_migrate(schema, dir, NULL, NULL, NULL, NULL, NULL),
	                 0);
	db = ts_db_connect(schema);
	ts_db_exec(db, "INSERT INTO audit_log (action) VALUES ('a'), ('b')");
	ck_assert_int_ne(
	    ts_migrate(schema, dir, "--to", V0030, NULL, NULL, &err), 0);
	ck_assert_msg(strstr(err, "2 rows of table audit_log") != NULL,
	              "refusal does not name the rows: %s", err);
	free(err);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM audit_log"), 2);
	/* Empty already: nothing to lose. */
	ts_db_exec(db, "DELETE FROM audit_log");
	migrate_ok(schema, dir, "--to", V0030, NULL, 0, later_than(V0030) + 1);
	PQfinish(db);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

/* The trash's down step: with trashed pads it would purge them (they
 * were deleted pads before it), so it is refused, naming the rows, unless
 * forced; forced, the live pads stay with their unique names. With an
 * empty trash it loses nothing and runs unforced. */
START_TEST(trash_down_purges_only_when_forced)
{
	const char *trash = "2026_12_06_1400-pad-trash",
	           *before = "2026_12_06_1300-signup-attempts";
	char schema[64], *err = NULL;
	const char *const p[] = {before};
	PGconn *db;
	int after;

	ts_unique_schema("mtrash", schema, sizeof schema);
	ck_assert_int_eq(ts_migrate(schema, NULL, NULL, NULL, NULL, NULL, NULL),
	                 0);
	db = ts_db_connect(schema);
	/* The trash's step and every step after it (a new step is one more). */
	after = (int)ts_db_count(
	    db, "SELECT count(*) FROM schema_migrations WHERE version > $1", 1,
	    p);
	ck_assert_int_ge(after, 4);
	ts_db_exec(db, "INSERT INTO users (username) VALUES ('alice')");
	ts_db_exec(db, "INSERT INTO pads (owner_id, display_name, deleted_at) "
	               "SELECT id, 'same', now() FROM users");
	ts_db_exec(db, "INSERT INTO pads (owner_id, display_name) "
	               "SELECT id, 'same' FROM users");
	ck_assert_int_ne(
	    ts_migrate(schema, NULL, "--to", before, NULL, NULL, &err), 0);
	ck_assert_msg(strstr(err, "of table pads") && strstr(err, trash) &&
	                  strstr(err, "--force"),
	              "refusal does not name the trashed pads: %s", err);
	free(err);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 2);
	/* Down to before: the trash's step and those after it. */
	migrate_ok(schema, NULL, "--to", before, "--force", 0, after);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 1);
	/* Back up, nothing in the trash: down and up again unforced. */
	migrate_ok(schema, NULL, NULL, NULL, NULL, after, 0);
	migrate_ok(schema, NULL, "--to", before, NULL, 0, after);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 1);
	PQfinish(db);
	ts_db_drop_schema(schema);
}
END_TEST

/* A down step dropping the whole schema is named as such, even with every
 * table empty; forced, it takes the bookkeeping along and the next migrate
 * starts over. */
START_TEST(dropping_the_schema_is_destructive)
{
	char schema[64], text[256], *err = NULL, *dir;

	ts_unique_schema("mdsc", schema, sizeof schema);
	snprintf(text, sizeof text,
	         "SELECT 1;\n-- migrate:down\nDROP SCHEMA %s CASCADE;\n",
	         schema);
	dir = ts_migrations_copy("2099_01_01_0000-drop-all.sql", text);
	migrate_ok(schema, dir, NULL, NULL, NULL, later_than("") + 1, 0);
	ck_assert_int_ne(
	    ts_migrate(schema, dir, "--to", V0030, NULL, NULL, &err), 0);
	snprintf(text, sizeof text, "would drop schema %s", schema);
	ck_assert_msg(strstr(err, text) != NULL, "%s", err);
	free(err);
	/* One step: the schema went with it, nothing is left to revert. */
	migrate_ok(schema, dir, "--to", V0030, "--force", 0, 1);
	migrate_ok(schema, dir, NULL, NULL, NULL, later_than("") + 1, 0);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

/* The newest shipped version: where moving below a test's extra
 * migration (later than every shipped one) goes. */
static char *
latest_shipped(void)
{
	char *dir = ts_migrations_dir(), *latest;
	struct migration *v;
	struct pl_error err;
	size_t n;

	pl_error_init(&err);
	ck_assert_int_eq(migrate_list(dir, &v, &n, &err), 0);
	ck_assert_uint_gt(n, 0);
	latest = strdup(v[n - 1].version);
	migrate_list_free(v, n);
	free(dir);
	return latest;
}

#define EXTRA_FILE "2099_01_01_0000-extra.sql"

/* Gives the extra migration of dir the down part down (its up part is
 * "SELECT 1;" unless up says otherwise). Only the up part is checksummed:
 * an applied step may get a new down part between attempts. */
static void
set_extra(const char *dir, const char *up, const char *down)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, EXTRA_FILE);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n-- migrate:down\n%s\n", up ? up : "SELECT 1;", down);
	fclose(f);
}

/* A schema migrated with the shipped files and an extra one (up part up,
 * down part down), holding add_data's rows; *dir is the migrations copy. */
static PGconn *
extra_schema(const char *prefix, const char *up, const char *down, char *schema,
             size_t size, char **dir)
{
	PGconn *db;

	ts_unique_schema(prefix, schema, size);
	*dir = ts_migrations_copy(NULL, NULL);
	set_extra(*dir, up, down);
	migrate_ok(schema, *dir, NULL, NULL, NULL, later_than("") + 1, 0);
	db = ts_db_connect(schema);
	add_data(db);
	return db;
}

/* `migrate --to` below the extra step without --force: exit 1, and the
 * message names named and the step. */
static void
expect_refused(const char *schema, const char *dir, const char *named)
{
	char *err = NULL, *to = latest_shipped();

	ck_assert_int_eq(ts_migrate(schema, dir, "--to", to, NULL, NULL, &err),
	                 1);
	ck_assert_msg(strstr(err, named) && strstr(err, "2099_01_01_0000") &&
	                  strstr(err, "--force"),
	              "refusal does not name \"%s\": %s", named, err);
	free(err);
	free(to);
}

/* Down steps that drop nothing but change values in a table they keep:
 * an UPDATE, a narrowing type change, a DELETE. Each is refused, naming
 * the table and its rows, and leaves the data as it was; forced, it
 * runs. */
START_TEST(changing_values_is_destructive)
{
	char schema[64], *dir, *to = latest_shipped();
	PGconn *db = extra_schema("mchg", NULL, "UPDATE pads SET data = '{}';",
	                          schema, sizeof schema, &dir);

	expect_refused(schema, dir, "change values in table pads (2 rows");
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads WHERE data = "
	                           "'{\"a\": 1}'"),
	                 1);
	ts_db_exec(db, "INSERT INTO pads (owner_id, display_name) SELECT id, "
	               "'longname' FROM users");
	set_extra(dir, NULL,
	          "ALTER TABLE pads ALTER COLUMN display_name TYPE varchar(2) "
	          "USING left(display_name, 2);");
	expect_refused(schema, dir, "change values in table pads (3 rows");
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads WHERE "
	                           "display_name = 'longname'"),
	                 1);
	set_extra(dir, NULL, "DELETE FROM pads WHERE display_name = 'p2';");
	expect_refused(schema, dir, "1 row of table pads");
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads"), 3);
	/* Forced, the narrowing runs. */
	set_extra(dir, NULL,
	          "ALTER TABLE pads ALTER COLUMN display_name TYPE varchar(2) "
	          "USING left(display_name, 2);");
	migrate_ok(schema, dir, "--to", to, "--force", 0, 1);
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM pads WHERE display_name = 'lo'"),
	    1);
	free(to);
	PQfinish(db);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

/* A down step that touches a table outside the schema (drops it, writes
 * it, alters it, creates one) is refused, naming it and its rows, unless
 * forced. */
START_TEST(touching_other_schemas_is_destructive)
{
	char schema[64], other[80], sql[512], named[200], *dir,
	    *to = latest_shipped();
	PGconn *db = extra_schema("mout", NULL, "SELECT 1;", schema,
	                          sizeof schema, &dir);

	snprintf(other, sizeof other, "%s_x", schema);
	snprintf(sql, sizeof sql,
	         "CREATE SCHEMA %s; CREATE TABLE %s.keep (n int); "
	         "INSERT INTO %s.keep VALUES (1), (2)",
	         other, other, other);
	ts_db_exec(db, sql);
	snprintf(sql, sizeof sql, "DROP TABLE %s.keep;", other);
	set_extra(dir, NULL, sql);
	snprintf(named, sizeof named, "drop table %s.keep (2 rows)", other);
	expect_refused(schema, dir, named);
	snprintf(sql, sizeof sql, "INSERT INTO %s.keep VALUES (3);", other);
	set_extra(dir, NULL, sql);
	snprintf(named, sizeof named, "write 1 row of table %s.keep", other);
	expect_refused(schema, dir, named);
	snprintf(sql, sizeof sql, "ALTER TABLE %s.keep ADD COLUMN m int;",
	         other);
	set_extra(dir, NULL, sql);
	snprintf(named, sizeof named, "alter table %s.keep (2 rows)", other);
	expect_refused(schema, dir, named);
	snprintf(sql, sizeof sql, "CREATE TABLE %s.fresh (n int);", other);
	set_extra(dir, NULL, sql);
	snprintf(named, sizeof named, "create table %s.fresh", other);
	expect_refused(schema, dir, named);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.keep", other);
	ck_assert_int_eq(count(db, sql), 2);
	snprintf(sql, sizeof sql, "DROP TABLE %s.keep;", other);
	set_extra(dir, NULL, sql);
	migrate_ok(schema, dir, "--to", to, "--force", 0, 1);
	snprintf(sql, sizeof sql, "%s.keep", other);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM pg_tables "
	                             "WHERE schemaname || '.' || "
	                             "tablename = $1",
	                             1, (const char *[]){sql}),
	                 0);
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", other);
	ts_db_exec(db, sql);
	free(to);
	PQfinish(db);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

/* A down step of DDL only that keeps every value (dropping an empty new
 * table and an index, a type change that rewrites a table but keeps its
 * values) runs without --force. */
START_TEST(lossless_ddl_runs_unforced)
{
	char schema[64], *dir, *to = latest_shipped();
	PGconn *db = extra_schema(
	    "mddl",
	    "CREATE TABLE scratch (n int);\n"
	    "CREATE INDEX pads_extra_idx ON pads (display_name, size);\n"
	    "ALTER TABLE pads ALTER COLUMN size TYPE numeric;",
	    "ALTER TABLE pads ALTER COLUMN size TYPE bigint;\n"
	    "DROP INDEX pads_extra_idx;\nDROP TABLE scratch;",
	    schema, sizeof schema, &dir);

	migrate_ok(schema, dir, "--to", to, NULL, 0, 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pads WHERE size > 0"),
	                 2);
	free(to);
	PQfinish(db);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_migrate_down_data");
	TCase *tc = tcase_create("down");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, up_down_up_keeps_schema_and_data);
	tcase_add_test(tc, destructive_down_needs_force);
	tcase_add_test(tc, emptying_a_table_is_destructive);
	tcase_add_test(tc, dropping_the_schema_is_destructive);
	tcase_add_test(tc, changing_values_is_destructive);
	tcase_add_test(tc, touching_other_schemas_is_destructive);
	tcase_add_test(tc, lossless_ddl_runs_unforced);
	tcase_add_test(tc, trash_down_purges_only_when_forced);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
