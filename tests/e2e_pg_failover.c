/* PostgreSQL that hangs or fails over under a running padlined, on clusters
 * of its own (initdb, a streaming standby by pg_basebackup -R, loopback
 * ports): a stopped primary costs 503s within the statement deadline, not a
 * hang; creates succeed again soon after the standby's promotion, without a
 * restart; health answers throughout; a statement past
 * PADLINE_DB_QUERY_TIMEOUT is 503 and its connection dropped; a standby
 * answers 503, never 500; padlined started on a standby waits for a primary. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsupport.h"
#include "tsupport_int.h"

/* The contract: creates succeed again this soon after the promotion. */
#define FAILOVER_BOUND_MS 10000
/* "Answers within a few seconds": health waits at most 1 s for
 * PostgreSQL; the rest is a loaded machine's scheduling. */
#define HEALTH_BOUND_MS 5000

struct pgc {
	char data[300];
	int port;
};

static char dir[64];
static struct pgc primary, standby;
static char schema[64];

static const char *
pg_bin(void)
{
	const char *b = getenv("PG_BIN");

	return b ? b : "/usr/lib/postgresql/15/bin";
}

/* Runs a shell command line, as the user postgres when we are root
 * (initdb refuses root). Returns its exit status. */
static int
as_pg(const char *fmt, ...)
{
	char cmd[2048], line[2300];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (geteuid() == 0)
		snprintf(line, sizeof line, "runuser -u postgres -- sh -c '%s'",
		         cmd);
	else
		snprintf(line, sizeof line, "sh -c '%s'", cmd);
	rc = system(line);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int
pgc_start(struct pgc *c)
{
	int rc = as_pg("%s/pg_ctl -D %s -l %s.log -w -t 120 start >/dev/null",
	               pg_bin(), c->data, c->data);

	if (rc != 0) {
		char path[320], *log;

		snprintf(path, sizeof path, "%s.log", c->data);
		log = ts_file_read(path);
		fprintf(stderr, "%s:\n%s\n", path, log);
		free(log);
	}
	return rc;
}

static int
pgc_promote(struct pgc *c)
{
	return as_pg("%s/pg_ctl -D %s -w -t 120 promote >/dev/null", pg_bin(),
	             c->data);
}

/* The postmaster's pid (0 when it has none). */
static pid_t
pgc_pid(const struct pgc *c)
{
	char path[320];
	FILE *f;
	long pid = 0;

	snprintf(path, sizeof path, "%s/postmaster.pid", c->data);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/* A process's state letter and parent from /proc/PID/stat: 0 when there
 * is no such process. */
static char
proc_state(const char *pid, long *ppid)
{
	char path[300], stat[512], *p, state = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(stat, sizeof stat, f);
	fclose(f);
	/* pid (comm) state ppid: comm may hold spaces. */
	if (p == NULL || (p = strrchr(stat, ')')) == NULL ||
	    sscanf(p + 1, " %c %ld", &state, ppid) != 2)
		return 0;
	return state;
}

/* Alive: not gone, not a zombie its new parent has yet to reap. */
static int
pid_alive(pid_t pid)
{
	char name[32];
	long ppid;
	char st;

	snprintf(name, sizeof name, "%ld", (long)pid);
	st = proc_state(name, &ppid);
	return st != 0 && st != 'Z';
}

/* sig to the postmaster, then to every process it started (each backend
 * is a process group of its own). */
static int
pgc_signal(const struct pgc *c, int sig)
{
	pid_t pid = pgc_pid(c);
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (pid <= 0 || kill(pid, sig) != 0)
		return -1;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		long ppid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    proc_state(e->d_name, &ppid) == 0 || ppid != pid)
			continue;
		if (kill((pid_t)atol(e->d_name), sig) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* SIGKILL to the whole server (stopped processes too), then waits for the
 * postmaster to be gone. */
static void
pgc_kill(struct pgc *c)
{
	pid_t pid = pgc_pid(c);
	char path[320];

	if (pid <= 0 || pgc_signal(c, SIGKILL) < 0)
		return;
	for (long long t0 = ts_now_ms();
	     pid_alive(pid) && ts_now_ms() - t0 < TS_PATIENCE_MS;)
		usleep(20000);
	/* Its pid may be someone else's later: never signalled again. */
	snprintf(path, sizeof path, "%s/postmaster.pid", c->data);
	unlink(path);
}

/* Appends to data/postgresql.conf (as we are: the file stays the
 * server's). */
static void
conf_append(const char *data, const char *fmt, ...)
{
	char path[320];
	FILE *f;
	va_list ap;

	snprintf(path, sizeof path, "%s/postgresql.conf", data);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
}

/* Another process may take the port between choosing and listening:
 * then choose again (the last port line wins). */
static void
pgc_start_on_free_port(struct pgc *c)
{
	int rc = -1;

	for (int attempt = 0; attempt < 5 && rc != 0; attempt++) {
		c->port = ts_free_port();
		conf_append(c->data, "port = %d\n", c->port);
		rc = pgc_start(c);
	}
	ck_assert_int_eq(rc, 0);
}

/* A primary on a free port with database "padline" (user padline, trust). */
static void
primary_make(void)
{
	ck_assert_int_eq(
	    as_pg("%s/initdb -D %s -U padline --auth=trust -E UTF8 "
	          "--locale=C.UTF-8 >%s/initdb.log 2>&1",
	          pg_bin(), primary.data, dir),
	    0);
	conf_append(primary.data,
	            "listen_addresses = '127.0.0.1'\n"
	            "unix_socket_directories = '%s'\nfsync = off\n",
	            dir);
	pgc_start_on_free_port(&primary);
	ck_assert_int_eq(as_pg("%s/createdb -h 127.0.0.1 -p %d -U padline "
	                       "padline",
	                       pg_bin(), primary.port),
	                 0);
}

/* A streaming standby of the primary on a free port. */
static void
standby_make(void)
{
	ck_assert_int_eq(
	    as_pg("%s/pg_basebackup -h 127.0.0.1 -p %d -U padline "
	          "-D %s -R -X stream -c fast >%s/basebackup.log 2>&1",
	          pg_bin(), primary.port, standby.data, dir),
	    0);
	pgc_start_on_free_port(&standby);
}

/* Unchecked fixtures (in the runner, around each test's fork) so the
 * clusters go even when a test fails. */
static void
setup(void)
{
	char cmd[128];

	snprintf(dir, sizeof dir, "/tmp/pl-pgfo-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	chmod(dir, 0755);
	if (geteuid() == 0) {
		snprintf(cmd, sizeof cmd, "chown postgres: %s", dir);
		if (system(cmd) != 0)
			exit(1);
	}
	ts_unique_schema("pgfo", schema, sizeof schema);
	/* Known here, in the runner, for teardown to stop them. */
	snprintf(primary.data, sizeof primary.data, "%s/primary", dir);
	snprintf(standby.data, sizeof standby.data, "%s/standby", dir);
}

/* The test's padlined, in case a failed check left it running. */
static void
server_started(const struct ts_server *srv)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/padlined.pid", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)srv->pid);
		fclose(f);
	}
}

static void
teardown(void)
{
	char path[128];
	FILE *f;
	long pid;

	snprintf(path, sizeof path, "%s/padlined.pid", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0)
			kill((pid_t)pid, SIGKILL);
		fclose(f);
	}
	pgc_kill(&primary);
	pgc_kill(&standby);
	ts_remove_tree(dir);
	memset(&primary, 0, sizeof primary);
	memset(&standby, 0, sizeof standby);
}

static void
use_url(const char *hosts, const char *ports, const char *extra)
{
	char url[512];

	snprintf(url, sizeof url,
	         "host=%s port=%s dbname=padline user=padline %s", hosts, ports,
	         extra);
	setenv("DATABASE_URL", url, 1);
}

static PGconn *
pgc_connect(const struct pgc *c)
{
	char url[256];
	PGconn *db;

	snprintf(url, sizeof url,
	         "host=127.0.0.1 port=%d dbname=padline user=padline", c->port);
	db = PQconnectdb(url);
	ck_assert_msg(PQstatus(db) == CONNECTION_OK, "connect: %s",
	              PQerrorMessage(db));
	return db;
}

/* Waits (under TS_PATIENCE_MS) until the standby has replayed all the
 * primary has written so far: with asynchronous streaming, a primary
 * stopped before its WAL went out would lose the load's sessions to the
 * promotion, and the creates after it would answer 401, not the 503s and
 * successes this test is about. */
static void
standby_catch_up(void)
{
	PGconn *p = pgc_connect(&primary), *s = pgc_connect(&standby);
	PGresult *r = PQexec(p, "SELECT pg_current_wal_lsn()::text");
	const char *param[1];
	long long t0 = ts_now_ms();
	int caught = 0;

	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	param[0] = PQgetvalue(r, 0, 0);
	while (!caught && ts_now_ms() - t0 < TS_PATIENCE_MS) {
		PGresult *q = PQexecParams(
		    s, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", 1, NULL,
		    param, NULL, NULL, 0);

		ck_assert_int_eq(PQresultStatus(q), PGRES_TUPLES_OK);
		caught = strcmp(PQgetvalue(q, 0, 0), "t") == 0;
		PQclear(q);
		if (!caught)
			usleep(20000);
	}
	ck_assert_msg(caught, "the standby did not replay up to %s", param[0]);
	PQclear(r);
	PQfinish(p);
	PQfinish(s);
}

static struct ts_client *
user_client(int port)
{
	struct ts_client *c = ts_client_connect(port);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, "fo_user", TS_PASSWORD), 0);
	return c;
}

