/*
 * Schema migrations: ordered SQL files applied once each, in their own
 * transaction, recorded with a checksum in schema_migrations. A file may end
 * with a down part (after a "-- migrate:down" line) that undoes it. Startup,
 * `padlined migrate` and `migrate --to` run them under a Redis lock (one
 * migrator, the others wait for its status) and a PostgreSQL advisory lock
 * (never two at once, whatever Redis does).
 */
#ifndef PL_MIGRATE_H
#define PL_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "pl_error.h"

struct migration {
	char *file;    /* base name, e.g. 2026_11_01_0000-create-users.sql */
	char *version; /* the name without ".sql" */
	char *sql;     /* the up part: the text before the down marker */
	char *down;    /* the down part (after the marker), NULL without one */
	/* hex SHA-256 of the up part with trailing whitespace ignored, so a
	 * down part added to an applied file leaves it unchanged */
	char checksum[65];
};

/* What `migrate --to` is asked to do. */
struct migrate_request {
	const char *to; /* a version (or unique prefix); "0" = before the
	                   first; NULL = the latest file */
	int force;      /* down steps may lose data */
};

/* What a run did. */
struct migrate_result {
	char latest[160]; /* newest applied version afterwards, "" if none */
	int applied;      /* up steps run by this process */
	int reverted;     /* down steps run by this process */
};

/* 1 when name is YYYY_MM_DD_HHMM-slug.sql (slug: [a-z0-9_-]+). */
int migrate_name_valid(const char *name);
/* Hex SHA-256 of text into out[65]. */
void migrate_checksum(const char *text, size_t len, char out[65]);
/*
 * Splits a file's text (m->file names it in errors) into m->sql and m->down
 * and sets m->checksum. A line "-- migrate:<word>" other than
 * "-- migrate:down" is an error, so a typo never hides a down part.
 */
int migrate_parse(struct migration *m, const char *text, size_t len,
                  struct pl_error *);
/*
 * Reads every *.sql of dir, sorted by name. A .sql file with a malformed
 * name is an error naming it. *list / *n are the caller's to free with
 * migrate_list_free.
 */
int migrate_list(const char *dir, struct migration **list, size_t *n,
                 struct pl_error *);
void migrate_list_free(struct migration *, size_t n);
/* Index of the migration named by version, file name or a prefix matching
 * exactly one; -1 when none matches, -2 when several do. */
int migrate_find(const struct migration *, size_t n, const char *name);

/* Connects, takes the locks, applies what is missing; latest receives the
 * newest applied version. Refuses a schema that records a version newer
 * than every file (a newer padlined migrated it). */
int migrate_run(const struct config *, char *latest, size_t latestsz,
                struct pl_error *);
/* Like migrate_run, but moves the schema up or down to req->to. */
int migrate_to(const struct config *, const struct migrate_request *,
               struct migrate_result *, struct pl_error *);
/* Writes applied and pending versions with checksums and markers to out;
 * takes no lock and changes nothing. *attention receives how many versions
 * are changed, unknown or newer (`migrate --status` exits 3 then). */
int migrate_status(const struct config *, FILE *out, int *attention,
                   struct pl_error *);

#endif
