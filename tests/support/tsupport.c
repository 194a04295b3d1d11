/*
 * Test support: the suite runner and padlined child processes (started,
 * stopped, killed, run as a command). The line client is in
 * tsupport_client.c, PostgreSQL / Redis / TLS files in tsupport_svc.c;
 * everything talks to the real services of scripts/stack.
 */
#include "tsupport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "protocol.h"
#include "tsupport_int.h"
#include "xalloc.h"

int ts_in_suite;

int
ts_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	ts_in_suite = 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed || ts_env_unclean ? 1 : 0;
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
int
ts_free_port(void)
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
log_has(const char *path, long from, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int found = 0;

	if (f == NULL)
		return 0;
	fseek(f, from, SEEK_SET);
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* What this start wrote to the log (it appends: a restarted server's log
 * holds its first life too), at most the last 150 lines, so a failure's
 * cause is not cut out of a long CI log. */
static void
print_log(const char *path, long from)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	long total = 0, skip;

	if (f == NULL)
		return;
	fseek(f, from, SEEK_SET);
	while (fgets(line, sizeof line, f))
		total++;
	skip = total > 150 ? total - 150 : 0;
	fseek(f, from, SEEK_SET);
	fprintf(stderr, "---- %s (this start; %ld lines%s) ----\n", path, total,
	        skip ? ", the last 150" : "");
	for (long i = 0; fgets(line, sizeof line, f); i++)
		if (i >= skip)
			fputs(line, stderr);
	fclose(f);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* A server that neither listens nor exits: say where it is stuck. */
static void
print_stuck(pid_t pid)
{
	static const char *const files[] = {"exe", "wchan", "stat"};
	char path[64], buf[512];

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		ssize_t n;
		int fd;

		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, files[i]);
		if (i == 0)
			n = readlink(path, buf, sizeof buf - 1);
		else if ((fd = open(path, O_RDONLY)) >= 0) {
			n = read(fd, buf, sizeof buf - 1);
			close(fd);
		} else
			n = -1;
		buf[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "padlined %d %s: %s\n", (int)pid, files[i],
		        buf);
	}
}

int
ts_can_connect(int port)
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
spawn_child(struct spawn *r, pid_t parent, const struct child_exec *x)
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
	child_exec_run(x);
}

static void *
spawner_run(void *arg)
{
	pid_t self = getpid();

	(void)arg;
	pthread_mutex_lock(&spawn_mu);
	for (;;) {
		struct child_exec x;
		struct spawn *r;

		while (spawn_req == NULL || spawn_req->done)
			pthread_cond_wait(&spawn_cv, &spawn_mu);
		r = spawn_req;
		child_exec_init(&x, r->schema, r->s->port, r->env, r->args,
		                NULL);
		r->pid = fork();
		if (r->pid == 0)
			spawn_child(r, self, &x);
		child_exec_free(&x);
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
                  int quiet_port_clash, int port)
{
	const char *dir = getenv("PADLINE_TEST_LOGS");
	long long deadline =
	    ts_now_ms() + (getenv("PADLINE_WRAPPER") ? 180000 : 60000);
	int status;
	long log_from;

	memset(s, 0, sizeof *s);
	s->port = port > 0 ? port : ts_free_port();
	snprintf(s->schema, sizeof s->schema, "%s", schema);
	if (dir == NULL)
		dir = "/tmp/padline-test-logs";
	mkdir(dir, 0700);
	snprintf(s->log_path, sizeof s->log_path, "%s/%s-%d.log", dir, schema,
	         s->port);
	log_from = file_size(s->log_path);
	s->pid = spawn_server(s, schema, extra_env, args);
	if (s->pid < 0)
		return -1;
	while (ts_now_ms() < deadline) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			if (quiet_port_clash &&
			    log_has(s->log_path, log_from,
			            "address already in use"))
				return -2;
			fprintf(stderr,
			        "padlined exited during startup "
			        "(status %d)\n",
			        status);
			print_log(s->log_path, log_from);
			return -1;
		}
		if (ts_can_connect(s->port))
			return 0;
		usleep(20000);
	}
	fprintf(stderr, "padlined did not listen on %d within %lld s\n",
	        s->port,
	        (getenv("PADLINE_WRAPPER") ? 180000LL : 60000LL) / 1000);
	print_stuck(s->pid);
	print_log(s->log_path, log_from);
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
		rc = server_start_once(s, schema, extra_env, args, attempt < 4,
		                       0);
	return rc == 0 ? 0 : -1;
}

int
ts_server_restart(struct ts_server *s, const char *const *extra_env,
                  const char *const *args)
{
	char schema[64];
	int port = s->port, rc = -2;

	snprintf(schema, sizeof schema, "%s", s->schema);
	/* While it was down its port was free for anyone, an outgoing
	 * connection's source port too: wait for that to end. */
	for (int attempt = 0; attempt < 10; attempt++) {
		rc = server_start_once(s, schema, extra_env, args, attempt < 9,
		                       port);
		if (rc != -2)
			break;
		sleep(1);
	}
	return rc == 0 ? 0 : -1;
}

int
ts_server_wait(struct ts_server *s)
{
	/* Under valgrind, exiting (and its leak check) takes a while. */
	long long deadline =
	    ts_now_ms() + (getenv("PADLINE_WRAPPER") ? 120000 : TS_PATIENCE_MS);
	int status = -1;

	if (s->pid <= 0)
		return -1;
	while (ts_now_ms() < deadline) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return status;
		}
		usleep(10000);
	}
	fprintf(stderr, "padlined did not exit; killing\n");
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return status;
}

int
ts_server_stop(struct ts_server *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	return ts_server_wait(s);
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
	struct child_exec x;
	pid_t pid;

	if (pipe(in) || pipe(o) || pipe(e))
		return -1;
	child_exec_init(&x, schema, 0, extra_env, args, NULL);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(in[1]);
		close(o[0]);
		close(e[0]);
		child_exec_run(&x);
	}
	child_exec_free(&x);
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
