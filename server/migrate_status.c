/*
 * `padlined migrate --status`: every version the files or schema_migrations
 * know, merged in order, with its state (applied, pending, changed, unknown,
 * newer), checksum, down part and who applied it when. Reads only: it takes
 * no lock and creates nothing, so it works on a schema padlined refuses.
 */
#include "migrate_steps.h"

#include <string.h>

#include "db.h"

/* Rows of schema_migrations, or NULL with *none set when it does not
 * exist. applied_by is read through to_jsonb: a schema not migrated since
 * the column came has no such column yet. */
static PGresult *
read_rows(PGconn *db, const char *schema, int *none, struct pl_error *err)
{
	int exists = 0;
	PGresult *r;

	*none = 0;
	if (migrate_begin(db, schema, err) != 0)
		return NULL;
	if (migrate_table_exists(db, schema, &exists, err) != 0 || !exists) {
		*none = err->code == 0;
		db_rollback(db);
		return NULL;
	}
	r = db_exec(db,
	            "SELECT m.version, m.checksum,\n"
	            "       to_char(m.applied_at AT TIME ZONE 'UTC',\n"
	            "               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),\n"
	            "       COALESCE(to_jsonb(m) ->> 'applied_by', '?')\n"
	            "FROM schema_migrations m\n"
	            "ORDER BY m.version",
	            0, NULL, err);
	db_rollback(db);
	return r;
}

struct tally {
	int applied, pending, changed, unknown, newer;
	const char *first_newer, *first_changed;
};

static void
line_file(FILE *out, const struct migration *m, PGresult *r, int row,
          struct tally *t)
{
	const char *down = m->down ? "yes" : "no";

	if (row < 0) {
		t->pending++;
		fprintf(out, "pending  %s  %s  down:%s\n", m->version,
		        m->checksum, down);
		return;
	}
	if (strcmp(PQgetvalue(r, row, 1), m->checksum) == 0) {
		t->applied++;
		fprintf(out, "applied  %s  %s  down:%s  %s by %s\n", m->version,
		        m->checksum, down, PQgetvalue(r, row, 2),
		        PQgetvalue(r, row, 3));
		return;
	}
	t->changed++;
	if (t->first_changed == NULL)
		t->first_changed = m->file;
	fprintf(out, "changed  %s  %s  down:%s  %s by %s; file now %s\n",
	        m->version, PQgetvalue(r, row, 1), down, PQgetvalue(r, row, 2),
	        PQgetvalue(r, row, 3), m->checksum);
}

static void
line_unfiled(FILE *out, PGresult *r, int row, const char *latest,
             struct tally *t)
{
	const char *ver = PQgetvalue(r, row, 0);
	int newer = strcmp(ver, latest) > 0;

	if (newer && t->first_newer == NULL)
		t->first_newer = ver;
	if (newer)
		t->newer++;
	else
		t->unknown++;
	fprintf(out, "%s  %s  %s  down:?   %s by %s; no file here%s\n",
	        newer ? "newer  " : "unknown", ver, PQgetvalue(r, row, 1),
	        PQgetvalue(r, row, 2), PQgetvalue(r, row, 3),
	        newer ? ", newer than this padlined" : "");
}

static void
summary(FILE *out, const char *schema, const char *latest,
        const struct tally *t)
{
	fprintf(out,
	        "schema %s: %d applied, %d pending, %d changed, %d unknown, "
	        "%d newer; this padlined's latest: %s\n",
	        schema, t->applied, t->pending, t->changed, t->unknown,
	        t->newer, latest[0] ? latest : "(none)");
	if (t->first_newer)
		fprintf(out,
		        "padlined refuses to start: the schema is at %s, newer "
		        "than this padlined\n",
		        t->first_newer);
	if (t->first_changed)
		fprintf(out,
		        "padlined refuses to start: %s was changed after it "
		        "was applied\n",
		        t->first_changed);
}

int
migrate_status_write(PGconn *db, const char *schema, const struct migration *v,
                     size_t n, FILE *out, int *attention, struct pl_error *err)
{
	const char *latest = n > 0 ? v[n - 1].version : "";
	struct tally t = {0, 0, 0, 0, 0, NULL, NULL};
	int none, rows, row = 0;
	size_t i = 0;
	PGresult *r = read_rows(db, schema, &none, err);

	if (r == NULL && !none)
		return err->code;
	rows = r ? PQntuples(r) : 0;
	/* Both lists are sorted by version: merge them. */
	while (i < n || row < rows) {
		int c = i >= n ? 1
		        : row >= rows
		            ? -1
		            : strcmp(v[i].version, PQgetvalue(r, row, 0));

		if (c < 0)
			line_file(out, &v[i++], r, -1, &t);
		else if (c == 0)
			line_file(out, &v[i++], r, row++, &t);
		else
			line_unfiled(out, r, row++, latest, &t);
	}
	summary(out, schema, latest, &t);
	*attention = t.changed + t.unknown + t.newer;
	PQclear(r);
	return PL_OK;
}
