/*
 * Scale-out with real processes on loopback: three padlined on one schema
 * behind HAProxy running dist/haproxy.cfg (TCP mode, PROXY protocol v2,
 * health check speaking server.health). Clients
 * create pads (and register a user every fifth write) through HAProxy; one
 * instance is killed with -9 under that
 * load; its clients see their connection drop, reconnect through HAProxy,
 * resume their session and go on; afterwards every pad.create that was
 * acknowledged is in the database, and a Redis subscriber that listened
 * all along saw each event exactly once (every instance runs the outbox
 * relay; the dead one's published-but-unmarked events must not come
 * twice). Needs haproxy (scripts/deps).
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tsupport.h"

#define NSERVERS 3
#define NCLIENTS 6
#define WAIT_MS 120000 /* only catches a hang */
#define AFTER_KILL 15  /* creates each client must ack after the kill */

static struct ts_server srv[NSERVERS];
static char schema[64];
static struct ts_haproxy lb;

struct client {
	pthread_t th;
	int idx;
	char token[128];
	atomic_int acked;       /* creates acknowledged */
	atomic_int acked_after; /* ... since the kill */
	int reconnects;
	int failed;    /* could not get back in within WAIT_MS */
	json_t *ids;   /* acknowledged pad ids */
	json_t *users; /* acknowledged registrations' user ids */
};

static atomic_int killed, stop;

/* Everything published on the deployment's channel, until "stop". */
struct subscriber {
	pthread_t th;
	redisContext *rc;
	pthread_mutex_t mu;
	json_t *events; /* parsed events, in arrival order */
	int stray;      /* messages that were not events */
};

static void *
subscriber_run(void *arg)
{
	struct subscriber *sub = arg;
	redisReply *r;

	while (redisGetReply(sub->rc, (void **)&r) == REDIS_OK && r != NULL) {
		const char *msg =
		    r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		            r->element[2]->type == REDIS_REPLY_STRING
		        ? r->element[2]->str
		        : NULL;
		json_t *ev =
		    msg ? ts_event_open(msg, r->element[2]->len) : NULL;
		int done = msg && strcmp(msg, "stop") == 0;

		freeReplyObject(r);
		if (done)
			break;
		pthread_mutex_lock(&sub->mu);
		if (ev != NULL)
			json_array_append_new(sub->events, ev);
		else
			sub->stray++;
		pthread_mutex_unlock(&sub->mu);
	}
	return NULL;
}

static void
subscriber_start(struct subscriber *sub)
{
	char channel[128];
	redisReply *r;

	memset(sub, 0, sizeof *sub);
	pthread_mutex_init(&sub->mu, NULL);
	sub->events = json_array();
	sub->rc = ts_redis_connect();
	ck_assert_ptr_nonnull(sub->rc);
	r = redisCommand(sub->rc, "SUBSCRIBE %s",
	                 ts_events_channel(schema, channel, sizeof channel));
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	pthread_create(&sub->th, NULL, subscriber_run, sub);
}

/* Published after everything else, so the subscriber has seen it all. */
static void
subscriber_stop(struct subscriber *sub)
{
	redisContext *rc = ts_redis_connect();
	char channel[128];
	redisReply *r;

	ck_assert_ptr_nonnull(rc);
	r = redisCommand(rc, "PUBLISH %s stop",
	                 ts_events_channel(schema, channel, sizeof channel));
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	redisFree(rc);
	pthread_join(sub->th, NULL);
	redisFree(sub->rc);
	pthread_mutex_destroy(&sub->mu);
}

/* Fails unless created[action:id] is 1 for every id of acked. */
static void
check_one_each(json_t *created, const char *action, json_t *acked)
{
	char key[128];
	size_t i;
	json_t *v;

	json_array_foreach (acked, i, v) {
		json_int_t n;

		snprintf(key, sizeof key, "%s:%s", action,
		         json_string_value(v));
		n = json_integer_value(json_object_get(created, key));
		ck_assert_msg(n == 1, "%s: %lld %s events, want 1",
		              json_string_value(v), (long long)n, action);
	}
}

/*
 * Each event id once, one pad.created per acknowledged pad and one
 * user.created per acknowledged registration. Returns the number of
 * events seen.
 */