/* padlined on DATABASE_URL, with the test user; a client signed in as it. */
static struct ts_client *
serve_with_user(struct ts_server *srv, const char *const *env)
{
	ck_assert_int_eq(ts_server_start(srv, schema, env, NULL), 0);
	server_started(srv);
	ck_assert_int_eq(ts_create_user(schema, "fo_user", TS_PASSWORD, 0), 0);
	return user_client(srv->port);
}

static char *
pad_create(struct ts_client *c, const char *name, int *code)
{
	json_t *r = ts_call(
	    c, "pad.create",
	    json_pack("{s:s, s:{s:i}}", "display_name", name, "data", "n", 1));
	char *id = NULL;

	*code = r == NULL ? -1 : ts_error_code(r);
	if (*code == 0)
		id = strdup(json_string_value(json_object_get(
		    json_object_get(ts_result(r), "pad"), "id")));
	json_decref(r);
	return id;
}

/* ---- the hung primary, then a promotion ------------------------------ */

struct load {
	pthread_mutex_t mu;
	int port, stop;
	long long promoted_at; /* ts_now_ms, 0 before */
	long long first_ok_after;
	int ok, e503, other, unanswered;
	int health_n, health_unanswered;
	long long health_max_ms;
};

static struct load load;

static void *
load_run(void *arg)
{
	struct ts_client *c = ts_client_connect(load.port);
	long n = (long)arg * 1000000;

	if (c == NULL || ts_login(c, "fo_user", TS_PASSWORD) != 0) {
		pthread_mutex_lock(&load.mu);
		load.unanswered++;
		pthread_mutex_unlock(&load.mu);
		ts_client_free(c);
		return NULL;
	}
	for (;;) {
		char name[64];
		int code;

		pthread_mutex_lock(&load.mu);
		int stop = load.stop;
		pthread_mutex_unlock(&load.mu);
		if (stop)
			break;
		snprintf(name, sizeof name, "load %ld", n++);
		free(pad_create(c, name, &code));
		long long t = ts_now_ms();

		pthread_mutex_lock(&load.mu);
		if (code == 0) {
			load.ok++;
			if (load.promoted_at && !load.first_ok_after)
				load.first_ok_after = t;
		} else if (code == 503)
			load.e503++;
		else if (code < 0)
			load.unanswered++;
		else
			load.other++;
		pthread_mutex_unlock(&load.mu);
		if (code < 0)
			break; /* a reply may still come: this client is done */
		if (code != 0)
			usleep(50000);
	}
	ts_client_free(c);
	return NULL;
}

