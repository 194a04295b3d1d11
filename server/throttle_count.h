/*
 * Sign-ins refused 429 per minute (signup.stats "throttled"), counted in
 * Redis so every instance adds to the same minute and the count costs the
 * refused client no database work: padline:throttled:<schema>:<unix
 * minute>, kept two days. While Redis is away nothing is counted.
 */
#ifndef PL_THROTTLE_COUNT_H
#define PL_THROTTLE_COUNT_H

#include <jansson.h>

struct rds_pool;

/* One more refusal in the current minute; best effort. */
void throttle_count_add(struct rds_pool *, const char *schema);
/* Sets "throttled" in each entry of series ({minute_epoch: unix minute,
 * ...}) from Redis (0 where nothing was counted, or Redis is away). */
void throttle_count_fill(struct rds_pool *, const char *schema, json_t *series);

#endif
