/*
 * The metrics endpoint end to end (PADLINE_METRICS_LISTEN): the figures of
 * server.stats in Prometheus' text format, checked by promtool and scraped
 * by a real Prometheus; the outbox backlog and Redis' health while Redis
 * is away; requests other than GET /metrics refused, silent and surplus
 * connections closed; a metrics address already taken stops start-up.
 */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "tsupport.h"

static char schema[64];

/* padlined with its metrics on a port of their own (*mport), chosen again
 * should another process take it first. */
static void
start_server(struct ts_server *srv, int *mport, const char *redis_url)
{
	char redis[128];
	const char *env[] = {redis_url ? redis : NULL, NULL};

	snprintf(redis, sizeof redis, "REDIS_URL=%s",
	         redis_url ? redis_url : "");
	*mport = ts_server_start_metrics(srv, schema, env);
}

static void
setup(void)
{
	ts_unique_schema("metrics", schema, sizeof schema);
}

static void
teardown(void)
{
	ts_db_drop_schema(schema);
}

/* Scrapes until the sample is at least want; returns its last value. */
static double
wait_sample(int mport, const char *name, double want)
{
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;
	double v = NAN;

	while (ts_now_ms() < deadline) {
		char *text = ts_metrics_scrape(mport);

		v = ts_metrics_sample(text, name);
		free(text);
		if (v >= want)
			break;
		usleep(100000);
	}
	return v;
}

static void
hello(struct ts_client *c)
{
	json_t *r = ts_call(c, "server.hello", NULL);

	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
}

START_TEST(scrape_reports_stats_and_passes_promtool)
{
	struct ts_server srv;
	struct ts_client *c;
	char *text, *said;
	json_t *r;
	int mport;

	start_server(&srv, &mport, NULL);
	c = ts_client_connect(srv.port);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 3; i++)
		hello(c);
	r = ts_call(c, "no.such.method", NULL);
	ck_assert_int_ne(ts_error_code(r), 0);
	json_decref(r);

	/* The probed figures come with the first probe, shortly after
	 * start; everything else is there from the start. */
	ck_assert(wait_sample(mport, "padline_db_up", 1) == 1);
	text = ts_metrics_scrape(mport);
	ck_assert(ts_metrics_sample(
	              text, "padline_requests_total{outcome=\"ok\"}") == 3);
	ck_assert(ts_metrics_sample(
	              text, "padline_requests_total{outcome=\"error\"}") == 1);
	ck_assert(ts_metrics_sample(
	              text, "padline_method_requests_total{method=\"server."
	                    "hello\",outcome=\"ok\"}") == 3);
	ck_assert(ts_metrics_sample(text,
	                            "padline_method_latency_p99_seconds{method="
	                            "\"server.hello\"}") > 0);
	ck_assert(ts_metrics_sample(text, "padline_connections") == 1);
	ck_assert(ts_metrics_sample(text, "padline_redis_up") == 1);
	ck_assert(ts_metrics_sample(text, "padline_outbox_unpublished") >= 0);
	ck_assert(
	    ts_metrics_sample(text, "padline_outbox_oldest_age_seconds") >= 0);
	ck_assert(ts_metrics_sample(text, "padline_db_pool_connections") > 0);
	ck_assert(ts_metrics_sample(text, "padline_logins_failed_15m") == 0);
	ck_assert(ts_metrics_sample(text, "padline_probe_age_seconds") >= 0);
	ck_assert(ts_metrics_sample(text, "padline_uptime_seconds") >= 0);

	ck_assert_msg(ts_promtool(text, &said) == 0 && said[0] == '\0',
	              "promtool check metrics:\n%s\non:\n%s", said, text);
	free(said);
	free(text);
	ts_client_free(c);
	/* 0: drained cleanly (and, under valgrind, without leaks). */
	ck_assert_int_eq(ts_server_stop(&srv), 0);
}
END_TEST

