/*
 * Hostile load: N connections each pipelining L big user.register lines
 * (about 1 MiB each, a bogus form token, so each is refused) while S
 * connections log in as fast as they can (a login storm), and one normal
 * client signs in again and again. Prints the normal client's login
 * latency p50/p99 during it and padlined's peak RSS (VmHWM). Hostile and
 * storm connections come from many 127.x.y.z source addresses, as a
 * distributed attacker's would (and so within the per-address cap).
 *   bench_hostile --port P --pid PID --user U --password PW
 *                 [--storm-user U2 --storm-password PW2] [--conns N]
 *                 [--lines L] [--line-bytes B] [--storm S] [--seconds T]
 *                 [--method M]   (the big lines' method, default
 *                                 user.register)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, conns = 1000, lines_per_conn = 4, storm = 20, seconds = 30;
static size_t line_bytes = 1000 * 1024;
static const char *user, *password, *storm_user, *storm_password;
static const char *method = "user.register";
static atomic_int stop;
static atomic_long storm_logins, hostile_answers;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
connect_from(const char *src)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port)};
	struct sockaddr_in from = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	inet_pton(AF_INET, src, &from.sin_addr);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends a line and waits for one reply line (into buf); -1 on failure. */
static int
roundtrip(int fd, const char *req, char *buf, size_t size)
{
	size_t got = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return -1;
	while (got < size - 1 && !stop) {
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((n = recv(fd, buf + got, size - 1 - got, 0)) <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (memchr(buf, '\n', got))
			return 0;
	}
	return -1;
}

static char *
login_line(const char *u, const char *pw)
{
	static const char fmt[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.login\","
	    "\"params\":{\"username\":\"%s\",\"password\":\"%s\"}}\n";
	size_t n = sizeof fmt + strlen(u) + strlen(pw);
	char *s = malloc(n);

	snprintf(s, n, fmt, u, pw);
	return s;
}

static void *
storm_run(void *arg)
{
	int idx = (int)(long)arg;
	char src[32], buf[4096], *req = login_line(storm_user, storm_password);
	int fd;

	snprintf(src, sizeof src, "127.2.%d.%d", idx / 250, idx % 250 + 1);
	if ((fd = connect_from(src)) < 0) {
		free(req);
		return NULL;
	}
	while (!stop && roundtrip(fd, req, buf, sizeof buf) == 0)
		storm_logins++;
	close(fd);
	free(req);
	return NULL;
}

struct hconn {
	int fd;
	size_t sent;  /* bytes of all lines sent */
	int answered; /* reply lines read */
};

/* One thread drives every hostile connection with poll(). */
static void *
hostile_run(void *arg)
{
	struct hconn *h = calloc((size_t)conns, sizeof *h);
	struct pollfd *p = calloc((size_t)conns, sizeof *p);
	size_t head_len, line_len, total;
	char *line = malloc(line_bytes + 256), junk[65536];

	(void)arg;
	head_len = (size_t)sprintf(
	    line,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\","
	    "\"params\":{\"form_token\":\"bogus\",\"username\":"
	    "\"hostile\",\"password\":\"Hostile-Passw0rd!\",\"pad\":\"",
	    method);
	memset(line + head_len, 'h', line_bytes);
	line_len = head_len + line_bytes;
	line_len += (size_t)sprintf(line + line_len, "\"}}\n");
	total = line_len * (size_t)lines_per_conn;
	for (int i = 0; i < conns; i++) {
		char src[32];
		int g = i / 32; /* 32 connections per source address */

		snprintf(src, sizeof src, "127.1.%d.%d", g / 250, g % 250 + 1);
		h[i].fd = connect_from(src);
		if (h[i].fd >= 0)
			fcntl(h[i].fd, F_SETFL, O_NONBLOCK);
		p[i].fd = h[i].fd;
	}
	while (!stop) {
		for (int i = 0; i < conns; i++)
			p[i].events =
			    POLLIN | (h[i].sent < total ? POLLOUT : 0);
		if (poll(p, (nfds_t)conns, 200) <= 0)
			continue;
		for (int i = 0; i < conns; i++) {
			if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				if (p[i].fd >= 0)
					close(p[i].fd);
				p[i].fd = h[i].fd = -1;
				continue;
			}
			if (p[i].revents & POLLOUT) {
				size_t off = h[i].sent % line_len;
				ssize_t n = send(h[i].fd, line + off,
				                 line_len - off, MSG_NOSIGNAL);

				if (n > 0)
					h[i].sent += (size_t)n;
			}
			if (p[i].revents & POLLIN) {
				ssize_t n = recv(h[i].fd, junk, sizeof junk, 0);

				for (ssize_t k = 0; k < n; k++)
					if (junk[k] == '\n') {
						h[i].answered++;
						hostile_answers++;
					}
			}
		}
	}
	for (int i = 0; i < conns; i++)
		if (h[i].fd >= 0)
			close(h[i].fd);
	free(h);
	free(p);
	free(line);
	return NULL;
}

static long
status_kb(int pid, const char *field)
{
	char path[64], buf[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof buf, f))
		if (strncmp(buf, field, n) == 0 && buf[n] == ':')
			kb = strtol(buf + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	int pid = 0, fd, n = 0, failed = 0;
	long long lat[100000], t_end, pending_us = 0;
	long before;
	pthread_t hostile, *stormers;
	struct rlimit rl;
	char buf[4096], *req;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--port"))
			port = atoi(v);
		else if (!strcmp(k, "--pid"))
			pid = atoi(v);
		else if (!strcmp(k, "--user"))
			user = v;
		else if (!strcmp(k, "--password"))
			password = v;
		else if (!strcmp(k, "--storm-user"))
			storm_user = v;
		else if (!strcmp(k, "--storm-password"))
			storm_password = v;
		else if (!strcmp(k, "--conns"))
			conns = atoi(v);
		else if (!strcmp(k, "--lines"))
			lines_per_conn = atoi(v);
		else if (!strcmp(k, "--line-bytes"))
			line_bytes = (size_t)atol(v);
		else if (!strcmp(k, "--storm"))
			storm = atoi(v);
		else if (!strcmp(k, "--seconds"))
			seconds = atoi(v);
		else if (!strcmp(k, "--method"))
			method = v;
	}
	if (port == 0 || pid == 0 || user == NULL || password == NULL) {
		fprintf(stderr,
		        "usage: bench_hostile --port P --pid PID --user U "
		        "--password PW [--storm-user U2 "
		        "--storm-password PW2] [--conns N] [--lines L] "
		        "[--line-bytes B] [--storm S] [--seconds T]\n");
		return 2;
	}
	if (storm_user == NULL) {
		storm_user = user;
		storm_password = password;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	before = status_kb(pid, "VmHWM");
	printf("hostile: %d connections x %d %s lines of %zu bytes, login "
	       "storm of %d connections, %d s\n",
	       conns, lines_per_conn, method, line_bytes, storm, seconds);
	pthread_create(&hostile, NULL, hostile_run, NULL);
	stormers = calloc((size_t)storm + 1, sizeof *stormers);
	for (int i = 0; i < storm; i++)
		pthread_create(&stormers[i], NULL, storm_run, (void *)(long)i);
	/* The normal client: one connection from its own address. */
	req = login_line(user, password);
	fd = connect_from("127.0.0.1");
	t_end = now_us() + (long long)seconds * 1000000;
	while (fd >= 0 && now_us() < t_end && n < 100000) {
		long long t0 = now_us();
		int rc;

		rc = roundtrip(fd, req, buf, sizeof buf);
		if (rc != 0 && now_us() >= t_end) {
			pending_us =
			    now_us() - t0; /* still waiting at the end */
			break;
		}
		if (rc != 0 || strstr(buf, "\"result\"") == NULL) {
			if (failed++ == 0)
				printf("normal login failed: %.200s\n",
				       rc ? "no answer" : buf);
			if (rc != 0)
				break;
			continue;
		}
		lat[n++] = now_us() - t0;
	}
	stop = 1;
	pthread_join(hostile, NULL);
	for (int i = 0; i < storm; i++)
		pthread_join(stormers[i], NULL);
	qsort(lat, (size_t)n, sizeof lat[0], cmp_ll);
	if (n > 0)
		printf("normal login during it: %d done, p50 %.1f ms, p99 "
		       "%.1f ms, max %.1f ms, %d failed%s",
		       n, lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3,
		       lat[n - 1] / 1e3, failed, pending_us ? "" : "\n");
	else
		printf("normal login during it: none completed%s",
		       pending_us ? "" : "\n");
	if (pending_us)
		printf(", one unanswered after %.1f ms\n", pending_us / 1e3);
	printf("storm logins answered: %ld; hostile lines answered: %ld\n",
	       (long)storm_logins, (long)hostile_answers);
	printf("padlined peak RSS (VmHWM): %ld KiB = %.1f MiB (before the "
	       "load %ld KiB)\n",
	       status_kb(pid, "VmHWM"), status_kb(pid, "VmHWM") / 1024.0,
	       before);
	if (fd >= 0)
		close(fd);
	free(req);
	free(stormers);
	return 0;
}
