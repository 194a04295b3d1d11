/*
 * Reading JSON-RPC params in the rpc_* layer: typed getters that fill
 * pl_error with a 400 violation naming the field, so every method reports a
 * wrong type or a missing field the same way.
 */
#ifndef PL_PARAMS_H
#define PL_PARAMS_H

#include <jansson.h>

#include "pl_error.h"

/* *out = params[key] as a string (borrowed), or NULL when absent/null and
 * !required. Wrong type, or absent and required → PL_ERR_VALIDATION with a
 * violation {field: key, rule: "type"|"required"}. */
int params_str(json_t *params, const char *key, int required, const char **out,
               struct pl_error *err);
/* Integer in [min, max]; absent → *out = dflt (when !required). */
int params_int(json_t *params, const char *key, int required, long long min,
               long long max, long long dflt, long long *out,
               struct pl_error *err);
/* Boolean; absent → *out = dflt (when !required). */
int params_bool(json_t *params, const char *key, int required, int dflt,
                int *out, struct pl_error *err);
/* A UUID string (canonical 8-4-4-4-12 hex). Malformed → 400 rule "format". */
int params_uuid(json_t *params, const char *key, int required, const char **out,
                struct pl_error *err);
/* Every method's params, before the method runs: a string holding NUL
 * (\u0000: valid JSON, which PostgreSQL text cannot store), at any depth,
 * is a violation {field: the top-level key, rule: "nul"}. */
int params_check_text(json_t *params, struct pl_error *err);

#endif
