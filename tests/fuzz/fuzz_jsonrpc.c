/* libFuzzer target: request validation accepts or refuses any line without
 * crashing, leaking or answering with a malformed error, and whatever it
 * answers serialises back to one line of valid JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonrpc_request req;
	struct pl_error err;
	char *line;
	size_t len = 0;
	json_t *back;
	int rc;

	pl_error_init(&err);
	rc = jsonrpc_parse_request((const char *)data, size, &req, &err);
	if (rc == 0) {
		if (req.method == NULL || !json_is_object(req.params))
			abort();
		line = jsonrpc_result_line(req.id, json_object(), &len);
	} else {
		if (err.code != PL_ERR_PARSE &&
		    err.code != PL_ERR_INVALID_REQUEST &&
		    err.code != PL_ERR_INVALID_PARAMS)
			abort();
		line = jsonrpc_error_line(req.id, &err, &len);
	}
	if (line == NULL || len == 0 || line[len - 1] != '\n' ||
	    memchr(line, '\n', len - 1) != NULL)
		abort();
	back = json_loadb(line, len, 0, NULL);
	if (back == NULL)
		abort();
	json_decref(back);
	free(line);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);
	return 0;
}
