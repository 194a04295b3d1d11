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

/*
 * What a padlined child runs: argv and environment, both made before the
 * fork. Suites fork from threads while others run (client threads, the
 * spawner), and after a fork only async-signal-safe calls are safe: a lock
 * another thread held at fork time (setenv's, a library's) stays held in
 * the child forever, and padlined would never start.
 */
struct child_exec {
	char **argv;
	char **envp;
	char *wrap;
	size_t nenv;
};

void child_exec_init(struct child_exec *, const char *schema, int port,
                     const char *const *extra_env, const char *const *args,
                     const char *first);
void child_exec_free(struct child_exec *);
/* In the child, after the fork: execs, or _exits 127. */
void child_exec_run(const struct child_exec *) __attribute__((noreturn));

/* Whether something listens on a loopback port. */
int ts_can_connect(int port);

#endif
