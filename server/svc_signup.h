/*
 * Signup defense: what the detectors see in a registration attempt
 * (network, domain and shape velocity, fast fill, disposable domain,
 * breached password), the rules that turn that into an alarm, a hold or a
 * block (enforced or in shadow), the attempt's record, and the rules and
 * held accounts admins manage. Runs before the password hash.
 */
#ifndef PL_SVC_SIGNUP_H
#define PL_SVC_SIGNUP_H

#include <jansson.h>

#include "db.h"
#include "pl_error.h"

struct padlined;
struct svc_new_user;
struct signup_screen;

/* The detector names a rule's "when" may be (else it is a filter). */
#define SIGNUP_FAST_FILL_MS 1500
#define SIGNUP_SHAPE_MIN 6 /* shorter usernames have no shape velocity */

struct signup_defense;
struct signup_defense *signup_defense_new(struct padlined *);
void signup_defense_free(struct signup_defense *);

/*
 * The step before the hash. An attempt that failed its input rules
 * (nu->invalid) is recorded and its error returned; otherwise the
 * detectors and rules run: a block is recorded and refused 403
 * registration_refused; a hold is remembered for svc_signup_record.
 */
int svc_signup_screen(struct padlined *, struct db_conn *,
                      struct svc_new_user *, struct pl_error *);
/* 1 when the enforced rules hold the account for approval. */
int svc_signup_holds(const struct svc_new_user *);
/*
 * In the registration's transaction (batched): the attempt (created or
 * held, user the new account) and its audit rows (audit_emit: the events
 * go out when the transaction commits).
 */
int svc_signup_record(struct padlined *, struct db_conn *,
                      struct svc_new_user *, const char *outcome, json_t *user,
                      struct pl_error *);
/*
 * The user object of the registration's events (user.created, user.held):
 * user with a member signup {network, fill_ms, flags} when the attempt was
 * screened, so a console can show and filter what the defense saw. New
 * reference (user itself, unscreened).
 */
json_t *svc_signup_event_user(const struct svc_new_user *, json_t *user);
/*
 * The attempt in /metrics' counters (stats.h) once its outcome is known;
 * its alarms too when committed (the transaction that queued their events
 * committed). Nothing for an attempt that was not screened.
 */
void svc_signup_counted(struct padlined *, const struct svc_new_user *,
                        const char *outcome, int committed);
/* The same in a transaction of its own (a duplicate name), best effort;
 * counted (svc_signup_counted). */
void svc_signup_record_alone(struct padlined *, struct db_conn *,
                             struct svc_new_user *, const char *outcome,
                             const char *reason);
void svc_signup_screen_free(struct signup_screen *);

/* Drops attempts older than PADLINE_SIGNUP_RETENTION (once across
 * instances); best effort. */
void svc_signup_purge(struct padlined *, struct db_conn *);

/* The rules in force: the default rules not replaced by a stored one of
 * the same name (id null), then rows (borrowed); each with "default". New
 * array. */
json_t *signup_rules_with_defaults(json_t *rows);
/* 1 when when names a detector (else it must be a filter). */
int signup_detector(const char *when);
/* The rules changed here: the next attempt reloads them. */
void signup_defense_rules_changed(struct signup_defense *);

/* rule.list, rule.put, rule.delete (admin; svc_signup_admin.c). */
struct svc_signup_rule {
	const char *name, *when, *action, *mode;
	long long threshold, window_s; /* 0: the detector's default */
	int enabled;
};
int svc_signup_rules(struct padlined *, struct db_conn *, json_t **result,
                     struct pl_error *);
int svc_signup_rule_put(struct padlined *, struct db_conn *,
                        const char *actor_id, const struct svc_signup_rule *,
                        json_t **result, struct pl_error *);
int svc_signup_rule_delete(struct padlined *, struct db_conn *,
                           const char *actor_id, const char *id,
                           json_t **result, struct pl_error *);
/* signup.stats: per-minute series and top keys of the last window_min
 * minutes, with the sign-ins throttled each minute (throttle_count.h). */
int svc_signup_stats(struct padlined *, struct db_conn *, int window_min,
                     json_t **result, struct pl_error *);
/* signup.attempts: up to limit attempts older than id after (0: the
 * newest) that match filter (the filter language; NULL or "" all), newest
 * first, {attempts, next} (next: the cursor to go on from, or null). */
int svc_signup_attempts(struct db_conn *, const char *filter, int limit,
                        long long after, json_t **result, struct pl_error *);
/* `padlined rules test` and rule.test: the attempts of the last since_s
 * seconds replayed against the rules in force, or only against one: the
 * stored rule id (when not 0) or the rule named name (when not NULL),
 * replayed even when it is disabled (404 not_found when there is no such
 * rule): {since_s, attempts, rules:
 * [{name, action, mode, would_act, alarms, keys: {key: n}, samples:
 * [username]}]} (svc_signup_replay.c). */
int svc_signup_replay(struct padlined *, struct db_conn *, long long since_s,
                      const char *name, long long id, json_t **result,
                      struct pl_error *);
/* user.approve / user.reject: status is "active" or "rejected"; ids an
 * array of 1 to 1000 checked UUIDs. */
int svc_signup_decide(struct padlined *, struct db_conn *, const char *actor_id,
                      json_t *ids, const char *status, json_t **result,
                      struct pl_error *);

#endif
