/* The TUI's TLS client (tui/rpc_tls.c through rpc_client, and trust.c's
 * question before the first connection) against a real TLS padlined:
 * verified with --ca; without one pinned only after "yes" on a terminal or
 * a matching --trust, refused (nothing pinned) otherwise; refused loudly
 * when the pinned fingerprint changes or the certificate does not verify
 * against the --ca given; a full server's silent close is put in words. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "rpc_client.h"
#include "tls_pin.h"
#include "trust.h"
#include "tsupport.h"

static struct ts_tls_files f;
static char known[600];
static struct ts_server srv;
static char schema[64];

struct res {
	int done, code;
	char message[512];
	json_t *result;
};

static void
on_reply(void *ud, json_t *result, const struct pl_error *err)
{
	struct res *r = ud;

	r->done = 1;
	r->code = err->code;
	snprintf(r->message, sizeof r->message, "%s", err->message);
	r->result = result ? json_incref(result) : NULL;
}

/* server.hello over a fresh client to port; ca may be NULL (pinning),
 * trust too. */
static void
hello_on(int port, const char *ca, const char *trust, struct res *r)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", port);
	struct pl_error err;
	long long end = ts_now_ms() + TS_PATIENCE_MS;

	memset(r, 0, sizeof *r);
	pl_error_init(&err);
	ck_assert_int_eq(rpc_client_use_tls(c, ca, trust, &err), 0);
	rpc_send(c, "server.hello", NULL, on_reply, r);
	while (!r->done && ts_now_ms() < end)
		uv_run(loop, UV_RUN_ONCE);
	ck_assert_msg(r->done, "no answer");
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
}

static void
hello_trusting(const char *ca, const char *trust, struct res *r)
{
	hello_on(srv.port, ca, trust, r);
}

static void
hello(const char *ca, struct res *r)
{
	hello_trusting(ca, NULL, r);
}

/* The server's certificate (tests shadow f with a FILE *). */
static const char *
f_cert(void)
{
	return f.cert;
}

/* The "SHA256:<hex>" of a PEM certificate file. */
static void
file_fingerprint(const char *path, char fp[TLS_PIN_FP_SIZE])
{
	FILE *in = fopen(path, "r");
	X509 *x;

	ck_assert_ptr_nonnull(in);
	x = PEM_read_X509(in, NULL, NULL, NULL);
	fclose(in);
	ck_assert_ptr_nonnull(x);
	tls_pin_fingerprint(x, fp);
	X509_free(x);
}

/* Runs trust_server on tls://127.0.0.1:PORT with answer as the terminal's
 * input (NULL: no terminal); its output goes to *said (free()). */
static int
ask(const char *answer, char **said)
{
	char server[64];
	size_t n;
	FILE *in = fmemopen((void *)(answer ? answer : ""),
	                    answer ? strlen(answer) : 0, "r");
	FILE *out = open_memstream(said, &n);
	int rc;

	snprintf(server, sizeof server, "tls://127.0.0.1:%d", srv.port);
	rc = trust_server(server, in, out, answer != NULL);
	fclose(in);
	fclose(out);
	return rc;
}

static void
assert_nothing_pinned(void)
{
	char *text = ts_file_read(known);

	ck_assert_msg(strstr(text, "127.0.0.1:") == NULL, "%s", text);
	free(text);
}

static void
setup(void)
{
	const char *env[] = {f.env_cert, f.env_key, NULL};

	ts_tls_files_make(&f);
	setenv("XDG_STATE_HOME", f.dir, 1);
	snprintf(known, sizeof known, "%s/padline/known_servers", f.dir);
	ts_unique_schema("tuitls", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, env, NULL), 0);
}

static void
teardown(void)
{
	ts_server_stop(&srv);
	ts_db_drop_schema(schema);
	ts_tls_files_remove(&f);
}

START_TEST(verified_with_ca_pins_nothing)
{
	struct res r;

	unlink(known);
	hello(f.cert, &r);
	ck_assert_msg(r.code == 0, "%s", r.message);
	ck_assert_ptr_nonnull(json_object_get(r.result, "form_token"));
	json_decref(r.result);
	ck_assert_int_ne(access(known, F_OK), 0);
}
END_TEST

START_TEST(wrong_ca_refused)
{
	struct res r;

	unlink(known);
	hello(f.other_cert, &r);
	ck_assert_int_eq(r.code, PL_ERR_UNAVAILABLE);
	ck_assert_msg(strstr(r.message, "does not verify") != NULL, "%s",
	              r.message);
	ck_assert_int_ne(access(known, F_OK), 0);
}
END_TEST

START_TEST(unknown_refused_without_asking)
{
	struct res r;

	unlink(known);
	hello(NULL, &r);
	ck_assert_int_eq(r.code, PL_ERR_UNAVAILABLE);
	ck_assert_msg(strstr(r.message, "not trusted yet") != NULL, "%s",
	              r.message);
	ck_assert_msg(strstr(r.message, "SHA256:") != NULL, "%s", r.message);
	assert_nothing_pinned();
}
END_TEST

