/*
 * JSON-RPC 2.0 request validation and response serialisation. Depth is
 * checked before jansson parses, so a line of 100 000 '[' cannot exhaust the
 * stack of a worker; UTF-8 validity is left to jansson, which rejects it.
 */
#include "jsonrpc.h"

#include "json_num.h"
#include "json_write.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

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
jsonrpc_parse_line(const char *line, size_t len, json_t **root,
                   struct pl_error *err)
{
	json_error_t jerr;

	*root = NULL;
	if (jsonrpc_depth(line, len) > JSONRPC_MAX_DEPTH)
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, "too_deep",
		                    "request nested deeper than %d levels",
		                    JSONRPC_MAX_DEPTH);
	/* NUL in strings is decoded here and refused per field later
	 * (params_check_text): it is valid JSON, not a parse error. */
	*root = json_num_loadb(
	    line, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (*root == NULL)
		return pl_error_set(err, PL_ERR_PARSE, "parse_error",
		                    "parse error: %s", jerr.text);
	return PL_OK;
}

int
jsonrpc_request_from_json(json_t *v, struct jsonrpc_request *req,
                          struct pl_error *err)
{
	json_t *id, *method, *params, *version;

	memset(req, 0, sizeof *req);
	req->id = json_null();
	req->root = json_incref(v);
	if (!json_is_object(v))
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "request must be a JSON object");
	id = json_object_get(v, "id");
	if (id != NULL && jsonrpc_valid_id(id)) {
		json_decref(req->id);
		req->id = json_incref(id);
	}
	version = json_object_get(v, "jsonrpc");
	if (!json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0)
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "\"jsonrpc\" must be \"2.0\"");
	if (id != NULL && !jsonrpc_valid_id(id))
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "\"id\" must be a string or a number");
	method = json_object_get(v, "method");
	if (!json_is_string(method) || json_string_length(method) == 0 ||
	    strlen(json_string_value(method)) != json_string_length(method))
		return pl_error_set(err, PL_ERR_INVALID_REQUEST, NULL,
		                    "\"method\" must be a non-empty string");
	req->method = json_string_value(method);
	/* From here on it is a valid request: without an id, nothing about
	 * it (not even an error) is ever answered. */
	req->notification = id == NULL;
	params = json_object_get(v, "params");
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

int
jsonrpc_parse_request(const char *line, size_t len, struct jsonrpc_request *req,
                      struct pl_error *err)
{
	json_t *root;
	int rc;

	memset(req, 0, sizeof *req);
	req->id = json_null();
	if (jsonrpc_parse_line(line, len, &root, err) != PL_OK)
		return err->code;
	json_decref(req->id);
	rc = jsonrpc_request_from_json(root, req, err);
	json_decref(root);
	return rc;
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
	line = xrealloc(s, n + 2);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

/* The text of a result line is its id's and its result's, dumped on
 * their own, between the fixed members: the same bytes as the whole
 * message dumped, without building the message (every answer pays it). */
#define RESULT_HEAD "{\"jsonrpc\":\"2.0\",\"id\":"
#define RESULT_MID ",\"result\":"

char *
jsonrpc_result_text_line(json_t *id, const char *rt, size_t rn, size_t *len)
{
	struct json_write w = {0};

	/* Room for a numeric id in the one allocation; a long string id
	 * grows it. The id printed as json_num_dumps would dump it. */
	json_write_reserve(&w, sizeof RESULT_HEAD + sizeof RESULT_MID + 24 +
	                           rn + 2);
	json_write_lit(&w, RESULT_HEAD);
	json_write_json(&w, id ? id : json_null());
	json_write_lit(&w, RESULT_MID);
	json_write_raw(&w, rt, rn);
	json_write_lit(&w, "}\n");
	return json_write_take(&w, len);
}

char *
jsonrpc_result_line(json_t *id, json_t *result, size_t *len)
{
	size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
	char *rt = result ? json_num_dumps(result, flags) : xstrdup("null");
	char *line = NULL;

	json_decref(result);
	if (rt != NULL)
		line = jsonrpc_result_text_line(id, rt, strlen(rt), len);
	free(rt);
	return line;
}

char *
jsonrpc_error_line(json_t *id, const struct pl_error *err, size_t *len)
{
	json_t *msg =
	    json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	              id ? id : json_null(), "error", pl_error_to_json(err));
	return jsonrpc_line(msg, len);
}

char *
jsonrpc_batch_line(char **lines, const size_t *lens, size_t n, size_t *len)
{
	size_t total = 2, k = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		if (lines[i] != NULL)
			total += lens[i]; /* its '\n' becomes the ',' or ']' */
	if (total == 2) {
		*len = 0;
		return NULL;
	}
	out = xmalloc(total + 1);
	out[k++] = '[';
	for (size_t i = 0; i < n; i++) {
		if (lines[i] == NULL)
			continue;
		if (k > 1)
			out[k++] = ',';
		memcpy(out + k, lines[i], lens[i] - 1);
		k += lens[i] - 1;
		free(lines[i]);
		lines[i] = NULL;
	}
	out[k++] = ']';
	out[k++] = '\n';
	out[k] = '\0';
	*len = k;
	return out;
}
