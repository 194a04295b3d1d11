/*
 * What the signup defense costs a registration and how fast its alarm
 * arrives, against real padlined, PostgreSQL and Redis (scripts/stack env;
 * PADLINE_BIN the padlined to measure):
 *  - registration latency, p50 and p99 over N sequential signups (the two
 *    servers taking turns), with the default rules (every detector on: a Redis
 * script, the rules cache, the attempt's row) against every rule disabled, the
 * hash made negligible (argon2id at its minimum limits) so the difference is
 * the defense's;
 *    Wall time on a shared machine moves with its load, so each server's
 *    own CPU time per registration (utime + stime from /proc, the Redis
 *    script's time in Redis not included) is printed too;
 *  - alarm latency: per sample a fresh /24 sends five signups through a
 *    PROXY header; from the fifth's answer (after its commit) to its
 *    signup.alarm on the events channel, p50 and p99.
 *   bench_signup_defense [--signups N] [--alarms M]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tsupport.h"

static const char *const env[] = {
    "PADLINE_TRUSTED_PROXIES=127.0.0.1/32", "PADLINE_PWHASH_OPSLIMIT=1",
    "PADLINE_PWHASH_MEMLIMIT=8192", "PADLINE_LOG=warn", NULL};

/* CPU microseconds padlined pid has used so far. */
static long long
cpu_us(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2,
	                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	                        "%llu %llu",
	                        &ut, &st) != 2)
		return 0;
	return (long long)((ut + st) * 1000000ULL /
	                   (unsigned long long)sysconf(_SC_CLK_TCK));
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long long
pct(long long *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof *v, cmp_ll);
	return v[(n - 1) * p / 100];
}

static struct ts_client *
from(int port, const char *src)
{
	unsigned char h[128];
	struct ts_client *c = ts_client_connect(port);

	if (c == NULL ||
	    ts_client_send_raw(c, (char *)h,
	                       ts_proxy_v2(h, src, "192.0.2.1", 0)) != 0) {
		fprintf(stderr, "bench: cannot connect\n");
		exit(1);
	}
	return c;
}

/* hello + register from src as name; *us the register's own time. */
static json_t *
signup(int port, const char *src, const char *name, long long *us)
{
	struct ts_client *c = from(port, src);
	json_t *h = ts_call(c, "server.hello", NULL), *r;
	const char *tok =
	    json_string_value(json_object_get(ts_result(h), "form_token"));
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	r = ts_call(c, "user.register",
	            json_pack("{s:s, s:s, s:s}", "form_token", tok ? tok : "",
	                      "username", name, "password", "Bench-Passw0rd!"));
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (us)
		*us = (b.tv_sec - a.tv_sec) * 1000000LL +
		      (b.tv_nsec - a.tv_nsec) / 1000;
	json_decref(h);
	ts_client_free(c);
	if (r == NULL || ts_result(r) == NULL) {
		char *t = r ? json_dumps(r, 0) : NULL;

		fprintf(stderr, "bench: registration failed: %s\n",
		        t ? t : "no answer");
		free(t);
		exit(1);
	}
	return r;
}

/* p50/p99 of n registrations on each server, each from its own network,
 * alternating between the two so a change in the machine's load falls on
 * both alike. */
static void
latency(int port_on, int port_off, int n, const char *tag, long long *on,
        long long *off)
{
	long long *v_on = calloc((size_t)n, sizeof *v_on);
	long long *v_off = calloc((size_t)n, sizeof *v_off);
	char src[32], name[32];

	for (int i = 0; i < n; i++) {
		snprintf(src, sizeof src, "10.%d.%d.1", i / 200 + 1, i % 200);
		snprintf(name, sizeof name, "%s%d", tag, i);
		json_decref(signup(port_on, src, name, &v_on[i]));
		json_decref(signup(port_off, src, name, &v_off[i]));
	}
	on[0] = pct(v_on, n, 50);
	on[1] = pct(v_on, n, 99);
	off[0] = pct(v_off, n, 50);
	off[1] = pct(v_off, n, 99);
	free(v_on);
	free(v_off);
}

