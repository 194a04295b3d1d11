/*
 * A rolling restart under load: three padlined on one schema behind
 * HAProxy, each in turn stopped with SIGTERM and started again, while
 * several clients create pads through HAProxy, two pipelined requests at a
 * time, each with its own idempotency_key. A client that meets an EOF, a
 * server.closing notification or a 503 shutting_down reconnects, resumes
 * its session and sends the unanswered requests again with the same keys.
 * Nothing may go unanswered (every line gets an answer on its connection,
 * or the connection said server.closing first), nothing acknowledged may be
 * lost, and no key may make two pads. Prints the client-visible counts.
 * Meanwhile newcomers connect, ask once and hang up: each is answered or
 * told server.closing. One instance stays down until HAProxy marks it
 * DOWN (a restart slower than the health checks), the others come back at
 * once. And on one instance: SIGTERM answers every pipelined line, then says
 * server.closing, to busy, idle and late connections alike.
 * Needs haproxy (scripts/deps).
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsupport.h"

#define NSERVERS 3
#define NCLIENTS 6
#define PIPELINE 2
#define PROGRESS 5 /* creates each client must ack between restarts */

static struct ts_server srv[NSERVERS];
static struct ts_haproxy lb;
static char schema[64];
static atomic_int stop;

struct client {
	pthread_t th;
	int idx;
	char token[128];
	atomic_int acked;
	int sent, unanswered, errors, retried, reconnects;
	long long gap_ms; /* longest wait between two acknowledgements */
	json_t *ids;      /* key -> pad id, of every acknowledged create */
	char last_err[256];
};

static struct client cls[NCLIENTS];

/* Back in through HAProxy with the session; NULL after TS_PATIENCE_MS. */
static struct ts_client *
client_reconnect(struct client *cl)
{
	return ts_client_resume(lb.port, cl->token, TS_PATIENCE_MS);
}

static int
is_closing(const json_t *msg)
{
	const char *m = json_string_value(json_object_get(msg, "method"));

	return m != NULL && strcmp(m, "server.closing") == 0 &&
	       json_object_get(msg, "id") == NULL;
}

static void *
client_run(void *arg)
{
	struct client *cl = arg;
	struct ts_client *c = client_reconnect(cl);
	int keys[PIPELINE], nkeys = 0, next = 0;
	long long last_ack = ts_now_ms();

	while (c != NULL && (!atomic_load(&stop) || nkeys > 0)) {
		int answered[PIPELINE] = {0}, left, closing = 0, eof = 0;
		char buf[PIPELINE * 256];
		size_t len = 0;

		while (nkeys < PIPELINE && !atomic_load(&stop))
			keys[nkeys++] = next++;
		for (int i = 0; i < nkeys; i++)
			len += (size_t)snprintf(
			    buf + len, sizeof buf - len,
			    "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
			    "\"pad.create\",\"params\":{\"display_name\":"
			    "\"c%d-%d\",\"idempotency_key\":\"c%d-%d\"}}\n",
			    keys[i], cl->idx, keys[i], cl->idx, keys[i]);
		cl->sent += nkeys;
		left = nkeys;
		if (ts_client_send_raw(c, buf, len) != 0)
			left = nkeys; /* read what came: EOF decides */
		while (left > 0 && !closing) {
			char *line =
			    ts_client_read_line(c, TS_PATIENCE_MS, &eof);
			json_t *msg, *id;
			int slot = -1;

			if (line == NULL)
				break;
			msg = json_loads(line, 0, NULL);
			free(line);
			if (is_closing(msg)) {
				closing = 1;
				json_decref(msg);
				break;
			}
			id = json_object_get(msg, "id");
			for (int i = 0; i < nkeys; i++)
				if (json_is_integer(id) &&
				    json_integer_value(id) == keys[i])
					slot = i;
			if (slot < 0 || answered[slot]) {
				snprintf(cl->last_err, sizeof cl->last_err,
				         "stray line");
				cl->errors++;
			} else if (ts_result(msg) != NULL) {
				char key[32];
				long long now = ts_now_ms();

				snprintf(key, sizeof key, "c%d-%d", cl->idx,
				         keys[slot]);
				json_object_set(
				    cl->ids, key,
				    json_object_get(
				        json_object_get(ts_result(msg), "pad"),
				        "id"));
				if (now - last_ack > cl->gap_ms)
					cl->gap_ms = now - last_ack;
				last_ack = now;
				atomic_fetch_add(&cl->acked, 1);
				answered[slot] = 1;
				left--;
			} else if (strcmp(ts_error_reason(msg),
			                  "shutting_down") == 0) {
				cl->retried++;
				answered[slot] = 2; /* to send again */
				left--;
			} else {
				char *t = json_dumps(msg, JSON_COMPACT);

				snprintf(cl->last_err, sizeof cl->last_err,
				         "%s", t);
				free(t);
				cl->errors++;
				answered[slot] = 1;
				left--;
			}
			json_decref(msg);
		}
		if (left > 0 && !closing) {
			/* The connection ended with requests unanswered
			 * and no server.closing: what the client cannot
			 * tell from a lost write. */
			cl->unanswered += left;
		}
		/* Keep the keys not acknowledged, for the next connection. */
		{
			int keep = 0, again = closing || left > 0;

			for (int i = 0; i < nkeys; i++)
				if (answered[i] != 1) {
					keys[keep++] = keys[i];
					again |= answered[i] == 2;
				}
			nkeys = keep;
			if (again) {
				ts_client_free(c);
				cl->reconnects++;
				c = client_reconnect(cl);
			}
		}
	}
	if (c == NULL)
		snprintf(cl->last_err, sizeof cl->last_err,
		         "could not reconnect");
	ts_client_free(c);
	return NULL;
}

