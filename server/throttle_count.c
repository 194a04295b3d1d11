/*
 * The per-minute count of throttled sign-ins (throttle_count.h): INCR and
 * EXPIRE on one key per minute, read back with one MGET.
 */
#include "throttle_count.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>

#include "mono_time.h"
#include "rds_pool.h"
#include "xalloc.h"

#define KEEP_S (2 * 86400)
#define KEY_MAX 160

static void
minute_key(char *out, const char *schema, long long minute)
{
	snprintf(out, KEY_MAX, "padline:throttled:%s:%lld", schema, minute);
}

void
throttle_count_add(struct rds_pool *rds, const char *schema)
{
	redisContext *rc = rds ? rds_pool_borrow(rds) : NULL;
	char key[KEY_MAX];
	redisReply *r = NULL;
	int broken = 0;

	if (rc == NULL)
		return;
	minute_key(key, schema, wall_ms() / 60000);
	if (redisAppendCommand(rc, "INCR %s", key) != REDIS_OK ||
	    redisAppendCommand(rc, "EXPIRE %s %d", key, KEEP_S) != REDIS_OK)
		broken = 1;
	for (int i = 0; i < 2 && !broken; i++) {
		if (redisGetReply(rc, (void **)&r) != REDIS_OK || r == NULL ||
		    r->type == REDIS_REPLY_ERROR)
			broken = 1;
		freeReplyObject(r);
		r = NULL;
	}
	rds_pool_return(rds, rc, broken);
}

void
throttle_count_fill(struct rds_pool *rds, const char *schema, json_t *series)
{
	size_t n = json_array_size(series), i;
	redisContext *rc = rds && n ? rds_pool_borrow(rds) : NULL;
	const char **argv = xcalloc(n + 1, sizeof *argv);
	char(*keys)[KEY_MAX] = xcalloc(n ? n : 1, sizeof *keys);
	redisReply *r = NULL;
	json_t *e;

	argv[0] = "MGET";
	json_array_foreach (series, i, e) {
		minute_key(
		    keys[i], schema,
		    json_integer_value(json_object_get(e, "minute_epoch")));
		argv[i + 1] = keys[i];
		json_object_set_new(e, "throttled", json_integer(0));
	}
	if (rc != NULL)
		r = redisCommandArgv(rc, (int)n + 1, argv, NULL);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == n)
		json_array_foreach (series, i, e)
			if (r->element[i]->type == REDIS_REPLY_STRING)
				json_object_set_new(
				    e, "throttled",
				    json_integer(
				        strtoll(r->element[i]->str, NULL, 10)));
	if (rc != NULL)
		rds_pool_return(rds, rc, r == NULL);
	freeReplyObject(r);
	free(keys);
	free(argv);
}
