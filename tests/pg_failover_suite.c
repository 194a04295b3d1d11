/* What the e2e_pg_failover_* suites share: PostgreSQL clusters of their own
 * (initdb, a streaming standby by pg_basebackup -R, loopback ports), made
 * and killed around each test, and a padlined with a signed-in user on
 * them. */
#include "pg_failover_suite.h"

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
struct pgc fo_primary, fo_standby;
char fo_schema[64];

const char *
fo_pg_bin(void)
{
	const char *b = getenv("PG_BIN");

	return b ? b : "/usr/lib/postgresql/15/bin";
}

/* Runs a shell command line, as the user postgres when we are root
 * (initdb refuses root). Returns its exit status. */
int
fo_as_pg(const char *fmt, ...)
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

int
pgc_start(struct pgc *c)
{
	int rc =
	    fo_as_pg("%s/pg_ctl -D %s -l %s.log -w -t 120 start >/dev/null",
	             fo_pg_bin(), c->data, c->data);

	if (rc != 0) {
		char path[320], *log;

		snprintf(path, sizeof path, "%s.log", c->data);
		log = ts_file_read(path);
		fprintf(stderr, "%s:\n%s\n", path, log);
		free(log);
	}
	return rc;
}

int
pgc_promote(struct pgc *c)
{
	return fo_as_pg("%s/pg_ctl -D %s -w -t 120 promote >/dev/null",
	                fo_pg_bin(), c->data);
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

/* sig to every process the postmaster started (each backend is a process
 * group of its own), then to the postmaster. It is stopped first, so it
 * starts no process meanwhile and its children stay its own while they
 * are found: a killed postmaster's children are the init process's at
 * once, and a stopped one missed so would never notice it is alone. */
int
pgc_signal(const struct pgc *c, int sig)
{
	pid_t pid = pgc_pid(c);
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (pid <= 0 || kill(pid, SIGSTOP) != 0)
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
	return kill(pid, sig) == 0 ? n : -1;
}

/* SIGKILL to the whole server (stopped processes too), then waits for the
 * postmaster to be gone. */
void
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
void
fo_primary_make(void)
{
	ck_assert_int_eq(
	    fo_as_pg("%s/initdb -D %s -U padline --auth=trust -E UTF8 "
	             "--locale=C.UTF-8 >%s/initdb.log 2>&1",
	             fo_pg_bin(), fo_primary.data, dir),
	    0);
	conf_append(fo_primary.data,
	            "listen_addresses = '127.0.0.1'\n"
	            "unix_socket_directories = '%s'\nfsync = off\n",
	            dir);
	pgc_start_on_free_port(&fo_primary);
	ck_assert_int_eq(fo_as_pg("%s/createdb -h 127.0.0.1 -p %d -U padline "
	                          "padline",
	                          fo_pg_bin(), fo_primary.port),
	                 0);
}

/* A streaming standby of the primary on a free port. */
void
fo_standby_make(void)
{
	ck_assert_int_eq(
	    fo_as_pg("%s/pg_basebackup -h 127.0.0.1 -p %d -U padline "
	             "-D %s -R -X stream -c fast >%s/basebackup.log 2>&1",
	             fo_pg_bin(), fo_primary.port, fo_standby.data, dir),
	    0);
	pgc_start_on_free_port(&fo_standby);
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
	ts_unique_schema("pgfo", fo_schema, sizeof fo_schema);
	/* Known here, in the runner, for teardown to stop them. */
	snprintf(fo_primary.data, sizeof fo_primary.data, "%s/primary", dir);
	snprintf(fo_standby.data, sizeof fo_standby.data, "%s/standby", dir);
}

/* The test's padlined, in case a failed check left it running. */
void
fo_server_started(const struct ts_server *srv)
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
	pgc_kill(&fo_primary);
	pgc_kill(&fo_standby);
	ts_remove_tree(dir);
	memset(&fo_primary, 0, sizeof fo_primary);
	memset(&fo_standby, 0, sizeof fo_standby);
}

void
fo_use_url(const char *hosts, const char *ports, const char *extra)
{
	char url[512];

	snprintf(url, sizeof url,
	         "host=%s port=%s dbname=padline user=padline %s", hosts, ports,
	         extra);
	setenv("DATABASE_URL", url, 1);
}

PGconn *
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
struct ts_client *
fo_user_client(int port)
{
	struct ts_client *c = ts_client_connect(port);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, "fo_user", TS_PASSWORD), 0);
	return c;
}

/* padlined on DATABASE_URL, with the test user; a client signed in as it. */
struct ts_client *
fo_serve_with_user(struct ts_server *srv, const char *const *env)
{
	ck_assert_int_eq(ts_server_start(srv, fo_schema, env, NULL), 0);
	fo_server_started(srv);
	ck_assert_int_eq(ts_create_user(fo_schema, "fo_user", TS_PASSWORD, 0),
	                 0);
	return fo_user_client(srv->port);
}

char *
fo_pad_create(struct ts_client *c, const char *name, int *code)
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

void
fo_add(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}
