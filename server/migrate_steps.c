/*
 * What a migration run does under the locks: read schema_migrations, refuse
 * what must not be touched (a changed applied file, a schema newer than
 * this binary), plan the steps to the target version (down steps newest
 * first, then up steps oldest first), and run each in its own transaction.
 * Also the read-only status report.
 */
#include "migrate_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "mono_time.h"
#include "xalloc.h"

/* Who ran a step, "host:pid": one process per step, and one migrator for
 * a whole run, is then a fact to query rather than a log line to grep. */
static void
migrator_name(char *out, size_t size)
{
	char host[256] = "";

	gethostname(host, sizeof host - 1);
	snprintf(out, size, "%s:%ld", host, (long)getpid());
}

/*
 * The migration lock is PostgreSQL's transaction-scoped advisory lock, taken
 * at the start of every transaction a migrator runs (the schema's creation,
 * each step, the rehearsal of down steps) and released by its COMMIT or
 * ROLLBACK. A session-level lock would be released by a statement of its
 * own, which a transaction-pooling PgBouncer may send down another server
 * connection, leaving the lock held by an idle one; a transaction always
 * stays on one. As the lock is not held between steps, each step checks
 * under it that it is still to be done (step_pending): two migrators that
 * race (Redis down, or a second `padlined migrate`) apply each step once.
 */
int
migrate_begin(PGconn *db, const char *schema, struct pl_error *err)
{
	const char *params[] = {schema};

	if (db_begin(db, err) != 0)
		return err->code;
	/* is_local: this transaction only, like SET LOCAL; a parameter, so
	 * the name is quoted by the server and never formatted here. */
	if (db_run(db,
	           "SELECT set_config('search_path', "
	           "quote_ident($1) || ', public', true)",
	           1, params, err) != 0) {
		db_rollback(db);
		return err->code;
	}
	return PL_OK;
}

int
migrate_begin_locked(PGconn *db, const char *schema, struct pl_error *err)
{
	const char *params[] = {schema};

	if (migrate_begin(db, schema, err) != 0)
		return err->code;
	if (db_run(
	        db,
	        "SELECT pg_advisory_xact_lock(hashtext('padline:migrate:' || $1))",
	        1, params, err) != 0) {
		db_rollback(db);
		return err->code;
	}
	return PL_OK;
}

/* Under the lock: whether version is in schema_migrations now. A racing
 * `migrate --to 0` may have dropped the schema, bookkeeping and all, since
 * this migrator listed the steps: then nothing is applied. */
static int
step_applied(PGconn *db, const char *schema, const char *version, int *applied,
             struct pl_error *err)
{
	const char *params[] = {version};
	PGresult *r;
	int exists = 0;

	*applied = 0;
	if (migrate_table_exists(db, schema, &exists, err) != 0)
		return err->code;
	if (!exists)
		return PL_OK;
	r = db_exec(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
	            params, err);
	if (r == NULL)
		return err->code;
	*applied = PQntuples(r) > 0;
	PQclear(r);
	return PL_OK;
}

/* Rolls back a failed step and makes sure its message names it. */
static int
step_failed(PGconn *db, const char *what, const char *version,
            struct pl_error *err)
{
	db_rollback(db);
	if (strstr(err->message, version) == NULL)
		pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s", what);
	return err->code;
}

/* Applies m in its own transaction; *done is 0 when another migrator
 * had applied it first. */
static int
step_up(PGconn *db, const char *schema, const struct migration *m, int *done,
        struct pl_error *err)
{
	char by[300], what[512];
	const char *params[] = {m->version, m->checksum, by};
	long long t0 = mono_ms();
	int applied = 0;

	snprintf(what, sizeof what, "migration %s failed", m->file);
	migrator_name(by, sizeof by);
	*done = 0;
	if (migrate_begin_locked(db, schema, err) != 0)
		return err->code;
	if (step_applied(db, schema, m->version, &applied, err) != 0)
		return step_failed(db, what, m->version, err);
	if (applied) {
		db_rollback(db);
		return PL_OK;
	}
	/* Migration files are part of the release, never input: they may
	 * hold several statements, which only the simple protocol runs. */
	if (migrate_exec_script(db, m->sql, what, err) != 0 ||
	    db_run(db,
	           "INSERT INTO schema_migrations (version, checksum, "
	           "applied_by) VALUES ($1, $2, $3)",
	           3, params, err) != 0)
		return step_failed(db, what, m->version, err);
	if (db_commit(db, err) != 0)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s at commit",
		                    what);
	log_info("migration applied", "version=%s ms=%lld", m->version,
	         mono_ms() - t0);
	*done = 1;
	return PL_OK;
}

