/* What the e2e_pg_failover_* suites share: clusters of their own made and
 * killed around each test (fo_add), padlined on them, a signed-in user. */
#ifndef PG_FAILOVER_SUITE_H
#define PG_FAILOVER_SUITE_H

#include <check.h>
#include <libpq-fe.h>
#include <sys/types.h>

#include "tsupport.h"

/* A cluster: its data directory and port. */
struct pgc {
	char data[300];
	int port;
};

/* The test's clusters (named by setup, made by the test) and schema. */
extern struct pgc fo_primary, fo_standby;
extern char fo_schema[64];

/* PostgreSQL's programs ($PG_BIN, or Debian's 15). */
const char *fo_pg_bin(void);
/* Runs a shell command line, as the user postgres when we are root
 * (initdb refuses root). Returns its exit status. */
int fo_as_pg(const char *fmt, ...);
int pgc_start(struct pgc *c);
int pgc_promote(struct pgc *c);
/* sig to the postmaster and every process it started: how many of
 * those, or -1 when the postmaster is not running. */
int pgc_signal(const struct pgc *c, int sig);
/* SIGKILL to the whole server; returns once the postmaster is gone. */
void pgc_kill(struct pgc *c);
/* A connection as user padline to database padline (checked). */
PGconn *pgc_connect(const struct pgc *c);

/* fo_primary on a free port with database "padline" (user padline,
 * trust). */
void fo_primary_make(void);
/* fo_standby: a streaming standby of fo_primary on a free port. */
void fo_standby_make(void);
/* DATABASE_URL for padlined: hosts and ports as libpq lists, extra
 * keywords after them. */
void fo_use_url(const char *hosts, const char *ports, const char *extra);
/* The test's padlined, for teardown to kill if a failed check left it. */
void fo_server_started(const struct ts_server *srv);
/* A client on port signed in as the test user. */
struct ts_client *fo_user_client(int port);
/* padlined on DATABASE_URL, with the test user; a client signed in as it. */
struct ts_client *fo_serve_with_user(struct ts_server *srv,
                                     const char *const *env);
/* pad.create: the new pad's id (free it) and *code 0, or NULL and the
 * error's code (-1: no answer). */
char *fo_pad_create(struct ts_client *c, const char *name, int *code);
/* test in a test case of its own, with fresh clusters around it (unchecked
 * fixtures, so they go even when the test fails). */
void fo_add(Suite *s, const char *name, const TTest *test);

#endif
