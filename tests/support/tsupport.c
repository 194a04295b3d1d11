/*
 * Test support: padlined child processes, a blocking line client with
 * timeouts, and direct PostgreSQL / Redis access for assertions. Everything
 * talks to the real services of scripts/stack.
 */
#include "tsupport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "protocol.h"
#include "redis_url.h"
#include "xalloc.h"

extern char **environ;

#define TS_SECRET "padline-test-secret-0123456789abcdef"

/* Check's assertions only work inside a running suite (even a passing one
 * reports progress to the runner), and bench programs use this library
 * too: outside ts_run a failed check prints and exits instead. */
static int ts_in_suite;
#define TS_CHECK(expr, ...)                                                    \
	do {                                                                   \
		if (ts_in_suite)                                               \
			ck_assert_msg(expr, __VA_ARGS__);                      \
		else if (!(expr)) {                                            \
			fprintf(stderr, "tsupport: " __VA_ARGS__);             \
			fputc('\n', stderr);                                   \
			exit(1);                                               \
		}                                                              \
	} while (0)

int
ts_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	ts_in_suite = 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

long long
ts_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
ts_unique_schema(const char *prefix, char *buf, size_t size)
{
	static int n;
	struct timespec ts;

	/* pid + a counter + time bits: unique across parallel suites and
	 * across reruns that reuse a pid. */
	/* pgbouncer_test runs whole suites on one schema it set up. */
	if (getenv("PADLINE_TEST_SCHEMA") != NULL) {
		snprintf(buf, size, "%s", getenv("PADLINE_TEST_SCHEMA"));
		return buf;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, size, "t_%s_%d_%d_%ld", prefix, (int)getpid(),
	         __atomic_add_fetch(&n, 1, __ATOMIC_SEQ_CST),
	         (long)(ts.tv_nsec / 1000) % 100000);
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') ||
		           (*p >= '0' && *p <= '9')))
			*p = '_';
	return buf;
}

int
ts_stack(const char *action)
{
	char *cmd = NULL;
	const char *src = getenv("PADLINE_SOURCE_DIR");
	int rc;

	if (asprintf(&cmd, "'%s/scripts/stack' %s >/dev/null", src ? src : ".",
	             action) < 0)
		return -1;
	rc = system(cmd);
	free(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* A port the kernel just handed out for a moment. The kernel may hand the
 * same one to the next caller once it is closed, so ports given to servers
 * of this process are remembered and never given twice; another process
 * can still race us, which ts_server_start survives by retrying. */
static int
free_port(void)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static int given[256];
	static int ngiven;
	int port = -1;

	pthread_mutex_lock(&mu);
	for (int attempt = 0; attempt < 50 && port < 0; attempt++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t len = sizeof a;
		int fd = socket(AF_INET, SOCK_STREAM, 0), seen = 0;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd < 0)
			break;
		if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
			port = ntohs(a.sin_port);
			for (int i = 0; i < ngiven; i++)
				seen |= given[i] == port;
			if (seen)
				port = -1;
		}
		close(fd);
	}
	if (port > 0)
		given[ngiven++ % 256] = port;
	pthread_mutex_unlock(&mu);
	return port;
}

static int
log_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The child's environment: ours, plus the schema, secret and fast argon2
 * limits unless the suite set them, then extra_env overriding. */
static void
child_env(const char *schema, int port, const char *const *extra_env)
{
	char buf[64];

	setenv("PADLINE_SCHEMA", schema, 1);
	const char *host = getenv("PADLINE_TEST_LISTEN_HOST");

	if (port > 0) {
		snprintf(buf, sizeof buf, "%s:%d", host ? host : "127.0.0.1",
		         port);
		setenv("PADLINE_LISTEN", buf, 1);
	}
	setenv("PADLINE_SECRET", TS_SECRET, 0);
	setenv("PADLINE_PWHASH_OPSLIMIT", "1", 0);
	setenv("PADLINE_PWHASH_MEMLIMIT", "8388608", 0);
	setenv("PADLINE_LOG", "debug", 0);
	/* padlined through a pooler while the suite checks PostgreSQL
	 * directly (pgbouncer_test). */
	if (getenv("PADLINE_TEST_SERVER_DATABASE_URL") != NULL)
		setenv("DATABASE_URL",
		       getenv("PADLINE_TEST_SERVER_DATABASE_URL"), 1);
	for (size_t i = 0; extra_env && extra_env[i]; i++) {
		char *kv = strdup(extra_env[i]), *eq = strchr(kv, '=');

		if (eq) {
			*eq = '\0';
			setenv(kv, eq + 1, 1);
		}
		free(kv);
	}
}

