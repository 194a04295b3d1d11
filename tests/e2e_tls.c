/* padlined with PADLINE_TLS_CERT/KEY: a TLS client written here (OpenSSL,
 * blocking sockets) verifies the certificate and runs requests, pipelined
 * too; a plaintext client gets one clear error line and is closed; garbage
 * and a client vanishing mid-handshake cost nothing; a connection over the
 * limits is closed without a plaintext byte; bad TLS settings stop
 * padlined at start; a plaintext listener on a non-loopback address warns
 * at startup, one on loopback does not. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tsupport.h"

static struct ts_tls_files f;
static struct ts_env tenv;

struct tclient {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[1 << 16];
	size_t len;
	int next_id;
};

static int
tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port)};
	struct timeval tv = {TS_PATIENCE_MS / 1000, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* 0 when the handshake (verifying against ca) succeeded. */
static int
tc_open(struct tclient *c, int port, const char *ca)
{
	memset(c, 0, sizeof *c);
	c->fd = tcp_connect(port);
	c->ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(c->ctx, ca, NULL);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set1_host(c->ssl, "127.0.0.1");
	return SSL_connect(c->ssl) == 1 ? 0 : -1;
}

static void
tc_close(struct tclient *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	close(c->fd);
	ERR_clear_error();
}

static void
tc_send(struct tclient *c, const char *data)
{
	ck_assert_int_eq(SSL_write(c->ssl, data, (int)strlen(data)),
	                 (int)strlen(data));
}

/* One reply line (malloc'd) or NULL at EOF/timeout. */
static char *
tc_line(struct tclient *c)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		int n;

		if (nl != NULL) {
			size_t k = (size_t)(nl - c->buf);
			char *line = strndup(c->buf, k);

			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			return line;
		}
		if (c->len == sizeof c->buf)
			return NULL;
		n = SSL_read(c->ssl, c->buf + c->len,
		             (int)(sizeof c->buf - c->len));
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

static json_t *
tc_call(struct tclient *c, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id",
	                        ++c->next_id, "method", method);
	char *text, *line;
	json_t *resp;

	if (params)
		json_object_set_new(req, "params", params);
	text = json_dumps(req, JSON_COMPACT);
	tc_send(c, text);
	tc_send(c, "\n");
	free(text);
	json_decref(req);
	line = tc_line(c);
	ck_assert_msg(line != NULL, "no reply to %s", method);
	resp = json_loads(line, 0, NULL);
	free(line);
	return resp;
}

static void
setup(void)
{
	const char *tls_env[] = {f.env_cert, f.env_key, NULL};
	const struct ts_env_opts opts = {.prefix = "tls", .env = tls_env};

	ts_tls_files_make(&f);
	ts_env_start(&tenv, &opts);
}

static void
teardown(void)
{
	ts_env_stop(&tenv);
	ts_tls_files_remove(&f);
}

/* A plaintext server.health answers on port. */
static void
assert_alive_plain(int port)
{
	struct ts_client *c = ts_client_connect(port);
	json_t *r;

	ck_assert_ptr_nonnull(c);
	r = ts_call(c, "server.health", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ts_client_free(c);
}

static void
assert_alive(void)
{
	struct tclient c;
	json_t *r;

	ck_assert_int_eq(tc_open(&c, tenv.srv.port, f.cert), 0);
	r = tc_call(&c, "server.health", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(ts_result(r), "db")),
	                 "up");
	json_decref(r);
	tc_close(&c);
}

