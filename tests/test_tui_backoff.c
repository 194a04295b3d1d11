/*
 * The TUI's transport while a lone padlined drains (no balancer in front)
 * and another client keeps the drain going: an idle client with a session
 * and its server.health probe reconnects after each server.closing, but
 * with a pause that doubles, so the drain costs a handful of connections
 * rather than ten a second; and the pause starts again from the shortest
 * once a connection is answered (here by the server restarted on its port,
 * which answers the next call).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "probe.h"
#include "rpc_client.h"
#include "tsupport.h"

/* How long the connections the draining server accepts are counted. 100 ms
 * apart they are about 45 on an idle machine; doubling from 100 ms up to
 * 2 s, 6. A loaded machine only makes fewer. */
#define WINDOW_MS 5000
#define WINDOW_MAX 15

/* Connections logged (debug); the drain outlasts the test's wait. */
static const char *const drain_env[] = {"PADLINE_LOG=debug",
                                        "PADLINE_DRAIN_TIMEOUT=300", NULL};

/* An idle TUI: a signed-in rpc_client and its probe, on this thread. */
struct tui {
	uv_loop_t loop;
	struct rpc_client *c;
	struct probe probe;
	char token[256];
	int answers; /* calls answered */
	int errors;  /* ... with an error */
	char last_err[300];
};

static struct ts_server srv;
static struct ts_client *hold; /* keeps the drain going */
static char schema[64];

static json_t *
resume_params(void *ud)
{
	struct tui *t = ud;

	return t->token[0] ? json_pack("{s:s}", "token", t->token) : NULL;
}

static void
on_answer(void *ud, json_t *result, const struct pl_error *err)
{
	struct tui *t = ud;
	const char *token = json_string_value(json_object_get(result, "token"));

	t->answers++;
	if (err->code) {
		t->errors++;
		snprintf(t->last_err, sizeof t->last_err, "%d %s %s", err->code,
		         err->reason, err->message);
	} else if (token != NULL) {
		snprintf(t->token, sizeof t->token, "%s", token);
	}
}

/* Runs the loop until *n >= want, at most timeout_ms. */
static void
run_until(struct tui *t, const int *n, int want, int timeout_ms)
{
	long long end = ts_now_ms() + timeout_ms;

	while (*n < want && ts_now_ms() < end) {
		uv_run(&t->loop, UV_RUN_NOWAIT);
		uv_sleep(1);
	}
}

static void
run_for(struct tui *t, int ms)
{
	int never = 0;

	run_until(t, &never, 1, ms);
}

/* padlined with a user, the TUI signed in and probing, and a second
 * connection that will keep a drain going. */
static void
setup(struct tui *t)
{
	memset(t, 0, sizeof *t);
	ts_unique_schema("tui_backoff", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, drain_env, NULL), 0);
	ck_assert_int_eq(ts_create_user(schema, "idler", TS_PASSWORD, 0), 0);
	uv_loop_init(&t->loop);
	t->c = rpc_client_new(&t->loop, "127.0.0.1", srv.port);
	rpc_client_on_connect(t->c, resume_params, t);
	rpc_send(t->c, "session.login",
	         json_pack("{s:s, s:s}", "username", "idler", "password",
	                   TS_PASSWORD),
	         on_answer, t);
	run_until(t, &t->answers, 1, TS_PATIENCE_MS);
	ck_assert_msg(t->answers == 1 && t->errors == 0, "login: %s",
	              t->last_err);
	probe_start(&t->probe, &t->loop, t->c, NULL, NULL);
	hold = ts_client_connect(srv.port);
	ck_assert_ptr_nonnull(hold);
	json_decref(ts_call(hold, "server.hello", NULL));
}

/* SIGTERM; the held connection hears server.closing, so padlined drains. */
static void
drain(void)
{
	char *line;

	kill(srv.pid, SIGTERM);
	line = ts_client_read_line(hold, TS_PATIENCE_MS, NULL);
	ck_assert_msg(line != NULL && strstr(line, "server.closing") != NULL,
	              "the held connection was not told server.closing");
	free(line);
}

/* Lets the draining padlined go (the held connection closes) and waits
 * for its exit, running the TUI meanwhile (padlined waits for it to
 * close its connections too). */
static void
let_go(struct tui *t)
{
	long long end = ts_now_ms() + TS_PATIENCE_MS;
	int status = -1;

	ts_client_free(hold);
	hold = NULL;
	while (srv.pid > 0 && ts_now_ms() < end) {
		if (waitpid(srv.pid, &status, WNOHANG) == srv.pid)
			srv.pid = 0;
		run_for(t, 10);
	}
	ck_assert_msg(srv.pid == 0, "padlined did not exit");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
teardown(struct tui *t)
{
	probe_stop(&t->probe);
	rpc_client_free(t->c);
	uv_run(&t->loop, UV_RUN_DEFAULT); /* the handles' close callbacks */
	ck_assert_int_eq(uv_loop_close(&t->loop), 0);
	ts_client_free(hold);
	hold = NULL;
	ts_server_stop(&srv);
	ts_db_drop_schema(schema);
}

/* Connections padlined accepted since it began shutting down. */
static int
accepted_while_draining(void)
{
	char *log = ts_file_read(srv.log_path), *at = log, *from = NULL;
	int n = 0;

	while ((at = strstr(at, "msg=\"shutting down\"")) != NULL)
		from = at++;
	ck_assert_msg(from != NULL, "padlined did not log its drain");
	while ((from = strstr(from, "msg=\"client connected\"")) != NULL) {
		n++;
		from++;
	}
	free(log);
	return n;
}

START_TEST(idle_client_backs_off_while_server_drains)
{
	struct tui t;
	int n;

	setup(&t);
	drain();
	run_for(&t, WINDOW_MS);
	n = accepted_while_draining();
	fprintf(stderr,
	        "tui backoff: the idle client connected %d times in the "
	        "drain's first %d ms\n",
	        n, WINDOW_MS);
	ck_assert_msg(n >= 1, "the idle client never reconnected");
	ck_assert_msg(n <= WINDOW_MAX,
	              "the idle client connected %d times in %d ms", n,
	              WINDOW_MS);
	let_go(&t);
	teardown(&t);
}
END_TEST

/* After three closings in a row the pause has doubled to 800 ms; the server
 * restarted on its port answers the next call (the session resumed), and
 * that answer brings the pause back to 100 ms. */
START_TEST(pause_starts_again_once_answered)
{
	struct tui t;
	long long end = ts_now_ms() + TS_PATIENCE_MS;
	int before;

	setup(&t);
	ck_assert_uint_eq(rpc_move_pause_ms(t.c), 100);
	drain();
	while (rpc_move_pause_ms(t.c) < 800 && ts_now_ms() < end)
		run_for(&t, 10);
	ck_assert_uint_ge(rpc_move_pause_ms(t.c), 800);
	let_go(&t);
	ck_assert_int_eq(ts_server_restart(&srv, drain_env, NULL), 0);
	before = t.answers;
	rpc_send(t.c, "user.me", NULL, on_answer, &t);
	run_until(&t, &t.answers, before + 1, TS_PATIENCE_MS);
	ck_assert_msg(t.answers == before + 1, "user.me was not answered");
	ck_assert_msg(t.errors == 0, "user.me: %s", t.last_err);
	ck_assert_uint_eq(rpc_move_pause_ms(t.c), 100);
	teardown(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_backoff");
	TCase *tc = tcase_create("drain");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, idle_client_backs_off_while_server_drains);
	tcase_add_test(tc, pause_starts_again_once_answered);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
