/* Unit tests for common/proxy_proto.c: PROXY v1 and v2 headers whole, in
 * pieces, malformed, oversized; and the trusted-networks list. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "proxy_proto.h"

#include "tsupport.h"

/* Every prefix of a header is "more", the whole is its length. */
static void
assert_header(const void *buf, size_t len, int local, const char *addr)
{
	struct proxy_header h;

	for (size_t i = 0; i < len; i++)
		ck_assert_msg(proxy_proto_parse(buf, i, &h) == PROXY_PROTO_MORE,
		              "prefix of %zu bytes is not 'more'", i);
	ck_assert_int_eq(proxy_proto_parse(buf, len, &h), (int)len);
	ck_assert_int_eq(h.local, local);
	ck_assert_str_eq(h.addr, addr);
}

static int
parse_str(const char *s)
{
	struct proxy_header h;

	return proxy_proto_parse(s, strlen(s), &h);
}

START_TEST(v1_tcp4)
{
	const char *s = "PROXY TCP4 203.0.113.7 192.0.2.1 54321 7411\r\n";
	char buf[128];
	struct proxy_header h;

	assert_header(s, strlen(s), 0, "203.0.113.7");
	/* What follows belongs to the client. */
	snprintf(buf, sizeof buf, "%s{\"jsonrpc\":\"2.0\"}\n", s);
	ck_assert_int_eq(proxy_proto_parse(buf, strlen(buf), &h),
	                 (int)strlen(s));
}
END_TEST

START_TEST(v1_tcp6)
{
	const char *s = "PROXY TCP6 2001:db8::7 2001:db8::1 54321 7411\r\n";
	const char *m = "PROXY TCP6 ::ffff:203.0.113.9 ::1 1 7411\r\n";

	assert_header(s, strlen(s), 0, "2001:db8::7");
	assert_header(m, strlen(m), 0, "203.0.113.9");
}
END_TEST

START_TEST(v1_unknown)
{
	const char *s = "PROXY UNKNOWN\r\n";
	const char *t = "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 1 2\r\n";

	assert_header(s, strlen(s), 1, "");
	assert_header(t, strlen(t), 1, "");
}
END_TEST

START_TEST(v1_malformed)
{
	const char *bad[] = {
	    "PROXY TCP4 203.0.113.7 192.0.2.1 54321 7411\n", /* no CR */
	    "PROXY TCP4 203.0.113.7 192.0.2.1 54321\r\n",    /* no port */
	    "PROXY TCP4 203.0.113.7  192.0.2.1 1 2\r\n",     /* two spaces */
	    "PROXY TCP4 2001:db8::7 192.0.2.1 1 2\r\n",      /* wrong family */
	    "PROXY TCP6 203.0.113.7 192.0.2.1 1 2\r\n",      /* wrong family */
	    "PROXY TCP4 203.0.113.7 192.0.2.1 65536 2\r\n",  /* port range */
	    "PROXY TCP4 203.0.113.7 192.0.2.1 01 2\r\n",     /* leading 0 */
	    "PROXY TCP4 203.0.113.7 192.0.2.1 1 2 3\r\n",    /* extra field */
	    "PROXY UDP4 203.0.113.7 192.0.2.1 1 2\r\n",      /* protocol */
	    "PROXY TCP4 203.0.113.256 192.0.2.1 1 2\r\n",    /* address */
	    "PROXY\r\n",
	    "PROXY \r\n",
	    "proxy TCP4 203.0.113.7 192.0.2.1 1 2\r\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\"}\n",
	    "GET / HTTP/1.1\r\n",
	    "\x16\x03\x01\x02\x00", /* a TLS ClientHello */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse_str(bad[i]) == PROXY_PROTO_INVALID,
		              "accepted: %s", bad[i]);
	/* Known bad before the line ends. */
	ck_assert_int_eq(parse_str("PROXX"), PROXY_PROTO_INVALID);
	ck_assert_int_eq(parse_str("G"), PROXY_PROTO_INVALID);
}
END_TEST

