/* Unit tests for common/event_sig.c, the signed-event wire format: a group
 * round-trips, every event of a group stands alone, and each way a message
 * can be wrong (unsigned, another key, a changed byte anywhere, cut short,
 * too long, another event under a real group) is refused, also right after
 * its group was accepted (the verifier's memory of the last group). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_sig.h"

#include "tsupport.h"

static const char *const events[3] = {
    "{\"id\": 1, \"action\": \"user.created\", \"subject\": {}}",
    "{\"id\": 2, \"action\": \"user.updated\", \"subject\": {}}",
    "{\"id\": 3, \"action\": \"pad.created\", \"subject\": {}}",
};

struct signed_group {
	unsigned char pk[EVENT_SIG_PK_BYTES], sk[EVENT_SIG_SK_BYTES];
	char *msg[3];
	size_t len[3];
};

static void
sign3(struct signed_group *g, const char *secret)
{
	event_sig_keys(secret, g->pk, g->sk);
	event_sig_sign_group(g->sk, events, 3, g->msg, g->len);
}

static void
free3(struct signed_group *g)
{
	for (int i = 0; i < 3; i++)
		free(g->msg[i]);
}

static enum event_sig_verdict
check(const unsigned char *pk, const char *msg, size_t len)
{
	struct event_sig_verifier v;
	const char *ev;
	size_t ev_len;

	event_sig_verifier_init(&v, pk);
	return event_sig_verify(&v, msg, len, &ev, &ev_len);
}

START_TEST(group_round_trips)
{
	struct signed_group g;
	struct event_sig_verifier v;

	sign3(&g, "unit-secret-0123456789abcdef");
	event_sig_verifier_init(&v, g.pk);
	for (int i = 0; i < 3; i++) {
		const char *ev;
		size_t ev_len;

		ck_assert_int_eq(strncmp(g.msg[i], "es1.", 4), 0);
		ck_assert_uint_eq(strlen(g.msg[i]), g.len[i]);
		ck_assert_int_eq(
		    event_sig_verify(&v, g.msg[i], g.len[i], &ev, &ev_len),
		    EVENT_SIG_OK);
		/* The exact bytes that were signed, nothing else. */
		ck_assert_uint_eq(ev_len, strlen(events[i]));
		ck_assert_int_eq(memcmp(ev, events[i], ev_len), 0);
		/* Alone, with a verifier that never saw the group. */
		ck_assert_int_eq(check(g.pk, g.msg[i], g.len[i]), EVENT_SIG_OK);
	}
	free3(&g);
}
END_TEST

START_TEST(keys_are_derived_alike)
{
	unsigned char pk1[32], sk1[64], pk2[32], sk2[64], back[32];
	char hex[EVENT_SIG_PK_HEX];

	event_sig_keys("same-secret-0123456789", pk1, sk1);
	event_sig_keys("same-secret-0123456789", pk2, sk2);
	ck_assert(memcmp(pk1, pk2, 32) == 0 && memcmp(sk1, sk2, 64) == 0);
	event_sig_keys("other-secret-0123456789", pk2, sk2);
	ck_assert(memcmp(pk1, pk2, 32) != 0);
	event_sig_pk_hex(pk1, hex);
	ck_assert_uint_eq(strlen(hex), 64);
	ck_assert_int_eq(event_sig_pk_parse(hex, back), 0);
	ck_assert(memcmp(back, pk1, 32) == 0);
	hex[63] = '\0';
	ck_assert_int_eq(event_sig_pk_parse(hex, back), -1);
	ck_assert_int_eq(event_sig_pk_parse(NULL, back), -1);
	ck_assert_int_eq(event_sig_pk_parse("zz", back), -1);
}
END_TEST

START_TEST(every_wrong_message_is_refused)
{
	struct signed_group g, other;
	char *m, *big;
	size_t n;

	sign3(&g, "unit-secret-0123456789abcdef");
	sign3(&other, "another-secret-0123456789");
	/* Unsigned: the bare event. */
	ck_assert_int_eq(check(g.pk, events[0], strlen(events[0])),
	                 EVENT_SIG_MALFORMED);
	/* Signed by another key. */
	ck_assert_int_eq(check(g.pk, other.msg[0], other.len[0]),
	                 EVENT_SIG_BAD);
	/* One byte changed, wherever it is: signature, hashes, event. */
	m = strdup(g.msg[1]);
	n = g.len[1];
	for (size_t at = 4; at < n; at++) {
		char was = m[at];

		if (m[at] == '.')
			continue;
		m[at] = m[at] == '0' ? '1' : '0';
		ck_assert_msg(check(g.pk, m, n) != EVENT_SIG_OK,
		              "a change at byte %zu passed", at);
		m[at] = was;
	}
	/* Cut short anywhere. */
	for (size_t cut = 0; cut < n; cut++)
		ck_assert_msg(check(g.pk, m, cut) != EVENT_SIG_OK,
		              "cut at %zu passed", cut);
	free(m);
	/* Too long, even with a real head. */
	big = calloc(1, EVENT_SIG_MSG_MAX + 2);
	memset(big, ' ', EVENT_SIG_MSG_MAX + 1);
	memcpy(big, g.msg[0], g.len[0]);
	ck_assert_int_eq(check(g.pk, big, EVENT_SIG_MSG_MAX + 1),
	                 EVENT_SIG_OVERSIZED);
	free(big);
	free3(&g);
	free3(&other);
}
END_TEST

/* The verifier skips the signature check for a group it has just checked:
 * that must never let another event through under that group's head. */
START_TEST(remembered_group_admits_only_its_events)
{
	struct signed_group g;
	struct event_sig_verifier v;
	const char *ev;
	size_t ev_len, head;
	char forged[512];

	sign3(&g, "unit-secret-0123456789abcdef");
	event_sig_verifier_init(&v, g.pk);
	ck_assert_int_eq(event_sig_verify(&v, g.msg[0], g.len[0], &ev, &ev_len),
	                 EVENT_SIG_OK);
	head = g.len[0] - strlen(events[0]);
	snprintf(forged, sizeof forged, "%.*s%s", (int)head, g.msg[0],
	         "{\"id\": 987654321, \"action\": \"user.created\"}");
	ck_assert_int_eq(
	    event_sig_verify(&v, forged, strlen(forged), &ev, &ev_len),
	    EVENT_SIG_BAD);
	/* A forged signature with the right hashes fails, and is not
	 * remembered as checked. */
	memcpy(forged, g.msg[2], g.len[2] + 1);
	forged[10] = forged[10] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(event_sig_verify(&v, forged, g.len[2], &ev, &ev_len),
	                 EVENT_SIG_BAD);
	ck_assert_int_eq(event_sig_verify(&v, forged, g.len[2], &ev, &ev_len),
	                 EVENT_SIG_BAD);
	ck_assert_int_eq(event_sig_verify(&v, g.msg[2], g.len[2], &ev, &ev_len),
	                 EVENT_SIG_OK);
	free3(&g);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("event_sig");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, group_round_trips);
	tcase_add_test(tc, keys_are_derived_alike);
	tcase_add_test(tc, every_wrong_message_is_refused);
	tcase_add_test(tc, remembered_group_admits_only_its_events);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
