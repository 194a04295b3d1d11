/*
 * `padline watch`: one line per new user and per signup alarm as events
 * arrive, for logs and pipes, kept to those its --filter matches (the lines
 * are watch_line.c's). Needs an admin session: PADLINE_TOKEN,
 * else the TUI's session saved for this server, else a login asked on the
 * tty.
 * The events come from the shared feed (feed.c): Redis, backfilled and
 * de-duplicated, polling events.since while Redis is unreachable; messages
 * not signed by the server's key are dropped and counted on stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app.h"
#include "feed.h"
#include "protocol.h"
#include "probe.h"
#include "session_file.h"
#include "sub.h"
#include "term_safe.h"
#include "tls_pin.h"
#include "trust.h"
#include "watch.h"
#include "xalloc.h"

struct watch {
	uv_loop_t *loop;
	struct rpc_client *rpc;
	struct feed *feed;
	char token[256];
	char redis_url[512];
	char server[300];
	struct watch_opts opts; /* the filter is borrowed from the caller */
	int out_failed;         /* standard output failed: write no more */
	int announced;
	enum feed_mode said; /* the last mode reported on stderr */
	unsigned long said_dropped, said_replayed; /* reported on stderr */
	int rc;
	json_t *session_params; /* the login or resume call, for retries */
	const char *session_method;
	int session_tries;
	int from_file; /* the token came from the saved session */
	uv_timer_t session_retry;
	uv_signal_t sig[3];
	struct probe probe; /* padlined answering? said on stderr */
	int probing;
};

static void watch_fail(struct watch *w, int rc);

static void
on_event(void *ud, json_t *ev)
{
	struct watch *w = ud;
	char *line = watch_event_line(ev, w->opts.format, w->opts.filter,
	                              w->opts.alarms_only);

	if (!line || w->out_failed) {
		free(line);
		return;
	}
	errno = 0;
	printf(w->opts.format == WATCH_CSV ? "%s\r\n" : "%s\n", line);
	free(line);
	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	w->out_failed = 1;
	/* The reader went away (`| head`): nobody is left to tell. Any
	 * other failure (a full disk) loses lines: an error. */
	if (errno == EPIPE) {
		watch_fail(w, WATCH_EXIT_CLOSED);
		return;
	}
	fprintf(stderr, "padline watch: cannot write: %s\n",
	        strerror(errno ? errno : EIO));
	watch_fail(w, WATCH_EXIT_ERROR);
}

/* One line on stderr for each message dropped, with the count so far. */
static void
say_dropped(struct watch *w)
{
	unsigned long dropped, replayed;

	feed_dropped(w->feed, &dropped, &replayed);
	if (dropped != w->said_dropped)
		fprintf(stderr,
		        "padline watch: %lu unsigned event%s dropped (not "
		        "signed by the server's key)\n",
		        dropped, dropped == 1 ? "" : "s");
	if (replayed != w->said_replayed)
		fprintf(stderr,
		        "padline watch: %lu replayed event%s dropped (signed, "
		        "but from before the watch)\n",
		        replayed, replayed == 1 ? "" : "s");
	w->said_dropped = dropped;
	w->said_replayed = replayed;
}

/* Says what the feed is doing when it changes: "watching" once nothing can
 * be missed, why Redis is unreachable, when it is back; and what it drops. */
static void
on_state(void *ud)
{
	struct watch *w = ud;
	enum feed_mode m;
	char why[400];

	if (!w->feed) /* still in feed_new */
		return;
	say_dropped(w);
	m = feed_mode(w->feed);
	if (m == w->said)
		return;
	if (m == FEED_POLLING) {
		feed_problem(w->feed, why, sizeof why);
		term_safe_println(stderr,
		                  "padline watch: Redis unreachable (%s); "
		                  "polling events.since every %d s",
		                  why, FEED_POLL_MS / 1000);
	} else if (m == FEED_LIVE) {
		fprintf(stderr, "padline watch: %s\n",
		        w->announced ? "Redis is back: live again"
		                     : "watching for new users");
		w->announced = 1;
	}
	w->said = m;
}

