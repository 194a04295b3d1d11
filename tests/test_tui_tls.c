/* The TUI's TLS client (tui/rpc_tls.c through rpc_client) against a real
 * TLS padlined: verified with --ca; pinned on first use in known_servers
 * without one; refused loudly when the pinned fingerprint changes or the
 * certificate does not verify against the --ca given. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc_client.h"
#include "tls_pin.h"
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

/* server.hello over a fresh client; ca may be NULL (pinning). */
static void
hello(const char *ca, struct res *r)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	struct pl_error err;
	long long end = ts_now_ms() + TS_PATIENCE_MS;

	memset(r, 0, sizeof *r);
	pl_error_init(&err);
	ck_assert_int_eq(rpc_client_use_tls(c, ca, &err), 0);
	rpc_call(c, "server.hello", NULL, on_reply, r);
	while (!r->done && ts_now_ms() < end)
		uv_run(loop, UV_RUN_ONCE);
	ck_assert_msg(r->done, "no answer");
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
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

START_TEST(pinned_on_first_use_then_refused_when_changed)
{
	struct res r;
	char *text, want[128];
	FILE *f;

	unlink(known);
	hello(NULL, &r);
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

START_TEST(plaintext_client_told_tls)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	struct res r = {0};
	long long end = ts_now_ms() + TS_PATIENCE_MS;

	rpc_call(c, "server.hello", NULL, on_reply, &r);
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
	tcase_add_test(tc, pinned_on_first_use_then_refused_when_changed);
	tcase_add_test(tc, plaintext_client_told_tls);
	tcase_add_test(tc, address_parsing);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
