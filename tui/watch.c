/*
 * `padline watch`: one line per new user as events arrive, for logs and
 * pipes (the seed's monitor_db_realtime.py). Needs an admin session (token
 * from PADLINE_TOKEN, else a login prompted on the tty); reconnects to Redis
 * with backoff and fills gaps with events.since, dropping duplicate ids.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app.h"
#include "baseline.h"
#include "protocol.h"

#define WATCH_BACKFILL 500

static struct {
	uv_loop_t *loop;
	struct rpc_client *rpc;
	struct sub *sub;
	struct dash_model *seen;
	char token[256];
	char redis_url[512];
	int json;
	int subscribed_once;
	int backfilling;
	int rc;
	uv_signal_t sig[3];
} w;

static void watch_backfill(void);

static void
print_user(json_t *ev)
{
	json_t *u = json_object_get(ev, "subject");
	struct dash_signup s;

	if (json_object_get(u, "user"))
		u = json_object_get(u, "user");
	memset(&s, 0, sizeof s);
	dash_signup_from_user(&s, u);
	if (!s.at_text[0])
		snprintf(s.at_text, sizeof s.at_text, "%s",
		         json_string_value(json_object_get(ev, "at"))
		             ? json_string_value(json_object_get(ev, "at"))
		             : "");
	if (w.json) {
		json_t *o = json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:b}", "event_id",
		    (json_int_t)json_integer_value(json_object_get(ev, "id")),
		    "time", s.at_text, "id", s.id, "username", s.username,
		    "email", s.email, "totp_enabled", s.totp);
		char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (line)
			printf("%s\n", line);
		free(line);
		json_decref(o);
	} else {
		printf("%s  %s  %s  %s  2FA:%s\n", s.at_text, s.id, s.username,
		       s.email[0] ? s.email : "-", s.totp ? "yes" : "no");
	}
	fflush(stdout);
}

static void
on_event(void *ud, json_t *ev)
{
	(void)ud;
	if (dash_add_event(w.seen, ev) == 1)
		print_user(ev);
}

static void
on_since(void *ud, json_t *result, const struct pl_error *err)
{
	json_t *events = json_object_get(result, "events");
	size_t i;
	json_t *ev;

	(void)ud;
	w.backfilling = 0;
	if (err->code) {
		fprintf(stderr, "padline watch: backfill failed: %s\n",
		        err->message);
		return;
	}
	json_array_foreach (events, i, ev)
		on_event(NULL, ev);
	if (json_array_size(events) >= WATCH_BACKFILL)
		watch_backfill();
}

static void
watch_backfill(void)
{
	if (w.backfilling || w.seen->max_id == 0)
		return;
	w.backfilling = 1;
	rpc_call(w.rpc, "events.since",
	         json_pack("{s:I, s:i}", "after", (json_int_t)w.seen->max_id,
	                   "limit", WATCH_BACKFILL),
	         on_since, NULL);
}

static void
on_baseline(void *ud, long long last)
{
	(void)ud;
	if (last > w.seen->max_id)
		w.seen->max_id = last;
}

static void
on_sub_state(void *ud, int up)
{
	(void)ud;
	if (up && !w.subscribed_once && w.seen->max_id == 0)
		baseline_find(w.rpc, on_baseline, NULL);
	if (!up) {
		fprintf(stderr,
		        "padline watch: Redis connection lost, reconnecting\n");
		return;
	}
	if (w.subscribed_once)
		watch_backfill();
	w.subscribed_once = 1;
}

static json_t *
resume_params(void *ud)
{
	(void)ud;
	return w.token[0] ? json_pack("{s:s}", "token", w.token) : NULL;
}

static int
user_is_admin(json_t *u)
{
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(u, "roles"), i, r)
		if (json_is_string(r) &&
		    strcmp(json_string_value(r), "admin") == 0)
			return 1;
	return json_is_true(json_object_get(u, "is_admin"));
}

static json_t *session_params; /* the login or resume call, for retries */
static const char *session_method;
static uv_timer_t session_retry;
static int session_tries;

static void on_session(void *, json_t *, const struct pl_error *);

