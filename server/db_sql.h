/*
 * The text a statement is sent as. Statements name their tables "@name";
 * the text PostgreSQL gets names them in the configured schema
 * ("pad_ws".name), so no statement depends on a connection's search_path:
 * a transaction-pooling PgBouncer runs each transaction on whichever server
 * connection is free, and none of them need have been given one.
 */
#ifndef PL_DB_SQL_H
#define PL_DB_SQL_H

#include <libpq-fe.h>

#include "pl_error.h"

/* One connection's texts, made once per statement and kept. */
struct db_sql;

/* Quotes schema (configuration, never input) with PQescapeIdentifier on pg
 * for every text made later; NULL with err set when it cannot. */
struct db_sql *db_sql_new(PGconn *pg, const char *schema, struct pl_error *);
void db_sql_free(struct db_sql *);
/* The text of statement sql, a string literal: its address names it, as it
 * names the statement prepared from it. Valid while the struct lives. */
const char *db_sql_text(struct db_sql *, const char *sql);
/* sql with each "@name" outside a quoted string made ident.name, in a new
 * string. */
char *db_sql_qualify(const char *ident, const char *sql);

#endif
