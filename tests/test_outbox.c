/* The outbox hook on a real connection (a schema migrated by padlined):
 * audit_emit's row goes out with the transaction, and its event reaches
 * the connection's sink only once the transaction has committed, in order;
 * a rollback or a failed commit (a one-batch transaction too) drops it and
 * leaves no row. Outside a transaction the row commits and the event goes
 * at once. In an outer transaction, events wait for its COMMIT. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db_pool.h"
#include "outbox.h"
#include "tsupport.h"

static char schema[64];

struct seen {
	int n;
	long long id[8];
	char action[8][64];
};

static void
sink(void *arg, long long id, const char *event)
{
	struct seen *s = arg;
	json_t *ev = json_loads(event, 0, NULL);

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_lt(s->n, 8);
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "id")), id);
	strcpy(s->action[s->n],
	       json_string_value(json_object_get(ev, "action")));
	s->id[s->n++] = id;
	json_decref(ev);
}

static struct db_conn *
open_conn(struct seen *s)
{
	struct pl_error err;
	struct db_conn *c;

	pl_error_init(&err);
	c = db_conn_open(getenv("DATABASE_URL"), schema, 10, &err);
	ck_assert_msg(c != NULL, "connect: %s", err.message);
	db_conn_set_event_sink(c, sink, s);
	return c;
}

static long long
rows(const char *action)
{
	PGconn *db = ts_db_connect(schema);
	const char *p[] = {action};
	long long n = ts_db_count(
	    db, "SELECT count(*) FROM audit_log WHERE action = $1", 1, p);

	PQfinish(db);
	return n;
}

START_TEST(commit_hands_events_in_order)
{
	struct seen s = {0};
	struct db_conn *c = open_conn(&s);
	json_t *subject = json_pack("{s:s}", "name", "first");
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.one", NULL, subject, NULL);
	audit_emit(c, "test.two", NULL, NULL, NULL);
	/* Nothing before the commit. */
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.action[0], "test.one");
	ck_assert_str_eq(s.action[1], "test.two");
	ck_assert_int_lt(s.id[0], s.id[1]);
	ck_assert_int_eq(rows("test.one"), 1);
	json_decref(subject);
	db_conn_free(c);
}
END_TEST

START_TEST(rollback_drops_events)
{
	struct seen s = {0};
	struct db_conn *c = open_conn(&s);
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.rolled_back", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_flush(c, &err), 0);
	db_tx_rollback(c);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(rows("test.rolled_back"), 0);
	/* The next transaction starts with nothing queued. */
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.after", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.action[0], "test.after");
	db_conn_free(c);
}
END_TEST

/* The audit row's INSERT has run (its decoder saw the event) when a later
 * statement of the same batch fails: the commit fails and the event never
 * reaches the sink, in a one-batch transaction and an ordinary one. */
START_TEST(failed_commit_drops_events)
{
	struct seen s = {0};
	struct db_conn *c = open_conn(&s);
	struct pl_error err;

	for (int one = 0; one < 2; one++) {
		pl_error_init(&err);
		ck_assert_int_eq(
		    one ? db_tx_begin_one(c, &err) : db_tx_begin(c, &err), 0);
		audit_emit(c, "test.failed", NULL, NULL, NULL);
		db_query_run(c, "SELECT 1/0", 0, NULL, &err);
		ck_assert_int_ne(db_tx_commit(c, &err), 0);
		pl_error_clear(&err);
		ck_assert_int_eq(s.n, 0);
		ck_assert_int_eq(rows("test.failed"), 0);
		if (one) {
			/* A failed one-batch transaction closes its
			 * connection (db.h). */
			db_conn_free(c);
			c = open_conn(&s);
		}
	}
	db_conn_free(c);
}
END_TEST

/* Inside an outer transaction (idempotent writes) a savepoint's commit
 * commits nothing yet: its events wait for the outer COMMIT; a savepoint
 * rolled back drops only its own. */
START_TEST(outer_commit_hands_savepoints_events)
{
	struct seen s = {0};
	struct db_conn *c = open_conn(&s);
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(db_outer_begin(c, &err), 0);
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.outer_one", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.outer_undone", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_flush(c, &err), 0);
	db_tx_rollback(c);
	ck_assert_int_eq(db_tx_begin_one(c, &err), 0);
	audit_emit(c, "test.outer_two", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(rows("test.outer_one"), 0);
	ck_assert_int_eq(db_outer_commit(c, &err), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.action[0], "test.outer_one");
	ck_assert_str_eq(s.action[1], "test.outer_two");
	ck_assert_int_eq(rows("test.outer_one"), 1);
	ck_assert_int_eq(rows("test.outer_undone"), 0);
	db_conn_free(c);
}
END_TEST

START_TEST(outer_rollback_drops_savepoints_events)
{
	struct seen s = {0};
	struct db_conn *c = open_conn(&s);
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(db_outer_begin(c, &err), 0);
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.outer_dropped", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	db_outer_rollback(c);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(rows("test.outer_dropped"), 0);
	/* Nothing of it lingers for the next transaction. */
	ck_assert_int_eq(db_tx_begin(c, &err), 0);
	audit_emit(c, "test.outer_next", NULL, NULL, NULL);
	ck_assert_int_eq(db_tx_commit(c, &err), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.action[0], "test.outer_next");
	db_conn_free(c);
}
END_TEST

START_TEST(outside_a_transaction_at_once)
{
	struct seen s = {0};
	struct db_conn *c = open_conn(&s);

	audit_emit(c, "test.alone", NULL, NULL, NULL);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.action[0], "test.alone");
	ck_assert_int_eq(rows("test.alone"), 1);
	db_conn_free(c);
}
END_TEST

static void
setup(void)
{
	ts_unique_schema("outbox", schema, sizeof schema);
	ck_assert_int_eq(ts_padlined_run(schema, NULL,
	                                 (const char *[]){"migrate", NULL},
	                                 NULL, 120, NULL, NULL),
	                 0);
}

static void
teardown(void)
{
	ts_db_drop_schema(schema);
}

int
main(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("hook");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, commit_hands_events_in_order);
	tcase_add_test(tc, rollback_drops_events);
	tcase_add_test(tc, failed_commit_drops_events);
	tcase_add_test(tc, outside_a_transaction_at_once);
	tcase_add_test(tc, outer_commit_hands_savepoints_events);
	tcase_add_test(tc, outer_rollback_drops_savepoints_events);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
