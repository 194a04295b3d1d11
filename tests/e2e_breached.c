/* Breached passwords end to end: with PADLINE_BREACHED_PASSWORDS set to a
 * list in either form (HIBP text, or the binary `padlined breached-import`
 * makes), user.register, user.change_password, create-user and passwd
 * refuse a listed password with 400, rule "breached" and its count, and
 * accept others; without the setting nothing is checked; a configured list
 * that cannot be read stops padlined. */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breached_support.h"
#include "tsupport.h"

#define STRONG "Correct-Horse-9" /* meets the policy, not listed */
#define BREACH_MSG "this password appears in 3 861 known breaches"

static char schema[64], dir[64], text_path[96], bin_path[96];
static char text_env[160], bin_env[160];

/* The violation {field, "breached"} of resp carries the count. */
static void
assert_breached(const json_t *resp, const char *field)
{
	json_t *v, *vs = json_object_get(
	               json_object_get(json_object_get(resp, "error"), "data"),
	               "violations");
	size_t i;

	ck_assert_int_eq(ts_error_code(resp), 400);
	json_array_foreach (vs, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "rule")),
		           "breached") == 0) {
			ck_assert_str_eq(
			    json_string_value(json_object_get(v, "field")),
			    field);
			ck_assert_str_eq(
			    json_string_value(json_object_get(v, "message")),
			    BREACH_MSG);
			return;
		}
	}
	ck_abort_msg("no breached violation on %s", field);
}

static long long
count_users(const char *name)
{
	PGconn *db = ts_db_connect(schema);
	const char *p[1] = {name};
	long long n = ts_db_count(
	    db, "SELECT count(*) FROM users WHERE username = $1", 1, p);

	PQfinish(db);
	return n;
}

static json_t *
change(struct ts_client *c, const char *cur, const char *pw)
{
	return ts_call(c, "user.change_password",
	               json_pack("{s:s, s:s}", "current_password", cur,
	                         "new_password", pw));
}

/* A padlined with env checks registration and change_password; names
 * are prefixed with tag so both forms use fresh users. */
