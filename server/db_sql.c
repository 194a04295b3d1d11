/*
 * Schema-qualified statement text (db_sql.h): the "@name" of each table
 * made "schema".name once per statement and connection, so a request costs
 * a lookup, never a statement of its own (a SET LOCAL search_path in every
 * transaction would).
 */
#include "db_sql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct sql_entry {
	const char *sql; /* the literal (NULL: a free slot) */
	char *text;      /* NULL when sql has no "@name": sent as it is */
};

struct db_sql {
	char *ident;
	struct sql_entry *v; /* open addressing on the literal's address */
	size_t n, cap;       /* cap: a power of two */
};

struct db_sql *
db_sql_new(PGconn *pg, const char *schema, struct pl_error *err)
{
	char *q = PQescapeIdentifier(pg, schema, strlen(schema));
	struct db_sql *s;

	if (q == NULL) {
		pl_error_set(err, PL_ERR_INTERNAL, "internal",
		             "cannot quote the schema name");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->ident = xstrdup(q);
	PQfreemem(q);
	s->cap = 256;
	s->v = xcalloc(s->cap, sizeof *s->v);
	return s;
}

void
db_sql_free(struct db_sql *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i].text);
	free(s->v);
	free(s->ident);
	free(s);
}

static int
name_start(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

char *
db_sql_qualify(const char *ident, const char *sql)
{
	size_t nat = 0, il = strlen(ident), o = 0;
	int quoted = 0;
	char *out;

	for (const char *p = sql; *p; p++)
		nat += *p == '@';
	out = xmalloc(strlen(sql) + nat * (il + 1) + 1);
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (*p == '@' && !quoted && name_start(p[1])) {
			memcpy(out + o, ident, il);
			o += il;
			out[o++] = '.';
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

static size_t
slot_of(const struct db_sql *s, const char *sql)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15u;
	size_t i = (size_t)(h ^ (h >> 29));

	for (i &= s->cap - 1; s->v[i].sql != NULL && s->v[i].sql != sql;
	     i = (i + 1) & (s->cap - 1))
		;
	return i;
}

static void
grow(struct db_sql *s)
{
	struct sql_entry *old = s->v;
	size_t oldcap = s->cap;

	s->cap *= 2;
	s->v = xcalloc(s->cap, sizeof *s->v);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].sql != NULL)
			s->v[slot_of(s, old[i].sql)] = old[i];
	free(old);
}

const char *
db_sql_text(struct db_sql *s, const char *sql)
{
	size_t i = slot_of(s, sql);

	if (s->v[i].sql == NULL) {
		if (2 * (s->n + 1) > s->cap) {
			grow(s);
			i = slot_of(s, sql);
		}
		s->v[i].sql = sql;
		s->v[i].text =
		    strchr(sql, '@') ? db_sql_qualify(s->ident, sql) : NULL;
		s->n++;
	}
	return s->v[i].text ? s->v[i].text : sql;
}
