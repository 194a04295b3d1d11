/*
 * Sharing a pad read-only with other users (pad.share, pad.unshare,
 * pad.shares): owner only; a viewer gets 403 read_only, anyone else 404.
 * Each change writes a pad.shared / pad.unshared audit row in its
 * transaction and publishes the event after COMMIT.
 */
#ifndef PL_SVC_SHARE_H
#define PL_SVC_SHARE_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"

struct padlined;

/* role NULL = "viewer" (the only role). Sharing again is not an error: the
 * existing share comes back and nothing is audited. */
int svc_pad_share(struct padlined *, struct db_conn *, const char *user_id,
                  const char *id, const char *username, const char *role,
                  json_t **share, struct pl_error *);
int svc_pad_unshare(struct padlined *, struct db_conn *, const char *user_id,
                    const char *id, const char *username, struct pl_error *);
int svc_pad_shares(struct padlined *, struct db_conn *, const char *user_id,
                   const char *id, json_t **shares, struct pl_error *);

#endif
