/*
 * Read-only mode (tui/readonly.c): which methods a read-only console may
 * call, that a write is refused before a byte leaves the client (a real
 * socket listens and sees only the read), and PADLINE_READONLY's values.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "idempotency.h"
#include "readonly.h"
#include "rpc_client.h"
#include "tsupport.h"

START_TEST(reads_pass_writes_do_not)
{
	static const char *const writes[] = {
	    "user.update",      "user.delete",    "user.approve",
	    "user.reject",      "user.bulk",      "rule.put",
	    "rule.delete",      "pad.purge",      "pad.undelete",
	    "pad.import",       "session.revoke", "user.totp_begin",
	    "user.totp_enable", "session.reauth", "no.such_method",
	    "user.bulk_undo",
	};
	const char *m;

	ck_assert(readonly_allows("server.hello"));
	ck_assert(readonly_allows("session.resume"));
	ck_assert(readonly_allows("user.list"));
	ck_assert(readonly_allows("signup.attempts"));
	ck_assert(readonly_allows("events.since"));
	/* The console's drill-down reads (an account's timeline). */
	ck_assert(readonly_allows("user.timeline"));
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
		ck_assert_msg(!readonly_allows(writes[i]), "%s allowed",
		              writes[i]);
	/* Every write the protocol lists for safe retries. */
	for (size_t i = 0; (m = pl_idempotent_method_at(i)); i++)
		ck_assert_msg(!readonly_allows(m), "%s allowed", m);
	ck_assert(!readonly_allows(NULL));
}
END_TEST

START_TEST(env_values)
{
	struct pl_error err;

	pl_error_init(&err);
	unsetenv("PADLINE_READONLY");
	ck_assert_int_eq(readonly_check_env(&err), 0);
	ck_assert(!readonly_on());
	setenv("PADLINE_READONLY", "0", 1);
	ck_assert_int_eq(readonly_check_env(&err), 0);
	ck_assert(!readonly_on());
	setenv("PADLINE_READONLY", "yes", 1);
	ck_assert_int_ne(readonly_check_env(&err), 0);
	ck_assert_ptr_nonnull(strstr(err.message, "PADLINE_READONLY"));
	pl_error_clear(&err);
	readonly_set();
	ck_assert_int_eq(readonly_check_env(&err), 0);
	ck_assert(readonly_on());
	unsetenv("PADLINE_READONLY");
}
END_TEST

struct answer {
	int called;
	int code;
	char reason[32];
};

static void
on_answer(void *ud, json_t *result, const struct pl_error *err)
{
	struct answer *a = ud;

	(void)result;
	a->called = 1;
	a->code = err->code;
	snprintf(a->reason, sizeof a->reason, "%s", err->reason);
}

/* Reads what the client sent into buf until it holds want, running the
 * loop meanwhile; returns what was read. */
static size_t
read_until(uv_loop_t *loop, int ls, int *conn, char *buf, size_t size,
           const char *want)
{
	size_t len = 0;

	for (int i = 0; i < TS_PATIENCE_MS / 10; i++) {
		struct pollfd p = {*conn >= 0 ? *conn : ls, POLLIN, 0};

		uv_run(loop, UV_RUN_NOWAIT);
		if (poll(&p, 1, 10) <= 0)
			continue;
		if (*conn < 0) {
			*conn = accept(ls, NULL, NULL);
			continue;
		}
		ssize_t n = read(*conn, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, want))
			break;
	}
	return len;
}

START_TEST(write_is_refused_before_sending)
{
	uv_loop_t loop;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t salen = sizeof sa;
	int ls = socket(AF_INET, SOCK_STREAM, 0), conn = -1;
	struct rpc_client *c;
	struct answer refused = {0}, read = {0};
	char buf[4096] = "";

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	getsockname(ls, (struct sockaddr *)&sa, &salen);
	uv_loop_init(&loop);
	c = rpc_client_new(&loop, "127.0.0.1", ntohs(sa.sin_port));
	readonly_set();
	rpc_send(c, "user.update",
	         json_pack("{s:s, s:b}", "id", "u1", "disabled", 1), on_answer,
	         &refused);
	/* Answered as a reply would be: later, not inside rpc_send. */
	ck_assert_int_eq(refused.called, 0);
	rpc_send(c, "server.hello", NULL, on_answer, &read);
	read_until(&loop, ls, &conn, buf, sizeof buf, "server.hello");
	ck_assert_int_eq(refused.called, 1);
	ck_assert_int_eq(refused.code, PL_ERR_FORBIDDEN);
	ck_assert_str_eq(refused.reason, "read_only");
	ck_assert_ptr_nonnull(strstr(buf, "server.hello"));
	ck_assert_ptr_null(strstr(buf, "user.update"));
	unsetenv("PADLINE_READONLY");
	rpc_client_free(c);
	uv_run(&loop, UV_RUN_NOWAIT);
	if (conn >= 0)
		close(conn);
	close(ls);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_readonly");
	TCase *tc = tcase_create("readonly");

	tcase_add_test(tc, reads_pass_writes_do_not);
	tcase_add_test(tc, env_values);
	tcase_add_test(tc, write_is_refused_before_sending);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
