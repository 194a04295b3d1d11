/*
 * Export (tui/export.c): rows a screen holds written as CSV (RFC 4180
 * quoting, no formula a spreadsheet would run) or JSON lines, to a stream
 * and to a new private file.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "tsupport.h"

static void
cell_is(json_t *value, const char *want)
{
	char *got = export_csv_cell(value);

	ck_assert_str_eq(got, want);
	free(got);
	json_decref(value);
}

START_TEST(csv_cells_quote_as_rfc4180)
{
	cell_is(json_string("plain"), "plain");
	cell_is(json_string(""), "");
	cell_is(json_string("a,b"), "\"a,b\"");
	cell_is(json_string("say \"hi\""), "\"say \"\"hi\"\"\"");
	cell_is(json_string("two\nlines"), "\"two\nlines\"");
	cell_is(json_string("cr\rhere"), "\"cr\rhere\"");
	cell_is(json_string("caf\xc3\xa9"), "caf\xc3\xa9");
	cell_is(json_integer(42), "42");
	cell_is(json_integer(-3), "-3");
	cell_is(json_true(), "true");
	cell_is(json_false(), "false");
	cell_is(json_null(), "");
	cell_is(json_pack("[s, s]", "fast", "disposable"), "fast disposable");
	cell_is(json_pack("{s:i}", "a", 1), "\"{\"\"a\"\":1}\"");
	cell_is(NULL, "");
}
END_TEST

START_TEST(csv_cells_never_start_a_formula)
{
	cell_is(json_string("=HYPERLINK(\"http://x\")"),
	        "\"'=HYPERLINK(\"\"http://x\"\")\"");
	cell_is(json_string("=1+1"), "'=1+1");
	cell_is(json_string("+49 30"), "'+49 30");
	cell_is(json_string("-2+3"), "'-2+3");
	cell_is(json_string("@SUM(A1)"), "'@SUM(A1)");
	cell_is(json_string("\tx"), "'\tx");
	cell_is(json_string("\rx"), "\"'\rx\"");
	/* Only at the start, and never a number's sign. */
	cell_is(json_string("a=b"), "a=b");
	cell_is(json_real(-1.5), "-1.5");
}
END_TEST

static const char *const cols[] = {"username", "peer", "flags", "fill_ms",
                                   NULL};

static json_t *
rows(void)
{
	return json_pack("[{s:s, s:s, s:[s], s:i, s:s}, {s:s, s:n, s:[], s:n}]",
	                 "username", "wave1", "peer", "203.0.113.9", "flags",
	                 "fast", "fill_ms", 12, "extra", "x", "username",
	                 "=cmd|' /C calc'!A0", "peer", "flags", "fill_ms");
}

START_TEST(csv_file_has_header_and_crlf_records)
{
	char path[] = "/tmp/padline-export-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");
	json_t *r = rows();
	struct pl_error err;
	size_t n = 0;
	char *text;

	pl_error_init(&err);
	ck_assert_int_eq(export_write(f, EXPORT_CSV, cols, r, &n, &err), 0);
	fclose(f);
	ck_assert_uint_eq(n, 2);
	text = ts_file_read(path);
	ck_assert_str_eq(text, "username,peer,flags,fill_ms\r\n"
	                       "wave1,203.0.113.9,fast,12\r\n"
	                       "'=cmd|' /C calc'!A0,,,\r\n");
	free(text);
	unlink(path);
	json_decref(r);
}
END_TEST

START_TEST(jsonl_lines_are_the_columns_or_the_row)
{
	json_t *r = rows(), *back;
	char *line = export_line(EXPORT_JSONL, cols, json_array_get(r, 0));

	ck_assert_ptr_null(strchr(line, '\n'));
	back = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(json_object_size(back), 4);
	ck_assert_str_eq(json_string_value(json_object_get(back, "peer")),
	                 "203.0.113.9");
	ck_assert_ptr_null(json_object_get(back, "extra"));
	json_decref(back);
	free(line);
	/* A missing member is null, not left out. */
	line = export_line(EXPORT_JSONL, cols, json_array_get(r, 1));
	back = json_loads(line, 0, NULL);
	ck_assert(json_is_null(json_object_get(back, "peer")));
	/* A JSON string keeps what a spreadsheet guard would change. */
	ck_assert_str_eq(json_string_value(json_object_get(back, "username")),
	                 "=cmd|' /C calc'!A0");
	json_decref(back);
	free(line);
	line = export_line(EXPORT_JSONL, NULL, json_array_get(r, 0));
	back = json_loads(line, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(back, "extra")),
	                 "x");
	json_decref(back);
	free(line);
	json_decref(r);
}
END_TEST

START_TEST(path_is_private_and_counts_rows)
{
	char dir[] = "/tmp/padline-export-XXXXXX", path[64], link[64];
	json_t *r = rows();
	struct pl_error err;
	struct stat st;
	size_t n = 0;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/out.jsonl", dir);
	pl_error_init(&err);
	ck_assert_int_eq(export_to_path(path, EXPORT_JSONL, NULL, r, &n, &err),
	                 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	text = ts_file_read(path);
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	n = 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	ck_assert_uint_eq(n, 2);
	free(text);
	/* A symbolic link planted at the path is not followed. */
	snprintf(link, sizeof link, "%s/link.csv", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_ne(export_to_path(link, EXPORT_CSV, cols, r, &n, &err),
	                 0);
	ck_assert_int_eq(err.code, PL_ERR_INTERNAL);
	ck_assert_ptr_nonnull(strstr(err.message, link));
	pl_error_clear(&err);
	/* Nowhere to write: said, not crashed. */
	snprintf(link, sizeof link, "%s/no/such/dir.csv", dir);
	ck_assert_int_ne(export_to_path(link, EXPORT_CSV, cols, r, &n, &err),
	                 0);
	pl_error_clear(&err);
	unlink(link);
	snprintf(link, sizeof link, "%s/link.csv", dir);
	unlink(link);
	unlink(path);
	rmdir(dir);
	json_decref(r);
}
END_TEST

START_TEST(format_names)
{
	enum export_format f;

	ck_assert_int_eq(export_format_parse("csv", &f), 0);
	ck_assert_int_eq(f, EXPORT_CSV);
	ck_assert_int_eq(export_format_parse("JSONL", &f), 0);
	ck_assert_int_eq(f, EXPORT_JSONL);
	ck_assert_int_eq(export_format_parse("xlsx", &f), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_export");
	TCase *tc = tcase_create("export");

	tcase_add_test(tc, csv_cells_quote_as_rfc4180);
	tcase_add_test(tc, csv_cells_never_start_a_formula);
	tcase_add_test(tc, csv_file_has_header_and_crlf_records);
	tcase_add_test(tc, jsonl_lines_are_the_columns_or_the_row);
	tcase_add_test(tc, path_is_private_and_counts_rows);
	tcase_add_test(tc, format_names);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
