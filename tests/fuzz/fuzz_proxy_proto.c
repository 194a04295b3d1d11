/* libFuzzer target: the PROXY header parser never overruns, its answer
 * does not depend on how the bytes arrive (every prefix of a header is
 * "more", the header alone is the header), and the trusted-networks list
 * parser takes any text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h, again;
	struct proxy_trust t;
	struct pl_error err;
	char *s;
	int n = proxy_proto_parse(data, size, &h);

	if (n != PROXY_PROTO_MORE && n != PROXY_PROTO_INVALID &&
	    (n < 0 || (size_t)n > size || n > PROXY_PROTO_MAX))
		abort();
	if (memchr(h.addr, '\0', sizeof h.addr) == NULL)
		abort();
	if (n > 0) {
		/* A header names an address or is the proxy's own. */
		if (h.local == (h.addr[0] != '\0'))
			abort();
		if (proxy_proto_parse(data, (size_t)n, &again) != n ||
		    strcmp(again.addr, h.addr) != 0)
			abort();
		for (size_t i = 0; i < (size_t)n; i += 1 + i / 8)
			if (proxy_proto_parse(data, i, &again) !=
			    PROXY_PROTO_MORE)
				abort();
	} else if (n == PROXY_PROTO_INVALID) {
		/* More bytes cannot make a refused start valid. */
		unsigned char *more = malloc(size + 64);

		memcpy(more, data, size);
		memset(more + size, '\r', 64);
		if (proxy_proto_parse(more, size + 64, &again) !=
		    PROXY_PROTO_INVALID)
			abort();
		free(more);
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	pl_error_init(&err);
	if (proxy_trust_parse(s, &t, &err) == 0)
		proxy_trust_clear(&t);
	pl_error_clear(&err);
	free(s);
	return 0;
}
