/*
 * Down steps that would destroy data (docs/migrations.md) are refused unless
 * forced. Rather than trusting a declaration in the file, the step is run and
 * inspected: in its transaction, behind a savepoint, the catalog and this
 * transaction's write counters before and after tell which tables and
 * columns it dropped and which tables it wrote or rewrote; only those are
 * then measured, after the step and again (rolled back to the savepoint)
 * before it. Data lost = rows of a dropped table, non-null values of a
 * dropped column, fewer rows in a table that stays, or rows whose values
 * differ (a hash of the rows, computed in SQL). Anything the step touched
 * outside the schema counts too (migrate_probe_outside.c). Nothing lost:
 * the step runs again for real. schema_migrations is bookkeeping, not
 * data: left out (a step dropping the schema is named as such).
 */
#include "migrate_steps.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "migrate_probe.h"
#include "xalloc.h"

/* Columns of tables()' rows. */
enum { T_OID, T_NAME, T_FILENODE, T_UPDATED, T_DELETED, T_COUNTING };

/* A table or column the step may have lost data from. */
struct suspect {
	char *oid;
	char *table;  /* name before the step */
	char *attnum; /* a dropped column; NULL for the table's rows */
	char *column; /* its name before the step */
	int dropped;  /* the table or column is gone */
	/* A table that stays: the columns it keeps ("{1,3}"), its rows
	 * and their hash after the step, and what the step did to it. */
	char *kept;
	long long rows;
	char hash[96];
	int rewritten;              /* a new relfilenode: every row */
	long long updated, deleted; /* -1: not counted (track_counts) */
};

struct probe {
	struct suspect *v;
	size_t n;
	int schema_gone;
	PGresult *outside; /* after the step */
	char *mine;        /* probe_outside_mine of outside */
};

void
probe_item(struct probe_items *items, const char *fmt, ...)
{
	size_t len = strlen(items->text), size = sizeof items->text;
	va_list ap;
	int n;

	if (len + 4 >= size) /* full: "…" is already there */
		return;
	if (len > 0)
		len += (size_t)snprintf(items->text + len, size - len, ", ");
	va_start(ap, fmt);
	n = vsnprintf(items->text + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0 || len + (size_t)n >= size)
		snprintf(items->text + size - 4, 4, "…");
}

void
probe_list_add(struct probe_list *l, const char *number)
{
	size_t need = l->len + strlen(number) + 3; /* '{' or ',', '}', NUL */

	if (need > l->cap) {
		l->cap = need * 2;
		l->text = xrealloc(l->text, l->cap);
	}
	l->len += (size_t)snprintf(l->text + l->len, l->cap - l->len, "%c%s",
	                           l->len ? ',' : '{', number);
}

char *
probe_list_end(struct probe_list *l)
{
	if (l->len == 0)
		return xstrdup("{}");
	snprintf(l->text + l->len, l->cap - l->len, "}");
	return l->text;
}

/* The schema's tables with what this transaction wrote to each so far
 * (pg_stat_get_xact_*: see migrate_probe_outside.c). Without
 * track_counts those stay 0, and every table is compared. */
static PGresult *
tables(PGconn *db, const char *schema, struct pl_error *err)
{
	const char *params[] = {schema};

	return db_exec(db,
	               "SELECT c.oid::text, c.relname, c.relfilenode::text,\n"
	               "       pg_stat_get_xact_tuples_updated(c.oid),\n"
	               "       pg_stat_get_xact_tuples_deleted(c.oid),\n"
	               "       current_setting('track_counts')\n"
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
	               "  AND a.attnum > 0 AND NOT a.attisdropped\n"
	               "ORDER BY a.attrelid, a.attnum",
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

/* The one value of sql (parameters: a table's oid and arg) into out. */
static int
table_value(PGconn *db, const char *sql, const char *oid, const char *arg,
            char *out, size_t size, struct pl_error *err)
{
	const char *params[] = {oid, arg};
	PGresult *r = db_exec(db, sql, 2, params, err);

	if (r == NULL)
		return err->code;
	snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return PL_OK;
}

/* Names come from the catalog by oid and attnum, quoted by format(). */
int
probe_count(PGconn *db, const char *oid, const char *attnum, long long *out,
            struct pl_error *err)
{
	char v[32];

	if (table_value(db,
	                "SELECT (xpath('/row/n/text()', query_to_xml(\n"
	                "    format('SELECT count(%s) AS n FROM %s t',\n"
	                "           COALESCE((SELECT format('t.%I', attname)\n"
	                "                     FROM pg_attribute\n"
	                "                     WHERE attrelid = $1::oid\n"
	                "                       AND attnum = $2::int2), '*'),\n"
	                "           $1::oid::regclass),\n"
	                "    false, true, '')))[1]::text",
	                oid, attnum, v, sizeof v, err) != 0)
		return err->code;
	*out = atoll(v);
	return PL_OK;
}

/*
 * Rows of the table oid and a hash of their values in the columns kept
 * ("{1,3}"), whatever their order: the sum of each row's MD5 in two 64-bit
 * halves, so a row changed, removed or duplicated changes it. One pass in
 * SQL, in constant memory, however big the table. hash receives
 * "ROWS SUM1 SUM2".
 */
static int
hash_rows(PGconn *db, const char *oid, const char *kept, long long *rows,
          char *hash, size_t size, struct pl_error *err)
{
	if (table_value(
	        db,
	        "SELECT (xpath('/row/r/text()', query_to_xml(format(\n"
	        "    'SELECT count(*) || '' '' || COALESCE(sum((''x'' || '\n"
	        "     'substr(h, 1, 16))::bit(64)::bigint), 0) || '' '' || '\n"
	        "     'COALESCE(sum((''x'' || substr(h, 17, 16))::bit(64)'\n"
	        "     '::bigint), 0) AS r '\n"
	        "    'FROM (SELECT md5(ROW(%s)::text) AS h FROM %s t) s',\n"
	        "    (SELECT string_agg(format('t.%I', attname), ', '\n"
	        "                       ORDER BY attnum)\n"
	        "     FROM pg_attribute WHERE attrelid = $1::oid\n"
	        "       AND attnum = ANY ($2::int2[])),\n"
	        "    $1::oid::regclass), false, true, '')))[1]::text",
	        oid, kept, hash, size, err) != 0)
		return err->code;
	*rows = atoll(hash);
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

static struct suspect *
suspect_add(struct probe *p, const char *oid, const char *table)
{
	struct suspect *s;

	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	s = &p->v[p->n++];
	memset(s, 0, sizeof *s);
	s->oid = xstrdup(oid);
	s->table = xstrdup(table);
	return s;
}

static void
probe_free(struct probe *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].oid);
		free(p->v[i].table);
		free(p->v[i].attnum);
		free(p->v[i].column);
		free(p->v[i].kept);
	}
	free(p->v);
	PQclear(p->outside);
	free(p->mine);
}

