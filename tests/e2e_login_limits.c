/* Login limits under pressure: parallel guesses never get more than the
 * limit tried (per username and per address), the counters follow the user
 * the database resolves (Unicode case folding included), a counter always
 * expires, long multibyte names are a plain 401, and with Redis unreachable
 * a per-instance limiter still limits (logged once, URL without its
 * password). Each test runs its own padlined with its own limits. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsupport.h"

#define NPAR 30

static int
login_code(struct ts_client *c, const char *name, const char *pw)
{
	json_t *r =
	    ts_call(c, "session.login",
	            json_pack("{s:s, s:s}", "username", name, "password", pw));
	int code = r ? ts_error_code(r) : -1;

	json_decref(r);
	return code;
}

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Sends one wrong-password login per name on NPAR connections at once,
 * then reads every answer; counts 401s and 429s. */
static void
parallel_logins(int port, const char *const *names, int *n401, int *n429)
{
	struct ts_client *c[NPAR];

	*n401 = *n429 = 0;
	for (int i = 0; i < NPAR; i++) {
		c[i] = ts_client_connect(port);
		ck_assert_ptr_nonnull(c[i]);
	}
	for (int i = 0; i < NPAR; i++) {
		json_t *req = json_pack(
		    "{s:s, s:i, s:s, s:{s:s, s:s}}", "jsonrpc", "2.0", "id", 1,
		    "method", "session.login", "params", "username", names[i],
		    "password", "Wr0ng-Passw0rd!");
		char *line = json_dumps(req, JSON_COMPACT);
		size_t len = strlen(line);

		line = realloc(line, len + 2);
		line[len] = '\n';
		ck_assert_int_eq(ts_client_send_raw(c[i], line, len + 1), 0);
		free(line);
		json_decref(req);
	}
	for (int i = 0; i < NPAR; i++) {
		char *line = ts_client_read_line(c[i], 60000, NULL);
		json_t *r;

		ck_assert_msg(line != NULL, "no answer on connection %d", i);
		r = json_loads(line, 0, NULL);
		switch (ts_error_code(r)) {
		case 401:
			++*n401;
			break;
		case 429:
			++*n429;
			break;
		default:
			ck_abort_msg("unexpected answer %s", line);
		}
		json_decref(r);
		free(line);
		ts_client_free(c[i]);
	}
}

START_TEST(parallel_guesses_per_username)
{
	const char *env[] = {"PADLINE_LOGIN_MAX_FAILURES=5",
	                     "PADLINE_LOGIN_MAX_FAILURES_IP=1000",
	                     "PADLINE_LOGIN_WINDOW=60", NULL};
	const char *names[NPAR];
	struct ts_server s;
	char sch[64];
	int n401, n429;

	ts_unique_schema("llpu", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "pat", TS_PASSWORD, 0), 0);
	for (int i = 0; i < NPAR; i++)
		names[i] = i % 2 ? "pat" : "PAT";
	parallel_logins(s.port, names, &n401, &n429);
	ck_assert_msg(n401 <= 5, "%d wrong passwords were tried (limit 5)",
	              n401);
	ck_assert_int_eq(n401 + n429, NPAR);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

