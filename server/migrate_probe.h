/*
 * Inside the down-step probe (migrate_probe.c): what a tried step would lose
 * or touch, as a list of items, and the comparison of everything outside
 * the schema (migrate_probe_outside.c).
 */
#ifndef PL_MIGRATE_PROBE_H
#define PL_MIGRATE_PROBE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "pl_error.h"

/* What a step would lose: "drop table pads (2 rows), delete 1 row of
 * table audit_log", cut short (with "…") when it does not fit. */
struct probe_items {
	char text[1024];
};

/* Appends one item (printf-style), comma-separated. */
void probe_item(struct probe_items *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A PostgreSQL array literal of numbers ("{1,3}"), one at a time; start
 * from {NULL, 0, 0}. */
struct probe_list {
	char *text;
	size_t len, cap;
};
void probe_list_add(struct probe_list *, const char *number);
/* The literal ("{}" when empty), the caller's to free. */
char *probe_list_end(struct probe_list *);

/* Rows of the table oid, or the non-null values of its column attnum
 * when attnum is not NULL; the table is found by oid, whatever its name
 * and schema. */
int probe_count(PGconn *, const char *oid, const char *attnum, long long *out,
                struct pl_error *);

/*
 * Every relation and schema outside `schema` (system schemas left out),
 * with its catalog fingerprint and what this transaction wrote to it. Taken
 * before the step, after it, and after it is rolled back: only what the
 * step itself did differs between the three (see the .c file).
 */
PGresult *probe_outside(PGconn *, const char *schema, struct pl_error *);
/* After the step, before rolling it back: mine[i] (a new array, the
 * caller's to free) is 1 when row i of a is new or changed since b and
 * this transaction wrote it, not another session. */
int probe_outside_mine(PGconn *, PGresult *b, PGresult *a, char **mine,
                       struct pl_error *);
/* Back at the savepoint (r): what the step did outside the schema, from
 * b (before it), a (after it) and mine, appended to items. */
int probe_outside_compare(PGconn *, PGresult *b, PGresult *a, const char *mine,
                          PGresult *r, struct probe_items *, struct pl_error *);

#endif
