/*
 * The process-wide context handed to every step: configuration and the
 * shared resources (PostgreSQL pool, Redis pool, form-token and event-signing
 * keys). It is created before the loop starts and read-only afterwards, apart
 * from the pools' own locking.
 */
#ifndef PL_APP_H
#define PL_APP_H

#include "config.h"
#include "event_sig.h"
#include "db_pool.h"
#include "login_limit.h"
#include "rds_pool.h"

struct breached;
struct db_probe;
struct disposable;
struct events_publisher;
struct events_relay;
struct signup_defense;
struct stats;

struct padlined {
	struct config *cfg;
	struct db_pool *db;
	struct db_probe *db_probe; /* server.health's (db_probe.h) */
	struct rds_pool *rds;
	struct login_limit *limits;      /* login attempt counters */
	struct stats *stats;             /* server.stats counters (stats.h) */
	struct events_publisher *events; /* events_publisher.h */
	struct events_relay *relay;      /* the relay's state (events.h) */
	struct breached *breached;       /* breach list (breached.h), or NULL */
	struct disposable *disposable;   /* disposable email domains */
	struct signup_defense *signup;   /* detectors and rules */
	unsigned char form_key[32];      /* derived from cfg->secret */
	/* Signs published events (event_sig.h), derived from cfg->secret. */
	unsigned char events_pk[EVENT_SIG_PK_BYTES];
	unsigned char events_sk[EVENT_SIG_SK_BYTES];
	char migrations_version[64]; /* latest applied, for server.health */
};

#endif
