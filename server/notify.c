/*
 * sd_notify for padlined: readiness, draining, status and the loop-driven
 * watchdog (see notify.h). The pings come from a timer on the event loop,
 * not a thread of their own: the point is to prove the loop still turns.
 */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "xalloc.h"

struct notify {
	uv_timer_t watchdog;
};

void
notify_status(const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", text);
}

static void
notify_on_watchdog(uv_timer_t *t)
{
	(void)t;
	sd_notify(0, "WATCHDOG=1");
}

struct notify *
notify_ready(uv_loop_t *loop, const char *status)
{
	uint64_t usec = 0;
	struct notify *n;

	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return NULL;
	n = xcalloc(1, sizeof *n);
	uv_timer_init(loop, &n->watchdog);
	/* Half the interval, in ms, never 0: a ping always lands in time. */
	uint64_t ms = usec / 2000 > 0 ? usec / 2000 : 1;
	uv_timer_start(&n->watchdog, notify_on_watchdog, 0, ms);
	log_info("systemd watchdog on", "interval_ms=%llu",
	         (unsigned long long)(usec / 1000));
	return n;
}

static void
notify_on_closed(uv_handle_t *h)
{
	free(h->data);
}

void
notify_stopping(struct notify *n)
{
	sd_notify(0, "STOPPING=1\nSTATUS=draining: answering requests in "
	             "flight");
	if (n == NULL)
		return;
	n->watchdog.data = n;
	uv_timer_stop(&n->watchdog);
	uv_close((uv_handle_t *)&n->watchdog, notify_on_closed);
}
