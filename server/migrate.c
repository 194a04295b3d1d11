/*
 * Running migrations: the Redis lock + status key that elect one migrator
 * among instances starting together (docs/migrations.md); the PostgreSQL
 * advisory lock that keeps two migrators apart even if Redis misbehaves is
 * taken per transaction (migrate_begin_locked in migrate_steps.c).
 * Also the schema and bookkeeping table they guard, and running a file's
 * SQL. What happens under the locks (which steps, up or down) is
 * migrate_steps.c.
 */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <sodium.h>

#include "db.h"
#include "db_pool.h"
#include "log.h"
#include "migrate_steps.h"
#include "mono_time.h"
#include "rds_pool.h"
#include "xalloc.h"

#define LOCK_TTL_S 120
#define STATUS_TTL_S 3600
#define POLL_MS 200

/* Deletes the lock only while it still holds our token: one atomic step, so
 * a holder whose lock expired can never delete its successor's. */
static const char release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) else return 0 end";

/* db when it is a primary; a standby (read-only: migrations would fail
 * there) or one that does not answer within the connect timeout is closed:
 * NULL, err set. */
static PGconn *
primary_or_close(PGconn *db, const char *schema, int timeout,
                 struct pl_error *err)
{
	struct db_conn *c = db_conn_new(db, schema, 0, err);
	PGresult *r;
	int standby;

	if (c == NULL) /* db_conn_new closed db */
		return NULL;
	db_conn_set_timeout(c, timeout * 1000);
	r = db_query_result(c, "SELECT pg_is_in_recovery() AS r", 0, NULL, err);
	if (r == NULL) {
		db_conn_free(c);
		return NULL;
	}
	standby = db_get_bool(r, 0, "r");
	PQclear(r);
	if (standby) {
		db_conn_free(c);
		pl_error_set(err, PL_ERR_UNAVAILABLE, NULL,
		             "PostgreSQL is a standby (read-only)");
		return NULL;
	}
	return db_conn_take_pg(c);
}

/* A primary, retried (backing off up to STARTUP_BACKOFF_MAX_S) while
 * PostgreSQL is unreachable or only a standby answers: a failover in
 * progress when padlined starts. */
#define STARTUP_BACKOFF_MAX_S 5
static PGconn *
connect_retrying(const struct config *cfg, struct pl_error *err)
{
	long long deadline = mono_ms() + (long long)cfg->startup_db_wait * 1000;
	unsigned backoff = 1;
	PGconn *db;

	for (;;) {
		pl_error_clear(err);
		db =
		    db_connect(cfg->database_url, cfg->db_connect_timeout, err);
		if (db != NULL)
			db = primary_or_close(db, cfg->schema,
			                      cfg->db_connect_timeout, err);
		if (db != NULL || mono_ms() >= deadline)
			return db;
		log_info("waiting for a PostgreSQL primary",
		         "schema=%s retry_in_s=%u error=%s", cfg->schema,
		         backoff, err->message);
		sleep(backoff);
		if (backoff < STARTUP_BACKOFF_MAX_S)
			backoff *= 2;
		if (backoff > STARTUP_BACKOFF_MAX_S)
			backoff = STARTUP_BACKOFF_MAX_S;
	}
}

int
migrate_exec_script(PGconn *db, const char *sql, const char *what,
                    struct pl_error *err)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);
	char q[512];

	PQclear(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	    st == PGRES_EMPTY_QUERY)
		return PL_OK;
	log_quote(q, sizeof q, PQerrorMessage(db));
	return pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s: %s", what, q);
}

/* The schema and the bookkeeping table, in one transaction under the
 * migration lock (concurrent CREATE ... IF NOT EXISTS can still collide).
 * The schema name is configuration, validated and quoted: the one
 * identifier that cannot be a parameter. applied_by came later than the
 * table: added where it is missing. The "already exists" notices of every
 * start are not worth printing. */
static int
prepare_schema(PGconn *db, const char *schema, struct pl_error *err)
{
	char *ident = PQescapeIdentifier(db, schema, strlen(schema)), *sql;
	int rc;

	rc = migrate_begin_locked(db, schema, err);
	if (rc != PL_OK) {
		PQfreemem(ident);
		return rc;
	}
	/* A statement of its own: only the identifier is ever formatted. */
	rc = migrate_exec_script(db, "SET LOCAL client_min_messages TO warning",
	                         "preparing the schema", err);
	if (rc != PL_OK) {
		PQfreemem(ident);
		db_rollback(db);
		return rc;
	}
	sql = xasprintf("CREATE SCHEMA IF NOT EXISTS %s;\n"
	                "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
	                "    version text PRIMARY KEY,\n"
	                "    checksum text NOT NULL,\n"
	                "    applied_at timestamptz NOT NULL DEFAULT now()\n"
	                ");\n"
	                "ALTER TABLE schema_migrations\n"
	                "    ADD COLUMN IF NOT EXISTS applied_by text",
	                ident);
	PQfreemem(ident);
	rc = migrate_exec_script(db, sql, "preparing the schema", err);
	free(sql);
	if (rc != PL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, err) != 0 ? err->code : PL_OK;
}

/* Every transaction below takes the migration lock itself
 * (migrate_begin_locked): nothing is held between them. */
static int
migrate_locked(PGconn *db, const struct config *cfg, const struct migration *v,
               size_t n, const struct migrate_request *req,
               struct migrate_result *res, struct pl_error *err)
{
	int rc = prepare_schema(db, cfg->schema, err);

