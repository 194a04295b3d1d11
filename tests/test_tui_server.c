/*
 * The Server screen's model without a terminal: rates from two
 * server.stats samples (and starting over when the counters go back), the
 * per-method table sorted by count, down services and unknown latencies,
 * and every line fitting an 80-column terminal.
 */
#include <check.h>
#include <string.h>

#include "model_server.h"
#include "tsupport.h"

/* A server.stats result as padlined sends it. */
static json_t *
stats_json(long long uptime, long long total, long long errors, json_t *methods,
           int db_up)
{
	return json_pack(
	    "{s:s, s:I, s:i, s:{s:I, s:I, s:o}, s:{s:b, s:i, s:i, s:i}, "
	    "s:{s:b}, s:o, s:i}",
	    "version", "0.1.0", "uptime_s", (json_int_t)uptime, "connections",
	    3, "requests", "total", (json_int_t)total, "errors",
	    (json_int_t)errors, "methods", methods, "db", "up", db_up, "pool",
	    4, "in_use", 1, "waiting", 0, "redis", "up", 1, "outbox",
	    db_up ? json_pack("{s:i, s:f}", "unpublished", 2, "oldest_s", 75.5)
	          : json_pack("{s:n, s:n}", "unpublished", "oldest_s"),
	    "logins_failed_15m", 7);
}

static json_t *
method(long long count, long long errors, double p50, double p99)
{
	return json_pack("{s:I, s:I, s:o, s:o}", "count", (json_int_t)count,
	                 "errors", (json_int_t)errors, "p50_ms",
	                 p50 < 0 ? json_null() : json_real(p50), "p99_ms",
	                 p99 < 0 ? json_null() : json_real(p99));
}

static void
sample(struct server_model *m, json_t *stats, double at)
{
	server_model_sample(m, stats, at);
	json_decref(stats);
}

static const char *
line(const struct server_model *m, int i)
{
	static char buf[256];

	server_model_line(m, i, 76, buf, sizeof buf);
	return buf;
}

START_TEST(rates_come_from_the_last_two_samples)
{
	struct server_model m;

	server_model_init(&m);
	sample(&m,
	       stats_json(100, 100, 2,
	                  json_pack("{s:o, s:o}", "pad.create",
	                            method(60, 1, 2.5, 9), "pad.list",
	                            method(40, 1, 0.2, 1.1)),
	                  1),
	       10.0);
	/* One sample: no rate yet. */
	ck_assert_int_eq(m.has_rate, 0);
	ck_assert_ptr_nonnull(strstr(line(&m, 2), "100 total, -/s"));
	sample(&m,
	       stats_json(102, 120, 4,
	                  json_pack("{s:o, s:o, s:o}", "pad.create",
	                            method(66, 2, 2.5, 9), "pad.list",
	                            method(50, 1, 0.2, 1.1), "pad.get",
	                            method(4, 1, 0.5, 0.5)),
	                  1),
	       12.0);
	ck_assert_int_eq(m.has_rate, 1);
	ck_assert_double_eq_tol(m.req_rate, 10.0, 1e-9);
	ck_assert_double_eq_tol(m.err_rate, 1.0, 1e-9);
	ck_assert_str_eq(line(&m, 2),
	                 "Requests    120 total, 10/s   errors 4, 1.0/s");
	/* Per method too; a method new since the last sample counts from 0. */
	ck_assert_uint_eq(m.nrows, 3);
	ck_assert_str_eq(m.rows[0].name, "pad.create");
	ck_assert_double_eq_tol(m.rows[0].rate, 3.0, 1e-9);
	ck_assert_str_eq(m.rows[1].name, "pad.list");
	ck_assert_double_eq_tol(m.rows[1].rate, 5.0, 1e-9);
	ck_assert_str_eq(m.rows[2].name, "pad.get");
	ck_assert_double_eq_tol(m.rows[2].rate, 2.0, 1e-9);
	server_model_free(&m);
}
END_TEST

START_TEST(counters_going_back_start_the_rates_over)
{
	struct server_model m;

	server_model_init(&m);
	sample(&m, stats_json(500, 1000, 5, json_object(), 1), 1.0);
	/* Restarted (or reconnected to another instance behind the load
	 * balancer): a negative rate would be nonsense. */
	sample(&m, stats_json(3, 12, 0, json_object(), 1), 3.0);
	ck_assert_int_eq(m.has_rate, 0);
	ck_assert_ptr_nonnull(strstr(line(&m, 2), "12 total, -/s"));
	sample(&m, stats_json(5, 22, 0, json_object(), 1), 5.0);
	ck_assert_int_eq(m.has_rate, 1);
	ck_assert_double_eq_tol(m.req_rate, 5.0, 1e-9);
	server_model_free(&m);
}
END_TEST

