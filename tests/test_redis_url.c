/* Unit tests for common/redis_url.c: the redis:// and redis+sentinel://
 * grammars, percent-decoded credentials, IPv6 hosts, bad inputs refused
 * without echoing a password, and the redacted rendering used in logs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "redis_url.h"
#include "tsupport.h"

static void
parse_ok(const char *url, const char *user, const char *pass, const char *host,
         int port, int db)
{
	struct redis_url u;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_msg(redis_url_parse(url, &u, &err) == 0, "%s: %s", url,
	              err.message);
	if (user)
		ck_assert_str_eq(u.user, user);
	else
		ck_assert_ptr_null(u.user);
	if (pass)
		ck_assert_str_eq(u.password, pass);
	else
		ck_assert_ptr_null(u.password);
	ck_assert_str_eq(u.host, host);
	ck_assert_int_eq(u.port, port);
	ck_assert_int_eq(u.db, db);
	redis_url_clear(&u);
}

static void
parse_bad(const char *url)
{
	struct redis_url u;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_msg(redis_url_parse(url, &u, &err) == PL_ERR_VALIDATION,
	              "accepted %s", url);
	ck_assert_ptr_null(u.host);
	ck_assert_ptr_null(strstr(err.message, "hunter2"));
	pl_error_clear(&err);
}

START_TEST(grammar)
{
	parse_ok("redis://localhost", NULL, NULL, "localhost", 6379, 0);
	parse_ok("redis://127.0.0.1:6380", NULL, NULL, "127.0.0.1", 6380, 0);
	parse_ok("redis://127.0.0.1:6380/", NULL, NULL, "127.0.0.1", 6380, 0);
	parse_ok("redis://127.0.0.1:6380/3", NULL, NULL, "127.0.0.1", 6380, 3);
	parse_ok("redis://h/15", NULL, NULL, "h", 6379, 15);
	parse_ok("redis://:s3cret@10.0.0.1:6380/2", NULL, "s3cret", "10.0.0.1",
	         6380, 2);
	parse_ok("redis://alice:s3cret@h:1/0", "alice", "s3cret", "h", 1, 0);
	/* redis-cli's reading: a lone word before @ is the password. */
	parse_ok("redis://s3cret@h", NULL, "s3cret", "h", 6379, 0);
	parse_ok("redis://alice:@h", "alice", NULL, "h", 6379, 0);
	parse_ok("redis://a%40b:p%3Aw%2Fd%25@h", "a@b", "p:w/d%", "h", 6379, 0);
	/* A raw '@' in the password: the last '@' ends the credentials. */
	parse_ok("redis://u:p@ss@h:7", "u", "p@ss", "h", 7, 0);
	parse_ok("redis://[::1]:6390/4", NULL, NULL, "::1", 6390, 4);
	parse_ok("redis://u:p@[fe80::1]", "u", "p", "fe80::1", 6379, 0);
	parse_ok("127.0.0.1:6000", NULL, NULL, "127.0.0.1", 6000, 0);
	parse_ok("", NULL, NULL, "127.0.0.1", 6379, 0);
	parse_ok(NULL, NULL, NULL, "127.0.0.1", 6379, 0);
}
END_TEST

START_TEST(bad_inputs)
{
	parse_bad("http://h");
	parse_bad("rediss://h");
	parse_bad("redis://");
	parse_bad("redis://:hunter2@");
	parse_bad("redis://:hunter2@:6379");
	parse_bad("redis://h:");
	parse_bad("redis://h:0");
	parse_bad("redis://h:65536");
	parse_bad("redis://h:12ab");
	parse_bad("redis://h:-1");
	parse_bad("redis://h/x");
	parse_bad("redis://h/-1");
	parse_bad("redis://h/1/2");
	parse_bad("redis://h/99999999999");
	parse_bad("redis://h?db=1");
	parse_bad("redis://h#x");
	parse_bad("redis://h st");
	parse_bad("redis://[::1");
	parse_bad("redis://[]:1");
	parse_bad("redis://[::1]x");
	parse_bad("redis://u:hunter2%4@h");
	parse_bad("redis://u:hunter2%zz@h");
	parse_bad("redis://u:hunter2%00@h");
	parse_bad("redis://u%G1:hunter2@h");
}
END_TEST

