/*
 * The TUI's transport against a real padlined and Redis: pipelined calls
 * answered in order, JSON-RPC errors, an unreachable server failing calls
 * (no crash), a call made by the failure callback of a lost connection's
 * call going out on the next one, a reconnect resuming the session before
 * queued calls, a client freed while it connects, a connection that hangs
 * (a connect never completed, or a peer that accepts and says nothing)
 * given up, and the Redis subscriber delivering messages from the channel
 * server.hello names.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "baseline.h"
#include "event_sig.h"
#include "rpc_client.h"
#include "sub.h"
#include "tsupport.h"

#define N_PIPELINED 200

struct rec {
	int n;
	int order[N_PIPELINED];
	int codes[N_PIPELINED];
	char reason[N_PIPELINED][32];
	char message[256]; /* the last error's */
	json_t *last;
};

struct slot {
	struct rec *r;
	int index;
};

static void
on_reply(void *ud, json_t *result, const struct pl_error *err)
{
	struct slot *s = ud;
	struct rec *r = s->r;

	r->order[r->n] = s->index;
	r->codes[r->n] = err->code;
	snprintf(r->reason[r->n], sizeof r->reason[0], "%s", err->reason);
	snprintf(r->message, sizeof r->message, "%s", err->message);
	json_decref(r->last);
	r->last = json_incref(result);
	r->n++;
}

/* Runs the loop until *done >= want or timeout_ms passes. */
static void
run_until(uv_loop_t *loop, int *done, int want, int timeout_ms)
{
	long long end = ts_now_ms() + timeout_ms;

	while (*done < want && ts_now_ms() < end) {
		uv_run(loop, UV_RUN_NOWAIT);
		uv_sleep(1);
	}
}

static struct ts_server srv;
static char schema[64];

static void
setup(void)
{
	ts_unique_schema("tui_rpc", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, NULL, NULL), 0);
}

static void
teardown(void)
{
	ts_server_stop(&srv);
	ts_db_drop_schema(schema);
}

START_TEST(pipelined_in_order)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	static struct slot slots[N_PIPELINED];
	struct rec r = {0};

	for (int i = 0; i < N_PIPELINED; i++) {
		slots[i] = (struct slot){&r, i};
		rpc_send(c, i % 2 ? "server.health" : "server.hello", NULL,
		         on_reply, &slots[i]);
	}
	ck_assert_int_eq(rpc_pending(c), N_PIPELINED);
	run_until(loop, &r.n, N_PIPELINED, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, N_PIPELINED);
	for (int i = 0; i < N_PIPELINED; i++) {
		ck_assert_int_eq(r.order[i], i);
		ck_assert_int_eq(r.codes[i], 0);
	}
	ck_assert_int_eq(rpc_pending(c), 0);
	ck_assert_ptr_nonnull(json_object_get(r.last, "db"));
	json_decref(r.last);
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
}
END_TEST

/* padline quitting before its connection is up (a frames script that
 * ends at once): the connect request is called back after the client is
 * freed, and must not touch it (ASan sees the use after free). */
START_TEST(freed_while_connecting)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	struct slot slot;
	struct rec r = {0};

	slot = (struct slot){&r, 0};
	rpc_send(c, "server.hello", NULL, on_reply, &slot);
	rpc_client_free(c);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_ne(r.codes[0], 0);
	/* Every handle and request of the client is called back. */
	ck_assert_int_eq(uv_run(loop, UV_RUN_DEFAULT), 0);
	json_decref(r.last);
}
END_TEST

