/*
 * The health probe: one connection, one question at a time. A caller that
 * finds it connected and idle asks it itself (its statement deadline
 * bounds the wait as well as the thread's would, and a hand-off to the
 * thread and back cost a third of a cheap server.health); otherwise
 * callers bump `asked` and wait for `answered` to reach it under a timed
 * wait, and the thread answers the newest question, connecting again when
 * the connection failed or timed out.
 */
#include "db_probe.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "db_pool.h"
#include "log.h"
#include "xalloc.h"

/* The probe's own statement deadline: health answers within about this. */
#define PROBE_TIMEOUT_MS 1000

struct db_probe {
	pthread_mutex_t lock;
	pthread_cond_t ask, done;
	pthread_t thread;
	char *conninfo;
	char *schema;
	int connect_timeout;
	int stop;
	int inline_probe; /* a caller asks on conn itself */
	unsigned long asked, answered;
	enum db_probe_state state; /* the answer to `answered` */
	/* Used by whoever answers the question in flight: the thread, or
	 * the caller that asks inline. */
	struct db_conn *conn;
};

/* Asks on p->conn (the caller answers the question in flight); a
 * connection that failed is closed. */
static enum db_probe_state
probe_query(struct db_probe *p)
{
	struct pl_error err;
	enum db_probe_state st = DB_PROBE_DOWN;
	PGresult *r;

	pl_error_init(&err);
	if (p->conn != NULL) {
		r = db_query_result(p->conn, "SELECT pg_is_in_recovery() AS r",
		                    0, NULL, &err);
		if (r != NULL)
			st = db_get_bool(r, 0, "r") ? DB_PROBE_STANDBY
			                            : DB_PROBE_PRIMARY;
		PQclear(r);
		if (r == NULL || !db_conn_reusable(p->conn)) {
			db_conn_free(p->conn);
			p->conn = NULL;
		}
	}
	pl_error_clear(&err);
	return st;
}

static enum db_probe_state
probe_once(struct db_probe *p)
{
	if (p->conn == NULL) {
		struct pl_error err;

		pl_error_init(&err);
		p->conn = db_conn_new(
		    db_connect(p->conninfo, p->connect_timeout, &err),
		    p->schema, 0, &err);
		if (p->conn != NULL)
			db_conn_set_timeout(p->conn, PROBE_TIMEOUT_MS);
		pl_error_clear(&err);
	}
	return probe_query(p);
}

/* st answers question gen, for every caller waiting on it (the caller
 * holds the lock). */
static void
probe_answer(struct db_probe *p, unsigned long gen, enum db_probe_state st)
{
	p->state = st;
	p->answered = gen;
	pthread_cond_broadcast(&p->done);
}

static void *
probe_main(void *arg)
{
	struct db_probe *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && (p->answered == p->asked || p->inline_probe))
			pthread_cond_wait(&p->ask, &p->lock);
		if (p->stop)
			break;
		unsigned long gen = p->asked;

		pthread_mutex_unlock(&p->lock);
		enum db_probe_state st = probe_once(p);

		pthread_mutex_lock(&p->lock);
		probe_answer(p, gen, st);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Everything but the thread, which has ended or never started. */
static void
probe_destroy(struct db_probe *p)
{
	db_conn_free(p->conn);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->ask);
	pthread_cond_destroy(&p->done);
	free(p->conninfo);
	free(p->schema);
	free(p);
}

struct db_probe *
db_probe_new(const char *conninfo, const char *schema, int connect_timeout)
{
	struct db_probe *p = xcalloc(1, sizeof *p);

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->ask, NULL);
	pthread_cond_init(&p->done, NULL);
	p->conninfo = xstrdup(conninfo);
	p->schema = xstrdup(schema);
	p->connect_timeout = connect_timeout;
	if (pthread_create(&p->thread, NULL, probe_main, p) != 0) {
		log_error("cannot start the health probe thread", "%s", "");
		probe_destroy(p);
		return NULL;
	}
	return p;
}

void
db_probe_free(struct db_probe *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->ask);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	probe_destroy(p);
}

enum db_probe_state
db_probe_check(struct db_probe *p, int wait_ms)
{
	struct timespec until;
	enum db_probe_state st = DB_PROBE_DOWN;
	unsigned long gen;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	if (p->answered == p->asked && p->conn != NULL &&
	    wait_ms >= PROBE_TIMEOUT_MS) {
		/* Idle and connected: asked here, its deadline the wait's. */
		gen = ++p->asked;
		p->inline_probe = 1;
		pthread_mutex_unlock(&p->lock);
		st = probe_query(p);
		pthread_mutex_lock(&p->lock);
		p->inline_probe = 0;
		probe_answer(p, gen, st);
		pthread_mutex_unlock(&p->lock);
		return st;
	}
	/* A probe in flight answers this question too. */
	if (p->answered == p->asked) {
		p->asked++;
		pthread_cond_signal(&p->ask);
	}
	gen = p->asked;
	while (p->answered != gen &&
	       pthread_cond_timedwait(&p->done, &p->lock, &until) == 0)
		;
	if (p->answered == gen)
		st = p->state;
	pthread_mutex_unlock(&p->lock);
	return st;
}
