/*
 * What the tsupport_*.c files share and the suites do not see: the secret
 * test servers run with and the check that works inside and outside Check.
 */
#ifndef TSUPPORT_INT_H
#define TSUPPORT_INT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define TS_SECRET "padline-test-secret-0123456789abcdef"

/* Check's assertions only work inside a running suite (even a passing one
 * reports progress to the runner), and bench programs use this library
 * too: outside ts_run a failed check prints and exits instead. */
extern int ts_in_suite;
#define TS_CHECK(expr, ...)                                                    \
	do {                                                                   \
		if (ts_in_suite)                                               \
			ck_assert_msg(expr, __VA_ARGS__);                      \
		else if (!(expr)) {                                            \
			fprintf(stderr, "tsupport: " __VA_ARGS__);             \
			fputc('\n', stderr);                                   \
			exit(1);                                               \
		}                                                              \
	} while (0)

/* A padlined of a ts_env stopped in the runner's process did not exit
 * cleanly (tsupport_env.c): the suite fails. */
extern int ts_env_unclean;

/* Whether something listens on a loopback port. */
int ts_can_connect(int port);

#endif