START_TEST(errors_and_unreachable)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	struct rpc_client *dead;
	struct rec r = {0};
	struct slot s0 = {&r, 0}, s1 = {&r, 1}, s2 = {&r, 2};
	int port;

	rpc_send(c, "no.such.method", NULL, on_reply, &s0);
	rpc_send(c, "server.hello", NULL, on_reply, &s1);
	run_until(loop, &r.n, 2, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.codes[0], PL_ERR_METHOD_NOT_FOUND);
	ck_assert_int_eq(r.codes[1], 0); /* the connection survives an error */

	/* A port nobody listens on: the call fails, nothing crashes. */
	port = srv.port;
	ts_server_stop(&srv);
	dead = rpc_client_new(loop, "127.0.0.1", port);
	rpc_send(dead, "server.hello", NULL, on_reply, &s2);
	run_until(loop, &r.n, 3, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, 3);
	ck_assert_int_eq(r.codes[2], PL_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.reason[2], "disconnected");
	/* The live connection to the stopped server fails its next call too. */
	rpc_send(c, "server.hello", NULL, on_reply, &s2);
	run_until(loop, &r.n, 4, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, 4);
	ck_assert_int_eq(r.codes[3], PL_ERR_UNAVAILABLE);
	ck_assert_int_eq(rpc_pending(c), 0);
	/* A new server (on a new port) answers a new client. */
	ck_assert_int_eq(ts_server_start(&srv, schema, NULL, NULL), 0);
	rpc_client_free(c);
	c = rpc_client_new(loop, "127.0.0.1", srv.port);
	rpc_send(c, "server.hello", NULL, on_reply, &s0);
	run_until(loop, &r.n, 5, TS_PATIENCE_MS);
	ck_assert_int_eq(r.codes[4], 0);
	json_decref(r.last);
	rpc_client_free(c);
	rpc_client_free(dead);
	uv_run(loop, UV_RUN_NOWAIT);
}
END_TEST

/* A listener on a free port of 127.0.0.1 that never accepts; *port gets
 * its port. With backlog 0, the connections of fill[0..nfill) queued
 * first make the kernel drop later SYNs (fill is closed by the caller). */
static int
hang_listener(int backlog, int *fill, int nfill, int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(l, backlog), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	for (int i = 0; i < nfill; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert_int_ge(fill[i], 0);
		/* In progress (EINPROGRESS): queued, or its SYN dropped. */
		connect(fill[i], (struct sockaddr *)&sa, sizeof sa);
	}
	return l;
}

/* server.hello to port ends 503 disconnected with the message want_fmt
 * (its %d: the port) says. */
static void
hung_call(int port, const char *what, const char *want_fmt)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", port);
	struct rec r = {0};
	struct slot s0 = {&r, 0};
	char want[200];

	rpc_send(c, "server.hello", NULL, on_reply, &s0);
	run_until(loop, &r.n, 1, TS_PATIENCE_MS);
	ck_assert_msg(r.n == 1, "a call on %s never ended", what);
	ck_assert_int_eq(r.codes[0], PL_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.reason[0], "disconnected");
	snprintf(want, sizeof want, want_fmt, port);
	ck_assert_str_eq(r.message, want);
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
}

START_TEST(hung_connections_are_given_up)
{
	int port, l, fill[2];

	/* Accepted by the kernel, never a word: given up, the call fails. */
	l = hang_listener(16, NULL, 0, &port);
	hung_call(port, "a silent connection",
	          "no answer from 127.0.0.1:%d within 10 s");
	close(l);
	/* SYNs dropped (a full queue): the connect is given up. */
	l = hang_listener(0, fill, 2, &port);
	hung_call(port, "a connect that hangs",
	          "cannot reach 127.0.0.1:%d (no connection within 3 s)");
	close(l);
	close(fill[0]);
	close(fill[1]);
}
END_TEST

static struct rpc_client *again_client;

/* A caller that, told its call failed, makes another (as a save does when
 * asking for the limit failed). */
static void
on_reply_call_again(void *ud, json_t *result, const struct pl_error *err)
{
	struct slot *s = ud;

	on_reply(ud, result, err);
	if (err->code)
		rpc_send(again_client, "server.hello", NULL, on_reply, s + 1);
}