static json_t *
resume_params(void *ud)
{
	struct watch *w = ud;

	return w->token[0] ? json_pack("{s:s}", "token", w->token) : NULL;
}

static void on_session(void *, json_t *, const struct pl_error *);

static void
session_start(struct watch *w, const char *method, json_t *params)
{
	json_decref(w->session_params);
	w->session_method = method;
	w->session_params = params;
	rpc_send(w->rpc, method, json_deep_copy(params), on_session, w);
}

static void
on_session_retry(uv_timer_t *t)
{
	struct watch *w = t->data;

	rpc_send(w->rpc, w->session_method, json_deep_copy(w->session_params),
	         on_session, w);
}

static int
prompt(FILE *tty, const char *label, char *buf, size_t size, int secret)
{
	struct termios old, quiet;
	int fd = fileno(tty), hidden = 0;

	fprintf(tty, "%s", label);
	fflush(tty);
	if (secret && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		hidden = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (!fgets(buf, (int)size, tty))
		buf[0] = '\0';
	if (hidden) {
		tcsetattr(fd, TCSAFLUSH, &old);
		fprintf(tty, "\n");
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? 0 : -1;
}

/* Asks for a login on the terminal; returns 0 once the call is made. */
static int
login_on_tty(struct watch *w)
{
	char user[128], pass[PASSWORD_MAX + 2];
	FILE *tty = fopen("/dev/tty", "r+");

	if (!tty) {
		fprintf(stderr, "padline watch: no saved session and no tty to "
		                "ask for a login (sign in with padline, or set "
		                "PADLINE_TOKEN)\n");
		return -1;
	}
	if (prompt(tty, "Admin username: ", user, sizeof user, 0) ||
	    prompt(tty, "Password: ", pass, sizeof pass, 1)) {
		fclose(tty);
		return -1;
	}
	fclose(tty);
	w->from_file = 0;
	session_start(
	    w, "session.login",
	    json_pack("{s:s, s:s}", "username", user, "password", pass));
	memset(pass, 0, sizeof pass);
	return 0;
}

static void
on_probe_changed(void *ud, int up)
{
	struct watch *w = ud;

	if (up)
		term_safe_println(stderr,
		                  "padline watch: padlined at %s "
		                  "answers again",
		                  w->server);
	else
		term_safe_println(stderr,
		                  "padline watch: padlined at %s "
		                  "is unreachable (not answering)",
		                  w->server);
}

static void
watch_fail(struct watch *w, int rc)
{
	w->rc = rc;
	uv_stop(w->loop);
}

/* The channel to subscribe to is the one the server publishes on. */
static void
on_hello(void *ud, json_t *result, const struct pl_error *err)
{
	struct watch *w = ud;
	char *pin, why[400];

	if (err->code) {
		term_safe_println(stderr, "padline watch: %s", err->message);
		watch_fail(w, WATCH_EXIT_ERROR);
		return;
	}
	pin = tls_pin_path();
	w->feed = feed_new(w->loop, w->rpc, w->redis_url, w->server, result,
	                   pin, w->opts.since, on_event, on_state, w);
	free(pin);
	if (!w->feed) {
		fprintf(stderr, "padline watch: bad Redis URL\n");
		watch_fail(w, WATCH_EXIT_USAGE);
	} else if (feed_mode(w->feed) == FEED_REFUSED) {
		/* As a changed certificate is: loudly, and nothing shown. */
		feed_problem(w->feed, why, sizeof why);
		fprintf(stderr, "padline watch: %s\n", why);
		watch_fail(w, WATCH_EXIT_UNTRUSTED);
	} else if (!w->probing) {
		w->probing = 1;
		probe_start(&w->probe, w->loop, w->rpc, on_probe_changed, w);
	}
}

static void
on_session(void *ud, json_t *result, const struct pl_error *err)
{
	struct watch *w = ud;
	const char *token = json_string_value(json_object_get(result, "token"));

	if (err->code == PL_ERR_UNAVAILABLE && w->session_tries++ < 60) {
		/* padlined or its database restarting: wait, do not give up. */
		if (w->session_tries == 1)
			term_safe_println(stderr, "padline watch: %s; retrying",
			                  err->message);
		uv_timer_start(&w->session_retry, on_session_retry, 1000, 0);
		return;
	}
	if (err->code == PL_ERR_UNAUTHORIZED && w->from_file) {
		/* The saved session ended: ask, as the TUI would. */
		if (login_on_tty(w))
			watch_fail(w, WATCH_EXIT_NO_SESSION);
		return;
	}
	if (err->code == PL_ERR_UNAUTHORIZED) {
		term_safe_println(stderr, "padline watch: not signed in: %s",
		                  err->message);
		watch_fail(w, WATCH_EXIT_NO_SESSION);
		return;
	}
	if (err->code) {
		term_safe_println(stderr, "padline watch: %s", err->message);
		watch_fail(w, WATCH_EXIT_ERROR);
		return;
	}
	if (token)
		snprintf(w->token, sizeof w->token, "%s", token);
	if (!user_has_role(json_object_get(result, "user"), "admin")) {
		fprintf(stderr,
		        "padline watch: needs an administrator account\n");
		watch_fail(w, WATCH_EXIT_NOT_ADMIN);
		return;
	}
	rpc_send(w->rpc, "server.hello", NULL, on_hello, w);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct watch *w = s->data;

	w->rc = 128 + signum;
	uv_stop(w->loop);
}

int
watch_run(const char *server, const char *redis_url,
          const struct watch_opts *opts)
{
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	const char *env = getenv("PADLINE_TOKEN");
	struct watch *w;
	char host[256], saved[256];
	int port, rc;

	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT)) {
		fprintf(stderr, "padline: bad server address '%s'\n", server);
		return WATCH_EXIT_USAGE;
	}
	if (opts->format == WATCH_CSV) {
		/* First, so a file of no events still names its columns. */
		char *head = watch_csv_header();

		printf("%s\r\n", head);
		fflush(stdout);
		free(head);
	}
	w = xcalloc(1, sizeof *w);
	w->loop = uv_default_loop();
	w->opts = *opts;
	w->said = FEED_STARTING;
	snprintf(w->redis_url, sizeof w->redis_url, "%s",
	         redis_url ? redis_url : "");
	snprintf(w->server, sizeof w->server, "%s", server);
	w->rpc = rpc_client_new(w->loop, host, port);
	if (rpc_client_tls_for(w->rpc, server) != 0) {
		rpc_client_free(w->rpc);
		free(w);
		return WATCH_EXIT_USAGE;
	}
	rpc_client_on_connect(w->rpc, resume_params, w);
	uv_timer_init(w->loop, &w->session_retry);
	w->session_retry.data = w;
	if (session_drop_legacy())
		fprintf(stderr, "padline watch: the old saved session was "
		                "removed (it named no server)\n");
	if (env && *env) {
		snprintf(w->token, sizeof w->token, "%s", env);
		session_start(w, "session.resume",
		              json_pack("{s:s}", "token", env));
	} else if (session_load(server, saved, sizeof saved) == 0) {
		/* The TUI's saved session of this server: no token in the
		 * shell history. */
		w->from_file = 1;
		snprintf(w->token, sizeof w->token, "%s", saved);
		session_start(w, "session.resume",
		              json_pack("{s:s}", "token", saved));
	} else if (login_on_tty(w)) {
		rpc_client_free(w->rpc);
		free(w);
		return WATCH_EXIT_NO_SESSION;
	}
	for (int i = 0; i < 3; i++) {
		uv_signal_init(w->loop, &w->sig[i]);
		w->sig[i].data = w;
		uv_signal_start(&w->sig[i], on_signal, sigs[i]);
		uv_unref((uv_handle_t *)&w->sig[i]);
	}
	uv_run(w->loop, UV_RUN_DEFAULT);
	feed_free(w->feed);
	if (w->probing)
		probe_stop(&w->probe);
	rpc_client_free(w->rpc);
	json_decref(w->session_params);
	rc = w->rc;
	uv_close((uv_handle_t *)&w->session_retry, NULL);
	for (int i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&w->sig[i], NULL);
	uv_run(w->loop, UV_RUN_NOWAIT);
	free(w);
	return rc;
}
