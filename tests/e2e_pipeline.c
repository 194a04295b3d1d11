/* Pipelined transactions (db_tx_*): a statement failing in the middle of a
 * batch leaves nothing behind — through padlined (pad.update whose UPDATE
 * clashes after its backup was written in the same batch) and through the
 * db layer itself (3 statements, the 2nd violating a key; prepared and
 * unnamed; with BEGIN/COMMIT and as one implicit transaction), later
 * decoders never run, the connection is clean for the next transaction, a
 * one-batch transaction given up is never committed, and a backend killed
 * mid-batch is a 503 on a connection the pool will not lend again. */
#include "db.h"
#include "db_pool.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

START_TEST(update_failing_mid_batch_writes_nothing)
{
	const char *a =
	    ts_pad_create(alice, "alpha", json_pack("{s:i}", "n", 1));
	char id[40], sql[160];
	const char *p[1] = {id};
	long long backups, audits, version;
	json_t *pad;

	(void)a;
	snprintf(id, sizeof id, "%s",
	         ts_pad_create(alice, "beta", json_pack("{s:i}", "n", 2)));
	backups = ts_db_count(tenv.db, "SELECT count(*) FROM backups", 0, NULL);
	audits =
	    ts_db_count(tenv.db, "SELECT count(*) FROM audit_log", 0, NULL);
	version = ts_db_count(tenv.db, "SELECT version FROM pads WHERE id = $1",
	                      1, p);
	/* Batch 2 of the update: backup INSERT, prune, the pads UPDATE (a
	 * name clash: 23505), the audit row, COMMIT. */
	ts_expect_err(alice, "pad.update",
	              json_pack("{s:s, s:s, s:{s:i}}", "id", id, "display_name",
	                        "alpha", "data", "n", 3),
	              409, "name_taken");
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM backups", 0, NULL),
	    backups);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM audit_log", 0, NULL),
	    audits);
	ck_assert_int_eq(ts_db_count(tenv.db,
	                             "SELECT version FROM pads WHERE id = $1",
	                             1, p),
	                 version);
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM pads WHERE id = $1 AND "
	         "data = '{\"n\": 2}'::jsonb AND display_name = 'beta'");
	ck_assert_int_eq(ts_db_count(tenv.db, sql, 1, p), 1);
	/* The same connection pool goes on working. */
	pad = ts_ok(alice, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", id, "data", "n", 4));
	ck_assert_int_eq(ts_pad_int(pad, "version"), version + 1);
	json_decref(pad);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM backups", 0, NULL),
	    backups + 1);
}
END_TEST

/* ---- the db layer alone -------------------------------------------- */

/* Counts decoder calls: ctx is the counter's address. */
static int
count_decode(const PGresult *r, void *ctx, struct pl_error *err)
{
	(void)r;
	(void)err;
	(**(int **)ctx)++;
	return 0;
}

static int
insert_row(struct db_conn *c, const char *k, int *decoded, struct pl_error *err)
{
	const char *p[1] = {k};

	return db_query(c, "INSERT INTO @pipe_t (k) VALUES ($1) RETURNING k", 1,
	                p, count_decode, &decoded, sizeof decoded, err);
}

static struct db_conn *
layer_conn(int prepare)
{
	struct pl_error err;
	struct db_conn *c;

	pl_error_init(&err);
	c = db_conn_new(db_connect(getenv("DATABASE_URL"), 30, &err),
	                tenv.schema, prepare, &err);
	ck_assert_msg(c != NULL, "connect: %s", err.message);
	return c;
}

/* one_batch: db_tx_begin_one (no BEGIN/COMMIT; the Sync commits). */
static void
tx_open(struct db_conn *c, int one_batch, struct pl_error *err)
{
	if (one_batch)
		ck_assert_int_eq(db_tx_begin_one(c, err), 0);
	else {
		ck_assert_int_eq(db_tx_begin(c, err), 0);
		db_tx_batch(c);
	}
}

