/*
 * One connection, one pad, N pad.get (default 100) asked two ways in
 * alternating rounds of the same run: N pipelined request lines sent in one
 * write, then the same N as one JSON-RPC batch line. Prints the time to the
 * last answer (p50/p99 over the rounds) and requests per second for each.
 *   bench_batch --port P --user U --password PW [--n N] [--rounds R]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *buf;
static size_t have, cap = 1 << 20;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until `lines` newlines arrived; buf holds them all. */
static int
read_lines(int fd, int lines)
{
	have = 0;
	while (lines > 0) {
		ssize_t n;

		if (cap - have < 65536)
			buf = realloc(buf, cap *= 2);
		if ((n = recv(fd, buf + have, cap - have - 1, 0)) <= 0)
			return -1;
		for (ssize_t i = 0; i < n; i++)
			lines -= buf[have + (size_t)i] == '\n';
		have += (size_t)n;
	}
	buf[have] = '\0';
	return 0;
}

static int
count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void
report(const char *what, long long *us, int rounds, int n)
{
	qsort(us, (size_t)rounds, sizeof *us, cmp_ll);
	printf("%-26s p50 %7.2f ms  p99 %7.2f ms  %8.0f pad.get/s\n", what,
	       us[rounds / 2] / 1e3, us[rounds * 99 / 100] / 1e3,
	       n / (us[rounds / 2] / 1e6));
}

int
main(int argc, char **argv)
{
	int port = 0, n = 100, rounds = 50, fd, one = 1;
	const char *user = NULL, *password = NULL;
	struct sockaddr_in a = {.sin_family = AF_INET};
	char req[1024], id[64], *p, *lines, *batch;
	long long *piped, *batched;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--user"))
			user = argv[i + 1];
		else if (!strcmp(argv[i], "--password"))
			password = argv[i + 1];
		else if (!strcmp(argv[i], "--n"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
	}
	if (!port || !user || !password || n < 1 || rounds < 1) {
		fprintf(stderr, "usage: bench_batch --port P --user U "
		                "--password PW [--n N] [--rounds R]\n");
		return 2;
	}
	buf = malloc(cap);
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return perror("connect"), 1;
	snprintf(req, sizeof req,
	         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.login\","
	         "\"params\":{\"username\":\"%s\",\"password\":\"%s\"}}\n"
	         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"pad.create\","
	         "\"params\":{\"display_name\":\"batch bench %d\",\"data\":"
	         "{\"text\":\"hello pad\"}}}\n",
	         user, password, (int)getpid());
	if (send_all(fd, req, strlen(req)) || read_lines(fd, 2) ||
	    count(buf, "\"result\"") != 2 ||
	    (p = strstr(buf, "\"pad\":{")) == NULL ||
	    (p = strstr(p, "\"id\":\"")) == NULL) {
		fprintf(stderr, "sign in / pad.create failed: %.300s\n", buf);
		return 1;
	}
	snprintf(id, sizeof id, "%.36s", p + 6);
	lines = malloc((size_t)n * 128 + 4);
	batch = malloc((size_t)n * 128 + 4);
	p = lines;
	for (int i = 0; i < n; i++)
		p += sprintf(p,
		             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
		             "\"pad.get\",\"params\":{\"id\":\"%s\"}}\n",
		             i, id);
	p = batch;
	*p++ = '[';
	for (int i = 0; i < n; i++)
		p += sprintf(p,
		             "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
		             "\"pad.get\",\"params\":{\"id\":\"%s\"}}",
		             i ? "," : "", i, id);
	strcpy(p, "]\n");
	piped = calloc((size_t)rounds, sizeof *piped);
	batched = calloc((size_t)rounds, sizeof *batched);
	for (int r = 0; r < rounds; r++) {
		long long t0 = now_us();

		if (send_all(fd, lines, strlen(lines)) || read_lines(fd, n) ||
		    count(buf, "\"result\"") != n) {
			fprintf(stderr, "pipelined round failed: %.300s\n",
			        buf);
			return 1;
		}
		piped[r] = now_us() - t0;
		t0 = now_us();
		if (send_all(fd, batch, strlen(batch)) || read_lines(fd, 1) ||
		    count(buf, "\"result\"") != n) {
			fprintf(stderr, "batch round failed: %.300s\n", buf);
			return 1;
		}
		batched[r] = now_us() - t0;
	}
	printf("%d pad.get on one connection, %d rounds of each:\n", n, rounds);
	report("pipelined lines:", piped, rounds, n);
	report("one batch:", batched, rounds, n);
	close(fd);
	free(lines);
	free(batch);
	free(piped);
	free(batched);
	free(buf);
	return 0;
}
