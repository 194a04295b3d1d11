/*
 * PADLINE_TRUSTED_PROXIES against a real padlined: this test is the proxy
 * (127.0.0.1, trusted) and speaks the PROXY protocol itself. The header's
 * address becomes the peer of sessions, audit rows and the per-address
 * connection cap; LOCAL (a health check) is served as the proxy's own and
 * never counts; a trusted peer without a valid header is closed; an
 * untrusted one (127.0.0.5) is never read for a header: a PROXY line is an
 * invalid request as it always was. TLS listeners read the header first.
 * A connection still waiting for its header when SIGTERM comes hears
 * server.closing only after the header.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "protocol.h"
#include "tsupport.h"

#define CAP 3 /* PADLINE_MAX_CONNECTIONS_PER_IP */

static struct ts_env tenv;
static const char *const proxy_env[] = {
    "PADLINE_TRUSTED_PROXIES=127.0.0.1/32, ::1",
    "PADLINE_MAX_CONNECTIONS_PER_IP=" PL_STR(CAP), NULL};
static const struct ts_env_opts opts = {
    .prefix = "proxy",
    .env = proxy_env,
    .users = {{"paula", 0}},
};

/* A connection from the trusted proxy that has sent header (len bytes). */
static struct ts_client *
proxied(const void *header, size_t len)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_client_send_raw(c, header, len), 0);
	return c;
}

static struct ts_client *
proxied_text(const char *text)
{
	return proxied(text, strlen(text));
}

static struct ts_client *
proxied_v2(const char *src)
{
	unsigned char h[128];

	return proxied(h, ts_proxy_v2(h, src, "192.0.2.1", 0));
}

static int
health_ok(struct ts_client *c)
{
	json_t *r = ts_call(c, "server.health", NULL);
	int ok = r != NULL && ts_result(r) != NULL;

	json_decref(r);
	return ok;
}

/* Waits (up to TS_PATIENCE_MS: it only catches a hang) for the server to
 * close c; 1 when it did without sending a byte. */
static int
closed_unanswered(struct ts_client *c)
{
	int eof = 0;
	char *line = ts_client_read_line(c, TS_PATIENCE_MS, &eof);
	int ok = line == NULL && eof;

	if (line != NULL)
		fprintf(stderr, "proxy: unexpected answer %s\n", line);
	free(line);
	return ok;
}

static long long
count1(const char *sql, const char *param)
{
	PGconn *db = ts_db_connect(tenv.schema);
	const char *const p[] = {param};
	long long n = ts_db_count(db, sql, 1, p);

	PQfinish(db);
	return n;
}

START_TEST(v2_header_makes_the_session_peer)
{
	unsigned char buf[256];
	const char *login = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	                    "\"session.login\",\"params\":{\"username\":"
	                    "\"paula\",\"password\":\"" TS_PASSWORD "\"}}\n";
	size_t n = ts_proxy_v2(buf, "203.0.113.7", "192.0.2.1", 40);
	struct ts_client *c;
	char *line;

	/* The header and the first request in one write: what follows the
	 * header is the client's. */
	memcpy(buf + n, login, strlen(login));
	c = proxied(buf, n + strlen(login));
	line = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(strstr(line, "\"result\"") != NULL, "%s", line);
	free(line);
	ck_assert_int_eq(count1("SELECT count(*) FROM sessions WHERE peer = $1",
	                        "203.0.113.7"),
	                 1);
	ck_assert_int_eq(count1("SELECT count(*) FROM sessions WHERE peer = $1",
	                        "127.0.0.1"),
	                 0);
	ts_client_free(c);
}
END_TEST

START_TEST(v1_header_makes_the_audit_peer)
{
	const char *h1 = "PROXY TCP4 198.51.100.23 192.0.2.1 4000";
	const char *h2 = "2 7411\r\n";
	struct ts_client *c = proxied_text(h1);

	/* The header may come in pieces. */
	usleep(100000);
	ck_assert_int_eq(ts_client_send_raw(c, h2, strlen(h2)), 0);
	ck_assert_int_ne(ts_login(c, "paula", "wrong password"), 0);
	ck_assert_int_eq(
	    count1("SELECT count(*) FROM audit_log WHERE action = "
	           "'session.login_failed' AND details->>'peer' = $1",
	           "198.51.100.23"),
	    1);
	ts_client_free(c);
	h1 = "PROXY TCP6 2001:db8::7 2001:db8::1 1 2\r\n";
	c = proxied_text(h1);
	ck_assert_int_eq(ts_login(c, "paula", TS_PASSWORD), 0);
	ck_assert_int_eq(count1("SELECT count(*) FROM sessions WHERE peer = $1",
	                        "2001:db8::7"),
	                 1);
	ts_client_free(c);
}
END_TEST

