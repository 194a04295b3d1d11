/*
 * Unit tests for the metrics endpoint's pure parts: the Prometheus text
 * rendered from a server.stats report (server/metrics_text.c) and the
 * strict request reader and responses (server/metrics_http.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_http.h"
#include "metrics_text.h"

#include "tsupport.h"

/* A report shaped like stats_report_json()'s, probed. */
static json_t *
full_report(void)
{
	json_t *r = json_pack(
	    "{s:s, s:i, s:i, s:{s:i, s:i, s:{s:{s:i, s:i, s:f, s:f}, "
	    "s:{s:i, s:i, s:n, s:n}}}, s:{s:b, s:i, s:i, s:i}, s:{s:b}, "
	    "s:{s:i, s:f}, s:i}",
	    "version", "1.2.3", "uptime_s", 42, "connections", 3, "requests",
	    "total", 10, "errors", 4, "methods", "pad.create", "count", 7,
	    "errors", 1, "p50_ms", 1.5, "p99_ms", 250.0, "server.stats",
	    "count", 3, "errors", 3, "p50_ms", "p99_ms", "db", "up", 1, "pool",
	    8, "in_use", 2, "waiting", 0, "redis", "up", 0, "outbox",
	    "unpublished", 17, "oldest_s", 12.5, "logins_failed_15m", 5);

	json_object_set_new(
	    r, "signup",
	    json_loads("{\"attempts\":{\"created\":9,\"held\":2,"
	               "\"refused\":4,\"invalid\":1,\"duplicate\":0,"
	               "\"failed\":0},\"alarms\":{\"enforce\":3,"
	               "\"shadow\":1},\"rule_hits\":{\"enforce\":{"
	               "\"alarm\":5,\"hold\":2,\"block\":4},\"shadow\":{"
	               "\"alarm\":0,\"hold\":0,\"block\":1}},"
	               "\"decisions\":{\"approved\":1,\"rejected\":1}}",
	               0, NULL));
	json_object_set_new(r, "events",
	                    json_pack("{s:i, s:i, s:i}", "published", 40,
	                              "groups", 6, "relayed", 2));
	return r;
}

static char *
render(json_t *report, double age)
{
	size_t len;
	char *text = metrics_text_render(report, age, &len);

	ck_assert_uint_eq(strlen(text), len);
	json_decref(report);
	return text;
}

/* A whole line of text (without its newline) is there. */
static void
assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	ck_abort_msg("no line \"%s\" in:\n%s", line, text);
}

START_TEST(renders_every_figure_of_the_report)
{
	char *t = render(full_report(), 2.5);

	assert_line(t, "padline_build_info{version=\"1.2.3\"} 1");
	assert_line(t, "padline_uptime_seconds 42");
	assert_line(t, "padline_connections 3");
	assert_line(t, "padline_requests_total{outcome=\"ok\"} 6");
	assert_line(t, "padline_requests_total{outcome=\"error\"} 4");
	assert_line(t, "padline_method_requests_total{method=\"pad.create\","
	               "outcome=\"ok\"} 6");
	assert_line(t, "padline_method_requests_total{method=\"pad.create\","
	               "outcome=\"error\"} 1");
	assert_line(t, "padline_method_requests_total{method=\"server.stats\","
	               "outcome=\"ok\"} 0");
	assert_line(t, "padline_method_latency_p50_seconds{method=\"pad."
	               "create\"} 0.0015");
	assert_line(t, "padline_method_latency_p99_seconds{method=\"pad."
	               "create\"} 0.25");
	assert_line(t, "padline_db_up 1");
	assert_line(t, "padline_db_pool_connections 8");
	assert_line(t, "padline_db_pool_in_use 2");
	assert_line(t, "padline_db_pool_waiting 0");
	assert_line(t, "padline_redis_up 0");
	assert_line(t, "padline_outbox_unpublished 17");
	assert_line(t, "padline_outbox_oldest_age_seconds 12.5");
	assert_line(t, "padline_logins_failed_15m 5");
	assert_line(t, "padline_probe_age_seconds 2.5");
	assert_line(t, "padline_signup_attempts_total{outcome=\"created\"} 9");
	assert_line(t, "padline_signup_attempts_total{outcome=\"failed\"} 0");
	assert_line(t, "padline_signup_alarms_total{mode=\"shadow\"} 1");
	assert_line(t, "padline_signup_rule_hits_total{mode=\"enforce\","
	               "action=\"block\"} 4");
	assert_line(t, "padline_signup_rule_hits_total{mode=\"shadow\","
	               "action=\"block\"} 1");
	assert_line(t,
	            "padline_signup_decisions_total{decision=\"rejected\"} 1");
	assert_line(t, "padline_events_published_total 40");
	assert_line(t, "padline_event_groups_total 6");
	assert_line(t, "padline_events_relayed_total 2");
	/* A method with no latency in the window has none, not a zero. */
	ck_assert_ptr_null(strstr(t, "latency_p50_seconds{method=\"server."));
	free(t);
}
END_TEST