static const char *
padlined_bin(void)
{
	const char *b = getenv("PADLINE_BIN");

	return b ? b : "padlined";
}

static void
exec_padlined(const char *const *args, const char *first)
{
	const char *argv[64];
	char *wrap = getenv("PADLINE_WRAPPER")
	                 ? strdup(getenv("PADLINE_WRAPPER"))
	                 : NULL;
	int n = 0;

	/* PADLINE_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") runs
	 * padlined under a tool: words split on spaces, no quoting. */
	for (char *w = wrap ? strtok(wrap, " ") : NULL; w && n < 40;
	     w = strtok(NULL, " "))
		argv[n++] = w;
	argv[n++] = padlined_bin();
	if (first)
		argv[n++] = first;
	for (size_t i = 0; args && args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void
print_log(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (f == NULL)
		return;
	fprintf(stderr, "---- %s ----\n", path);
	while (fgets(line, sizeof line, f))
		fputs(line, stderr);
	fclose(f);
}

static int
can_connect(int port)
{
	struct ts_client *c = ts_client_connect(port);

	if (c == NULL)
		return 0;
	ts_client_free(c);
	return 1;
}

/*
 * Servers die with the test process that started them: a failed check ends
 * it with _exit, past any cleanup, and an orphaned padlined would hold its
 * port and database connections. The parent-death signal belongs to the
 * thread that forked, and suites start servers from short-lived threads
 * too, so every server is forked by one spawner thread that lives as long
 * as its process.
 */
struct spawn {
	struct ts_server *s;
	const char *schema;
	const char *const *env;
	const char *const *args;
	pid_t pid;
	int done;
};

static pthread_mutex_t spawn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spawn_cv = PTHREAD_COND_INITIALIZER;
static struct spawn *spawn_req;
static pid_t spawner_owner; /* process whose spawner thread runs */

static void
spawn_child(struct spawn *r, pid_t parent)
{
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1); /* the test died before prctl */
	fd = open(r->s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	setpgid(0, 0);
	child_env(r->schema, r->s->port, r->env);
	exec_padlined(r->args, NULL);
}

static void *
spawner_run(void *arg)
{
	pid_t self = getpid();

	(void)arg;
	pthread_mutex_lock(&spawn_mu);
	for (;;) {
		struct spawn *r;

		while (spawn_req == NULL || spawn_req->done)
			pthread_cond_wait(&spawn_cv, &spawn_mu);
		r = spawn_req;
		r->pid = fork();
		if (r->pid == 0)
			spawn_child(r, self);
		r->done = 1;
		pthread_cond_broadcast(&spawn_cv);
	}
	return NULL;
}

/* A forked process (Check forks every test) has no spawner thread, and the
 * lock and condition it inherits may name threads it does not have: start
 * it over with fresh ones. */
static void
spawn_after_fork(void)
{
	pthread_mutex_init(&spawn_mu, NULL);
	pthread_cond_init(&spawn_cv, NULL);
	spawn_req = NULL;
}

static void
spawn_init(void)
{
	pthread_atfork(NULL, NULL, spawn_after_fork);
}

static pid_t
spawn_server(struct ts_server *s, const char *schema, const char *const *env,
             const char *const *args)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct spawn r = {s, schema, env, args, -1, 0};
	pthread_t th;

	pthread_once(&once, spawn_init);
	pthread_mutex_lock(&spawn_mu);
	/* A forked test process inherits the flag but not the thread. */
	if (spawner_owner != getpid() &&
	    pthread_create(&th, NULL, spawner_run, NULL) == 0) {
		pthread_detach(th);
		spawner_owner = getpid();
	}
	while (spawn_req != NULL)
		pthread_cond_wait(&spawn_cv, &spawn_mu);
	spawn_req = &r;
	pthread_cond_broadcast(&spawn_cv);
	while (!r.done)
		pthread_cond_wait(&spawn_cv, &spawn_mu);
	spawn_req = NULL;
	pthread_cond_broadcast(&spawn_cv);
	pthread_mutex_unlock(&spawn_mu);
	return r.pid;
}

static int
server_start_once(struct ts_server *s, const char *schema,
                  const char *const *extra_env, const char *const *args,
                  int quiet_port_clash)
{
	const char *dir = getenv("PADLINE_TEST_LOGS");
	long long deadline =
	    ts_now_ms() + (getenv("PADLINE_WRAPPER") ? 180000 : 60000);
	int status;

	memset(s, 0, sizeof *s);
	s->port = free_port();
	snprintf(s->schema, sizeof s->schema, "%s", schema);
	if (dir == NULL)
		dir = "/tmp/padline-test-logs";
	mkdir(dir, 0700);
	snprintf(s->log_path, sizeof s->log_path, "%s/%s-%d.log", dir, schema,
	         s->port);
	s->pid = spawn_server(s, schema, extra_env, args);
	if (s->pid < 0)
		return -1;
	while (ts_now_ms() < deadline) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			if (quiet_port_clash &&
			    log_has(s->log_path, "address already in use"))
				return -2;
			fprintf(stderr,
			        "padlined exited during startup "
			        "(status %d)\n",
			        status);
			print_log(s->log_path);
			return -1;
		}
		if (can_connect(s->port))
			return 0;
		usleep(20000);
	}
	fprintf(stderr, "padlined did not listen within 60 s\n");
	print_log(s->log_path);
	ts_server_kill(s);
	return -1;
}

