/*
 * The PostgreSQL connection pool: pings a connection idle for a while before
 * lending it and replaces one older than an hour.
 * Slots are lent under a mutex; connecting and pinging happen outside it so
 * one slow reconnect never blocks the other workers. After a failed connect
 * the pool remembers PostgreSQL is down for a moment and answers 503 at once
 * instead of making every request wait for its own connect timeout.
 */
#include "db_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "mono_time.h"
#include "xalloc.h"

#define POOL_RECYCLE_S 3600
#define POOL_PING_IDLE_MS 1000 /* ping a connection idle longer than this */
#define POOL_DOWN_BACKOFF_MS 500

struct db_slot {
	struct db_conn *conn;
	time_t born;
	long long last_used_ms;
	int busy;
	int parked; /* lent, but idle on the loop (db_pool_park) */
};

struct db_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *conninfo;
	char *schema;
	int timeout;
	int query_timeout; /* seconds per round trip */
	int prepare;
	int size;
	long long down_until_ms; /* fail fast until then */
	int waiting;             /* borrowers waiting for a free slot */
	struct db_slot *slots;
	db_event_sink_fn sink; /* set on each connection lent */
	void *sink_arg;
	void (*released)(void *); /* after a slot is given back */
	void *released_arg;
	void (*wanted)(void *); /* a worker would wait while some are parked */
	void *wanted_arg;
};

/* What PostgreSQL says besides results (a NOTICE, a WARNING from a
 * migration) is a log line like ours: libpq would print it raw to stderr. */
static void
log_notice(void *arg, const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	char q[512];

	(void)arg;
	log_msg(sev && strcmp(sev, "WARNING") == 0 ? LOG_WARN : LOG_INFO,
	        "database notice", "severity=%s sqlstate=%s message=%s",
	        sev ? sev : "-", state ? state : "-",
	        log_quote(q, sizeof q, msg ? msg : PQresultErrorMessage(r)));
}

PGconn *
db_connect(const char *conninfo, int timeout, struct pl_error *err)
{
	/* TCP keepalives and tcp_user_timeout come before dbname, so the
	 * URL's own values win: a peer that vanishes (power, network) is
	 * noticed in about half a minute, also on an idle connection. */
	const char *keys[] = {"keepalives",          "keepalives_idle",
	                      "keepalives_interval", "keepalives_count",
	                      "tcp_user_timeout",    "dbname",
	                      "connect_timeout",     "application_name",
	                      "client_encoding",     NULL};
	char tmo[16], q[512];
	const char *vals[] = {"1",      "15", "5",        "3",    "30000",
	                      conninfo, tmo,  "padlined", "UTF8", NULL};
	PGconn *c;

	snprintf(tmo, sizeof tmo, "%d", timeout);
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		log_warn("database connect failed", "error=%s",
		         log_quote(q, sizeof q,
		                   c ? PQerrorMessage(c) : "out of memory"));
		PQfinish(c);
		pl_error_set(err, PL_ERR_UNAVAILABLE, "database_unavailable",
		             "database unavailable, try again shortly");
		return NULL;
	}
	PQsetNoticeReceiver(c, log_notice, NULL);
	return c;
}

struct db_pool *
db_pool_new(const char *conninfo, const char *schema, int size, int timeout,
            int query_timeout, int prepare)
{
	struct db_pool *p = xcalloc(1, sizeof *p);

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->conninfo = xstrdup(conninfo);
	p->schema = xstrdup(schema);
	p->timeout = timeout;
	p->query_timeout = query_timeout;
	p->prepare = prepare;
	p->size = size;
	p->slots = xcalloc((size_t)size, sizeof *p->slots);
	return p;
}

void
db_pool_free(struct db_pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->size; i++)
		db_conn_free(p->slots[i].conn);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p->slots);
	free(p->conninfo);
	free(p->schema);
	free(p);
}

