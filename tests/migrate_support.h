/*
 * Helpers shared by the migration suites (e2e_migrate, e2e_migrate_down):
 * the shipped migrations directory, a private copy of it with extra files,
 * `padlined migrate ...` against such a copy, and single values from the
 * database.
 */
#ifndef PL_MIGRATE_SUPPORT_H
#define PL_MIGRATE_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

/* The source tree's migrations directory (malloc'd). */
static inline char *
ms_migrations_dir(void)
{
	char *p = NULL;

	ck_assert_int_gt(
	    asprintf(&p, "%s/migrations", getenv("PADLINE_SOURCE_DIR")), 0);
	return p;
}

/* A temporary copy of the shipped migrations (malloc'd path); extra is a
 * file name and its text to add, or NULL. */
static inline char *
ms_copy_migrations(const char *extra, const char *text)
{
	char *dir = strdup("/tmp/padline-mig-XXXXXX"),
	     *src = ms_migrations_dir();
	char cmd[1024];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cp %s/*.sql %s/", src, dir);
	ck_assert_int_eq(system(cmd), 0);
	free(src);
	if (extra) {
		snprintf(cmd, sizeof cmd, "%s/%s", dir, extra);
		f = fopen(cmd, "w");
		ck_assert_ptr_nonnull(f);
		fputs(text, f);
		fclose(f);
	}
	return dir;
}

static inline void
ms_remove_dir(char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

/*
 * `padlined migrate <a1> <a2> <a3>` (trailing NULLs end the list) on schema
 * with the migrations in dir (NULL: the shipped ones). Returns the exit
 * code; *out / *err (either may be NULL) receive stdout / stderr.
 */
static inline int
ms_migrate(const char *schema, const char *dir, const char *a1, const char *a2,
           const char *a3, char **out, char **err)
{
	const char *args[] = {"migrate", a1, a2, a3, NULL};
	const char *envv[2] = {NULL, NULL};
	char *env = NULL;
	int rc;

	if (dir)
		ck_assert_int_gt(
		    asprintf(&env, "PADLINE_MIGRATIONS_DIR=%s", dir), 0);
	envv[0] = env;
	rc = ts_padlined_run(schema, envv, args, NULL, 120, out, err);
	free(env);
	return rc;
}

/* The first value sql returns, as a new string. */
static inline char *
ms_db_text(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	char *v;

	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1,
	              "%s: %s", sql, PQerrorMessage(db));
	v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

#endif
