/*
 * PROXY protocol headers, v1 (one text line) and v2 (binary), read strictly
 * as HAProxy's specification writes them, and the trusted-networks list.
 * A header that is malformed anywhere is invalid as a whole: the server
 * closes the connection rather than guess whose it is.
 */
#include "proxy_proto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define V1_MAX 107 /* "PROXY TCP6 " + two addresses and ports + CRLF */

static const unsigned char v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                         0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
/* ::ffff:0:0/96, IPv4 addresses seen through an IPv6 socket */
static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};

/* Text of an address; an IPv4-mapped IPv6 one is written as IPv4, so a
 * client counts as one address whichever listener its proxy used. */
static void
addr_text(int family, const unsigned char *a, char *out, size_t size)
{
	if (family == AF_INET6 && memcmp(a, v4_mapped, sizeof v4_mapped) == 0) {
		family = AF_INET;
		a += 12;
	}
	if (inet_ntop(family, a, out, (socklen_t)size) == NULL)
		out[0] = '\0';
}

/* A decimal port, 0 to 65535, without sign or leading zero. */
static int
v1_port(const char *s)
{
	long n = 0;

	if (*s == '\0' || strlen(s) > 5 || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n <= 65535 ? 0 : -1;
}

/* line: the header without its CRLF, NUL-terminated. */
static int
v1_fields(char *line, struct proxy_header *out)
{
	char *f[6], *save = NULL;
	unsigned char src[16], dst[16];
	int n = 0, family;

	/* Fields are separated by exactly one space. */
	if (strstr(line, "  ") != NULL || line[strlen(line) - 1] == ' ')
		return -1;
	for (char *t = strtok_r(line, " ", &save); t != NULL;
	     t = strtok_r(NULL, " ", &save)) {
		if (n == 6)
			return -1;
		f[n++] = t;
	}
	if (n < 2 || strcmp(f[0], "PROXY") != 0)
		return -1;
	if (strcmp(f[1], "UNKNOWN") == 0) {
		/* The rest of the line is to be ignored. */
		out->local = 1;
		return 0;
	}
	if (strcmp(f[1], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(f[1], "TCP6") == 0)
		family = AF_INET6;
	else
		return -1;
	if (n != 6 || inet_pton(family, f[2], src) != 1 ||
	    inet_pton(family, f[3], dst) != 1 || v1_port(f[4]) != 0 ||
	    v1_port(f[5]) != 0)
		return -1;
	addr_text(family, src, out->addr, sizeof out->addr);
	return 0;
}

static int
v1_parse(const unsigned char *buf, size_t len, struct proxy_header *out)
{
	const unsigned char *nl;
	size_t n = len < V1_MAX ? len : V1_MAX;
	char line[V1_MAX];

	if (memcmp(buf, "PROXY ", len < 6 ? len : 6) != 0)
		return PROXY_PROTO_INVALID;
	if ((nl = memchr(buf, '\n', n)) == NULL)
		return len >= V1_MAX ? PROXY_PROTO_INVALID : PROXY_PROTO_MORE;
	n = (size_t)(nl - buf);
	if (n < 7 || buf[n - 1] != '\r' || memchr(buf, '\0', n) != NULL)
		return PROXY_PROTO_INVALID;
	memcpy(line, buf, n - 1);
	line[n - 1] = '\0';
	if (v1_fields(line, out) != 0)
		return PROXY_PROTO_INVALID;
	return (int)n + 1;
}

static int
v2_parse(const unsigned char *buf, size_t len, struct proxy_header *out)
{
	size_t body, total;
	int cmd, fam, proto;

	if (memcmp(buf, v2_sig, len < 12 ? len : 12) != 0)
		return PROXY_PROTO_INVALID;
	if (len >= 13 && (buf[12] >> 4 != 2 || (buf[12] & 0x0f) > 1))
		return PROXY_PROTO_INVALID;
	if (len >= 14 && (buf[13] >> 4 > 3 || (buf[13] & 0x0f) > 2))
		return PROXY_PROTO_INVALID;
	if (len < 16)
		return PROXY_PROTO_MORE;
	body = (size_t)buf[14] << 8 | buf[15];
	total = 16 + body;
	if (total > PROXY_PROTO_MAX)
		return PROXY_PROTO_INVALID;
	if (len < total)
		return PROXY_PROTO_MORE;
	cmd = buf[12] & 0x0f;
	fam = buf[13] >> 4;
	proto = buf[13] & 0x0f;
	/* LOCAL: the proxy's own connection, whatever it says. UNSPEC or
	 * UNIX: no address to use. TLVs after the addresses are skipped. */
	if (cmd == 0 || fam == 0 || fam == 3 || proto == 0) {
		out->local = 1;
		return (int)total;
	}
	if (fam == 1 && body >= 12)
		addr_text(AF_INET, buf + 16, out->addr, sizeof out->addr);
	else if (fam == 2 && body >= 36)
		addr_text(AF_INET6, buf + 16, out->addr, sizeof out->addr);
	else
		return PROXY_PROTO_INVALID;
	return (int)total;
}

int
proxy_proto_parse(const void *buf, size_t len, struct proxy_header *out)
{
	const unsigned char *b = buf;

	memset(out, 0, sizeof *out);
	if (len == 0)
		return PROXY_PROTO_MORE;
	if (b[0] == 'P')
		return v1_parse(b, len, out);
	if (b[0] == v2_sig[0])
		return v2_parse(b, len, out);
	return PROXY_PROTO_INVALID;
}

/* ---- trusted networks ------------------------------------------------ */

static int
net_parse(const char *s, struct proxy_net *net)
{
	char host[64], *slash, *end;
	long bits;

	if (strlen(s) >= sizeof host)
		return -1;
	snprintf(host, sizeof host, "%s", s);
	if ((slash = strchr(host, '/')) != NULL)
		*slash = '\0';
	memset(net, 0, sizeof *net);
	if (inet_pton(AF_INET, host, net->addr) == 1)
		net->family = AF_INET;
	else if (inet_pton(AF_INET6, host, net->addr) == 1)
		net->family = AF_INET6;
	else
		return -1;
	bits = net->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		long max = bits;

		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || bits > max)
			return -1;
	}
	net->bits = (int)bits;
	return 0;
}

