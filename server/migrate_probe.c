/*
 * Down steps that would destroy data (docs/migrations.md) are refused
 * unless forced. Rather than trust a declaration in the file, the step is run
 * and inspected: in its transaction, behind a savepoint, the catalog before
 * and after tells which tables and columns it dropped and which tables it
 * deleted from or rewrote (TRUNCATE); only those are then counted, before
 * (after rolling back to the savepoint) and after. Data lost = rows of a
 * dropped table, non-null values of a dropped column, or fewer rows in a
 * table that stays. Nothing lost: the step runs again for real.
 * schema_migrations is bookkeeping, not data: left out (a step dropping
 * the schema is named as such).
 */
#include "migrate_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "xalloc.h"

/* A table or column the step may have lost data from. */
struct suspect {
	char *table;     /* name before the step */
	char *column;    /* NULL for the table's rows */
	int dropped;     /* gone entirely (else rows may be fewer) */
	long long after; /* rows left after the step (not dropped) */
};

struct probe {
	struct suspect *v;
	size_t n;
	int schema_gone;
};

static PGresult *
tables(PGconn *db, const char *schema, struct pl_error *err)
{
	const char *params[] = {schema};

	return db_exec(db,
	               "SELECT c.oid::text, c.relname, c.relfilenode::text,\n"
	               "       pg_stat_get_xact_tuples_deleted(c.oid)\n"
	               "FROM pg_class c\n"
	               "JOIN pg_namespace n ON n.oid = c.relnamespace\n"
	               "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')\n"
	               "  AND c.relname <> 'schema_migrations'\n"
	               "ORDER BY c.oid",
	               1, params, err);
}

static PGresult *
columns(PGconn *db, const char *schema, struct pl_error *err)
{
	const char *params[] = {schema};

	return db_exec(db,
	               "SELECT a.attrelid::text, a.attnum::text, c.relname,\n"
	               "       a.attname\n"
	               "FROM pg_attribute a\n"
	               "JOIN pg_class c ON c.oid = a.attrelid\n"
	               "JOIN pg_namespace n ON n.oid = c.relnamespace\n"
	               "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')\n"
	               "  AND c.relname <> 'schema_migrations'\n"
	               "  AND a.attnum > 0 AND NOT a.attisdropped",
	               1, params, err);
}

static int
schema_missing(PGconn *db, const char *schema, int *missing,
               struct pl_error *err)
{
	const char *params[] = {schema};
	PGresult *r = db_exec(db,
	                      "SELECT count(*) FROM pg_namespace\n"
	                      "WHERE nspname = $1",
	                      1, params, err);

	if (r == NULL)
		return err->code;
	*missing = strcmp(PQgetvalue(r, 0, 0), "0") == 0;
	PQclear(r);
	return PL_OK;
}

/* Rows of schema.table, or non-null values of its column when column is
 * not NULL. Names come from the catalog and are quoted by format(). */
static int
count(PGconn *db, const char *schema, const char *table, const char *column,
      long long *out, struct pl_error *err)
{
	const char *params[] = {schema, table, column};
	PGresult *r =
	    db_exec(db,
	            "SELECT (xpath('/row/n/text()', query_to_xml(\n"
	            "           format('SELECT count(%s) AS n FROM %I.%I',\n"
	            "                  COALESCE(quote_ident($3::text), '*'),\n"
	            "                  $1::text, $2::text),\n"
	            "           false, true, '')))[1]::text::bigint",
	            3, params, err);

	if (r == NULL)
		return err->code;
	*out = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return PL_OK;
}

/* Row of r whose first columns equal a (and b when not NULL), or -1. */
static int
find_row(PGresult *r, const char *a, const char *b)
{
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), a) == 0 &&
		    (b == NULL || strcmp(PQgetvalue(r, i, 1), b) == 0))
			return i;
	return -1;
}

static void
suspect_add(struct probe *p, const char *table, const char *column, int dropped,
            long long after)
{
	struct suspect *s;

	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	s = &p->v[p->n++];
	s->table = xstrdup(table);
	s->column = column ? xstrdup(column) : NULL;
	s->dropped = dropped;
	s->after = after;
}

static void
probe_free(struct probe *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].table);
		free(p->v[i].column);
	}
	free(p->v);
}

/* After the step (before rolling it back): what changed since bt/bc. */
static int
find_suspects(PGconn *db, const char *schema, PGresult *bt, PGresult *bc,
              struct probe *p, struct pl_error *err)
{
	PGresult *at = tables(db, schema, err), *ac;
	int rc = PL_OK;

