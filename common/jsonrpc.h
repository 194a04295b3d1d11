/*
 * JSON-RPC 2.0 over lines: request validation and response building. Used by
 * padlined to decode requests (one per line, or a batch: an array of them)
 * and by the client to decode responses.
 */
#ifndef PL_JSONRPC_H
#define PL_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

#include "pl_error.h"

/* Nesting deeper than this is refused as invalid (jansson recurses). */
#define JSONRPC_MAX_DEPTH 64

struct jsonrpc_request {
	json_t *root; /* owned: the parsed line */
	json_t *id;   /* borrowed from root; json null if absent/invalid */
	const char *method; /* borrowed from root */
	json_t *params; /* borrowed: the params object, or an empty owned one */
	json_t *empty;  /* owned {} used when params were absent */
	int notification; /* valid method but no "id": run, never answered */
};

/*
 * Parses one line into JSON (new reference in *root) after checking its
 * nesting depth. Fails with -32700 (not JSON / not UTF-8) or -32600
 * (too deep). A batch is a root that is an array.
 */
int jsonrpc_parse_line(const char *line, size_t len, json_t **root,
                       struct pl_error *err);
/*
 * Validates one request: a line's root or an entry of a batch (req takes a
 * reference on v). On failure fills err like jsonrpc_parse_request. A request
 * without "id" is a notification (req->notification) once "jsonrpc" and
 * "method" are valid: errors found after that point are not answered.
 */
int jsonrpc_request_from_json(json_t *v, struct jsonrpc_request *req,
                              struct pl_error *err);

/*
 * Parses and validates one request line. On failure fills err with -32700
 * (not JSON / not UTF-8) or -32600 (not a valid request) and req->id with
 * whatever id could be recovered (json null otherwise). params must be an
 * object when present (-32602 otherwise).
 */
int jsonrpc_parse_request(const char *line, size_t len,
                          struct jsonrpc_request *req, struct pl_error *err);
void jsonrpc_request_free(struct jsonrpc_request *);

/* Serialises a response line ending in '\n' (malloc'd). result is stolen. */
char *jsonrpc_result_line(json_t *id, json_t *result, size_t *len);
/* The same, with the result given as JSON text (rn bytes, trusted to be
 * one compact JSON value). */
char *jsonrpc_result_text_line(json_t *id, const char *result, size_t rn,
                               size_t *len);
char *jsonrpc_error_line(json_t *id, const struct pl_error *err, size_t *len);
/*
 * A batch's answer: the n response lines (each ending in '\n', as built
 * above; consumed) joined into one array line ending in '\n'. NULL entries
 * (notifications) are skipped; when every entry is NULL there is no answer
 * at all and NULL is returned.
 */
char *jsonrpc_batch_line(char **lines, const size_t *lens, size_t n,
                         size_t *len);

/* Depth of nesting of a JSON text without parsing it (strings skipped). */
int jsonrpc_depth(const char *s, size_t len);

#endif
