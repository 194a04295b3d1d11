/*
 * Is padlined answering? A probe (server.health, once a second while the
 * last one was answered) on the client's connection: no answer within
 * PROBE_LATE_MS, or a failed connection, is "not answering" until the next
 * answer. The TUI and watch say so; the age of what they show is the time
 * since the last answer. No curses.
 */
#ifndef PL_TUI_PROBE_H
#define PL_TUI_PROBE_H

#include <stdint.h>
#include <uv.h>

#include "rpc_client.h"

#define PROBE_EVERY_MS 1000
#define PROBE_LATE_MS 1500

/* Called when padlined stops answering (up 0) or answers again (up 1). */
typedef void (*probe_changed)(void *ud, int up);

struct probe {
	uv_timer_t timer;
	struct rpc_client *rpc;
	probe_changed changed;
	void *ud;
	int waiting;       /* a probe is out */
	int down;          /* padlined is not answering */
	uint64_t sent_at;  /* when the probe out was sent (uv_now) */
	uint64_t answered; /* the last answer */
};

/* Embeds the probe in its owner (p must live until probe_stop's loop
 * turn and rpc's end); the first probe goes now. */
void probe_start(struct probe *p, uv_loop_t *loop, struct rpc_client *rpc,
                 probe_changed changed, void *ud);
void probe_stop(struct probe *p);
/* Milliseconds since padlined last answered. */
uint64_t probe_age_ms(const struct probe *p);

#endif