static void
failing_batch_rolls_back(int prepare, int one_batch)
{
	struct db_conn *c = layer_conn(prepare);
	struct pl_error err;
	int d1 = 0, d2 = 0, d3 = 0;

	ts_db_exec(tenv.db, "CREATE TABLE IF NOT EXISTS pipe_t (k text PRIMARY "
	                    "KEY)");
	ts_db_exec(tenv.db, "TRUNCATE pipe_t");
	ts_db_exec(tenv.db, "INSERT INTO pipe_t VALUES ('taken')");
	pl_error_init(&err);
	tx_open(c, one_batch, &err);
	ck_assert_int_eq(insert_row(c, "one", &d1, &err), 0);
	ck_assert_int_eq(insert_row(c, "taken", &d2, &err), 0);
	ck_assert_int_eq(insert_row(c, "three", &d3, &err), 0);
	ck_assert_int_eq(db_tx_commit(c, &err), PL_ERR_INTERNAL);
	ck_assert_str_eq(db_sqlstate(c), "23505");
	/* The first statement ran (and was decoded) before the failure;
	 * nothing after it was. */
	ck_assert_int_eq(d1, 1);
	ck_assert_int_eq(d2, 0);
	ck_assert_int_eq(d3, 0);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pipe_t", 0, NULL), 1);
	ck_assert(db_conn_reusable(c));
	/* The next transaction on that connection starts clean, and the
	 * statements prepared in the failed batch still run by name. */
	pl_error_clear(&err);
	tx_open(c, one_batch, &err);
	ck_assert_int_eq(insert_row(c, "one", &d1, &err), 0);
	ck_assert_int_eq(insert_row(c, "three", &d3, &err), 0);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	ck_assert_int_eq(d1 + d3, 3);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pipe_t", 0, NULL), 3);
	/* Outside a transaction a statement runs at once. */
	ck_assert_int_eq(insert_row(c, "four", &d2, &err), 0);
	ck_assert_int_eq(d2, 1);
	db_conn_free(c);
	pl_error_clear(&err);
}

START_TEST(failing_batch_rolls_back_prepared)
{
	failing_batch_rolls_back(1, 0);
}
END_TEST

START_TEST(failing_batch_rolls_back_unnamed)
{
	failing_batch_rolls_back(0, 0);
}
END_TEST

START_TEST(failing_one_batch_rolls_back_prepared)
{
	failing_batch_rolls_back(1, 1);
}
END_TEST

START_TEST(failing_one_batch_rolls_back_unnamed)
{
	failing_batch_rolls_back(0, 1);
}
END_TEST

/* A one-batch transaction given up after queueing (or asked to send
 * early) must not be committed by a Sync: it writes nothing, and its
 * connection is not lent again. */
static void
one_batch_abandoned(int flush_early)
{
	struct db_conn *c = layer_conn(1);
	struct pl_error err;
	int d1 = 0;

	ts_db_exec(tenv.db, "CREATE TABLE IF NOT EXISTS pipe_t (k text PRIMARY "
	                    "KEY)");
	ts_db_exec(tenv.db, "TRUNCATE pipe_t");
	pl_error_init(&err);
	ck_assert_int_eq(db_tx_begin_one(c, &err), 0);
	ck_assert_int_eq(insert_row(c, "one", &d1, &err), 0);
	if (flush_early) {
		ck_assert_int_eq(db_tx_flush(c, &err), PL_ERR_INTERNAL);
		pl_error_clear(&err);
		ck_assert_int_eq(db_tx_commit(c, &err), PL_ERR_INTERNAL);
	} else
		db_tx_rollback(c);
	ck_assert_int_eq(d1, 0);
	ck_assert(!db_conn_reusable(c));
	db_conn_free(c);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pipe_t", 0, NULL), 0);
	pl_error_clear(&err);
}

START_TEST(one_batch_rollback_writes_nothing)
{
	one_batch_abandoned(0);
}
END_TEST

START_TEST(one_batch_early_flush_is_refused)
{
	one_batch_abandoned(1);
}
END_TEST

START_TEST(backend_killed_mid_batch_is_503_and_not_reused)
{
	struct db_conn *c = layer_conn(1);
	struct pl_error err;
	int d1 = 0, d3 = 0;

	ts_db_exec(tenv.db, "CREATE TABLE IF NOT EXISTS pipe_t (k text PRIMARY "
	                    "KEY)");
	ts_db_exec(tenv.db, "TRUNCATE pipe_t");
	pl_error_init(&err);
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	db_tx_batch(c);
	ck_assert_int_eq(insert_row(c, "one", &d1, &err), 0);
	ck_assert_int_eq(db_query_run(c,
	                              "SELECT pg_terminate_backend("
	                              "pg_backend_pid())",
	                              0, NULL, &err),
	                 0);
	ck_assert_int_eq(insert_row(c, "three", &d3, &err), 0);
	ck_assert_int_eq(db_tx_commit(c, &err), PL_ERR_UNAVAILABLE);
	ck_assert_int_eq(d3, 0);
	ck_assert(!db_conn_reusable(c));
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pipe_t", 0, NULL), 0);
	db_conn_free(c);
	pl_error_clear(&err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pipeline");
	TCase *tc = tcase_create("pipeline");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, update_failing_mid_batch_writes_nothing);
	tcase_add_test(tc, failing_batch_rolls_back_prepared);
	tcase_add_test(tc, failing_batch_rolls_back_unnamed);
	tcase_add_test(tc, failing_one_batch_rolls_back_prepared);
	tcase_add_test(tc, failing_one_batch_rolls_back_unnamed);
	tcase_add_test(tc, one_batch_rollback_writes_nothing);
	tcase_add_test(tc, one_batch_early_flush_is_refused);
	tcase_add_test(tc, backend_killed_mid_batch_is_503_and_not_reused);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
