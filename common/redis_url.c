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
	                    "redis://[user[:password]@]host[:port][/db] or "
	                    "redis+sentinel://[user[:password]@]host[:port]"
	                    "[,host[:port]...]/MASTER[/db])",
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

/* Parses [p, end) as host[:port] (IPv6 in brackets); NULL or a reason. */
static const char *
parse_hostport(const char *p, const char *end, int defport, char **host,
               int *port)
{
	const char *hend, *portp = NULL;

	*port = defport;
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		if (hend == NULL || hend == p + 1)
			return "unterminated IPv6 address";
		*host = xstrndup(p + 1, (size_t)(hend - p - 1));
		hend++;
		if (hend < end && *hend != ':')
			return "junk after the IPv6 address";
		if (hend < end)
			portp = hend + 1;
	} else {
		hend = memchr(p, ':', (size_t)(end - p));
		if (hend == NULL)
			hend = end;
		else
			portp = hend + 1;
		if (hend == p)
			return "no host";
		*host = xstrndup(p, (size_t)(hend - p));
	}
	if (portp != NULL && (*port = (int)parse_num(portp, end, 1, 65535)) < 0)
		return "the port must be 1-65535";
	return NULL;
}

/* The Sentinel list [p, end) and the path "/MASTER[/db]" after it. */
static const char *
parse_sentinels(const char *p, const char *end, struct redis_url *u)
{
	const char *why, *name, *nend;

	if (p == end)
		return "no Sentinel";
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		struct redis_url_node *n;

		if (comma == NULL)
			comma = end;
		if (u->nsentinels == REDIS_URL_MAX_SENTINELS)
			return "too many Sentinels";
		u->sentinels =
		    xreallocarray(u->sentinels, (size_t)u->nsentinels + 1,
		                  sizeof *u->sentinels);
		n = &u->sentinels[u->nsentinels++];
		n->host = NULL;
		if (comma == p)
			return "no host";
		if ((why = parse_hostport(p, comma, REDIS_URL_SENTINEL_PORT,
		                          &n->host, &n->port)) != NULL)
			return why;
		if (comma == end)
			break;
		p = comma + 1;
	}
	if (*end != '/' || end[1] == '\0' || end[1] == '/')
		return "no master name (redis+sentinel://host:port/MASTER)";
	name = end + 1;
	nend = name + strcspn(name, "/");
	u->master = pct_decode(name, (size_t)(nend - name));
	if (u->master == NULL || u->master[0] == '\0')
		return "bad master name";
	for (const char *c = u->master; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return "bad master name";
	if (*nend == '/' && nend[1] != '\0' &&
	    (u->db = (int)parse_num(nend + 1, nend + strlen(nend), 0,
	                            REDIS_URL_MAX_DB)) < 0)
		return "the db must be a number";
	u->host = xstrdup(u->sentinels[0].host);
	u->port = u->sentinels[0].port;
	return NULL;
}

int
redis_url_parse(const char *url, struct redis_url *u, struct pl_error *err)
{
	const char *p, *end, *at, *why;
	int sentinel = 0;

	memset(u, 0, sizeof *u);
	u->port = REDIS_URL_DEFAULT_PORT;
	if (url == NULL || *url == '\0') {
		u->host = xstrdup("127.0.0.1");
		return 0;
	}
	p = url;
	if (strncmp(p, "redis://", 8) == 0)
		p += 8;
	else if (strncmp(p, "redis+sentinel://", 17) == 0) {
		p += 17;
		sentinel = 1;
	} else if (strstr(p, "://") != NULL)
		return bad(u, err,
		           "the scheme must be redis:// or redis+sentinel://");
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
	if (sentinel) {
		why = parse_sentinels(p, end, u);
		return why ? bad(u, err, why) : 0;
	}
	if ((why = parse_hostport(p, end, REDIS_URL_DEFAULT_PORT, &u->host,
	                          &u->port)) != NULL)
		return bad(u, err, why);
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
	free(u->master);
	for (int i = 0; i < u->nsentinels; i++)
		free(u->sentinels[i].host);
	free(u->sentinels);
	memset(u, 0, sizeof *u);
	u->port = REDIS_URL_DEFAULT_PORT;
}

