/* Unit tests for server/breached.c and server/cli_breached.c: lookups in
 * both forms of the list (text with LF or CRLF, and breached-import's
 * binary), the import's refusals with line numbers, and a damaged list
 * refused at open. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breached.h"
#include "breached_support.h"
#include "cli_breached.h"
#include "tsupport.h"

static char dir[64];
static char path_lf[96], path_crlf[96], path_bin[96], path_bad[96];
static struct bs_entry *entries;
static size_t nentries;

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	strcpy(dir, "/tmp/padline-breached-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path_lf, sizeof path_lf, "%s/lf.txt", dir);
	snprintf(path_crlf, sizeof path_crlf, "%s/crlf.txt", dir);
	snprintf(path_bin, sizeof path_bin, "%s/list.bin", dir);
	snprintf(path_bad, sizeof path_bad, "%s/bad.txt", dir);
	nentries = bs_entries(3000, &entries);
	bs_write_text(path_lf, entries, nentries, "\n");
	bs_write_text(path_crlf, entries, nentries, "\r\n");
}

static void
teardown(void)
{
	free(entries);
	ts_remove_tree(dir);
}

/* Every listed hash is found with its count; near misses are not. */
static void
check_list(const char *path)
{
	struct breached *b;
	struct pl_error err;
	unsigned char h[20];

	pl_error_init(&err);
	ck_assert_msg(breached_open(path, &b, &err) == 0, "%s", err.message);
	for (size_t i = 0; i < nentries; i++) {
		ck_assert_int_eq(breached_hex(entries[i].hex, h), 0);
		ck_assert_uint_eq(breached_lookup(b, h), entries[i].count);
		h[19] ^= 1; /* a neighbour: listed only by a 1 in 2^159 fluke */
		ck_assert_uint_eq(breached_lookup(b, h), 0);
	}
	memset(h, 0, sizeof h);
	ck_assert_uint_eq(breached_lookup(b, h), 0);
	memset(h, 0xff, sizeof h);
	ck_assert_uint_eq(breached_lookup(b, h), 0);
	ck_assert_uint_eq(breached_count(b, BS_PASSWORD), BS_PASSWORD_COUNT);
	ck_assert_uint_eq(breached_count(b, "password"), 52256179);
	ck_assert_uint_eq(breached_count(b, "Correct-Horse-9"), 0);
	ck_assert_int_eq(breached_check(b, BS_PASSWORD, "new_password", &err),
	                 PL_ERR_VALIDATION);
	json_t *v = json_array_get(err.violations, 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "field")),
	                 "new_password");
	ck_assert_str_eq(json_string_value(json_object_get(v, "rule")),
	                 "breached");
	ck_assert_str_eq(json_string_value(json_object_get(v, "message")),
	                 "this password appears in 3 861 known breaches");
	pl_error_clear(&err);
	ck_assert_int_eq(breached_check(b, "Correct-Horse-9", "password", &err),
	                 0);
	ck_assert_ptr_null(err.violations);
	breached_free(b);
}

START_TEST(text_form_is_searched_in_place)
{
	check_list(path_lf);
	check_list(path_crlf);
}
END_TEST

START_TEST(binary_form_from_import)
{
	struct breached *b;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_msg(breached_import(path_crlf, path_bin, NULL, &err) == 0,
	              "%s", err.message);
	check_list(path_bin);
	ck_assert_int_eq(breached_open(path_bin, &b, &err), 0);
	ck_assert_uint_eq(breached_size(b), nentries);
	breached_free(b);
}
END_TEST

START_TEST(no_list_checks_nothing)
{
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_uint_eq(breached_count(NULL, "password"), 0);
	ck_assert_int_eq(breached_check(NULL, "password", "password", &err), 0);
}
END_TEST

