/* Unit tests for server/config.c: defaults, environment, flags overriding
 * the environment, bad values refused with the setting named. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#include "tsupport.h"

static void
clear_env(void)
{
	const char *names[] = {
	    "DATABASE_URL",           "PADLINE_LISTEN",
	    "PADLINE_WORKERS",        "PADLINE_REGISTRATION",
	    "PADLINE_SECRET",         "PADLINE_HASH_CONCURRENCY",
	    "POSTGRES_HOST",          "POSTGRES_PASSWORD",
	    "PADLINE_SCHEMA",         "PADLINE_POOL_SIZE",
	    "PADLINE_METRICS_LISTEN", NULL};

	for (int i = 0; names[i]; i++)
		unsetenv(names[i]);
}

START_TEST(defaults)
{
	struct config c;
	struct pl_error e;

	clear_env();
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	ck_assert_str_eq(c.listen_host, "127.0.0.1");
	ck_assert_int_eq(c.listen_port, 7411);
	ck_assert_str_eq(c.schema, "pad_ws");
	ck_assert_int_eq(c.max_line, 4194304);
	ck_assert_int_eq(c.max_backups, 10);
	ck_assert_int_eq(c.backup_min_interval, 0);
	ck_assert_int_eq(c.max_pad_bytes, 1048576);
	ck_assert_int_eq(c.registration, REG_OPEN);
	ck_assert_ptr_nonnull(strstr(c.database_url, "host='127.0.0.1'"));
	config_free(&c);
}
END_TEST

START_TEST(env_then_flags)
{
	struct config c;
	struct pl_error e;
	int first, help, version;
	char *argv[] = {"padlined",    "--listen", "0.0.0.0:9000",
	                "--workers=8", "migrate",  "--admin",
	                NULL};

	clear_env();
	setenv("PADLINE_LISTEN", "127.0.0.2:7000", 1);
	setenv("PADLINE_WORKERS", "6", 1);
	setenv("PADLINE_REGISTRATION", "invite", 1);
	setenv("PADLINE_SECRET", "0123456789abcdef", 1);
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	ck_assert_int_eq(c.listen_port, 7000);
	ck_assert_int_eq(c.workers, 6);
	ck_assert_int_eq(c.registration, REG_INVITE);
	ck_assert_int_eq(
	    config_parse_args(&c, 6, argv, &first, &help, &version, &e), 0);
	ck_assert_str_eq(c.listen_host, "0.0.0.0");
	ck_assert_int_eq(c.listen_port, 9000);
	ck_assert_int_eq(c.workers, 8);
	ck_assert_int_eq(first, 4); /* "migrate"; its --admin is its own */
	ck_assert_int_eq(config_validate(&c, &e), 0);
	ck_assert_int_eq(c.pool_size, 8);
	/* one hash per core, below the 8 workers */
	ck_assert_int_eq(c.hash_concurrency, sysconf(_SC_NPROCESSORS_ONLN) < 7
	                                         ? sysconf(_SC_NPROCESSORS_ONLN)
	                                         : 7);
	config_free(&c);
}
END_TEST

START_TEST(postgres_parts_are_quoted)
{
	struct config c;
	struct pl_error e;

	clear_env();
	setenv("POSTGRES_HOST", "db.local", 1);
	setenv("POSTGRES_PASSWORD", "it's a \\secret", 1);
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	ck_assert_ptr_nonnull(strstr(c.database_url, "host='db.local'"));
	ck_assert_ptr_nonnull(
	    strstr(c.database_url, "password='it\\'s a \\\\secret'"));
	config_free(&c);
}
END_TEST

START_TEST(bad_values_are_named)
{
	struct config c;
	struct pl_error e;
	int first, help, version;
	char *a1[] = {"padlined", "--workers", "many", NULL};
	char *a2[] = {"padlined", "--bogus", "1", NULL};
	char *a3[] = {"padlined", "--listen", "nohost", NULL};
	char *a4[] = {"padlined", "--registration", "maybe", NULL};

	clear_env();
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	ck_assert_int_ne(
	    config_parse_args(&c, 3, a1, &first, &help, &version, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "PADLINE_WORKERS"));
	ck_assert_int_ne(
	    config_parse_args(&c, 3, a2, &first, &help, &version, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "--bogus"));
	ck_assert_int_ne(
	    config_parse_args(&c, 3, a3, &first, &help, &version, &e), 0);
	ck_assert_int_ne(
	    config_parse_args(&c, 3, a4, &first, &help, &version, &e), 0);
	config_free(&c);
}
END_TEST

