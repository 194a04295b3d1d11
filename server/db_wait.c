/*
 * How a worker waits for PostgreSQL: poll(2) on the connection's socket
 * until a result is ready or the deadline passes, and the cancel that
 * follows a missed deadline, sent from a detached thread.
 */
#include "db_wait.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "log.h"
#include "mono_time.h"

int
db_wait(PGconn *pg, long long deadline_ms)
{
	int fd = PQsocket(pg);

	for (;;) {
		int unsent = PQflush(pg);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left;

		if (unsent < 0)
			return -1;
		/* A batch's results mostly arrive together: the later ones
		 * are already read, and a recv(2) for each would only find
		 * the socket empty. */
		if (unsent == 0 && !PQisBusy(pg))
			return 0;
		/* Read while sending too: a server may answer early, and
		 * blocks when nobody reads its answers. */
		if (PQconsumeInput(pg) == 0)
			return -1;
		if (unsent == 0 && !PQisBusy(pg))
			return 0;
		if ((left = deadline_ms - mono_ms()) <= 0)
			return 1;
		if (unsent)
			p.events |= POLLOUT;
		if (poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left) < 0 &&
		    errno != EINTR)
			return -1;
	}
}

/* Cancel threads still waiting for their server. */
static atomic_int cancels_running;

static void *
cancel_run(void *arg)
{
	PGcancel *cancel = arg;
	char msg[256], q[300];

	if (!PQcancel(cancel, msg, sizeof msg))
		log_info("database cancel request failed", "error=%s",
		         log_quote(q, sizeof q, msg));
	PQfreeCancel(cancel);
	atomic_fetch_sub(&cancels_running, 1);
	return NULL;
}

void
db_cancel_async(PGconn *pg)
{
	PGcancel *cancel;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (atomic_fetch_add(&cancels_running, 1) >= DB_CANCELS_MAX) {
		atomic_fetch_sub(&cancels_running, 1);
		log_warn("database cancel skipped", "running=%d",
		         DB_CANCELS_MAX);
		return;
	}
	if ((cancel = PQgetCancel(pg)) == NULL) {
		atomic_fetch_sub(&cancels_running, 1);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, cancel_run, cancel);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_warn("database cancel skipped", "error=%s", strerror(rc));
		PQfreeCancel(cancel);
		atomic_fetch_sub(&cancels_running, 1);
	}
}