/* The format's rules: every sample belongs to the family announced by the
 * # HELP and # TYPE lines just before it, counters end in _total, a
 * family appears once, and the text ends with a newline. */
START_TEST(families_are_announced_once_and_typed)
{
	char *t = render(full_report(), 0), *save = NULL, *copy = strdup(t);
	char family[128] = "", seen[4096] = " ";
	char type[32] = "";

	ck_assert_int_eq(t[strlen(t) - 1], '\n');
	for (char *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[128], key[160];

		if (sscanf(l, "# HELP %127s", name) == 1) {
			snprintf(key, sizeof key, " %s ", name);
			ck_assert_msg(strstr(seen, key) == NULL,
			              "%s announced twice", name);
			strcat(seen, name);
			strcat(seen, " ");
			snprintf(family, sizeof family, "%s", name);
			type[0] = '\0';
			continue;
		}
		if (sscanf(l, "# TYPE %127s %31s", name, type) == 2) {
			ck_assert_str_eq(name, family);
			ck_assert_msg(strcmp(type, "counter") != 0 ||
			                  strstr(name, "_total") ==
			                      name + strlen(name) - 6,
			              "counter %s lacks _total", name);
			continue;
		}
		ck_assert_msg(l[0] != '#', "stray comment %s", l);
		ck_assert_msg(type[0] != '\0', "sample before # TYPE: %s", l);
		ck_assert_msg(
		    strncmp(l, family, strlen(family)) == 0 &&
		        (l[strlen(family)] == ' ' || l[strlen(family)] == '{'),
		    "sample %s outside its family %s", l, family);
	}
	free(copy);
	free(t);
}
END_TEST

START_TEST(unprobed_figures_are_left_out)
{
	json_t *r = full_report();
	char *t;

	json_object_del(r, "redis");
	json_object_del(r, "outbox");
	json_object_del(json_object_get(r, "db"), "up");
	t = render(r, -1);
	ck_assert_ptr_null(strstr(t, "padline_db_up"));
	ck_assert_ptr_null(strstr(t, "padline_redis_up"));
	ck_assert_ptr_null(strstr(t, "padline_outbox"));
	ck_assert_ptr_null(strstr(t, "padline_probe_age_seconds"));
	assert_line(t, "padline_db_pool_connections 8");
	free(t);

	/* PostgreSQL down: server.stats says null, metrics say nothing. */
	r = full_report();
	json_object_set_new(r, "outbox",
	                    json_pack("{s:n, s:n}", "unpublished", "oldest_s"));
	json_object_set_new(json_object_get(r, "db"), "up", json_false());
	t = render(r, 0);
	assert_line(t, "padline_db_up 0");
	ck_assert_ptr_null(strstr(t, "padline_outbox"));
	free(t);
}
END_TEST

START_TEST(label_values_are_escaped)
{
	json_t *r =
	    json_pack("{s:s, s:{s:i, s:i, s:{s:{s:i, s:i}}}}", "version",
	              "a\"b\\c\nd", "requests", "total", 1, "errors", 0,
	              "methods", "x\"y", "count", 1, "errors", 0);
	char *t = render(r, -1);

	assert_line(t, "padline_build_info{version=\"a\\\"b\\\\c\\nd\"} 1");
	assert_line(t, "padline_method_requests_total{method=\"x\\\"y\","
	               "outcome=\"ok\"} 1");
	free(t);
}
END_TEST

/* ---- the request reader ---------------------------------------------- */

struct verdict {
	const char *request;
	int status;
};

static void
assert_verdicts(const struct verdict *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(
		    metrics_http_read(v[i].request, strlen(v[i].request)) ==
		        v[i].status,
		    "%s: got %d, want %d", v[i].request,
		    metrics_http_read(v[i].request, strlen(v[i].request)),
		    v[i].status);
}

