/* padlined loads the shipped disposable-domain list (from the source tree
 * for a build-tree binary) and the admin's PADLINE_DISPOSABLE_EXTRA at
 * start, and does not start with an extra file that has a bad line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disposable.h"
#include "tsupport.h"

static char schema[64];

static const char *
write_extra(char *path, const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/padline-e2e-disposable-XXXXXX");
	ck_assert_int_ge(mkstemp(path), 0);
	f = fopen(path, "w");
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

START_TEST(start_loads_shipped_and_extra)
{
	char path[64], env[128], want[64], shipped[4096], *err = NULL;
	const char *extra[] = {env, NULL};
	const char *args[] = {"migrate", NULL};
	struct disposable *d;
	struct pl_error e;

	snprintf(shipped, sizeof shipped, "%s/data/" DISPOSABLE_FILE,
	         getenv("PADLINE_SOURCE_DIR"));
	pl_error_init(&e);
	ck_assert_int_eq(disposable_open(shipped, NULL, &d, &e), 0);
	snprintf(want, sizeof want, "count=%zu", disposable_size(d) + 2);
	disposable_free(d);
	write_extra(path, "one.example\ntwo.example\n");
	snprintf(env, sizeof env, "PADLINE_DISPOSABLE_EXTRA=%s", path);
	ck_assert_int_eq(
	    ts_padlined_run(schema, extra, args, NULL, 120, NULL, &err), 0);
	ck_assert_msg(strstr(err, "disposable email domains loaded") &&
	                  strstr(err, want),
	              "no \"%s\" in: %s", want, err);
	free(err);
	unlink(path);
}
END_TEST

START_TEST(bad_extra_file_stops_the_start)
{
	char path[64], env[128], *err = NULL;
	const char *extra[] = {env, NULL};
	const char *args[] = {"migrate", NULL};

	write_extra(path, "ok.example\nnot a domain\n");
	snprintf(env, sizeof env, "PADLINE_DISPOSABLE_EXTRA=%s", path);
	ck_assert_int_eq(
	    ts_padlined_run(schema, extra, args, NULL, 120, NULL, &err), 1);
	ck_assert_msg(strstr(err, "line 2 is not a domain") != NULL, "%s", err);
	free(err);
	unlink(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_disposable");
	TCase *tc = tcase_create("disposable");
	int rc;

	ts_unique_schema("disp", schema, sizeof schema);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, start_loads_shipped_and_extra);
	tcase_add_test(tc, bad_extra_file_stops_the_start);
	suite_add_tcase(s, tc);
	rc = ts_run(s);
	ts_db_drop_schema(schema);
	return rc;
}
