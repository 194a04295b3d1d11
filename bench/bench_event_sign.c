/*
 * What signing events costs padlined: CPU time per event for a realistic
 * user.created event, signed alone and in groups (the publisher thread
 * waits up to 20 ms for a whole group, so at 5 000 events/s every
 * signature covers 8, as the relay's do), and the share of one core that
 * makes at 5 000 events/s. Also what a client pays to verify.
 *   bench_event_sign [EVENTS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_sig.h"

#define RATE 5000 /* events per second the budget is stated for */
#define BUDGET_PCT 5.0

/* A user.created event as padlined writes it (about 450 bytes). */
static const char event[] =
    "{\"id\" : 1234567, \"action\" : \"user.created\", \"at\" : "
    "\"2026-12-06T16:56:44.478384Z\", \"subject\" : {\"id\": "
    "\"657c4cb8-0898-4a67-9505-972e3f88b468\", \"name\": \"Alice "
    "Example\", \"email\": \"alice.example@example.org\", \"roles\": [], "
    "\"disabled\": false, \"username\": \"alice2024\", \"created_at\": "
    "\"2026-12-06T16:56:44.478384Z\", \"given_name\": \"Alice\", "
    "\"updated_at\": \"2026-12-06T16:56:44.478384Z\", \"family_name\": "
    "\"Example\", \"totp_enabled\": false, \"email_verified\": false}}";

static double
cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* CPU microseconds per event, signing n events in groups of group. */
static double
sign_cost(const unsigned char *sk, long n, size_t group)
{
	const char *texts[EVENT_SIG_GROUP_MAX];
	char *out[EVENT_SIG_GROUP_MAX];
	size_t len[EVENT_SIG_GROUP_MAX];
	double t0 = cpu_us();

	for (size_t i = 0; i < group; i++)
		texts[i] = event;
	for (long done = 0; done < n; done += (long)group) {
		event_sig_sign_group(sk, texts, group, out, len);
		for (size_t i = 0; i < group; i++)
			free(out[i]);
	}
	return (cpu_us() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	static const size_t groups[] = {1, 5, EVENT_SIG_GROUP_MAX};
	long n = argc > 1 ? atol(argv[1]) : 40000;
	unsigned char pk[EVENT_SIG_PK_BYTES], sk[EVENT_SIG_SK_BYTES];
	struct event_sig_verifier v;
	const char *texts[1] = {event}, *body;
	char *msg;
	size_t len, body_len;
	double t0, verify_us;
	int ok = 1;

	event_sig_keys("bench-secret-0123456789abcdef", pk, sk);
	printf("event: %zu bytes; %ld events per figure; CPU time\n",
	       strlen(event), n);
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		double us = sign_cost(sk, n, groups[g]);
		double pct = us * RATE / 1e6 * 100.0;

		printf(
		    "sign, %zu per signature: %6.2f us/event = %5.2f %% of a "
		    "core at %d events/s\n",
		    groups[g], us, pct, RATE);
		/* The publisher groups at this rate: judge the budget there. */
		if (groups[g] == EVENT_SIG_GROUP_MAX && pct > BUDGET_PCT)
			ok = 0;
	}
	event_sig_sign_group(sk, texts, 1, &msg, &len);
	t0 = cpu_us();
	for (long i = 0; i < n / 4; i++) {
		event_sig_verifier_init(&v, pk); /* forget: check every time */
		if (event_sig_verify(&v, msg, len, &body, &body_len) !=
		    EVENT_SIG_OK)
			return 1;
	}
	verify_us = (cpu_us() - t0) / (double)(n / 4);
	free(msg);
	printf("verify (client), once per group: %6.2f us\n", verify_us);
	printf("budget: at most %.0f %% of a core at %d events/s, with the "
	       "groups the publisher forms there (%d): %s\n",
	       BUDGET_PCT, RATE, EVENT_SIG_GROUP_MAX, ok ? "met" : "EXCEEDED");
	return ok ? 0 : 1;
}