START_TEST(answers_get_metrics_only)
{
	static const struct verdict v[] = {
	    {"GET /metrics HTTP/1.1\r\nHost: a:1\r\n\r\n", 200},
	    {"GET /metrics HTTP/1.0\r\n\r\n", 200},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: text/plain;"
	     "version=0.0.4;q=0.5,*/*;q=0.1\r\nUser-Agent: Prometheus/2.42\r\n"
	     "Content-Length: 0\r\n\r\n",
	     200},
	    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 404},
	    {"GET /metrics/ HTTP/1.1\r\nHost: a\r\n\r\n", 404},
	    {"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 404},
	    {"GET /metricsx HTTP/1.1\r\nHost: a\r\n\r\n", 404},
	    {"POST /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	    {"HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	    {"get /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	    {"GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n", 505},
	    {"GET /metrics HTTP/1.2\r\nHost: a\r\n\r\n", 505},
	};

	assert_verdicts(v, sizeof v / sizeof v[0]);
}
END_TEST

START_TEST(waits_for_the_whole_head)
{
	static const struct verdict v[] = {
	    {"", 0},
	    {"GET /met", 0},
	    {"GET /metrics HTTP/1.1\r", 0},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\n\r", 0},
	};

	assert_verdicts(v, sizeof v / sizeof v[0]);
}
END_TEST

START_TEST(refuses_malformed_requests)
{
	static const struct verdict v[] = {
	    /* line ends: CRLF only */
	    {"GET /metrics HTTP/1.1\nHost: a\n\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\rHost: a\r\n\r\n", 400},
	    /* the request line */
	    {"\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /metrics  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET http://a/metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /metrics\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
	    {"GET /metrics HTTX/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /metrics HTTP/11\r\nHost: a\r\n\r\n", 400},
	    {"G(T /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    /* headers */
	    {"GET /metrics HTTP/1.1\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400},
	    /* a body: never read, so never accepted */
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
	     400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
	     400},
	    {"GET /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n",
	     400},
	    /* binary noise is refused before any line end */
	    {"\x16\x03\x01\x02", 400},
	    {"GET /metr\x1b[2J", 400},
	};

	assert_verdicts(v, sizeof v / sizeof v[0]);
	/* A NUL inside a line (strlen would stop at it): in the target, a
	 * header name, the method. */
	ck_assert_int_eq(metrics_http_read("GET /m\0x HTTP/1.1\r\n\r\n", 21),
	                 400);
	ck_assert_int_eq(
	    metrics_http_read("GET /metrics HTTP/1.0\r\nX\0Y: a\r\n\r\n", 33),
	    400);
	ck_assert_int_eq(
	    metrics_http_read("GE\0T /metrics HTTP/1.0\r\n\r\n", 26), 400);
}
END_TEST

START_TEST(bounds_the_head)
{
	char big[METRICS_HTTP_MAX + 1];
	int n = snprintf(big, sizeof big,
	                 "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Pad: ");

	memset(big + n, 'a', sizeof big - 1 - (size_t)n);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(metrics_http_read(big, METRICS_HTTP_MAX - 1), 0);
	ck_assert_int_eq(metrics_http_read(big, METRICS_HTTP_MAX), 431);
	/* A complete head just inside the bound is answered. */
	memcpy(big + METRICS_HTTP_MAX - 4, "\r\n\r\n", 4);
	ck_assert_int_eq(metrics_http_read(big, METRICS_HTTP_MAX), 200);
}
END_TEST

START_TEST(responses_close_and_say_their_length)
{
	static const int statuses[] = {200, 400, 404, 405, 431, 505};

	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		size_t len, body_len;
		char *r = metrics_http_response(statuses[i], "x 1\n", 4, &len);
		char *body = strstr(r, "\r\n\r\n");
		char want[32];

		ck_assert_uint_eq(strlen(r), len);
		snprintf(want, sizeof want, "HTTP/1.1 %d ", statuses[i]);
		ck_assert_msg(strncmp(r, want, strlen(want)) == 0, "%s", r);
		ck_assert_ptr_nonnull(strstr(r, "\r\nConnection: close\r\n"));
		ck_assert_ptr_nonnull(body);
		ck_assert_int_eq(sscanf(strstr(r, "Content-Length: "),
		                        "Content-Length: %zu", &body_len),
		                 1);
		ck_assert_uint_eq(body_len, strlen(body + 4));
		if (statuses[i] == 200) {
			ck_assert_str_eq(body + 4, "x 1\n");
			ck_assert_ptr_nonnull(
			    strstr(r, "\r\nContent-Type: text/plain; "
			              "version=0.0.4; charset=utf-8\r\n"));
		}
		if (statuses[i] == 405)
			ck_assert_ptr_nonnull(strstr(r, "\r\nAllow: GET\r\n"));
		free(r);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_metrics");
	TCase *text = tcase_create("text"), *http = tcase_create("http");

	tcase_add_test(text, renders_every_figure_of_the_report);
	tcase_add_test(text, families_are_announced_once_and_typed);
	tcase_add_test(text, unprobed_figures_are_left_out);
	tcase_add_test(text, label_values_are_escaped);
	tcase_add_test(http, answers_get_metrics_only);
	tcase_add_test(http, waits_for_the_whole_head);
	tcase_add_test(http, refuses_malformed_requests);
	tcase_add_test(http, bounds_the_head);
	tcase_add_test(http, responses_close_and_say_their_length);
	suite_add_tcase(s, text);
	suite_add_tcase(s, http);
	return ts_run(s);
}