/* Reverts m in its own transaction; *done is 0 when another migrator had
 * reverted it first. */
static int
step_down(PGconn *db, const char *schema, const struct migration *m, int force,
          int *schema_gone, int *done, struct pl_error *err)
{
	const char *params[] = {m->version};
	long long t0 = mono_ms();
	char what[512];
	int applied = 0;

	snprintf(what, sizeof what, "down step of migration %s failed",
	         m->file);
	*done = 0;
	if (migrate_begin_locked(db, schema, err) != 0)
		return err->code;
	if (step_applied(db, schema, m->version, &applied, err) != 0)
		return step_failed(db, what, m->version, err);
	if (!applied) {
		db_rollback(db);
		return PL_OK;
	}
	if (migrate_probe_down(db, schema, m, force, schema_gone, err) != 0)
		return step_failed(db, what, m->version, err);
	/* A step that dropped the schema took the bookkeeping with it. */
	if (!*schema_gone &&
	    db_run(db, "DELETE FROM schema_migrations WHERE version = $1", 1,
	           params, err) != 0)
		return step_failed(db, what, m->version, err);
	if (db_commit(db, err) != 0)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL, "%s at commit",
		                    what);
	log_info("migration reverted", "version=%s ms=%lld", m->version,
	         mono_ms() - t0);
	*done = 1;
	return PL_OK;
}

static const struct migration *
find_file(const struct migration *v, size_t n, const char *version)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].version, version) == 0)
			return &v[i];
	return NULL;
}

/* An applied version newer than every file: a newer padlined migrated
 * this schema, and this one does not know what its tables mean. */
static int
refuse_newer(const char *schema, const char *version, const char *latest,
             struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_INTERNAL, "schema_newer",
	                    "schema %s is at version %s, newer than this "
	                    "padlined's latest migration (%s): run the newer "
	                    "padlined, or roll back with it (migrate --to "
	                    "that version)",
	                    schema, version, latest[0] ? latest : "none");
}

/* Applied rows (version, checksum; sorted) against the files. */
static int
check_applied(PGresult *r, const char *schema, const struct migration *v,
              size_t n, struct pl_error *err)
{
	const char *latest = n > 0 ? v[n - 1].version : "";

	for (int row = 0; row < PQntuples(r); row++) {
		const char *ver = PQgetvalue(r, row, 0);
		const char *sum = PQgetvalue(r, row, 1);
		const struct migration *m = find_file(v, n, ver);

		if (m == NULL && strcmp(ver, latest) > 0)
			return refuse_newer(schema, ver, latest, err);
		if (m == NULL)
			log_warn("applied migration has no file", "version=%s",
			         ver);
		else if (strcmp(sum, m->checksum) != 0)
			return pl_error_set(
			    err, PL_ERR_INTERNAL, NULL,
			    "migration %s was changed after it was applied "
			    "(checksum %.12s… recorded, %.12s… on disk); "
			    "restore the file and add a new migration instead",
			    m->file, sum, m->checksum);
	}
	return PL_OK;
}

int
migrate_steps_target(const struct migration *v, size_t n,
                     const struct migrate_request *req, const char **target,
                     struct pl_error *err)
{
	int i;

	if (req->to == NULL) {
		*target = n > 0 ? v[n - 1].version : "";
		return PL_OK;
	}
	if (strcmp(req->to, "0") == 0) {
		*target = "";
		return PL_OK;
	}
	i = migrate_find(v, n, req->to);
	if (i == -2)
		return pl_error_set(err, PL_ERR_VALIDATION, NULL,
		                    "--to %s matches several migrations; give "
		                    "more of the version",
		                    req->to);
	if (i < 0)
		return pl_error_set(err, PL_ERR_VALIDATION, NULL,
		                    "--to %s: no such migration (see migrate "
		                    "--status; 0 means before the first)",
		                    req->to);
	*target = v[i].version;
	return PL_OK;
}

/* Every down step is possible (a file with a down part) before any runs. */
static int
check_down_plan(PGresult *r, const char *target, const struct migration *v,
                size_t n, struct pl_error *err)
{
	for (int row = PQntuples(r) - 1; row >= 0; row--) {
		const char *ver = PQgetvalue(r, row, 0);
		const struct migration *m = find_file(v, n, ver);

		if (strcmp(ver, target) <= 0)
			break;
		if (m == NULL)
			return pl_error_set(err, PL_ERR_INTERNAL, NULL,
			                    "cannot roll back %s: this "
			                    "padlined has no file for it",
			                    ver);
		if (m->down == NULL)
			return pl_error_set(err, PL_ERR_INTERNAL, NULL,
			                    "cannot roll back %s: the file "
			                    "has no -- migrate:down part",
			                    m->file);
	}
	return PL_OK;
}