	if (at == NULL)
		return err->code;
	ac = columns(db, schema, err);
	if (ac == NULL) {
		PQclear(at);
		return err->code;
	}
	rc = schema_missing(db, schema, &p->schema_gone, err);
	for (int i = 0; i < PQntuples(bt) && rc == PL_OK; i++) {
		int j = find_row(at, PQgetvalue(bt, i, 0), NULL);
		long long after = 0;

		if (j < 0) {
			suspect_add(p, PQgetvalue(bt, i, 1), NULL, 1, 0);
			continue;
		}
		/* A rewrite (TRUNCATE, a type change) or deletes: compare
		 * the row counts. */
		if (strcmp(PQgetvalue(bt, i, 2), PQgetvalue(at, j, 2)) == 0 &&
		    atoll(PQgetvalue(at, j, 3)) <= atoll(PQgetvalue(bt, i, 3)))
			continue;
		rc = count(db, schema, PQgetvalue(at, j, 1), NULL, &after, err);
		if (rc == PL_OK)
			suspect_add(p, PQgetvalue(bt, i, 1), NULL, 0, after);
	}
	for (int i = 0; i < PQntuples(bc); i++)
		if (find_row(at, PQgetvalue(bc, i, 0), NULL) >= 0 &&
		    find_row(ac, PQgetvalue(bc, i, 0), PQgetvalue(bc, i, 1)) <
		        0)
			suspect_add(p, PQgetvalue(bc, i, 2),
			            PQgetvalue(bc, i, 3), 1, 0);
	PQclear(at);
	PQclear(ac);
	return rc;
}

static void
describe(char *buf, size_t size, const struct suspect *s, long long lost)
{
	size_t len = strlen(buf);
	const char *sep = len ? ", " : "", *pl = lost == 1 ? "" : "s";

	if (len + 1 >= size)
		return;
	if (s->column)
		snprintf(buf + len, size - len, "%scolumn %s.%s (%lld value%s)",
		         sep, s->table, s->column, lost, pl);
	else if (s->dropped)
		snprintf(buf + len, size - len, "%stable %s (%lld row%s)", sep,
		         s->table, lost, pl);
	else
		snprintf(buf + len, size - len, "%s%lld row%s of table %s", sep,
		         lost, pl, s->table);
}

/* Back at the savepoint: counts what the suspects held into what. */
static int
measure_loss(PGconn *db, const char *schema, const struct probe *p, char *what,
             size_t size, struct pl_error *err)
{
	what[0] = '\0';
	if (p->schema_gone)
		snprintf(what, size, "schema %s", schema);
	for (size_t i = 0; i < p->n; i++) {
		const struct suspect *s = &p->v[i];
		long long before = 0, lost;

		if (count(db, schema, s->table, s->column, &before, err) != 0)
			return err->code;
		lost = s->dropped ? before : before - s->after;
		if (lost > 0)
			describe(what, size, s, lost);
	}
	return PL_OK;
}

static int
savepoint(PGconn *db, const char *sql, struct pl_error *err)
{
	return migrate_exec_script(db, sql, "down step savepoint", err);
}

/* Runs the step, inspects it, undoes it; what receives what it would
 * drop ("" for nothing). */
static int
trial(PGconn *db, const char *schema, const struct migration *m,
      const char *run, char *what, size_t size, int *gone, struct pl_error *err)
{
	struct probe p = {NULL, 0, 0};
	PGresult *bt = tables(db, schema, err), *bc = NULL;
	int rc = bt ? PL_OK : err->code;

	if (rc == PL_OK && (bc = columns(db, schema, err)) == NULL)
		rc = err->code;
	if (rc == PL_OK)
		rc = savepoint(db, "SAVEPOINT migrate_down", err);
	if (rc == PL_OK)
		rc = migrate_exec_script(db, m->down, run, err);
	if (rc == PL_OK)
		rc = find_suspects(db, schema, bt, bc, &p, err);
	if (rc == PL_OK)
		rc = savepoint(db, "ROLLBACK TO SAVEPOINT migrate_down", err);
	if (rc == PL_OK)
		rc = measure_loss(db, schema, &p, what, size, err);
	*gone = p.schema_gone;
	probe_free(&p);
	PQclear(bt);
	PQclear(bc);
	return rc;
}

int
migrate_probe_down(PGconn *db, const char *schema, const struct migration *m,
                   int force, int *schema_gone, struct pl_error *err)
{
	char what[200], run[512], q[256];

	*schema_gone = 0;
	snprintf(run, sizeof run, "down step of migration %s failed", m->file);
	if (trial(db, schema, m, run, what, sizeof what, schema_gone, err) != 0)
		return err->code;
	if (what[0] != '\0' && !force)
		return pl_error_set(err, PL_ERR_CONFLICT, "destructive",
		                    "down step %s would drop %s; rerun with "
		                    "--force to drop it",
		                    m->version, what);
	if (what[0] != '\0')
		log_warn("down step drops data (forced)", "version=%s what=%s",
		         m->version, log_quote(q, sizeof q, what));
	return migrate_exec_script(db, m->down, run, err);
}
