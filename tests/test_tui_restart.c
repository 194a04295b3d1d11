/*
 * The TUI's transport across a rolling restart: two padlined behind
 * HAProxy, each stopped with SIGTERM and started again while the client
 * keeps four pad.create calls in flight. Every call must come back with its
 * pad (the client moves what server.closing or 503 shutting_down left
 * unanswered to its next connection, and sends every write with an
 * idempotency_key), none doubled, none failed "disconnected".
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "rpc_client.h"
#include "tsupport.h"

#define IN_FLIGHT 4
#define PROGRESS 20 /* acknowledged creates between restarts */

static struct ts_server srv[2];
static struct ts_haproxy lb;
static char schema[64], token[256];

struct load {
	uv_loop_t loop;
	struct rpc_client *c;
	pthread_t th;
	atomic_int acked, stop;
	int sent, errors, running;
	char last_err[400];
	json_t *ids; /* display name -> pad id */
	int signed_in;
};

static json_t *
resume_params(void *ud)
{
	(void)ud;
	return token[0] ? json_pack("{s:s}", "token", token) : NULL;
}

static void create_next(struct load *);

struct create {
	struct load *l;
	char name[32];
};

static void
on_created(void *ud, json_t *result, const struct pl_error *err)
{
	struct create *cr = ud;
	struct load *l = cr->l;

	l->running--;
	if (err->code == 0) {
		json_object_set(
		    l->ids, cr->name,
		    json_object_get(json_object_get(result, "pad"), "id"));
		atomic_fetch_add(&l->acked, 1);
	} else {
		l->errors++;
		snprintf(l->last_err, sizeof l->last_err, "%s: %d %s %.200s",
		         cr->name, err->code, err->reason, err->message);
	}
	free(cr);
	if (err->code == 0)
		create_next(l);
}

static void
create_next(struct load *l)
{
	while (!atomic_load(&l->stop) && l->running < IN_FLIGHT) {
		struct create *cr = calloc(1, sizeof *cr);

		cr->l = l;
		snprintf(cr->name, sizeof cr->name, "tui-%d", l->sent++);
		l->running++;
		rpc_send(l->c, "pad.create",
		         json_pack("{s:s}", "display_name", cr->name),
		         on_created, cr);
	}
}

static void
on_login(void *ud, json_t *result, const struct pl_error *err)
{
	struct load *l = ud;

	if (err->code != 0) {
		l->signed_in = -1;
		return;
	}
	snprintf(token, sizeof token, "%s",
	         json_string_value(json_object_get(result, "token")));
	l->signed_in = 1;
}

static void *
load_run(void *arg)
{
	struct load *l = arg;

	while (!l->signed_in)
		uv_run(&l->loop, UV_RUN_ONCE);
	if (l->signed_in < 0) {
		snprintf(l->last_err, sizeof l->last_err, "login failed");
		return NULL;
	}
	create_next(l);
	while (!atomic_load(&l->stop) || l->running > 0) {
		uv_run(&l->loop, UV_RUN_NOWAIT);
		uv_sleep(1);
	}
	return NULL;
}

static void
wait_progress(struct load *l)
{
	int base = atomic_load(&l->acked);
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	while (atomic_load(&l->acked) < base + PROGRESS) {
		ck_assert_msg(ts_now_ms() < deadline, "no progress: %s",
		              l->last_err);
		uv_sleep(10);
	}
}

START_TEST(writes_survive_rolling_restart)
{
	const char *env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32", NULL};
	struct load l;
	int ports[2];
	PGconn *db;
	const char *name;
	json_t *id;

	memset(&l, 0, sizeof l);
	ts_unique_schema("tui_restart", schema, sizeof schema);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ts_server_start(&srv[i], schema, env, NULL),
		                 0);
		ports[i] = srv[i].port;
	}
	ck_assert_int_eq(ts_create_user(schema, "tuiroll", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(ts_haproxy_start(&lb, ports, 2), 0);
	ck_assert_int_eq(ts_haproxy_wait_served(&lb, NULL), 0);
	uv_loop_init(&l.loop);
	l.ids = json_object();
	l.c = rpc_client_new(&l.loop, "127.0.0.1", lb.port);
	rpc_client_on_connect(l.c, resume_params, NULL);
	rpc_send(l.c, "session.login",
	         json_pack("{s:s, s:s}", "username", "tuiroll", "password",
	                   TS_PASSWORD),
	         on_login, &l);
	pthread_create(&l.th, NULL, load_run, &l);
	wait_progress(&l);
	for (int i = 0; i < 2; i++) {
		int status = ts_server_stop(&srv[i]);

		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ck_assert_int_eq(ts_server_restart(&srv[i], env, NULL), 0);
		/* As operations.md asks: the next restart waits until
		 * HAProxy has this one UP again. */
		ck_assert_int_eq(ts_haproxy_wait_up(&lb, i), 0);
		wait_progress(&l);
	}
	atomic_store(&l.stop, 1);
	pthread_join(l.th, NULL);
	fprintf(stderr, "tui restart: sent=%d acked=%d errors=%d %s\n", l.sent,
	        atomic_load(&l.acked), l.errors, l.last_err);
	ck_assert_msg(l.errors == 0, "%d calls failed, last: %s", l.errors,
	              l.last_err);
	db = ts_db_connect(schema);
	json_object_foreach (l.ids, name, id) {
		const char *p[] = {json_string_value(id), name};

		ck_assert_int_eq(
		    ts_db_count(db,
		                "SELECT count(*) FROM pads WHERE "
		                "id = $1::uuid AND display_name = $2",
		                2, p),
		    1);
	}
	ck_assert_int_eq(ts_db_count(db, "SELECT count(*) FROM pads", 0, NULL),
	                 (long long)json_object_size(l.ids));
	/* Each went with its own key. */
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM idempotency_keys "
	                             "WHERE method = 'pad.create'",
	                             0, NULL),
	                 (long long)json_object_size(l.ids));
	PQfinish(db);
	rpc_client_free(l.c);
	uv_run(&l.loop, UV_RUN_DEFAULT); /* the handles' close callbacks */
	ck_assert_int_eq(uv_loop_close(&l.loop), 0);
	json_decref(l.ids);
	ts_haproxy_stop(&lb);
	for (int i = 0; i < 2; i++)
		ts_server_stop(&srv[i]);
	ts_db_drop_schema(schema);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_restart");
	TCase *tc = tcase_create("haproxy");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, writes_survive_rolling_restart);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
