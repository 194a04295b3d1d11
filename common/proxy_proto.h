/*
 * The PROXY protocol (HAProxy's, versions 1 and 2) a load balancer puts in
 * front of a connection to say whose it is, and the list of addresses
 * trusted to send it (PADLINE_TRUSTED_PROXIES). Pure functions over bytes
 * and addresses: the server feeds what it has read so far.
 */
#ifndef PL_PROXY_PROTO_H
#define PL_PROXY_PROTO_H

#include <stddef.h>
#include <sys/socket.h>

#include "pl_error.h"

/* The longest header accepted (v1's is at most 107 bytes; v2's is 16 plus
 * its addresses and TLVs). A longer one is refused, not buffered. */
#define PROXY_PROTO_MAX 4096

#define PROXY_PROTO_MORE 0     /* could still become a header: read more */
#define PROXY_PROTO_INVALID -1 /* cannot be one: close the connection */

struct proxy_header {
	int local;     /* LOCAL, UNKNOWN or no address family: the connection
	                  is the proxy's own (a health check), addr is "" */
	char addr[64]; /* the client's source address, as text */
};

/*
 * Reads a header at the start of buf (len bytes so far). Returns the
 * header's length in bytes (> 0; *out filled), PROXY_PROTO_MORE, or
 * PROXY_PROTO_INVALID. Whatever follows the header is the client's.
 */
int proxy_proto_parse(const void *buf, size_t len, struct proxy_header *out);

/* Networks whose connections must start with a header. */
struct proxy_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};
struct proxy_trust {
	struct proxy_net *nets; /* owned */
	size_t n;
};

/*
 * Parses a list of addresses and CIDR networks (IPv4, IPv6) separated by
 * commas or spaces: "10.0.0.0/8, 192.0.2.7, ::1/128". NULL or "" trusts
 * none. Fills *out (cleared on failure).
 */
int proxy_trust_parse(const char *list, struct proxy_trust *out,
                      struct pl_error *);
/* 1 when sa lies in one of the networks (an IPv4-mapped IPv6 address
 * counts as IPv4). */
int proxy_trust_match(const struct proxy_trust *, const struct sockaddr *sa);
void proxy_trust_clear(struct proxy_trust *);

#endif
