/* End to end over TCP against a real padlined: hello, health, every
 * protocol error, pipelining order, oversize lines, garbage input,
 * notifications and half-closed connections. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;

static json_t *
raw_call(struct ts_client *c, const char *line)
{
	char *resp;
	json_t *j;

	ck_assert_int_eq(ts_client_send_raw(c, line, strlen(line)), 0);
	resp = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
	ck_assert_msg(resp != NULL, "no answer to %.80s", line);
	j = json_loads(resp, 0, NULL);
	ck_assert_msg(j != NULL, "answer is not JSON: %s", resp);
	free(resp);
	return j;
}

/* A plain socket, for what ts_client does not offer (shutdown). */
static int
raw_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Everything the server sends until it closes (30 s cap against a hang). */
static char *
raw_read_to_eof(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	long long t0 = ts_now_ms();
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (ts_now_ms() - t0 < 30000) {
		ssize_t r;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		if (n + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		if ((r = recv(fd, buf + n, cap - n - 1, 0)) <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Line i (0-based) of text parsed as JSON, or NULL. */
static json_t *
nth_line(const char *text, int i)
{
	const char *p = text, *nl;

	while (i-- > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	if (p == NULL || *p == '\0' || (nl = strchr(p, '\n')) == NULL)
		return NULL;
	return json_loadb(p, (size_t)(nl - p), 0, NULL);
}

static int
count_lines(const char *text)
{
	int n = 0;

	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	return n;
}

START_TEST(hello_and_health)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = ts_call(c, "server.hello", NULL), *res = ts_result(r);
	json_t *rules;

	ck_assert_ptr_nonnull(res);
	ck_assert_str_eq(json_string_value(json_object_get(res, "server")),
	                 "padlined");
	ck_assert_str_eq(
	    json_string_value(json_object_get(res, "registration")), "open");
	ck_assert_int_gt(json_string_length(json_object_get(res, "form_token")),
	                 20);
	rules =
	    json_object_get(json_object_get(res, "password_policy"), "rules");
	ck_assert_int_ge(json_array_size(rules), 6);
	json_decref(r);

	r = ts_call(c, "server.health", NULL);
	res = ts_result(r);
	ck_assert_str_eq(json_string_value(json_object_get(res, "db")), "up");
	ck_assert_str_eq(json_string_value(json_object_get(res, "redis")),
	                 "up");
	/* Migration versions are the file names' date prefixes. */
	ck_assert_int_ge(json_string_length(json_object_get(res, "migrations")),
	                 15);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(every_protocol_error)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	struct {
		const char *line;
		int code;
	} cases[] = {
	    {"this is not json\n", -32700},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\n", -32700},
	    {"\"a string\"\n", -32600},
	    {"[]\n", -32600},
	    {"{\"id\":1,\"method\":\"server.hello\"}\n", -32600},
	    {"{\"jsonrpc\":\"2.0\",\"id\":[],\"method\":\"server.hello\"}\n",
	     -32600},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"no.such\"}\n", -32601},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\","
	     "\"params\":[1]}\n",
	     -32602},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pad.list\"}\n", 401},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *r = raw_call(c, cases[i].line);

		ck_assert_msg(ts_error_code(r) == cases[i].code,
		              "%s: got %d, want %d", cases[i].line,
		              ts_error_code(r), cases[i].code);
		ck_assert_ptr_nonnull(
		    json_object_get(json_object_get(r, "error"), "message"));
		json_decref(r);
	}
	/* The connection is still usable after all of that. */
	json_t *r = ts_call(c, "server.health", NULL);
	ck_assert_ptr_nonnull(ts_result(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(oversize_line_is_refused_and_closed)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	size_t n = 4200 * 1024; /* past the 4 MiB default max_line */
	char *big = malloc(n);
	char *resp;
	json_t *j;
	int eof = 0;

	memset(big, ' ', n);
	memcpy(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"p\":\"",
	       42);
	ts_client_send_raw(c, big, n); /* may fail once the server closes */
	free(big);
	resp = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
	ck_assert_ptr_nonnull(resp);
	j = json_loads(resp, 0, NULL);
	ck_assert_int_eq(ts_error_code(j), -32600);
	json_decref(j);
	free(resp);
	resp = ts_client_read_line(c, TS_PATIENCE_MS, &eof);
	ck_assert_ptr_null(resp);
	ck_assert_int_eq(eof, 1);
	ts_client_free(c);
}
END_TEST

START_TEST(pipelined_requests_answer_in_order)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *buf = malloc(200 * 128), *p = buf;

	for (int i = 0; i < 200; i++)
		p += sprintf(
		    p, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\"}\n", i,
		    i % 3 ? "server.health" : "template.list");
	ck_assert_int_eq(ts_client_send_raw(c, buf, (size_t)(p - buf)), 0);
	free(buf);
	for (int i = 0; i < 200; i++) {
		char *line = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
		json_t *j;

		ck_assert_msg(line != NULL, "answer %d missing", i);
		j = json_loads(line, 0, NULL);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		                 i);
		ck_assert_ptr_nonnull(ts_result(j));
		json_decref(j);
		free(line);
	}
	ts_client_free(c);
}
END_TEST

START_TEST(garbage_does_not_kill_the_server)
{
	unsigned rng = 42;

	for (int round = 0; round < 20; round++) {
		struct ts_client *c = ts_client_connect(tenv.srv.port);
		char junk[4096];
		size_t n = 1 + (size_t)(rand_r(&rng) % sizeof junk);

		ck_assert_ptr_nonnull(c);
		for (size_t i = 0; i < n; i++)
			junk[i] = (char)(rand_r(&rng) & 0xff);
		junk[n - 1] = '\n';
		ts_client_send_raw(c, junk, n);
		/* Invalid UTF-8 inside an otherwise valid request. */
		ts_client_send_raw(c,
		                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		                   "\"\xc3\x28\"}\n",
		                   40);
		ts_client_free(c);
	}
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = ts_call(c, "server.health", NULL);

	ck_assert_ptr_nonnull(ts_result(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(invalid_utf8_is_a_parse_error)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = raw_call(c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
	                        "\"\xff\xfe\"}\n");

	ck_assert_int_eq(ts_error_code(r), -32700);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(notifications_get_no_reply_but_run)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char line[512];
	json_t *r;

	ck_assert_int_eq(
	    ts_create_user(tenv.schema, "notify_u", TS_PASSWORD, 0), 0);
	/* Unanswered but executed: the login binds the session, so the
	 * pad.list after it succeeds; a failing notification (unknown
	 * method) is silent too. */
	snprintf(line, sizeof line,
	         "{\"jsonrpc\":\"2.0\",\"method\":\"session.login\","
	         "\"params\":{\"username\":\"notify_u\",\"password\":"
	         "\"" TS_PASSWORD "\"}}\n"
	         "{\"jsonrpc\":\"2.0\",\"method\":\"no.such\"}\n"
	         "{\"jsonrpc\":\"2.0\",\"method\":\"server.health\","
	         "\"params\":[1]}\n"
	         "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"pad.list\"}\n");
	r = raw_call(c, line);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 7);
	ck_assert_msg(ts_result(r) != NULL, "pad.list after login: %d",
	              ts_error_code(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(whitespace_line_is_ignored_like_an_empty_one)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = raw_call(c, "\n   \t \r\n \n{\"jsonrpc\":\"2.0\",\"id\":3,"
	                        "\"method\":\"server.health\"}\n");

	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 3);
	ck_assert_ptr_nonnull(ts_result(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(requests_before_an_oversize_line_are_answered_first)
{
	int fd = raw_connect(tenv.srv.port);
	static const char good[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"template.list\"}\n";
	/* past max_line whether its default is 1 MiB or 4 MiB */
	size_t n = sizeof good - 1 + 4200 * 1024, len;
	char *buf = malloc(n), *text;
	json_t *j;

	memcpy(buf, good, sizeof good - 1);
	memset(buf + sizeof good - 1, 'x', n - (sizeof good - 1));
	send(fd, buf, n, MSG_NOSIGNAL); /* may stop short once closed */
	free(buf);
	text = raw_read_to_eof(fd, &len);
	ck_assert_msg(count_lines(text) == 3, "want 3 lines, got: %.300s",
	              text);
	for (int i = 0; i < 2; i++) {
		j = nth_line(text, i);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		                 i + 1);
		ck_assert_ptr_nonnull(ts_result(j));
		json_decref(j);
	}
	j = nth_line(text, 2);
	ck_assert_int_eq(ts_error_code(j), -32600);
	json_decref(j);
	free(text);
	close(fd);
}
END_TEST

START_TEST(half_close_gets_every_answer)
{
	int fd = raw_connect(tenv.srv.port);
	static const char reqs[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"template.list\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"server.hello\"}\n";
	size_t len;
	char *text;

	ck_assert_int_eq(send(fd, reqs, sizeof reqs - 1, MSG_NOSIGNAL),
	                 (ssize_t)(sizeof reqs - 1));
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	text = raw_read_to_eof(fd, &len);
	ck_assert_msg(count_lines(text) == 3, "want 3 answers, got: %.300s",
	              text);
	for (int i = 0; i < 3; i++) {
		json_t *j = nth_line(text, i);

		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		                 i + 1);
		ck_assert_ptr_nonnull(ts_result(j));
		json_decref(j);
	}
	free(text);
	close(fd);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "proto"};

int
main(void)
{
	Suite *s = suite_create("e2e_protocol");
	TCase *tc = tcase_create("protocol");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hello_and_health);
	tcase_add_test(tc, every_protocol_error);
	tcase_add_test(tc, oversize_line_is_refused_and_closed);
	tcase_add_test(tc, pipelined_requests_answer_in_order);
	tcase_add_test(tc, garbage_does_not_kill_the_server);
	tcase_add_test(tc, invalid_utf8_is_a_parse_error);
	tcase_add_test(tc, notifications_get_no_reply_but_run);
	tcase_add_test(tc, whitespace_line_is_ignored_like_an_empty_one);
	tcase_add_test(tc, requests_before_an_oversize_line_are_answered_first);
	tcase_add_test(tc, half_close_gets_every_answer);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