START_TEST(happy_path)
{
	struct tclient c;
	json_t *r;
	char *tok;
	const char *t;

	ck_assert_int_eq(tc_open(&c, tenv.srv.port, f.cert), 0);
	ck_assert_int_eq(SSL_get_verify_result(c.ssl), X509_V_OK);
	ck_assert_int_ge(SSL_version(c.ssl), TLS1_2_VERSION);
	r = tc_call(&c, "server.hello", NULL);
	t = json_string_value(json_object_get(ts_result(r), "form_token"));
	ck_assert_ptr_nonnull(t);
	tok = strdup(t);
	json_decref(r);
	r = tc_call(&c, "user.register",
	            json_pack("{s:s, s:s, s:s}", "form_token", tok, "username",
	                      "tess", "password", TS_PASSWORD));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	free(tok);
	r = tc_call(&c, "session.login",
	            json_pack("{s:s, s:s}", "username", "tess", "password",
	                      TS_PASSWORD));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	/* Three requests in one record: three replies, in order. */
	tc_send(&c, "{\"jsonrpc\":\"2.0\",\"id\":71,\"method\":\"server."
	            "health\"}\n{\"jsonrpc\":\"2.0\",\"id\":72,\"method\":"
	            "\"pad.list\"}\n{\"jsonrpc\":\"2.0\",\"id\":73,"
	            "\"method\":\"server.health\"}\n");
	for (int id = 71; id <= 73; id++) {
		char *line = tc_line(&c);

		ck_assert_ptr_nonnull(line);
		r = json_loads(line, 0, NULL);
		ck_assert_int_eq(json_integer_value(json_object_get(r, "id")),
		                 id);
		ck_assert_int_eq(ts_error_code(r), 0);
		json_decref(r);
		free(line);
	}
	tc_close(&c);
}
END_TEST

START_TEST(wrong_ca_refused_by_the_client)
{
	struct tclient c;

	ck_assert_int_eq(tc_open(&c, tenv.srv.port, f.other_cert), -1);
	tc_close(&c);
	assert_alive();
}
END_TEST

/* server.stats' requests.errors, asked over TLS on an admin's session. */
static long long
stats_errors(struct tclient *admin)
{
	json_t *r = tc_call(admin, "server.stats", NULL);
	long long n;

	ck_assert_int_eq(ts_error_code(r), 0);
	n = json_integer_value(json_object_get(
	    json_object_get(ts_result(r), "requests"), "errors"));
	json_decref(r);
	return n;
}

START_TEST(plaintext_client_refused_cleanly)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	const char *hello = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	                    "\"server.hello\"}\n";
	struct tclient admin;
	long long errors;
	char *line;
	json_t *r;
	int eof = 0;

	ck_assert_int_eq(ts_create_user(tenv.schema, "root", TS_PASSWORD, 1),
	                 0);
	ck_assert_int_eq(tc_open(&admin, tenv.srv.port, f.cert), 0);
	r = tc_call(&admin, "session.login",
	            json_pack("{s:s, s:s}", "username", "root", "password",
	                      TS_PASSWORD));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	errors = stats_errors(&admin);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_client_send_raw(c, hello, strlen(hello)), 0);
	line = ts_client_read_line(c, TS_PATIENCE_MS, &eof);
	ck_assert_msg(line != NULL, "no refusal line");
	r = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(ts_error_code(r), -32600);
	ck_assert_str_eq(ts_error_reason(r), "tls_required");
	json_decref(r);
	free(line);
	/* Then the connection ends. */
	ck_assert_ptr_null(ts_client_read_line(c, TS_PATIENCE_MS, &eof));
	ck_assert(eof);
	ts_client_free(c);
	/* server.stats counts it as a refused request. */
	ck_assert_int_eq(stats_errors(&admin), errors + 1);
	tc_close(&admin);
	assert_alive();
}
END_TEST

START_TEST(garbage_and_half_handshakes)
{
	/* A handshake record type, then nonsense; then a bare hello cut. */
	static const char junk[] = "\x16\x03\x01\x00\x05hello-not-tls";
	struct ts_client *c;
	int eof = 0;

	for (int i = 0; i < 20; i++) {
		c = ts_client_connect(tenv.srv.port);
		ck_assert_ptr_nonnull(c);
		ts_client_send_raw(c, junk, i % 2 ? sizeof junk - 1 : 3);
		if (i % 2)
			free(ts_client_read_line(c, TS_PATIENCE_MS, &eof));
		ts_client_free(c); /* vanishes, maybe mid-handshake */
	}
	assert_alive();
}
END_TEST

START_TEST(bad_settings_stop_padlined)
{
	char bad_key[600], *err = NULL;
	const char *only_cert[] = {f.env_cert, NULL};
	const char *mismatch[] = {f.env_cert, bad_key, NULL};

	ck_assert_int_eq(
	    ts_padlined_run(tenv.schema, only_cert, NULL, NULL, 60, NULL, &err),
	    2);
	ck_assert_msg(strstr(err, "PADLINE_TLS_KEY") != NULL, "%s", err);
	free(err);
	snprintf(bad_key, sizeof bad_key, "PADLINE_TLS_KEY=%s", f.other_key);
	ck_assert_int_ne(
	    ts_padlined_run(tenv.schema, mismatch, NULL, NULL, 60, NULL, &err),
	    0);
	ck_assert_msg(strstr(err, f.other_key) != NULL, "%s", err);
	free(err);
}
END_TEST

