/*
 * The little HTTP the metrics endpoint speaks: a strict reader of one
 * HTTP/1.0 or 1.1 request head, which answers only GET /metrics, and the
 * response it writes before closing. Pure functions, tested as a unit; the
 * sockets are metrics.c's.
 */
#ifndef PL_METRICS_HTTP_H
#define PL_METRICS_HTTP_H

#include <stddef.h>

/* The longest request head read (request line and headers). */
#define METRICS_HTTP_MAX 8192

/*
 * Reads the request head at the start of buf (len bytes so far). Returns 0
 * while it is incomplete and still acceptable, else the status to answer:
 * 200 for GET /metrics, 404 for another path, 405 for another method, 400
 * for anything malformed (bare CR or LF, folded or nameless headers, a
 * body, HTTP/1.1 without exactly one Host), 431 once METRICS_HTTP_MAX bytes
 * hold no complete head, 505 for an HTTP version other than 1.x. Bytes after
 * the head are ignored: one request per connection.
 */
int metrics_http_read(const char *buf, size_t len);

/*
 * The whole response for status (200: body is the metrics text of
 * body_len bytes; others carry a short text of their own), ending in
 * Connection: close. Returns a new string (free it) and its length.
 */
char *metrics_http_response(int status, const char *body, size_t body_len,
                            size_t *len);

#endif