static struct db_slot *
pool_take_slot(struct db_pool *p, struct pl_error *err)
{
	struct timespec until;
	long long now = mono_ms();

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DB_POOL_WAIT_MS / 1000;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (now < p->down_until_ms) {
			pthread_mutex_unlock(&p->lock);
			pl_error_set(err, PL_ERR_UNAVAILABLE,
			             "database_unavailable",
			             "database unavailable, try again shortly");
			return NULL;
		}
		/* Prefer a slot with a live connection. */
		struct db_slot *pick = NULL;
		int parked = 0;

		for (int i = 0; i < p->size; i++) {
			struct db_slot *s = &p->slots[i];

			parked += s->parked;
			if (s->busy)
				continue;
			if (pick == NULL || (pick->conn == NULL && s->conn))
				pick = s;
		}
		if (pick != NULL) {
			pick->busy = 1;
			pthread_mutex_unlock(&p->lock);
			return pick;
		}
		/* The loop gives its parked ones back when asked; they
		 * come free like any other (waiting keeps it from parking
		 * more). */
		if (parked > 0 && p->wanted != NULL)
			p->wanted(p->wanted_arg);
		p->waiting++;
		int timedout =
		    pthread_cond_timedwait(&p->freed, &p->lock, &until) != 0;
		p->waiting--;
		if (timedout) {
			pthread_mutex_unlock(&p->lock);
			pl_error_set(err, PL_ERR_UNAVAILABLE, "pool_exhausted",
			             "server busy, try again shortly");
			return NULL;
		}
		now = mono_ms();
	}
}

/* Sets a lent slot's connection under the lock: db_pool_return on other
 * threads reads every slot's conn while looking for its own. */
static void
pool_slot_set(struct db_pool *p, struct db_slot *s, struct db_conn *c)
{
	pthread_mutex_lock(&p->lock);
	s->conn = c;
	pthread_mutex_unlock(&p->lock);
}

static void
pool_release_slot(struct db_pool *p, struct db_slot *s)
{
	pthread_mutex_lock(&p->lock);
	s->busy = 0;
	s->parked = 0;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/*
 * After a server failure (lost, hung, a standby now) the idle connections
 * are to the same server: closed now, so that borrowers connect afresh
 * (libpq finds the new primary) instead of each waiting out a deadline on
 * one of them.
 */
static void
pool_drop_idle(struct db_pool *p)
{
	struct db_conn **drop = xcalloc((size_t)p->size, sizeof *drop);
	int n = 0;

	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->size; i++)
		if (!p->slots[i].busy && p->slots[i].conn != NULL) {
			drop[n++] = p->slots[i].conn;
			p->slots[i].conn = NULL;
		}
	pthread_mutex_unlock(&p->lock);
	if (n > 0)
		log_info("closing idle database connections after a failure",
		         "count=%d", n);
	for (int i = 0; i < n; i++)
		db_conn_free(drop[i]);
	free(drop);
}

void
db_pool_set_event_sink(struct db_pool *p, db_event_sink_fn sink, void *arg)
{
	pthread_mutex_lock(&p->lock);
	p->sink = sink;
	p->sink_arg = arg;
	pthread_mutex_unlock(&p->lock);
}

int
db_pool_borrow(struct db_pool *p, struct db_conn **out, struct pl_error *err)
{
	struct db_slot *s;
	long long now;

	*out = NULL;
	if ((s = pool_take_slot(p, err)) == NULL)
		return err->code;
	now = mono_ms();
	if (s->conn != NULL && time(NULL) - s->born >= POOL_RECYCLE_S) {
		log_debug("recycling database connection", "age_s=%lld",
		          (long long)(time(NULL) - s->born));
		db_conn_free(s->conn);
		pool_slot_set(p, s, NULL);
	}
	if (s->conn != NULL && now - s->last_used_ms > POOL_PING_IDLE_MS &&
	    !db_conn_ping(s->conn)) {
		/* Reconnect rather than PQreset: a new connection starts
		 * with nothing prepared, as a new struct db_conn says. */
		log_info("database connection broken, reconnecting", "%s", "");
		if (db_conn_lost(s->conn))
			pool_drop_idle(p);
		db_conn_free(s->conn);
		pool_slot_set(p, s, NULL);
	}
	if (s->conn == NULL) {
		pool_slot_set(
		    p, s,
		    db_conn_new(db_connect(p->conninfo, p->timeout, err),
		                p->schema, p->prepare, err));
		if (s->conn == NULL) {
			pthread_mutex_lock(&p->lock);
			p->down_until_ms = mono_ms() + POOL_DOWN_BACKOFF_MS;
			pthread_mutex_unlock(&p->lock);
			pool_release_slot(p, s);
			if (p->released != NULL)
				p->released(p->released_arg);
			return err->code;
		}
		s->born = time(NULL);
		db_conn_set_timeout(s->conn, p->query_timeout * 1000);
	}
	db_conn_set_event_sink(s->conn, p->sink, p->sink_arg);
	*out = s->conn;
	return 0;
}

