/* Unit tests for the migration files: which names are accepted, the order
 * they run in, and checksums (what makes a changed applied file detectable). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "migrate.h"

#include "tsupport.h"

START_TEST(names)
{
	ck_assert(migrate_name_valid("2026_11_01_0000-create-users.sql"));
	ck_assert(migrate_name_valid("2026_11_01_0000-a_b-c9.sql"));
	ck_assert(!migrate_name_valid("2026_11_01_0000-.sql"));
	ck_assert(!migrate_name_valid("2026_11_01_000-x.sql"));
	ck_assert(!migrate_name_valid("2026-11-01_0000-x.sql"));
	ck_assert(!migrate_name_valid("2026_11_01_0000_x.sql"));
	ck_assert(!migrate_name_valid("2026_11_01_0000-Upper.sql"));
	ck_assert(!migrate_name_valid("2026_11_01_0000-x.sql.bak"));
	ck_assert(!migrate_name_valid("2026_11_01_0000-x y.sql"));
	ck_assert(!migrate_name_valid("init.sql"));
}
END_TEST

START_TEST(checksum_is_sha256_and_sensitive)
{
	char a[65], b[65];

	migrate_checksum("", 0, a);
	ck_assert_str_eq(a, "e3b0c44298fc1c149afbf4c8996fb924"
	                    "27ae41e4649b934ca495991b7852b855");
	migrate_checksum("CREATE TABLE t (id int);", 24, a);
	migrate_checksum("CREATE TABLE t (id int); ", 25, b);
	ck_assert_str_ne(a, b);
}
END_TEST

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(list_sorts_by_name_and_skips_other_files)
{
	char dir[] = "/tmp/padline-mtest-XXXXXX", cmd[600];
	struct migration *v;
	struct pl_error err;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "2026_12_01_0000-later.sql", "SELECT 3;");
	write_file(dir, "2026_01_01_0000-first.sql", "SELECT 1;");
	write_file(dir, "2026_01_01_1200-second.sql", "SELECT 2;");
	write_file(dir, "README.md", "not a migration");
	pl_error_init(&err);
	ck_assert_int_eq(migrate_list(dir, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].version, "2026_01_01_0000-first");
	ck_assert_str_eq(v[1].version, "2026_01_01_1200-second");
	ck_assert_str_eq(v[2].file, "2026_12_01_0000-later.sql");
	ck_assert_str_eq(v[1].sql, "SELECT 2;");
	ck_assert_uint_eq(strlen(v[0].checksum), 64);
	migrate_list_free(v, n);

	/* A .sql file with a bad name is an error naming it. */
	write_file(dir, "fix.sql", "SELECT 4;");
	ck_assert_int_ne(migrate_list(dir, &v, &n, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.message, "fix.sql"));
	pl_error_clear(&err);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(shipped_migrations_are_valid)
{
	char dir[512];
	struct migration *v;
	struct pl_error err;
	size_t n;

	snprintf(dir, sizeof dir, "%s/migrations",
	         getenv("PADLINE_SOURCE_DIR"));
	pl_error_init(&err);
	ck_assert_msg(migrate_list(dir, &v, &n, &err) == 0, "%s", err.message);
	ck_assert_uint_ge(n, 4);
	migrate_list_free(v, n);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate_files");
	TCase *tc = tcase_create("files");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, names);
	tcase_add_test(tc, checksum_is_sha256_and_sensitive);
	tcase_add_test(tc, list_sorts_by_name_and_skips_other_files);
	tcase_add_test(tc, shipped_migrations_are_valid);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
