/*
 * Repository for backups (previous data of a pad): one SQL statement per
 * function, no policy. Callers check the pad's owner first (repo_pad_exists
 * in the same transaction); backups are addressed through their pad.
 */
#ifndef PL_REPO_BACKUP_H
#define PL_REPO_BACKUP_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

/* Copies the pad's current data into a new backup (inside the database, so
 * large data never travels to padlined and back). */
int repo_backup_insert(struct db_conn *, const char *pad_id, struct pl_error *);
/* The pad's backups, newest first, as [{id, created_at, size}] plus data
 * when with_data. */
int repo_backup_list(struct db_conn *, const char *pad_id, int with_data,
                     json_t **backups, struct pl_error *);
/* Adds a backup holding data (JSON object text), taken now: pad.import's
 * way to bring a pad's history along. */
int repo_backup_add(struct db_conn *, const char *pad_id, const char *data,
                    struct pl_error *);
/* Deletes all but the newest keep backups of the pad. */
int repo_backup_prune(struct db_conn *, const char *pad_id, int keep,
                      struct pl_error *);
/* *backup = {id, created_at, size, data} or NULL when the pad has no such
 * backup. */
int repo_backup_get(struct db_conn *, const char *id, const char *pad_id,
                    json_t **backup, struct pl_error *);
/* Seconds since the pad's newest backup was taken, or -1 when it has
 * none. */
int repo_backup_newest_age(struct db_conn *, const char *pad_id, double *age,
                           struct pl_error *);

#endif