START_TEST(table_sorted_by_count_then_name)
{
	struct server_model m;
	char buf[256];

	server_model_init(&m);
	sample(&m,
	       stats_json(10, 30, 0,
	                  json_pack("{s:o, s:o, s:o, s:o}", "user.list",
	                            method(5, 0, 1, 2), "pad.list",
	                            method(20, 0, 0.104, 1.664), "b.same",
	                            method(5, 0, 1, 2), "session.login",
	                            method(1, 1, -1, -1)),
	                  1),
	       1.0);
	ck_assert_uint_eq(m.nrows, 4);
	ck_assert_str_eq(m.rows[0].name, "pad.list");
	ck_assert_str_eq(m.rows[1].name, "b.same");
	ck_assert_str_eq(m.rows[2].name, "user.list");
	ck_assert_str_eq(m.rows[3].name, "session.login");
	server_model_heading(76, buf, sizeof buf);
	ck_assert_str_eq(buf,
	                 "Method                             Count   Req/s  "
	                 "Errors    p50 ms    p99 ms");
	server_model_row(&m, 0, 76, buf, sizeof buf);
	ck_assert_str_eq(buf,
	                 "pad.list                              20       - "
	                 "      0     0.104      1.66");
	/* No request in the last five minutes: no latency, not 0. */
	server_model_row(&m, 3, 76, buf, sizeof buf);
	ck_assert_str_eq(buf,
	                 "session.login                          1       - "
	                 "      1         -         -");
	server_model_free(&m);
}
END_TEST

START_TEST(summary_says_what_is_down)
{
	struct server_model m;

	server_model_init(&m);
	sample(&m, stats_json(4000, 0, 0, json_object(), 1), 1.0);
	ck_assert_str_eq(line(&m, 0),
	                 "Server      padlined 0.1.0, up 1 h 06 min, 3 "
	                 "connections");
	ck_assert_str_eq(line(&m, 1), "Health      PostgreSQL up, Redis up");
	ck_assert_str_eq(line(&m, 3), "Pool        1 of 4 in use, 0 waiting");
	ck_assert_str_eq(line(&m, 4),
	                 "Outbox      2 unpublished, oldest 1 min");
	ck_assert_str_eq(line(&m, 5),
	                 "Sign-ins    7 failed in the last 15 min");
	sample(&m, stats_json(4002, 1, 0, json_object(), 0), 3.0);
	ck_assert_str_eq(line(&m, 1), "Health      PostgreSQL DOWN, Redis up");
	ck_assert_str_eq(line(&m, 4), "Outbox      unknown (PostgreSQL down)");
	server_model_free(&m);
}
END_TEST

/* Big numbers and a long method name: the widest a line gets. */
static void
sample_huge(struct server_model *m, long long step, double at)
{
	sample(m,
	       stats_json(9999999 + step, 123456789012LL + step,
	                  98765432109LL + step,
	                  json_pack("{s:o}",
	                            "a.method_name_much_longer_than_the_"
	                            "column_is_wide",
	                            method(123456789 + step, 12345678 + step,
	                                   123456.7, 9876543.2)),
	                  1),
	       at);
}

START_TEST(every_line_fits_80_columns)
{
	struct server_model m;
	char buf[256];

	server_model_init(&m);
	sample_huge(&m, 0, 1.0);
	sample_huge(&m, 10000, 3.0);
	/* 80 columns less the screen's margins. */
	for (int i = 0; i < SERVER_SUMMARY_LINES; i++)
		ck_assert_int_le((int)strlen(line(&m, i)), 76);
	server_model_heading(76, buf, sizeof buf);
	ck_assert_int_le((int)strlen(buf), 76);
	server_model_row(&m, 0, 76, buf, sizeof buf);
	ck_assert_int_le((int)strlen(buf), 76);
	ck_assert_ptr_nonnull(strstr(buf, "a.method_name_much_longer_than"));
	/* Narrower still: cut, never wrapped. */
	server_model_row(&m, 0, 40, buf, sizeof buf);
	ck_assert_int_eq((int)strlen(buf), 40);
	server_model_free(&m);
}
END_TEST

START_TEST(formats)
{
	char b[32];

	server_fmt_ms(0.1044, 1, b, sizeof b);
	ck_assert_str_eq(b, "0.104");
	server_fmt_ms(3.456, 1, b, sizeof b);
	ck_assert_str_eq(b, "3.46");
	server_fmt_ms(122.88, 1, b, sizeof b);
	ck_assert_str_eq(b, "122.9");
	server_fmt_ms(1234, 1, b, sizeof b);
	ck_assert_str_eq(b, "1.23 s");
	server_fmt_ms(5, 0, b, sizeof b);
	ck_assert_str_eq(b, "-");
	server_fmt_rate(0, b, sizeof b);
	ck_assert_str_eq(b, "0");
	server_fmt_rate(0.5, b, sizeof b);
	ck_assert_str_eq(b, "0.5");
	server_fmt_rate(123.4, b, sizeof b);
	ck_assert_str_eq(b, "123");
	server_fmt_rate(4567, b, sizeof b);
	ck_assert_str_eq(b, "4.6k");
	server_fmt_duration(42, b, sizeof b);
	ck_assert_str_eq(b, "42 s");
	server_fmt_duration(600, b, sizeof b);
	ck_assert_str_eq(b, "10 min");
	server_fmt_duration(3 * 3600 + 5 * 60, b, sizeof b);
	ck_assert_str_eq(b, "3 h 05 min");
	server_fmt_duration(2 * 86400 + 4 * 3600 + 59, b, sizeof b);
	ck_assert_str_eq(b, "2 d 4 h");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_server");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, rates_come_from_the_last_two_samples);
	tcase_add_test(tc, counters_going_back_start_the_rates_over);
	tcase_add_test(tc, table_sorted_by_count_then_name);
	tcase_add_test(tc, summary_says_what_is_down);
	tcase_add_test(tc, every_line_fits_80_columns);
	tcase_add_test(tc, formats);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