int
ts_server_start(struct ts_server *s, const char *schema,
                const char *const *extra_env, const char *const *args)
{
	int rc = -2;

	/* Another process may take our port between choosing and binding:
	 * then choose again. */
	for (int attempt = 0; attempt < 5 && rc == -2; attempt++)
		rc = server_start_once(s, schema, extra_env, args, attempt < 4);
	return rc == 0 ? 0 : -1;
}

int
ts_server_stop(struct ts_server *s)
{
	/* Under valgrind, exiting (and its leak check) takes a while. */
	long long deadline =
	    ts_now_ms() + (getenv("PADLINE_WRAPPER") ? 120000 : TS_PATIENCE_MS);
	int status = -1;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	while (ts_now_ms() < deadline) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return status;
		}
		usleep(10000);
	}
	fprintf(stderr, "padlined ignored SIGTERM; killing\n");
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return status;
}

void
ts_server_kill(struct ts_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* Appends what fd has to *buf (malloc'd, grown). Returns 0 at EOF. */
static int
slurp(int fd, char **buf, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n <= 0)
		return n < 0 && errno == EINTR ? 1 : 0;
	*buf = realloc(*buf, *len + (size_t)n + 1);
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 1;
}

int
ts_padlined_run(const char *schema, const char *const *extra_env,
                const char *const *args, const char *stdin_text, int timeout_s,
                char **out, char **errout)
{
	int in[2], o[2], e[2], status, open_fds = 2;
	char *ob = NULL, *eb = NULL;
	size_t ol = 0, el = 0;
	long long deadline = ts_now_ms() + (long long)timeout_s * 1000;
	pid_t pid;

	if (pipe(in) || pipe(o) || pipe(e))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(in[1]);
		close(o[0]);
		close(e[0]);
		child_env(schema, 0, extra_env);
		exec_padlined(args, NULL);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	if (stdin_text) {
		signal(SIGPIPE, SIG_IGN);
		if (write(in[1], stdin_text, strlen(stdin_text)) < 0)
			perror("write to padlined stdin");
	}
	close(in[1]);
	while (open_fds > 0 && ts_now_ms() < deadline) {
		struct pollfd p[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
		int n = poll(p, 2, 200);

		if (n <= 0)
			continue;
		if (p[0].fd >= 0 && p[0].revents && !slurp(o[0], &ob, &ol)) {
			open_fds--;
			o[0] = -1;
		}
		if (p[1].fd >= 0 && p[1].revents && !slurp(e[0], &eb, &el)) {
			open_fds--;
			e[0] = -1;
		}
	}
	if (o[0] >= 0)
		close(o[0]);
	if (e[0] >= 0)
		close(e[0]);
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (ts_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			status = -1;
			break;
		}
		usleep(10000);
	}
	if (out)
		*out = ob ? ob : strdup("");
	else
		free(ob);
	if (errout)
		*errout = eb ? eb : strdup("");
	else
		free(eb);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

struct ts_client {
	int fd;
	long long next_id;
	char *buf;
	size_t len, cap;
};

struct ts_client *
ts_client_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct ts_client *c;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c = calloc(1, sizeof *c);
	c->fd = fd;
	c->next_id = 1;
	return c;
}

void
ts_client_free(struct ts_client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

int
ts_client_send_raw(struct ts_client *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

char *
ts_client_read_line(struct ts_client *c, int timeout_ms, int *eof)
{
	long long deadline = ts_now_ms() + timeout_ms;

	if (eof)
		*eof = 0;
	for (;;) {
		char *nl = c->buf ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = {c->fd, POLLIN, 0};
		long long left;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			char *line = malloc(l + 1);

			memcpy(line, c->buf, l);
			line[l] = '\0';
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return line;
		}
		left = deadline - ts_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return NULL;
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (eof)
				*eof = 1;
			return NULL;
		}
		c->len += (size_t)n;
	}
}

json_t *
ts_call(struct ts_client *c, const char *method, json_t *params)
{
	long long id = c->next_id++;
	json_t *req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id",
	                        (json_int_t)id, "method", method);
	char *text;
	int sent;

	if (params)
		json_object_set_new(req, "params", params);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	sent = ts_client_send_raw(c, text, strlen(text)) == 0 &&
	       ts_client_send_raw(c, "\n", 1) == 0;
	free(text);
	if (!sent)
		return NULL;
	for (;;) {
		char *line = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
		json_t *resp, *rid;

		if (line == NULL)
			return NULL;
		resp = json_loads(line, 0, NULL);
		free(line);
		rid = json_object_get(resp, "id");
		if (json_is_integer(rid) && json_integer_value(rid) == id)
			return resp;
		json_decref(resp); /* an answer to something sent raw */
	}
}