static void *
health_run(void *arg)
{
	struct ts_client *c = ts_client_connect(load.port);

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&load.mu);
		int stop = load.stop;
		pthread_mutex_unlock(&load.mu);
		if (stop || c == NULL)
			break;
		long long t0 = ts_now_ms();
		json_t *r = ts_call(c, "server.health", NULL);
		long long ms = ts_now_ms() - t0;

		pthread_mutex_lock(&load.mu);
		load.health_n++;
		if (r == NULL)
			load.health_unanswered++;
		if (ms > load.health_max_ms)
			load.health_max_ms = ms;
		pthread_mutex_unlock(&load.mu);
		json_decref(r);
		if (r == NULL)
			break;
		usleep(200000);
	}
	ts_client_free(c);
	return NULL;
}

static int
load_get(int *field)
{
	pthread_mutex_lock(&load.mu);
	int v = *field;
	pthread_mutex_unlock(&load.mu);
	return v;
}

START_TEST(hung_primary_then_promotion)
{
	const char *env[] = {"PADLINE_WORKERS=4", NULL};
	struct ts_server srv;
	pthread_t th[3];
	char ports[32];
	long long t0, stopped_at;
	int ok_before, e503_before;

	primary_make();
	standby_make();
	snprintf(ports, sizeof ports, "%d,%d", primary.port, standby.port);
	use_url("127.0.0.1,127.0.0.1", ports,
	        "target_session_attrs=read-write");
	ts_client_free(serve_with_user(&srv, env));

	memset(&load, 0, sizeof load);
	pthread_mutex_init(&load.mu, NULL);
	load.port = srv.port;
	for (long i = 0; i < 2; i++)
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, load_run, (void *)i), 0);
	ck_assert_int_eq(pthread_create(&th[2], NULL, health_run, NULL), 0);

	t0 = ts_now_ms();
	while (load_get(&load.ok) < 20 && ts_now_ms() - t0 < TS_PATIENCE_MS)
		usleep(50000);
	ck_assert_int_ge(load_get(&load.ok), 20);
	standby_catch_up();

	/* Every process of the primary stops: its connections stay open
	 * and nothing answers on them. */
	ck_assert_int_gt(pgc_signal(&primary, SIGSTOP), 0);
	stopped_at = ts_now_ms();
	ok_before = load_get(&load.ok);
	e503_before = load_get(&load.e503);
	sleep(3);
	ck_assert_int_eq(pgc_promote(&standby), 0);
	pthread_mutex_lock(&load.mu);
	load.promoted_at = ts_now_ms();
	pthread_mutex_unlock(&load.mu);

	/* The event itself, under a large timeout; the bound is judged
	 * after. */
	t0 = ts_now_ms();
	while (ts_now_ms() - t0 < 2 * TS_PATIENCE_MS) {
		pthread_mutex_lock(&load.mu);
		int done = load.first_ok_after != 0;
		pthread_mutex_unlock(&load.mu);
		if (done)
			break;
		usleep(50000);
	}
	sleep(1);
	pthread_mutex_lock(&load.mu);
	load.stop = 1;
	pthread_mutex_unlock(&load.mu);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);

	printf("hung primary: stopped at +0 ms, promoted at +%lld ms; "
	       "first create after the promotion %s%lld ms after it; "
	       "during and after: %d created, %d answered 503, %d other "
	       "errors, %d unanswered; health: %d answers, slowest %lld ms, "
	       "%d unanswered\n",
	       load.promoted_at - stopped_at,
	       load.first_ok_after ? "" : "none, waited ",
	       load.first_ok_after ? load.first_ok_after - load.promoted_at
	                           : ts_now_ms() - load.promoted_at,
	       load.ok - ok_before, load.e503 - e503_before, load.other,
	       load.unanswered, load.health_n, load.health_max_ms,
	       load.health_unanswered);
	fflush(stdout); /* a failed check ends this process */
	ck_assert_msg(load.first_ok_after != 0,
	              "no create succeeded after the promotion");
	ck_assert_int_le(load.first_ok_after - load.promoted_at,
	                 FAILOVER_BOUND_MS);
	ck_assert_int_eq(load.unanswered, 0);
	ck_assert_int_eq(load.other, 0);
	ck_assert_int_eq(load.health_unanswered, 0);
	ck_assert_int_le(load.health_max_ms, HEALTH_BOUND_MS);
	ts_server_kill(&srv);
}
END_TEST

