/*
 * The steps of a migration run, inside the migrate module: bringing a
 * schema to a target version, each step under the advisory lock (migrate.c
 * holds the Redis lock), the status report, and running a down step without
 * losing data unawares (migrate_probe.c).
 */
#ifndef PL_MIGRATE_STEPS_H
#define PL_MIGRATE_STEPS_H

#include <stdio.h>

#include <libpq-fe.h>

#include "migrate.h"

/* The version req->to names into *target ("" for "0"; the latest file
 * for NULL); an unknown or ambiguous name is an error. */
int migrate_steps_target(const struct migration *, size_t n,
                         const struct migrate_request *, const char **target,
                         struct pl_error *);
/* Moves the schema (whose schema_migrations exists) to req->to, one
 * transaction per step. */
int migrate_steps_run(PGconn *, const char *schema, const struct migration *,
                      size_t n, const struct migrate_request *,
                      struct migrate_result *, struct pl_error *);
/* The report of migrate_status (migrate_status.c), read without creating
 * anything; *attention: versions changed, unknown or newer. */
int migrate_status_write(PGconn *, const char *schema, const struct migration *,
                         size_t n, FILE *out, int *attention,
                         struct pl_error *);

/* BEGIN, then the schema's migration lock for that transaction (held
 * until its COMMIT or ROLLBACK; see migrate_steps.c), with the schema on
 * its search path. */
int migrate_begin_locked(PGconn *, const char *schema, struct pl_error *);
/* BEGIN with the schema on that transaction's search path, no lock: for
 * reads (the caller rolls back). Migration files and the runner's own
 * statements name tables unqualified; the path is set per transaction, as a
 * transaction-pooling PgBouncer may run each on another server connection. */
int migrate_begin(PGconn *, const char *schema, struct pl_error *);
/* Whether schema.schema_migrations exists (never creating it). */
int migrate_table_exists(PGconn *, const char *schema, int *exists,
                         struct pl_error *);

/* Runs a file's SQL (several statements: the simple protocol); what names
 * it in the error. An empty script (comments only) is fine. In migrate.c,
 * beside the one other statement built from text (the schema's name). */
int migrate_exec_script(PGconn *, const char *sql, const char *what,
                        struct pl_error *);
/*
 * Runs m's down part inside the caller's open transaction. When it would
 * lose data (the schema, a table with rows, a column with values, rows of
 * a table, values in rows) or touch anything outside the schema and force
 * is 0, undoes it and fails naming each item; with force it goes ahead and
 * logs them. *schema_gone is set when the step dropped the schema itself
 * (and schema_migrations with it).
 */
int migrate_probe_down(PGconn *, const char *schema, const struct migration *m,
                       int force, int *schema_gone, struct pl_error *);

#endif
