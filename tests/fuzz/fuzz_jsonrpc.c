/* libFuzzer target: request validation accepts or refuses any line without
 * crashing, leaking or answering with a malformed error, and whatever it
 * answers serialises back to one line of valid JSON. A line that is an
 * array goes the way padlined takes a batch: each entry validated on its
 * own, the answers (none for notifications) joined into one array line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"

/* One request's answer line, as padlined would build it; NULL for a
 * notification. */
static char *
answer(json_t *v, size_t *len)
{
	struct jsonrpc_request req;
	struct pl_error err;
	char *line = NULL;
	int rc;

	pl_error_init(&err);
	rc = jsonrpc_request_from_json(v, &req, &err);
	if (rc == 0 && (req.method == NULL || !json_is_object(req.params)))
		abort();
	if (rc != 0 && err.code != PL_ERR_INVALID_REQUEST &&
	    err.code != PL_ERR_INVALID_PARAMS)
		abort();
	if (rc != 0 && err.code == PL_ERR_INVALID_REQUEST && req.notification)
		abort(); /* an invalid request is never a notification */
	if (!req.notification)
		line = rc == 0 ? jsonrpc_result_line(req.id, json_object(), len)
		               : jsonrpc_error_line(req.id, &err, len);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);
	return line;
}

static void
check_line(const char *line, size_t len, int want_array, size_t want_n)
{
	json_t *back;

	if (line == NULL || len == 0 || line[len - 1] != '\n' ||
	    memchr(line, '\n', len - 1) != NULL)
		abort();
	back = json_loadb(line, len, JSON_DECODE_ANY, NULL);
	if (back == NULL || (want_array && (!json_is_array(back) ||
	                                    json_array_size(back) != want_n)))
		abort();
	json_decref(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonrpc_request req;
	struct pl_error err;
	json_t *root;
	char *line;
	size_t len = 0;

	/* The single-request path. */
	pl_error_init(&err);
	if (jsonrpc_parse_request((const char *)data, size, &req, &err) != 0 &&
	    err.code != PL_ERR_PARSE && err.code != PL_ERR_INVALID_REQUEST &&
	    err.code != PL_ERR_INVALID_PARAMS)
		abort();
	line = err.code ? jsonrpc_error_line(req.id, &err, &len)
	                : jsonrpc_result_line(req.id, json_object(), &len);
	check_line(line, len, 0, 0);
	free(line);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);

	/* The batch path. */
	if (jsonrpc_parse_line((const char *)data, size, &root, &err) != 0) {
		pl_error_clear(&err);
		return 0;
	}
	if (json_is_array(root) && json_array_size(root) > 0 &&
	    json_array_size(root) <= 1000) {
		size_t n = json_array_size(root), answered = 0;
		char **lines = calloc(n, sizeof *lines);
		size_t *lens = calloc(n, sizeof *lens);

		for (size_t i = 0; i < n; i++) {
			lines[i] = answer(json_array_get(root, i), &lens[i]);
			answered += lines[i] != NULL;
		}
		line = jsonrpc_batch_line(lines, lens, n, &len);
		if (answered == 0 ? line != NULL : line == NULL)
			abort();
		if (line)
			check_line(line, len, 1, answered);
		free(line);
		free(lines);
		free(lens);
	}
	json_decref(root);
	return 0;
}
