/*
 * server.health's view of PostgreSQL: a connection of its own (never the
 * pool's, whose connections may all be stuck on a hung server) probed on a
 * thread of its own, so a health check waits a bounded time whatever the
 * server does.
 */
#ifndef PL_DB_PROBE_H
#define PL_DB_PROBE_H

enum db_probe_state {
	DB_PROBE_DOWN,    /* no answer within the wait */
	DB_PROBE_PRIMARY, /* answered, pg_is_in_recovery() false */
	DB_PROBE_STANDBY, /* answered, pg_is_in_recovery() true */
};

struct db_probe;

/* Starts the probe thread (connects on the first check); NULL when the
 * thread cannot be started. */
struct db_probe *db_probe_new(const char *conninfo, const char *schema,
                              int connect_timeout);
/* Waits for a probe still connecting (at most connect_timeout per host). */
void db_probe_free(struct db_probe *);
/*
 * Asks the server "pg_is_in_recovery()" and waits at most wait_ms for the
 * answer: DOWN when none came in time. A probe still running from an
 * earlier call is waited for rather than doubled.
 */
enum db_probe_state db_probe_check(struct db_probe *, int wait_ms);

#endif
