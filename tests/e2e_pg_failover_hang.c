/* PostgreSQL that stops answering under a running padlined: a stopped
 * (SIGSTOP) primary costs 503s within the statement deadline, not a hang;
 * creates succeed again soon after the standby's promotion, without a
 * restart; health answers throughout; a statement past
 * PADLINE_DB_QUERY_TIMEOUT is 503 and its connection dropped. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_failover_suite.h"
#include "tsupport.h"

/* The contract: creates succeed again this soon after the promotion. */
#define FAILOVER_BOUND_MS 10000
/* "Answers within a few seconds": health waits at most 1 s for
 * PostgreSQL; the rest is a loaded machine's scheduling. */
#define HEALTH_BOUND_MS 5000

/* Waits (under TS_PATIENCE_MS) until the standby has replayed all the
 * primary has written so far: with asynchronous streaming, a primary
 * stopped before its WAL went out would lose the load's sessions to the
 * promotion, and the creates after it would answer 401, not the 503s and
 * successes this test is about. */
static void
standby_catch_up(void)
{
	PGconn *p = pgc_connect(&fo_primary), *s = pgc_connect(&fo_standby);
	PGresult *r = PQexec(p, "SELECT pg_current_wal_lsn()::text");
	const char *param[1];
	long long t0 = ts_now_ms();
	int caught = 0;

	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	param[0] = PQgetvalue(r, 0, 0);
	while (!caught && ts_now_ms() - t0 < TS_PATIENCE_MS) {
		PGresult *q = PQexecParams(
		    s, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", 1, NULL,
		    param, NULL, NULL, 0);

		ck_assert_int_eq(PQresultStatus(q), PGRES_TUPLES_OK);
		caught = strcmp(PQgetvalue(q, 0, 0), "t") == 0;
		PQclear(q);
		if (!caught)
			usleep(20000);
	}
	ck_assert_msg(caught, "the standby did not replay up to %s", param[0]);
	PQclear(r);
	PQfinish(p);
	PQfinish(s);
}

/* ---- the hung primary, then a promotion ------------------------------ */

struct load {
	pthread_mutex_t mu;
	int port, stop;
	long long promoted_at; /* ts_now_ms, 0 before */
	long long first_ok_after;
	int ok, e503, other, unanswered;
	int health_n, health_unanswered;
	long long health_max_ms;
};

static struct load load;

static void *
load_run(void *arg)
{
	struct ts_client *c = ts_client_connect(load.port);
	long n = (long)arg * 1000000;

	if (c == NULL || ts_login(c, "fo_user", TS_PASSWORD) != 0) {
		pthread_mutex_lock(&load.mu);
		load.unanswered++;
		pthread_mutex_unlock(&load.mu);
		ts_client_free(c);
		return NULL;
	}
	for (;;) {
		char name[64];
		int code;

		pthread_mutex_lock(&load.mu);
		int stop = load.stop;
		pthread_mutex_unlock(&load.mu);
		if (stop)
			break;
		snprintf(name, sizeof name, "load %ld", n++);
		free(fo_pad_create(c, name, &code));
		long long t = ts_now_ms();

		pthread_mutex_lock(&load.mu);
		if (code == 0) {
			load.ok++;
			if (load.promoted_at && !load.first_ok_after)
				load.first_ok_after = t;
		} else if (code == 503)
			load.e503++;
		else if (code < 0)
			load.unanswered++;
		else
			load.other++;
		pthread_mutex_unlock(&load.mu);
		if (code < 0)
			break; /* a reply may still come: this client is done */
		if (code != 0)
			usleep(50000);
	}
	ts_client_free(c);
	return NULL;
}

static void *
health_run(void *arg)
{
	struct ts_client *c = ts_client_connect(load.port);

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&load.mu);
		int stop = load.stop;
		pthread_mutex_unlock(&load.mu);
		if (stop || c == NULL)
			break;
		long long t0 = ts_now_ms();
		json_t *r = ts_call(c, "server.health", NULL);
		long long ms = ts_now_ms() - t0;

		pthread_mutex_lock(&load.mu);
		load.health_n++;
		if (r == NULL)
			load.health_unanswered++;
		if (ms > load.health_max_ms)
			load.health_max_ms = ms;
		pthread_mutex_unlock(&load.mu);
		json_decref(r);
		if (r == NULL)
			break;
		usleep(200000);
	}
	ts_client_free(c);
	return NULL;
}

static int
load_get(int *field)
{
	pthread_mutex_lock(&load.mu);
	int v = *field;
	pthread_mutex_unlock(&load.mu);
	return v;
}

