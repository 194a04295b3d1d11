/*
 * server.hello and server.health: what a client asks before anything else;
 * server.stats: how this instance is doing, for operators. health and stats
 * probe PostgreSQL and Redis themselves rather than borrowing through a
 * STEP_DB, so they answer "down" instead of failing with 503.
 */
#include <string.h>

#include "app.h"
#include "db_probe.h"
#include "form_token.h"
#include "rpc.h"
#include "stats.h"
#include "validate.h"

static int
hello_run(struct rpc_call *call)
{
	char token[256], pk[EVENT_SIG_PK_HEX];
	struct config *cfg = call->app->cfg;

	if (form_token_issue(call->app, token, sizeof token, &call->err) != 0)
		return call->err.code;
	call->result = json_pack(
	    "{s:s, s:s, s:s, s:o, s:s}", "server", "padlined", "version",
	    PADLINE_VERSION, "registration",
	    config_registration_name(cfg->registration), "password_policy",
	    password_policy_json(), "form_token", token);
	/* What a client checks before sending (a pad too large to save). */
	json_object_set_new(
	    call->result, "limits",
	    json_pack("{s:I, s:I, s:i}", "max_line", (json_int_t)cfg->max_line,
	              "max_pad_bytes", (json_int_t)cfg->max_pad_bytes,
	              "session_idle_s", cfg->session_idle));
	/* Where this deployment's events are published (per schema), and
	 * the key their signatures verify with. */
	event_sig_pk_hex(call->app->events_pk, pk);
	json_object_set_new(call->result, "events",
	                    json_pack("{s:s, s:s}", "channel",
	                              cfg->events_channel, "public_key", pk));
	return PL_OK;
}

/* How long server.health waits for PostgreSQL's answer (db_probe.h). */
#define HEALTH_DB_WAIT_MS 1000

static int
health_run(struct rpc_call *call)
{
	enum db_probe_state db =
	    db_probe_check(call->app->db_probe, HEALTH_DB_WAIT_MS);
	enum rds_state redis = rds_pool_probe(call->app->rds);
	const char *redis_s = redis == RDS_UP         ? "up"
	                      : redis == RDS_READONLY ? "readonly"
	                                              : "down";

	call->result = json_pack(
	    "{s:s, s:o, s:s, s:s}", "db", db == DB_PROBE_DOWN ? "down" : "up",
	    "pg_is_in_recovery",
	    db == DB_PROBE_DOWN ? json_null()
	                        : json_boolean(db == DB_PROBE_STANDBY),
	    "redis", redis_s, "migrations", call->app->migrations_version);
	return PL_OK;
}

const struct rpc_method rpc_server_hello = {
    .name = "server.hello",
    .auth = RPC_AUTH_NONE,
    .steps = {{STEP_CPU, hello_run}},
};

const struct rpc_method rpc_server_health = {
    .name = "server.health",
    .auth = RPC_AUTH_NONE,
    .steps = {{STEP_CPU, health_run}},
};

/* A CPU step, so it answers while PostgreSQL is down; the price is that a
 * session ended on another connection is not re-checked here (no database
 * step), only its expiry. */
static int
stats_run(struct rpc_call *call)
{
	struct stats_probe probe;

	if (call->app->stats == NULL)
		return pl_error_set(&call->err, PL_ERR_INTERNAL, "internal",
		                    "statistics are not kept");
	stats_probe(call->app, &probe);
	call->result = stats_report_json(call->app, &probe);
	return PL_OK;
}

const struct rpc_method rpc_server_stats = {
    .name = "server.stats",
    .auth = RPC_AUTH_ADMIN,
    .steps = {{STEP_CPU, stats_run}},
};
