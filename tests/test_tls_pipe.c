/* Unit tests for common/tls_pipe.c: a client and a server engine talk to
 * each other entirely in memory (no sockets): handshake, both directions,
 * writes queued before the handshake, a large message fed in odd-sized
 * chunks, close_notify, a wrong CA and plaintext refused without a crash. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "tls_pipe.h"
#include "tsupport.h"

static struct ts_tls_files f;

struct end {
	struct tls_pipe *p;
	char *plain;
	size_t len;
	int closed;
	int failed;
};

/* Moves from's output into to, chunk bytes at a time (0 = all at once). */
static int
move(struct end *from, struct end *to, size_t chunk)
{
	size_t n, off = 0;
	char *out = tls_pipe_take_output(from->p, &n);
	struct pl_error err;

	if (out == NULL)
		return 0;
	pl_error_init(&err);
	while (off < n && !to->failed) {
		size_t k = chunk && n - off > chunk ? chunk : n - off;

		if (tls_pipe_feed(to->p, out + off, k, &to->plain, &to->len,
		                  &to->closed, &err) != 0)
			to->failed = 1;
		off += k;
	}
	free(out);
	return 1;
}

static void
pump(struct end *c, struct end *s, size_t chunk)
{
	for (int i = 0; i < 1000; i++) {
		int moved = move(c, s, chunk);

		moved |= move(s, c, chunk);
		if (!moved)
			return;
	}
	ck_abort_msg("the engines never settled");
}

static void
pair(SSL_CTX *cctx, SSL_CTX *sctx, struct end *c, struct end *s)
{
	struct pl_error err;

	memset(c, 0, sizeof *c);
	memset(s, 0, sizeof *s);
	c->p = tls_pipe_new(cctx, 0);
	s->p = tls_pipe_new(sctx, 1);
	pl_error_init(&err);
	ck_assert_int_eq(tls_pipe_start(c->p, &err), 0);
}

static void
unpair(struct end *c, struct end *s)
{
	tls_pipe_free(c->p);
	tls_pipe_free(s->p);
	free(c->plain);
	free(s->plain);
}

static void
setup(void)
{
	ts_tls_files_make(&f);
}

static void
teardown(void)
{
	ts_tls_files_remove(&f);
}

START_TEST(round_trip_verified)
{
	struct pl_error err;
	SSL_CTX *sctx, *cctx;
	struct end c, s;

	pl_error_init(&err);
	sctx = tls_ctx_server_new(f.cert, f.key, &err);
	ck_assert_msg(sctx != NULL, "%s", err.message);
	cctx = tls_ctx_client_new(f.cert, &err);
	ck_assert_ptr_nonnull(cctx);
	pair(cctx, sctx, &c, &s);
	/* Written before the handshake: queued, then sealed. */
	ck_assert_int_eq(tls_pipe_write(c.p, "hello\n", 6, &err), 0);
	pump(&c, &s, 0);
	ck_assert(tls_pipe_handshake_done(c.p));
	ck_assert(tls_pipe_handshake_done(s.p));
	ck_assert_int_eq(tls_pipe_verify_result(c.p), X509_V_OK);
	ck_assert_uint_eq(s.len, 6);
	ck_assert(memcmp(s.plain, "hello\n", 6) == 0);
	ck_assert_int_eq(tls_pipe_write(s.p, "world\n", 6, &err), 0);
	pump(&c, &s, 0);
	ck_assert_uint_eq(c.len, 6);
	ck_assert(memcmp(c.plain, "world\n", 6) == 0);
	ck_assert(!c.failed && !s.failed);
	unpair(&c, &s);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}
END_TEST

START_TEST(large_message_odd_chunks_and_close)
{
	struct pl_error err;
	SSL_CTX *sctx, *cctx;
	struct end c, s;
	size_t big = 3u << 20;
	char *msg = malloc(big);

	for (size_t i = 0; i < big; i++)
		msg[i] = (char)('a' + i % 26);
	pl_error_init(&err);
	sctx = tls_ctx_server_new(f.cert, f.key, &err);
	cctx = tls_ctx_client_new(NULL, &err);
	pair(cctx, sctx, &c, &s);
	pump(&c, &s, 1); /* the handshake one byte at a time */
	ck_assert(tls_pipe_handshake_done(s.p));
	ck_assert_int_eq(tls_pipe_write(s.p, msg, big, &err), 0);
	pump(&c, &s, 997);
	ck_assert_uint_eq(c.len, big);
	ck_assert(memcmp(c.plain, msg, big) == 0);
	ck_assert(!c.failed && !s.failed && !c.closed);
	tls_pipe_close(s.p);
	pump(&c, &s, 0);
	ck_assert(c.closed);
	unpair(&c, &s);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	free(msg);
}
END_TEST

START_TEST(wrong_ca_fails_the_handshake)
{
	struct pl_error err;
	SSL_CTX *sctx, *cctx;
	struct end c, s;

	pl_error_init(&err);
	sctx = tls_ctx_server_new(f.cert, f.key, &err);
	cctx = tls_ctx_client_new(f.other_cert, &err);
	pair(cctx, sctx, &c, &s);
	pump(&c, &s, 0);
	ck_assert(c.failed);
	ck_assert(!tls_pipe_handshake_done(c.p));
	unpair(&c, &s);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}
END_TEST

START_TEST(plaintext_is_an_error_not_a_crash)
{
	const char *line = "{\"jsonrpc\":\"2.0\",\"id\":1,"
	                   "\"method\":\"server.hello\"}\n";
	struct pl_error err;
	SSL_CTX *sctx;
	struct tls_pipe *p;
	char *plain = NULL, *out;
	size_t len = 0, n;
	int closed;

	pl_error_init(&err);
	sctx = tls_ctx_server_new(f.cert, f.key, &err);
	p = tls_pipe_new(sctx, 1);
	ck_assert_int_eq(
	    tls_pipe_feed(p, line, strlen(line), &plain, &len, &closed, &err),
	    PL_ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(err.message, "TLS"));
	ck_assert_uint_eq(len, 0);
	out = tls_pipe_take_output(p, &n); /* an alert, or nothing */
	free(out);
	tls_pipe_free(p);
	SSL_CTX_free(sctx);
}
END_TEST

START_TEST(bad_files_are_named)
{
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_ptr_null(tls_ctx_server_new("/nonexistent.crt", f.key, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent.crt"));
	ck_assert_ptr_null(tls_ctx_server_new(f.cert, f.other_key, &err));
	ck_assert_ptr_nonnull(strstr(err.message, f.other_key));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tls_pipe");
	TCase *tc = tcase_create("memory");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, round_trip_verified);
	tcase_add_test(tc, large_message_odd_chunks_and_close);
	tcase_add_test(tc, wrong_ca_fails_the_handshake);
	tcase_add_test(tc, plaintext_is_an_error_not_a_crash);
	tcase_add_test(tc, bad_files_are_named);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
