/*
 * Schema migrations: ordered SQL files applied once each, in their own
 * transaction, recorded with a checksum in schema_migrations. Startup and
 * `padlined migrate` run them under a Redis lock (one migrator, the others
 * wait for its status) and a PostgreSQL advisory lock (never two at once,
 * whatever Redis does).
 */
#ifndef PL_MIGRATE_H
#define PL_MIGRATE_H

#include <stddef.h>

#include "config.h"
#include "pl_error.h"

struct migration {
	char *file;    /* base name, e.g. 2026_11_01_0000-create-users.sql */
	char *version; /* the name without ".sql" */
	char *sql;     /* the file's text */
	char checksum[65]; /* hex SHA-256 of sql */
};

/* 1 when name is YYYY_MM_DD_HHMM-slug.sql (slug: [a-z0-9_-]+). */
int migrate_name_valid(const char *name);
/* Hex SHA-256 of text into out[65]. */
void migrate_checksum(const char *text, size_t len, char out[65]);
/*
 * Reads every *.sql of dir, sorted by name. A .sql file with a malformed
 * name is an error naming it. *list / *n are the caller's to free with
 * migrate_list_free.
 */
int migrate_list(const char *dir, struct migration **list, size_t *n,
                 struct pl_error *);
void migrate_list_free(struct migration *, size_t n);

/* Connects, takes the locks, applies what is missing; latest receives the
 * newest applied version. */
int migrate_run(const struct config *, char *latest, size_t latestsz,
                struct pl_error *);

#endif