/* The columns of table oid in bc that ac still has, as "{1,3}". */
static char *
kept_columns(PGresult *bc, PGresult *ac, const char *oid)
{
	struct probe_list kept = {NULL, 0, 0};

	for (int i = 0; i < PQntuples(bc); i++)
		if (strcmp(PQgetvalue(bc, i, 0), oid) == 0 &&
		    find_row(ac, oid, PQgetvalue(bc, i, 1)) >= 0)
			probe_list_add(&kept, PQgetvalue(bc, i, 1));
	return probe_list_end(&kept);
}

/* A table that stays: suspect when the step rewrote it or updated or
 * deleted rows (or nothing is counted); then its rows are hashed. */
static int
table_suspect(PGconn *db, struct probe *p, PGresult *bt, int i, PGresult *at,
              int j, PGresult *bc, PGresult *ac, struct pl_error *err)
{
	int counted = strcmp(PQgetvalue(at, j, T_COUNTING), "on") == 0;
	int rewritten = strcmp(PQgetvalue(bt, i, T_FILENODE),
	                       PQgetvalue(at, j, T_FILENODE)) != 0;
	long long upd = atoll(PQgetvalue(at, j, T_UPDATED)) -
	                atoll(PQgetvalue(bt, i, T_UPDATED));
	long long del = atoll(PQgetvalue(at, j, T_DELETED)) -
	                atoll(PQgetvalue(bt, i, T_DELETED));
	struct suspect *s;

	if (counted && !rewritten && upd == 0 && del == 0)
		return PL_OK;
	s = suspect_add(p, PQgetvalue(bt, i, T_OID), PQgetvalue(bt, i, T_NAME));
	s->rewritten = rewritten;
	s->updated = counted ? upd : -1;
	s->deleted = counted ? del : -1;
	s->kept = kept_columns(bc, ac, s->oid);
	return hash_rows(db, s->oid, s->kept, &s->rows, s->hash, sizeof s->hash,
	                 err);
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
		int j = find_row(at, PQgetvalue(bt, i, T_OID), NULL);

		if (j < 0)
			suspect_add(p, PQgetvalue(bt, i, T_OID),
			            PQgetvalue(bt, i, T_NAME))
			    ->dropped = 1;
		else
			rc = table_suspect(db, p, bt, i, at, j, bc, ac, err);
	}
	for (int i = 0; i < PQntuples(bc); i++) {
		struct suspect *s;

		if (find_row(at, PQgetvalue(bc, i, 0), NULL) < 0 ||
		    find_row(ac, PQgetvalue(bc, i, 0), PQgetvalue(bc, i, 1)) >=
		        0)
			continue;
		s = suspect_add(p, PQgetvalue(bc, i, 0), PQgetvalue(bc, i, 2));
		s->attnum = xstrdup(PQgetvalue(bc, i, 1));
		s->column = xstrdup(PQgetvalue(bc, i, 3));
		s->dropped = 1;
	}
	PQclear(at);
	PQclear(ac);
	return rc;
}

static const char *
plural(long long n)
{
	return n == 1 ? "" : "s";
}

/* Back at the savepoint: a table that stays, against its state after. */
static int
measure_table(PGconn *db, const struct suspect *s, struct probe_items *items,
              struct pl_error *err)
{
	long long rows = 0, n;
	char hash[sizeof s->hash];