/* ---- a statement past the deadline ----------------------------------- */

static long long
backend_count(PGconn *db, int pid)
{
	char p[16];
	const char *params[] = {p};

	snprintf(p, sizeof p, "%d", pid);
	return ts_db_count(db,
	                   "SELECT count(*) FROM pg_stat_activity WHERE pid = "
	                   "$1::int",
	                   1, params);
}

START_TEST(statement_past_deadline_is_503_and_dropped)
{
	/* One pooled connection, so which backend serves is known. */
	const char *env[] = {"PADLINE_DB_QUERY_TIMEOUT=1",
	                     "PADLINE_POOL_SIZE=1", NULL};
	struct ts_server srv;
	struct ts_client *c;
	PGconn *db, *locker;
	char ports[16], *id, sql[256];
	const char *params[1];
	json_t *r;
	int code, pid;

	primary_make();
	snprintf(ports, sizeof ports, "%d", primary.port);
	use_url("127.0.0.1", ports, "");
	c = serve_with_user(&srv, env);
	id = pad_create(c, "locked", &code);
	ck_assert_int_eq(code, 0);

	db = pgc_connect(&primary);
	/* The pool's one connection, once startup's have gone. */
	ck_assert_int_eq(
	    ts_db_wait_count(db,
	                     "SELECT count(*) FROM pg_stat_activity "
	                     "WHERE application_name = 'padlined'",
	                     0, NULL, 1, TS_PATIENCE_MS),
	    1);
	pid = (int)ts_db_count(db,
	                       "SELECT pid FROM pg_stat_activity WHERE "
	                       "application_name = 'padlined' AND datname = "
	                       "'padline'",
	                       0, NULL);
	locker = pgc_connect(&primary);
	snprintf(sql, sizeof sql, "SET search_path TO %s", schema);
	ts_db_exec(locker, sql);
	ts_db_exec(locker, "BEGIN");
	params[0] = id;
	PQclear(PQexecParams(locker,
	                     "SELECT 1 FROM pads WHERE id = $1 FOR UPDATE", 1,
	                     NULL, params, NULL, NULL, 0));

	r = ts_call(c, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", id, "data", "n", 2));
	ck_assert_msg(r != NULL, "no answer while the row is locked");
	ck_assert_int_eq(ts_error_code(r), 503);
	ck_assert_str_eq(ts_error_reason(r), "database_timeout");
	json_decref(r);
	/* The connection is closed, never lent again: its backend goes
	 * (cancelled, then the client is gone). */
	for (long long t0 = ts_now_ms();
	     backend_count(db, pid) != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS;)
		usleep(50000);
	ck_assert_int_eq(backend_count(db, pid), 0);

	ts_db_exec(locker, "ROLLBACK");
	r = ts_call(c, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", id, "data", "n", 3));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	PQfinish(locker);
	PQfinish(db);
	free(id);
	ts_client_free(c);
	ts_server_kill(&srv);
}
END_TEST

/* ---- standbys -------------------------------------------------------- */

/* The primary becomes a standby under padlined (a demotion: stopped, and
 * started again in recovery). New connections land on it without
 * target_session_attrs: writes there are 503, never 500. */
START_TEST(standby_answers_503_never_500)
{
	struct ts_server srv;
	struct ts_client *c;
	char ports[16], name[32], *id;
	json_t *r;
	int code, n503 = 0;

	primary_make();
	snprintf(ports, sizeof ports, "%d", primary.port);
	use_url("127.0.0.1", ports, "");
	c = serve_with_user(&srv, NULL);
	free(pad_create(c, "before", &code));
	ck_assert_int_eq(code, 0);

	ck_assert_int_eq(as_pg("%s/pg_ctl -D %s -m fast -w -t 120 stop "
	                       ">/dev/null && touch %s/standby.signal",
	                       pg_bin(), primary.data, primary.data),
	                 0);
	ck_assert_int_eq(pgc_start(&primary), 0);

	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "on a standby %d", i);
		id = pad_create(c, name, &code);
		free(id);
		ck_assert_msg(code == 503, "create on a standby answered %d",
		              code);
		n503++;
	}
	printf("standby: %d creates answered 503\n", n503);
	fflush(stdout);
	r = ts_call(c, "server.health", NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(ts_result(r), "db")),
	                 "up");
	ck_assert(
	    json_is_true(json_object_get(ts_result(r), "pg_is_in_recovery")));
	json_decref(r);

	/* Promoted again: the same padlined writes. */
	ck_assert_int_eq(pgc_promote(&primary), 0);
	code = -1;
	for (long long t0 = ts_now_ms();
	     code != 0 && ts_now_ms() - t0 < TS_PATIENCE_MS; usleep(100000))
		free(pad_create(c, "after", &code));
	ck_assert_int_eq(code, 0);
	r = ts_call(c, "server.health", NULL);
	ck_assert(
	    json_is_false(json_object_get(ts_result(r), "pg_is_in_recovery")));
	json_decref(r);
	ts_client_free(c);
	ts_server_kill(&srv);
}
END_TEST