static int
is_applied(PGresult *r, const char *version)
{
	for (int row = 0; row < PQntuples(r); row++)
		if (strcmp(PQgetvalue(r, row, 0), version) == 0)
			return 1;
	return 0;
}

/*
 * Without --force, every down step is first tried in one transaction that
 * is then rolled back: a refusal (data it would lose) comes before any
 * step ran, so a refused `--to` leaves the schema where it was.
 */
static int
rehearse_downs(PGconn *db, const char *schema, PGresult *r, const char *target,
               const struct migration *v, size_t n, struct pl_error *err)
{
	int gone = 0, rc = PL_OK;

	if (migrate_begin_locked(db, schema, err) != 0)
		return err->code;
	for (int row = PQntuples(r) - 1; row >= 0 && rc == PL_OK && !gone;
	     row--) {
		const struct migration *m;

		if (strcmp(PQgetvalue(r, row, 0), target) <= 0)
			break;
		m = find_file(v, n, PQgetvalue(r, row, 0));
		rc = migrate_probe_down(db, schema, m, 0, &gone, err);
	}
	db_rollback(db);
	return rc;
}

/* Down steps newest first, then missing up steps oldest first. */
static int
run_plan(PGconn *db, const char *schema, PGresult *r, const char *target,
         const struct migration *v, size_t n, int force,
         struct migrate_result *res, struct pl_error *err)
{
	int gone = 0, done = 0;

	if (!force && rehearse_downs(db, schema, r, target, v, n, err) != 0)
		return err->code;
	for (int row = PQntuples(r) - 1; row >= 0 && !gone; row--) {
		const char *ver = PQgetvalue(r, row, 0);

		if (strcmp(ver, target) <= 0)
			break;
		if (step_down(db, schema, find_file(v, n, ver), force, &gone,
		              &done, err) != 0)
			return err->code;
		res->reverted += done;
	}
	if (gone) /* nothing left to stand on: the next run starts over */
		return PL_OK;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].version, target) > 0 ||
		    is_applied(r, v[i].version))
			continue;
		if (step_up(db, schema, &v[i], &done, err) != 0)
			return err->code;
		res->applied += done;
	}
	return PL_OK;
}

int
migrate_table_exists(PGconn *db, const char *schema, int *exists,
                     struct pl_error *err)
{
	const char *params[] = {schema};
	PGresult *r;

	/* Qualified through to_regclass: the schema may be gone, and then
	 * the search path would look in public. */
	r = db_exec(db,
	            "SELECT to_regclass(quote_ident($1) || "
	            "'.schema_migrations') IS NOT NULL",
	            1, params, err);
	if (r == NULL)
		return err->code;
	*exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return PL_OK;
}

static int
read_latest(PGconn *db, const char *schema, struct migrate_result *res,
            struct pl_error *err)
{
	PGresult *r;
	int exists = 0;

	res->latest[0] = '\0';
	if (migrate_begin(db, schema, err) != 0)
		return err->code;
	if (migrate_table_exists(db, schema, &exists, err) != 0 || !exists) {
		db_rollback(db);
		return err->code;
	}
	r = db_exec(db,
	            "SELECT COALESCE(max(version), '') FROM "
	            "schema_migrations",
	            0, NULL, err);
	db_rollback(db);
	if (r == NULL)
		return err->code;
	snprintf(res->latest, sizeof res->latest, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return PL_OK;
}

int
migrate_steps_run(PGconn *db, const char *schema, const struct migration *v,
                  size_t n, const struct migrate_request *req,
                  struct migrate_result *res, struct pl_error *err)
{
	const char *target;
	PGresult *r;
	int rc;

	if (migrate_begin(db, schema, err) != 0)
		return err->code;
	r = db_exec(db,
	            "SELECT version, checksum FROM schema_migrations "
	            "ORDER BY version",
	            0, NULL, err);
	db_rollback(db);
	if (r == NULL)
		return err->code;
	rc = check_applied(r, schema, v, n, err);
	if (rc == PL_OK)
		rc = migrate_steps_target(v, n, req, &target, err);
	if (rc == PL_OK)
		rc = check_down_plan(r, target, v, n, err);
	if (rc == PL_OK)
		rc =
		    run_plan(db, schema, r, target, v, n, req->force, res, err);
	PQclear(r);
	if (rc != PL_OK)
		return rc;
	return read_latest(db, schema, res, err);
}