int
ts_error_code(const json_t *response)
{
	json_t *e = json_object_get(response, "error");

	if (response == NULL)
		return -1;
	return e ? (int)json_integer_value(json_object_get(e, "code")) : 0;
}

const char *
ts_error_reason(const json_t *response)
{
	json_t *e = json_object_get(response, "error");
	const char *r = json_string_value(
	    json_object_get(json_object_get(e, "data"), "reason"));

	return r ? r : "";
}

json_t *
ts_result(const json_t *response)
{
	return json_object_get(response, "result");
}

PGconn *
ts_db_connect(const char *schema)
{
	const char *url = getenv("DATABASE_URL");
	PGconn *db = PQconnectdb(url ? url : "");
	char *ident;
	char sql[256];
	PGresult *r;

	TS_CHECK(PQstatus(db) == CONNECTION_OK, "connect: %s",
	         PQerrorMessage(db));
	if (schema == NULL)
		return db;
	ident = PQescapeIdentifier(db, schema, strlen(schema));
	snprintf(sql, sizeof sql, "SET search_path TO %s, public", ident);
	PQfreemem(ident);
	r = PQexec(db, sql);
	TS_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql,
	         PQerrorMessage(db));
	PQclear(r);
	return db;
}

long long
ts_db_count(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *r =
	    PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
	long long v;

	TS_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	         PQerrorMessage(db));
	TS_CHECK(PQntuples(r) > 0, "%s: no rows", sql);
	v = PQgetisnull(r, 0, 0) ? 0 : atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

long long
ts_db_wait_count(PGconn *db, const char *sql, int nparams,
                 const char *const *params, long long want, int timeout_ms)
{
	long long deadline = ts_now_ms() + timeout_ms, v;

	while ((v = ts_db_count(db, sql, nparams, params)) != want &&
	       ts_now_ms() < deadline)
		usleep(50000);
	return v;
}

void
ts_db_exec(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);

	TS_CHECK(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
	         PQerrorMessage(db));
	PQclear(r);
}

void
ts_db_drop_schema(const char *schema)
{
	const char *url = getenv("DATABASE_URL");
	PGconn *db = PQconnectdb(url ? url : "");
	char *ident, sql[256];

	if (PQstatus(db) == CONNECTION_OK) {
		ident = PQescapeIdentifier(db, schema, strlen(schema));
		snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE",
		         ident);
		PQfreemem(ident);
		PQclear(PQexec(db, sql));
	}
	PQfinish(db);
}

const char *
ts_events_channel(const char *schema, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", PL_EVENTS_CHANNEL_PREFIX, schema);
	return buf;
}