static size_t
check_events_once(struct subscriber *sub, json_t *pads, json_t *users)
{
	json_t *seen = json_object(), *created = json_object(), *ev;
	size_t i, dups = 0;
	char key[128];

	json_array_foreach (sub->events, i, ev) {
		const char *action =
		    json_string_value(json_object_get(ev, "action"));
		const char *subject = json_string_value(
		    json_object_get(json_object_get(ev, "subject"), "id"));

		snprintf(
		    key, sizeof key, "%lld",
		    (long long)json_integer_value(json_object_get(ev, "id")));
		if (json_object_get(seen, key) != NULL && dups++ < 5)
			fprintf(stderr, "scaleout: event %s (%s) came twice\n",
			        key, action ? action : "?");
		json_object_set_new(seen, key, json_true());
		if (action == NULL || subject == NULL)
			continue;
		snprintf(key, sizeof key, "%s:%s", action, subject);
		json_object_set_new(
		    created, key,
		    json_integer(
		        json_integer_value(json_object_get(created, key)) + 1));
	}
	ck_assert_msg(dups == 0, "%zu of %zu events were published twice", dups,
	              json_array_size(sub->events));
	ck_assert_int_eq(sub->stray, 0);
	check_one_each(created, "pad.created", pads);
	check_one_each(created, "user.created", users);
	json_decref(seen);
	json_decref(created);
	return json_array_size(sub->events);
}

/* Back in through HAProxy with the saved session; NULL after WAIT_MS. */
static struct ts_client *
client_reconnect(struct client *cl)
{
	return ts_client_resume(lb.port, cl->token, WAIT_MS);
}

static void *
client_run(void *arg)
{
	struct client *cl = arg;
	struct ts_client *c = client_reconnect(cl);
	char name[64];

	for (int seq = 0; c != NULL && !atomic_load(&stop); seq++) {
		json_t *r;

		if (seq % 5 == 4) {
			snprintf(name, sizeof name, "scale_c%d_u%d", cl->idx,
			         seq);
			r = ts_register(c, name, TS_PASSWORD, NULL);
			if (r != NULL && ts_result(r) != NULL)
				json_array_append(
				    cl->users,
				    json_object_get(
				        json_object_get(ts_result(r), "user"),
				        "id"));
			if (r != NULL) {
				json_decref(r);
				continue;
			}
		} else {
			snprintf(name, sizeof name, "client %d pad %d", cl->idx,
			         seq);
			r = ts_call(c, "pad.create",
			            json_pack("{s:s}", "display_name", name));
		}
		if (r == NULL) { /* connection lost: the instance died */
			ts_client_free(c);
			cl->reconnects++;
			c = client_reconnect(cl);
			continue;
		}
		if (ts_result(r) != NULL) {
			json_t *id = json_object_get(
			    json_object_get(ts_result(r), "pad"), "id");

			json_array_append(cl->ids, id);
			atomic_fetch_add(&cl->acked, 1);
			if (atomic_load(&killed))
				atomic_fetch_add(&cl->acked_after, 1);
		}
		json_decref(r);
	}
	if (c == NULL)
		cl->failed = 1;
	ts_client_free(c);
	return NULL;
}

/* Client connections on one instance, asked directly with server.stats
 * (minus this probe's own connection). Not from HAProxy's address, which
 * the instances trust to speak the PROXY protocol. */
static int
instance_clients(int port)
{
	struct ts_client *c = ts_client_connect_from("127.0.0.20", port);
	json_t *r;
	int n;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, "scaler", TS_PASSWORD), 0);
	r = ts_call(c, "server.stats", NULL);
	ck_assert_ptr_nonnull(ts_result(r));
	n = (int)json_integer_value(
	        json_object_get(ts_result(r), "connections")) -
	    1;
	json_decref(r);
	ts_client_free(c);
	return n;
}

static int
total(struct client *cls, int after)
{
	int n = 0;

	for (int i = 0; i < NCLIENTS; i++)
		n += after ? (atomic_load(&cls[i].acked_after) >= AFTER_KILL)
		           : atomic_load(&cls[i].acked);
	return n;
}

/* A PostgreSQL array literal of the ids: "{id,id,...}" (malloc'd). */
static char *
ids_literal(json_t *ids)
{
	size_t n = json_array_size(ids), len = 3 + n * 40;
	char *out = malloc(len), *p = out;
	size_t i;
	json_t *v;

	*p++ = '{';
	json_array_foreach (ids, i, v) {
		p += snprintf(p, len - (size_t)(p - out), "%s%s", i ? "," : "",
		              json_string_value(v));
	}
	snprintf(p, len - (size_t)(p - out), "}");
	return out;
}

/* sql's count with $1 the ids as a uuid[]. */
static long long
count_in(PGconn *db, const char *sql, json_t *ids)
{
	char *lit = ids_literal(ids);
	const char *params[] = {lit};
	long long n = ts_db_count(db, sql, 1, params);

	free(lit);
	return n;
}

