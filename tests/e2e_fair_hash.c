/* Hash admission is fair across peer networks: with one hash slot and slow
 * argon2id, a login from another network waits for at most one more hash of
 * a peer that queued many, instead of for the whole backlog (the login
 * storm of issue 10). Proved by the order replies arrive in, never by time. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tsupport.h"

#define NA 10 /* logins queued by the busy network */

/* A connection to port from source address src. */
static int
connect_from(const char *src, int port)
{
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port)};
	struct sockaddr_in from = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	inet_pton(AF_INET, src, &from.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
	return fd;
}

static void
send_login(int fd, const char *user)
{
	char line[256];
	int n = snprintf(line, sizeof line,
	                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	                 "\"session.login\",\"params\":{\"username\":\"%s\","
	                 "\"password\":\"%s\"}}\n",
	                 user, TS_PASSWORD);

	ck_assert_int_eq(send(fd, line, (size_t)n, MSG_NOSIGNAL), n);
}

/* Waits for the next whole reply line on any of fds[0..n) still open
 * (done[i] == 0); checks it is a successful login, marks it done and
 * returns its index. */
static int
next_reply(const int *fds, int *done, int n, char (*buf)[512], size_t *got)
{
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	for (;;) {
		struct pollfd p[NA + 1];
		int np = 0, map[NA + 1];

		for (int i = 0; i < n; i++)
			if (!done[i]) {
				p[np] = (struct pollfd){.fd = fds[i],
				                        .events = POLLIN};
				map[np++] = i;
			}
		ck_assert_msg(ts_now_ms() < deadline, "replies never came");
		if (poll(p, (nfds_t)np, 1000) <= 0)
			continue;
		for (int k = 0; k < np; k++) {
			int i = map[k];
			ssize_t r;

			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(fds[i], buf[i] + got[i],
			         sizeof buf[i] - 1 - got[i], 0);
			ck_assert_msg(r > 0, "connection %d closed", i);
			got[i] += (size_t)r;
			buf[i][got[i]] = '\0';
			if (memchr(buf[i], '\n', got[i])) {
				json_t *j = json_loads(buf[i], 0, NULL);

				ck_assert_msg(j && ts_error_code(j) == 0,
				              "login %d failed: %s", i, buf[i]);
				json_decref(j);
				done[i] = 1;
				return i;
			}
		}
	}
}

START_TEST(other_network_waits_one_hash_not_the_backlog)
{
	const char *env[] = {"PADLINE_HASH_CONCURRENCY=1",
	                     "PADLINE_LOGIN_MAX_FAILURES=1000",
	                     "PADLINE_LOGIN_MAX_FAILURES_IP=1000", NULL};
	char sch[64], buf[NA + 1][512];
	size_t got[NA + 1] = {0};
	int fds[NA + 1], done[NA + 1] = {0}, b = NA, a_after_b = 0, b_seen = 0;
	struct ts_server s;

	/* Slow hashing, for the server and for create-user alike (the
	 * stored hash carries its cost), so the busy network's backlog is
	 * still queued when the other login arrives. */
	setenv("PADLINE_PWHASH_OPSLIMIT", "2", 1);
	setenv("PADLINE_PWHASH_MEMLIMIT", "33554432", 1);
	ts_unique_schema("fairhash", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(sch, "busy_a", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(ts_create_user(sch, "quiet_b", TS_PASSWORD, 0), 0);

	/* Network A is 127.0.0.0/24, B is 127.0.1.0/24. */
	for (int i = 0; i < NA; i++)
		fds[i] = connect_from("127.0.0.1", s.port);
	fds[b] = connect_from("127.0.1.2", s.port);
	for (int i = 0; i < NA; i++)
		send_login(fds[i], "busy_a");
	/* Once A's first hash has finished, the rest of A's logins are in
	 * the queue (or on their way to it); only then does B ask. */
	ck_assert_int_lt(next_reply(fds, done, NA, buf, got), NA);
	send_login(fds[b], "quiet_b");
	for (int n = 1; n < NA + 1; n++) {
		if (next_reply(fds, done, NA + 1, buf, got) == b)
			b_seen = 1;
		else if (b_seen)
			a_after_b++;
	}
	/* Round-robin: B's hash follows the running one and at most one more
	 * of A's, so most of A's backlog answers after B. First-come first-
	 * served answers B last. */
	ck_assert_msg(a_after_b >= NA / 2,
	              "only %d of A's %d logins answered after B's", a_after_b,
	              NA);
	for (int i = 0; i < NA + 1; i++)
		close(fds[i]);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_fair_hash");
	TCase *tc = tcase_create("fair_hash");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, other_network_waits_one_hash_not_the_backlog);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
