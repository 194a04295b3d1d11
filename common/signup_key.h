/*
 * The keys signups are grouped and matched by, shared by padlined and the
 * clients: a username's shape, an address's network, an email's domain,
 * and the address/network parsing the filter language's net: and ip:
 * terms use.
 */
#ifndef PL_SIGNUP_KEY_H
#define PL_SIGNUP_KEY_H

#include <stdbool.h>
#include <stddef.h>

/* A shape is at most two characters per username byte ("a1o1..."). */
#define SIGNUP_SHAPE_MAX 256
/* "2001:db8:1::/48" or "203.0.113.0/24", with room to spare. */
#define SIGNUP_NETWORK_MAX 64

/* An address or network: family (AF_INET or AF_INET6), bytes in network
 * order (4 used for IPv4), prefix length in bits. */
struct netaddr {
	int af;
	unsigned char addr[16];
	int prefix;
};

/*
 * "ADDR" or, when allow_prefix, "ADDR/BITS" (IPv4 or IPv6); a bare address
 * is /32 or /128. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes
 * IPv4, its BITS counted from /96. Host bits are cleared. Returns 0 or -1.
 */
int netaddr_parse(const char *text, bool allow_prefix, struct netaddr *out);
/* Clears the bits past net->prefix. */
void netaddr_mask(struct netaddr *net);
/* Whether the address text peer (NULL: no) lies in net. */
bool netaddr_contains(const struct netaddr *net, const char *peer);

/*
 * The shape of a username: its runs of ASCII letters (a), ASCII digits (d)
 * and any other byte (o), each with its length: "alice2024" -> "a5d4",
 * "j.doe_99" -> "a1o1a3o1d2". Byte-based: a non-ASCII character counts as
 * one "o" per UTF-8 byte. Returns 0, or -1 (out = "") when it does not fit
 * outsz (SIGNUP_SHAPE_MAX always fits a username).
 */
int signup_shape(const char *username, char *out, size_t outsz);
/* The network an address belongs to for grouping: IPv4 /24, IPv6 /48
 * ("203.0.113.0/24", "2001:db8:1::/48"); an IPv4-mapped IPv6 address is
 * treated as IPv4. Returns 0, or -1 (out = "") for text that is no
 * address or does not fit. */
int signup_network(const char *addr, char *out, size_t outsz);
/* The domain of an email (after its last '@'), or NULL when there is no
 * '@' or nothing after it. Points into email. */
const char *signup_email_domain(const char *email);

#endif