START_TEST(wrong_trust_refused_nothing_pinned)
{
	struct res r;
	char wrong[80];

	unlink(known);
	snprintf(wrong, sizeof wrong, "SHA256:%064d", 7);
	hello_trusting(NULL, wrong, &r);
	ck_assert_int_eq(r.code, PL_ERR_UNAVAILABLE);
	ck_assert_msg(strstr(r.message, "not the --trust one") != NULL, "%s",
	              r.message);
	assert_nothing_pinned();
}
END_TEST

START_TEST(pinned_by_trust_then_refused_when_changed)
{
	struct res r;
	char *text, want[128], fp[TLS_PIN_FP_SIZE];
	FILE *f;

	unlink(known);
	file_fingerprint(f_cert(), fp);
	hello_trusting(NULL, fp, &r);
	ck_assert_msg(r.code == 0, "%s", r.message);
	json_decref(r.result);
	text = ts_file_read(known);
	snprintf(want, sizeof want, "127.0.0.1:%d SHA256:", srv.port);
	ck_assert_msg(strstr(text, want) != NULL, "%s", text);
	free(text);
	/* Same certificate: the pin matches. */
	hello(NULL, &r);
	ck_assert_msg(r.code == 0, "%s", r.message);
	json_decref(r.result);
	/* The server "changed" its certificate: pin another one. */
	f = fopen(known, "w");
	fprintf(f, "127.0.0.1:%d SHA256:%064d\n", srv.port, 0);
	fclose(f);
	hello(NULL, &r);
	ck_assert_int_eq(r.code, PL_ERR_UNAVAILABLE);
	ck_assert_msg(strstr(r.message, "HAS CHANGED") != NULL, "%s",
	              r.message);
	ck_assert_ptr_nonnull(strstr(r.message, known));
}
END_TEST

START_TEST(asked_yes_pins)
{
	char *said, *text, fp[TLS_PIN_FP_SIZE], want[160];
	struct res r;

	unlink(known);
	file_fingerprint(f_cert(), fp);
	ck_assert_int_eq(ask("yes\n", &said), 0);
	ck_assert_msg(strstr(said, "can't be established") != NULL, "%s", said);
	snprintf(want, sizeof want, "SHA256 fingerprint is %s.", fp);
	ck_assert_msg(strstr(said, want) != NULL, "%s", said);
	ck_assert_msg(strstr(said, "(yes/no)?") != NULL, "%s", said);
	free(said);
	text = ts_file_read(known);
	snprintf(want, sizeof want, "127.0.0.1:%d %s\n", srv.port, fp);
	ck_assert_msg(strstr(text, want) != NULL, "%s", text);
	free(text);
	/* Then the client connects without a question. */
	hello(NULL, &r);
	ck_assert_msg(r.code == 0, "%s", r.message);
	json_decref(r.result);
	ck_assert_int_eq(ask("", &said), 0);
	ck_assert_msg(strstr(said, "(yes/no)") == NULL, "%s", said);
	free(said);
}
END_TEST

START_TEST(asked_anything_else_refuses)
{
	static const char *answers[] = {"no\n", "y\n", "YES\n", ""};
	char *said;

	for (size_t i = 0; i < sizeof answers / sizeof *answers; i++) {
		unlink(known);
		ck_assert_int_eq(ask(answers[i], &said), TRUST_REFUSED_EXIT);
		ck_assert_msg(strstr(said, "not trusted: nothing pinned") !=
		                  NULL,
		              "%s", said);
		free(said);
		assert_nothing_pinned();
	}
}
END_TEST

START_TEST(no_terminal_refuses_with_the_hint)
{
	char *said, fp[TLS_PIN_FP_SIZE], want[160];

	unlink(known);
	file_fingerprint(f_cert(), fp);
	ck_assert_int_eq(ask(NULL, &said), TRUST_REFUSED_EXIT);
	snprintf(want, sizeof want, "--trust %s (or PADLINE_TLS_TRUST)", fp);
	ck_assert_msg(strstr(said, want) != NULL, "%s", said);
	ck_assert_msg(strstr(said, "(yes/no)") == NULL, "%s", said);
	free(said);
	assert_nothing_pinned();
}
END_TEST