static void
disable_rules(const char *schema, int port)
{
	static const char *const names[] = {"net-velocity",   "domain-velocity",
	                                    "shape-velocity", "fast-fill",
	                                    "disposable",     "breached"};
	struct ts_client *c;

	if (ts_create_user(schema, "benchadm", "Bench-Adm1n-pass!", 1) != 0)
		exit(1);
	c = from(port, "192.0.2.250");
	if (ts_login(c, "benchadm", "Bench-Adm1n-pass!") != 0)
		exit(1);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		json_decref(ts_call(
		    c, "rule.put",
		    json_pack("{s:s, s:s, s:s, s:b}", "name", names[i], "when",
		              names[i], "action", "alarm", "enabled", 0)));
	ts_client_free(c);
}

int
main(int argc, char **argv)
{
	int n = 300, m = 30;
	struct ts_server on, off;
	char s_on[64], s_off[64], ch[128];
	long long l_on[2], l_off[2], *al, c_on, c_off;
	redisContext *sub;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--signups") == 0)
			n = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--alarms") == 0)
			m = atoi(argv[i + 1]);
	}
	ts_unique_schema("bsdon", s_on, sizeof s_on);
	ts_unique_schema("bsdoff", s_off, sizeof s_off);
	if (ts_server_start(&on, s_on, env, NULL) != 0 ||
	    ts_server_start(&off, s_off, env, NULL) != 0)
		return 1;
	disable_rules(s_off, off.port);
	/* Warm both (connections, prepared statements), then alternate. */
	latency(on.port, off.port, 20, "warm", l_on, l_off);
	c_on = cpu_us(on.pid);
	c_off = cpu_us(off.pid);
	latency(on.port, off.port, n, "user", l_on, l_off);
	c_on = cpu_us(on.pid) - c_on;
	c_off = cpu_us(off.pid) - c_off;
	printf("registration (hash at minimum), %d signups each, us:\n", n);
	printf("  detectors off  p50 %lld  p99 %lld  padlined cpu %lld per "
	       "signup\n",
	       l_off[0], l_off[1], c_off / n);
	printf("  detectors on   p50 %lld  p99 %lld  padlined cpu %lld per "
	       "signup\n",
	       l_on[0], l_on[1], c_on / n);
	printf("  added          p50 %lld  p99 %lld  padlined cpu %lld per "
	       "signup\n",
	       l_on[0] - l_off[0], l_on[1] - l_off[1], (c_on - c_off) / n);

	sub = ts_redis_connect();
	redisCommand(sub, "SUBSCRIBE %s",
	             ts_events_channel(s_on, ch, sizeof ch));
	al = calloc((size_t)m, sizeof *al);
	for (int s = 0; s < m; s++) {
		char src[32], name[32];
		long long t0 = 0;

		for (int k = 1; k <= 5; k++) {
			snprintf(src, sizeof src, "172.%d.%d.%d", 16 + s / 200,
			         s % 200, k);
			snprintf(name, sizeof name, "al%dx%d", s, k);
			json_decref(signup(on.port, src, name, NULL));
			t0 = ts_now_ms();
		}
		for (;;) {
			redisReply *r = NULL;
			json_t *ev = NULL;

			if (redisGetReply(sub, (void **)&r) != REDIS_OK || !r)
				return 1;
			if (r->type == REDIS_REPLY_ARRAY && r->elements == 3)
				ev = ts_event_open(r->element[2]->str,
				                   r->element[2]->len);
			freeReplyObject(r);
			if (ev &&
			    strcmp(json_string_value(
			               json_object_get(ev, "action")),
			           "signup.alarm") == 0 &&
			    strcmp(json_string_value(json_object_get(
			               json_object_get(ev, "subject"), "rule")),
			           "net-velocity") == 0) {
				al[s] = ts_now_ms() - t0;
				json_decref(ev);
				break;
			}
			json_decref(ev);
		}
	}
	printf("alarm: fifth signup's answer -> signup.alarm, %d samples, ms: "
	       "p50 %lld  p99 %lld  max %lld\n",
	       m, pct(al, m, 50), pct(al, m, 99), pct(al, m, 100));
	free(al);
	redisFree(sub);
	ts_server_stop(&on);
	ts_server_stop(&off);
	ts_db_drop_schema(s_on);
	ts_db_drop_schema(s_off);
	return 0;
}
