/*
 * Repository for the signup defense: signup_attempts (one row per
 * registration attempt), signup_rules, and the status of held accounts.
 * One SQL statement per function, no policy.
 */
#ifndef PL_REPO_SIGNUP_H
#define PL_REPO_SIGNUP_H

#include <jansson.h>

#include "db.h"
#include "pl_error.h"

/* One attempt; NULL strings are SQL NULL, fill_ms < 0 is none. flags,
 * rules and shadow_rules (those of rules that fired in shadow mode) are
 * PostgreSQL array literals ("{fast,disposable}"). */
struct repo_signup_attempt {
	const char *outcome, *user_id, *username, *email_domain, *peer,
	    *network, *shape, *flags, *rules, *shadow_rules, *reason;
	long long fill_ms;
};
int repo_signup_attempt_insert(struct db_conn *,
                               const struct repo_signup_attempt *,
                               struct pl_error *);
/* The key column an alarm's accounts are found by. */
enum repo_signup_key {
	REPO_SIGNUP_NETWORK,
	REPO_SIGNUP_DOMAIN,
	REPO_SIGNUP_SHAPE
};
/* Ids of the accounts created (or held) from attempts whose column equals
 * key within the last window_s seconds, oldest first (new array). */
int repo_signup_user_ids(struct db_conn *, enum repo_signup_key,
                         const char *key, int window_s, json_t **ids,
                         struct pl_error *);
/* Deletes attempts older than retention_s, unless another instance holds
 * the purge's advisory lock; *rows deleted. */
int repo_signup_purge(struct db_conn *, int retention_s, long long *rows,
                      struct pl_error *);

/* Up to limit attempts with id < before (0: from the newest), newest
 * first, as objects {id, at, outcome, user_id, username, email_domain,
 * peer, network, fill_ms, shape, flags, rules, reason} (new array). */
int repo_signup_attempts(struct db_conn *, long long before, int limit,
                         json_t **attempts, struct pl_error *);
/* The attempt that created user_id (the newest, should there be more),
 * as repo_signup_attempts' object; *attempt NULL when there is none (an
 * account made by create-user or user.sync, or an attempt purged). */
int repo_signup_attempt_of(struct db_conn *, const char *user_id,
                           json_t **attempt, struct pl_error *);
/* The attempts of the last since_s seconds, oldest first, as
 * repo_signup_attempts' objects plus at_ms (unix ms) (new array). */
int repo_signup_attempts_since(struct db_conn *, long long since_s,
                               json_t **attempts, struct pl_error *);
/* signup.stats over the last window_min minutes: {window_min, series:
 * [{minute, minute_epoch (unix minutes), created, held, refused, invalid,
 * alarms, failed_signins}],
 * top_networks, top_domains, top_shapes: [{key, count}]} (new object). */
int repo_signup_stats(struct db_conn *, int window_min, json_t **stats,
                      struct pl_error *);

/* Each rule's hits in the last window_s seconds: {name: {enforce, shadow}}
 * for the rules that fired at least once, by the mode each hit had (new
 * object). */
int repo_signup_rule_hits(struct db_conn *, int window_s, json_t **hits,
                          struct pl_error *);
/* Every rule, by id, as {id, name, when, threshold, window_s, action,
 * mode, enabled} (new array). */
int repo_signup_rules(struct db_conn *, json_t **rules, struct pl_error *);
/* Inserts, or updates the rule of that name; *rule the stored object. */
struct repo_signup_rule {
	const char *name, *when, *threshold, *window_s, *action, *mode,
	    *enabled;
};
int repo_signup_rule_put(struct db_conn *, const struct repo_signup_rule *,
                         json_t **rule, struct pl_error *);
/* Deletes rule id; *rule the deleted object, NULL when there was none. */
int repo_signup_rule_delete(struct db_conn *, const char *id, json_t **rule,
                            struct pl_error *);

/* Sets status (and disabled for "rejected") of the pending accounts among
 * ids (a uuid[] literal); *users the changed public objects (new array). */
int repo_signup_decide(struct db_conn *, const char *ids, const char *status,
                       json_t **users, struct pl_error *);

#endif
