/*
 * server.hello and server.health: what a client asks before anything else.
 * health probes PostgreSQL and Redis itself rather than borrowing through a
 * STEP_DB, so it answers "db: down" instead of failing with 503.
 */
#include <string.h>

#include "app.h"
#include "form_token.h"
#include "rpc.h"
#include "validate.h"

static int
hello_run(struct rpc_call *call)
{
	char token[256];
	struct config *cfg = call->app->cfg;

	if (form_token_issue(call->app, token, sizeof token, &call->err) != 0)
		return call->err.code;
	call->result =
	    json_pack("{s:s, s:s, s:s, s:o, s:s, s:{s:s}}", "server",
	              "padlined", "version", PADLINE_VERSION, "registration",
	              config_registration_name(cfg->registration),
	              "password_policy", password_policy_json(), "form_token",
	              token, "events", "channel", cfg->events_channel);
	return PL_OK;
}

static int
health_run(struct rpc_call *call)
{
	int db_up = db_pool_ping(call->app->db);
	redisContext *rc = rds_pool_borrow(call->app->rds);
	int redis_up = 0;

	if (rc != NULL) {
		redisReply *r = redisCommand(rc, "PING");

		redis_up = r != NULL && r->type == REDIS_REPLY_STATUS;
		if (r)
			freeReplyObject(r);
		rds_pool_return(call->app->rds, rc, !redis_up);
	}
	call->result = json_pack("{s:s, s:s, s:s}", "db", db_up ? "up" : "down",
	                         "redis", redis_up ? "up" : "down",
	                         "migrations", call->app->migrations_version);
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
