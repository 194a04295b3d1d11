/*
 * Many idle connections: opens N connections to a padlined (raising the fd
 * limit), keeps them open, then measures server.health latency on one more
 * connection while they are held and reads padlined's RSS from /proc. Then
 * opens more until the server refuses one, to show it does so cleanly.
 *   bench_conns --port P --pid PID [--conns N] [--probes K]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_net.h"

/* Sends one request and reads one reply line; returns its length or -1. */
static int
roundtrip(int fd, const char *req, char *buf, size_t size, int timeout_ms)
{
	size_t got = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (req && send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return -1;
	while (got < size - 1) {
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = recv(fd, buf + got, size - 1 - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (memchr(buf, '\n', got))
			return (int)got;
	}
	return -1;
}

static long
rss_kb(int pid, const char *field)
{
	char path[64], line[256];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int port = 0, pid = 0, conns = 10000, probes = 2000;
	struct rlimit rl;
	int *fds, opened = 0, refused_cleanly = 0;
	long long *lat, t0;
	char buf[4096];
	static const char health[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\"}\n";

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pid"))
			pid = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--conns"))
			conns = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--probes"))
			probes = atoi(argv[i + 1]);
	}
	if (port == 0 || pid == 0) {
		fprintf(stderr, "usage: bench_conns --port P --pid PID "
		                "[--conns N] [--probes K]\n");
		return 2;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	fds = calloc((size_t)conns + 16, sizeof *fds);
	lat = calloc((size_t)probes, sizeof *lat);
	printf("padlined pid %d: RSS before %ld KiB\n", pid,
	       rss_kb(pid, "VmRSS"));
	t0 = bench_now_us();
	for (; opened < conns; opened++)
		if ((fds[opened] = bench_connect(port, 0)) < 0) {
			fprintf(stderr, "connect %d failed: %s\n", opened,
			        strerror(errno));
			break;
		}
	printf("opened %d idle connections in %.2f s\n", opened,
	       (double)(bench_now_us() - t0) / 1e6);
	/* Let the server accept them all before probing. */
	sleep(2);
	int probe = bench_connect(port, 0);
	int ok = 0;

	for (int i = 0; i < probes && probe >= 0; i++) {
		long long s = bench_now_us();

		if (roundtrip(probe, health, buf, sizeof buf, 5000) < 0 ||
		    strstr(buf, "\"result\"") == NULL) {
			printf("probe %d failed: %s\n", i, buf);
			break;
		}
		lat[ok++] = bench_now_us() - s;
	}
	qsort(lat, (size_t)ok, sizeof *lat, cmp_ll);
	if (ok > 0)
		printf(
		    "server.health with %d idle connections held: %d probes, "
		    "p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		    opened, ok, lat[ok / 2] / 1e3, lat[ok * 99 / 100] / 1e3,
		    lat[ok - 1] / 1e3);
	printf("padlined RSS while holding them: %ld KiB (peak %ld KiB)\n",
	       rss_kb(pid, "VmRSS"), rss_kb(pid, "VmHWM"));
	/* One past the maximum: expect a 503 line and a close, not a hang. */
	for (int extra = 0; extra < 16; extra++) {
		int fd = bench_connect(port, 0);

		if (fd < 0)
			break;
		if (roundtrip(fd, NULL, buf, sizeof buf, 2000) > 0 &&
		    strstr(buf, "too_many_connections")) {
			refused_cleanly = 1;
			close(fd);
			break;
		}
		fds[opened++] = fd;
	}
	printf("beyond the maximum: %s\n",
	       refused_cleanly ? "refused with 503 too_many_connections"
	                       : "no refusal seen (maximum not reached)");
	for (int i = 0; i < opened; i++)
		close(fds[i]);
	if (probe >= 0)
		close(probe);
	free(fds);
	free(lat);
	return ok == probes ? 0 : 1;
}