START_TEST(local_and_unknown_are_served)
{
	unsigned char h[64];
	struct ts_client *c = proxied(h, ts_proxy_v2(h, NULL, NULL, 0));

	ck_assert(health_ok(c));
	ts_client_free(c);
	c = proxied_text("PROXY UNKNOWN\r\n");
	ck_assert(health_ok(c));
	ts_client_free(c);
}
END_TEST

START_TEST(trusted_peer_without_header_is_closed)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);

	/* Silence: closed after a second (waited for, not timed). */
	ck_assert_ptr_nonnull(c);
	ck_assert(closed_unanswered(c));
	ts_client_free(c);
	/* A request instead of a header. */
	c = proxied_text(
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\"}\n");
	ck_assert(closed_unanswered(c));
	ts_client_free(c);
	/* A header cut short, then silence. */
	c = proxied_text("PROXY TCP4 203.0.113.7");
	ck_assert(closed_unanswered(c));
	ts_client_free(c);
}
END_TEST

START_TEST(untrusted_peer_proxy_line_is_an_invalid_request)
{
	const char *h = "PROXY TCP4 203.0.113.7 192.0.2.1 54321 7411\r\n";
	struct ts_client *c =
	    ts_client_connect_from("127.0.0.5", tenv.srv.port);
	json_t *r;
	char *line;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_client_send_raw(c, h, strlen(h)), 0);
	line = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
	ck_assert_ptr_nonnull(line);
	r = json_loads(line, 0, NULL);
	free(line);
	ck_assert_int_eq(ts_error_code(r), -32700);
	json_decref(r);
	/* The connection goes on as any client's, under its own address. */
	ck_assert_int_ne(ts_login(c, "paula", "wrong password"), 0);
	ck_assert_int_eq(
	    count1("SELECT count(*) FROM audit_log WHERE action = "
	           "'session.login_failed' AND details->>'peer' = $1",
	           "127.0.0.5"),
	    1);
	ts_client_free(c);
}
END_TEST

START_TEST(connection_cap_counts_the_client_not_the_proxy)
{
	struct ts_client *local[CAP + 2], *a[CAP], *b, *extra;
	unsigned char h[64];
	char *line;

	/* The proxy's own connections (health checks) never count. */
	for (int i = 0; i < CAP + 2; i++) {
		local[i] = proxied(h, ts_proxy_v2(h, NULL, NULL, 0));
		ck_assert(health_ok(local[i]));
	}
	/* Each proxied client counts under its own address. */
	for (int i = 0; i < CAP; i++) {
		a[i] = proxied_v2("203.0.113.7");
		ck_assert(health_ok(a[i]));
	}
	b = proxied_v2("203.0.113.8");
	ck_assert(health_ok(b));
	extra = proxied_v2("203.0.113.7");
	line = ts_client_read_line(extra, TS_PATIENCE_MS, NULL);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(strstr(line, "too_many_connections") != NULL, "%s", line);
	free(line);
	ts_client_free(extra);
	/* Once one of its connections is gone, the client gets a slot. */
	ts_client_free(a[0]);
	for (long long end = ts_now_ms() + TS_PATIENCE_MS;;) {
		int ok;

		extra = proxied_v2("203.0.113.7");
		ok = health_ok(extra);
		if (ok)
			break;
		ts_client_free(extra);
		ck_assert_msg(ts_now_ms() < end, "no slot after a close");
		usleep(50000);
	}
	ts_client_free(extra);
	for (int i = 0; i < CAP + 2; i++)
		ts_client_free(local[i]);
	for (int i = 1; i < CAP; i++)
		ts_client_free(a[i]);
	ts_client_free(b);
}
END_TEST

