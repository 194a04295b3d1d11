/* Which versions a schema is at, with real processes and real PostgreSQL:
 * two concurrent `migrate --to` serialise; `--status` lists applied and
 * pending versions with checksums and exits 3 on a changed, unknown or
 * newer one; an older padlined on a newer schema refuses to serve. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate.h"
#include "migrate_down_suite.h"
#include "tsupport.h"

/* Two `padlined migrate --to target` processes at once, forked from this
 * one and released together; each reports its steps in outs[i]. */
static void
migrate_twice_at_once(const char *schema, const char *target, char *outs[2])
{
	int gate[2], res[2][2];
	pid_t pid[2];

	ck_assert_int_eq(pipe(gate), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pipe(res[i]), 0);
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			char c, *out = NULL;
			int rc;

			close(gate[1]);
			close(res[i][0]);
			/* Wait until the parent opens the gate. */
			while (read(gate[0], &c, 1) > 0)
				;
			rc = ts_migrate(schema, NULL, "--to", target, NULL,
			                &out, NULL);
			if (out && write(res[i][1], out, strlen(out)) < 0)
				rc = 99;
			_exit(rc == 0 ? 0 : 1);
		}
		close(res[i][1]);
	}
	close(gate[0]);
	close(gate[1]); /* both start now */
	for (int i = 0; i < 2; i++) {
		char buf[4096];
		ssize_t n, len = 0;
		int status;

		while ((n = read(res[i][0], buf + len,
		                 sizeof buf - 1 - (size_t)len)) > 0)
			len += n;
		buf[len] = '\0';
		close(res[i][0]);
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		              "migrate --to %s process %d failed", target, i);
		outs[i] = strdup(buf);
	}
}