START_TEST(outbox_backlog_shows_while_redis_is_away)
{
	struct ts_server srv;
	struct ts_redis redis;
	struct ts_client *c;
	char url[64], user[32], *text;
	PGconn *db;
	long long backlog;
	int mport;

	ck_assert_int_eq(ts_redis_start(&redis, NULL), 0);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", redis.port);
	start_server(&srv, &mport, url);
	ck_assert(wait_sample(mport, "padline_redis_up", 1) == 1);
	ts_redis_stop(&redis);

	/* Each registration writes an audit row that cannot be published. */
	c = ts_client_connect(srv.port);
	for (int i = 0; i < 3; i++) {
		json_t *r;

		snprintf(user, sizeof user, "wave%d", i);
		r = ts_register(c, user, TS_PASSWORD, NULL);
		ck_assert_int_eq(ts_error_code(r), 0);
		json_decref(r);
	}
	db = ts_db_connect(schema);
	backlog = ts_db_count(
	    db, "SELECT count(*) FROM audit_log WHERE published_at IS NULL", 0,
	    NULL);
	ck_assert_int_ge(backlog, 3);
	ck_assert(wait_sample(mport, "padline_outbox_unpublished",
	                      (double)backlog) == (double)backlog);
	ck_assert(wait_sample(mport, "padline_outbox_oldest_age_seconds",
	                      0.5) >= 0.5);
	text = ts_metrics_scrape(mport);
	ck_assert(ts_metrics_sample(text, "padline_redis_up") == 0);
	ck_assert(ts_metrics_sample(text, "padline_db_up") == 1);
	free(text);
	PQfinish(db);
	ts_client_free(c);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
}
END_TEST

/* Sends request and returns the status of the answer. */
static int
exchange(int mport, const char *request, size_t len)
{
	char *all = NULL;
	int status = ts_http_exchange(mport, request, len, &all);

	if (status > 0)
		ck_assert_msg(strstr(all, "\r\nConnection: close\r\n") != NULL,
		              "%s", all);
	free(all);
	return status;
}

#define EXCHANGE(port, s) exchange(port, s, sizeof s - 1)