int
proxy_trust_parse(const char *list, struct proxy_trust *out,
                  struct pl_error *err)
{
	const char *p = list ? list : "";

	memset(out, 0, sizeof *out);
	while (*p) {
		size_t n = strcspn(p, ", \t");
		char item[80];

		if (n == 0) {
			p++;
			continue;
		}
		snprintf(item, sizeof item, "%.*s", (int)(n < 79 ? n : 79), p);
		out->nets =
		    xreallocarray(out->nets, out->n + 1, sizeof *out->nets);
		if (n >= sizeof item || net_parse(item, &out->nets[out->n])) {
			proxy_trust_clear(out);
			return pl_error_set(
			    err, PL_ERR_VALIDATION, "config",
			    "\"%.*s\" is not an address or "
			    "network (192.0.2.0/24, 2001:db8::/32)",
			    (int)(n < 80 ? n : 80), p);
		}
		out->n++;
		p += n;
	}
	return 0;
}

static int
net_contains(const struct proxy_net *net, const unsigned char *a)
{
	int full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, a, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	       ((net->addr[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int
proxy_trust_match(const struct proxy_trust *t, const struct sockaddr *sa)
{
	const unsigned char *a;
	int family = sa->sa_family;

	if (family == AF_INET)
		a = (const unsigned char *)&((const struct sockaddr_in *)sa)
		        ->sin_addr;
	else if (family == AF_INET6) {
		a = (const unsigned char *)&((const struct sockaddr_in6 *)sa)
		        ->sin6_addr;
		if (memcmp(a, v4_mapped, sizeof v4_mapped) == 0) {
			family = AF_INET;
			a += 12;
		}
	} else
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->nets[i].family == family && net_contains(&t->nets[i], a))
			return 1;
	return 0;
}

void
proxy_trust_clear(struct proxy_trust *t)
{
	free(t->nets);
	memset(t, 0, sizeof *t);
}