START_TEST(v1_longer_than_107_bytes)
{
	char buf[200];

	memset(buf, 'a', sizeof buf);
	memcpy(buf, "PROXY UNKNOWN ", 14);
	ck_assert_int_eq(proxy_proto_parse(buf, 106, &(struct proxy_header){0}),
	                 PROXY_PROTO_MORE);
	ck_assert_int_eq(proxy_proto_parse(buf, 107, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	memcpy(buf + 105, "\r\n", 2); /* exactly 107 with its CRLF */
	ck_assert_int_eq(proxy_proto_parse(buf, 107, &(struct proxy_header){0}),
	                 107);
}
END_TEST

START_TEST(v2_proxy_inet)
{
	unsigned char b[128];
	size_t n = ts_proxy_v2(b, "203.0.113.7", "192.0.2.1", 0);

	ck_assert_uint_eq(n, 28);
	assert_header(b, n, 0, "203.0.113.7");
}
END_TEST

START_TEST(v2_proxy_inet6)
{
	unsigned char b[128];
	size_t n = ts_proxy_v2(b, "2001:db8::7", "2001:db8::1", 0);

	ck_assert_uint_eq(n, 52);
	assert_header(b, n, 0, "2001:db8::7");
}
END_TEST

START_TEST(v2_local)
{
	unsigned char b[128];
	size_t n = ts_proxy_v2(b, NULL, NULL, 0);

	ck_assert_uint_eq(n, 16);
	assert_header(b, n, 1, "");
	/* LOCAL with addresses (HAProxy's health checks may send them):
	 * still the proxy's own connection. */
	n = ts_proxy_v2(b, "203.0.113.7", "192.0.2.1", 0);
	b[12] = 0x20;
	assert_header(b, n, 1, "");
}
END_TEST

START_TEST(v2_tlvs_skipped)
{
	unsigned char b[1200], out[1300];
	size_t n = ts_proxy_v2(b, "203.0.113.7", "192.0.2.1", 1000);
	struct proxy_header h;

	assert_header(b, n, 0, "203.0.113.7");
	memcpy(out, b, n);
	memcpy(out + n, "{}\n", 3);
	ck_assert_int_eq(proxy_proto_parse(out, n + 3, &h), (int)n);
}
END_TEST

START_TEST(v2_unspec_and_unix_keep_the_connection)
{
	unsigned char b[300];
	size_t n = ts_proxy_v2(b, NULL, NULL, 0);

	b[12] = 0x21; /* PROXY, family UNSPEC */
	assert_header(b, n, 1, "");
	memset(b + 16, 0, 216);
	b[13] = 0x31; /* AF_UNIX stream */
	b[14] = 0;
	b[15] = 216;
	assert_header(b, 16 + 216, 1, "");
}
END_TEST

START_TEST(v2_malformed)
{
	unsigned char b[128], c[128];
	size_t n = ts_proxy_v2(b, "203.0.113.7", "192.0.2.1", 0);

	memcpy(c, b, n);
	c[12] = 0x11; /* version 1 */
	ck_assert_int_eq(proxy_proto_parse(c, n, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	memcpy(c, b, n);
	c[12] = 0x22; /* command 2 */
	ck_assert_int_eq(proxy_proto_parse(c, 13, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	memcpy(c, b, n);
	c[13] = 0x41; /* family 4 */
	ck_assert_int_eq(proxy_proto_parse(c, 14, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	memcpy(c, b, n);
	c[15] = 8; /* too short for two IPv4 addresses and ports */
	ck_assert_int_eq(proxy_proto_parse(c, 24, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	memcpy(c, b, n);
	c[13] = 0x21; /* IPv6 in 12 bytes */
	ck_assert_int_eq(proxy_proto_parse(c, n, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	memcpy(c, b, n);
	c[5] = 'X'; /* signature */
	ck_assert_int_eq(proxy_proto_parse(c, 6, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
}
END_TEST

START_TEST(v2_oversized)
{
	unsigned char b[16];

	ts_proxy_v2(b, NULL, NULL, 0);
	b[14] = (PROXY_PROTO_MAX - 16 + 1) >> 8;
	b[15] = (PROXY_PROTO_MAX - 16 + 1) & 0xff;
	/* Refused on the length alone: nothing is buffered for it. */
	ck_assert_int_eq(proxy_proto_parse(b, 16, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
	b[14] = b[15] = 0xff;
	ck_assert_int_eq(proxy_proto_parse(b, 16, &(struct proxy_header){0}),
	                 PROXY_PROTO_INVALID);
}
END_TEST

static int
match(const struct proxy_trust *t, const char *addr)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};

	if (inet_pton(AF_INET, addr, &a.sin_addr) == 1)
		return proxy_trust_match(t, (struct sockaddr *)&a);
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &a6.sin6_addr), 1);
	return proxy_trust_match(t, (struct sockaddr *)&a6);
}

START_TEST(trust_list)
{
	struct proxy_trust t;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(proxy_trust_parse("10.1.0.0/16, 192.0.2.7 "
	                                   "2001:db8:a::/48,fe80::1/10",
	                                   &t, &err),
	                 0);
	ck_assert_uint_eq(t.n, 4);
	ck_assert_int_eq(match(&t, "10.1.200.3"), 1);
	ck_assert_int_eq(match(&t, "10.2.0.1"), 0);
	ck_assert_int_eq(match(&t, "192.0.2.7"), 1);
	ck_assert_int_eq(match(&t, "192.0.2.8"), 0);
	ck_assert_int_eq(match(&t, "::ffff:192.0.2.7"), 1);
	ck_assert_int_eq(match(&t, "2001:db8:a:ffff::1"), 1);
	ck_assert_int_eq(match(&t, "2001:db8:b::1"), 0);
	ck_assert_int_eq(match(&t, "febf::9"), 1);
	ck_assert_int_eq(match(&t, "fec0::9"), 0);
	proxy_trust_clear(&t);

	ck_assert_int_eq(proxy_trust_parse(NULL, &t, &err), 0);
	ck_assert_int_eq(match(&t, "127.0.0.1"), 0);
	ck_assert_int_eq(proxy_trust_parse("0.0.0.0/0", &t, &err), 0);
	ck_assert_int_eq(match(&t, "198.51.100.1"), 1);
	ck_assert_int_eq(match(&t, "::1"), 0);
	proxy_trust_clear(&t);
}
END_TEST

START_TEST(trust_list_refuses_junk)
{
	const char *bad[] = {"10.0.0.0/33", "::/129",       "10.0.0.0/",
	                     "10.0.0/8",    "host.example", "10.0.0.0/-1",
	                     "10.0.0.0/8x"};
	struct proxy_trust t;
	struct pl_error err;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pl_error_init(&err);
		ck_assert_msg(proxy_trust_parse(bad[i], &t, &err) ==
		                  PL_ERR_VALIDATION,
		              "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.message, bad[i]));
		ck_assert_uint_eq(t.n, 0);
		pl_error_clear(&err);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proxy_proto");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, v1_tcp4);
	tcase_add_test(tc, v1_tcp6);
	tcase_add_test(tc, v1_unknown);
	tcase_add_test(tc, v1_malformed);
	tcase_add_test(tc, v1_longer_than_107_bytes);
	tcase_add_test(tc, v2_proxy_inet);
	tcase_add_test(tc, v2_proxy_inet6);
	tcase_add_test(tc, v2_local);
	tcase_add_test(tc, v2_tlvs_skipped);
	tcase_add_test(tc, v2_unspec_and_unix_keep_the_connection);
	tcase_add_test(tc, v2_malformed);
	tcase_add_test(tc, v2_oversized);
	tcase_add_test(tc, trust_list);
	tcase_add_test(tc, trust_list_refuses_junk);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
