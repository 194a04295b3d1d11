/*
 * The metrics endpoint's HTTP: one request head read strictly (RFC 9112's
 * grammar, no leniency: a bare LF, a folded header or a body is refused)
 * and the response written before the connection closes. Strict because
 * everything here comes from the network and only a scraper has a reason
 * to talk to it.
 */
#include "metrics_http.h"

#include <string.h>
#include <strings.h>

#include "metrics_text.h"
#include "xalloc.h"

#define INCOMPLETE (-1)
#define MALFORMED (-2)

/* RFC 9110's tchar: what a method or a header name is made of. */
static int
is_tchar(unsigned char c)
{
	/* c != 0: strchr finds the terminator too. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A header value's bytes: visible ASCII, space, tab and obs-text. */
static int
is_field_char(unsigned char c)
{
	return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

/* "0", "00" ...: a Content-Length that announces no body. */
static int
is_zero(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (s[k] != '0')
			return 0;
	return n > 0;
}

/* A control byte no request line or header holds: a TLS handshake or
 * binary noise is refused at once instead of waiting for a line end. */
static int
has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		     s[i] != '\r') ||
		    s[i] == 0x7f)
			return 1;
	return 0;
}

/* The line starting at pos: its length without CRLF and *next past it,
 * INCOMPLETE before its CRLF arrived, MALFORMED on a bare CR or LF. */
static long
line_at(const char *buf, size_t len, size_t pos, size_t *next)
{
	for (size_t i = pos; i < len; i++) {
		if (buf[i] == '\n')
			return MALFORMED;
		if (buf[i] != '\r')
			continue;
		if (i + 1 == len)
			return INCOMPLETE;
		if (buf[i + 1] != '\n')
			return MALFORMED;
		*next = i + 2;
		return (long)(i - pos);
	}
	return INCOMPLETE;
}

struct request {
	int get;     /* the method is GET */
	int metrics; /* the target is /metrics */
	int minor;   /* HTTP/1.minor */
	int hosts;   /* Host headers */
};

/* method SP origin-form SP HTTP-version; 0, 400 or 505. */
static int
request_line(const char *s, size_t n, struct request *rq)
{
	size_t i = 0, m, t;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i == n || s[i] != ' ')
		return 400;
	m = i++;
	t = i;
	while (i < n && (unsigned char)s[i] > 0x20 && s[i] != 0x7f)
		i++;
	if (i == t || i == n || s[i] != ' ' || s[t] != '/')
		return 400;
	rq->get = m == 3 && memcmp(s, "GET", 3) == 0;
	rq->metrics = i - t == 8 && memcmp(s + t, "/metrics", 8) == 0;
	s += i + 1;
	n -= i + 1;
	if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' ||
	    s[6] != '.' || s[7] < '0' || s[7] > '9')
		return 400;
	if (s[5] != '1' || s[7] > '1')
		return 505;
	rq->minor = s[7] - '0';
	return 0;
}

/* field-name ":" OWS field-value OWS; 0 or 400. */
static int
header_line(const char *s, size_t n, struct request *rq)
{
	size_t i = 0, v, e;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	/* Also refuses obs-fold (a line starting with white space) and
	 * white space before the colon. */
	if (i == 0 || i == n || s[i] != ':')
		return 400;
	for (size_t k = i + 1; k < n; k++)
		if (!is_field_char((unsigned char)s[k]))
			return 400;
	for (v = i + 1; v < n && (s[v] == ' ' || s[v] == '\t'); v++)
		;
	for (e = n; e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'); e--)
		;
	if (i == 4 && strncasecmp(s, "host", 4) == 0)
		rq->hosts++;
	/* No body is read, so none may be announced. */
	if (i == 17 && strncasecmp(s, "transfer-encoding", 17) == 0)
		return 400;
	if (i == 14 && strncasecmp(s, "content-length", 14) == 0 &&
	    !is_zero(s + v, e - v))
		return 400;
	return 0;
}

int
metrics_http_read(const char *buf, size_t len)
{
	struct request rq = {0, 0, 0, 0};
	size_t pos = 0, next = 0;
	long n;
	int rc;

	for (int first = 1;; first = 0) {
		n = line_at(buf, len, pos, &next);
		if (n == INCOMPLETE)
			return has_control(buf + pos, len - pos) ? 400
			       : len >= METRICS_HTTP_MAX         ? 431
			                                         : 0;
		if (n == MALFORMED)
			return 400;
		if (first)
			rc = request_line(buf + pos, (size_t)n, &rq);
		else if (n == 0)
			break;
		else
			rc = header_line(buf + pos, (size_t)n, &rq);
		if (rc != 0)
			return rc;
		pos = next;
	}
	if (rq.hosts > 1 || (rq.minor == 1 && rq.hosts == 0))
		return 400;
	if (!rq.metrics)
		return 404;
	return rq.get ? 200 : 405;
}

char *
metrics_http_response(int status, const char *body, size_t body_len,
                      size_t *len)
{
	const char *reason, *text, *type = "text/plain; charset=utf-8",
	                           *extra = "";
	char *head, *out;
	size_t head_len;

	switch (status) {
	case 200:
		reason = "OK";
		text = body;
		type = METRICS_TEXT_CONTENT_TYPE;
		break;
	case 404:
		reason = text = "Not Found";
		break;
	case 405:
		reason = text = "Method Not Allowed";
		extra = "Allow: GET\r\n";
		break;
	case 431:
		reason = text = "Request Header Fields Too Large";
		break;
	case 505:
		reason = text = "HTTP Version Not Supported";
		break;
	default:
		status = 400;
		reason = text = "Bad Request";
		break;
	}
	if (status != 200)
		body_len = strlen(text);
	head = xasprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
	                 status, reason, type, body_len, extra);
	head_len = strlen(head);
	out = xmalloc(head_len + body_len + 1);
	memcpy(out, head, head_len);
	memcpy(out + head_len, text, body_len);
	out[head_len + body_len] = '\0';
	free(head);
	*len = head_len + body_len;
	return out;
}
