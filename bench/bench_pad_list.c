/*
 * pad.list and pad.get latency for one user with many pads: one connection,
 * requests one after another (latency, not throughput), replies read as
 * lines and not parsed while timed. Prints p50/p99/max in ms for the first
 * page of each sort, a substring search, every page of a full keyset walk,
 * and pad.get of random own pads. bench/pad_list.sh builds the fixture.
 *   bench_pad_list --port P --user U --password PW [--iterations N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsupport.h"

static int iterations = 2000;

struct lat {
	double *ms;
	size_t n;
};

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
lat_print(const char *op, struct lat *l)
{
	qsort(l->ms, l->n, sizeof *l->ms, cmp_double);
	printf("%-22s n=%-6zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", op, l->n,
	       l->ms[l->n / 2], l->ms[(size_t)((double)l->n * 0.99)],
	       l->ms[l->n - 1]);
	free(l->ms);
}

/* Sends one request and waits for its reply line; returns it (malloc'd)
 * and adds the round trip to l. Exits on an error reply. */
static char *
timed(struct ts_client *c, struct lat *l, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id",
	                        1, "method", method, "params", params);
	char *text = json_dumps(req, JSON_COMPACT), *line, *reply;
	size_t n = strlen(text);
	long long t0;

	line = malloc(n + 2);
	memcpy(line, text, n);
	line[n] = '\n';
	t0 = now_us();
	if (ts_client_send_raw(c, line, n + 1) != 0 ||
	    (reply = ts_client_read_line(c, 60000, NULL)) == NULL) {
		fprintf(stderr, "%s: no reply\n", method);
		exit(1);
	}
	l->ms[l->n++] = (double)(now_us() - t0) / 1000.0;
	if (strstr(reply, "\"result\"") == NULL) {
		fprintf(stderr, "%s failed: %.300s\n", method, reply);
		exit(1);
	}
	free(line);
	free(text);
	json_decref(req);
	return reply;
}

static struct lat
lat_new(size_t n)
{
	struct lat l = {calloc(n, sizeof(double)), 0};

	return l;
}

/* The first page of sort (NULL = default) with q (may be NULL). */
static void
bench_first_page(struct ts_client *c, const char *op, const char *sort,
                 const char *q)
{
	struct lat l = lat_new((size_t)iterations);

	for (int i = 0; i < iterations; i++) {
		json_t *p = json_pack("{s:i}", "limit", 100);

		if (sort)
			json_object_set_new(p, "sort", json_string(sort));
		if (q)
			json_object_set_new(p, "q", json_string(q));
		free(timed(c, &l, "pad.list", p));
	}
	lat_print(op, &l);
}

/* Every page of 100 from first to last; collects the pad ids into ids. */
static void
bench_walk(struct ts_client *c, json_t *ids)
{
	struct lat l = lat_new(100000);
	json_t *next = json_null();

	do {
		json_t *p = json_pack("{s:i}", "limit", 100), *res, *pad;
		char *reply;
		size_t i;

		if (json_is_string(next))
			json_object_set(p, "after", next);
		reply = timed(c, &l, "pad.list", p);
		res = json_loads(reply, 0, NULL);
		free(reply);
		json_array_foreach (
		    json_object_get(json_object_get(res, "result"), "pads"), i,
		    pad)
			if (strcmp(json_string_value(
			               json_object_get(pad, "access")),
			           "owner") == 0)
				json_array_append(ids,
				                  json_object_get(pad, "id"));
		json_decref(next);
		next = json_incref(
		    json_object_get(json_object_get(res, "result"), "next"));
		json_decref(res);
	} while (json_is_string(next) && l.n < 100000);
	json_decref(next);
	printf("walk: %zu pages, %zu own pads\n", l.n, json_array_size(ids));
	lat_print("pad.list walk page", &l);
}

static void
bench_get(struct ts_client *c, json_t *ids)
{
	struct lat l = lat_new((size_t)iterations);
	unsigned rng = 12345;

	for (int i = 0; i < iterations; i++) {
		json_t *id = json_array_get(ids, (size_t)rand_r(&rng) %
		                                     json_array_size(ids));

		free(timed(c, &l, "pad.get", json_pack("{s:O}", "id", id)));
	}
	lat_print("pad.get", &l);
}

int
main(int argc, char **argv)
{
	const char *user = NULL, *password = NULL;
	struct ts_client *c;
	json_t *ids = json_array();
	int port = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--user") == 0)
			user = argv[i + 1];
		else if (strcmp(argv[i], "--password") == 0)
			password = argv[i + 1];
		else if (strcmp(argv[i], "--iterations") == 0)
			iterations = atoi(argv[i + 1]);
	}
	if (port == 0 || user == NULL || password == NULL || iterations < 1) {
		fprintf(stderr, "usage: bench_pad_list --port P --user U "
		                "--password PW [--iterations N]\n");
		return 2;
	}
	c = ts_client_connect(port);
	if (c == NULL || ts_login(c, user, password) != 0) {
		fprintf(stderr, "cannot sign in as %s on port %d\n", user,
		        port);
		return 1;
	}
	/* Warm up: every statement prepared, caches loaded. */
	for (int i = 0; i < 20; i++)
		json_decref(ts_call(c, "pad.list", NULL));
	bench_first_page(c, "pad.list created", NULL, NULL);
	bench_first_page(c, "pad.list updated", "updated", NULL);
	bench_first_page(c, "pad.list name", "name", NULL);
	bench_first_page(c, "pad.list q=\"ote 12\"", NULL, "ote 12");
	bench_first_page(c, "pad.list q=\"zzzz\"", NULL, "zzzz");
	bench_walk(c, ids);
	bench_get(c, ids);
	json_decref(ids);
	ts_client_free(c);
	return 0;
}