START_TEST(other_requests_are_refused)
{
	struct ts_server srv;
	struct ts_client *c, *silent[16];
	char big[9000], *all;
	size_t n;
	int mport;

	start_server(&srv, &mport, NULL);
	ck_assert_int_eq(EXCHANGE(mport, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
	                 404);
	ck_assert_int_eq(
	    EXCHANGE(mport, "POST /metrics HTTP/1.1\r\nHost: t\r\n\r\n"), 405);
	ck_assert_int_eq(EXCHANGE(mport, "GET /metrics HTTP/1.1\n\n"), 400);
	ck_assert_int_eq(EXCHANGE(mport, "GET /metrics HTTP/1.1\r\n\r\n"), 400);
	ck_assert_int_eq(
	    EXCHANGE(mport, "GET /metrics HTTP/2.0\r\nHost: t\r\n\r\n"), 505);
	ck_assert_int_eq(EXCHANGE(mport, "\x16\x03\x01\x00\xa5\x01"), 400);
	/* A head past the bound is refused at the bound; what follows is
	 * read and dropped, so the answer is not lost to a reset. */
	n = (size_t)snprintf(big, sizeof big,
	                     "GET /metrics HTTP/1.1\r\nHost: t\r\nX: ");
	memset(big + n, 'a', sizeof big - n);
	ck_assert_int_eq(exchange(mport, big, sizeof big), 431);
	/* The client may end its side right after the request. */
	c = ts_client_connect(mport);
	ck_assert_int_eq(
	    ts_client_send_raw(c, "GET /metrics HTTP/1.0\r\n\r\n", 25), 0);
	ck_assert_int_eq(ts_client_shutdown_write(c), 0);
	all = ts_client_read_all(c, TS_PATIENCE_MS, NULL);
	ck_assert_msg(all && strncmp(all, "HTTP/1.1 200 ", 13) == 0, "%s",
	              all ? all : "(nothing)");
	free(all);
	ts_client_free(c);

	/* Connections that say nothing are closed after a while, and while
	 * they are open a 17th connection is closed at once, unanswered. */
	for (int i = 0; i < 16; i++) {
		silent[i] = ts_client_connect(mport);
		ck_assert_ptr_nonnull(silent[i]);
		ck_assert_int_eq(ts_client_send_raw(silent[i], "GET /", 5), 0);
	}
	c = ts_client_connect(mport);
	ck_assert_ptr_nonnull(c);
	all = ts_client_read_all(c, TS_PATIENCE_MS, NULL);
	ck_assert_msg(all && all[0] == '\0', "surplus connection answered");
	free(all);
	ts_client_free(c);
	for (int i = 0; i < 16; i++) {
		all = ts_client_read_all(silent[i], TS_PATIENCE_MS, NULL);
		ck_assert_msg(all && all[0] == '\0',
		              "silent connection not closed unanswered");
		free(all);
		ts_client_free(silent[i]);
	}

	/* None of it touched the endpoint or the clients' port. */
	free(ts_metrics_scrape(mport));
	c = ts_client_connect(srv.port);
	hello(c);
	ts_client_free(c);
	/* A scraper halfway through its request does not hold up a clean
	 * shutdown (nor leak: ASan and valgrind runs exit non-zero). */
	c = ts_client_connect(mport);
	ck_assert_int_eq(ts_client_send_raw(c, "GET /metrics HTTP/1.1\r\n", 23),
	                 0);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	ts_client_free(c);
}
END_TEST

/* ---- a real Prometheus ------------------------------------------------ */

struct prometheus {
	pid_t pid;
	int port;
	char dir[64];
};

/* Starts Prometheus scraping 127.0.0.1:target every second and waits
 * until it is ready; returns 0 or -1 (it exited: say, its port was
 * taken). */
static int
prometheus_start_once(struct prometheus *p, int target)
{
	char path[128], flag_cfg[160], flag_data[160], flag_listen[64],
	    log[160];
	FILE *f;
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	p->port = ts_free_port();
	snprintf(path, sizeof path, "%s/prometheus.yml", p->dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
	        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
	        "scrape_configs:\n  - job_name: padline\n    static_configs:\n"
	        "      - targets: ['127.0.0.1:%d']\n",
	        target);
	fclose(f);
	snprintf(flag_cfg, sizeof flag_cfg, "--config.file=%s", path);
	snprintf(flag_data, sizeof flag_data, "--storage.tsdb.path=%s/data",
	         p->dir);
	snprintf(flag_listen, sizeof flag_listen,
	         "--web.listen-address=127.0.0.1:%d", p->port);
	snprintf(log, sizeof log, "%s/prometheus.log", p->dir);
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (p->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		freopen("/dev/null", "r", stdin);
		freopen(log, "a", stdout);
		freopen(log, "a", stderr);
		execlp("prometheus", "prometheus", flag_cfg, flag_data,
		       flag_listen, "--log.level=warn", (char *)NULL);
		_exit(127);
	}
	while (ts_now_ms() < deadline) {
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			char *said = ts_file_read(log);

			fprintf(stderr, "prometheus exited:\n%s\n", said);
			free(said);
			p->pid = 0;
			return -1;
		}
		if (ts_http_get(p->port, "/-/ready", NULL) == 200)
			return 0;
		usleep(100000);
	}
	return -1;
}

