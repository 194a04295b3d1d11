/*
 * Pad throughput: C connections signed in as one user, each looping
 * pad.create then pad.get of the new pad for N seconds (--get 0: creates
 * only). Prints loops per second (one create transaction each, comparable to
 * pgbench's TPS) and the p50/p99 latency of each method. Replies are
 * scanned, not parsed, to keep the client's CPU share small on a shared
 * machine.
 * --stats-ms M adds one more connection calling server.stats every M ms
 * (the user must be an admin), to measure what polling it costs.
 * --pid P[,P...] adds the CPU time of those processes over the timed part
 * (every thread's, from /proc/P/task/{id}/schedstat: padlined, and its
 * PostgreSQL backends) and their CPU microseconds per loop: far steadier
 * than throughput on a shared machine.
 * --stats-loop N instead makes N server.stats calls back to back on one
 * connection and prints the CPU per call.
 * --count N stops after N loops in all (not after N seconds): a fixed amount
 * of work, for instruction counts (callgrind) that compare two runs.
 *   bench_pads --port P --user U --password PW [--clients C] [--seconds N]
 *              [--get 0|1] [--stats-ms M] [--pid P[,P...]] [--stats-loop N]
 *              [--count N]
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_net.h"

struct lat {
	long long *us;
	size_t n, cap;
};

struct worker {
	pthread_t th;
	int idx, fd;
	long long pairs, errors;
	struct lat create, get;
	char buf[65536];
	size_t have;
	char first_error[256];
};

static int port, seconds = 10, clients = 1, with_get = 1, stats_ms, stats_loop;
static const char *pids = "";
static const char *user, *password;
static char token[256];
static long long deadline_us;
/* --count: loops left to start in all; -1 runs until the deadline. */
static atomic_llong loops_left = -1;

/* Takes one loop from --count's budget; 0 once it is spent. */
static int
take_loop(void)
{
	long long n = atomic_load(&loops_left);

	while (n > 0)
		if (atomic_compare_exchange_weak(&loops_left, &n, n - 1))
			return 1;
	return n < 0;
}

/* Nanoseconds pid's threads have run, or -1 (no such process). */
static long long
proc_cpu_ns(int pid)
{
	char path[96];
	struct dirent *e;
	long long sum = 0, ns;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%.16s/schedstat",
		         pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%lld", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* The CPU nanoseconds of every process in --pid (-1: none given). */
static long long
server_cpu_ns(void)
{
	long long sum = -1, ns;

	for (const char *p = pids; *p;) {
		if ((ns = proc_cpu_ns(atoi(p))) >= 0)
			sum = (sum < 0 ? 0 : sum) + ns;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return sum;
}

static void
lat_add(struct lat *l, long long us)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->us = realloc(l->us, l->cap * sizeof *l->us);
	}
	l->us[l->n++] = us;
}

/* Sends req (a full line) and reads one reply line into w->buf (NUL
 * terminated, newline removed). Returns 0, or -1 on a broken connection. */