static void
sentinel_ok(const char *url, const char *pass, int n, const char *host1,
            int port1, const char *master, int db)
{
	struct redis_url u;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_msg(redis_url_parse(url, &u, &err) == 0, "%s: %s", url,
	              err.message);
	if (pass)
		ck_assert_str_eq(u.password, pass);
	else
		ck_assert_ptr_null(u.password);
	ck_assert_int_eq(u.nsentinels, n);
	ck_assert_str_eq(u.sentinels[n - 1].host, host1);
	ck_assert_int_eq(u.sentinels[n - 1].port, port1);
	ck_assert_str_eq(u.host, u.sentinels[0].host);
	ck_assert_str_eq(u.master, master);
	ck_assert_int_eq(u.db, db);
	redis_url_clear(&u);
}

START_TEST(sentinel_grammar)
{
	sentinel_ok("redis+sentinel://127.0.0.1:26380/mymaster", NULL, 1,
	            "127.0.0.1", 26380, "mymaster", 0);
	sentinel_ok("redis+sentinel://s1/m", NULL, 1, "s1", 26379, "m", 0);
	sentinel_ok("redis+sentinel://u:s3cret@a:1,b:2,[::1]:3/pad-line/4",
	            "s3cret", 3, "::1", 3, "pad-line", 4);
	sentinel_ok("redis+sentinel://a,b/m%2Ex/", NULL, 2, "b", 26379, "m.x",
	            0);
	/* A plain URL has no master name and no Sentinels. */
	parse_ok("redis://h:1", NULL, NULL, "h", 1, 0);
}
END_TEST

START_TEST(sentinel_bad_inputs)
{
	parse_bad("redis+sentinel://:hunter2@h:1");
	parse_bad("redis+sentinel://:hunter2@h:1/");
	parse_bad("redis+sentinel://h:1//3");
	parse_bad("redis+sentinel:///m");
	parse_bad("redis+sentinel://a,,b/m");
	parse_bad("redis+sentinel://a,/m");
	parse_bad("redis+sentinel://a:0/m");
	parse_bad("redis+sentinel://a:1/m/x");
	parse_bad("redis+sentinel://a:1/m/1/2");
	parse_bad("redis+sentinel://a:1/m%0a");
	parse_bad("redis+sentinel://a:1/m%1b[2J");
	parse_bad("redis+sentinel://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q/m");
}
END_TEST

static void
redact_is(const char *url, const char *want)
{
	char *s = redis_url_redact(url);

	ck_assert_str_eq(s, want);
	free(s);
}

START_TEST(redaction)
{
	redact_is("redis://alice:hunter2@h:7/3", "redis://alice:***@h:7/3");
	redact_is("redis://:hunter2@h", "redis://:***@h:6379/0");
	redact_is("redis://h", "redis://h:6379/0");
	redact_is("redis://alice:@h", "redis://alice@h:6379/0");
	redact_is("redis://u:p@[::1]:9", "redis://u:***@[::1]:9/0");
	redact_is("redis://u:hunter2@h:bad", "redis://(invalid)");
	redact_is("redis+sentinel://u:hunter2@a:1,[::1],b/m/2",
	          "redis+sentinel://u:***@a:1,[::1]:26379,b:26379/m/2");
	redact_is("redis+sentinel://a/m", "redis+sentinel://a:26379/m/0");
}
END_TEST

START_TEST(connect_refused_names_no_password)
{
	redisContext *c;
	struct pl_error err;

	/* Port 1 on loopback: nothing listens there. */
	pl_error_init(&err);
	ck_assert_int_eq(redis_url_connect_str("redis://u:hunter2@127.0.0.1:1",
	                                       2000, &c, &err),
	                 PL_ERR_UNAVAILABLE);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.message, "redis://u:***@127.0.0.1"));
	ck_assert_ptr_null(strstr(err.message, "hunter2"));
	/* Through Sentinels that are not there: unavailable, no password. */
	ck_assert_int_eq(
	    redis_url_connect_str("redis+sentinel://u:hunter2@127.0.0.1:1,"
	                          "127.0.0.1:1/m",
	                          2000, &c, &err),
	    PL_ERR_UNAVAILABLE);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.message, "no Sentinel named"));
	ck_assert_ptr_null(strstr(err.message, "hunter2"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("redis_url");
	TCase *tc = tcase_create("grammar");

	tcase_add_test(tc, grammar);
	tcase_add_test(tc, bad_inputs);
	tcase_add_test(tc, sentinel_grammar);
	tcase_add_test(tc, sentinel_bad_inputs);
	tcase_add_test(tc, redaction);
	tcase_add_test(tc, connect_refused_names_no_password);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
