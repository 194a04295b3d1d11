/*
 * Form tokens, the seed's CSRF token: issued by server.hello, signed with the
 * shared secret, expiring, and accepted once across every instance.
 */
#ifndef PL_FORM_TOKEN_H
#define PL_FORM_TOKEN_H

#include <libpq-fe.h>
#include <stddef.h>

#include "pl_error.h"

struct app;

/* Writes a fresh token (NUL-terminated) into out. */
int form_token_issue(struct app *, char *out, size_t outsz, struct pl_error *);

#endif