/* Imports text; expects the refusal message and no output file. */
static void
import_refused(const char *text, const char *want)
{
	struct pl_error err;
	char tmp[128];
	FILE *f = fopen(path_bad, "w");

	fputs(text, f);
	fclose(f);
	unlink(path_bin);
	pl_error_init(&err);
	ck_assert_int_ne(breached_import(path_bad, path_bin, NULL, &err), 0);
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	ck_assert_int_ne(access(path_bin, F_OK), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp", path_bin);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	pl_error_clear(&err);
}

START_TEST(import_refuses_bad_input)
{
	import_refused("0000000000000000000000000000000000000002:5\n"
	               "0000000000000000000000000000000000000003:5\n"
	               "0000000000000000000000000000000000000001:5\n",
	               "line 3 is not sorted");
	import_refused("0000000000000000000000000000000000000002:5\r\n"
	               "0000000000000000000000000000000000000002:7\r\n",
	               "line 2 is not sorted");
	import_refused("0000000000000000000000000000000000000002:5\n"
	               "00000000000000000000000000000000000003:5\n",
	               "line 2 is not HASH:COUNT");
	import_refused("0000000000000000000000000000000000000002:x\n",
	               "line 1 is not HASH:COUNT");
	import_refused("0000000000000000000000000000000000000002\n",
	               "line 1 is not HASH:COUNT");
	import_refused("", "no hashes");
}
END_TEST

/* A listed hash is found even with a count of 0 (it was listed). */
START_TEST(zero_count_still_listed)
{
	struct breached *b;
	struct pl_error err;
	unsigned char h[20];
	FILE *f = fopen(path_bad, "w");

	fputs("0000000000000000000000000000000000000002:0\n"
	      "0000000000000000000000000000000000000003:0\n",
	      f);
	fclose(f);
	pl_error_init(&err);
	ck_assert_int_eq(breached_open(path_bad, &b, &err), 0);
	ck_assert_int_eq(
	    breached_hex("0000000000000000000000000000000000000003", h), 0);
	ck_assert_uint_eq(breached_lookup(b, h), 1);
	breached_free(b);
	ck_assert_int_eq(breached_import(path_bad, path_bin, NULL, &err), 0);
	ck_assert_int_eq(breached_open(path_bin, &b, &err), 0);
	ck_assert_uint_eq(breached_lookup(b, h), 1);
	breached_free(b);
}
END_TEST

START_TEST(damaged_lists_are_refused_at_open)
{
	struct breached *b = NULL;
	struct pl_error err;
	struct stat st;
	FILE *f;

	pl_error_init(&err);
	ck_assert_int_eq(breached_import(path_lf, path_bin, NULL, &err), 0);
	ck_assert_int_eq(stat(path_bin, &st), 0);
	ck_assert_int_eq(truncate(path_bin, st.st_size - 10), 0);
	ck_assert_int_ne(breached_open(path_bin, &b, &err), 0);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err.message, "truncated") != NULL, "%s",
	              err.message);
	pl_error_clear(&err);
	ck_assert_int_eq(truncate(path_bin, 20), 0);
	ck_assert_int_ne(breached_open(path_bin, &b, &err), 0);
	ck_assert_msg(strstr(err.message, "truncated") != NULL, "%s",
	              err.message);
	pl_error_clear(&err);
	f = fopen(path_bad, "w");
	fputs("hello\n", f);
	fclose(f);
	ck_assert_int_ne(breached_open(path_bad, &b, &err), 0);
	ck_assert_msg(strstr(err.message, "line 1 is not HASH:COUNT") != NULL,
	              "%s", err.message);
	pl_error_clear(&err);
	ck_assert_int_ne(breached_open("/nonexistent/list", &b, &err), 0);
	ck_assert_msg(strstr(err.message, "No such file") != NULL, "%s",
	              err.message);
	pl_error_clear(&err);
}
END_TEST

START_TEST(counts_are_grouped)
{
	char out[32];

	breached_format_count(0, out, sizeof out);
	ck_assert_str_eq(out, "0");
	breached_format_count(999, out, sizeof out);
	ck_assert_str_eq(out, "999");
	breached_format_count(3861, out, sizeof out);
	ck_assert_str_eq(out, "3 861");
	breached_format_count(52256179, out, sizeof out);
	ck_assert_str_eq(out, "52 256 179");
	breached_format_count(100000, out, sizeof out);
	ck_assert_str_eq(out, "100 000");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("breached");
	TCase *tc = tcase_create("list");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_form_is_searched_in_place);
	tcase_add_test(tc, binary_form_from_import);
	tcase_add_test(tc, no_list_checks_nothing);
	tcase_add_test(tc, import_refuses_bad_input);
	tcase_add_test(tc, zero_count_still_listed);
	tcase_add_test(tc, damaged_lists_are_refused_at_open);
	tcase_add_test(tc, counts_are_grouped);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