static void
check_server(const char *env, const char *tag)
{
	const char *extra[] = {env, NULL};
	struct ts_server srv;
	struct ts_client *c;
	char name[32], name2[32];
	json_t *r;

	snprintf(name, sizeof name, "%s_listed", tag);
	snprintf(name2, sizeof name2, "%s_strong", tag);
	ck_assert_int_eq(ts_server_start(&srv, schema, extra, NULL), 0);
	c = ts_client_connect(srv.port);
	r = ts_register_fresh(c, name, BS_PASSWORD, NULL);
	assert_breached(r, "password");
	json_decref(r);
	ck_assert_int_eq(count_users(name), 0);
	r = ts_register_fresh(c, name2, STRONG, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ck_assert_int_eq(ts_login(c, name2, STRONG), 0);
	r = change(c, STRONG, BS_PASSWORD);
	assert_breached(r, "new_password");
	json_decref(r);
	r = change(c, STRONG, TS_PASSWORD);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ts_client_free(c);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
}

START_TEST(text_list_refuses_listed_passwords)
{
	check_server(text_env, "txt");
}
END_TEST

START_TEST(binary_list_refuses_listed_passwords)
{
	check_server(bin_env, "bin");
}
END_TEST

START_TEST(cli_create_user_and_passwd_refuse)
{
	const char *env[] = {bin_env, NULL};
	const char *create[] = {"create-user", "cli_listed", NULL};
	const char *create_ok[] = {"create-user", "cli_ok", NULL};
	const char *passwd[] = {"passwd", "cli_ok", NULL};
	char *err = NULL;

	ck_assert_int_eq(ts_padlined_run(schema, env, create, BS_PASSWORD "\n",
	                                 60, NULL, &err),
	                 1);
	ck_assert_msg(strstr(err, BREACH_MSG) != NULL, "%s", err);
	free(err);
	ck_assert_int_eq(count_users("cli_listed"), 0);
	ck_assert_int_eq(ts_padlined_run(schema, env, create_ok, STRONG "\n",
	                                 60, NULL, NULL),
	                 0);
	err = NULL;
	ck_assert_int_eq(ts_padlined_run(schema, env, passwd, BS_PASSWORD "\n",
	                                 60, NULL, &err),
	                 1);
	ck_assert_msg(strstr(err, BREACH_MSG) != NULL, "%s", err);
	free(err);
}
END_TEST

START_TEST(no_list_no_check)
{
	struct ts_server srv;
	struct ts_client *c;
	json_t *r;

	ck_assert_int_eq(ts_server_start(&srv, schema, NULL, NULL), 0);
	c = ts_client_connect(srv.port);
	r = ts_register_fresh(c, "off_listed", BS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ts_client_free(c);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
}
END_TEST

START_TEST(unreadable_list_stops_padlined)
{
	const char *env[] = {"PADLINE_BREACHED_PASSWORDS=/nonexistent/list",
	                     NULL};
	const char *args[] = {"list-users", NULL};
	char *err = NULL;

	ck_assert_int_eq(
	    ts_padlined_run(schema, env, args, NULL, 60, NULL, &err), 1);
	ck_assert_msg(strstr(err, "/nonexistent/list") != NULL, "%s", err);
	free(err);
}
END_TEST

START_TEST(import_command_refuses_unsorted)
{
	char bad[128], out[128], *err = NULL;
	const char *args[] = {"breached-import", bad, out, NULL};
	const char *usage[] = {"breached-import", bad, NULL};
	FILE *f;

	snprintf(bad, sizeof bad, "%s/unsorted.txt", dir);
	snprintf(out, sizeof out, "%s/unsorted.bin", dir);
	f = fopen(bad, "w");
	fputs(BS_WEAK_SHA1 ":2\n" BS_PASSWORD_SHA1 ":1\n", f);
	fclose(f);
	ck_assert_int_eq(
	    ts_padlined_run(schema, NULL, args, NULL, 60, NULL, &err), 1);
	ck_assert_msg(strstr(err, "line 2 is not sorted") != NULL, "%s", err);
	free(err);
	ck_assert_int_ne(access(out, F_OK), 0);
	ck_assert_int_eq(
	    ts_padlined_run(schema, NULL, usage, NULL, 60, NULL, NULL), 2);
}
END_TEST

/* The lists: 5 000 random hashes and the known ones, as text (CRLF, as
 * HIBP's downloads are) and imported by the real command. */
static int
make_lists(void)
{
	const char *args[] = {"breached-import", text_path, bin_path, NULL};
	struct bs_entry *e;
	size_t n = bs_entries(5000, &e);
	char *err = NULL;
	int rc;

	strcpy(dir, "/tmp/padline-e2e-breached-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(text_path, sizeof text_path, "%s/pwned.txt", dir);
	snprintf(bin_path, sizeof bin_path, "%s/pwned.bin", dir);
	snprintf(text_env, sizeof text_env, "PADLINE_BREACHED_PASSWORDS=%s",
	         text_path);
	snprintf(bin_env, sizeof bin_env, "PADLINE_BREACHED_PASSWORDS=%s",
	         bin_path);
	bs_write_text(text_path, e, n, "\r\n");
	free(e);
	rc = ts_padlined_run(schema, NULL, args, NULL, 60, NULL, &err);
	if (rc != 0 || strstr(err, "5002 hashes written") == NULL)
		fprintf(stderr, "breached-import: %d %s\n", rc, err);
	free(err);
	return rc;
}

int
main(void)
{
	Suite *s = suite_create("e2e_breached");
	TCase *tc = tcase_create("breached");
	int rc;

	ts_unique_schema("breach", schema, sizeof schema);
	if (sodium_init() < 0 || make_lists() != 0)
		return 1;
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, text_list_refuses_listed_passwords);
	tcase_add_test(tc, binary_list_refuses_listed_passwords);
	tcase_add_test(tc, cli_create_user_and_passwd_refuse);
	tcase_add_test(tc, no_list_no_check);
	tcase_add_test(tc, unreadable_list_stops_padlined);
	tcase_add_test(tc, import_command_refuses_unsorted);
	suite_add_tcase(s, tc);
	rc = ts_run(s);
	ts_db_drop_schema(schema);
	ts_remove_tree(dir);
	return rc;
}
