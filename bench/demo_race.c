/*
 * The registration race, as a demonstration anyone can run: fires
 * concurrent registrations at a running padlined — many distinct names, and
 * many on one name — while subscribed to the schema's events channel, then
 * prints what happened: successes, 409s, other errors, rows in the database,
 * events received. Exit status 0 only if the race was handled (one winner per
 * name, every success has its row and its event).
 *   demo_race --port P --schema S [--distinct N] [--same M]
 * DATABASE_URL and REDIS_URL as for padlined.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

struct job {
	int port;
	char username[64];
	int code; /* 0 success, else the error code; -1 no answer */
};

static void *
run_job(void *arg)
{
	struct job *j = arg;
	struct ts_client *c = ts_client_connect(j->port);
	json_t *r;

	j->code = -1;
	if (c == NULL)
		return NULL;
	r = ts_register(c, j->username, "Race-Demo-Passw0rd!", NULL);
	if (r != NULL)
		j->code = ts_error_code(r);
	json_decref(r);
	ts_client_free(c);
	return NULL;
}

struct listener {
	redisContext *rc;
	char prefix[32];
	char channel[128];
	int events;
	int stop;
};

static void *
listen_events(void *arg)
{
	struct listener *l = arg;
	redisReply *r = redisCommand(l->rc, "SUBSCRIBE %s", l->channel);
	struct timeval tv = {0, 200000};

	freeReplyObject(r);
	redisSetTimeout(l->rc, tv);
	while (!l->stop) {
		void *reply = NULL;

		if (redisGetReply(l->rc, &reply) != REDIS_OK) {
			/* a timeout leaves the context in error: reset it */
			if (l->rc->err == REDIS_ERR_IO) {
				l->rc->err = 0;
				continue;
			}
			break;
		}
		r = reply;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    strstr(r->element[2]->str, "\"user.created\"") &&
		    strstr(r->element[2]->str, l->prefix))
			l->events++;
		freeReplyObject(r);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	int port = 0, distinct = 50, same = 50, n;
	const char *schema = NULL;
	struct job *jobs;
	pthread_t *th, lt;
	struct listener lis = {0};
	int ok_distinct = 0, ok_same = 0, conflicts = 0, other = 0;
	long long rows, t0;
	char like[64];
	const char *params[1] = {like};
	PGconn *db;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--schema"))
			schema = argv[i + 1];
		else if (!strcmp(argv[i], "--distinct"))
			distinct = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--same"))
			same = atoi(argv[i + 1]);
	}
	if (port == 0 || schema == NULL) {
		fprintf(stderr, "usage: demo_race --port P --schema S "
		                "[--distinct N] [--same M]\n");
		return 2;
	}
	n = distinct + same;
	jobs = calloc((size_t)n, sizeof *jobs);
	th = calloc((size_t)n, sizeof *th);
	snprintf(lis.prefix, sizeof lis.prefix, "race%d_", (int)getpid());
	ts_events_channel(schema, lis.channel, sizeof lis.channel);
	if ((lis.rc = ts_redis_connect()) == NULL) {
		fprintf(stderr, "demo_race: cannot reach Redis\n");
		return 1;
	}
	pthread_create(&lt, NULL, listen_events, &lis);
	usleep(200000);
	for (int i = 0; i < n; i++) {
		jobs[i].port = port;
		if (i < distinct)
			snprintf(jobs[i].username, sizeof jobs[i].username,
			         "%suser%d", lis.prefix, i);
		else
			snprintf(jobs[i].username, sizeof jobs[i].username,
			         "%sTHE_ONE", lis.prefix);
	}
	printf("firing %d registrations at once: %d distinct names, %d on the "
	       "name %sTHE_ONE\n",
	       n, distinct, same, lis.prefix);
	t0 = ts_now_ms();
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, run_job, &jobs[i]);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("all answered in %lld ms\n", ts_now_ms() - t0);
	for (int i = 0; i < n; i++) {
		if (jobs[i].code == 0)
			i < distinct ? ok_distinct++ : ok_same++;
		else if (jobs[i].code == 409)
			conflicts++;
		else
			other++;
	}
	/* Give the last events a moment to arrive. */
	for (int w = 0; w < 50 && lis.events < ok_distinct + ok_same; w++)
		usleep(100000);
	lis.stop = 1;
	pthread_join(lt, NULL);
	redisFree(lis.rc);

	db = ts_db_connect(schema);
	snprintf(like, sizeof like, "%s%%", lis.prefix);
	rows = ts_db_count(
	    db, "SELECT count(*) FROM users WHERE username LIKE $1", 1, params);
	PQfinish(db);
	printf("distinct names : %d/%d registered\n", ok_distinct, distinct);
	printf("same name      : %d succeeded, %d got 409 username_taken\n",
	       ok_same, conflicts);
	printf("other errors   : %d\n", other);
	printf("rows in users  : %lld (expected %d)\n", rows,
	       distinct + (same > 0));
	printf("events received: %d user.created on %s\n", lis.events,
	       lis.channel);
	free(jobs);
	free(th);
	int good = ok_distinct == distinct && ok_same == (same > 0) &&
	           conflicts == same - (same > 0) && other == 0 &&
	           rows == distinct + (same > 0) &&
	           lis.events == ok_distinct + ok_same;
	printf("%s\n", good ? "race handled: one winner, no 500, every row has "
	                      "its event"
	                    : "RACE NOT HANDLED");
	return good ? 0 : 1;
}