START_TEST(parallel_guesses_per_address)
{
	const char *env[] = {"PADLINE_LOGIN_MAX_FAILURES=1000",
	                     "PADLINE_LOGIN_MAX_FAILURES_IP=5",
	                     "PADLINE_LOGIN_WINDOW=60", NULL};
	const char *names[NPAR];
	char buf[NPAR][16];
	struct ts_server s;
	char sch[64];
	int n401, n429;

	ts_unique_schema("llpa", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	for (int i = 0; i < NPAR; i++) {
		snprintf(buf[i], sizeof buf[i], "guess%d", i);
		names[i] = buf[i];
	}
	parallel_logins(s.port, names, &n401, &n429);
	ck_assert_msg(n401 <= 5, "%d guesses were tried (address limit 5)",
	              n401);
	ck_assert_int_eq(n401 + n429, NPAR);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

/* PostgreSQL's lower() folds U+0130 (İ) to i: the same account, so the
 * same counter. */
START_TEST(case_folding_shares_the_lockout)
{
	const char *env[] = {"PADLINE_LOGIN_MAX_FAILURES=3",
	                     "PADLINE_LOGIN_WINDOW=60", NULL};
	struct ts_server s;
	struct ts_client *c;
	char sch[64];

	ts_unique_schema("llfold", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "alice_b", TS_PASSWORD, 0), 0);
	c = ts_client_connect(s.port);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(login_code(c, "alice_b", "nope"), 401);
	ck_assert_int_eq(login_code(c, "alice_b", TS_PASSWORD), 429);
	ck_assert_int_eq(login_code(c,
	                            "al\xc4\xb0"
	                            "ce_b",
	                            TS_PASSWORD),
	                 429);
	ck_assert_int_eq(login_code(c, "ALICE_B", TS_PASSWORD), 429);
	ts_client_free(c);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

/* A counter left without expiry (what SET NX EX then INCR could leave when
 * the key expired in between) gets one at the next failure. */
START_TEST(counter_always_expires)
{
	const char *env[] = {"PADLINE_LOGIN_WINDOW=60", NULL};
	struct ts_server s;
	struct ts_client *c;
	redisContext *rc;
	redisReply *r;
	char sch[64], key[160];

	ts_unique_schema("llttl", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	snprintf(key, sizeof key, "padline:login:%s:ip:127.0.0.1", sch);
	rc = ts_redis_connect();
	ck_assert_ptr_nonnull(rc);
	freeReplyObject(redisCommand(rc, "SET %s 1", key));
	c = ts_client_connect(s.port);
	ck_assert_int_eq(login_code(c, "nobody", "nope"), 401);
	r = redisCommand(rc, "TTL %s", key);
	ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
	ck_assert_msg(r->integer > 0 && r->integer <= 60,
	              "counter ttl %lld, want 1..60", r->integer);
	freeReplyObject(r);
	r = redisCommand(rc, "GET %s", key);
	ck_assert_str_eq(r->str, "2");
	freeReplyObject(r);
	redisFree(rc);
	ts_client_free(c);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

START_TEST(long_multibyte_username_is_401)
{
	struct ts_server s;
	struct ts_client *c;
	char sch[64], name[1024] = "";

	ts_unique_schema("llutf", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, NULL, NULL), 0);
	c = ts_client_connect(s.port);
	for (int i = 0; i < 100; i++)
		strcat(name, "\xc3\xa9"); /* é: 2 bytes */
	ck_assert_int_eq(login_code(c, name, "nope"), 401);
	name[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(name, "\xe2\x82\xac"); /* €: 3 bytes */
	ck_assert_int_eq(login_code(c, name, "nope"), 401);
	ts_client_free(c);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

/* A loopback port nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

START_TEST(redis_down_still_limits)
{
	char url[160], sch[64];
	const char *env[] = {url, "PADLINE_LOGIN_MAX_FAILURES=3",
	                     "PADLINE_LOGIN_WINDOW=60", "PADLINE_LOG=debug",
	                     NULL};
	struct ts_server s;
	struct ts_client *c;
	char *log;

	snprintf(url, sizeof url,
	         "REDIS_URL=redis://padline:S3cret-Redis-Pw@127.0.0.1:%d/0",
	         closed_port());
	ts_unique_schema("llnored", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "rex", TS_PASSWORD, 0), 0);
	c = ts_client_connect(s.port);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(login_code(c, "rex", "nope"), 401);
	ck_assert_int_eq(login_code(c, "rex", TS_PASSWORD), 429);
	ck_assert_int_eq(login_code(c, "rex", TS_PASSWORD), 429);
	ts_client_free(c);
	ts_server_stop(&s);
	log = ts_file_read(s.log_path);
	ck_assert_msg(strstr(log, "S3cret-Redis-Pw") == NULL,
	              "the Redis password is in the log");
	ck_assert_int_eq(count_of(log, "login limits fall back"), 1);
	free(log);
	ts_db_drop_schema(sch);
}
END_TEST

/* A redis-server of this test's own on port (killed by its pid). */
static pid_t
own_redis_start(int port)
{
	char p[16];
	pid_t pid;

	snprintf(p, sizeof p, "%d", port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execlp("redis-server", "redis-server", "--port", p, "--bind",
		       "127.0.0.1", "--save", "", "--appendonly", "no",
		       "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
own_redis_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Logs until the log holds want lines of msg, under a deadline that only
 * catches a hang; each attempt is a failed login (Redis is tried then). */
static int
wait_log_count(struct ts_server *s, struct ts_client *c, const char *msg,
               int want)
{
	long long end = ts_now_ms() + 30000;
	int n = 0;

	while (ts_now_ms() < end) {
		char *log = ts_file_read(s->log_path);

		n = count_of(log, msg);
		free(log);
		if (n >= want)
			break;
		login_code(c, "nobody", "nope");
		usleep(100000);
	}
	return n;
}

/* Falling back and coming back are each logged once, however many
 * attempts happen in between. */
START_TEST(redis_outage_logged_once_each_way)
{
	char url[160], sch[64];
	const char *env[] = {url, "PADLINE_LOGIN_MAX_FAILURES=1000",
	                     "PADLINE_LOGIN_MAX_FAILURES_IP=1000", NULL};
	const char *down = "login limits fall back";
	const char *back = "login limits back on redis";
	struct ts_server s;
	struct ts_client *c;
	int port = closed_port();
	pid_t redis;
	char *log;

	snprintf(url, sizeof url, "REDIS_URL=redis://127.0.0.1:%d/0", port);
	ts_unique_schema("llback", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	c = ts_client_connect(s.port);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(login_code(c, "nobody", "nope"), 401);
	redis = own_redis_start(port);
	ck_assert_int_eq(wait_log_count(&s, c, back, 1), 1);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(login_code(c, "nobody", "nope"), 401);
	own_redis_stop(redis);
	ck_assert_int_eq(wait_log_count(&s, c, down, 2), 2);
	ts_client_free(c);
	ts_server_stop(&s);
	log = ts_file_read(s.log_path);
	ck_assert_int_eq(count_of(log, down), 2);
	ck_assert_int_eq(count_of(log, back), 1);
	free(log);
	ts_db_drop_schema(sch);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_login_limits");
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, parallel_guesses_per_username);
	tcase_add_test(tc, parallel_guesses_per_address);
	tcase_add_test(tc, case_folding_shares_the_lockout);
	tcase_add_test(tc, counter_always_expires);
	tcase_add_test(tc, long_multibyte_username_is_401);
	tcase_add_test(tc, redis_down_still_limits);
	tcase_add_test(tc, redis_outage_logged_once_each_way);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
