/*
 * Running migrations: the Redis lock + status key that elect one migrator
 * among instances starting together (DESIGN.md, Startup), the PostgreSQL
 * advisory lock that keeps two migrators apart even if Redis misbehaves, and
 * applying each missing file in its own transaction.
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
#include "rds_pool.h"

#define LOCK_TTL_S 120
#define STATUS_TTL_S 3600
#define POLL_MS 200

/* Deletes the lock only while it still holds our token: one atomic step, so
 * a holder whose lock expired can never delete its successor's. */
static const char release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) else return 0 end";

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static PGconn *
connect_retrying(const struct config *cfg, struct pl_error *err)
{
	long long deadline = now_ms() + (long long)cfg->startup_db_wait * 1000;
	PGconn *db;

	for (;;) {
		pl_error_clear(err);
		db = db_connect(cfg->database_url, cfg->schema,
		                cfg->db_connect_timeout, err);
		if (db != NULL || now_ms() >= deadline)
			return db;
		log_info("waiting for PostgreSQL", "schema=%s", cfg->schema);
		sleep(1);
	}
}

static int
exec_simple(PGconn *db, const char *sql, const char *what, struct pl_error *err)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);
	char q[512];

	PQclear(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return PL_OK;
	log_quote(q, sizeof q, PQerrorMessage(db));
	return pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s: %s", what, q);
}

/* The schema and the bookkeeping table. The schema name is configuration,
 * validated and quoted: the one identifier that cannot be a parameter. */
static int
prepare_schema(PGconn *db, const char *schema, struct pl_error *err)
{
	char *ident = PQescapeIdentifier(db, schema, strlen(schema));
	char sql[512];
	int rc;

	snprintf(sql, sizeof sql,
	         "CREATE SCHEMA IF NOT EXISTS %s; SET search_path TO %s, "
	         "public; CREATE TABLE IF NOT EXISTS schema_migrations ("
	         "version text PRIMARY KEY, checksum text NOT NULL, "
	         "applied_at timestamptz NOT NULL DEFAULT now()); "
	         "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS "
	         "applied_by text",
	         ident, ident);
	PQfreemem(ident);
	rc = exec_simple(db, sql, "preparing the schema", err);
	return rc;
}

/* Who ran a step, "host:pid": one process per step, and one migrator for
 * a whole run, is then a fact to query rather than a log line to grep. */
static void
migrator_name(char *out, size_t size)
{
	char host[256] = "";

	gethostname(host, sizeof host - 1);
	snprintf(out, size, "%s:%ld", host, (long)getpid());
}

static int
apply_one(PGconn *db, const struct migration *m, struct pl_error *err)
{
	char by[300];
	const char *params[] = {m->version, m->checksum, by};
	long long t0 = now_ms();
	char what[512];

	snprintf(what, sizeof what, "migration %s failed", m->file);
	migrator_name(by, sizeof by);
	if (db_begin(db, err) != 0)
		return err->code;
	/* Migration files are part of the release, never input: they may
	 * hold several statements, which only the simple protocol runs. */
	if (exec_simple(db, m->sql, what, err) != 0 ||
	    db_run(db,
	           "INSERT INTO schema_migrations (version, checksum, "
	           "applied_by) VALUES ($1, $2, $3)",
	           3, params, err) != 0) {
		db_rollback(db);
		if (strstr(err->message, m->file) == NULL)
			pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s", what);
		return err->code;
	}
	if (db_commit(db, err) != 0) {
		pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s at commit", what);
		return err->code;
	}
	log_info("migration applied", "version=%s ms=%lld", m->version,
	         now_ms() - t0);
	return PL_OK;
}

/* Under the advisory lock: refuse changed files, apply missing ones. */
static int
apply_all(PGconn *db, const struct config *cfg, const struct migration *v,
          size_t n, char *latest, size_t latestsz, struct pl_error *err)
{
	PGresult *r;
	int rc = PL_OK;

	if (prepare_schema(db, cfg->schema, err) != 0)
		return err->code;
	r = db_exec(db, "SELECT version, checksum FROM schema_migrations", 0,
	            NULL, err);
	if (r == NULL)
		return err->code;
	for (size_t i = 0; i < n && rc == PL_OK; i++) {
		const char *sum = NULL;

		for (int row = 0; row < PQntuples(r); row++)
			if (strcmp(PQgetvalue(r, row, 0), v[i].version) == 0)
				sum = PQgetvalue(r, row, 1);
		if (sum == NULL)
			rc = apply_one(db, &v[i], err);
		else if (strcmp(sum, v[i].checksum) != 0)
			rc = pl_error_set(
			    err, PL_ERR_INTERNAL, NULL,
			    "migration %s was changed after it was applied "
			    "(checksum %.12s… recorded, %.12s… on disk); "
			    "restore the file and add a new migration instead",
			    v[i].file, sum, v[i].checksum);
	}
	PQclear(r);
	if (rc != PL_OK)
		return rc;
	r = db_exec(db,
	            "SELECT COALESCE(max(version), '') FROM "
	            "schema_migrations",
	            0, NULL, err);
	if (r == NULL)
		return err->code;
	snprintf(latest, latestsz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return PL_OK;
}

static int
with_advisory_lock(PGconn *db, const struct config *cfg,
                   const struct migration *v, size_t n, char *latest,
                   size_t latestsz, struct pl_error *err)
{
	const char *params[] = {cfg->schema};
	int rc;

	if (db_run(db,
	           "SELECT pg_advisory_lock(hashtext('padline:migrate:' "
	           "|| $1))",
	           1, params, err) != 0)
		return err->code;
	rc = apply_all(db, cfg, v, n, latest, latestsz, err);
	if (PQstatus(db) == CONNECTION_OK)
		PQclear(PQexecParams(db,
		                     "SELECT pg_advisory_unlock(hashtext("
		                     "'padline:migrate:' || $1))",
		                     1, NULL, params, NULL, NULL, 0));
	return rc;
}

static char *
redis_get(redisContext *rc, const char *key)
{
	redisReply *r = redisCommand(rc, "GET %s", key);
	char *v = NULL;

	if (r && r->type == REDIS_REPLY_STRING)
		v = strdup(r->str);
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
	long long deadline = now_ms() + (long long)cfg->migrate_wait * 1000;
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
		if (now_ms() >= deadline)
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
migrate_run(const struct config *cfg, char *latest, size_t latestsz,
            struct pl_error *err)
{
	struct migration *v = NULL;
	size_t n = 0;
	PGconn *db = NULL;
	redisContext *rc = NULL;
	char lock[160], status[160], tok[33];
	unsigned char raw[16];
	int elected = 0, rcode;

	latest[0] = '\0';
	if (migrate_list(cfg->migrations_dir, &v, &n, err) != 0)
		return err->code;
	db = connect_retrying(cfg, err);
	if (db == NULL) {
		migrate_list_free(v, n);
		return err->code;
	}
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
	rcode = with_advisory_lock(db, cfg, v, n, latest, latestsz, err);
	if (elected == 1)
		redis_finish(rc, lock, status, tok, rcode == PL_OK);
out:
	if (rc)
		redisFree(rc);
	db_close(db);
	migrate_list_free(v, n);
	return rcode;
}
