/*
 * Registration throughput: C connections register N users in all (each
 * registration = server.hello for a form token + user.register), prints
 * throughput, p50/p99 latency of the whole registration, padlined's peak
 * RSS (VmHWM) and the time of one argon2id hash measured here with the same
 * limits (PADLINE_PWHASH_OPSLIMIT / _MEMLIMIT, default INTERACTIVE).
 *   bench_register --port P --conns C [--users N] [--pid PID]
 * Without --pid the padlined listening on P is found through /proc.
 */
#include <dirent.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

struct worker {
	int port, first, count, stride;
	long long *lat_ms; /* shared array, indexed by registration */
	int ok, conflict, other;
	int last_code; /* of the last other error; -1 no answer */
	char last_msg[96];
};

static const char *run_tag;

/* One request, waiting up to two minutes (ts_call gives up after 30 s,
 * which a saturated server at C=200 can exceed without being wrong). */
static json_t *
call_slow(struct ts_client *c, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id",
	                        1, "method", method, "params",
	                        params ? params : json_object());
	char *text = json_dumps(req, JSON_COMPACT), *line;
	json_t *resp = NULL;

	json_decref(req);
	if (text && ts_client_send_raw(c, text, strlen(text)) == 0 &&
	    ts_client_send_raw(c, "\n", 1) == 0 &&
	    (line = ts_client_read_line(c, 120000, NULL)) != NULL) {
		resp = json_loads(line, 0, NULL);
		free(line);
	}
	free(text);
	return resp;
}