START_TEST(kill_one_instance_under_load)
{
	struct client cls[NCLIENTS];
	struct subscriber sub;
	struct ts_client *login;
	json_t *all = json_array(), *users = json_array();
	long long deadline;
	int reconnects = 0, victim = 0;
	PGconn *db;

	const char *env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32", NULL};
	int ports[NSERVERS];

	ts_unique_schema("scale", schema, sizeof schema);
	for (int i = 0; i < NSERVERS; i++) {
		ck_assert_int_eq(ts_server_start(&srv[i], schema, env, NULL),
		                 0);
		ports[i] = srv[i].port;
	}
	/* An admin, so the test can ask each instance for server.stats. */
	ck_assert_int_eq(ts_create_user(schema, "scaler", TS_PASSWORD, 1), 0);
	ck_assert_int_eq(ts_haproxy_start(&lb, ports, NSERVERS), 0);
	ck_assert_int_eq(ts_haproxy_wait_served(&lb, NULL), 0);
	subscriber_start(&sub);

	memset(cls, 0, sizeof cls);
	for (int i = 0; i < NCLIENTS; i++) {
		json_t *r;

		login = ts_client_connect(lb.port);
		ck_assert_ptr_nonnull(login);
		r = ts_call(login, "session.login",
		            json_pack("{s:s, s:s}", "username", "scaler",
		                      "password", TS_PASSWORD));
		ck_assert_ptr_nonnull(ts_result(r));
		snprintf(
		    cls[i].token, sizeof cls[i].token, "%s",
		    json_string_value(json_object_get(ts_result(r), "token")));
		json_decref(r);
		ts_client_free(login);
		cls[i].idx = i;
		cls[i].ids = json_array();
		cls[i].users = json_array();
		pthread_create(&cls[i].th, NULL, client_run, &cls[i]);
	}

	/* Under load: every client has written, then instance 1 dies. */
	deadline = ts_now_ms() + WAIT_MS;
	while (ts_now_ms() < deadline && total(cls, 0) < NCLIENTS * 10)
		usleep(10000);
	ck_assert_int_ge(total(cls, 0), NCLIENTS * 10);
	/* The victim: the instance holding the most clients (at least two of
	 * the six, whatever HAProxy's round robin did). */
	for (int i = 0, most = -1; i < NSERVERS; i++) {
		int n = instance_clients(srv[i].port);

		if (n > most) {
			most = n;
			victim = i;
		}
	}
	atomic_store(&killed, 1);
	ts_server_kill(&srv[victim]);

	/* Every client goes on writing after it. */
	deadline = ts_now_ms() + WAIT_MS;
	while (ts_now_ms() < deadline && total(cls, 1) < NCLIENTS)
		usleep(10000);
	atomic_store(&stop, 1);
	for (int i = 0; i < NCLIENTS; i++) {
		pthread_join(cls[i].th, NULL);
		ck_assert_msg(!cls[i].failed, "client %d could not get back in",
		              i);
		ck_assert_int_ge(atomic_load(&cls[i].acked_after), AFTER_KILL);
		reconnects += cls[i].reconnects;
		json_array_extend(all, cls[i].ids);
		json_decref(cls[i].ids);
		json_array_extend(users, cls[i].users);
		json_decref(cls[i].users);
	}
	fprintf(stderr,
	        "scaleout: %zu creates acknowledged, %d reconnects after "
	        "kill -9 of one of %d instances\n",
	        json_array_size(all), reconnects, NSERVERS);
	/* The victim's clients came back through another instance. */
	ck_assert_int_ge(reconnects, 1);

	/* No acknowledged write is lost. */
	db = ts_db_connect(schema);
	ck_assert_int_eq(count_in(db,
	                          "SELECT count(*) FROM pads "
	                          "WHERE id = ANY($1::uuid[])",
	                          all),
	                 (long long)json_array_size(all));
	ck_assert_int_eq(count_in(db,
	                          "SELECT count(*) FROM users "
	                          "WHERE id = ANY($1::uuid[])",
	                          users),
	                 (long long)json_array_size(users));
	/* No event twice: once the outbox is empty nothing will be published
	 * again (a row is marked only after its PUBLISH), so the subscriber
	 * has seen every publication when "stop" reaches it. */
	ck_assert_int_eq(ts_db_wait_count(db,
	                                  "SELECT count(*) FROM audit_log "
	                                  "WHERE published_at IS NULL",
	                                  0, NULL, 0, WAIT_MS),
	                 0);
	subscriber_stop(&sub);
	fprintf(stderr,
	        "scaleout: %zu events seen, each once (%zu registrations)\n",
	        check_events_once(&sub, all, users), json_array_size(users));
	json_decref(users);
	json_decref(sub.events);
	PQfinish(db);
	json_decref(all);

	ts_haproxy_stop(&lb);
	for (int i = 0; i < NSERVERS; i++)
		if (i != victim)
			ck_assert_int_eq(ts_server_stop(&srv[i]), 0);
	ts_db_drop_schema(schema);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_scaleout");
	TCase *tc = tcase_create("haproxy");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, kill_one_instance_under_load);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
