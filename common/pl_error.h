/*
 * pl_error: the one error idiom of padline. A function that can fail returns
 * int (0 on success, otherwise the error code) and fills a caller-owned
 * struct pl_error. Only the RPC layer turns it into a JSON-RPC error object.
 */
#ifndef PL_ERROR_H
#define PL_ERROR_H

#include <jansson.h>

enum pl_code {
	PL_OK = 0,
	PL_ERR_PARSE = -32700,
	PL_ERR_INVALID_REQUEST = -32600,
	PL_ERR_METHOD_NOT_FOUND = -32601,
	PL_ERR_INVALID_PARAMS = -32602,
	PL_ERR_VALIDATION = 400,
	PL_ERR_UNAUTHORIZED = 401,
	PL_ERR_FORBIDDEN = 403,
	PL_ERR_NOT_FOUND = 404,
	PL_ERR_CONFLICT = 409,
	PL_ERR_TOO_MANY = 429,
	PL_ERR_INTERNAL = 500,
	PL_ERR_UNAVAILABLE = 503,
};

/* pl_error_init sets each member by name: a new member is set there too. */
struct pl_error {
	int code;        /* enum pl_code; 0 while no error */
	char reason[32]; /* machine-readable reason, "" if none (data.reason) */
	char message[256];  /* human-readable, safe to show to a client */
	json_t *violations; /* owned array of {field, rule, message}, or NULL */
	int retry_after;    /* seconds, for PL_ERR_TOO_MANY; 0 otherwise */
	json_t *data;       /* owned object of further data members, or NULL */
};

void pl_error_init(struct pl_error *);
/* Frees the violations; leaves the struct reusable. */
void pl_error_clear(struct pl_error *);
/* Sets code, reason (may be NULL) and a printf-style message; returns code. */
int pl_error_set(struct pl_error *, int code, const char *reason,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Appends one {field, rule, message} violation and sets code 400 with a
 * generic message if no code is set yet. Returns PL_ERR_VALIDATION.
 */
int pl_error_violation(struct pl_error *, const char *field, const char *rule,
                       const char *message);
/* Adds member key (value stolen) to the error's data object, next to reason
 * and violations: what a client needs to act on the error (for example
 * data.current of a version conflict). Returns the error code. */
int pl_error_data(struct pl_error *, const char *key, json_t *value);
/* Builds the JSON-RPC "error" member value: {code, message, data?}. New ref. */
json_t *pl_error_to_json(const struct pl_error *);

#endif
