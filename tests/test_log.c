/* Unit tests for common/log.c: a logfmt line that carries a peer's text
 * (a username, an error message) reaches stderr with its controls, bidi
 * controls and invalid UTF-8 escaped, since logs are read in terminals. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tsupport.h"

/* Runs one log_msg with stderr sent to a file and returns what it wrote. */
static char *
logged(const char *msg, const char *value)
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	log_msg(LOG_WARN, msg, "user=%s", value);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

START_TEST(peer_text_reaches_the_log_escaped)
{
	const char *line =
	    logged("login \x1b[2J failed", "mallory\x1b]0;pwned\x07\xc2\x9b"
	                                   "\xe2\x80\xae\xff");
	const char *nl = strchr(line, '\n');

	/* One line, ended by the log's own newline and nothing after it. */
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, "");
	for (const char *p = line; p < nl; p++) {
		unsigned char c = (unsigned char)*p;

		ck_assert_msg(c >= 0x20 && c != 0x7f,
		              "raw control 0x%02x in %s", c, line);
	}
	ck_assert_ptr_null(strstr(line, "\xc2\x9b"));
	ck_assert_ptr_null(strstr(line, "\xe2\x80\xae"));
	ck_assert_ptr_null(strstr(line, "\xff"));
	ck_assert_ptr_nonnull(strstr(line, "msg=\"login \\u001B[2J failed\""));
	ck_assert_ptr_nonnull(strstr(
	    line, "user=mallory\\u001B]0;pwned\\u0007\\u009B\\u202E\\xFF"));
}
END_TEST

START_TEST(plain_lines_are_unchanged)
{
	const char *line = logged("started", "ada caf\xc3\xa9");

	ck_assert_ptr_nonnull(
	    strstr(line, " level=warn msg=started user=ada caf\xc3\xa9\n"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, peer_text_reaches_the_log_escaped);
	tcase_add_test(tc, plain_lines_are_unchanged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