START_TEST(call_from_a_failure_goes_out_on_the_next_connection)
{
	uv_loop_t *loop = uv_default_loop();
	struct rec r = {0};
	struct slot s[2] = {{&r, 0}, {&r, 1}};

	again_client = rpc_client_new(loop, "127.0.0.1", srv.port);
	rpc_send(again_client, "server.hello", NULL, on_reply_call_again, s);
	rpc_disconnect(again_client); /* the connection goes, the call fails */
	run_until(loop, &r.n, 2, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.codes[0], PL_ERR_UNAVAILABLE);
	ck_assert_msg(r.codes[1] == 0,
	              "the call made while failing the lost connection's "
	              "calls failed with them (%d %s)",
	              r.codes[1], r.reason[1]);
	ck_assert_ptr_nonnull(json_object_get(r.last, "limits"));
	/* Freed with a call pending: the call its failure makes fails at
	 * once, and nothing connects on a freed client. */
	rpc_send(again_client, "server.hello", NULL, on_reply_call_again, s);
	rpc_client_free(again_client);
	ck_assert_int_eq(r.n, 4);
	ck_assert_int_eq(r.codes[2], PL_ERR_UNAVAILABLE);
	ck_assert_int_eq(r.codes[3], PL_ERR_UNAVAILABLE);
	json_decref(r.last);
	uv_run(loop, UV_RUN_NOWAIT);
}
END_TEST

static const char *resume_token;

static json_t *
resume_params(void *ud)
{
	(void)ud;
	return resume_token ? json_pack("{s:s}", "token", resume_token) : NULL;
}

START_TEST(reconnect_resumes_session)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	struct rec r = {0};
	struct slot s0 = {&r, 0}, s1 = {&r, 1};
	char token[256];

	ck_assert_int_eq(ts_create_user(schema, "resumer", TS_PASSWORD, 0), 0);
	rpc_client_on_connect(c, resume_params, NULL);
	rpc_send(c, "session.login",
	         json_pack("{s:s, s:s}", "username", "resumer", "password",
	                   TS_PASSWORD),
	         on_reply, &s0);
	run_until(loop, &r.n, 1, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.codes[0], 0);
	snprintf(token, sizeof token, "%s",
	         json_string_value(json_object_get(r.last, "token")));
	resume_token = token;
	/* Drop the connection: the next call reconnects, resumes first. */
	rpc_disconnect(c);
	rpc_send(c, "user.me", NULL, on_reply, &s1);
	run_until(loop, &r.n, 2, TS_PATIENCE_MS);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.codes[1], 0);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(r.last, "user"), "username")),
	                 "resumer");
	resume_token = NULL;
	json_decref(r.last);
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
}
END_TEST

static int sub_up, sub_got;
static long long want_id;

static void
on_sub_event(void *ud, json_t *ev)
{
	(void)ud;
	if (json_integer_value(json_object_get(ev, "id")) == want_id &&
	    strcmp(json_string_value(json_object_get(ev, "action")),
	           "tui.test") == 0)
		sub_got = 1;
}

static void
on_sub_state(void *ud, int up)
{
	(void)ud;
	sub_up = up;
}

START_TEST(subscriber_receives)
{
	uv_loop_t *loop = uv_default_loop();
	struct ts_client *c = ts_client_connect(srv.port);
	json_t *hello = ts_call(c, "server.hello", NULL);
	const char *channel = sub_hello_channel(ts_result(hello));
	char want[128];
	unsigned char pk[32], spk[32], sk[64];
	int have_key = sub_hello_key(ts_result(hello), pk);
	struct sub *s = sub_new(loop, getenv("REDIS_URL"), channel, pk,
	                        on_sub_event, on_sub_state, NULL, NULL);
	redisContext *rc = ts_redis_connect();
	redisReply *rep;
	char msg[128], *wire;
	const char *text = msg;
	size_t wire_len;

	/* The server names its deployment's channel; we listen there. */
	ck_assert_ptr_nonnull(channel);
	ck_assert_str_eq(channel, ts_events_channel(schema, want, sizeof want));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(rc);
	run_until(loop, &sub_up, 1, TS_PATIENCE_MS);
	ck_assert_int_eq(sub_up, 1);
	ck_assert(sub_is_up(s));
	/* An id no real deployment reaches, and an action nobody acts on. */
	want_id = 9000000000000000000LL + getpid();
	snprintf(msg, sizeof msg,
	         "{\"id\":%lld,\"action\":\"tui.test\",\"subject\":{}}",
	         want_id);
	/* Signed as padlined signs, with the key hello names. */
	ck_assert_int_eq(have_key, 0);
	ts_event_keys(spk, sk);
	ck_assert(memcmp(spk, pk, sizeof pk) == 0);
	event_sig_sign_group(sk, &text, 1, &wire, &wire_len);
	rep = redisCommand(rc, "PUBLISH %s %b", channel, wire, wire_len);
	free(wire);
	ck_assert_ptr_nonnull(rep);
	freeReplyObject(rep);
	run_until(loop, &sub_got, 1, TS_PATIENCE_MS);
	ck_assert_int_eq(sub_got, 1);
	redisFree(rc);
	sub_free(s);
	uv_run(loop, UV_RUN_NOWAIT);
	json_decref(hello);
	ts_client_free(c);
}
END_TEST