/* The channel to subscribe to is the one the server publishes on. */
static void
on_hello(void *ud, json_t *result, const struct pl_error *err)
{
	(void)ud;
	if (err->code) {
		fprintf(stderr, "padline watch: %s\n", err->message);
		w.rc = 1;
		uv_stop(w.loop);
		return;
	}
	w.sub = sub_new(w.loop, w.redis_url, sub_hello_channel(result),
	                on_event, on_sub_state, NULL);
	if (!w.sub) {
		fprintf(stderr, "padline watch: bad Redis URL\n");
		w.rc = 2;
		uv_stop(w.loop);
		return;
	}
	fprintf(stderr, "padline watch: watching for new users\n");
}

static void
on_session_retry(uv_timer_t *t)
{
	(void)t;
	rpc_call(w.rpc, session_method, json_deep_copy(session_params),
	         on_session, NULL);
}

static void
on_session(void *ud, json_t *result, const struct pl_error *err)
{
	const char *token = json_string_value(json_object_get(result, "token"));

	(void)ud;
	if (err->code == PL_ERR_UNAVAILABLE && session_tries++ < 60) {
		/* padlined or its database restarting: wait, do not give up. */
		if (session_tries == 1)
			fprintf(stderr, "padline watch: %s; retrying\n",
			        err->message);
		uv_timer_start(&session_retry, on_session_retry, 1000, 0);
		return;
	}
	json_decref(session_params);
	session_params = NULL;
	if (err->code) {
		fprintf(stderr, "padline watch: %s\n", err->message);
		w.rc = 1;
		uv_stop(w.loop);
		return;
	}
	if (token)
		snprintf(w.token, sizeof w.token, "%s", token);
	if (!user_is_admin(json_object_get(result, "user"))) {
		fprintf(stderr,
		        "padline watch: needs an administrator account\n");
		w.rc = 1;
		uv_stop(w.loop);
		return;
	}
	rpc_call(w.rpc, "server.hello", NULL, on_hello, NULL);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	uv_stop(w.loop);
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

int
watch_run(const char *server, const char *redis_url, int json)
{
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	const char *env = getenv("PADLINE_TOKEN");
	char host[256];
	int port;

	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT)) {
		fprintf(stderr, "padline: bad server address '%s'\n", server);
		return 2;
	}
	w.loop = uv_default_loop();
	w.json = json;
	w.seen = calloc(1, sizeof *w.seen);
	dash_init(w.seen);
	snprintf(w.redis_url, sizeof w.redis_url, "%s",
	         redis_url ? redis_url : "");
	w.rpc = rpc_client_new(w.loop, host, port);
	if (rpc_client_tls_for(w.rpc, server) != 0)
		return 2;
	rpc_client_on_connect(w.rpc, resume_params, NULL);
	uv_timer_init(w.loop, &session_retry);
	if (env && *env) {
		session_method = "session.resume";
		session_params = json_pack("{s:s}", "token", env);
		rpc_call(w.rpc, session_method, json_deep_copy(session_params),
		         on_session, NULL);
		snprintf(w.token, sizeof w.token, "%s", env);
	} else {
		char user[128], pass[PASSWORD_MAX + 2];
		FILE *tty = fopen("/dev/tty", "r+");

		if (!tty) {
			fprintf(stderr,
			        "padline watch: set PADLINE_TOKEN (no tty to "
			        "ask for a login)\n");
			return 2;
		}
		if (prompt(tty, "Admin username: ", user, sizeof user, 0) ||
		    prompt(tty, "Password: ", pass, sizeof pass, 1)) {
			fclose(tty);
			return 2;
		}
		fclose(tty);
		session_method = "session.login";
		session_params =
		    json_pack("{s:s, s:s}", "username", user, "password", pass);
		rpc_call(w.rpc, session_method, json_deep_copy(session_params),
		         on_session, NULL);
		memset(pass, 0, sizeof pass);
	}
	for (int i = 0; i < 3; i++) {
		uv_signal_init(w.loop, &w.sig[i]);
		uv_signal_start(&w.sig[i], on_signal, sigs[i]);
		uv_unref((uv_handle_t *)&w.sig[i]);
	}
	uv_run(w.loop, UV_RUN_DEFAULT);
	sub_free(w.sub);
	rpc_client_free(w.rpc);
	free(w.seen);
	return w.rc;
}