	if (rc == PL_OK)
		rc = migrate_steps_run(db, cfg->schema, v, n, req, res, err);
	return rc;
}

/* The files, then a connection: NULL (nothing to free) if either fails.
 * A request's target is checked first, so a mistyped --to touches
 * nothing. */
static PGconn *
open_both(const struct config *cfg, const struct migrate_request *req,
          struct migration **v, size_t *n, struct pl_error *err)
{
	const char *target;
	PGconn *db = NULL;

	if (migrate_list(cfg->migrations_dir, v, n, err) != 0)
		return NULL;
	if (req == NULL || migrate_steps_target(*v, *n, req, &target, err) == 0)
		db = connect_retrying(cfg, err);
	if (db == NULL) {
		migrate_list_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return db;
}

static char *
redis_get(redisContext *rc, const char *key)
{
	redisReply *r = redisCommand(rc, "GET %s", key);
	char *v = NULL;

	if (r && r->type == REDIS_REPLY_STRING)
		v = xstrdup(r->str);
	if (r)
		freeReplyObject(r);
	return v;
}

/*
 * Elects a migrator: returns 1 when we hold the lock (token in tok), 0 when
 * another instance finished (completed or failed) or its lock vanished and
 * we should check for ourselves, -1 when Redis fails or the wait ran out.
 */
static int
redis_elect(redisContext *rc, const struct config *cfg, const char *lock,
            const char *status, const char *tok)
{
	long long deadline = mono_ms() + (long long)cfg->migrate_wait * 1000;
	int waited = 0;

	for (;;) {
		redisReply *r = redisCommand(rc, "SET %s %s NX EX %d", lock,
		                             tok, LOCK_TTL_S);
		int got;
		char *st;

		if (r == NULL)
			return -1;
		got = r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
		if (got)
			return 1;
		st = redis_get(rc, status);
		if (st && strcmp(st, "in_progress") != 0) {
			/* The holder finished (its lock may linger a moment);
			 * what it did is verified under the advisory lock. */
			log_info("another instance migrated", "status=%s", st);
			free(st);
			return 0;
		}
		free(st);
		if (!waited)
			log_info("waiting for another instance's migration",
			         "schema=%s", cfg->schema);
		waited = 1;
		if (mono_ms() >= deadline)
			return -1;
		usleep(POLL_MS * 1000);
	}
}

static void
redis_finish(redisContext *rc, const char *lock, const char *status,
             const char *tok, int ok)
{
	redisReply *r;

	r = redisCommand(rc, "SET %s %s EX %d", status,
	                 ok ? "completed" : "failed", STATUS_TTL_S);
	if (r)
		freeReplyObject(r);
	r = redisCommand(rc, "EVAL %s 1 %s %s", release_lua, lock, tok);
	if (r)
		freeReplyObject(r);
}

int
migrate_to(const struct config *cfg, const struct migrate_request *req,
           struct migrate_result *res, struct pl_error *err)
{
	struct migration *v = NULL;
	size_t n = 0;
	PGconn *db = NULL;
	redisContext *rc = NULL;
	char lock[160], status[160], tok[33];
	unsigned char raw[16];
	int elected = 0, rcode;

	memset(res, 0, sizeof *res);
	if ((db = open_both(cfg, req, &v, &n, err)) == NULL)
		return err->code;
	snprintf(lock, sizeof lock, "padline:migrate:lock:%s", cfg->schema);
	snprintf(status, sizeof status, "padline:migrate:status:%s",
	         cfg->schema);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(tok, sizeof tok, raw, sizeof raw);
	rc = rds_connect(cfg->redis_url, 2000);
	if (rc == NULL)
		log_warn("Redis unavailable; migrating under the PostgreSQL "
		         "lock alone",
		         "schema=%s", cfg->schema);
	else {
		elected = redis_elect(rc, cfg, lock, status, tok);
		if (elected < 0 && rc->err == 0) {
			rcode = pl_error_set(err, PL_ERR_INTERNAL, NULL,
			                     "gave up waiting %d s for another "
			                     "instance's migration",
			                     cfg->migrate_wait);
			goto out;
		}
		if (elected == 1) {
			redisReply *r =
			    redisCommand(rc, "SET %s in_progress EX %d", status,
			                 STATUS_TTL_S);

			if (r)
				freeReplyObject(r);
		}
	}
	rcode = migrate_locked(db, cfg, v, n, req, res, err);
	if (elected == 1)
		redis_finish(rc, lock, status, tok, rcode == PL_OK);
out:
	if (rc)
		redisFree(rc);
	db_close(db);
	migrate_list_free(v, n);
	return rcode;
}

int
migrate_run(const struct config *cfg, char *latest, size_t latestsz,
            struct pl_error *err)
{
	struct migrate_request req = {NULL, 0};
	struct migrate_result res;
	int rc = migrate_to(cfg, &req, &res, err);

	snprintf(latest, latestsz, "%s", rc == PL_OK ? res.latest : "");
	return rc;
}

int
migrate_status(const struct config *cfg, FILE *out, int *attention,
               struct pl_error *err)
{
	struct migration *v = NULL;
	size_t n = 0;
	PGconn *db;
	int rc;

	*attention = 0;
	if ((db = open_both(cfg, NULL, &v, &n, err)) == NULL)
		return err->code;
	rc = migrate_status_write(db, cfg->schema, v, n, out, attention, err);
	db_close(db);
	migrate_list_free(v, n);
	return rc;
}