int
db_pool_try_borrow(struct db_pool *p, struct db_conn **out, int *ping)
{
	long long now = mono_ms();
	time_t t = time(NULL);
	struct db_slot *pick = NULL;
	int any_free = 0;

	*out = NULL;
	pthread_mutex_lock(&p->lock);
	/* Workers waiting for a slot go first: they hold a thread. */
	for (int i = 0; i < p->size && p->waiting == 0; i++) {
		struct db_slot *s = &p->slots[i];

		if (s->busy)
			continue;
		any_free = 1;
		/* Only what db_pool_borrow would lend without connecting or
		 * recycling; one used just now before one to ping. */
		if (now < p->down_until_ms || s->conn == NULL ||
		    t - s->born >= POOL_RECYCLE_S)
			continue;
		if (pick == NULL || now - s->last_used_ms <= POOL_PING_IDLE_MS)
			pick = s;
		if (now - s->last_used_ms <= POOL_PING_IDLE_MS)
			break;
	}
	if (pick != NULL)
		pick->busy = 1;
	pthread_mutex_unlock(&p->lock);
	if (pick == NULL)
		return any_free ? 1 : -1;
	*ping = now - pick->last_used_ms > POOL_PING_IDLE_MS;
	db_conn_set_event_sink(pick->conn, p->sink, p->sink_arg);
	*out = pick->conn;
	return 0;
}

void
db_pool_set_release_hook(struct db_pool *p, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&p->lock);
	p->released = fn;
	p->released_arg = arg;
	pthread_mutex_unlock(&p->lock);
}

void
db_pool_return(struct db_pool *p, struct db_conn *c)
{
	struct db_slot *s = NULL;

	/* Other slots are only ever read under the lock. */
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->size && s == NULL; i++)
		if (p->slots[i].busy && p->slots[i].conn == c)
			s = &p->slots[i];
	pthread_mutex_unlock(&p->lock);
	if (s == NULL) {
		log_error("returned a connection the pool does not own", "%s",
		          "");
		db_conn_free(c);
		return;
	}
	/* The slot is ours (busy) until released. A step that returned
	 * mid-transaction is rolled back; what cannot be made clean is
	 * closed, never lent. */
	if (!db_conn_reusable(c)) {
		if (db_conn_lost(c))
			pool_drop_idle(p);
		db_conn_free(c);
		pool_slot_set(p, s, NULL);
	}
	s->last_used_ms = mono_ms();
	pool_release_slot(p, s);
	if (p->released != NULL)
		p->released(p->released_arg);
}

/* db_pool_keep and db_pool_park: parked says how c stays lent. */
static int
pool_keep(struct db_pool *p, struct db_conn *c, int parked)
{
	struct db_slot *s = NULL;
	long long now = mono_ms();
	int keep = 0;

	if (!db_conn_reusable(c))
		return 0;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->size && s == NULL; i++)
		if (p->slots[i].busy && p->slots[i].conn == c)
			s = &p->slots[i];
	if (s != NULL && p->waiting == 0 && now >= p->down_until_ms &&
	    time(NULL) - s->born < POOL_RECYCLE_S) {
		s->last_used_ms = now;
		s->parked = parked;
		keep = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return keep;
}

int
db_pool_keep(struct db_pool *p, struct db_conn *c)
{
	return pool_keep(p, c, 0);
}

int
db_pool_park(struct db_pool *p, struct db_conn *c)
{
	return pool_keep(p, c, 1);
}

void
db_pool_set_want_hook(struct db_pool *p, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&p->lock);
	p->wanted = fn;
	p->wanted_arg = arg;
	pthread_mutex_unlock(&p->lock);
}

void
db_pool_usage(struct db_pool *p, struct db_pool_usage *u)
{
	pthread_mutex_lock(&p->lock);
	u->size = p->size;
	u->in_use = 0;
	for (int i = 0; i < p->size; i++)
		u->in_use += p->slots[i].busy && !p->slots[i].parked;
	u->waiting = p->waiting;
	pthread_mutex_unlock(&p->lock);
}

int
db_pool_ping(struct db_pool *p)
{
	struct pl_error err;
	struct db_conn *c;
	int ok;

	pl_error_init(&err);
	if (db_pool_borrow(p, &c, &err) != 0)
		return 0;
	ok = db_conn_ping(c);
	db_pool_return(p, c);
	return ok;
}

struct db_conn *
db_conn_open(const char *conninfo, const char *schema, int timeout,
             struct pl_error *err)
{
	return db_conn_new(db_connect(conninfo, timeout, err), schema, 0, err);
}