START_TEST(trust_option_without_terminal)
{
	char *said, *text, fp[TLS_PIN_FP_SIZE], colons[128], wrong[80];
	size_t k = 0;

	/* openssl's spelling of the right one pins... */
	unlink(known);
	file_fingerprint(f_cert(), fp);
	k = (size_t)snprintf(colons, sizeof colons, "sha256 Fingerprint=");
	for (int i = 0; i < 32; i++) {
		if (i > 0)
			colons[k++] = ':';
		colons[k++] = (char)toupper((unsigned char)fp[7 + 2 * i]);
		colons[k++] = (char)toupper((unsigned char)fp[8 + 2 * i]);
	}
	colons[k] = '\0';
	setenv("PADLINE_TLS_TRUST", colons, 1);
	ck_assert_int_eq(ask(NULL, &said), 0);
	free(said);
	text = ts_file_read(known);
	ck_assert_msg(strstr(text, fp) != NULL, "%s", text);
	free(text);
	/* ...a wrong one refuses and pins nothing... */
	unlink(known);
	snprintf(wrong, sizeof wrong, "SHA256:%064d", 5);
	setenv("PADLINE_TLS_TRUST", wrong, 1);
	ck_assert_int_eq(ask(NULL, &said), TRUST_REFUSED_EXIT);
	ck_assert_msg(strstr(said, "not the --trust one") != NULL, "%s", said);
	free(said);
	assert_nothing_pinned();
	/* ...and one that is no fingerprint is a usage error. */
	setenv("PADLINE_TLS_TRUST", "SHA256:abc", 1);
	ck_assert_int_eq(ask(NULL, &said), 2);
	ck_assert_msg(strstr(said, "--trust needs") != NULL, "%s", said);
	free(said);
	unsetenv("PADLINE_TLS_TRUST");
}
END_TEST

START_TEST(changed_certificate_refused_before_asking)
{
	char *said;
	FILE *f;

	f = fopen(known, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "127.0.0.1:%d SHA256:%064d\n", srv.port, 0);
	fclose(f);
	ck_assert_int_eq(ask("yes\n", &said), TRUST_REFUSED_EXIT);
	ck_assert_msg(strstr(said, "HAS CHANGED") != NULL, "%s", said);
	ck_assert_msg(strstr(said, "(yes/no)") == NULL, "%s", said);
	free(said);
	unlink(known);
}
END_TEST

START_TEST(full_server_said_in_words)
{
	const char *env[] = {f.env_cert, f.env_key,
	                     "PADLINE_MAX_CONNECTIONS_PER_IP=1", NULL};
	uv_loop_t *loop = uv_default_loop();
	long long end = ts_now_ms() + TS_PATIENCE_MS;
	struct ts_server full;
	struct rpc_client *first = NULL;
	struct res r = {0};
	struct pl_error err;

	ck_assert_int_eq(ts_server_start(&full, schema, env, NULL), 0);
	pl_error_init(&err);
	/* The one connection it takes (once ts_server_start's probe is gone
	 * on its side), kept open. */
	while (!r.done || r.code != 0) {
		ck_assert_msg(ts_now_ms() < end, "never let in: %s", r.message);
		rpc_client_free(first);
		first = rpc_client_new(loop, "127.0.0.1", full.port);
		ck_assert_int_eq(rpc_client_use_tls(first, f.cert, NULL, &err),
		                 0);
		memset(&r, 0, sizeof r);
		rpc_send(first, "server.hello", NULL, on_reply, &r);
		while (!r.done)
			uv_run(loop, UV_RUN_ONCE);
		json_decref(r.result);
	}
	hello_on(full.port, f.cert, NULL, &r);
	ck_assert_int_eq(r.code, PL_ERR_UNAVAILABLE);
	ck_assert_msg(strstr(r.message, "during the TLS handshake") != NULL,
	              "%s", r.message);
	rpc_client_free(first);
	uv_run(loop, UV_RUN_NOWAIT);
	ts_server_stop(&full);
}
END_TEST

START_TEST(plaintext_client_told_tls)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	struct res r = {0};
	long long end = ts_now_ms() + TS_PATIENCE_MS;

	rpc_send(c, "server.hello", NULL, on_reply, &r);
	while (!r.done && ts_now_ms() < end)
		uv_run(loop, UV_RUN_ONCE);
	ck_assert(r.done);
	ck_assert_int_ne(r.code, 0);
	ck_assert_msg(strstr(r.message, "TLS") != NULL, "%s", r.message);
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
}
END_TEST

START_TEST(address_parsing)
{
	char host[64];
	int port;

	ck_assert_int_eq(rpc_parse_addr("tls://example.org:7443", host,
	                                sizeof host, &port, 7411),
	                 0);
	ck_assert_str_eq(host, "example.org");
	ck_assert_int_eq(port, 7443);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_tls");
	TCase *tc = tcase_create("tls");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, verified_with_ca_pins_nothing);
	tcase_add_test(tc, wrong_ca_refused);
	tcase_add_test(tc, unknown_refused_without_asking);
	tcase_add_test(tc, wrong_trust_refused_nothing_pinned);
	tcase_add_test(tc, pinned_by_trust_then_refused_when_changed);
	tcase_add_test(tc, asked_yes_pins);
	tcase_add_test(tc, asked_anything_else_refuses);
	tcase_add_test(tc, no_terminal_refuses_with_the_hint);
	tcase_add_test(tc, trust_option_without_terminal);
	tcase_add_test(tc, changed_certificate_refused_before_asking);
	tcase_add_test(tc, full_server_said_in_words);
	tcase_add_test(tc, plaintext_client_told_tls);
	tcase_add_test(tc, address_parsing);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