/* "host:port", "[v6]:port" */
static char *
node_str(const char *host, int port)
{
	int v6 = strchr(host, ':') != NULL;

	return xasprintf("%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

char *
redis_url_redacted(const struct redis_url *u)
{
	const char *cred = u->user ? u->user : "";
	const char *pw = u->password ? ":***" : "";
	const char *at = u->user || u->password ? "@" : "";
	char *hosts, *s;

	if (u->master == NULL) {
		hosts = node_str(u->host, u->port);
		s = xasprintf("redis://%s%s%s%s/%d", cred, pw, at, hosts,
		              u->db);
		free(hosts);
		return s;
	}
	hosts = xstrdup("");
	for (int i = 0; i < u->nsentinels; i++) {
		char *n = node_str(u->sentinels[i].host, u->sentinels[i].port);
		char *joined = xasprintf("%s%s%s", hosts, i ? "," : "", n);

		free(n);
		free(hosts);
		hosts = joined;
	}
	/* The master name is only printable ASCII (checked by the parser). */
	s = xasprintf("redis+sentinel://%s%s%s%s/%s/%d", cred, pw, at, hosts,
	              u->master, u->db);
	free(hosts);
	return s;
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
redis_reply_wrong_node(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR &&
	       (strncmp(r->str, "READONLY", 8) == 0 ||
	        strncmp(r->str, "MASTERDOWN", 10) == 0 ||
	        strncmp(r->str, "LOADING", 7) == 0);
}

static redisContext *
connect_node(const char *host, int port, int timeout_ms)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *c = redisConnectWithTimeout(host, port, tv);

	if (c != NULL && c->err == 0)
		redisSetTimeout(c, tv);
	return c;
}

/* One Sentinel's answer to get-master-addr-by-name; 0 with host/port. */
static int
ask_sentinel(const struct redis_url_node *n, const char *master, int timeout_ms,
             char **host, int *port)
{
	redisContext *c = connect_node(n->host, n->port, timeout_ms);
	redisReply *r;
	int rc = -1;

	if (c == NULL || c->err) {
		if (c)
			redisFree(c);
		return -1;
	}
	r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", master);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    r->element[0]->len > 0 && r->element[0]->len < 256 &&
	    strlen(r->element[0]->str) == r->element[0]->len) {
		char *e;
		long p = strtol(r->element[1]->str, &e, 10);

		if (*e == '\0' && p > 0 && p < 65536) {
			*host = xstrdup(r->element[0]->str);
			*port = (int)p;
			rc = 0;
		}
	}
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return rc;
}

int
redis_url_master_addr(const struct redis_url *u, int timeout_ms, char **host,
                      int *port, struct pl_error *err)
{
	char *safe;
	int rc;

	*host = NULL;
	if (u->master == NULL) {
		*host = xstrdup(u->host);
		*port = u->port;
		return 0;
	}
	for (int i = 0; i < u->nsentinels; i++)
		if (ask_sentinel(&u->sentinels[i], u->master, timeout_ms, host,
		                 port) == 0)
			return 0;
	safe = redis_url_redacted(u);
	rc = pl_error_set(err, PL_ERR_UNAVAILABLE, "redis",
	                  "%s: no Sentinel named the master", safe);
	free(safe);
	return rc;
}

/* Through Sentinel, 0 when the node says it is the master (ROLE). */
static int
check_master(redisContext *c, const struct redis_url *u, struct pl_error *err)
{
	redisReply *r = redisCommand(c, "ROLE");
	int ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	         r->element[0]->type == REDIS_REPLY_STRING &&
	         strcmp(r->element[0]->str, "master") == 0;
	char *safe;

	if (r)
		freeReplyObject(r);
	if (ok)
		return 0;
	safe = redis_url_redacted(u);
	ok = pl_error_set(err, PL_ERR_UNAVAILABLE, "redis",
	                  "%s: the node named the master is not one (yet)",
	                  safe);
	free(safe);
	return ok;
}

int
redis_url_connect(const struct redis_url *u, int timeout_ms, redisContext **out,
                  struct pl_error *err)
{
	redisContext *c;
	char *host;
	int port, rc = 0;

	*out = NULL;
	if ((rc = redis_url_master_addr(u, timeout_ms, &host, &port, err)))
		return rc;
	c = connect_node(host, port, timeout_ms);
	free(host);
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
	if (rc == 0 && u->master != NULL)
		rc = check_master(c, u, err);
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
