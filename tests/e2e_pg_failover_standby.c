/* PostgreSQL standbys under padlined: a primary demoted to a standby
 * answers 503, never 500, and the same padlined writes again once it is
 * promoted; padlined started on a standby waits for a primary. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_failover_suite.h"
#include "tsupport.h"

/* The primary becomes a standby under padlined (a demotion: stopped, and
 * started again in recovery). New connections land on it without
 * target_session_attrs: writes there are 503, never 500. */
START_TEST(standby_answers_503_never_500)
{
	struct ts_server srv;
	struct ts_client *c;
	char ports[16], name[32], *id;
	json_t *r;
	int code, n503 = 0;

	fo_primary_make();
	snprintf(ports, sizeof ports, "%d", fo_primary.port);
	fo_use_url("127.0.0.1", ports, "");
	c = fo_serve_with_user(&srv, NULL);
	free(fo_pad_create(c, "before", &code));
	ck_assert_int_eq(code, 0);

	ck_assert_int_eq(fo_as_pg("%s/pg_ctl -D %s -m fast -w -t 120 stop "
	                          ">/dev/null && touch %s/standby.signal",
	                          fo_pg_bin(), fo_primary.data,
	                          fo_primary.data),
	                 0);
	ck_assert_int_eq(pgc_start(&fo_primary), 0);

	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "on a standby %d", i);
		id = fo_pad_create(c, name, &code);
		free(id);
		ck_assert_msg(code == 503, "create on a standby answered %d",
		              code);
		n503++;
	}
	printf("standby: %d creates answered 503\n", n503);
	fflush(stdout);
	r = ts_call(c, "server.health", NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(ts_result(r), "db")),
	                 "up");
	ck_assert(
	    json_is_true(json_object_get(ts_result(r), "pg_is_in_recovery")));
	json_decref(r);

	/* Promoted again: the same padlined writes. */
	ck_assert_int_eq(pgc_promote(&fo_primary), 0);
	code = -1;
	for (long long t0 = ts_now_ms();
	     code != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS; usleep(100000))
		free(fo_pad_create(c, "after", &code));
	ck_assert_int_eq(code, 0);
	r = ts_call(c, "server.health", NULL);
	ck_assert(
	    json_is_false(json_object_get(ts_result(r), "pg_is_in_recovery")));
	json_decref(r);
	ts_client_free(c);
	ts_server_kill(&srv);
}
END_TEST

static void *
promote_later(void *arg)
{
	(void)arg;
	/* Long enough for padlined to find only a standby, more than once. */
	sleep(4);
	return (void *)(long)pgc_promote(&fo_standby);
}

/* padlined started while its only host is a standby waits (saying so) and
 * comes up once the standby is promoted. */
START_TEST(startup_waits_for_a_primary)
{
	struct ts_server srv;
	struct ts_client *c;
	pthread_t t;
	void *promoted;
	char ports[16], *log;
	int code;

	fo_primary_make();
	fo_standby_make();
	/* The standby alone: the primary is gone. */
	pgc_kill(&fo_primary);
	snprintf(ports, sizeof ports, "%d", fo_standby.port);
	fo_use_url("127.0.0.1", ports, "");
	ck_assert_int_eq(pthread_create(&t, NULL, promote_later, NULL), 0);
	ck_assert_int_eq(ts_server_start(&srv, fo_schema, NULL, NULL), 0);
	fo_server_started(&srv);
	pthread_join(t, &promoted);
	ck_assert_int_eq((int)(long)promoted, 0);
	log = ts_file_read(srv.log_path);
	ck_assert_msg(strstr(log, "waiting for a PostgreSQL primary") != NULL,
	              "no waiting message in the log");
	ck_assert_msg(strstr(log, "standby") != NULL,
	              "the log does not say why it waited");
	free(log);

	ck_assert_int_eq(ts_create_user(fo_schema, "fo_user", TS_PASSWORD, 0),
	                 0);
	c = fo_user_client(srv.port);
	free(fo_pad_create(c, "first", &code));
	ck_assert_int_eq(code, 0);
	ts_client_free(c);
	ts_server_kill(&srv);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pg_failover_standby");

	fo_add(s, "standby", standby_answers_503_never_500);
	fo_add(s, "startup", startup_waits_for_a_primary);
	return ts_run(s);
}
