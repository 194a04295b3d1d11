/* Unit tests for server/disposable.c, against the shipped list: listed
 * domains and their subdomains match, whatever the case; near misses do
 * not; the admin's extra file adds domains and is refused by line when a
 * line is no domain. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disposable.h"
#include "tsupport.h"

static char shipped[4096], extra[64];

static void
setup(void)
{
	const char *src = getenv("PADLINE_SOURCE_DIR");

	snprintf(shipped, sizeof shipped, "%s/data/" DISPOSABLE_FILE,
	         src ? src : ".");
	strcpy(extra, "/tmp/padline-disposable-XXXXXX");
	ck_assert_int_ge(mkstemp(extra), 0);
}

static void
teardown(void)
{
	unlink(extra);
}

static void
write_extra(const char *text)
{
	FILE *f = fopen(extra, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(shipped_list_and_parents)
{
	struct disposable *d;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_msg(disposable_open(shipped, NULL, &d, &err) == 0, "%s",
	              err.message);
	ck_assert_uint_gt(disposable_size(d), 100000);
	ck_assert(disposable_domain(d, "mailinator.com"));
	ck_assert(disposable_domain(d, "guerrillamail.com"));
	ck_assert(disposable_domain(d, "MailInator.COM"));
	ck_assert(disposable_domain(d, "mailinator.com."));
	ck_assert(disposable_domain(d, "sub.mailinator.com"));
	ck_assert(disposable_domain(d, "a.b.c.mailinator.com"));
	ck_assert(!disposable_domain(d, "xmailinator.com"));
	ck_assert(!disposable_domain(d, "ailinator.com"));
	ck_assert(!disposable_domain(d, "mailinator.co"));
	ck_assert(!disposable_domain(d, "example.org"));
	ck_assert(!disposable_domain(d, "gmail.com"));
	ck_assert(!disposable_domain(d, "com"));
	ck_assert(!disposable_domain(d, ""));
	ck_assert(!disposable_domain(d, "."));
	ck_assert(!disposable_domain(d, NULL));
	ck_assert(!disposable_domain(NULL, "mailinator.com"));
	/* The shipped file's own first and last entries. */
	ck_assert(disposable_domain(d, "0-180.com"));
	disposable_free(d);
}
END_TEST

START_TEST(extra_file_adds_domains)
{
	struct disposable *d, *base;
	struct pl_error err;

	pl_error_init(&err);
	write_extra("# our own\r\n"
	            "\r\n"
	            "  Throwaway.Example  \r\n"
	            "*.wild.example\n"
	            ".dot.example\n"
	            "mailinator.com\n");
	ck_assert_int_eq(disposable_open(shipped, NULL, &base, &err), 0);
	ck_assert_msg(disposable_open(shipped, extra, &d, &err) == 0, "%s",
	              err.message);
	/* mailinator.com was listed already: counted once. */
	ck_assert_uint_eq(disposable_size(d), disposable_size(base) + 3);
	ck_assert(disposable_domain(d, "throwaway.example"));
	ck_assert(disposable_domain(d, "x.throwaway.example"));
	ck_assert(disposable_domain(d, "wild.example"));
	ck_assert(disposable_domain(d, "deep.wild.example"));
	ck_assert(disposable_domain(d, "dot.example"));
	ck_assert(!disposable_domain(d, "example"));
	ck_assert(!disposable_domain(base, "throwaway.example"));
	disposable_free(d);
	disposable_free(base);
}
END_TEST

START_TEST(bad_extra_file_is_refused)
{
	struct disposable *d = NULL;
	struct pl_error err;

	pl_error_init(&err);
	write_extra("ok.example\nnot a domain\n");
	ck_assert_int_ne(disposable_open(shipped, extra, &d, &err), 0);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err.message, "line 2 is not a domain") != NULL,
	              "%s", err.message);
	pl_error_clear(&err);
	write_extra("a..b\n");
	ck_assert_int_ne(disposable_open(shipped, extra, &d, &err), 0);
	ck_assert_msg(strstr(err.message, "line 1 is not a domain") != NULL,
	              "%s", err.message);
	pl_error_clear(&err);
	ck_assert_int_ne(disposable_open("/nonexistent/list", NULL, &d, &err),
	                 0);
	ck_assert_msg(strstr(err.message, "/nonexistent/list") != NULL, "%s",
	              err.message);
	pl_error_clear(&err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("disposable");
	TCase *tc = tcase_create("domains");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shipped_list_and_parents);
	tcase_add_test(tc, extra_file_adds_domains);
	tcase_add_test(tc, bad_extra_file_is_refused);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
