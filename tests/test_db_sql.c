/* Unit tests for server/db_sql.c: "@table" becomes the quoted schema's
 * table everywhere but inside a string literal, an "@" not before a name
 * is left alone, and a connection's text for a statement is made once. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "tsupport.h"

static void
qualify_is(const char *sql, const char *want)
{
	char *got = db_sql_qualify("\"pad ws\"", sql);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(qualify)
{
	qualify_is("SELECT 1", "SELECT 1");
	qualify_is("SELECT id FROM @users u JOIN @pads p ON p.owner_id = u.id",
	           "SELECT id FROM \"pad ws\".users u JOIN \"pad ws\".pads p "
	           "ON p.owner_id = u.id");
	qualify_is(
	    "UPDATE @users SET email = '@users' WHERE x @> $1",
	    "UPDATE \"pad ws\".users SET email = '@users' WHERE x @> $1");
	qualify_is("INSERT INTO @audit_log VALUES ('it''s @x', $1) "
	           "RETURNING @_t.id",
	           "INSERT INTO \"pad ws\".audit_log VALUES ('it''s @x', $1) "
	           "RETURNING \"pad ws\"._t.id");
	qualify_is("@", "@");
}
END_TEST

START_TEST(text_once_per_statement)
{
	static const char stmt[] = "DELETE FROM @sessions WHERE id = $1";
	static const char plain[] = "BEGIN";
	struct pl_error err;
	PGconn *pg = ts_db_connect(NULL);
	struct db_sql *s;
	const char *a;

	pl_error_init(&err);
	s = db_sql_new(pg, "Odd\"Name", &err);
	ck_assert_ptr_nonnull(s);
	a = db_sql_text(s, stmt);
	ck_assert_str_eq(a,
	                 "DELETE FROM \"Odd\"\"Name\".sessions WHERE id = $1");
	ck_assert_ptr_eq(db_sql_text(s, stmt), a);
	ck_assert_ptr_eq(db_sql_text(s, plain), plain);
	db_sql_free(s);
	PQfinish(pg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("db_sql");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, qualify);
	tcase_add_test(tc, text_once_per_statement);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