	if (hash_rows(db, s->oid, s->kept, &rows, hash, sizeof hash, err) != 0)
		return err->code;
	if (s->rows < rows) {
		probe_item(items, "delete %lld row%s of table %s",
		           rows - s->rows, plural(rows - s->rows), s->table);
		return PL_OK;
	}
	if (strcmp(hash, s->hash) == 0)
		return PL_OK;
	n = s->rewritten || s->updated < 0 ? rows : s->updated + s->deleted;
	probe_item(items, "change values in table %s (%lld row%s%s)", s->table,
	           n, plural(n),
	           s->rewritten     ? " rewritten"
	           : s->updated < 0 ? ""
	           : s->deleted > 0 ? " updated or deleted"
	                            : " updated");
	return PL_OK;
}

/* Back at the savepoint: what the suspects held, into items. */
static int
measure_loss(PGconn *db, const char *schema, const struct probe *p,
             struct probe_items *items, struct pl_error *err)
{
	if (p->schema_gone)
		probe_item(items, "drop schema %s", schema);
	for (size_t i = 0; i < p->n; i++) {
		const struct suspect *s = &p->v[i];
		long long before = 0;

		if (!s->dropped) {
			if (measure_table(db, s, items, err) != 0)
				return err->code;
			continue;
		}
		if (probe_count(db, s->oid, s->attnum, &before, err) != 0)
			return err->code;
		if (before > 0 && s->column)
			probe_item(items, "drop column %s.%s (%lld value%s)",
			           s->table, s->column, before, plural(before));
		else if (before > 0)
			probe_item(items, "drop table %s (%lld row%s)",
			           s->table, before, plural(before));
	}
	return PL_OK;
}

static int
savepoint(PGconn *db, const char *sql, struct pl_error *err)
{
	return migrate_exec_script(db, sql, "down step savepoint", err);
}

/* Back at the savepoint: everything the step would lose or touch. */
static int
measure(PGconn *db, const char *schema, const struct probe *p, PGresult *bo,
        struct probe_items *items, struct pl_error *err)
{
	PGresult *ro;
	int rc;

	if (measure_loss(db, schema, p, items, err) != 0)
		return err->code;
	if ((ro = probe_outside(db, schema, err)) == NULL)
		return err->code;
	rc = probe_outside_compare(db, bo, p->outside, p->mine, ro, items, err);
	PQclear(ro);
	return rc;
}

/* Runs the step, inspects it, undoes it; items receives what it would
 * lose or touch (nothing: ""). */
static int
trial(PGconn *db, const char *schema, const struct migration *m,
      const char *run, struct probe_items *items, int *gone,
      struct pl_error *err)
{
	struct probe p = {NULL, 0, 0, NULL, NULL};
	PGresult *bt = tables(db, schema, err), *bc = NULL, *bo = NULL;
	int rc = bt ? PL_OK : err->code;

	items->text[0] = '\0';
	if (rc == PL_OK && (bc = columns(db, schema, err)) == NULL)
		rc = err->code;
	if (rc == PL_OK && (bo = probe_outside(db, schema, err)) == NULL)
		rc = err->code;
	if (rc == PL_OK)
		rc = savepoint(db, "SAVEPOINT migrate_down", err);
	if (rc == PL_OK)
		rc = migrate_exec_script(db, m->down, run, err);
	if (rc == PL_OK)
		rc = find_suspects(db, schema, bt, bc, &p, err);
	if (rc == PL_OK && (p.outside = probe_outside(db, schema, err)) == NULL)
		rc = err->code;
	if (rc == PL_OK)
		rc = probe_outside_mine(db, bo, p.outside, &p.mine, err);
	if (rc == PL_OK)
		rc = savepoint(db, "ROLLBACK TO SAVEPOINT migrate_down", err);
	if (rc == PL_OK)
		rc = measure(db, schema, &p, bo, items, err);
	*gone = p.schema_gone;
	probe_free(&p);
	PQclear(bt);
	PQclear(bc);
	PQclear(bo);
	return rc;
}

int
migrate_probe_down(PGconn *db, const char *schema, const struct migration *m,
                   int force, int *schema_gone, struct pl_error *err)
{
	struct probe_items items;
	char run[512], q[1100];

	*schema_gone = 0;
	snprintf(run, sizeof run, "down step of migration %s failed", m->file);
	if (trial(db, schema, m, run, &items, schema_gone, err) != 0)
		return err->code;
	/* The error message is short: --force first, the whole list in
	 * the log. */
	if (items.text[0] != '\0' && !force) {
		log_warn("down step refused: it loses data",
		         "version=%s what=%s", m->version,
		         log_quote(q, sizeof q, items.text));
		return pl_error_set(err, PL_ERR_CONFLICT, "destructive",
		                    "down step %s needs --force: it would %s",
		                    m->version, items.text);
	}
	if (items.text[0] != '\0')
		log_warn("down step loses data (forced)", "version=%s what=%s",
		         m->version, log_quote(q, sizeof q, items.text));
	return migrate_exec_script(db, m->down, run, err);
}