static void *
promote_later(void *arg)
{
	(void)arg;
	/* Long enough for padlined to find only a standby, more than once. */
	sleep(4);
	return (void *)(long)pgc_promote(&standby);
}

/* padlined started while its only host is a standby waits (saying so) and
 * comes up once the standby is promoted. */
START_TEST(startup_waits_for_a_primary)
{
	struct ts_server srv;
	struct ts_client *c;
	pthread_t t;
	void *promoted;
	char ports[16], *log;
	int code;

	primary_make();
	standby_make();
	/* The standby alone: the primary is gone. */
	pgc_kill(&primary);
	snprintf(ports, sizeof ports, "%d", standby.port);
	use_url("127.0.0.1", ports, "");
	ck_assert_int_eq(pthread_create(&t, NULL, promote_later, NULL), 0);
	ck_assert_int_eq(ts_server_start(&srv, schema, NULL, NULL), 0);
	server_started(&srv);
	pthread_join(t, &promoted);
	ck_assert_int_eq((int)(long)promoted, 0);
	log = ts_file_read(srv.log_path);
	ck_assert_msg(strstr(log, "waiting for a PostgreSQL primary") != NULL,
	              "no waiting message in the log");
	ck_assert_msg(strstr(log, "standby") != NULL,
	              "the log does not say why it waited");
	free(log);

	ck_assert_int_eq(ts_create_user(schema, "fo_user", TS_PASSWORD, 0), 0);
	c = user_client(srv.port);
	free(pad_create(c, "first", &code));
	ck_assert_int_eq(code, 0);
	ts_client_free(c);
	ts_server_kill(&srv);
}
END_TEST

static void
add(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

int
main(void)
{
	Suite *s = suite_create("e2e_pg_failover");

	add(s, "hung_primary", hung_primary_then_promotion);
	add(s, "deadline", statement_past_deadline_is_503_and_dropped);
	add(s, "standby", standby_answers_503_never_500);
	add(s, "startup", startup_waits_for_a_primary);
	return ts_run(s);
}