redisContext *
ts_redis_connect_url(const char *url)
{
	struct pl_error err;
	redisContext *rc;

	pl_error_init(&err);
	if (redis_url_connect_str(url, TS_PATIENCE_MS, &rc, &err)) {
		fprintf(stderr, "ts_redis_connect: %s\n", err.message);
		pl_error_clear(&err);
	}
	return rc;
}

redisContext *
ts_redis_connect(void)
{
	return ts_redis_connect_url(getenv("REDIS_URL"));
}

int
ts_redis_start(struct ts_redis *r, const char *const *args)
{
	const char *argv[48] = {
	    "redis-server", "--bind", "127.0.0.1",    "--port", NULL,
	    "--save",       "",       "--appendonly", "no"};
	char port[16];
	int n = 9, fd;
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	memset(r, 0, sizeof *r);
	r->port = free_port();
	snprintf(port, sizeof port, "%d", r->port);
	argv[4] = port;
	for (; args && *args && n < 47; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	/* Listening means loaded: redis-server binds after its start-up. */
	while (ts_now_ms() < deadline) {
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			return -1;
		}
		if (can_connect(r->port))
			return 0;
		usleep(20000);
	}
	ts_redis_stop(r);
	return -1;
}

void
ts_redis_stop(struct ts_redis *r)
{
	if (r->pid <= 0)
		return;
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

int
ts_tls_make_cert(const char *dir, const char *cn, char *cert, char *key)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	FILE *f;
	int rc = -1;

	if (pk == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)ts_now_ms());
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	                          "IP:127.0.0.1,DNS:localhost");
	if (ext == NULL)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	                          "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto out;
	snprintf(cert, 512, "%s/%s.crt", dir, cn);
	snprintf(key, 512, "%s/%s.key", dir, cn);
	if ((f = fopen(cert, "w")) == NULL)
		goto out;
	PEM_write_X509(f, x);
	fclose(f);
	if ((f = fopen(key, "w")) == NULL)
		goto out;
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

void
ts_tls_files_make(struct ts_tls_files *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/padline-tls-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	ck_assert_int_eq(ts_tls_make_cert(t->dir, "padlined", t->cert, t->key),
	                 0);
	ck_assert_int_eq(
	    ts_tls_make_cert(t->dir, "impostor", t->other_cert, t->other_key),
	    0);
	snprintf(t->env_cert, sizeof t->env_cert, "PADLINE_TLS_CERT=%s",
	         t->cert);
	snprintf(t->env_key, sizeof t->env_key, "PADLINE_TLS_KEY=%s", t->key);
}

void
ts_tls_files_remove(struct ts_tls_files *t)
{
	char *cmd;

	if (t->dir[0] == '\0' || strncmp(t->dir, "/tmp/padline-tls-", 17))
		return;
	cmd = xasprintf("rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->dir);
	free(cmd);
}

char *
ts_file_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char tmp[4096];

	if (f == NULL)
		return xstrdup("");
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		return xstrdup("");
	buf[len] = '\0';
	return buf;
}

json_t *
ts_register(struct ts_client *c, const char *username, const char *password,
            const char *email)
{
	json_t *hello = ts_call(c, "server.hello", NULL);
	const char *tok =
	    json_string_value(json_object_get(ts_result(hello), "form_token"));
	json_t *params =
	    json_pack("{s:s, s:s, s:s}", "form_token", tok ? tok : "",
	              "username", username, "password", password);
	json_t *r;

	if (email)
		json_object_set_new(params, "email", json_string(email));
	json_decref(hello);
	r = ts_call(c, "user.register", params);
	return r;
}

int
ts_create_user(const char *schema, const char *username, const char *password,
               int admin)
{
	const char *args[] = {"create-user", username, admin ? "--admin" : NULL,
	                      NULL};
	char *in = NULL, *err = NULL;
	int rc;

	if (asprintf(&in, "%s\n", password) < 0)
		return -1;
	rc = ts_padlined_run(schema, NULL, args, in, 60, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "create-user %s failed (%d): %s\n", username,
		        rc, err);
	free(in);
	free(err);
	return rc == 0 ? 0 : -1;
}

int
ts_login(struct ts_client *c, const char *username, const char *password)
{
	json_t *r = ts_call(c, "session.login",
	                    json_pack("{s:s, s:s}", "username", username,
	                              "password", password));
	int ok = r != NULL && ts_error_code(r) == 0;

	json_decref(r);
	return ok ? 0 : -1;
}
