/*
 * JSON-RPC 2.0 request validation and response serialisation. Depth is
 * checked before jansson parses, so a line of 100 000 '[' cannot exhaust the
 * stack of a worker; UTF-8 validity is left to jansson, which rejects it.
 */
#include "jsonrpc.h"

#include "json_num.h"

#include <stdlib.h>
#include <string.h>

int
jsonrpc_depth(const char *s, size_t len)
{
	int depth = 0, max = 0, in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return max;
}

static int
jsonrpc_valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id) || json_is_null(id) ||
	       json_is_real(id);
}

int
jsonrpc_parse_request(const char *line, size_t len, struct jsonrpc_request *req,
                      struct pl_error *err)
{
	json_error_t jerr;
	json_t *v, *id, *method, *params;

	memset(req, 0, sizeof *req);
	req->id = json_null();
	if (jsonrpc_depth(line, len) > JSONRPC_MAX_DEPTH)
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, "too_deep",
		                    "request nested deeper than %d levels",
		                    JSONRPC_MAX_DEPTH);
	/* NUL in strings is decoded here and refused per field later
	 * (params_check_text): it is valid JSON, not a parse error. */
	req->root = json_num_loadb(
	    line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (req->root == NULL)
		return pl_error_set(err, PL_ERR_PARSE, "parse_error",
		                    "parse error: %s", jerr.text);
	if (!json_is_object(req->root))
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "request must be a JSON object");
	id = json_object_get(req->root, "id");
	if (id != NULL && jsonrpc_valid_id(id)) {
		json_decref(req->id);
		req->id = json_incref(id);
	}
	v = json_object_get(req->root, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "\"jsonrpc\" must be \"2.0\"");
	if (id == NULL || !jsonrpc_valid_id(id))
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "\"id\" must be a string or a number");
	method = json_object_get(req->root, "method");
	if (!json_is_string(method) || json_string_length(method) == 0 ||
	    strlen(json_string_value(method)) != json_string_length(method))
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "\"method\" must be a non-empty string");
	req->method = json_string_value(method);
	params = json_object_get(req->root, "params");
	if (params == NULL || json_is_null(params)) {
		req->empty = json_object();
		req->params = req->empty;
	} else if (!json_is_object(params)) {
		return pl_error_set(err, PL_ERR_INVALID_PARAMS, NULL,
		                    "\"params\" must be an object");
	} else
		req->params = params;
	return PL_OK;
}

void
jsonrpc_request_free(struct jsonrpc_request *req)
{
	json_decref(req->root);
	json_decref(req->empty);
	json_decref(req->id);
	memset(req, 0, sizeof *req);
}

static char *
jsonrpc_line(json_t *msg, size_t *len)
{
	char *s = json_num_dumps(msg, JSON_COMPACT);
	size_t n;
	char *line;

	json_decref(msg);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((line = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

char *
jsonrpc_result_line(json_t *id, json_t *result, size_t *len)
{
	json_t *msg = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	                        id ? id : json_null(), "result",
	                        result ? result : json_null());
	return jsonrpc_line(msg, len);
}

char *
jsonrpc_error_line(json_t *id, const struct pl_error *err, size_t *len)
{
	json_t *msg =
	    json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	              id ? id : json_null(), "error", pl_error_to_json(err));
	return jsonrpc_line(msg, len);
}
