/*
 * Form tokens, the registration form's CSRF token: issued by server.hello,
 * signed with the shared secret, expiring, and accepted once across every
 * instance.
 */
#ifndef PL_FORM_TOKEN_H
#define PL_FORM_TOKEN_H

#include <stddef.h>

#include "db.h"
#include "pl_error.h"

struct padlined;

/* Writes a fresh token (NUL-terminated) into out. */
int form_token_issue(struct padlined *, char *out, size_t outsz,
                     struct pl_error *);
/* The token's MAC and expiry only (no database): cheap enough to run with
 * the other input rules, before any hashing. Violations as below. */
int form_token_check(struct padlined *, const char *token, struct pl_error *);
/* Milliseconds from the token's issue to now (the form's fill time), or
 * -1 when the token is missing, forged or expired. */
long long form_token_fill_ms(struct padlined *, const char *token);
/*
 * Spends token: checks its MAC and expiry, then records its nonce in
 * form_token_uses so a replay fails on any instance. Missing, forged,
 * expired or reused → 400 with a violation on field "form_token" (rules
 * "required", "invalid", "expired", "reused"); db errors as db_exec.
 */
int form_token_consume(struct padlined *, struct db_conn *, const char *token,
                       struct pl_error *);

#endif