static int
roundtrip(struct worker *w, const char *req, size_t len)
{
	char *nl;

	while (len > 0) {
		ssize_t n = send(w->fd, req, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		req += n;
		len -= (size_t)n;
	}
	w->have = 0;
	for (;;) {
		ssize_t n = recv(w->fd, w->buf + w->have,
		                 sizeof w->buf - 1 - w->have, 0);

		if (n <= 0)
			return -1;
		w->have += (size_t)n;
		w->buf[w->have] = '\0';
		if ((nl = memchr(w->buf, '\n', w->have)) != NULL) {
			*nl = '\0';
			return 0;
		}
		if (w->have == sizeof w->buf - 1)
			return -1;
	}
}

static int
reply_failed(struct worker *w)
{
	if (strstr(w->buf, "\"error\"") == NULL)
		return 0;
	if (w->first_error[0] == '\0')
		snprintf(w->first_error, sizeof w->first_error, "%.200s",
		         w->buf);
	w->errors++;
	return 1;
}

/* Copies the string value after "key":" in w->buf into out. */
static int
reply_string(struct worker *w, const char *key, char *out, size_t size)
{
	char pat[64], *p, *e;

	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if ((p = strstr(w->buf, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= size)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

static int
sign_in(struct worker *w)
{
	char req[1024];
	int n;

	if (token[0]) {
		n = snprintf(
		    req, sizeof req,
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"session.resume\",\"params\":{\"token\":\"%s\"}}\n",
		    token);
		if (roundtrip(w, req, (size_t)n) == 0 &&
		    strstr(w->buf, "\"error\"") == NULL)
			return 0;
	}
	n = snprintf(
	    req, sizeof req,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.login\","
	    "\"params\":{\"username\":\"%s\",\"password\":\"%s\"}}\n",
	    user, password);
	if (roundtrip(w, req, (size_t)n) != 0 || reply_failed(w))
		return -1;
	if (!token[0])
		reply_string(w, "token", token, sizeof token);
	return 0;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char req[1024], id[64];
	long long t0, seq = 0;
	int n;

	while (bench_now_us() < deadline_us && take_loop()) {
		n = snprintf(req, sizeof req,
		             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
		             "\"pad.create\",\"params\":{\"display_name\":"
		             "\"bench %d %d %lld %lld\",\"data\":{\"text\":"
		             "\"hello pad\",\"n\":%lld}}}\n",
		             (int)getpid(), w->idx, bench_now_us(), seq, seq);
		seq++;
		t0 = bench_now_us();
		if (roundtrip(w, req, (size_t)n) != 0)
			return NULL;
		lat_add(&w->create, bench_now_us() - t0);
		if (reply_failed(w) || reply_string(w, "id", id, sizeof id))
			continue;
		if (!with_get) {
			w->pairs++;
			continue;
		}
		n = snprintf(req, sizeof req,
		             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
		             "\"pad.get\",\"params\":{\"id\":\"%s\"}}\n",
		             id);
		t0 = bench_now_us();
		if (roundtrip(w, req, (size_t)n) != 0)
			return NULL;
		lat_add(&w->get, bench_now_us() - t0);
		if (!reply_failed(w))
			w->pairs++;
	}
	return NULL;
}

/* The operator's poller: server.stats every stats_ms until the deadline;
 * pairs counts answered polls, errors failed ones. */
static void *
poller_run(void *arg)
{
	static const char req[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"server.stats\"}\n";
	struct worker *w = arg;
	struct timespec pause = {stats_ms / 1000, (stats_ms % 1000) * 1000000L};

	while (bench_now_us() < deadline_us) {
		if (roundtrip(w, req, sizeof req - 1) != 0)
			return NULL;
		if (!reply_failed(w))
			w->pairs++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* --stats-loop: server.stats back to back; CPU per call of --pid. */
static int
stats_loop_run(struct worker *w)
{
	static const char req[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"server.stats\"}\n";
	long long cpu0 = server_cpu_ns(), t0 = bench_now_us(), cpu1, ok = 0;

	for (int i = 0; i < stats_loop; i++)
		if (roundtrip(w, req, sizeof req - 1) == 0 && !reply_failed(w))
			ok++;
	cpu1 = server_cpu_ns();
	printf("mode=stats-loop calls=%lld seconds=%.2f", ok,
	       (bench_now_us() - t0) / 1e6);
	if (cpu0 >= 0 && ok > 0)
		printf(" server_cpu_ms=%.1f cpu_us_per_call=%.2f",
		       (double)(cpu1 - cpu0) / 1e6,
		       (double)(cpu1 - cpu0) / 1e3 / (double)ok);
	printf("\n");
	return ok == stats_loop ? 0 : 1;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Merges every worker's samples of one method; prints p50/p99 in ms. */
static void
print_latency(const char *name, struct worker *ws, int get)
{
	struct lat all = {0};

	for (int i = 0; i < clients; i++) {
		struct lat *l = get ? &ws[i].get : &ws[i].create;

		for (size_t k = 0; k < l->n; k++)
			lat_add(&all, l->us[k]);
	}
	if (all.n == 0)
		return;
	qsort(all.us, all.n, sizeof *all.us, cmp_ll);
	printf("  %-10s n=%zu p50=%.2fms p99=%.2fms\n", name, all.n,
	       all.us[all.n / 2] / 1000.0, all.us[all.n * 99 / 100] / 1000.0);
	free(all.us);
}

int
main(int argc, char **argv)
{
	struct worker *ws;
	long long pairs = 0, errors = 0, t0, cpu0, cpu1;
	double secs;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--user") == 0)
			user = argv[i + 1];
		else if (strcmp(argv[i], "--password") == 0)
			password = argv[i + 1];
		else if (strcmp(argv[i], "--clients") == 0)
			clients = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--get") == 0)
			with_get = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--stats-ms") == 0)
			stats_ms = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--pid") == 0)
			pids = argv[i + 1];
		else if (strcmp(argv[i], "--stats-loop") == 0)
			stats_loop = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--count") == 0)
			atomic_store(&loops_left, atoll(argv[i + 1]));
	}
	if (port <= 0 || user == NULL || password == NULL || clients < 1) {
		fprintf(stderr, "usage: bench_pads --port P --user U --password"
		                " PW [--clients C] [--seconds N] [--get 0|1]"
		                " [--stats-ms M] [--pid P[,P...]]"
		                " [--stats-loop N] [--count N]\n");
		return 2;
	}
	/* ws[clients] is the stats poller, used only with --stats-ms. */
	ws = calloc((size_t)clients + 1, sizeof *ws);
	for (int i = 0; i < clients + (stats_ms > 0); i++) {
		ws[i].idx = i;
		if ((ws[i].fd = bench_connect(port, 1)) < 0 ||
		    sign_in(&ws[i]) != 0) {
			fprintf(stderr, "client %d could not sign in: %s\n", i,
			        ws[i].first_error);
			return 1;
		}
	}
	if (stats_loop > 0)
		return stats_loop_run(&ws[0]);
	cpu0 = server_cpu_ns();
	t0 = bench_now_us();
	/* --count runs until its loops are done, however long they take. */
	deadline_us =
	    t0 + (long long)(atomic_load(&loops_left) >= 0 ? 86400 : seconds) *
	             1000000;
	for (int i = 0; i < clients; i++)
		pthread_create(&ws[i].th, NULL, worker_run, &ws[i]);
	if (stats_ms > 0)
		pthread_create(&ws[clients].th, NULL, poller_run, &ws[clients]);
	for (int i = 0; i < clients; i++) {
		pthread_join(ws[i].th, NULL);
		pairs += ws[i].pairs;
		errors += ws[i].errors;
	}
	if (stats_ms > 0) {
		pthread_join(ws[clients].th, NULL);
		errors += ws[clients].errors;
	}
	secs = (bench_now_us() - t0) / 1e6;
	cpu1 = cpu0 >= 0 ? server_cpu_ns() : -1;
	printf("mode=%s clients=%d seconds=%.1f loops=%lld errors=%lld "
	       "tps=%.1f",
	       with_get ? "create+get" : "create", clients, secs, pairs, errors,
	       pairs / secs);
	if (stats_ms > 0)
		printf(" stats_polls=%lld", ws[clients].pairs);
	if (cpu0 >= 0 && cpu1 >= cpu0 && pairs > 0)
		printf(" server_cpu_ms=%.1f cpu_us_per_loop=%.2f",
		       (double)(cpu1 - cpu0) / 1e6,
		       (double)(cpu1 - cpu0) / 1e3 / (double)pairs);
	printf("\n");
	print_latency("pad.create", ws, 0);
	print_latency("pad.get", ws, 1);
	for (int i = 0; i < clients + (stats_ms > 0); i++)
		if (ws[i].first_error[0]) {
			printf("  first error: %.200s\n", ws[i].first_error);
			break;
		}
	return errors > 0;
}
