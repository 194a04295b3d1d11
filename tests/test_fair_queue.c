/* fair_queue: FIFO within a source, round-robin across backlogged sources,
 * and a source with nothing waiting served at the next pop. */
#include <check.h>
#include <stddef.h>

#include "fair_queue.h"
#include "tsupport.h"

struct job {
	struct fairq_item it;
	char src;
	int n;
};

static struct job *
job_of(struct fairq_item *it)
{
	return it ? (struct job *)((char *)it - offsetof(struct job, it))
	          : NULL;
}

START_TEST(one_source_is_fifo)
{
	struct fairq q;
	struct job j[5];

	fairq_init(&q);
	for (int i = 0; i < 5; i++) {
		j[i].n = i;
		fairq_push(&q, "10.0.0", &j[i].it);
	}
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(job_of(fairq_pop(&q))->n, i);
	ck_assert_ptr_null(fairq_pop(&q));
	ck_assert_uint_eq(q.waiting, 0);
	fairq_free(&q);
}
END_TEST

START_TEST(backlog_does_not_starve_a_newcomer)
{
	struct fairq q;
	struct job a[6], b[2], c;
	char got[16] = {0};

	fairq_init(&q);
	for (int i = 0; i < 6; i++) {
		a[i] = (struct job){.src = 'A', .n = i};
		fairq_push(&q, "A", &a[i].it);
	}
	ck_assert_int_eq(job_of(fairq_pop(&q))->n, 0);
	for (int i = 0; i < 2; i++) {
		b[i] = (struct job){.src = 'b', .n = i};
		fairq_push(&q, "B", &b[i].it);
	}
	c = (struct job){.src = 'c'};
	fairq_push(&q, "C", &c.it);
	/* b and c are fresh, A is backlogged: b, c, then round-robin of
	 * A and b until b is drained. got[0] is A's first, popped above. */
	got[0] = 'A';
	for (int i = 1; i < 9; i++) {
		struct job *j = job_of(fairq_pop(&q));

		ck_assert_ptr_nonnull(j);
		got[i] = j->src;
	}
	ck_assert_ptr_null(fairq_pop(&q));
	ck_assert_str_eq(got, "AbcAbAAAA");
	fairq_free(&q);
}
END_TEST

START_TEST(peer_key_is_the_network)
{
	char k[64];

	fairq_peer_key("127.2.0.17", k, sizeof k);
	ck_assert_str_eq(k, "127.2.0");
	fairq_peer_key("::ffff:10.1.2.3", k, sizeof k);
	ck_assert_str_eq(k, "::ffff:10.1.2");
	fairq_peer_key("2001:db8:1:2:3:4:5:6", k, sizeof k);
	ck_assert_str_eq(k, "2001:db8:1:2::/64");
	fairq_peer_key("unknown", k, sizeof k);
	ck_assert_str_eq(k, "unknown");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fair_queue");
	TCase *tc = tcase_create("fair_queue");

	tcase_add_test(tc, one_source_is_fifo);
	tcase_add_test(tc, backlog_does_not_starve_a_newcomer);
	tcase_add_test(tc, peer_key_is_the_network);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
