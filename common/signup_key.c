/*
 * Signup keys (signup_key.h): address and network parsing on inet_pton, so
 * every spelling of an address compares equal, and the shape and network
 * a signup is grouped by.
 */
#include "signup_key.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Equal networks compare equal once their host bits are cleared. */
void
netaddr_mask(struct netaddr *net)
{
	int len = net->af == AF_INET ? 4 : 16;

	for (int i = 0; i < len; i++) {
		int keep = net->prefix - i * 8;

		if (keep <= 0)
			net->addr[i] = 0;
		else if (keep < 8)
			net->addr[i] &= (unsigned char)(0xff00u >> keep);
	}
}

/* Parses a bare address as /32 or /128; an IPv4-mapped IPv6 address
 * becomes its IPv4 address. Returns 0 or -1. */
static int
addr_parse(const char *s, struct netaddr *net)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
	                                         0, 0, 0, 0, 0xff, 0xff};

	memset(net, 0, sizeof *net);
	if (inet_pton(AF_INET, s, net->addr) == 1) {
		net->af = AF_INET;
		net->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, net->addr) != 1)
		return -1;
	net->af = AF_INET6;
	net->prefix = 128;
	if (memcmp(net->addr, mapped, sizeof mapped) == 0) {
		memmove(net->addr, net->addr + 12, 4);
		memset(net->addr + 4, 0, 12);
		net->af = AF_INET;
		net->prefix = 32;
	}
	return 0;
}

/* "ADDR" or "ADDR/BITS"; BITS of a mapped IPv6 address count from
 * ::ffff:0:0/96. */
int
netaddr_parse(const char *s, bool allow_prefix, struct netaddr *net)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int bits = -1, v6_bits;

	if (alen >= sizeof buf || (slash && !allow_prefix))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, net) != 0)
		return -1;
	if (slash) {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) > 3)
			return -1;
		bits = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			bits = bits * 10 + (*p - '0');
		}
		/* The text said IPv6 when it has a colon. */
		v6_bits = strchr(buf, ':') != NULL;
		if (v6_bits && net->af == AF_INET) {
			if (bits < 96 || bits > 128)
				return -1;
			bits -= 96;
		}
		if (bits > (net->af == AF_INET ? 32 : 128))
			return -1;
		net->prefix = bits;
	}
	netaddr_mask(net);
	return 0;
}

bool
netaddr_contains(const struct netaddr *net, const char *peer)
{
	struct netaddr p;

	if (peer == NULL || addr_parse(peer, &p) != 0 || p.af != net->af)
		return false;
	p.prefix = net->prefix;
	netaddr_mask(&p);
	return memcmp(p.addr, net->addr, sizeof p.addr) == 0;
}

static char
shape_class(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 'a';
	return c >= '0' && c <= '9' ? 'd' : 'o';
}

int
signup_shape(const char *username, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)username;
	size_t used = 0;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	while (p && *p) {
		char cls = shape_class(*p);
		size_t run = 0;
		int w;

		while (*p) {
			if (shape_class(*p) != cls)
				break;
			run++;
			p++;
		}
		w = snprintf(out + used, outsz - used, "%c%zu", cls, run);
		if (w < 0 || (size_t)w >= outsz - used) {
			out[0] = '\0';
			return -1;
		}
		used += (size_t)w;
	}
	return 0;
}

int
signup_network(const char *addr, char *out, size_t outsz)
{
	struct netaddr net;
	char text[INET6_ADDRSTRLEN];

	if (outsz > 0)
		out[0] = '\0';
	if (addr == NULL || addr_parse(addr, &net) != 0)
		return -1;
	net.prefix = net.af == AF_INET ? 24 : 48;
	netaddr_mask(&net);
	if (inet_ntop(net.af, net.addr, text, sizeof text) == NULL)
		return -1;
	if ((size_t)snprintf(out, outsz, "%s/%d", text, net.prefix) >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

const char *
signup_email_domain(const char *email)
{
	const char *at = email ? strrchr(email, '@') : NULL;

	return at && at[1] ? at + 1 : NULL;
}