static void
prometheus_start(struct prometheus *p, int target)
{
	snprintf(p->dir, sizeof p->dir, "/tmp/padline-prometheus-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(p->dir));
	for (int attempt = 0; attempt < 3; attempt++)
		if (prometheus_start_once(p, target) == 0)
			return;
	ck_abort_msg("prometheus did not start (is it installed? "
	             "scripts/deps)");
}

static void
prometheus_stop(struct prometheus *p)
{
	char *cmd;

	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		waitpid(p->pid, NULL, 0);
	}
	if (asprintf(&cmd, "rm -rf '%s'", p->dir) > 0) {
		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
}

/* The value of an instant query that yields one sample, NAN while it
 * yields none. */
static double
prometheus_query(struct prometheus *p, const char *query)
{
	char path[512], *body = NULL;
	size_t n = (size_t)snprintf(path, sizeof path, "/api/v1/query?query=");
	json_t *doc, *result;
	double v = NAN;
	int status;

	for (const unsigned char *q = (const unsigned char *)query; *q; q++)
		n += (size_t)snprintf(
		    path + n, sizeof path - n,
		    isalnum(*q) || strchr("_.-", *q) ? "%c" : "%%%02X", *q);
	status = ts_http_get(p->port, path, &body);
	ck_assert_msg(status == 200, "%s: %d %s", path, status, body);
	doc = json_loads(body, 0, NULL);
	ck_assert_msg(doc != NULL, "not JSON: %s", body);
	result = json_object_get(json_object_get(doc, "data"), "result");
	if (json_array_size(result) == 1)
		v = strtod(
		    json_string_value(json_array_get(
		        json_object_get(json_array_get(result, 0), "value"),
		        1)),
		    NULL);
	json_decref(doc);
	free(body);
	return v;
}

/* Queries until the value is at least want; returns the last one. */
static double
prometheus_wait(struct prometheus *p, const char *query, double want)
{
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;
	double v = NAN;

	while (ts_now_ms() < deadline &&
	       !((v = prometheus_query(p, query)) >= want))
		usleep(200000);
	return v;
}

START_TEST(prometheus_scrapes_it)
{
	static const char ok[] = "padline_requests_total{outcome=\"ok\"}";
	struct ts_server srv;
	struct prometheus prom;
	struct ts_client *c;
	double before;
	int mport;

	start_server(&srv, &mport, NULL);
	prometheus_start(&prom, mport);
	ck_assert(prometheus_wait(&prom, "up{job=\"padline\"}", 1) == 1);
	before = prometheus_wait(&prom, ok, 0);
	ck_assert_msg(before >= 0, "%s never scraped", ok);
	c = ts_client_connect(srv.port);
	for (int i = 0; i < 5; i++)
		hello(c);
	ts_client_free(c);
	ck_assert(prometheus_wait(&prom, ok, before + 5) == before + 5);
	ck_assert(prometheus_wait(&prom, "padline_db_up", 1) == 1);
	prometheus_stop(&prom);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
}
END_TEST

START_TEST(metrics_address_taken_stops_start_up)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	char metrics[64], listen_env[64], *err = NULL, want[96];
	const char *env[] = {metrics, listen_env, NULL};
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(metrics, sizeof metrics, "PADLINE_METRICS_LISTEN=127.0.0.1:%d",
	         ntohs(a.sin_port));
	snprintf(listen_env, sizeof listen_env, "PADLINE_LISTEN=127.0.0.1:%d",
	         ts_free_port());
	rc = ts_padlined_run(schema, env, NULL, NULL, 120, NULL, &err);
	snprintf(want, sizeof want, "cannot listen for metrics on 127.0.0.1:%d",
	         ntohs(a.sin_port));
	ck_assert_msg(rc == 1 && strstr(err, want) != NULL, "exit %d: %s", rc,
	              err);
	free(err);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_metrics");
	TCase *tc = tcase_create("metrics");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scrape_reports_stats_and_passes_promtool);
	tcase_add_test(tc, outbox_backlog_shows_while_redis_is_away);
	tcase_add_test(tc, other_requests_are_refused);
	tcase_add_test(tc, prometheus_scrapes_it);
	tcase_add_test(tc, metrics_address_taken_stops_start_up);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