static long long found = -2;
static int found_n;

static void
on_found(void *ud, long long last)
{
	(void)ud;
	found = last;
	found_n++;
}

/* Creates an admin and logs it in on c; any failure fails the test. */
static void
admin_session(uv_loop_t *loop, struct rpc_client *c)
{
	struct rec r = {0};
	struct slot s0 = {&r, 0};

	ck_assert_int_eq(ts_create_user(schema, "baseadm", TS_PASSWORD, 1), 0);
	rpc_send(c, "session.login",
	         json_pack("{s:s, s:s}", "username", "baseadm", "password",
	                   TS_PASSWORD),
	         on_reply, &s0);
	run_until(loop, &r.n, 1, TS_PATIENCE_MS);
	json_decref(r.last);
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.codes[0], 0);
}

START_TEST(baseline_finds_newest_event)
{
	uv_loop_t *loop = uv_default_loop();
	struct rpc_client *c = rpc_client_new(loop, "127.0.0.1", srv.port);
	PGconn *db;
	static const long long ids[] = {5000, 70001, 1234567};

	admin_session(loop, c);
	db = ts_db_connect(schema);
	for (size_t i = 0; i <= sizeof ids / sizeof ids[0]; i++) {
		char sql[256];
		long long want =
		    i == 0 ? ts_db_count(db, "SELECT max(id) FROM audit_log", 0,
		                         NULL)
		           : ids[i - 1];

		if (i > 0) {
			/* Published already: the relay must not send these. */
			snprintf(
			    sql, sizeof sql,
			    "INSERT INTO audit_log (id, action, published_at) "
			    "VALUES (%lld, 'tui.test', now())",
			    want);
			ts_db_exec(db, sql);
		}
		found_n = 0;
		baseline_find(c, on_found, NULL);
		run_until(loop, &found_n, 1, TS_PATIENCE_MS);
		ck_assert_int_eq(found_n, 1);
		ck_assert_msg(found == want, "found %lld, want %lld", found,
		              want);
	}
	PQfinish(db);
	rpc_client_free(c);
	uv_run(loop, UV_RUN_NOWAIT);
}
END_TEST

START_TEST(parse_addresses)
{
	char host[64];
	int port;

	ck_assert_int_eq(
	    rpc_parse_addr("127.0.0.1:7411", host, sizeof host, &port, 1), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(port, 7411);
	ck_assert_int_eq(
	    rpc_parse_addr("example.org", host, sizeof host, &port, 7411), 0);
	ck_assert_int_eq(port, 7411);
	ck_assert_int_eq(rpc_parse_addr("h:0", host, sizeof host, &port, 1),
	                 -1);
	ck_assert_int_eq(rpc_parse_addr(":80", host, sizeof host, &port, 1),
	                 -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_rpc");
	TCase *tc = tcase_create("server");
	TCase *tp = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pipelined_in_order);
	tcase_add_test(tc, freed_while_connecting);
	tcase_add_test(tc, errors_and_unreachable);
	tcase_add_test(tc, hung_connections_are_given_up);
	tcase_add_test(tc, call_from_a_failure_goes_out_on_the_next_connection);
	tcase_add_test(tc, reconnect_resumes_session);
	tcase_add_test(tc, subscriber_receives);
	tcase_add_test(tc, baseline_finds_newest_event);
	tcase_add_test(tp, parse_addresses);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
