/*
 * The process-wide context handed to every step: configuration and the
 * shared resources (PostgreSQL pool, Redis pool, form-token key). It is
 * created before the loop starts and read-only afterwards, apart from the
 * pools' own locking.
 */
#ifndef PL_APP_H
#define PL_APP_H

#include "config.h"
#include "db_pool.h"
#include "login_limit.h"
#include "rds_pool.h"

struct db_probe;
struct events_publisher;
struct stats;

struct app {
	struct config *cfg;
	struct db_pool *db;
	struct db_probe *db_probe; /* server.health's (db_probe.h) */
	struct rds_pool *rds;
	struct login_limit *limits;      /* login attempt counters */
	struct stats *stats;             /* server.stats counters (stats.h) */
	struct events_publisher *events; /* events_publisher.h */
	unsigned char form_key[32];      /* derived from cfg->secret */
	char migrations_version[64];     /* latest applied, for server.health */
};

#endif
