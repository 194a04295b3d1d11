/*
 * Waiting for PostgreSQL within a deadline, and giving up on it: the one
 * place a worker waits for a server's socket, and a cancel that never
 * blocks its caller.
 */
#ifndef PL_DB_WAIT_H
#define PL_DB_WAIT_H

#include <libpq-fe.h>

/*
 * Sends what libpq holds for pg (nonblocking) and reads until PQgetResult
 * will not block, or until deadline_ms (mono_ms). 0: a result (or the end
 * of one) is ready; 1: the deadline passed; -1: the connection failed.
 */
int db_wait(PGconn *pg, long long deadline_ms);
/*
 * Asks the server to cancel what pg runs, on a thread of its own: PQcancel
 * waits for the server's answer, and a hung server (stopped, not dead)
 * never gives one. Such threads end when the server answers or goes; past
 * DB_CANCELS_MAX of them the cancel is skipped (logged), and the statement
 * ends only with its connection.
 */
#define DB_CANCELS_MAX 16
void db_cancel_async(PGconn *pg);

#endif
