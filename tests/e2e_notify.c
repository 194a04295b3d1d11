/*
 * padlined under systemd's Type=notify, without systemd: the test binds the
 * unix datagram socket a service manager would, points NOTIFY_SOCKET at it
 * and reads what padlined says: READY=1 once it accepts connections,
 * WATCHDOG=1 pings while WATCHDOG_USEC is set, STOPPING=1 on SIGTERM.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsupport.h"

#define WAIT_MS 60000 /* only catches a hang */

struct listener {
	int fd;
	char dir[64];
	char path[96];
};

static void
listener_open(struct listener *l)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(l->dir, sizeof l->dir, "/tmp/pl-notify-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(l->dir));
	snprintf(l->path, sizeof l->path, "%s/notify", l->dir);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", l->path);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(l->fd, 0);
	ck_assert_int_eq(bind(l->fd, (struct sockaddr *)&sa, sizeof sa), 0);
}

static void
listener_close(struct listener *l)
{
	close(l->fd);
	unlink(l->path);
	rmdir(l->dir);
}

/*
 * Reads datagrams until one has the line `want` (e.g. "READY=1"); counts
 * the WATCHDOG=1 pings seen on the way into *pings. Returns 1 when found,
 * 0 after WAIT_MS.
 */
static int
listener_wait(struct listener *l, const char *want, int *pings)
{
	long long deadline = ts_now_ms() + WAIT_MS;
	char buf[4096];

	while (ts_now_ms() < deadline) {
		struct pollfd p = {.fd = l->fd, .events = POLLIN};
		ssize_t n;
		int found = 0;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		if ((n = recv(l->fd, buf, sizeof buf - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		for (char *save = NULL, *line = strtok_r(buf, "\n", &save);
		     line; line = strtok_r(NULL, "\n", &save)) {
			if (pings && strcmp(line, "WATCHDOG=1") == 0)
				(*pings)++;
			if (strcmp(line, want) == 0)
				found = 1;
		}
		if (found)
			return 1;
	}
	return 0;
}

/* After our own SIGTERM: waits for the exit (a second SIGTERM, as
 * ts_server_stop sends, could land after the handlers are gone). */
static int
server_exit_status(struct ts_server *srv)
{
	int status = ts_server_wait(srv);

	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(ready_watchdog_stopping)
{
	struct ts_server srv;
	struct listener l;
	char schema[64], sock_env[160];
	const char *env[3];
	struct ts_client *c;
	json_t *r;
	int pings = 0;

	listener_open(&l);
	snprintf(sock_env, sizeof sock_env, "NOTIFY_SOCKET=%s", l.path);
	env[0] = sock_env;
	env[1] = "WATCHDOG_USEC=200000";
	env[2] = NULL;
	ts_unique_schema("notify", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, env, NULL), 0);

	ck_assert_msg(listener_wait(&l, "READY=1", &pings),
	              "no READY=1 from padlined");
	/* Ready means serving: a request is answered. */
	c = ts_client_connect(srv.port);
	ck_assert_ptr_nonnull(c);
	r = ts_call(c, "server.health", NULL);
	ck_assert_ptr_nonnull(ts_result(r));
	json_decref(r);
	ts_client_free(c);

	/* Two pings, wherever they fell: the loop keeps pinging. */
	while (pings < 2)
		ck_assert_msg(listener_wait(&l, "WATCHDOG=1", &pings),
		              "no WATCHDOG=1 pings (saw %d)", pings);

	ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
	ck_assert_msg(listener_wait(&l, "STOPPING=1", NULL),
	              "no STOPPING=1 after SIGTERM");
	ck_assert_int_eq(server_exit_status(&srv), 0);
	listener_close(&l);
	ts_db_drop_schema(schema);
}
END_TEST

START_TEST(no_watchdog_no_pings)
{
	struct ts_server srv;
	struct listener l;
	char schema[64], sock_env[160];
	const char *env[2];
	int pings = 0;

	listener_open(&l);
	snprintf(sock_env, sizeof sock_env, "NOTIFY_SOCKET=%s", l.path);
	env[0] = sock_env;
	env[1] = NULL;
	ts_unique_schema("notify", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, env, NULL), 0);
	ck_assert(listener_wait(&l, "READY=1", &pings));
	ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
	ck_assert(listener_wait(&l, "STOPPING=1", &pings));
	ck_assert_int_eq(pings, 0);
	ck_assert_int_eq(server_exit_status(&srv), 0);
	listener_close(&l);
	ts_db_drop_schema(schema);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("sd_notify");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, ready_watchdog_stopping);
	tcase_add_test(tc, no_watchdog_no_pings);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