START_TEST(hung_primary_then_promotion)
{
	const char *env[] = {"PADLINE_WORKERS=4", NULL};
	struct ts_server srv;
	pthread_t th[3];
	char ports[32];
	long long t0, stopped_at;
	int ok_before, e503_before;

	fo_primary_make();
	fo_standby_make();
	snprintf(ports, sizeof ports, "%d,%d", fo_primary.port,
	         fo_standby.port);
	fo_use_url("127.0.0.1,127.0.0.1", ports,
	           "target_session_attrs=read-write");
	ts_client_free(fo_serve_with_user(&srv, env));

	memset(&load, 0, sizeof load);
	pthread_mutex_init(&load.mu, NULL);
	load.port = srv.port;
	for (long i = 0; i < 2; i++)
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, load_run, (void *)i), 0);
	ck_assert_int_eq(pthread_create(&th[2], NULL, health_run, NULL), 0);

	t0 = ts_now_ms();
	while (load_get(&load.ok) < 20 && ts_now_ms() - t0 < TS_PATIENCE_MS)
		usleep(50000);
	ck_assert_int_ge(load_get(&load.ok), 20);
	standby_catch_up();

	/* Every process of the primary stops: its connections stay open
	 * and nothing answers on them. */
	ck_assert_int_gt(pgc_signal(&fo_primary, SIGSTOP), 0);
	stopped_at = ts_now_ms();
	ok_before = load_get(&load.ok);
	e503_before = load_get(&load.e503);
	sleep(3);
	ck_assert_int_eq(pgc_promote(&fo_standby), 0);
	pthread_mutex_lock(&load.mu);
	load.promoted_at = ts_now_ms();
	pthread_mutex_unlock(&load.mu);

	/* The event itself, under a large timeout; the bound is judged
	 * after. */
	t0 = ts_now_ms();
	while (ts_now_ms() - t0 < 2 * TS_PATIENCE_MS) {
		pthread_mutex_lock(&load.mu);
		int done = load.first_ok_after != 0;
		pthread_mutex_unlock(&load.mu);
		if (done)
			break;
		usleep(50000);
	}
	sleep(1);
	pthread_mutex_lock(&load.mu);
	load.stop = 1;
	pthread_mutex_unlock(&load.mu);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);

	printf("hung primary: stopped at +0 ms, promoted at +%lld ms; "
	       "first create after the promotion %s%lld ms after it; "
	       "during and after: %d created, %d answered 503, %d other "
	       "errors, %d unanswered; health: %d answers, slowest %lld ms, "
	       "%d unanswered\n",
	       load.promoted_at - stopped_at,
	       load.first_ok_after ? "" : "none, waited ",
	       load.first_ok_after ? load.first_ok_after - load.promoted_at
	                           : ts_now_ms() - load.promoted_at,
	       load.ok - ok_before, load.e503 - e503_before, load.other,
	       load.unanswered, load.health_n, load.health_max_ms,
	       load.health_unanswered);
	fflush(stdout); /* a failed check ends this process */
	ck_assert_msg(load.first_ok_after != 0,
	              "no create succeeded after the promotion");
	ck_assert_int_le(load.first_ok_after - load.promoted_at,
	                 FAILOVER_BOUND_MS);
	ck_assert_int_eq(load.unanswered, 0);
	ck_assert_int_eq(load.other, 0);
	ck_assert_int_eq(load.health_unanswered, 0);
	ck_assert_int_le(load.health_max_ms, HEALTH_BOUND_MS);
	ts_server_kill(&srv);
}
END_TEST

/* ---- a statement past the deadline ----------------------------------- */

static long long
backend_count(PGconn *db, int pid)
{
	char p[16];
	const char *params[] = {p};

	snprintf(p, sizeof p, "%d", pid);
	return ts_db_count(db,
	                   "SELECT count(*) FROM pg_stat_activity WHERE pid = "
	                   "$1::int",
	                   1, params);
}

START_TEST(statement_past_deadline_is_503_and_dropped)
{
	/* One pooled connection, so which backend serves is known. */
	const char *env[] = {"PADLINE_DB_QUERY_TIMEOUT=1",
	                     "PADLINE_POOL_SIZE=1", NULL};
	struct ts_server srv;
	struct ts_client *c;
	PGconn *db, *locker;
	char ports[16], *id, sql[256];
	const char *params[1];
	json_t *r;
	int code, pid;

	fo_primary_make();
	snprintf(ports, sizeof ports, "%d", fo_primary.port);
	fo_use_url("127.0.0.1", ports, "");
	c = fo_serve_with_user(&srv, env);
	id = fo_pad_create(c, "locked", &code);
	ck_assert_int_eq(code, 0);

	db = pgc_connect(&fo_primary);
	/* The pool's one connection, once startup's have gone. */
	ck_assert_int_eq(
	    ts_db_wait_count(db,
	                     "SELECT count(*) FROM pg_stat_activity "
	                     "WHERE application_name = 'padlined'",
	                     0, NULL, 1, TS_PATIENCE_MS),
	    1);
	pid = (int)ts_db_count(db,
	                       "SELECT pid FROM pg_stat_activity WHERE "
	                       "application_name = 'padlined' AND datname = "
	                       "'padline'",
	                       0, NULL);
	locker = pgc_connect(&fo_primary);
	snprintf(sql, sizeof sql, "SET search_path TO %s", fo_schema);
	ts_db_exec(locker, sql);
	ts_db_exec(locker, "BEGIN");
	params[0] = id;
	PQclear(PQexecParams(locker,
	                     "SELECT 1 FROM pads WHERE id = $1 FOR UPDATE", 1,
	                     NULL, params, NULL, NULL, 0));

	r = ts_call(c, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", id, "data", "n", 2));
	ck_assert_msg(r != NULL, "no answer while the row is locked");
	ck_assert_int_eq(ts_error_code(r), 503);
	ck_assert_str_eq(ts_error_reason(r), "database_timeout");
	json_decref(r);
	/* The connection is closed, never lent again: its backend goes
	 * (cancelled, then the client is gone). */
	for (long long t0 = ts_now_ms();
	     backend_count(db, pid) != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS;)
		usleep(50000);
	ck_assert_int_eq(backend_count(db, pid), 0);

	ts_db_exec(locker, "ROLLBACK");
	r = ts_call(c, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", id, "data", "n", 3));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	PQfinish(locker);
	PQfinish(db);
	free(id);
	ts_client_free(c);
	ts_server_kill(&srv);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pg_failover_hang");

	fo_add(s, "hung_primary", hung_primary_then_promotion);
	fo_add(s, "deadline", statement_past_deadline_is_503_and_dropped);
	return ts_run(s);
}