START_TEST(concurrent_migrate_to_serialises)
{
	char schema[64], *outs[2];
	int a[2], r[2];
	PGconn *db;

	ts_unique_schema("mcon", schema, sizeof schema);
	migrate_twice_at_once(schema, V0020, outs);
	for (int i = 0; i < 2; i++) {
		steps(outs[i], &a[i], &r[i]);
		free(outs[i]);
	}
	/* Each step once, by one of them. */
	ck_assert_int_eq(a[0] + a[1], 3);
	ck_assert_int_eq(r[0] + r[1], 0);
	db = ts_db_connect(schema);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM schema_migrations"),
	                 3);
	ck_assert_int_eq(count(db, "SELECT count(DISTINCT applied_by) FROM "
	                           "schema_migrations"),
	                 1);
	migrate_twice_at_once(schema, "0", outs);
	for (int i = 0; i < 2; i++) {
		steps(outs[i], &a[i], &r[i]);
		free(outs[i]);
	}
	ck_assert_int_eq(a[0] + a[1], 0);
	ck_assert_int_eq(r[0] + r[1], 3);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM schema_migrations"),
	                 0);
	PQfinish(db);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(status_lists_versions_with_checksums)
{
	char schema[64], line[1024], *src = ts_migrations_dir(), *out = NULL;
	char *dir = ts_migrations_copy(NULL, NULL), path[600];
	struct migration *v;
	struct pl_error err;
	size_t n;
	PGconn *db;
	FILE *f;

	pl_error_init(&err);
	ck_assert_int_eq(migrate_list(src, &v, &n, &err), 0);
	ts_unique_schema("msta", schema, sizeof schema);
	/* Nothing yet: status creates nothing and lists all as pending. */
	ck_assert_int_eq(
	    ts_migrate(schema, NULL, "--status", NULL, NULL, &out, NULL), 0);
	snprintf(line, sizeof line, "pending  %s  %s", v[0].version,
	         v[0].checksum);
	ck_assert_msg(strstr(out, line) != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(
	    ts_migrate(schema, NULL, "--to", V0010, NULL, NULL, NULL), 0);
	ck_assert_int_eq(
	    ts_migrate(schema, NULL, "--status", NULL, NULL, &out, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "%s  %s  %s",
		         strcmp(v[i].version, V0010) <= 0 ? "applied"
		                                          : "pending",
		         v[i].version, v[i].checksum);
		ck_assert_msg(strstr(out, line) != NULL, "no \"%s\" in %s",
		              line, out);
	}
	free(out);
	/* Appended to an applied file, text lands in its down part: that
	 * is no change. Inserted at its top, it changes the up part. */
	snprintf(path, sizeof path, "%s/%s", dir, v[0].file);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("SELECT 'edited';\n", f);
	fclose(f);
	ck_assert_int_eq(
	    ts_migrate(schema, dir, "--status", NULL, NULL, &out, NULL), 0);
	ck_assert_msg(strstr(out, "changed  ") == NULL,
	              "an edit of the down part is no change: %s", out);
	free(out);
	ts_migrations_remove(dir);
	dir = ts_migrations_copy(NULL, NULL);
	snprintf(path, sizeof path, "%s/%s", dir, v[0].file);
	snprintf(line, sizeof line, "sed -i '1i SELECT 1;' %s", path);
	ck_assert_int_eq(system(line), 0);
	/* Anything changed, unknown or newer: exit 3, for scripts. */
	ck_assert_int_eq(
	    ts_migrate(schema, dir, "--status", NULL, NULL, &out, NULL), 3);
	snprintf(line, sizeof line, "changed  %s", v[0].version);
	ck_assert_msg(strstr(out, line) && strstr(out, "refuses to start"),
	              "%s", out);
	free(out);
	/* A recorded version older than the latest file, with no file: a
	 * removed migration. */
	db = ts_db_connect(schema);
	ts_db_exec(db, "INSERT INTO schema_migrations (version, checksum) "
	               "VALUES ('2026_01_01_0000-removed', 'x')");
	PQfinish(db);
	ck_assert_int_eq(
	    ts_migrate(schema, NULL, "--status", NULL, NULL, &out, NULL), 3);
	ck_assert_msg(strstr(out, "unknown  2026_01_01_0000-removed"), "%s",
	              out);
	free(out);
	migrate_list_free(v, n);
	ts_migrations_remove(dir);
	free(src);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(older_binary_refuses_newer_schema)
{
	char schema[64], *dir = ts_migrations_copy(NOTE_FILE, NOTE_SQL);
	char *out = NULL, *err = NULL, line[1024];
	struct ts_server srv;
	int named = 0;
	PGconn *db;
	FILE *log;

	ts_unique_schema("mnew", schema, sizeof schema);
	ck_assert_int_eq(ts_migrate(schema, dir, NULL, NULL, NULL, NULL, NULL),
	                 0);
	/* The shipped files lack the newest: this padlined is older. */
	ck_assert_int_ne(ts_migrate(schema, NULL, NULL, NULL, NULL, NULL, &err),
	                 0);
	ck_assert_msg(strstr(err, NOTE_VERSION) && strstr(err, "newer"),
	              "refusal does not name the version: %s", err);
	free(err);
	ck_assert_int_ne(ts_server_start(&srv, schema, NULL, NULL), 0);
	log = fopen(srv.log_path, "r");
	ck_assert_ptr_nonnull(log);
	while (fgets(line, sizeof line, log))
		named |= strstr(line, NOTE_VERSION) != NULL;
	fclose(log);
	ck_assert_msg(named, "the server's log does not name %s", NOTE_VERSION);
	ck_assert_int_eq(
	    ts_migrate(schema, NULL, "--status", NULL, NULL, &out, NULL), 3);
	snprintf(line, sizeof line, "newer    %s", NOTE_VERSION);
	ck_assert_msg(strstr(out, line) && strstr(out, "refuses to start"),
	              "%s", out);
	free(out);
	/* The newer binary can take it back, and then the older one runs. */
	ck_assert_int_eq(
	    ts_migrate(schema, dir, "--to", V0030, NULL, NULL, NULL), 0);
	ck_assert_int_eq(ts_migrate(schema, NULL, NULL, NULL, NULL, NULL, NULL),
	                 0);
	/* A version from the future, recorded by hand, is refused too. */
	db = ts_db_connect(schema);
	ts_db_exec(db, "INSERT INTO schema_migrations (version, checksum) "
	               "VALUES ('2999_01_01_0000-future', 'x')");
	PQfinish(db);
	ck_assert_int_ne(ts_migrate(schema, NULL, NULL, NULL, NULL, NULL, &err),
	                 0);
	ck_assert_msg(strstr(err, "2999_01_01_0000-future") != NULL, "%s", err);
	free(err);
	ts_migrations_remove(dir);
	ts_db_drop_schema(schema);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_migrate_down_versions");
	TCase *tc = tcase_create("versions");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, concurrent_migrate_to_serialises);
	tcase_add_test(tc, status_lists_versions_with_checksums);
	tcase_add_test(tc, older_binary_refuses_newer_schema);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