/*
 * A newcomer: connects through HAProxy, asks server.hello, hangs up, again
 * and again, as new clients do. Its figures: the longest a newcomer waited
 * from connect() to an answer, trying again after a server.closing or an
 * EOF; how many of its connections were told server.closing, and how many
 * ended with no word at all (what a client cannot tell from a failure).
 */
struct newcomer {
	pthread_t th;
	int tries, closing, eof;
	long long wait_ms;
};

/* One connection's try: 1 answered, 0 server.closing, -1 EOF. */
static int
newcomer_try(void)
{
	static const char hello[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.hello\"}\n";
	struct ts_client *c = ts_client_connect(lb.port);
	int outcome = -1;
	char *line;

	if (c != NULL && ts_client_send_raw(c, hello, sizeof hello - 1) == 0)
		while (outcome < 0 &&
		       (line = ts_client_read_line(c, TS_PATIENCE_MS, NULL))) {
			json_t *msg = json_loads(line, 0, NULL);

			free(line);
			if (is_closing(msg))
				outcome = 0;
			else if (json_integer_value(
			             json_object_get(msg, "id")) == 1)
				outcome = ts_result(msg) != NULL ? 1 : 0;
			json_decref(msg);
		}
	ts_client_free(c);
	return outcome;
}

static void *
newcomer_run(void *arg)
{
	struct newcomer *nc = arg;

	while (!atomic_load(&stop)) {
		long long t0 = ts_now_ms();
		int outcome = -1;

		while (outcome != 1 && ts_now_ms() - t0 < TS_PATIENCE_MS) {
			outcome = newcomer_try();
			nc->tries++;
			nc->closing += outcome == 0;
			nc->eof += outcome < 0;
		}
		if (ts_now_ms() - t0 > nc->wait_ms)
			nc->wait_ms = ts_now_ms() - t0;
		usleep(20000);
	}
	return NULL;
}

static void
wait_progress(void)
{
	int base[NCLIENTS];
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	for (int i = 0; i < NCLIENTS; i++)
		base[i] = atomic_load(&cls[i].acked);
	for (int i = 0; i < NCLIENTS; i++)
		while (atomic_load(&cls[i].acked) < base[i] + PROGRESS) {
			ck_assert_msg(ts_now_ms() < deadline,
			              "client %d made no progress", i);
			usleep(10000);
		}
}

START_TEST(rolling_restart_loses_nothing)
{
	const char *env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32", NULL};
	int ports[NSERVERS], unanswered = 0, errors = 0, retried = 0,
	                     reconnects = 0, sent = 0, acked = 0;
	long long gap = 0;
	struct newcomer nc = {0};
	PGconn *db;
	json_t *all = json_object();

	ts_unique_schema("roll", schema, sizeof schema);
	for (int i = 0; i < NSERVERS; i++) {
		ck_assert_int_eq(ts_server_start(&srv[i], schema, env, NULL),
		                 0);
		ports[i] = srv[i].port;
	}
	ck_assert_int_eq(ts_create_user(schema, "roller", TS_PASSWORD, 0), 0);
	ck_assert_int_eq(ts_haproxy_start(&lb, ports, NSERVERS), 0);
	ck_assert_int_eq(ts_haproxy_wait_served(&lb, NULL), 0);
	for (int i = 0; i < NCLIENTS; i++) {
		struct ts_client *c = ts_client_connect(lb.port);
		json_t *r;

		ck_assert_ptr_nonnull(c);
		r = ts_call(c, "session.login",
		            json_pack("{s:s, s:s}", "username", "roller",
		                      "password", TS_PASSWORD));
		ck_assert_ptr_nonnull(ts_result(r));
		memset(&cls[i], 0, sizeof cls[i]);
		cls[i].idx = i;
		cls[i].ids = json_object();
		snprintf(
		    cls[i].token, sizeof cls[i].token, "%s",
		    json_string_value(json_object_get(ts_result(r), "token")));
		json_decref(r);
		ts_client_free(c);
	}
	for (int i = 0; i < NCLIENTS; i++)
		pthread_create(&cls[i].th, NULL, client_run, &cls[i]);
	pthread_create(&nc.th, NULL, newcomer_run, &nc);
	wait_progress();
	for (int i = 0; i < NSERVERS; i++) {
		long long t_stop = ts_now_ms();
		int status = ts_server_stop(&srv[i]);

		fprintf(stderr, "rolling: instance %d drained in %lld ms\n", i,
		        ts_now_ms() - t_stop);

		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		              "instance %d did not exit cleanly (%d)", i,
		              status);
		/* The middle one restarts slower than HAProxy's checks:
		 * HAProxy meets a closed port until it marks it DOWN. */
		if (i == 1)
			ck_assert_int_eq(ts_haproxy_wait_status(&lb, i, "DOWN"),
			                 0);
		ck_assert_int_eq(ts_server_restart(&srv[i], env, NULL), 0);
		/* As operations.md asks: the next restart waits until
		 * HAProxy has this one UP again. */
		t_stop = ts_now_ms();
		ck_assert_int_eq(ts_haproxy_wait_up(&lb, i), 0);
		fprintf(
		    stderr,
		    "rolling: instance %d UP in HAProxy %lld ms after its start\n",
		    i, ts_now_ms() - t_stop);
		wait_progress();
	}
	atomic_store(&stop, 1);
	pthread_join(nc.th, NULL);
	for (int i = 0; i < NCLIENTS; i++) {
		pthread_join(cls[i].th, NULL);
		sent += cls[i].sent;
		acked += atomic_load(&cls[i].acked);
		unanswered += cls[i].unanswered;
		errors += cls[i].errors;
		retried += cls[i].retried;
		reconnects += cls[i].reconnects;
		if (cls[i].gap_ms > gap)
			gap = cls[i].gap_ms;
		if (cls[i].last_err[0])
			fprintf(stderr, "rolling: client %d: %s\n", i,
			        cls[i].last_err);
		json_object_update(all, cls[i].ids);
		json_decref(cls[i].ids);
	}
	fprintf(stderr,
	        "rolling: sent=%d acked=%d unanswered=%d errors=%d "
	        "retried_503=%d reconnects=%d longest_gap_ms=%lld\n",
	        sent, acked, unanswered, errors, retried, reconnects, gap);
	fprintf(stderr,
	        "rolling: newcomers: %d connections, %d told server.closing, "
	        "%d ended without a word, longest wait for an answer %lld "
	        "ms\n",
	        nc.tries, nc.closing, nc.eof, nc.wait_ms);
	db = ts_db_connect(schema);
	ck_assert_ptr_nonnull(db);
	{
		const char *key;
		json_t *id;
		int lost = 0;

		json_object_foreach (all, key, id) {
			const char *p[] = {json_string_value(id), key};

			if (ts_db_count(db,
			                "SELECT count(*) FROM pads WHERE "
			                "id = $1::uuid AND display_name = $2",
			                2, p) != 1)
				lost++;
		}
		ck_assert_int_eq(lost, 0);
		/* One pad per key: nothing doubled, nothing unacknowledged
		 * left behind. */
		ck_assert_int_eq(
		    ts_db_count(db, "SELECT count(*) FROM pads", 0, NULL),
		    (long long)json_object_size(all));
	}
	ck_assert_int_eq(unanswered, 0);
	ck_assert_int_eq(errors, 0);
	/* A newcomer is answered or told server.closing, never left with a
	 * connection that just ends. */
	ck_assert_int_eq(nc.eof, 0);
	PQfinish(db);
	json_decref(all);
	ts_haproxy_stop(&lb);
	for (int i = 0; i < NSERVERS; i++)
		ts_server_stop(&srv[i]);
	ts_db_drop_schema(schema);
}
END_TEST

