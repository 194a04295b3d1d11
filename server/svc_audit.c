/*
 * Admin reads of the audit log; the rows themselves are written by the
 * services that act (audit_emit, outbox.h) and published after commit.
 */
#include "svc_audit.h"

#include "repo_audit.h"

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