START_TEST(validate_rules)
{
	struct config c;
	struct pl_error e;

	clear_env();
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	/* no secret */
	ck_assert_int_ne(config_validate(&c, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "PADLINE_SECRET"));
	c.secret = strdup("0123456789abcdef");
	c.hash_concurrency = c.workers;
	ck_assert_int_ne(config_validate(&c, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "hash concurrency"));
	c.hash_concurrency = 1;
	c.max_pad_bytes = (int)c.max_line;
	ck_assert_int_ne(config_validate(&c, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "PADLINE_MAX_PAD_BYTES"));
	c.max_pad_bytes = 1048576;
	ck_assert_int_eq(config_validate(&c, &e), 0);
	c.trusted_proxies = strdup("10.0.0.0/8, 2001:db8::/32");
	ck_assert_int_eq(config_validate(&c, &e), 0);
	ck_assert_uint_eq(c.proxy_trust.n, 2);
	free(c.trusted_proxies);
	c.trusted_proxies = strdup("10.0.0.0/8, haproxy.example");
	ck_assert_int_ne(config_validate(&c, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "PADLINE_TRUSTED_PROXIES"));
	ck_assert_ptr_nonnull(strstr(e.message, "haproxy.example"));
	free(c.trusted_proxies);
	c.trusted_proxies = NULL;
	ck_assert_str_eq(c.login_limit_fallback, "postgres");
	free(c.login_limit_fallback);
	c.login_limit_fallback = strdup("open");
	ck_assert_int_ne(config_validate(&c, &e), 0);
	ck_assert_ptr_nonnull(
	    strstr(e.message, "PADLINE_LOGIN_LIMIT_FALLBACK must be memory"));
	free(c.login_limit_fallback);
	c.login_limit_fallback = strdup("closed");
	ck_assert_int_eq(config_validate(&c, &e), 0);
	free(c.schema);
	c.schema = strdup("Bad-Schema");
	ck_assert_int_ne(config_validate(&c, &e), 0);
	config_free(&c);
}
END_TEST

/* config_init and config_validate with PADLINE_METRICS_LISTEN=value
 * (NULL: unset); validate's result. */
static int
with_metrics_listen(const char *value, struct config *c, struct pl_error *e)
{
	clear_env();
	if (value)
		setenv("PADLINE_METRICS_LISTEN", value, 1);
	pl_error_init(e);
	ck_assert_int_eq(config_init(c, e), 0);
	c->secret = strdup("0123456789abcdef");
	return config_validate(c, e);
}

/* Off unless set; HOST:PORT split for the listener; anything else is
 * refused with the setting named. */
START_TEST(metrics_listen_is_an_address)
{
	struct config c;
	struct pl_error e;

	ck_assert_int_eq(with_metrics_listen(NULL, &c, &e), 0);
	ck_assert_ptr_null(c.metrics_host);
	config_free(&c);
	ck_assert_int_eq(with_metrics_listen("127.0.0.1:9411", &c, &e), 0);
	ck_assert_str_eq(c.metrics_host, "127.0.0.1");
	ck_assert_int_eq(c.metrics_port, 9411);
	config_free(&c);
	ck_assert_int_ne(with_metrics_listen("9411", &c, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "PADLINE_METRICS_LISTEN"));
	config_free(&c);
	clear_env();
}
END_TEST

/* Workers and hashes at once follow the cores unless set: two workers a
 * core but at least 32 (what may be in flight, not what keeps the cores
 * busy), one hash a core, always fewer hashes than workers. */