static json_t *
register_slow(struct ts_client *c, const char *name)
{
	json_t *h = call_slow(c, "server.hello", NULL), *r;
	const char *tok =
	    json_string_value(json_object_get(ts_result(h), "form_token"));

	r = tok ? call_slow(c, "user.register",
	                    json_pack("{s:s, s:s, s:s}", "form_token", tok,
	                              "username", name, "password",
	                              "Bench-Passw0rd!"))
	        : NULL;
	json_decref(h);
	return r;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct ts_client *c = ts_client_connect(w->port);
	char name[64];

	for (int i = w->first; i < w->count; i += w->stride) {
		long long t0 = ts_now_ms();
		json_t *r;

		snprintf(name, sizeof name, "b%s_%d", run_tag, i);
		r = c ? register_slow(c, name) : NULL;
		w->lat_ms[i] = ts_now_ms() - t0;
		if (r && ts_error_code(r) == 0)
			w->ok++;
		else if (r && ts_error_code(r) == 409)
			w->conflict++;
		else {
			w->other++;
			w->last_code = r ? ts_error_code(r) : -1;
			const char *m = json_string_value(json_object_get(
			    json_object_get(r, "error"), "message"));

			snprintf(w->last_msg, sizeof w->last_msg, "%s",
			         m   ? m
			         : r ? "?"
			             : "no answer");
		}
		json_decref(r);
	}
	ts_client_free(c);
	return NULL;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long
status_kb(int pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* The pid owning the socket listening on 127.0.0.1:port, 0 if not found. */
static int
pid_by_port(int port)
{
	char line[512], want[32], link[64], path[300];
	unsigned long inode = 0;
	FILE *f = fopen("/proc/net/tcp", "r");
	DIR *d;
	struct dirent *e;

	if (f == NULL)
		return 0;
	snprintf(want, sizeof want, ":%04X", port);
	while (fgets(line, sizeof line, f)) {
		char local[64], st[8];
		unsigned long ino;

		if (sscanf(line, "%*d: %63s %*s %7s %*s %*s %*s %*s %*s %lu",
		           local, st, &ino) == 3 &&
		    strstr(local, want) && strcmp(st, "0A") == 0)
			inode = ino;
	}
	fclose(f);
	if (inode == 0 || (d = opendir("/proc")) == NULL)
		return 0;
	snprintf(want, sizeof want, "%lu", inode);
	while ((e = readdir(d)) != NULL) {
		int pid = atoi(e->d_name);
		DIR *fd;
		struct dirent *fe;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/fd", pid);
		if ((fd = opendir(path)) == NULL)
			continue;
		while ((fe = readdir(fd)) != NULL) {
			char target[128];
			ssize_t n;

			snprintf(link, sizeof link, "%.40s", fe->d_name);
			snprintf(path, sizeof path, "/proc/%d/fd/%s", pid,
			         link);
			n = readlink(path, target, sizeof target - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (strncmp(target, "socket:[", 8) == 0 &&
			    strncmp(target + 8, want, strlen(want)) == 0 &&
			    target[8 + strlen(want)] == ']') {
				closedir(fd);
				closedir(d);
				return pid;
			}
		}
		closedir(fd);
	}
	closedir(d);
	return 0;
}

static unsigned long long
env_ull(const char *name, unsigned long long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 10) : dflt;
}

/* Median of three argon2id hashes with padlined's limits. */
static double
hash_ms(void)
{
	unsigned long long ops = env_ull("PADLINE_PWHASH_OPSLIMIT",
	                                 crypto_pwhash_OPSLIMIT_INTERACTIVE);
	size_t mem = (size_t)env_ull("PADLINE_PWHASH_MEMLIMIT",
	                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
	char out[crypto_pwhash_STRBYTES];
	long long t[3];

	for (int i = 0; i < 3; i++) {
		long long t0 = ts_now_ms();

		if (crypto_pwhash_str(out, "Bench-Passw0rd!", 15, ops, mem))
			return -1;
		t[i] = ts_now_ms() - t0;
	}
	qsort(t, 3, sizeof t[0], cmp_ll);
	return (double)t[1];
}

int
main(int argc, char **argv)
{
	int port = 0, conns = 0, users = 0, pid = 0;
	struct worker *w;
	pthread_t *th;
	long long *lat, t0, elapsed;
	int ok = 0, conflict = 0, other = 0;
	char tag[32];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--conns"))
			conns = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--users"))
			users = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pid"))
			pid = atoi(argv[i + 1]);
	}
	if (port <= 0 || conns <= 0 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_register --port P --conns C "
		                "[--users N] [--pid PID]\n");
		return 2;
	}
	if (users <= 0)
		users = conns * 2 > 100 ? conns * 2 : 100;
	if (pid == 0)
		pid = pid_by_port(port);
	snprintf(tag, sizeof tag, "%d_%d", (int)getpid(), conns);
	run_tag = tag;
	w = calloc((size_t)conns, sizeof *w);
	th = calloc((size_t)conns, sizeof *th);
	lat = calloc((size_t)users, sizeof *lat);
	t0 = ts_now_ms();
	for (int i = 0; i < conns; i++) {
		w[i] =
		    (struct worker){port, i, users, conns, lat, 0, 0, 0, 0, ""};
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < conns; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
		conflict += w[i].conflict;
		other += w[i].other;
		if (w[i].other)
			fprintf(stderr, "  conn %d: %d errors, last %d %s\n", i,
			        w[i].other, w[i].last_code, w[i].last_msg);
	}
	elapsed = ts_now_ms() - t0;
	qsort(lat, (size_t)users, sizeof *lat, cmp_ll);
	printf("C=%-4d users=%d ok=%d 409=%d other_errors=%d  "
	       "throughput=%.1f reg/s  p50=%lld ms  p99=%lld ms  "
	       "padlined_peak_rss=%.1f MiB  argon2id_hash=%.0f ms\n",
	       conns, users, ok, conflict, other,
	       elapsed > 0 ? ok * 1000.0 / (double)elapsed : 0.0,
	       lat[users / 2],
	       lat[(users * 99) / 100 < users ? (users * 99) / 100 : users - 1],
	       pid > 0 ? status_kb(pid, "VmHWM") / 1024.0 : -1.0, hash_ms());
	free(w);
	free(th);
	free(lat);
	return other == 0 ? 0 : 1;
}
