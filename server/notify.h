/*
 * Talking to systemd (Type=notify) through libsystemd's sd_notify: READY=1
 * once padlined listens, STOPPING=1 when it starts draining, STATUS= lines
 * for what it is doing, and WATCHDOG=1 pings from the event loop itself when
 * the unit sets WatchdogSec, so a stuck loop stops pinging and gets
 * restarted. Without NOTIFY_SOCKET every call does nothing.
 */
#ifndef PL_NOTIFY_H
#define PL_NOTIFY_H

#include <uv.h>

struct notify;

/* STATUS=<text>: shown by `systemctl status`. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * READY=1 with a status line. With a watchdog (WATCHDOG_USEC), starts a loop
 * timer pinging WATCHDOG=1 at half the interval and returns it (else NULL);
 * notify_stopping() ends it.
 */
struct notify *notify_ready(uv_loop_t *loop, const char *status);
/* STOPPING=1; stops and frees the watchdog timer (NULL is fine). */
void notify_stopping(struct notify *);

#endif
