/*
 * Where the audit log stands: the newest event id, found with events.since
 * alone (a search over `after`, limit 1), so a subscriber that has not yet
 * received any event still knows what to backfill after a Redis outage.
 */
#ifndef PL_TUI_BASELINE_H
#define PL_TUI_BASELINE_H

#include "rpc_client.h"

/* last = the newest event id (0 for an empty log), or -1 on error. */
typedef void (*baseline_cb)(void *ud, long long last);

/* Starts the search on c (admin session needed); done is called once. */
void baseline_find(struct rpc_client *c, baseline_cb done, void *ud);

#endif
