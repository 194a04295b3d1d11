/*
 * Reads of the audit log: admins' events.since, and a user's own security
 * activity (account.activity) and an account's timeline for admins
 * (user.timeline). The rows themselves are written by the
 * services that act (audit_emit, outbox.h) and published after commit.
 */
#include "svc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo_audit.h"
#include "repo_signup.h"
#include "repo_user.h"

int
svc_audit_since(struct db_conn *db, long long after, int limit, json_t **result,
                struct pl_error *err)
{
	json_t *events = NULL;

	if (repo_audit_since(db, after, limit, &events, err) != 0)
		return err->code;
	*result = json_pack("{s:o}", "events", events);
	return PL_OK;
}

int
svc_audit_activity(struct db_conn *db, const char *user_id, const char *after,
                   int limit, json_t **result, struct pl_error *err)
{
	long long before = 0;
	char *end = NULL, next[32];
	json_t *items = NULL;

	/* The cursor is the id of the last row of the previous page. */
	if (after != NULL) {
		before = strtoll(after, &end, 10);
		if (*after == '\0' || *end != '\0' || before <= 0)
			return pl_error_violation(err, "after", "format",
			                          "not the next of an earlier "
			                          "page");
	}
	if (repo_audit_activity(db, user_id, before, limit + 1, &items, err) !=
	    0)
		return err->code;
	if (json_array_size(items) > (size_t)limit) {
		json_array_remove(items, (size_t)limit);
		snprintf(next, sizeof next, "%lld",
		         (long long)json_integer_value(json_object_get(
		             json_array_get(items, (size_t)limit - 1), "id")));
		*result =
		    json_pack("{s:o, s:s}", "events", items, "next", next);
	} else
		*result = json_pack("{s:o, s:n}", "events", items, "next");
	return PL_OK;
}

int
svc_audit_timeline(struct db_conn *db, const char *user_id, const char *after,
                   int limit, json_t **result, struct pl_error *err)
{
	json_t *detail = NULL, *attempt = NULL;

	/* Only its user is read (so no idle limit for its sessions). */
	if (repo_user_detail(db, user_id, NULL, 0, &detail, err) != 0)
		return err->code;
	if (detail == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such user");
	/* The attempt comes first in time: it belongs on the first page. */
	if (after == NULL &&
	    repo_signup_attempt_of(db, user_id, &attempt, err) != 0) {
		json_decref(detail);
		return err->code;
	}
	if (svc_audit_activity(db, user_id, after, limit, result, err) != 0) {
		json_decref(attempt);
		json_decref(detail);
		return err->code;
	}
	json_object_set(*result, "user", json_object_get(detail, "user"));
	json_object_set_new(*result, "attempt",
	                    attempt ? attempt : json_null());
	json_decref(detail);
	return PL_OK;
}
