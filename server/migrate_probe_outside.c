/*
 * What a tried down step did outside its schema: relations and schemas it
 * dropped, created or altered, and tables it wrote. A migration owns its
 * schema only; anything else it touches is somebody's data.
 */
#include "migrate_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "xalloc.h"

/* Columns of probe_outside's rows. */
enum { O_KEY, O_LABEL, O_PRINT, O_WRITES, O_COUNTABLE, O_OID, O_XMIN };

/*
 * Other sessions may change the catalog at the same time (other schemas
 * of the database migrate, tests create and drop theirs), and each
 * statement of the transaction sees what they committed. So:
 * - dropped = before, not after, back after the rollback to the savepoint
 *   (a drop another session committed stays);
 * - created (after only) or altered (another fingerprint after) count when
 *   the catalog row after is this transaction's: its xmin is in progress,
 *   which a row of another session is not once it is visible
 *   (probe_outside_mine);
 * - written: pg_stat_get_xact_tuples_* count this transaction's inserts,
 *   updates and deletes per table (attempts count even when rolled back,
 *   so they only grow during the step; TRUNCATE, which can reset them,
 *   gives the table a new relfilenode, part of the fingerprint).
 */
PGresult *
probe_outside(PGconn *db, const char *schema, struct pl_error *err)
{
	const char *params[] = {schema};

	return db_exec(
	    db,
	    "WITH ns AS (\n"
	    "    SELECT oid, nspname, xmin AS nsxmin FROM pg_namespace\n"
	    "    WHERE nspname <> $1\n"
	    "      AND nspname NOT IN ('pg_catalog', 'information_schema',\n"
	    "                          'pg_toast')\n"
	    "      AND nspname NOT LIKE 'pg\\_temp\\_%'\n"
	    "      AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%')\n"
	    "SELECT * FROM (\n"
	    "SELECT 'r' || c.oid AS key,\n"
	    "       CASE WHEN c.relkind IN ('r', 'p') THEN 'table'\n"
	    "            WHEN c.relkind = 'v' THEN 'view'\n"
	    "            WHEN c.relkind = 'm' THEN 'materialized view'\n"
	    "            WHEN c.relkind = 'S' THEN 'sequence'\n"
	    "            WHEN c.relkind IN ('i', 'I') THEN 'index'\n"
	    "            ELSE 'relation' END\n"
	    "         || ' ' || quote_ident(ns.nspname) || '.'\n"
	    "         || quote_ident(c.relname),\n"
	    "       concat_ws(' ', ns.nspname, c.relname, c.relkind,\n"
	    "                 c.relfilenode,\n"
	    "                 (SELECT md5(string_agg(concat_ws(':', a.attnum,\n"
	    "                         a.attname, a.atttypid, a.atttypmod,\n"
	    "                         a.attnotnull), ',' ORDER BY a.attnum))\n"
	    "                  FROM pg_attribute a\n"
	    "                  WHERE a.attrelid = c.oid AND a.attnum > 0\n"
	    "                    AND NOT a.attisdropped)),\n"
	    "       (pg_stat_get_xact_tuples_inserted(c.oid)\n"
	    "        + pg_stat_get_xact_tuples_updated(c.oid)\n"
	    "        + pg_stat_get_xact_tuples_deleted(c.oid))::text,\n"
	    "       (c.relkind IN ('r', 'p', 'm'))::text, c.oid::text,\n"
	    "       c.xmin::text\n"
	    "FROM pg_class c JOIN ns ON ns.oid = c.relnamespace\n"
	    "UNION ALL\n"
	    "SELECT 'n' || oid, 'schema ' || quote_ident(nspname), nspname,\n"
	    "       '0', 'false', oid::text, nsxmin::text\n"
	    "FROM ns) o\n"
	    "ORDER BY key COLLATE \"C\"",
	    1, params, err);
}

