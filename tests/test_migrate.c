/* Unit tests for the migration files: which names are accepted, the order
 * they run in, the split into up and down parts, and checksums (what makes
 * a changed applied file detectable, and a down part added later not); and
 * the list a refused down step names. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "migrate.h"
#include "migrate_probe.h"

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

static int
parse(struct migration *m, const char *text, struct pl_error *err)
{
	memset(m, 0, sizeof *m);
	m->file = "2026_01_01_0000-t.sql";
	return migrate_parse(m, text, strlen(text), err);
}

static void
parsed_free(struct migration *m)
{
	free(m->sql);
	free(m->down);
}

START_TEST(down_part_follows_the_marker)
{
	struct migration m;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(parse(&m,
	                       "CREATE TABLE t (id int);\n"
	                       "-- migrate:down\n"
	                       "DROP TABLE t;\n",
	                       &err),
	                 0);
	ck_assert_str_eq(m.sql, "CREATE TABLE t (id int);\n");
	ck_assert_str_eq(m.down, "\nDROP TABLE t;\n");
	parsed_free(&m);
	/* Without a marker, everything is up and there is no down part. */
	ck_assert_int_eq(parse(&m, "SELECT 1;\n-- migrate down\n", &err), 0);
	ck_assert_ptr_null(m.down);
	ck_assert_str_eq(m.sql, "SELECT 1;\n-- migrate down\n");
	parsed_free(&m);
	/* Spacing and trailing blanks around the marker are tolerated; a
	 * later marker belongs to the down part. */
	ck_assert_int_eq(
	    parse(&m, "SELECT 1;\n--migrate:down  \r\nA;\n-- migrate:down\n",
	          &err),
	    0);
	ck_assert_str_eq(m.sql, "SELECT 1;\n");
	ck_assert_str_eq(m.down, "\nA;\n-- migrate:down\n");
	parsed_free(&m);
	/* An empty down part: the step only forgets that it ran. */
	ck_assert_int_eq(parse(&m, "SELECT 1;\n-- migrate:down", &err), 0);
	ck_assert_str_eq(m.down, "");
	parsed_free(&m);
}
END_TEST

START_TEST(unknown_directive_is_an_error)
{
	struct migration m;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_ne(
	    parse(&m, "SELECT 1;\n-- migrate:downn\nDROP TABLE t;\n", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.message, "2026_01_01_0000-t.sql"));
	ck_assert_ptr_nonnull(strstr(err.message, "line 2"));
	pl_error_clear(&err);
	ck_assert_int_ne(parse(&m, "-- migrate: down\n", &err), 0);
	pl_error_clear(&err);
}
END_TEST

/* The checksum covers the up part only, with trailing whitespace counted
 * as one newline: adding a down part to an applied file (with or without
 * a blank line before the marker) keeps the checksum it was recorded
 * with, which for a file ending in one newline is the whole file's. */
START_TEST(checksum_covers_the_up_part_only)
{
	const char *up = "CREATE TABLE t (id int);\n";
	char whole[65];
	struct migration a, b, c, d;
	struct pl_error err;

	pl_error_init(&err);
	migrate_checksum(up, strlen(up), whole);
	ck_assert_int_eq(parse(&a, up, &err), 0);
	ck_assert_int_eq(
	    parse(&b, "CREATE TABLE t (id int);\n\n-- migrate:down\nDROP;\n",
	          &err),
	    0);
	ck_assert_int_eq(
	    parse(&c, "CREATE TABLE t (id int);\n-- migrate:down\nX;\n", &err),
	    0);
	ck_assert_int_eq(parse(&d, "CREATE TABLE t (id bigint);\n", &err), 0);
	ck_assert_str_eq(a.checksum, whole);
	ck_assert_str_eq(b.checksum, whole);
	ck_assert_str_eq(c.checksum, whole);
	ck_assert_str_ne(d.checksum, whole);
	parsed_free(&a);
	parsed_free(&b);
	parsed_free(&c);
	parsed_free(&d);
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

START_TEST(find_by_version_file_or_prefix)
{
	struct migration v[3] = {
	    {"2026_01_01_0000-a.sql", "2026_01_01_0000-a", NULL, NULL, ""},
	    {"2026_01_01_1200-b.sql", "2026_01_01_1200-b", NULL, NULL, ""},
	    {"2026_02_01_0000-c.sql", "2026_02_01_0000-c", NULL, NULL, ""},
	};

	ck_assert_int_eq(migrate_find(v, 3, "2026_01_01_1200-b"), 1);
	ck_assert_int_eq(migrate_find(v, 3, "2026_02_01_0000-c.sql"), 2);
	ck_assert_int_eq(migrate_find(v, 3, "2026_02"), 2);
	ck_assert_int_eq(migrate_find(v, 3, "2026_01_01"), -2);
	ck_assert_int_eq(migrate_find(v, 3, "2027"), -1);
	ck_assert_int_eq(migrate_find(v, 3, ""), -1);
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
	/* Every shipped migration can be rolled back. */
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(v[i].down != NULL, "%s has no down part",
		              v[i].file);
	migrate_list_free(v, n);
}
END_TEST

/* A refusal lists every item, comma-separated; a list too long for its
 * buffer ends in "…" and never overruns it. */
START_TEST(probe_items_list_and_cut_short)
{
	struct probe_items items = {""};
	size_t len;

	probe_item(&items, "drop table %s (%d rows)", "pads", 2);
	probe_item(&items, "write %d row of %s", 1, "table other.keep");
	ck_assert_str_eq(items.text,
	                 "drop table pads (2 rows), write 1 row of table "
	                 "other.keep");
	for (int i = 0; i < 100; i++)
		probe_item(&items, "change values in table t%d (%d rows)", i,
		           i);
	len = strlen(items.text);
	ck_assert_uint_lt(len, sizeof items.text);
	ck_assert_str_eq(items.text + len - strlen("…"), "…");
	probe_item(&items, "drop schema x");
	ck_assert_uint_eq(strlen(items.text), len);
}
END_TEST

/* The array literals the probe passes as parameters (columns kept, xmins
 * to look up). */
START_TEST(probe_list_is_an_array_literal)
{
	struct probe_list l = {NULL, 0, 0};
	char *text = probe_list_end(&l);

	ck_assert_str_eq(text, "{}");
	free(text);
	for (int i = 0; i < 300; i++)
		probe_list_add(&l, i % 2 ? "4294967295" : "1");
	text = probe_list_end(&l);
	ck_assert_uint_eq(strlen(text), 2 + 150 * 1 + 150 * 10 + 299);
	ck_assert_int_eq(strncmp(text, "{1,4294967295,1,", 16), 0);
	ck_assert_str_eq(text + strlen(text) - 12, ",4294967295}");
	free(text);
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
	tcase_add_test(tc, down_part_follows_the_marker);
	tcase_add_test(tc, unknown_directive_is_an_error);
	tcase_add_test(tc, checksum_covers_the_up_part_only);
	tcase_add_test(tc, list_sorts_by_name_and_skips_other_files);
	tcase_add_test(tc, find_by_version_file_or_prefix);
	tcase_add_test(tc, shipped_migrations_are_valid);
	tcase_add_test(tc, probe_items_list_and_cut_short);
	tcase_add_test(tc, probe_list_is_an_array_literal);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
