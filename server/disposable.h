/*
 * Disposable email domains: the shipped list (share/padline/disposable-
 * domains.txt) plus the admin's own (PADLINE_DISPOSABLE_EXTRA), loaded once
 * at start into a sorted array searched with bsearch, read-only afterwards
 * so every worker may ask at once. A detector only: it says whether a
 * domain is disposable; what to do about it is the rules' business.
 */
#ifndef PL_DISPOSABLE_H
#define PL_DISPOSABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "pl_error.h"

#define DISPOSABLE_FILE "disposable-domains.txt"

struct disposable;

/*
 * Loads list (the shipped file) and extra (may be NULL): one domain a line,
 * blank lines and lines starting with '#' skipped, a leading "*." or "."
 * ignored (a domain always covers its subdomains), ASCII case folded.
 * A line that is no domain is refused with the file and line number.
 */
int disposable_open(const char *list, const char *extra,
                    struct disposable **out, struct pl_error *err);
void disposable_free(struct disposable *);
/* Distinct domains loaded. */
size_t disposable_size(const struct disposable *);
/* Whether domain (ASCII case-insensitive, a final '.' ignored) or one of
 * its parent domains is listed: sub.mailinator.com is disposable when
 * mailinator.com is. False for NULL, "" and a NULL list. */
bool disposable_domain(const struct disposable *, const char *domain);

#endif