/* Row of r (sorted by key, bytewise) with that key, or -1. */
static int
find_key(PGresult *r, const char *key)
{
	int lo = 0, hi = PQntuples(r) - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(PQgetvalue(r, mid, O_KEY), key);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* "verb label (N rows)", or without the rows for what holds none. */
static int
item_rows(PGconn *db, PGresult *r, int row, const char *verb,
          struct probe_items *items, struct pl_error *err)
{
	long long n = 0;

	if (strcmp(PQgetvalue(r, row, O_COUNTABLE), "true") != 0) {
		probe_item(items, "%s %s", verb, PQgetvalue(r, row, O_LABEL));
		return PL_OK;
	}
	if (probe_count(db, PQgetvalue(r, row, O_OID), NULL, &n, err) != 0)
		return err->code;
	probe_item(items, "%s %s (%lld row%s)", verb,
	           PQgetvalue(r, row, O_LABEL), n, n == 1 ? "" : "s");
	return PL_OK;
}

static int
same(PGresult *x, int i, PGresult *y, int j, int col)
{
	return strcmp(PQgetvalue(x, i, col), PQgetvalue(y, j, col)) == 0;
}

/* Row i of a is new or changed since b. */
static int
candidate(PGresult *b, PGresult *a, int i)
{
	int ib = find_key(b, PQgetvalue(a, i, O_KEY));

	return ib < 0 || !same(a, i, b, ib, O_PRINT);
}

int
probe_outside_mine(PGconn *db, PGresult *b, PGresult *a, char **mine,
                   struct pl_error *err)
{
	struct probe_list list = {NULL, 0, 0};
	const char *params[1];
	char *xmins;
	PGresult *r;
	int k = 0;

	*mine = xcalloc((size_t)PQntuples(a) + 1, 1);
	for (int i = 0; i < PQntuples(a); i++)
		if (candidate(b, a, i))
			probe_list_add(&list, PQgetvalue(a, i, O_XMIN));
	if (list.len == 0) /* nothing new: the usual case */
		return PL_OK;
	xmins = probe_list_end(&list);
	/* A candidate's xmin is recent (it appeared during the step), so the
	 * 64-bit id nearest the transaction's own is its id. */
	params[0] = xmins;
	r = db_exec(
	    db,
	    "SELECT pg_xact_status((t + ((x - (t & 4294967295)\n"
	    "           + 2147483648) & 4294967295) - 2147483648)\n"
	    "           ::text::xid8) IS NOT DISTINCT FROM 'in progress'\n"
	    "FROM unnest($1::bigint[]) WITH ORDINALITY AS u (x, n),\n"
	    "     (SELECT pg_current_xact_id()::text::bigint AS t) c\n"
	    "ORDER BY n",
	    1, params, err);
	free(xmins);
	if (r == NULL)
		return err->code;
	for (int i = 0; i < PQntuples(a); i++)
		if (candidate(b, a, i))
			(*mine)[i] = strcmp(PQgetvalue(r, k++, 0), "t") == 0;
	PQclear(r);
	return PL_OK;
}

int
probe_outside_compare(PGconn *db, PGresult *b, PGresult *a, const char *mine,
                      PGresult *r, struct probe_items *items,
                      struct pl_error *err)
{
	int rc = PL_OK;

	for (int i = 0; i < PQntuples(b) && rc == PL_OK; i++) {
		const char *key = PQgetvalue(b, i, O_KEY);
		int ia = find_key(a, key), ir = find_key(r, key);
		long long wrote;

		if (ia < 0 && ir >= 0) {
			rc = item_rows(db, r, ir, "drop", items, err);
			continue;
		}
		if (ia < 0)
			continue;
		if (ir >= 0 && mine[ia] && !same(a, ia, b, i, O_PRINT))
			rc = item_rows(db, r, ir, "alter", items, err);
		wrote = atoll(PQgetvalue(a, ia, O_WRITES)) -
		        atoll(PQgetvalue(b, i, O_WRITES));
		if (wrote != 0)
			probe_item(items, "write %lld row%s of %s",
			           llabs(wrote), llabs(wrote) == 1 ? "" : "s",
			           PQgetvalue(b, i, O_LABEL));
	}
	for (int i = 0; i < PQntuples(a); i++) {
		const char *key = PQgetvalue(a, i, O_KEY);

		if (mine[i] && find_key(b, key) < 0)
			probe_item(items, "create %s",
			           PQgetvalue(a, i, O_LABEL));
	}
	return rc;
}