/* A TLS listener reads the header in clear, then the handshake. */
START_TEST(tls_listener_reads_the_header_first)
{
	struct ts_tls_files f;
	struct ts_server s;
	char sch[64];
	unsigned char h[64];
	const char *env[4] = {"PADLINE_TRUSTED_PROXIES=127.0.0.0/8"};
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	                  "\"session.login\",\"params\":{\"username\":"
	                  "\"tess\",\"password\":\"" TS_PASSWORD "\"}}\n";
	char buf[4096];
	struct ts_client *c;
	SSL_CTX *ctx;
	SSL *ssl;
	int n;

	ts_tls_files_make(&f);
	env[1] = f.env_cert;
	env[2] = f.env_key;
	ts_unique_schema("proxytls", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "tess", TS_PASSWORD, 0), 0);
	c = ts_client_connect(s.port);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(
	    ts_client_send_raw(c, (const char *)h,
	                       ts_proxy_v2(h, "203.0.113.9", "192.0.2.1", 0)),
	    0);
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(ctx, f.cert, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, ts_client_fd(c));
	ck_assert_int_eq(SSL_connect(ssl), 1);
	ck_assert_int_eq(SSL_write(ssl, req, (int)strlen(req)),
	                 (int)strlen(req));
	n = SSL_read(ssl, buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, "\"result\"") != NULL, "%s", buf);
	{
		PGconn *db = ts_db_connect(sch);
		const char *const p[] = {"203.0.113.9"};

		ck_assert_int_eq(
		    ts_db_count(db,
		                "SELECT count(*) FROM sessions WHERE peer = $1",
		                1, p),
		    1);
		PQfinish(db);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	ts_client_free(c);
	ck_assert_int_eq(ts_server_stop(&s), 0);
	ts_db_drop_schema(sch);
	ts_tls_files_remove(&f);
}
END_TEST

/*
 * SIGTERM while a proxy's connection has not sent its PROXY header yet:
 * padlined says nothing to it (a server.closing then would reach the
 * proxy before the header, and the header would never be read) until
 * the header comes; then it says server.closing and ends it.
 */
START_TEST(sigterm_before_the_header_closes_after_it)
{
	const char *env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32", NULL};
	unsigned char h[128];
	struct ts_server s;
	struct ts_client *admitted, *waiting;
	char sch[64], peek, *line;
	int eof = 0, closing = 0;
	ssize_t got;

	ts_unique_schema("proxyterm", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	admitted = ts_client_connect(s.port);
	ck_assert_ptr_nonnull(admitted);
	ck_assert_int_eq(
	    ts_client_send_raw(admitted, (char *)h,
	                       ts_proxy_v2(h, "198.51.100.1", "192.0.2.1", 0)),
	    0);
	waiting = ts_client_connect(s.port);
	ck_assert_ptr_nonnull(waiting);
	/* Answered after padlined took the waiting connection (it was
	 * queued before this request was sent). */
	ck_assert(health_ok(admitted));
	kill(s.pid, SIGTERM);
	/* The admitted connection hears it and its EOF: by then padlined has
	 * said whatever it would say to the waiting one. */
	while ((line = ts_client_read_line(admitted, TS_PATIENCE_MS, &eof))) {
		closing |= strstr(line, "\"server.closing\"") != NULL;
		free(line);
	}
	ck_assert_msg(closing && eof, "the admitted connection got no "
	                              "server.closing and EOF");
	got = recv(ts_client_fd(waiting), &peek, 1, MSG_PEEK | MSG_DONTWAIT);
	ck_assert_msg(got <= 0, "padlined spoke to a proxy connection before "
	                        "its PROXY header");
	if (got < 0) { /* unless its header wait (1 s) already closed it */
		ck_assert_int_eq(
		    ts_client_send_raw(
		        waiting, (char *)h,
		        ts_proxy_v2(h, "198.51.100.2", "192.0.2.1", 0)),
		    0);
		line = ts_client_read_line(waiting, TS_PATIENCE_MS, &eof);
		ck_assert_msg(line != NULL &&
		                  strstr(line, "\"server.closing\"") != NULL,
		              "after its header: %s", line ? line : "EOF");
		free(line);
		ck_assert(closed_unanswered(waiting));
	}
	ts_client_free(admitted);
	ts_client_free(waiting);
	ck_assert_int_eq(ts_server_wait(&s), 0);
	ts_db_drop_schema(sch);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_proxy");
	TCase *tc = tcase_create("proxy");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_TEST_CLEAN);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, v2_header_makes_the_session_peer);
	tcase_add_test(tc, v1_header_makes_the_audit_peer);
	tcase_add_test(tc, local_and_unknown_are_served);
	tcase_add_test(tc, trusted_peer_without_header_is_closed);
	tcase_add_test(tc, untrusted_peer_proxy_line_is_an_invalid_request);
	tcase_add_test(tc, connection_cap_counts_the_client_not_the_proxy);
	tcase_add_test(tc, tls_listener_reads_the_header_first);
	tcase_add_test(tc, sigterm_before_the_header_closes_after_it);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
