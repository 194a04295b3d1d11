/*
 * Connections from PADLINE_TRUSTED_PROXIES: the PROXY header (v1 or v2)
 * comes before anything else, TLS included, and names the client, whose
 * address then stands as the peer for everything (limits, audit, sessions).
 * Until it is read the connection counts against no address; LOCAL (the
 * proxy's health check) keeps the proxy's address and never counts. No
 * header within a second, or a bad one, and the connection is closed:
 * traffic from a proxy is never taken as the proxy's own by mistake.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proxy_proto.h"
#include "server_conn.h"
#include "xalloc.h"

#define PROXY_HEADER_WAIT_MS 1000

static void
client_on_proxy_timeout(uv_timer_t *t)
{
	struct client *cl = t->data;

	log_info("proxy sent no PROXY header in time, closing", "peer=%s",
	         cl->peer);
	client_close(cl);
}

void
client_proxy_begin(struct client *cl)
{
	cl->proxy_wait = 1;
	uv_timer_start(&cl->idle, client_on_proxy_timeout, PROXY_HEADER_WAIT_MS,
	               0);
	client_input_update(cl);
}

int
client_proxy_input(struct client *cl, char **data, size_t *len)
{
	struct proxy_header h;
	size_t have = cl->proxy_len, used;
	int n;

	if (have == 0)
		n = proxy_proto_parse(*data, *len, &h);
	else {
		/* A header never passes PROXY_PROTO_MAX: no more is kept. */
		size_t take = *len < PROXY_PROTO_MAX - have
		                  ? *len
		                  : PROXY_PROTO_MAX - have;

		cl->proxy_buf = xrealloc(cl->proxy_buf, have + take);
		memcpy(cl->proxy_buf + have, *data, take);
		cl->proxy_len += take;
		n = proxy_proto_parse(cl->proxy_buf, cl->proxy_len, &h);
	}
	if (n == PROXY_PROTO_INVALID) {
		log_warn("invalid PROXY header from a trusted proxy, closing",
		         "peer=%s", cl->peer);
		client_close(cl);
		return 1;
	}
	if (n == PROXY_PROTO_MORE) {
		/* Unfinished, so shorter than PROXY_PROTO_MAX. */
		if (have == 0) {
			cl->proxy_buf = xmalloc(*len);
			memcpy(cl->proxy_buf, *data, *len);
			cl->proxy_len = *len;
		}
		return 1;
	}
	/* What follows the header, in this read, is the client's. */
	used = (size_t)n - have;
	*data += used;
	*len -= used;
	free(cl->proxy_buf);
	cl->proxy_buf = NULL;
	cl->proxy_len = 0;
	cl->proxy_wait = 0;
	if (!h.local) {
		log_debug("proxied client", "peer=%s proxy=%s", h.addr,
		          cl->peer);
		snprintf(cl->peer, sizeof cl->peer, "%s", h.addr);
	}
	client_admit(cl, !h.local);
	return 0;
}