/* A TLS connection to a server that takes one per address, once the
 * previous one is gone on the server's side too. */
static void
open_when_free(struct tclient *c, int port)
{
	long long end = ts_now_ms() + TS_PATIENCE_MS;

	while (tc_open(c, port, f.cert) != 0) {
		tc_close(c);
		ck_assert_msg(ts_now_ms() < end, "never let in");
	}
}

START_TEST(over_the_limit_closed_without_plaintext)
{
	const char *env[] = {f.env_cert, f.env_key,
	                     "PADLINE_MAX_CONNECTIONS_PER_IP=1", NULL};
	struct ts_server full;
	struct ts_client *raw;
	struct tclient first, second;
	json_t *r;
	char *line, *log;
	int eof = 0;

	ck_assert_int_eq(ts_server_start(&full, tenv.schema, env, NULL), 0);
	/* ts_server_start's own probe may not be closed on its side yet. */
	open_when_free(&first, full.port);
	r = tc_call(&first, "server.health", NULL); /* it is counted */
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	/* Before the fix this read a plaintext too_many_connections line. */
	raw = ts_client_connect(full.port);
	ck_assert_ptr_nonnull(raw);
	line = ts_client_read_line(raw, TS_PATIENCE_MS, &eof);
	ck_assert_msg(line == NULL, "plaintext on a TLS listener: %s", line);
	ck_assert(eof);
	ts_client_free(raw);
	ck_assert_int_eq(tc_open(&second, full.port, f.cert), -1);
	tc_close(&second);
	log = ts_file_read(full.log_path);
	ck_assert_msg(strstr(log, "too_many_connections") != NULL, "%s", log);
	free(log);
	/* The first one still works; once it leaves, others get in. */
	r = tc_call(&first, "server.health", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	tc_close(&first);
	open_when_free(&second, full.port);
	tc_close(&second);
	ts_server_stop(&full);
}
END_TEST

/* The log of a plaintext padlined started on host (then stopped). */
static char *
plaintext_log_on(const char *host)
{
	struct ts_server s;
	char *log;

	setenv("PADLINE_TEST_LISTEN_HOST", host, 1);
	ck_assert_int_eq(ts_server_start(&s, tenv.schema, NULL, NULL), 0);
	unsetenv("PADLINE_TEST_LISTEN_HOST");
	/* Once it serves, the startup lines are written. */
	assert_alive_plain(s.port);
	ts_server_stop(&s);
	log = ts_file_read(s.log_path);
	return log;
}

START_TEST(non_loopback_plaintext_warns)
{
	char *log = plaintext_log_on("0.0.0.0");

	ck_assert_msg(strstr(log, "listening without TLS on a non-loopback "
	                          "address") != NULL,
	              "%s", log);
	ck_assert_msg(strstr(log, "addr=0.0.0.0:") != NULL, "%s", log);
	free(log);
	log = plaintext_log_on("127.0.0.1");
	ck_assert_msg(strstr(log, "without TLS") == NULL, "%s", log);
	free(log);
	/* Nor does the TLS one (on loopback here), which names its
	 * certificate's fingerprint for clients to compare. */
	log = ts_file_read(tenv.srv.log_path);
	ck_assert_msg(strstr(log, "without TLS") == NULL, "%s", log);
	ck_assert_msg(strstr(log, "fingerprint=SHA256:") != NULL, "%s", log);
	free(log);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");

	signal(SIGPIPE, SIG_IGN); /* a client writing to a refused socket */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, happy_path);
	tcase_add_test(tc, wrong_ca_refused_by_the_client);
	tcase_add_test(tc, plaintext_client_refused_cleanly);
	tcase_add_test(tc, garbage_and_half_handshakes);
	tcase_add_test(tc, bad_settings_stop_padlined);
	tcase_add_test(tc, over_the_limit_closed_without_plaintext);
	tcase_add_test(tc, non_loopback_plaintext_warns);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
