/*
 * Owns the Redis URL grammar (parse, percent-decoding, redaction for logs)
 * and the synchronous connect that performs AUTH and SELECT from it.
 */
#include "redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define REDIS_URL_MAX_DB 1000000

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes [s, s+n); NULL on a bad escape or an encoded NUL. */
static char *
pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(out);
			return NULL;
		}
		int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

/* Parses all of [s, end) as a decimal in [lo, hi]; -1 if not. */
static long
parse_num(const char *s, const char *end, long lo, long hi)
{
	long v = 0;

	if (s == end || end - s > 9)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

static int
bad(struct redis_url *u, struct pl_error *err, const char *what)
{
	redis_url_clear(u);
	return pl_error_set(err, PL_ERR_VALIDATION, "redis_url",
	                    "invalid Redis URL: %s (expected "
	                    "redis://[user[:password]@]host[:port][/db])",
	                    what);
}

static int
parse_userinfo(const char *p, const char *at, struct redis_url *u)
{
	const char *colon = memchr(p, ':', (size_t)(at - p));

	if (colon == NULL) {
		/* redis://secret@host: a lone word is the password (as
		 * redis-cli and most clients read it). */
		u->password = pct_decode(p, (size_t)(at - p));
		return u->password ? 0 : -1;
	}
	if (colon > p && (u->user = pct_decode(p, (size_t)(colon - p))) == NULL)
		return -1;
	if (at == colon + 1)
		return 0; /* "user:@" names a user without a password */
	u->password = pct_decode(colon + 1, (size_t)(at - colon - 1));
	return u->password ? 0 : -1;
}

int
redis_url_parse(const char *url, struct redis_url *u, struct pl_error *err)
{
	const char *p, *end, *at, *hend, *portp = NULL;

	memset(u, 0, sizeof *u);
	u->port = REDIS_URL_DEFAULT_PORT;
	if (url == NULL || *url == '\0') {
		u->host = xstrdup("127.0.0.1");
		return 0;
	}
	p = url;
	if (strncmp(p, "redis://", 8) == 0)
		p += 8;
	else if (strstr(p, "://") != NULL)
		return bad(u, err, "the scheme must be redis://");
	if (strpbrk(p, "?# \t\r\n") != NULL)
		return bad(u, err, "query, fragment or spaces are not allowed");
	end = p + strcspn(p, "/");
	at = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q; /* the last '@': a raw '@' in a password */
	if (at != NULL) {
		if (parse_userinfo(p, at, u))
			return bad(u, err, "bad percent-escape in credentials");
		p = at + 1;
	}
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		if (hend == NULL || hend == p + 1)
			return bad(u, err, "unterminated IPv6 address");
		u->host = xstrndup(p + 1, (size_t)(hend - p - 1));
		hend++;
		if (hend < end && *hend != ':')
			return bad(u, err, "junk after the IPv6 address");
		if (hend < end)
			portp = hend + 1;
	} else {
		hend = memchr(p, ':', (size_t)(end - p));
		if (hend == NULL)
			hend = end;
		else
			portp = hend + 1;
		if (hend == p)
			return bad(u, err, "no host");
		u->host = xstrndup(p, (size_t)(hend - p));
	}
	if (portp != NULL &&
	    (u->port = (int)parse_num(portp, end, 1, 65535)) < 0)
		return bad(u, err, "the port must be 1-65535");
	if (*end == '/' && end[1] != '\0' &&
	    (u->db = (int)parse_num(end + 1, end + strlen(end), 0,
	                            REDIS_URL_MAX_DB)) < 0)
		return bad(u, err, "the db must be a number");
	return 0;
}

void
redis_url_clear(struct redis_url *u)
{
	free(u->user);
	if (u->password)
		memset(u->password, 0, strlen(u->password));
	free(u->password);
	free(u->host);
	memset(u, 0, sizeof *u);
	u->port = REDIS_URL_DEFAULT_PORT;
}

char *
redis_url_redacted(const struct redis_url *u)
{
	int v6 = strchr(u->host, ':') != NULL;

	return xasprintf("redis://%s%s%s%s%s%s:%d/%d", u->user ? u->user : "",
	                 u->password ? ":***" : "",
	                 u->user || u->password ? "@" : "", v6 ? "[" : "",
	                 u->host, v6 ? "]" : "", u->port, u->db);
}

char *
redis_url_redact(const char *url)
{
	struct redis_url u;
	struct pl_error err;
	char *s;

	pl_error_init(&err);
	if (redis_url_parse(url, &u, &err)) {
		pl_error_clear(&err);
		return xstrdup("redis://(invalid)");
	}
	s = redis_url_redacted(&u);
	redis_url_clear(&u);
	return s;
}

/* Runs one command; 0 if Redis said OK, else fills err with its words. */
static int
run_checked(redisContext *c, const struct redis_url *u, int code,
            struct pl_error *err, const char *what, redisReply *r)
{
	char *safe;
	int rc = 0;

	if (r != NULL && r->type != REDIS_REPLY_ERROR) {
		freeReplyObject(r);
		return 0;
	}
	safe = redis_url_redacted(u);
	rc = pl_error_set(err, r ? code : PL_ERR_UNAVAILABLE, "redis",
	                  "%s: %s refused: %s", safe, what,
	                  r ? r->str : c->errstr);
	free(safe);
	if (r)
		freeReplyObject(r);
	return rc;
}

int
redis_url_connect(const struct redis_url *u, int timeout_ms, redisContext **out,
                  struct pl_error *err)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *c = redisConnectWithTimeout(u->host, u->port, tv);
	int rc = 0;

	*out = NULL;
	if (c == NULL || c->err) {
		char *safe = redis_url_redacted(u);

		rc = pl_error_set(err, PL_ERR_UNAVAILABLE, "redis",
		                  "%s: cannot connect: %s", safe,
		                  c ? c->errstr : "out of memory");
		free(safe);
		if (c)
			redisFree(c);
		return rc;
	}
	redisSetTimeout(c, tv);
	if (u->password && u->user)
		rc = run_checked(
		    c, u, PL_ERR_UNAUTHORIZED, err, "AUTH",
		    redisCommand(c, "AUTH %s %s", u->user, u->password));
	else if (u->password)
		rc = run_checked(c, u, PL_ERR_UNAUTHORIZED, err, "AUTH",
		                 redisCommand(c, "AUTH %s", u->password));
	if (rc == 0 && u->db != 0)
		rc = run_checked(c, u, PL_ERR_UNAVAILABLE, err, "SELECT",
		                 redisCommand(c, "SELECT %d", u->db));
	if (rc) {
		redisFree(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
redis_url_connect_str(const char *url, int timeout_ms, redisContext **out,
                      struct pl_error *err)
{
	struct redis_url u;
	int rc;

	*out = NULL;
	if ((rc = redis_url_parse(url, &u, err)))
		return rc;
	rc = redis_url_connect(&u, timeout_ms, out, err);
	redis_url_clear(&u);
	return rc;
}
