/*
 * Sliding-window counters for the signup detectors: every instance adds
 * each attempt to Redis sorted sets (one script, one round trip) so the
 * counts and the once-per-window alarm claims are shared; while Redis is
 * away each instance counts the same way in memory (logged once).
 */
#ifndef PL_SIGNUP_WINDOW_H
#define PL_SIGNUP_WINDOW_H

#include <stddef.h>

#define SIGNUP_WINDOW_KEY 400

struct rds_pool;
struct signup_windows;

/* One count to make: the attempt is added to set zkey, the members of the
 * last window_s seconds counted; at threshold or more, and when claim is
 * set, the claim (held window_s) is taken unless another attempt holds
 * it. */
struct signup_window_req {
	char zkey[SIGNUP_WINDOW_KEY];
	char claim[SIGNUP_WINDOW_KEY]; /* "" when no claim is wanted */
	int window_s;
	int threshold;
	long long count; /* out */
	int claimed;     /* out: 1 when the claim was taken now */
};

/* prefix: what every key starts with (the deployment's namespace). */
struct signup_windows *signup_windows_new(struct rds_pool *,
                                          const char *prefix);
void signup_windows_free(struct signup_windows *);
/* Adds one attempt (id: unique per attempt) to every req's set and fills
 * the outs. Returns 0 when counted in Redis, 1 when in memory. */
int signup_windows_count(struct signup_windows *, const char *id,
                         struct signup_window_req *reqs, size_t n);

#endif