/* Reads lines until EOF: how many answered ids[0..n) (a result or 503
 * shutting_down), and whether the last line was server.closing. */
static void
read_to_eof(struct ts_client *c, int n, int *answered, int *refused,
            int *closing_last)
{
	char *line;

	*answered = *refused = *closing_last = 0;
	while ((line = ts_client_read_line(c, TS_PATIENCE_MS, NULL)) != NULL) {
		json_t *msg = json_loads(line, 0, NULL);

		free(line);
		*closing_last = is_closing(msg);
		if (!*closing_last) {
			json_int_t id =
			    json_integer_value(json_object_get(msg, "id"));

			ck_assert_msg(id >= 1 && id <= n, "stray line");
			(*answered)++;
			if (strcmp(ts_error_reason(msg), "shutting_down") == 0)
				(*refused)++;
			else
				ck_assert_ptr_nonnull(ts_result(msg));
		}
		json_decref(msg);
	}
}

/* SIGTERM with a busy pipelined connection, an idle one, and one that
 * connects while padlined drains: every line answered (what did not run
 * with 503 shutting_down), then server.closing, then the end; exit 0. */
START_TEST(sigterm_answers_every_line_then_says_closing)
{
	struct ts_server s;
	struct ts_client *busy, *idle, *late;
	char *lines;
	size_t len = 0;
	int answered, refused, closing, status, n = 100;
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
	                  "\"server.health\"}\n";

	ts_unique_schema("drain", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&s, schema, NULL, NULL), 0);
	busy = ts_client_connect(s.port);
	idle = ts_client_connect(s.port);
	ck_assert_ptr_nonnull(busy);
	ck_assert_ptr_nonnull(idle);
	json_decref(ts_call(idle, "server.hello", NULL));
	lines = malloc((size_t)n * 64);
	for (int i = 1; i <= n; i++)
		len += (size_t)sprintf(lines + len, req, i);
	/* About 5 KB: one read takes it all, so every line is in before
	 * padlined could say server.closing. */
	ck_assert_int_eq(ts_client_send_raw(busy, lines, len), 0);
	free(lines);
	kill(s.pid, SIGTERM);
	/* The idle connection hears it; padlined waits for it to leave. */
	read_to_eof(idle, 1, &answered, &refused, &closing);
	ck_assert_int_eq(answered, 0);
	ck_assert_msg(closing, "the idle connection got no server.closing");
	late = ts_client_connect(s.port);
	if (late != NULL) { /* unless padlined was already gone */
		read_to_eof(late, 1, &answered, &refused, &closing);
		ck_assert_int_eq(answered, 0);
		ck_assert(closing);
		ts_client_free(late);
	}
	read_to_eof(busy, n, &answered, &refused, &closing);
	ck_assert_int_eq(answered, n);
	ck_assert_msg(closing, "no server.closing after the answers");
	fprintf(stderr, "drain: %d answered, %d of them 503 shutting_down\n",
	        answered, refused);
	ts_client_free(busy);
	ts_client_free(idle);
	status = ts_server_wait(&s);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ts_db_drop_schema(schema);
}
END_TEST

static Suite *
rolling_suite(void)
{
	Suite *s = suite_create("rolling");
	TCase *tc = tcase_create("haproxy");

	tcase_add_test(tc, sigterm_answers_every_line_then_says_closing);
	tcase_add_test(tc, rolling_restart_loses_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ts_run(rolling_suite());
}