START_TEST(workers_follow_the_cores)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct config c;
	struct pl_error e;

	clear_env();
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	c.secret = strdup("0123456789abcdef");
	ck_assert_int_eq(c.workers, 0);
	ck_assert_int_eq(config_validate(&c, &e), 0);
	ck_assert_int_eq(c.workers, cores * 2 < 32    ? 32
	                            : cores * 2 > 128 ? 128
	                                              : cores * 2);
	ck_assert_int_eq(c.pool_size, c.workers);
	ck_assert_int_eq(c.hash_concurrency,
	                 cores < c.workers - 1 ? cores : c.workers - 1);
	ck_assert_int_lt(c.hash_concurrency, c.workers);
	/* Given two workers, one hashes and one stays free. */
	c.workers = 2;
	c.hash_concurrency = 0;
	ck_assert_int_eq(config_validate(&c, &e), 0);
	ck_assert_int_eq(c.hash_concurrency, 1);
	/* Hashes of 4 GiB each: no more than a quarter of the memory holds
	 * (one, on a machine under 32 GiB), but always one. */
	{
		unsigned long long quarter =
		    (unsigned long long)sysconf(_SC_PHYS_PAGES) *
		    (unsigned long long)sysconf(_SC_PAGESIZE) / 4;
		long want = cores < 7 ? cores : 7;

		c.workers = 8;
		c.hash_concurrency = 0;
		c.pwhash_memlimit = 1ULL << 32;
		if ((unsigned long long)want * c.pwhash_memlimit > quarter)
			want = (long)(quarter / c.pwhash_memlimit);
		ck_assert_int_eq(config_validate(&c, &e), 0);
		ck_assert_int_eq(c.hash_concurrency, want < 1 ? 1 : want);
		ck_assert_int_lt(c.hash_concurrency, 2 + (int)(quarter >> 32));
	}
	c.workers = 1;
	c.hash_concurrency = 0;
	ck_assert_int_ne(config_validate(&c, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.message, "at least 2 workers"));
	config_free(&c);
}
END_TEST

START_TEST(signup_defense_lists)
{
	struct config c;
	struct pl_error e;
	int first, help, version;
	char *argv[] = {"padlined", "--disposable-extra", "/etc/padline/more",
	                NULL};

	clear_env();
	unsetenv("PADLINE_DISPOSABLE_EXTRA");
	setenv("PADLINE_BREACHED_PASSWORDS", "/var/lib/padline/pwned.bin", 1);
	pl_error_init(&e);
	ck_assert_int_eq(config_init(&c, &e), 0);
	ck_assert_str_eq(c.breached_passwords, "/var/lib/padline/pwned.bin");
	ck_assert_ptr_null(c.disposable_extra);
	ck_assert_int_eq(
	    config_parse_args(&c, 3, argv, &first, &help, &version, &e), 0);
	ck_assert_str_eq(c.disposable_extra, "/etc/padline/more");
	config_free(&c);
	unsetenv("PADLINE_BREACHED_PASSWORDS");
	ck_assert_int_eq(config_init(&c, &e), 0);
	ck_assert_ptr_null(c.breached_passwords);
	config_free(&c);
}
END_TEST

START_TEST(usage_lists_every_env_name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *names[] = {"DATABASE_URL",
	                       "REDIS_URL",
	                       "PADLINE_LISTEN",
	                       "PADLINE_SCHEMA",
	                       "PADLINE_WORKERS",
	                       "PADLINE_REGISTRATION",
	                       "PADLINE_SECRET",
	                       "PADLINE_LOG",
	                       "POSTGRES_HOST",
	                       "POSTGRES_DB",
	                       "create-user",
	                       "migrate",
	                       "breached-import",
	                       "PADLINE_BREACHED_PASSWORDS",
	                       "PADLINE_DISPOSABLE_EXTRA",
	                       NULL};

	config_usage(f);
	fclose(f);
	for (int i = 0; names[i]; i++)
		ck_assert_msg(strstr(buf, names[i]) != NULL, "%s missing",
		              names[i]);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, env_then_flags);
	tcase_add_test(tc, postgres_parts_are_quoted);
	tcase_add_test(tc, bad_values_are_named);
	tcase_add_test(tc, validate_rules);
	tcase_add_test(tc, workers_follow_the_cores);
	tcase_add_test(tc, metrics_listen_is_an_address);
	tcase_add_test(tc, signup_defense_lists);
	tcase_add_test(tc, usage_lists_every_env_name);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
